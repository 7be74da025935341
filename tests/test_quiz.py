"""The end-of-course quiz: the instructor's source (instructor/nst_teach_instructor/quiz.py), the student's
package without its keys (nst_teach/quiz.py, nst_teach/data/quiz.json) and notebook 07.

The instructor's keys are the independent reference: every answer the student's hashes judge right is the
key, every other choice and every typical mistake is judged wrong and opens its own reason, and nothing
else opens anything. A multiple-choice question has one graded try, kept in the kernel and in
``$NST_TEACH_HOME`` (a fresh kernel still finds it). The student's package holds no key and no text that
gives one away, and its data file is what the instructor's source writes now. The quiz measures what it
should: a question per notebook 01–06, at least half of them applications, options of comparable length;
the figures the answers state are recomputed from the package itself.
"""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf

import nst_teach as nst
from nst_teach import costs, defaults, layers, quiz
from nst_teach.errors import OptionError
from nst_teach_instructor import quiz as keys

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "07_quiz.ipynb"
QIDS = list(keys.QUESTIONS)
MULTIPLE = [qid for qid in QIDS if not keys.QUESTIONS[qid].numeric]
NUMERIC = [qid for qid in QIDS if keys.QUESTIONS[qid].numeric]
WRONG = [(qid, c.key) for qid in MULTIPLE for c in keys.QUESTIONS[qid].choices if c.key != keys.QUESTIONS[qid].answer]


def _key(qid: str) -> str:
    q = keys.QUESTIONS[qid]
    return keys.canonical_answer(q, q.answer)


# --------------------------------------------------------------------------------------------------
# What the quiz asks
# --------------------------------------------------------------------------------------------------


def test_eight_to_ten_questions_the_same_in_both_packages():
    assert 8 <= len(QIDS) <= 10 and QIDS == [f"q{i}" for i in range(1, len(QIDS) + 1)]
    assert list(quiz.QUESTIONS) == QIDS
    for qid in QIDS:
        mine, theirs = keys.QUESTIONS[qid], quiz.QUESTIONS[qid]
        assert (theirs.title, theirs.text, theirs.notebook, theirs.kind) == (
            mine.title,
            mine.text,
            mine.notebook,
            mine.kind,
        )
        assert theirs.choices == tuple((c.key, c.text) for c in mine.choices)
        assert theirs.numeric == mine.numeric and theirs.resolution == mine.resolution


def test_a_question_per_notebook_and_at_least_half_applications():
    notebooks = {q.notebook for q in keys.QUESTIONS.values()}
    assert {name.split("_")[0] for name in notebooks} >= {"01", "02", "03", "04", "05", "06"}
    for name in notebooks:
        assert (ROOT / "notebooks" / f"{name}.ipynb").is_file(), name
    kinds = [q.kind for q in keys.QUESTIONS.values()]
    assert set(kinds) <= {"application", "recall"} and kinds.count("application") >= len(kinds) / 2


def test_choices_are_four_letters_of_comparable_length_and_the_key_is_rarely_the_longest():
    longest = 0
    for qid in MULTIPLE:
        q = keys.QUESTIONS[qid]
        assert [c.key for c in q.choices] == ["a", "b", "c", "d"] and q.answer in "abcd"
        lengths = [len(c.text) for c in q.choices]
        assert len({c.text for c in q.choices}) == 4, f"{qid}: two choices read the same"
        assert max(lengths) <= 2 * min(lengths), f"{qid}: choices of lengths {lengths}"
        key_length = len(q.choices["abcd".index(q.answer)].text)
        longest += key_length >= max(length for c, length in zip(q.choices, lengths) if c.key != q.answer)
    assert longest <= len(MULTIPLE) / 4, f"the key is the longest choice in {longest} of {len(MULTIPLE)} questions"
    assert len({keys.QUESTIONS[qid].answer for qid in MULTIPLE}) >= 3, "the right letter should vary"


@pytest.mark.parametrize("qid", QIDS)
def test_every_answer_is_explained_and_every_wrong_one_has_its_reason(qid):
    q = keys.QUESTIONS[qid]
    assert len(q.explanation) > 120, "the explanation should say why, in a sentence or two"
    texts = keys.sealed_texts(q)  # raises when two answers would open the same text
    assert texts[_key(qid)] == q.explanation
    if q.numeric:
        assert len(q.mistakes) >= 3 and q.resolution > 0 and q.unit
        assert all(len(why) > 20 for _, why in q.mistakes)
        assert len(texts) == len(q.mistakes) + 1
    else:
        assert all(len(c.why) > 40 for c in q.choices if c.key != q.answer)
        assert not q.choices["abcd".index(q.answer)].why
        assert len(texts) == 4


def _words(text: str) -> list[str]:
    return re.findall(r"[\w'’·²αβ]+", text.lower())


def test_no_sentence_is_copied_from_the_notebooks():
    taught = []
    for path in sorted((ROOT / "notebooks").glob("0[0-6]_*.ipynb")):
        taught += _words("\n".join("".join(c["source"]) for c in json.loads(path.read_text(encoding="utf-8"))["cells"]))
    run = 8  # words in a row that would be a copied phrase
    seen = {tuple(taught[i : i + run]) for i in range(len(taught) - run + 1)}
    for q in keys.QUESTIONS.values():
        for text in [q.text, q.explanation, *(c.text for c in q.choices), *keys.sealed_texts(q).values()]:
            words = _words(text)
            copied = [
                " ".join(words[i : i + run]) for i in range(len(words) - run + 1) if tuple(words[i : i + run]) in seen
            ]
            assert not copied, f"{q.id} copies a notebook: {copied}"


def test_the_answers_state_what_the_package_computes():
    # q1: preprocess of a flat picture, channel 0.
    flat = np.zeros((48, 64, 3), np.uint8) + np.array([200, 100, 50], np.uint8)
    x = np.asarray(nst.preprocess(flat, (48, 32)))
    assert x.shape == (1, 32, 48, 3) and float(x[0, 5, 5, 0]) == pytest.approx(keys.QUESTIONS["q1"].answer, abs=1e-3)
    # q2: the gradient through an average pool of a 2×2 window, when the gradient 8 arrives.
    window = tf.Variable(tf.constant([1.0, 4.0, 3.0, 2.0], shape=(1, 2, 2, 1)))
    with tf.GradientTape() as tape:
        pooled = tf.nn.avg_pool2d(window, 2, 2, "VALID")
    gradient = tape.gradient(pooled, window, output_gradients=tf.constant(8.0, shape=(1, 1, 1, 1)))
    key = keys.QUESTIONS["q2"].choices["abcd".index(keys.QUESTIONS["q2"].answer)].text
    assert [float(g) for g in gradient.numpy().ravel()] == [float(v) for v in key.split(", ")]
    # q4: the receptive fields the explanation quotes.
    explanation = keys.QUESTIONS["q4"].explanation
    assert "5 × 5 px" in explanation and "84 px" in explanation
    # q5: block3_conv1's Gram matrix for the course's size, by the package's own function.
    n_h, n_w = layers.VGG19_LAYERS[layers.layer_index("block3_conv1")].output_size(defaults.IMG_SIZE)
    gram = costs.gram_matrix(tf.zeros((1, n_h, n_w, 256)))
    q5 = keys.QUESTIONS["q5"]
    assert q5.choices["abcd".index(q5.answer)].text == f"{gram.shape[0]} × {gram.shape[1]}"
    # q6: one layer's style cost, by the package's formula.
    g_g = np.zeros((3, 3), np.float32)
    g_g[0, 1] = g_g[1, 0] = 30
    assert float(costs.gram_cost(np.zeros((3, 3), np.float32), g_g, 2 * 5)) == pytest.approx(
        keys.QUESTIONS["q6"].answer
    )
    # q7: the style's share of the total cost, by total_cost.
    total = float(costs.total_cost(1500.0, 250.0))
    assert 100 * defaults.BETA * 250 / total == pytest.approx(keys.QUESTIONS["q7"].answer)
    # q8: one train_step with Keras' Adam at the reference recipe's learning rate.
    import keras

    from nst_teach.training import train_step

    x = tf.Variable([[[[100.0]]]])
    train_step(x, keras.optimizers.Adam(learning_rate=defaults.LEARNING_RATE), lambda g: tf.reduce_sum((g - 40) ** 2))
    assert float(x.numpy().ravel()[0]) == pytest.approx(keys.QUESTIONS["q8"].answer, abs=1e-3)
    # q9: the ratio α/β of the reference recipe, kept with β = 400.
    assert keys.QUESTIONS["q9"].answer / 400 == pytest.approx(defaults.ALPHA / defaults.BETA)


# --------------------------------------------------------------------------------------------------
# The hashes and the sealed texts, against the instructor's keys
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("qid", QIDS)
def test_the_hash_judges_every_answer_as_the_keys_do(qid):
    q, theirs = keys.QUESTIONS[qid], quiz.QUESTIONS[qid]
    if q.numeric:
        step = q.resolution
        tried = [q.answer, q.answer + 0.4 * step, q.answer - 0.4 * step, q.answer + 1.5 * step, -q.answer, 0]
        tried += [value for value, _ in q.mistakes] + [str(q.answer), f" {q.answer} ", np.float32(q.answer)]
        tried += [None, "", True, float("nan"), float("inf"), "a hundred", [q.answer], 1e308]
    else:
        tried = ["a", "b", "c", "d", " B ", "(c)", "D", "e", "", None, 1, ["a"], "ab"]
    for value in tried:
        answer = quiz.canonical(value, theirs.resolution)
        assert quiz._right(theirs, answer) == keys.correct(qid, value), value
    assert quiz._right(theirs, _key(qid)) and keys.correct(qid, q.answer)


@pytest.mark.parametrize("qid", QIDS)
def test_each_sealed_text_opens_with_its_own_answer_only(qid):
    q, theirs = keys.QUESTIONS[qid], quiz.QUESTIONS[qid]
    texts = keys.sealed_texts(q)
    assert len(theirs.sealed) == len(texts)
    for answer, text in texts.items():
        assert quiz._opens(theirs, answer) == text
        blob = theirs.sealed[quiz.tag(theirs.salt, qid, answer)]
        for other in set(texts) - {answer}:
            assert quiz.unseal(blob, theirs.salt, qid, other) != text
    if q.numeric:  # numbers near the key or a mistake open nothing
        for answer in texts:
            for off in (-1, 1):
                near = quiz.canonical(float(answer) + off * q.resolution, q.resolution)
                assert near in texts or quiz._opens(theirs, near) is None


def test_seal_and_canonical_forms():
    assert quiz.unseal(quiz.seal("α/β — 0.25", "ab12", "q9", "100"), "ab12", "q9", "100") == "α/β — 0.25"
    assert quiz.unseal(quiz.seal("α/β — 0.25", "ab12", "q9", "100"), "ab12", "q9", "101") != "α/β — 0.25"
    assert quiz.seal("text", "ab12", "q9", "100") != quiz.seal("text", "ab13", "q9", "100")  # the salt counts
    assert quiz.tag("ab12", "q1", "b") != quiz.tag("ab12", "q2", "b")  # so does the question
    assert [quiz.canonical(v, 0.1) for v in (-53.94, -53.95, -53.85, "98", 98.04999, 0.04, -0.04)] == [
        "-53.9", "-53.9", "-53.8", "98.0", "98.0", "0.0", "0.0"
    ]  # fmt: skip
    assert [quiz.canonical(v, 1) for v in (99.5, 100.49, "1,000")] == ["100", "100", None]
    assert quiz.canonical(1e308, 0.01) is None  # too large to round: no answer
    assert quiz.canonical("(C) ") == "c" and quiz.canonical(3) is None


# --------------------------------------------------------------------------------------------------
# One graded try
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("qid", MULTIPLE)
def test_the_key_as_first_answer_is_right_and_explained(qid):
    result = quiz.check(qid, keys.QUESTIONS[qid].answer.upper())
    assert result and result.passed and str(result) == repr(result)
    assert str(result).startswith(f"✔ {qid}: right") and keys.QUESTIONS[qid].explanation in str(result)
    assert quiz.graded_tries() == {qid: keys.QUESTIONS[qid].answer}


@pytest.mark.parametrize(("qid", "key"), WRONG, ids=[f"{qid}-{key}" for qid, key in WRONG])
def test_a_wrong_first_answer_is_the_graded_try_for_good(qid, key):
    q = keys.QUESTIONS[qid]
    first = quiz.check(qid, key)
    assert not first and str(first).startswith(f"✘ {qid}: not ({key}). This was your graded try")
    assert q.choices["abcd".index(key)].why in str(first) and q.explanation in str(first)
    for again in (q.answer, key, None, "e"):  # no new verdict, whatever comes next
        later = quiz.check(qid, again)
        assert not later and f"your graded try was ({key})" in str(later) and q.explanation in str(later)
    assert quiz.graded_tries() == {qid: key}
    assert json.loads(quiz.tries_path().read_text(encoding="utf-8"))[qid]["answer"] == key


def test_the_graded_try_survives_a_fresh_kernel_through_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv("NST_TEACH_HOME", str(tmp_path / "home"))
    assert not quiz.check("q2", "a")
    assert quiz.tries_path() == tmp_path / "home" / "quiz_answers.json"
    monkeypatch.setattr(quiz, "_KERNEL_TRIES", {})  # this module's state, forgotten
    assert quiz.graded_tries() == {"q2": "a"} and "your graded try was (a)" in str(quiz.check("q2", "d"))
    code = "from nst_teach import quiz; r = quiz.check('q2', 'd'); print(r.passed, quiz.graded_tries())"
    fresh = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert fresh.stdout.strip() == "False {'q2': 'a'}"
    monkeypatch.setenv("NST_TEACH_HOME", str(tmp_path / "another home"))
    assert quiz.graded_tries() == {} and quiz.check("q2", "d")  # another student's home


def test_the_kernel_keeps_the_try_when_the_file_cannot_be_written(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.write_text("a file where the folder should be")
    monkeypatch.setenv("NST_TEACH_HOME", str(home))
    result = quiz.check("q3", "a")
    assert "Kept in this kernel only" in str(result) and quiz.graded_tries() == {"q3": "a"}
    assert "your graded try was (a)" in str(quiz.check("q3", "b"))


def test_a_broken_file_counts_for_nothing_and_is_mended(tmp_path, monkeypatch):
    monkeypatch.setenv("NST_TEACH_HOME", str(tmp_path))
    quiz.tries_path().write_text("{not json")
    assert quiz.graded_tries() == {}
    quiz.check("q4", "b")
    assert json.loads(quiz.tries_path().read_text())["q4"]["answer"] == "b"


@pytest.mark.parametrize("value", [None, "", "  ", "e", 1, "ab"])
def test_no_answer_and_no_choice_are_not_graded_tries(value):
    result = quiz.check("q5", value)
    assert not result and quiz.graded_tries() == {}
    said = "not answered yet" if value is None or not str(value).strip() else "is not one of the choices"
    assert said in str(result) and 'one of "a", "b", "c", "d"' in str(result)


@pytest.mark.parametrize("qid", NUMERIC)
def test_a_number_can_be_tried_again_with_a_hint_for_each_typical_mistake(qid):
    q = keys.QUESTIONS[qid]
    for value, why in q.mistakes:
        result = quiz.check(qid, value)
        shown = keys.canonical_answer(q, value)
        assert not result and str(result) == f"✘ {qid}: not {shown}. {why} Try again."
        assert q.explanation not in str(result)
    lonely = q.answer + 7 * q.resolution + 1000
    assert str(quiz.check(qid, lonely)) == f"✘ {qid}: not {keys.canonical_answer(q, lonely)}. Try again."
    right = quiz.check(qid, q.answer)
    assert right and str(right) == f"✔ {qid}: right, {_key(qid)}. {q.explanation}"
    assert "is not a number" in str(quiz.check(qid, "many")) and "not answered yet" in str(quiz.check(qid, None))
    assert quiz.graded_tries() == {}


def test_an_unknown_question_is_refused_by_name():
    with pytest.raises(OptionError, match=r"qid must be one of \['q1'.*got 'q99'"):
        quiz.check("q99", "a")
    with pytest.raises(OptionError, match="Did you mean 'q1'"):
        keys.correct("Q1", 1)


def test_the_result_shows_as_a_box_with_the_message_escaped():
    result = quiz.check("q1", "<b>")
    assert not result and "&lt;b&gt;" in result._repr_html_() and "<b>" not in result._repr_html_().split(">", 1)[1]


@pytest.mark.parametrize("qid", QIDS)
def test_solution_and_answer_cells_are_python_that_the_keys_grade(qid):
    solved, blank = {}, {}
    exec(keys.solution_source(qid), solved)  # noqa: S102 - the line solved and nbgrader copies hold
    exec(quiz.answer_source(qid), blank)
    assert keys.correct(qid, solved[qid]) and blank[qid] is None
    assert keys.feedback(qid, solved[qid]).startswith(f"{qid}: ") and " is right. " in keys.feedback(qid, solved[qid])
    assert " is not the answer, " in keys.feedback(qid, None)


# --------------------------------------------------------------------------------------------------
# No key in the student's package
# --------------------------------------------------------------------------------------------------


def _leaves(value, path=()):
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _leaves(key, (*path, "<key>"))
            yield from _leaves(inner, (*path, key))
    elif isinstance(value, list):
        for inner in value:
            yield from _leaves(inner, (*path, "[]"))
    else:
        yield path, value


@pytest.mark.parametrize("qid", QIDS)
def test_the_student_record_holds_no_key_and_no_explanation(qid):
    q = keys.QUESTIONS[qid]
    record = next(r for r in json.loads(quiz.DATA_FILE.read_text(encoding="utf-8"))["questions"] if r["id"] == qid)
    secrets = set(keys.sealed_texts(q).values())
    for path, leaf in _leaves(record):
        if path[:2] == ("choices", "[]") and path[-1] == "key":
            continue  # the letters a, b, c, d: every choice has one
        assert leaf not in secrets, path
        assert leaf != _key(qid) and not (isinstance(leaf, (int, float)) and leaf == pytest.approx(q.answer)), path
    assert record["answer"] == quiz.tag(record["salt"], qid, _key(qid))  # the hash, not the answer


def test_no_secret_text_is_anywhere_in_the_students_package_or_notebook():
    secrets = keys.secret_texts()
    assert len(secrets) == len(QIDS) + sum(len(keys.sealed_texts(q)) for q in keys.QUESTIONS.values())
    files = [p for p in (ROOT / "nst_teach").rglob("*") if p.is_file() and p.suffix in {".py", ".json", ".md", ".html"}]
    files.append(NOTEBOOK)
    assert ROOT / "nst_teach" / "quiz.py" in files and quiz.DATA_FILE in files
    for path in files:
        text = path.read_text(encoding="utf-8")
        leaked = [secret for secret in secrets if secret in text]
        assert not leaked, f"{path.relative_to(ROOT)} gives away {leaked}"


def test_no_example_in_the_students_module_answers_a_question():
    source = (ROOT / "nst_teach" / "quiz.py").read_text(encoding="utf-8")
    for qid, value in re.findall(r"""["'](q\d+)["']\s*[:,]\s*([^,)\s}]+)""", source):
        if qid in keys.QUESTIONS and value not in ("None", "value"):
            shown = value.strip("\"'")
            assert not keys.correct(qid, shown), f"nst_teach/quiz.py answers {qid} with {value}"


def test_no_docstring_example_of_the_students_module_shows_a_key():
    import doctest

    examples = [e for test in doctest.DocTestFinder().find(quiz) for e in test.examples]
    assert len(examples) >= 5
    shown = "\n".join(e.source + e.want for e in examples)
    for qid in NUMERIC:
        assert not re.search(rf"(?<![\w.]){re.escape(_key(qid))}(?![\w.])", shown), f"an example shows {qid}'s key"


def test_the_data_file_is_what_the_instructors_source_writes_now(capsys):
    assert keys.main(["--check"]) == 0, "run: python -m nst_teach_instructor.quiz"
    assert "is current" in capsys.readouterr().out
    assert json.loads(quiz.DATA_FILE.read_text(encoding="utf-8")) == keys.student_data()


def test_the_generator_writes_a_file_the_student_module_reads(tmp_path, capsys):
    path = tmp_path / "quiz.json"
    assert keys.main([str(path)]) == 0 and capsys.readouterr().out.strip() == str(path)
    assert quiz._load(path) == quiz.QUESTIONS
    path.write_text("{}")
    assert keys.main(["--check", str(path)]) == 1 and "out of date" in capsys.readouterr().out


# --------------------------------------------------------------------------------------------------
# The widgets
# --------------------------------------------------------------------------------------------------


def _said(box) -> str:
    return "".join(output["text"] for output in box.output.outputs)


def test_a_choice_widget_gives_one_graded_try_then_switches_off():
    import ipywidgets

    q = keys.QUESTIONS["q3"]
    wrong = next(c.key for c in q.choices if c.key != q.answer)
    box = quiz.quiz_widget("q3")
    assert isinstance(box.answer, ipywidgets.RadioButtons) and box.answer.value is None
    assert [value for _, value in box.answer.options] == ["a", "b", "c", "d"]
    assert box.output.outputs == () and not box.button.disabled
    box.button.click()
    assert "not answered yet" in _said(box) and not box.button.disabled
    box.answer.value = wrong
    box.button.click()
    assert _said(box).startswith(f"✘ q3: not ({wrong}). This was your graded try") and q.explanation in _said(box)
    assert box.button.disabled and box.answer.disabled
    again = quiz.quiz_widget("q3")  # a new widget, e.g. after the cell is run again
    assert again.button.disabled and again.answer.value == wrong and f"your graded try was ({wrong})" in _said(again)


def test_the_number_widget_can_be_tried_again():
    import ipywidgets

    box = quiz.quiz_widget("q9")
    assert isinstance(box.answer, ipywidgets.FloatText) and box.answer.description == "α ="
    box.answer.value = defaults.ALPHA
    box.button.click()
    assert _said(box).startswith(f"✘ q9: not {defaults.ALPHA:g}.")
    box.answer.value = keys.QUESTIONS["q9"].answer + 0.3
    box.button.click()
    assert _said(box).startswith("✔ q9: right") and "not" not in _said(box).split(".")[0]
    assert not box.button.disabled


def test_the_whole_quiz_is_every_question_with_its_text():
    whole = quiz.quiz()
    assert len(whole.children) == len(QIDS)
    for box, q in zip(whole.children, quiz.QUESTIONS.values()):
        assert html.unescape(box.children[0].value) == f"<b>{q.title}.</b> {q.text}"
        assert box.button.description == "Check"
    assert quiz.quiz_widget("q2").answer is not quiz.quiz_widget("q2").answer


# --------------------------------------------------------------------------------------------------
# The notebook
# --------------------------------------------------------------------------------------------------


def _cells() -> list[dict]:
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    for cell in cells:
        cell["source"] = "".join(cell["source"])
    return cells


def test_the_notebook_asks_each_question_as_the_module_states_it():
    cells = _cells()
    answers = [i for i, cell in enumerate(cells) if cell["metadata"].get("nst_teach", {}).get("quiz")]
    assert [cells[i]["metadata"]["nst_teach"]["quiz"] for i in answers] == QIDS
    for number, (i, qid) in enumerate(zip(answers, QIDS), start=1):
        question, widget, answer, check = cells[i - 2], cells[i - 1], cells[i], cells[i + 1]
        assert question["cell_type"] == "markdown" and question["source"] == quiz.question_markdown(qid, number)
        assert widget["cell_type"] == "code" and widget["source"] == f'nst.quiz.quiz_widget("{qid}")'
        assert answer["metadata"]["nst_teach"] == {"quiz": qid} and "quiz" in answer["metadata"]["tags"]
        assert answer["source"] == quiz.answer_source(qid)
        assert check["source"] == f'nst.quiz.check("{qid}", {qid})' and "check" in check["metadata"]["tags"]
    summary = cells[-1]["source"]
    for number, q in enumerate(keys.QUESTIONS.values(), start=1):
        assert f"| {number} | {q.title} | `{q.notebook}` |" in summary


def test_the_notebook_says_how_answers_are_checked():
    intro = " ".join(" ".join(c["source"] for c in _cells()[:3] if c["cell_type"] == "markdown").split())
    for said in ("salted hash", "One graded try per multiple-choice question", "tries every letter",
                 "never a new verdict", "as often as you like", "hidden tests", "$NST_TEACH_HOME"):  # fmt: skip
        assert said in intro, said


def test_the_setup_cell_is_the_one_of_every_notebook():
    six = json.loads((NOTEBOOK.parent / "06_experiments.ipynb").read_text(encoding="utf-8"))["cells"]
    setup = next(cell for cell in six if "setup" in cell["metadata"].get("tags", []))
    assert next(cell for cell in _cells() if cell["cell_type"] == "code")["source"] == "".join(setup["source"])


@pytest.mark.slow
@pytest.mark.parametrize("answered", [False, True], ids=["unanswered", "answered"])
def test_the_notebook_runs_and_checks_the_answers(answered, tmp_path, monkeypatch):
    import nbformat
    from test_notebooks import _execute, _outputs_text

    nb = nbformat.read(NOTEBOOK, as_version=4)
    if answered:
        for cell in nb.cells:
            qid = cell.metadata.get("nst_teach", {}).get("quiz")
            if qid:
                cell.source = keys.solution_source(qid)
    home = tmp_path / "home"
    text = _outputs_text(_execute(nb, tmp_path / "work", monkeypatch, home=home))
    for qid in QIDS:
        expected = f"✔ {qid}: right" if answered else f"✘ {qid}: not answered yet."
        assert expected in text, qid
    view = "application/vnd.jupyter.widget-view+json"
    shown = [o for cell in nb.cells for o in cell.get("outputs", []) if view in o.get("data", {})]
    assert len(shown) == len(QIDS)  # each widget cell showed its widget
    tries = json.loads((home / "quiz_answers.json").read_text()) if answered else {}
    assert {qid: entry["answer"] for qid, entry in tries.items()} == {qid: _key(qid) for qid in MULTIPLE if answered}

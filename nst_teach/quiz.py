"""The end-of-course quiz (notebook 07): the questions, checked against hashes, one graded try per choice.

The questions come from ``nst_teach/data/quiz.json``, which the instructor's package writes
(``python -m nst_teach_instructor.quiz``); the keys are not in nst-teach. For each question the file holds
its text, its choices (``"a"`` … ``"d"``) or the resolution of its numeric answer, a *salt* of its
own, the SHA-256 hash of the right answer (:func:`tag`) and *sealed* texts: the explanation and, for
each choice, why it is wrong, each XOR-ed with a keystream that only the answer it belongs to gives
(:func:`seal`, SHAKE-256). An answer is hashed the same way: if its hash is the right answer's, it is
right, and the texts it opens are shown. A number is first rounded to the question's resolution
(:func:`canonical`), and the numbers that a typical mistake gives open a hint of their own.

What this hides, and what it cannot: a hash keeps a number out of sight, not out of reach (a program
that tries every number at the resolution finds it), and with four choices anyone who tries every
letter finds the right one. So a multiple-choice question has **one graded try**: the first answer
given, with the widget or with :func:`check`, is recorded, in the kernel and in ``quiz_answers.json``
under ``$NST_TEACH_HOME`` (``~/.nst-teach`` by default, :mod:`nst_teach.kept_functions`), and then the
explanation is shown; a later try gets the graded one back with the explanation, never a new verdict.
A numeric question can be tried again; its explanation opens when the answer is right. In a course
graded with nbgrader none of this is the grade: the assignment's hidden tests grade the answer cells
with the instructor's keys.

>>> question("q2").kind, question("q2").keys
('application', ('a', 'b', 'c', 'd'))
>>> canonical(" (B) "), canonical(-12.34, 0.1), canonical("7", 0.1), canonical("ninety", 0.1)
('b', '-12.3', '7.0', None)

Introduced in ``notebooks/07_quiz.ipynb``.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import html
import json
import math
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import kept_functions
from .errors import OptionError
from .validate import did_you_mean

__all__ = [
    "DATA_FILE",
    "TRIES_FILE",
    "Question",
    "QUESTIONS",
    "QuizResult",
    "question",
    "canonical",
    "tag",
    "seal",
    "unseal",
    "tries_path",
    "graded_tries",
    "check",
    "answer_source",
    "question_markdown",
    "quiz_widget",
    "quiz",
]

#: The quiz's questions, hashes and sealed texts, written by ``python -m nst_teach_instructor.quiz``.
DATA_FILE: Path = Path(__file__).resolve().with_name("data") / "quiz.json"

#: The file, in nst-teach's home folder, that keeps each multiple-choice question's graded try.
TRIES_FILE = "quiz_answers.json"


@dataclass(frozen=True)
class Question:
    """One question as the student's package knows it: no key, only hashes and sealed texts.

    Attributes:
        id: ``"q1"`` … : the name of the answer's variable in the notebook.
        title: a few words for the heading.
        text: the question.
        notebook: the notebook that teaches it, e.g. ``"04_gram_and_style_cost"``.
        kind: ``"application"`` (a number to compute, a picture to predict, a line to choose) or ``"recall"``.
        choices: ``(letter, text)`` of each choice; empty for a numeric question.
        resolution: what a numeric answer is rounded to before it is hashed (0 for a choice).
        unit: the number box's label (numeric questions).
        salt: this question's salt (hex).
        answer: the hash of the right answer (:func:`tag`).
        sealed: the sealed texts, by the hash of the answer that opens them.
    """

    id: str
    title: str
    text: str
    notebook: str
    kind: str
    choices: tuple[tuple[str, str], ...]
    resolution: float
    unit: str
    salt: str
    answer: str
    sealed: dict[str, str] = field(repr=False)

    @property
    def numeric(self) -> bool:
        """Whether the answer is a number (else a letter)."""
        return not self.choices

    @property
    def keys(self) -> tuple[str, ...]:
        """The choices' letters, ``("a", "b", "c", "d")``; empty for a numeric question."""
        return tuple(key for key, _ in self.choices)


def _load(path: Path = DATA_FILE) -> dict[str, Question]:
    data = json.loads(path.read_text(encoding="utf-8"))
    questions = {}
    for record in data["questions"]:
        fields = {name: record[name] for name in ("id", "title", "text", "notebook", "kind", "unit", "salt", "answer")}
        fields["choices"] = tuple((choice["key"], choice["text"]) for choice in record["choices"])
        fields["resolution"] = float(record["resolution"] or 0.0)
        questions[record["id"]] = Question(**fields, sealed=dict(record["sealed"]))
    return questions


#: The quiz, by question id, in order.
QUESTIONS: dict[str, Question] = _load()


def question(qid: str) -> Question:
    """``QUESTIONS[qid]``, or an OptionError that lists the ids (and suggests the closest).

    >>> question("q1").numeric
    True
    """
    if qid not in QUESTIONS:
        raise OptionError(f"qid must be one of {list(QUESTIONS)}, got {qid!r}.{did_you_mean(str(qid), QUESTIONS)}")
    return QUESTIONS[qid]


# --------------------------------------------------------------------------------------------------
# Hashes and sealed texts
# --------------------------------------------------------------------------------------------------


def _number(value: Any) -> float | None:
    """``value`` as a finite float (numbers and numeric strings), else None."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def canonical(value: Any, resolution: float | None = None) -> str | None:
    """An answer as the quiz hashes it: a letter, or a number rounded to ``resolution``; None if it is neither.

    Args:
        value: the student's answer: a letter (``"b"``, also ``"B"`` or ``"(b)"``) or a number (or its text).
        resolution: a numeric question's resolution (``0.1``: tenths); None or 0 for a choice.

    >>> canonical(12.4, 1), canonical(0.305, 0.01), canonical(-0.02, 0.1)
    ('12', '0.31', '0.0')
    """
    if not resolution:
        if not isinstance(value, str):
            return None
        return value.strip().strip("()").strip().lower() or None
    number = _number(value)
    if number is None:
        return None
    try:
        steps = math.floor(number / resolution + 0.5 + 1e-9)  # half-way rounds up, despite 0.505/0.01 = 50.4999…
    except OverflowError:
        return None
    return f"{steps * resolution:.{_decimals(resolution)}f}"


def _decimals(resolution: float) -> int:
    return max(0, -math.floor(math.log10(resolution) + 1e-9))


def _material(salt: str, qid: str, answer: str) -> bytes:
    return bytes.fromhex(salt) + f"{qid}\0{answer}".encode()


def tag(salt: str, qid: str, answer: str) -> str:
    """The hash an answer is compared by: SHA-256 of the salt, the question and the canonical answer (hex)."""
    return hashlib.sha256(b"nst-teach quiz tag\0" + _material(salt, qid, answer)).hexdigest()


def _keystream(salt: str, qid: str, answer: str, size: int) -> bytes:
    return hashlib.shake_256(b"nst-teach quiz seal\0" + _material(salt, qid, answer)).digest(size)


def seal(text: str, salt: str, qid: str, answer: str) -> str:
    """``text`` sealed under ``answer``: XOR-ed with SHAKE-256's keystream of the salt, question and answer (base64).

    >>> unseal(seal("why", "00ff", "q0", "x"), "00ff", "q0", "x")
    'why'
    """
    data = text.encode("utf-8")
    stream = _keystream(salt, qid, answer, len(data))
    return base64.b64encode(bytes(a ^ b for a, b in zip(data, stream))).decode("ascii")


def unseal(sealed: str, salt: str, qid: str, answer: str) -> str:
    """The text :func:`seal` sealed under ``answer``; with another answer, bytes that mean nothing (replaced)."""
    data = base64.b64decode(sealed)
    stream = _keystream(salt, qid, answer, len(data))
    return bytes(a ^ b for a, b in zip(data, stream)).decode("utf-8", errors="replace")


def _opens(q: Question, answer: str) -> str | None:
    """The text sealed under ``answer`` (canonical), or None when it opens none."""
    sealed = q.sealed.get(tag(q.salt, q.id, answer))
    return None if sealed is None else unseal(sealed, q.salt, q.id, answer)


def _right(q: Question, answer: str | None) -> bool:
    return answer is not None and tag(q.salt, q.id, answer) == q.answer


def _key(q: Question) -> str:
    """A multiple-choice question's right letter: the one of four whose hash matches (why a choice cannot be hidden)."""
    return next(key for key in q.keys if _right(q, key))


# --------------------------------------------------------------------------------------------------
# The graded tries
# --------------------------------------------------------------------------------------------------

_KERNEL_TRIES: dict[str, dict[str, str]] = {}  # this kernel's graded tries, by the file they are kept in


def tries_path() -> Path:
    """Where the graded tries are kept: ``quiz_answers.json`` in ``$NST_TEACH_HOME`` (``~/.nst-teach`` by default)."""
    return kept_functions.home() / TRIES_FILE


def _read_file(path: Path) -> dict[str, Any]:
    """The tries file's entries, ``{"q2": {"answer": "b", "when": …}}``; nothing if it is missing or broken."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {qid: entry for qid, entry in data.items() if isinstance(entry, dict) and "answer" in entry}


def _read_tries(path: Path) -> dict[str, str]:
    return {qid: str(entry["answer"]) for qid, entry in _read_file(path).items()}


def graded_tries() -> dict[str, str]:
    """Each multiple-choice question's graded try, ``{"q2": "b"}``: this kernel's, else :func:`tries_path`'s."""
    path = tries_path()
    return {**_read_tries(path), **_KERNEL_TRIES.get(str(path), {})}


def _record(qid: str, answer: str) -> str:
    """Keeps ``answer`` as ``qid``'s graded try; returns a note when the file could not be written."""
    path = tries_path()
    _KERNEL_TRIES.setdefault(str(path), {})[qid] = answer
    try:
        data = _read_file(path)
        data.setdefault(qid, {"answer": answer, "when": f"{datetime.datetime.now():%Y-%m-%d %H:%M}"})
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, partial = tempfile.mkstemp(dir=path.parent, prefix=".quiz.", suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            json.dump(data, file, indent=1)
        os.replace(partial, path)
    except OSError as error:
        return f" (Kept in this kernel only: {path} could not be written: {error}.)"
    return ""


# --------------------------------------------------------------------------------------------------
# Checking an answer
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class QuizResult:
    """The verdict on an answer: true when right, shown as its message (text, or a coloured box).

    Attributes:
        qid: the question.
        passed: whether the answer is right (for a multiple-choice question: the graded try).
        message: what to tell the student.
    """

    qid: str
    passed: bool
    message: str

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        return self.message

    __repr__ = __str__

    def _repr_html_(self) -> str:
        colour = "#1a7f37" if self.passed else "#b35900"
        return (
            f'<div class="nst-quiz-feedback" style="border-left: 4px solid {colour}; padding: 0.3em 0.8em">'
            f"{html.escape(self.message)}</div>"
        )


def _expected(q: Question) -> str:
    if q.numeric:
        decimals = _decimals(q.resolution)
        return f"a number to {decimals} decimal place{'s' * (decimals > 1)}" if decimals else "a whole number"
    return "one of " + ", ".join(f'"{key}"' for key in q.keys)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _graded(q: Question, answer: str, *, again: bool, note: str = "") -> QuizResult:
    """The message of a multiple-choice question's graded try: its verdict (first time), its reason, the explanation."""
    key = _key(q)
    explanation = _opens(q, key) or ""
    if again:
        verdict = "the right answer" if answer == key else f"not the right answer, which is ({key})"
        head = (
            f"{'✔' if answer == key else '✘'} {q.id}: your graded try was ({answer}), {verdict}; it stays your answer."
        )
    elif answer == key:
        head = f"✔ {q.id}: right, ({answer}). This was your graded try."
    else:
        head = f"✘ {q.id}: not ({answer}). This was your graded try; the right answer is ({key})."
    why = "" if answer == key else f" Why not ({answer}): {_opens(q, answer) or ''}"
    return QuizResult(q.id, answer == key, f"{head}{note}{why} Explanation: {explanation}".replace("  ", " "))


def _check_choice(q: Question, value: Any) -> QuizResult:
    graded = graded_tries().get(q.id)
    if graded is not None:
        return _graded(q, graded, again=True)
    if _blank(value):
        return QuizResult(q.id, False, f"✘ {q.id}: not answered yet. Set {q.id} to {_expected(q)}: your first "
                          "answer is your graded try.")  # fmt: skip
    answer = canonical(value)
    if answer not in q.keys:
        return QuizResult(q.id, False, f"✘ {q.id}: {value!r} is not one of the choices. Set {q.id} to {_expected(q)}.")
    return _graded(q, answer, again=False, note=_record(q.id, answer))


def _check_number(q: Question, value: Any) -> QuizResult:
    if _blank(value):
        return QuizResult(q.id, False, f"✘ {q.id}: not answered yet. Set {q.id} to {_expected(q)}.")
    answer = canonical(value, q.resolution)
    if answer is None:
        return QuizResult(q.id, False, f"✘ {q.id}: {value!r} is not a number. Set {q.id} to {_expected(q)}.")
    said = _opens(q, answer)
    if _right(q, answer):
        return QuizResult(q.id, True, f"✔ {q.id}: right, {answer}. {said}")
    hint = f" {said}" if said else ""
    return QuizResult(q.id, False, f"✘ {q.id}: not {answer}.{hint} Try again.")


def check(qid: str, value: Any) -> QuizResult:
    """Checks an answer: the result shows what to tell the student, and is true when the answer is right.

    A multiple-choice question's first answer is its graded try (recorded, :func:`graded_tries`); from then on
    the result is that try's verdict, whatever ``value`` is. A number is checked each time. Nothing about the
    answer makes it raise, so notebook 07 runs top to bottom unanswered.

    Args:
        qid: the question, ``"q1"`` … .
        value: the answer: a letter (``"b"``, ``"B"``, ``"(b)"``) or a number.

    >>> bool(check("q1", None)), bool(check("q1", "a hundred"))
    (False, False)
    """
    q = question(qid)
    return _check_number(q, value) if q.numeric else _check_choice(q, value)


def answer_source(qid: str) -> str:
    """The answer cell as the student gets it: ``q1 = None`` and what to write.

    >>> answer_source("q2")
    'q2 = None  # your answer: one of "a", "b", "c", "d" (your first answer is your graded try)'
    """
    q = question(qid)
    graded = "" if q.numeric else " (your first answer is your graded try)"
    return f"{qid} = None  # your answer: {_expected(q)}{graded}"


def question_markdown(qid: str, number: int | None = None) -> str:
    """The question as notebook 07's markdown cell shows it: heading, text, choices, how it is checked, its notebook."""
    q = question(qid)
    number = number if number is not None else list(QUESTIONS).index(qid) + 1
    lines = [f"## {number}. {q.title}", "", q.text, ""]
    if q.numeric:
        lines += [f"*Answer with {_expected(q)} ({qid} = …); try as often as you need.*"]
    else:
        lines += [f"* **({key})** {text}" for key, text in q.choices]
        lines += ["", "*One graded try: your first answer counts.*"]
    lines += ["", f"*Taught in notebook {q.notebook.split('_')[0]} (`{q.notebook}`).*"]
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------------
# The widgets
# --------------------------------------------------------------------------------------------------


def quiz_widget(qid: str, *, with_text: bool = False) -> Any:
    """One question as widgets: radio buttons (or a number box), a **Check** button, the message under it.

    A multiple-choice widget is disabled once the question has its graded try (then it shows that try).

    Args:
        qid: the question, ``"q1"`` … .
        with_text: show the question's text above the choices (the notebook has it in markdown).

    Returns:
        An ``ipywidgets.VBox``; its ``answer`` is the input widget, ``button`` the Check button and
        ``output`` the Output the message is written into.

    Introduced in ``notebooks/07_quiz.ipynb``.
    """
    import ipywidgets as widgets

    q = question(qid)
    if q.numeric:
        answer = widgets.FloatText(value=0.0, description=q.unit or qid)
    else:
        answer = widgets.RadioButtons(
            options=[(f"({key}) {text}", key) for key, text in q.choices],
            value=None,
            description=qid,
            layout=widgets.Layout(width="max-content"),
        )
    tooltip = f"check your answer to {qid}" + ("" if q.numeric else ": your first answer is your graded try")
    button = widgets.Button(description="Check", tooltip=tooltip, button_style="primary")
    output = widgets.Output()

    def show(result: QuizResult) -> None:
        output.outputs = ()
        output.append_stdout(str(result) + "\n")
        if not q.numeric and qid in graded_tries():
            answer.value = graded_tries()[qid]
            answer.disabled = button.disabled = True

    button.on_click(lambda _: show(check(qid, answer.value)))
    if not q.numeric and qid in graded_tries():
        show(check(qid, None))
    children = [answer, button, output]
    if with_text:
        children.insert(0, widgets.HTML(f"<b>{html.escape(q.title)}.</b> {html.escape(q.text)}"))
    box = widgets.VBox(children)
    box.add_class("nst-quiz")
    box.answer, box.button, box.output = answer, button, output
    return box


def quiz() -> Any:
    """The whole quiz as one ``ipywidgets.VBox``: every question with its text, choices and Check button.

    Introduced in ``notebooks/07_quiz.ipynb``.
    """
    import ipywidgets as widgets

    return widgets.VBox([quiz_widget(qid, with_text=True) for qid in QUESTIONS])

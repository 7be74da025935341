"""The quiz of notebook 07 as the instructor writes it: its questions with their keys, explanations and reasons.

Each question is one :class:`Question` in :data:`QUESTIONS`: its text, its choices (each with why it is
wrong) or, for a numeric question, the number, the resolution it is rounded to and the numbers a typical
mistake gives (each with what went wrong), the key, the explanation, the notebook that teaches it and its
``kind`` ("application": a number to compute, a picture to predict, a line to choose; or "recall"). The
figures the questions use (the ImageNet means, α and β, Adam's learning rate, the layers' channels and
receptive fields) come from :mod:`nst_teach.defaults` and :mod:`nst_teach.layers`, so the quiz cannot
drift from the course.

The student's package holds none of this in the clear: ``python -m nst_teach_instructor.quiz`` writes
``nst_teach/data/quiz.json`` (:func:`student_data`), where each answer is a salted hash and each text is
sealed under the answer that opens it (:func:`nst_teach.quiz.seal`), and :func:`secret_texts` lists what
must never appear in the student's wheel. nbgrader's hidden tests grade with :func:`correct`
(:mod:`nst_teach_instructor.nbgrader`); solved copies hold :func:`solution_source`.

>>> correct("q9", 100.2), correct("q9", 10), correct("q2", None)
(True, False, False)
>>> solution_source("q1")
'q1 = -53.9'
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nst_teach import defaults, layers
from nst_teach import quiz as student
from nst_teach.errors import OptionError
from nst_teach.validate import did_you_mean

__all__ = [
    "Choice",
    "Question",
    "QUESTIONS",
    "question",
    "canonical_answer",
    "correct",
    "feedback",
    "solution_source",
    "sealed_texts",
    "secret_texts",
    "student_data",
    "write",
    "main",
]


@dataclass(frozen=True)
class Choice:
    """One choice of a multiple-choice question: its letter, its text, why it is wrong (empty for the key)."""

    key: str
    text: str
    why: str = ""


@dataclass(frozen=True)
class Question:
    """One question of the quiz, with its key.

    Attributes:
        id: ``"q1"`` … : the name of the answer's variable in the notebook.
        title: a few words for the heading.
        text: the question.
        notebook: the notebook that teaches it, e.g. ``"04_gram_and_style_cost"``.
        kind: ``"application"`` or ``"recall"``.
        answer: the right letter, or the right number.
        explanation: why the answer is right, shown once the answer is given (multiple choice: after the graded try).
        choices: the choices (a multiple-choice question); empty for a numeric one.
        resolution: a numeric answer is rounded to this before it is compared (and hashed).
        unit: the number box's label.
        mistakes: ``(number, what went wrong)`` for the numbers typical mistakes give (numeric questions).
    """

    id: str
    title: str
    text: str
    notebook: str
    kind: str
    answer: str | float
    explanation: str
    choices: tuple[Choice, ...] = ()
    resolution: float = 0.0
    unit: str = ""
    mistakes: tuple[tuple[float, str], ...] = ()

    @property
    def numeric(self) -> bool:
        """Whether the answer is a number (else a letter)."""
        return not self.choices


def _choices(*entries: tuple[str, str]) -> tuple[Choice, ...]:
    return tuple(Choice("abcd"[i], text, why) for i, (text, why) in enumerate(entries))


def _layer(name: str) -> layers.Layer:
    return layers.VGG19_LAYERS[layers.layer_index(name)]


# The figures the questions use, from the course's own tables.
_B_MEAN, _G_MEAN, _R_MEAN = defaults.VGG_MEANS_BGR
_RGB = (200, 100, 50)
_ALPHA, _BETA, _RATE = defaults.ALPHA, defaults.BETA, defaults.LEARNING_RATE
_SHALLOW, _CONTENT = _layer("block1_conv2"), _layer(defaults.CONTENT_LAYER)
_STYLE3 = _layer("block3_conv1")
_WIDTH, _HEIGHT = defaults.IMG_SIZE
_N_H, _N_W = _STYLE3.output_size(defaults.IMG_SIZE)
_POSITIONS = _N_H * _N_W
# q6: one layer's style cost with n_C = 3 on a 2 × 5 grid, G_12 and G_21 off by 30.
_NC, _NHW, _OFF = 3, 2 * 5, 30
_SQUARES = 2 * _OFF**2
# q7: the costs of one iteration, and each term's share of J.
_JC, _JS = 1500, 250
_J = _ALPHA * _JC + _BETA * _JS
# q8: one pixel at 100 and J = (x − 40)²; Adam's first step is the learning rate against the gradient's sign.
_X, _TARGET = 100.0, 40.0
_NEW_BETA = 10 * _BETA


def _minus(number: float) -> str:
    """A number to one decimal, with a real minus sign (−53.9)."""
    return f"{number:.1f}".replace("-", "−")


def _share(part: float, whole: float) -> float:
    return 100 * part / whole


_QUESTIONS: tuple[Question, ...] = (
    Question(
        "q1",
        "One pixel, preprocessed",
        f"A photo has a flat patch in which every pixel is (R, G, B) = {_RGB}. After `preprocess`, which number holds "
        "channel 0 (the first along the last axis) at a pixel of that patch? Resizing leaves a flat patch as it is.",
        "01_images",
        "application",
        _RGB[2] - _B_MEAN,
        f"`preprocess` puts the channels in BGR order, so channel 0 holds the blue value, {_RGB[2]}, and subtracts "
        f"the ImageNet mean of that same channel, {_B_MEAN:g}: {_RGB[2]} − {_B_MEAN:g} ≈ {_minus(_RGB[2] - _B_MEAN)}. "
        f"Channels 1 and 2 become {_RGB[1]} − {_G_MEAN:g} ≈ {_minus(_RGB[1] - _G_MEAN)} and {_RGB[0]} − {_R_MEAN:g} ≈ "
        f"{_minus(_RGB[0] - _R_MEAN)}.",
        resolution=0.1,
        unit="channel 0 =",
        mistakes=(
            (_RGB[0] - _B_MEAN, "Your channel 0 is red: the pixel is still in RGB order. VGG-19 reads blue first."),
            (
                _RGB[0] - _R_MEAN,
                "Red minus red's mean is channel 2 of VGG-19's input: the channels were not put in BGR order.",
            ),
            (_RGB[2], "Blue is the right channel, but its ImageNet mean has not been subtracted."),
            (_RGB[0], "That is the photo's own first channel, red, neither reordered nor centred."),
            (
                _RGB[2] - _R_MEAN,
                f"Blue is the right channel, but {_R_MEAN:g} is red's mean: the means are listed in BGR order too, "
                "blue's first.",
            ),
        ),
    ),
    Question(
        "q2",
        "The gradient through an average pool",
        "A 2×2 window holds the values 1, 4, 3 and 2 (row by row), and the gradient 8 reaches the window's pooled "
        "output from the layer above. Through an average pool, which gradients reach the four inputs, in the same "
        "order?",
        "02_vgg19",
        "application",
        "d",
        "The pooled output is y = ¼·(x₁ + x₂ + x₃ + x₄), so ∂y/∂xᵢ = ¼ for every input, whatever its value: each "
        "receives 8 × ¼ = 2. A max pool would send all 8 to the input holding 4 and nothing to the three others; "
        "through many layers that is why average pools spread the push over the pixels more evenly.",
        _choices(
            (
                "0, 8, 0, 0",
                "That is a max pool's answer: everything to the largest input, the 4. Every input of an average pool "
                "counts in its output, so every input gets a share.",
            ),
            (
                "8, 8, 8, 8",
                "Each input enters the average with the weight ¼, so the gradient that reaches it is ¼ of 8; giving "
                "each the whole 8 counts the output's gradient four times.",
            ),
            (
                "0.8, 3.2, 2.4, 1.6",
                "That shares the 8 out in proportion to the inputs' values, but the derivative of an average with "
                "respect to each input is ¼, whatever the values are.",
            ),
            ("2, 2, 2, 2", ""),
        ),
    ),
    Question(
        "q3",
        "What a step changes",
        "Every iteration of a style transfer run computes a gradient and takes one step. What does the step change?",
        "03_content_cost",
        "recall",
        "b",
        "The generated image is the only variable: the gradient of J is taken with respect to each of its pixels, and "
        "the optimiser moves them. VGG-19's filters stay as ImageNet trained them, the photo and the painting only "
        "give the targets (computed once, before the first step), and α and β are settings you choose.",
        _choices(
            (
                "The weights of VGG-19's filters",
                "VGG-19 is frozen: its ImageNet filters are the fixed yardstick of content and style. Trained on one "
                "photo and one painting they would unlearn what makes them useful.",
            ),
            ("The generated image's pixels", ""),
            (
                "The content photo's pixels",
                "The photo only gives a target: its activations at the content layer are computed once, before the "
                "first step, and never change.",
            ),
            (
                "The weights α and β of the cost",
                "α and β are chosen before the run (notebook 06 varies them); no gradient is taken with respect to "
                "them.",
            ),
        ),
    ),
    Question(
        "q4",
        "A shallow content layer",
        f"You paint with the reference recipe's α, β and style layers, but read the content at {_SHALLOW.name} "
        f"instead of {_CONTENT.name}. What picture do you expect?",
        "03_content_cost",
        "application",
        "a",
        f"Each activation of {_SHALLOW.name} sees {_SHALLOW.receptive_field} × {_SHALLOW.receptive_field} px, so "
        "matching the photo's activations there means keeping nearly every edge and colour where it is; the style "
        f"cost can add little more than a fine grain. {_CONTENT.name} sees {_CONTENT.receptive_field} px: it keeps "
        "what is where and leaves colours and details to the style.",
        _choices(
            ("The photo nearly unchanged, under a fine grain of the painting", ""),
            (
                "The painting's strokes everywhere, the photo's layout lost",
                "A shallow layer is not a weak one: its activations hold the photo almost pixel for pixel, so "
                "matching them keeps the photo, not the painting.",
            ),
            (
                "The photo's layout, its colours and details repainted by the style",
                "That is what a deep content layer gives. A shallow one pins the colours and the fine detail down as "
                "well.",
            ),
            (
                f"The same picture as with {_CONTENT.name}: only J_content's size changes",
                "The layer decides what counts as the same content: notebook 03 rebuilds the photo from several "
                "layers, and they differ.",
            ),
        ),
    ),
    Question(
        "q5",
        "A Gram matrix for a real picture",
        f"The generated image is {_WIDTH} × {_HEIGHT} pixels (width × height). What is the shape of its Gram matrix "
        f"at {_STYLE3.name}?",
        "04_gram_and_style_cost",
        "application",
        "c",
        f"Two pools halve {_WIDTH} × {_HEIGHT} twice, to a grid of {_N_W} × {_N_H} = {_POSITIONS:,} positions, and "
        f"{_STYLE3.name} has {_STYLE3.channels} channels: A is {_STYLE3.channels} × {_POSITIONS:,}, and G = A·Aᵀ is "
        f"{_STYLE3.channels} × {_STYLE3.channels}, one entry per pair of channels, whatever the picture's size.",
        _choices(
            (
                f"{_POSITIONS:,} × {_POSITIONS:,}",
                "That is Aᵀ·A, one row and one column per position: a matrix that grows with the picture. The Gram "
                "matrix A·Aᵀ pairs channels.",
            ),
            (
                f"{_N_H} × {_N_W}",
                f"That is the grid of positions {_STYLE3.name} computes on; the Gram matrix sums over all of them, so "
                "no position is left in it.",
            ),
            (f"{_STYLE3.channels} × {_STYLE3.channels}", ""),
            (
                f"{_STYLE3.channels} × {_POSITIONS:,}",
                "That is A, the unrolled activations with one row per channel; the Gram matrix is A multiplied by its "
                "own transpose.",
            ),
        ),
    ),
    Question(
        "q6",
        "One layer's style cost, by hand",
        f"A style layer has n_C = {_NC} channels on a grid of n_H × n_W = 2 × 5 positions. Its Gram matrices G^(S) "
        f"and G^(G) are equal except for the pair G₁₂ and G₂₁ (a Gram matrix is symmetric), which differ by {_OFF} "
        "each. What is the style cost of the layer, J_style^[l]?",
        "04_gram_and_style_cost",
        "application",
        _SQUARES / (4 * _NC**2 * _NHW**2),
        f"Two entries differ, each by {_OFF}: Σ(G^(S) − G^(G))² = 2 × {_OFF}² = {_SQUARES:,}. The normalisation is 4 "
        f"· n_C² · (n_H·n_W)² = 4 · {_NC**2} · {_NHW**2} = {4 * _NC**2 * _NHW**2:,}, so J_style^[l] = {_SQUARES:,} / "
        f"{4 * _NC**2 * _NHW**2:,} = {_SQUARES / (4 * _NC**2 * _NHW**2):g}.",
        resolution=0.01,
        unit="J_style =",
        mistakes=(
            (_SQUARES / (4 * _NC * _NHW**2), "You divided by n_C, not n_C²: a Gram matrix has n_C² entries."),
            (
                _SQUARES / (4 * _NC**2 * _NHW),
                "You divided by n_H·n_W, not (n_H·n_W)²: each Gram entry is a sum over the positions, so its square "
                "grows with their number squared.",
            ),
            (_SQUARES / (_NC**2 * _NHW**2), "The 4 of the normalisation is missing."),
            (
                _OFF**2 / (4 * _NC**2 * _NHW**2),
                "You counted one of the two entries: the sum runs over every i and every j, so G₁₂ and G₂₁ both count.",
            ),
            (
                _SQUARES / (4 * _NC * _NHW),
                "Neither n_C nor n_H·n_W is squared: that is the content cost's normalisation, applied to Gram "
                "matrices.",
            ),
        ),
    ),
    Question(
        "q7",
        "The total cost's balance",
        f"At one iteration a run reports J_content = {_JC:,} and J_style = {_JS:,}. With the reference recipe's "
        "weights, which share of the total cost J, in percent, is the style's term?",
        "05_style_transfer_live",
        "application",
        _share(_BETA * _JS, _J),
        f"J = α·J_content + β·J_style = {_ALPHA:g} × {_JC:,} + {_BETA:g} × {_JS:,} = {_ALPHA * _JC:,.0f} + "
        f"{_BETA * _JS:,.0f} = {_J:,.0f}; the style's term is {_BETA * _JS:,.0f} / {_J:,.0f} = "
        f"{_share(_BETA * _JS, _J):g} % of it. The weights, not the raw costs, set the balance.",
        resolution=1,
        unit="share (%) =",
        mistakes=(
            (
                _share(_ALPHA * _JS, _BETA * _JC + _ALPHA * _JS),
                "You swapped the weights: α goes with the content cost and β with the style cost.",
            ),
            (_share(_JS, _JC + _JS), "You compared the raw costs: J weighs them with α and β first."),
            (_share(_BETA, _ALPHA + _BETA), "That is β's share of α + β; the costs themselves count as well."),
            (_share(_BETA * _JS, _ALPHA * _JC), "You divided the style's term by the content's term, not by J."),
            (_share(_ALPHA * _JC, _J), "That is the content's share of J."),
        ),
    ),
    Question(
        "q8",
        "One train_step, by hand",
        f"In a toy run the generated image is a single number, x = {_X:g}, and cost_fn returns (x − {_TARGET:g})². A "
        f"correct `train_step` runs once, with Keras' Adam at the reference recipe's learning rate, {_RATE:g}. What "
        "is x afterwards?",
        "05_style_transfer_live",
        "application",
        _X - _RATE,
        f"The gradient is 2·(x − {_TARGET:g}) = {2 * (_X - _TARGET):g}, positive, so the step lowers x. Adam divides "
        "its running average of the gradient by the running size of the gradient, which on the first step is the "
        f"gradient's own size: the step is the learning rate, {_RATE:g}, whatever the gradient's size, and x becomes "
        f"{_X:g} − {_RATE:g} = {_X - _RATE:g}.",
        resolution=0.1,
        unit="x =",
        mistakes=(
            (
                _X - _RATE * 2 * (_X - _TARGET),
                "That is plain gradient descent, x − learning rate × gradient; Adam scales each step by the "
                "gradient's running size.",
            ),
            (_X + _RATE, "The step went uphill: the gradient's sign was flipped."),
            (_X, "x did not move: the step never reached the optimiser's update."),
            (_TARGET, "One step does not jump to the minimum: a step's length is set by the learning rate."),
        ),
    ),
    Question(
        "q9",
        "Keeping the balance",
        f"The reference recipe weighs the costs with α = {_ALPHA:g} and β = {_BETA:g}. You raise β to {_NEW_BETA:g} "
        "and want the same balance between the photo and the painting. Which α do you choose?",
        "06_experiments",
        "application",
        _NEW_BETA * _ALPHA / _BETA,
        "Multiplying J by a number does not move its minimum, so only the ratio α/β shapes the picture: "
        f"{_ALPHA:g}/{_BETA:g} = {_ALPHA / _BETA:g}. Keep it: α = {_ALPHA / _BETA:g} × {_NEW_BETA:g} = "
        f"{_NEW_BETA * _ALPHA / _BETA:g}.",
        resolution=1,
        unit="α =",
        mistakes=(
            (
                _ALPHA,
                f"With α unchanged the style weighs {_NEW_BETA / _BETA:g} times more than before: the painting's "
                "texture wins.",
            ),
            (
                _ALPHA * _BETA / _NEW_BETA,
                f"Keeping α·β constant divides the ratio α/β by {(_NEW_BETA / _BETA) ** 2:g}.",
            ),
            (_NEW_BETA * _BETA / _ALPHA, "That keeps β/α where α/β should be kept: the ratio is upside down."),
            (_NEW_BETA - (_BETA - _ALPHA), "Keeping the difference β − α does not keep the balance: the ratio does."),
        ),
    ),
    Question(
        "q10",
        "L-BFGS and Adam",
        "Iteration for iteration, L-BFGS usually lowers J more than Adam does. Why?",
        "06_experiments",
        "recall",
        "b",
        "L-BFGS keeps its last few steps and how the gradient changed along them; from these it estimates how J "
        "curves, which gives it a better direction, and a line search picks how far to go. Adam's step is set by its "
        f"learning rate ({_RATE:g} pixels), adapted to each pixel from the recent history of its gradient.",
        _choices(
            (
                "It starts from the photo, while the reference recipe's Adam starts from noise",
                "The start is a setting of its own: in notebook 06 both optimisers start from the photo, and L-BFGS "
                "still gets further per iteration.",
            ),
            ("From its last steps it estimates how J curves; a line search sets each step", ""),
            (
                "It evaluates many gradients per iteration, where Adam evaluates just one",
                "L-BFGS pays about one gradient per iteration as well: its line search needs a second evaluation only "
                "once in a while.",
            ),
            (
                "Its learning rate is larger than Adam's, so each of its steps goes further",
                "L-BFGS has no learning rate: each step's length comes from a line search along its direction.",
            ),
        ),
    ),
)

#: The quiz, by question id, in order.
QUESTIONS: dict[str, Question] = {q.id: q for q in _QUESTIONS}


def question(qid: str) -> Question:
    """``QUESTIONS[qid]``, or an OptionError that lists the ids (and suggests the closest)."""
    if qid not in QUESTIONS:
        raise OptionError(f"qid must be one of {list(QUESTIONS)}, got {qid!r}.{did_you_mean(str(qid), QUESTIONS)}")
    return QUESTIONS[qid]


def canonical_answer(q: Question, value: Any) -> str | None:
    """``value`` as the quiz compares it for ``q``: a letter, or the number rounded to ``q.resolution``."""
    return student.canonical(value, q.resolution if q.numeric else None)


def correct(qid: str, value: Any) -> bool:
    """Whether ``value`` answers question ``qid``: the right letter, or the right number at the resolution.

    This is what nbgrader's hidden tests assert (:mod:`nst_teach_instructor.nbgrader`).
    """
    q = question(qid)
    answer = canonical_answer(q, value)
    return answer is not None and answer == canonical_answer(q, q.answer)


def feedback(qid: str, value: Any) -> str:
    """What a graded answer gets in nbgrader's feedback: the verdict, why a wrong answer is wrong, the explanation.

    >>> feedback("q2", "d").startswith("q2: (d) is right.")
    True
    """
    q = question(qid)
    answer, key = canonical_answer(q, value), canonical_answer(q, q.answer)
    shown = (lambda text: text) if q.numeric else (lambda text: f"({text})")
    if answer == key:
        return f"{qid}: {shown(key)} is right. {q.explanation}"
    given = "no answer" if answer is None else shown(answer)
    why = sealed_texts(q).get(answer, "") if answer is not None else ""
    return " ".join(filter(None, [f"{qid}: {given} is not the answer, {shown(key)} is.", why, q.explanation]))


def solution_source(qid: str) -> str:
    """The answer cell, answered: ``q2 = "d"`` or ``q1 = -53.9`` (what solved and nbgrader source copies hold)."""
    q = question(qid)
    key = canonical_answer(q, q.answer)
    return f"{qid} = {key}" if q.numeric else f'{qid} = "{key}"'


def sealed_texts(q: Question) -> dict[str, str]:
    """Every text of ``q`` by the (canonical) answer that opens it: the explanation under the key, each reason
    under its choice or its number."""
    texts = {canonical_answer(q, q.answer): q.explanation}
    pairs = [(c.key, c.why) for c in q.choices if c.key != q.answer] if q.choices else list(q.mistakes)
    for value, text in pairs:
        answer = canonical_answer(q, value)
        if answer in texts:
            raise ValueError(f"{q.id}: {value!r} is {answer}, which already opens another text")
        texts[answer] = text
    return texts


def secret_texts() -> list[str]:
    """What must never appear in the student's package: each solved answer line, explanation and reason."""
    return [text for q in _QUESTIONS for text in (solution_source(q.id), *sealed_texts(q).values())]


def _salt(q: Question) -> str:
    """A salt of the question's own, the same at every generation (so the data file is reproducible)."""
    return hashlib.sha256(f"nst-teach quiz salt\0{q.id}\0{q.title}\0{q.text}".encode()).hexdigest()[:32]


def student_data() -> dict[str, Any]:
    """The student's ``nst_teach/data/quiz.json``: each question without its key, its texts sealed."""
    records = []
    for q in _QUESTIONS:
        salt = _salt(q)
        sealed = {student.tag(salt, q.id, a): student.seal(t, salt, q.id, a) for a, t in sealed_texts(q).items()}
        records.append(
            {
                "id": q.id,
                "title": q.title,
                "text": q.text,
                "notebook": q.notebook,
                "kind": q.kind,
                "choices": [{"key": c.key, "text": c.text} for c in q.choices],
                "resolution": q.resolution if q.numeric else None,
                "unit": q.unit,
                "salt": salt,
                "answer": student.tag(salt, q.id, canonical_answer(q, q.answer)),
                "sealed": sealed,
            }
        )
    about = "Written by `python -m nst_teach_instructor.quiz`; do not edit (the instructor's quiz.py is the source)."
    return {"about": about, "questions": records}


def _text() -> str:
    return json.dumps(student_data(), indent=1, ensure_ascii=False) + "\n"


def write(path: str | Path = student.DATA_FILE) -> Path:
    """Writes :func:`student_data` to ``path`` (the student's package data by default); returns the path."""
    path = Path(path)
    path.write_text(_text(), encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    """``python -m nst_teach_instructor.quiz [--check] [FILE]``: writes the student's quiz data (or checks it)."""
    args = list(sys.argv[1:] if argv is None else argv)
    checking = "--check" in args
    paths = [arg for arg in args if arg != "--check"]
    path = Path(paths[0]) if paths else student.DATA_FILE
    if checking:
        current = path.is_file() and path.read_text(encoding="utf-8") == _text()
        print(f"{path} is {'current' if current else 'out of date: run python -m nst_teach_instructor.quiz'}")
        return 0 if current else 1
    print(write(path))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

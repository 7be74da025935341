"""The end-of-course quiz: eight questions on the ideas of the course, answered with immediate feedback.

Each question is one :class:`Question` record in :data:`QUESTIONS` (``"q1"`` … ``"q8"``): its text, its
choices (``"a"`` … ``"d"``, each with why it is right or wrong) or, for a numeric question, the number
and the tolerance, the correct answer, a short explanation and the notebook that teaches it.  The
numbers a question quotes (the content layer, α and β, the receptive fields) come from
:mod:`nst_teach.defaults` and :mod:`nst_teach.layers`, so the quiz cannot drift from the course.

A student answers in two ways.  The widget (:func:`quiz_widget`, or :func:`quiz` for all eight)
gives radio buttons or a number box, a **Check** button and the feedback under it, at once.  The
answer cell (``q1 = "b"``) is what is graded: :func:`check` says whether it is right and why, and
``nst-teach notebooks --nbgrader`` grades those cells with :func:`correct`.  A wrong choice gets the
reason it is wrong, not the right answer, so the student can try again.

>>> correct("q1", "b"), correct("q1", "a")
(True, False)
>>> solution_source("q7")
'q7 = 100'

Introduced in ``notebooks/07_quiz.ipynb``.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import defaults, layers
from .errors import OptionError
from .validate import did_you_mean

__all__ = [
    "Choice",
    "Question",
    "QUESTIONS",
    "QuizResult",
    "question",
    "correct",
    "feedback",
    "check",
    "solution_source",
    "answer_source",
    "question_markdown",
    "quiz_widget",
    "quiz",
]


@dataclass(frozen=True)
class Choice:
    """One answer of a multiple-choice question.

    Attributes:
        key: the letter the student gives, ``"a"`` … ``"d"``.
        text: the answer as the student reads it.
        why: why it is right (for the correct choice) or why it is wrong.
    """

    key: str
    text: str
    why: str


@dataclass(frozen=True)
class Question:
    """One question of the quiz.

    Attributes:
        id: ``"q1"`` … ``"q8"``: the name of the answer's variable in the notebook.
        title: a few words for the heading.
        text: the question.
        answer: the correct choice's letter, or the correct number.
        explanation: why the answer is right, shown when it is given.
        notebook: the notebook that teaches it, e.g. ``"04_gram_and_style_cost"``.
        choices: the choices of a multiple-choice question; empty for a numeric one.
        tolerance: a numeric answer within ``tolerance`` of ``answer`` is correct.
        on_number: for a numeric question, what a wrong number means (given the number).
        unit: what the number is, for the widget's label (numeric questions).
    """

    id: str
    title: str
    text: str
    answer: str | float
    explanation: str
    notebook: str
    choices: tuple[Choice, ...] = ()
    tolerance: float = 0.0
    on_number: Callable[[float], str] | None = field(default=None, compare=False)
    unit: str = ""

    @property
    def numeric(self) -> bool:
        """Whether the answer is a number (else a letter)."""
        return not self.choices

    @property
    def keys(self) -> tuple[str, ...]:
        """The choices' letters, ``("a", "b", "c", "d")``; empty for a numeric question."""
        return tuple(choice.key for choice in self.choices)

    def choice(self, key: str) -> Choice:
        """The choice with this letter."""
        return next(choice for choice in self.choices if choice.key == key)


def _choices(*entries: tuple[str, str]) -> tuple[Choice, ...]:
    return tuple(Choice("abcd"[i], text, why) for i, (text, why) in enumerate(entries))


_CONTENT = defaults.CONTENT_LAYER
_DEEP = layers.VGG19_LAYERS[layers.layer_index(_CONTENT)]
_SHALLOW = layers.VGG19_LAYERS[layers.layer_index("block1_conv1")]
_RATIO = defaults.ALPHA / defaults.BETA
_NEW_BETA = 10 * defaults.BETA


def _alpha_feedback(alpha: float) -> str:
    """What a wrong α in question 7 does to the balance of the reference recipe's costs."""
    if alpha <= 0:
        return "With α ≤ 0 the content no longer counts (or is pushed away): only the painting's texture is left."
    ratio = alpha / _NEW_BETA
    leaning = "the photo" if ratio > _RATIO else "the painting's texture"
    return (
        f"With α = {alpha:g} and β = {_NEW_BETA:g} the ratio α/β is {ratio:.3g}, the reference recipe's is "
        f"{defaults.ALPHA:g}/{defaults.BETA:g} = {_RATIO:g}: the balance tips towards {leaning}."
    )


_QUESTIONS: tuple[Question, ...] = (
    Question(
        "q1",
        "The Gram matrix's shape",
        "A style layer has n_C channels on a grid of n_H × n_W positions. "
        "What is the shape of its Gram matrix G = A·Aᵀ (A the unrolled activations)?",
        "b",
        "A has shape (n_C, n_H·n_W), one row per channel; A·Aᵀ multiplies every channel's row with every "
        "other's, so G is n_C × n_C whatever the picture's size: 64 × 64 at block1_conv1, 512 × 512 at "
        "block5_conv1. Its entries are channel correlations summed over every position.",
        "04_gram_and_style_cost",
        _choices(
            (
                "(n_H·n_W, n_H·n_W)",
                "That is Aᵀ·A, a matrix of positions whose size grows with the picture; the Gram matrix "
                "correlates channels and sums over the positions.",
            ),
            ("(n_C, n_C)", ""),
            ("(n_C, n_H·n_W)", "That is the unrolled activation matrix A itself, before the product."),
            ("(1, n_H, n_W, n_C)", "That is the shape of a layer's activations, with their batch axis."),
        ),
    ),
    Question(
        "q2",
        "The content layer",
        "From which layer does the reference recipe read the content of the photo?",
        "c",
        f"{_CONTENT} is deep enough to keep the layout and the objects — what is where — while leaving the exact "
        f"colours and fine detail free for the style to fill in (notebook 03's rebuilds). Each of its "
        f"activations sees {_DEEP.receptive_field} × {_DEEP.receptive_field} px of the input.",
        "03_content_cost",
        _choices(
            (
                "block1_conv1",
                f"A shallow layer (it sees {_SHALLOW.receptive_field} px) gives the photo back almost pixel for "
                "pixel: it would pin every pixel down and leave no room for the style.",
            ),
            (
                "block1_conv1 … block5_conv1, all five",
                "Those are the style layers: their Gram matrices, not their activations where they are, are "
                "compared with the painting's.",
            ),
            (_CONTENT, ""),
            (
                "the classifier's output, the name of the object",
                "The classifier is cut off (notebook 02): a class name says nothing about where things are in "
                "the picture.",
            ),
        ),
    ),
    Question(
        "q3",
        "The content cost's normalisation",
        "What does the factor 1/(4·n_H·n_W·n_C) in J_content do?",
        "a",
        "Multiplying a cost by a positive number does not move its minimum: the same G minimises J_content with "
        "or without it. It makes the cost a quarter of the mean squared difference, so its size does not grow "
        "with the layer; once the style cost is added, it sets how strongly the content counts against it.",
        "03_content_cost",
        _choices(
            ("It only scales the cost: it changes how much content counts against style, not the best G.", ""),
            (
                "It moves the minimum of J_content, so a different picture is rebuilt.",
                "A positive factor scales every value of the cost alike, so the G with the smallest J_content "
                "is the same with or without it.",
            ),
            (
                "It keeps the pixels between 0 and 255.",
                "It divides the cost, one number; it does not touch the pixels. Nothing in J keeps a pixel in "
                "range: saving a picture clips it (notebook 06).",
            ),
            (
                "It gives the activations mean 0 and variance 1 before they are compared.",
                "The activations are compared as VGG-19 computes them; the factor divides the sum of their "
                "squared differences.",
            ),
        ),
    ),
    Question(
        "q4",
        "What the optimisation changes",
        "In Neural Style Transfer, what does gradient descent change, step after step?",
        "d",
        "No network is trained. The cost compares what a frozen VGG-19 sees in G with what it sees in C and S; "
        "TensorFlow's gradient of that cost with respect to every pixel of G says which way to move each "
        "pixel (notebook 03's gradient descent on pixels).",
        "03_content_cost",
        _choices(
            (
                "VGG-19's filters, trained on the photo and the painting",
                "VGG-19 stays frozen: its ImageNet filters are the eyes that measure content and style. "
                "Trained on two pictures they would learn nothing about the world.",
            ),
            (
                "The weights α and β",
                "α and β are settings you choose (notebook 06); the optimiser never changes them.",
            ),
            (
                "The content photo C, until it looks like the painting",
                "C and S stay as they are: their activations and Gram matrices are the targets, computed once.",
            ),
            ("The pixels of the generated image G", ""),
        ),
    ),
    Question(
        "q5",
        "Average pools",
        "Why does style transfer replace VGG-19's max pools with average pools?",
        "b",
        "In each 2×2 window a max pool sends the gradient back to one input, the winner, and an average pool "
        "a quarter of it to all four; through the network the average-pool gradient is spread more evenly over "
        "the pixels (notebook 02's plot), and Gatys et al. report slightly more appealing results.",
        "02_vgg19",
        _choices(
            (
                "VGG-19 was trained with average pools.",
                "It was trained with max pools (notebook 02); the swap is Gatys et al.'s choice, made after training.",
            ),
            ("An average pool passes the gradient to all four inputs of a window, a max pool to one.", ""),
            (
                "A max pool has no gradient, so the pixels could not move.",
                "A max pool has a gradient: all of it to the window's winner, 0 to the others. The pixels move "
                "with both pools; notebook 06 runs both.",
            ),
            (
                "Average pools make VGG-19 much faster.",
                "The pools are a tiny part of VGG-19's work next to its convolutions, and both kinds cost about "
                "the same; the reason is where the gradient goes.",
            ),
        ),
    ),
    Question(
        "q6",
        "What a deep layer keeps",
        f"Compared with block1_conv1, what does a feature map of {_CONTENT} keep of the picture?",
        "c",
        f"Each {_CONTENT} activation sees {_DEEP.receptive_field} px (block1_conv1's: {_SHALLOW.receptive_field} "
        f"px) on a grid {_DEEP.scale} times coarser: with the ImageNet filters it fires on parts of objects, so "
        "its maps keep the layout and the objects, not the exact colours and fine detail.",
        "02_vgg19",
        _choices(
            (
                "Every pixel's exact colour, at full resolution",
                f"That is closer to block1_conv1. After three pools {_CONTENT}'s maps have 1/{_DEEP.scale} of the "
                "width and of the height, and rebuilds from it lose the exact colours (notebook 03).",
            ),
            (
                "The texture of the whole picture, without positions",
                "That is what a Gram matrix keeps: it sums over the positions (notebook 04). A feature map is "
                "still a picture of where its filter fires.",
            ),
            ("The layout and the objects — what is where — on a coarser grid", ""),
            (
                "Nothing: deep layers are noise",
                "With random filters they look like noise; with the ImageNet filters deep maps respond to parts "
                "of objects (notebook 02's feature maps).",
            ),
        ),
    ),
    Question(
        "q7",
        "The α/β balance",
        f"The reference recipe uses α = {defaults.ALPHA:g} and β = {defaults.BETA:g}. You set β = {_NEW_BETA:g}. "
        "Which α keeps the reference recipe's balance between content and style?",
        _NEW_BETA * _RATIO,
        f"Only the ratio α/β matters: multiplying the whole cost J by a number does not move its minimum. Keep "
        f"α/β at {defaults.ALPHA:g}/{defaults.BETA:g} = {_RATIO:g}: α = {_RATIO:g} × {_NEW_BETA:g} = "
        f"{_NEW_BETA * _RATIO:g}.",
        "06_experiments",
        tolerance=0.5,
        on_number=_alpha_feedback,
        unit="α =",
    ),
    Question(
        "q8",
        "L-BFGS and Adam",
        "Why does L-BFGS usually reach a lower cost than Adam in the same number of iterations?",
        "a",
        "L-BFGS keeps the last few steps and their gradients to estimate the curvature of J, and a line search "
        "chooses how far to go along its direction; Adam takes steps of a set size per pixel, scaled by running "
        "averages of the gradient (notebook 06 plots both).",
        "06_experiments",
        _choices(
            ("It estimates the curvature of J from its last steps and picks each step's length by a line search.", ""),
            (
                "It uses a larger learning rate.",
                "L-BFGS has no learning rate: a line search chooses the length of each step.",
            ),
            (
                "It trains VGG-19's weights as well as the pixels.",
                "Neither optimiser touches VGG-19: both move only the pixels of G.",
            ),
            (
                "It computes in bfloat16.",
                "The number format is a setting of its own (precision) that both optimisers share; the costs and "
                "the image stay float32 either way.",
            ),
        ),
    ),
)

#: The quiz, by question id, in order.
QUESTIONS: dict[str, Question] = {q.id: q for q in _QUESTIONS}


def question(qid: str) -> Question:
    """``QUESTIONS[qid]``, or an OptionError that lists the ids (and suggests the closest).

    >>> question("q2").answer
    'c'
    """
    if qid not in QUESTIONS:
        raise OptionError(f"qid must be one of {list(QUESTIONS)}, got {qid!r}.{did_you_mean(str(qid), QUESTIONS)}")
    return QUESTIONS[qid]


def _number(value: Any) -> float | None:
    """``value`` as a finite float (numbers and numeric strings), else None."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _letter(value: Any) -> str | None:
    """``"b"``, ``" B "`` and ``"(b)"`` as ``"b"``; anything that is not a string as None."""
    return value.strip().strip("()").strip().lower() if isinstance(value, str) else None


def correct(qid: str, value: Any) -> bool:
    """Whether ``value`` answers question ``qid``: the right letter, or a number within the tolerance.

    Args:
        qid: the question, ``"q1"`` … ``"q8"``.
        value: the student's answer: a letter (``"b"``, also ``"B"`` or ``"(b)"``) or a number.

    >>> correct("q7", 100.3), correct("q7", 10), correct("q7", None)
    (True, False, False)
    """
    q = question(qid)
    if q.numeric:
        number = _number(value)
        return number is not None and abs(number - float(q.answer)) <= q.tolerance
    return _letter(value) == q.answer


def _expected(q: Question) -> str:
    if q.numeric:
        return "a number"
    return "one of " + ", ".join(f'"{key}"' for key in q.keys)


def feedback(qid: str, value: Any) -> str:
    """What to tell a student who answered ``value``: right and why, or why not, without the answer.

    >>> print(feedback("q1", "c"))
    ✘ q1: not (c). That is the unrolled activation matrix A itself, before the product. Try another answer.
    """
    q = question(qid)
    if value is None or (isinstance(value, str) and not value.strip()):
        return f"✘ {qid}: not answered yet. Set {qid} to {_expected(q)} and run the cell again."
    if correct(qid, value):
        return f"✔ {qid}: correct. {q.explanation}"
    if q.numeric:
        number = _number(value)
        if number is None:
            return f"✘ {qid}: {value!r} is not a number. Set {qid} to a number, e.g. {qid} = 1.5."
        why = q.on_number(number) if q.on_number else ""
        return f"✘ {qid}: not {number:g}. {why} Try again.".replace("  ", " ")
    letter = _letter(value)
    if letter not in q.keys:
        return f"✘ {qid}: {value!r} is not one of the choices. Set {qid} to {_expected(q)}."
    return f"✘ {qid}: not ({letter}). {q.choice(letter).why} Try another answer."


@dataclass(frozen=True, repr=False)
class QuizResult:
    """The verdict on one answer: true when right, shown as its feedback (text, or a coloured box).

    Attributes:
        qid: the question.
        passed: whether the answer is right.
        message: the feedback (:func:`feedback`).
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


def check(qid: str, value: Any) -> QuizResult:
    """Checks the answer cell's value: the result shows the feedback, and is true when the answer is right.

    The check cell after each answer cell of ``notebooks/07_quiz.ipynb`` is ``nst.quiz.check("q1", q1)``;
    it never raises because of the answer, so the notebook runs top to bottom unanswered.

    >>> bool(check("q4", "d")), bool(check("q4", None))
    (True, False)
    """
    return QuizResult(qid, correct(qid, value), feedback(qid, value))


def solution_source(qid: str) -> str:
    """The answer cell, answered: ``q1 = "b"`` (what solved and graded copies hold).

    >>> solution_source("q1")
    'q1 = "b"'
    """
    q = question(qid)
    return f"{qid} = {float(q.answer):g}" if q.numeric else f'{qid} = "{q.answer}"'


def answer_source(qid: str) -> str:
    """The answer cell as the student gets it: ``q1 = None`` and what to write.

    >>> answer_source("q1")
    'q1 = None  # your answer: one of "a", "b", "c", "d"'
    """
    return f"{qid} = None  # your answer: {_expected(question(qid))}"


def question_markdown(qid: str, number: int | None = None) -> str:
    """The question as the notebook's markdown cell shows it: heading, text, choices, where it is taught."""
    q = question(qid)
    number = number if number is not None else list(QUESTIONS).index(qid) + 1
    lines = [f"## {number}. {q.title}", "", q.text, ""]
    lines += [f"* **({c.key})** {c.text}" for c in q.choices] or [f"*Give a number ({qid} = …).*"]
    lines += ["", f"*Taught in notebook {q.notebook.split('_')[0]} (`{q.notebook}`).*"]
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------------
# The widgets
# --------------------------------------------------------------------------------------------------


def quiz_widget(qid: str, *, with_text: bool = False) -> Any:
    """One question as widgets: radio buttons (or a number box), a **Check** button, the feedback under it.

    Args:
        qid: the question, ``"q1"`` … ``"q8"``.
        with_text: show the question's text above the choices (the notebook has it in markdown).

    Returns:
        An ``ipywidgets.VBox``; its ``answer`` is the input widget, ``button`` the Check button and
        ``output`` the Output the feedback is written into.

    Introduced in ``notebooks/07_quiz.ipynb``.
    """
    import ipywidgets as widgets

    q = question(qid)
    if q.numeric:
        answer = widgets.FloatText(value=0.0, description=q.unit or qid)
    else:
        answer = widgets.RadioButtons(
            options=[(f"({c.key}) {c.text}", c.key) for c in q.choices],
            value=None,
            description=qid,
            layout=widgets.Layout(width="max-content"),
        )
    button = widgets.Button(description="Check", tooltip=f"check your answer to {qid}", button_style="primary")
    output = widgets.Output()

    def on_click(_: Any) -> None:
        output.outputs = ()
        output.append_stdout(feedback(qid, answer.value) + "\n")

    button.on_click(on_click)
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

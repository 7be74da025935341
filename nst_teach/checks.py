r"""Checks for the notebooks' exercises: run the student's function, explain the mistake.

Each exercise of the notebooks has a ``check_…`` function here.  It runs the
student's function on a few seeded random inputs (non-square shapes, one and
several channels), compares the results with the package's own function (the
reference solution), and when they differ it works out *which* typical mistake
would give exactly the student's numbers — a missing 4, a transposed Gram
matrix, channels in RGB order... — and says so, with the formula.  It also
checks what the optimiser needs: a single number, a gradient (NumPy breaks it),
and that the function runs inside ``tf.function``.

A check never raises because of the student's code: an exception raised by the
student's function is caught and explained.  It returns a :class:`CheckResult`,
which is true when the exercise is solved, prints as text, and shows as a
green or red box in a notebook.

>>> from nst_teach.checks import check_content_cost
>>> def content_cost(a_c, a_g):
...     return tf.reduce_sum(tf.square(a_c - a_g))     # the normalisation is missing
>>> result = check_content_cost(content_cost)
>>> result.passed, result.mistake
(False, 'no_normalisation')

The reference solutions are kept here too, as the short student-facing code
the solved notebooks show (:func:`solution_source`); the tests check that each
one passes its own check, i.e. gives the package's results.

Introduced in ``notebooks/01_images.ipynb``; used in every notebook with exercises.
"""

from __future__ import annotations

import difflib
import html
import importlib
import itertools
import linecache
import re
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import tensorflow as tf

from . import costs
from .defaults import STYLE_LAYERS, VGG_MEANS_BGR
from .errors import OptionError

__all__ = [
    "CheckResult",
    "CheckReport",
    "Exercise",
    "EXERCISES",
    "check_preprocess",
    "check_content_cost",
    "check_gram_matrix",
    "check_layer_style_cost",
    "check_style_cost",
    "check_all",
    "solution_source",
    "solution",
]


# --------------------------------------------------------------------------------------------
# What a check returns
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class CheckResult:
    """The verdict on one exercise: true when solved, with an explanation either way.

    Attributes:
        exercise: the exercise's name, e.g. ``"content_cost"``.
        passed: whether the student's function is correct.
        message: what was checked and, on failure, what went wrong and how to fix it.
        mistake: a short key for the diagnosed mistake (``"missing_4"``,
            ``"no_transpose+missing_4"``, ``"uses_numpy"``...), or ``None`` when the
            check passed or the mistake is not one the checker knows.

    Introduced in ``notebooks/01_images.ipynb``.
    """

    exercise: str
    passed: bool
    message: str
    mistake: str | None = None

    def __bool__(self) -> bool:
        return self.passed

    @property
    def title(self) -> str:
        """One line: a tick or a cross, the exercise, the verdict."""
        return f"✔ {self.exercise}: correct" if self.passed else f"✘ {self.exercise}: not yet"

    def __str__(self) -> str:
        return f"{self.title}\n{self.message}"

    __repr__ = __str__

    def _repr_html_(self) -> str:
        border, background = ("#2e7d32", "#e8f5e9") if self.passed else ("#c62828", "#ffebee")
        return (
            f'<div style="border:1px solid {border};border-left:6px solid {border};background:{background};'
            'color:#1a1a1a;padding:8px 12px;margin:4px 0;border-radius:4px;font-family:sans-serif;'
            'line-height:1.4">'
            f'<div style="font-weight:bold;color:{border};margin-bottom:4px">{html.escape(self.title)}</div>'
            f'<div style="white-space:pre-wrap">{html.escape(self.message)}</div></div>'
        )


@dataclass(frozen=True, repr=False)
class CheckReport:
    """The results of :func:`check_all`: true when every checked exercise passed.

    Introduced in ``notebooks/04_gram_and_style_cost.ipynb``.
    """

    results: tuple[CheckResult, ...]

    @property
    def passed(self) -> bool:
        """Whether at least one exercise was checked and all of them passed."""
        return bool(self.results) and all(r.passed for r in self.results)

    def __bool__(self) -> bool:
        return self.passed

    def __iter__(self) -> Iterator[CheckResult]:
        return iter(self.results)

    def __len__(self) -> int:
        return len(self.results)

    def __str__(self) -> str:
        if not self.results:
            return f"No exercise found: define one of {', '.join(EXERCISES)} first."
        return "\n\n".join(str(r) for r in self.results)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        if not self.results:
            return f"<p>{html.escape(str(self))}</p>"
        return "".join(r._repr_html_() for r in self.results)


class _Fail(Exception):
    """Raised inside a check to stop at the first problem found; becomes a failed CheckResult."""

    def __init__(self, message: str, mistake: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.mistake = mistake


def _run(exercise: str, fn: Any, steps: Callable[[Callable], str]) -> CheckResult:
    """Runs a check's steps on ``fn`` and turns the outcome into a CheckResult."""
    if not callable(fn):
        shown = repr(fn)
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        return CheckResult(
            exercise,
            False,
            f"check_{exercise} needs your function itself, but got {shown} (of type {type(fn).__name__}). "
            f"Pass the name without calling it: check_{exercise}({exercise}).",
            "not_callable",
        )
    try:
        return CheckResult(exercise, True, steps(fn))
    except _Fail as fail:
        return CheckResult(exercise, False, fail.message, fail.mistake)
    except Exception as exc:  # a result so odd that the checker itself stumbled on it
        return CheckResult(
            exercise,
            False,
            f"The checker could not finish ({type(exc).__name__}: {_error_text(exc)}). Most likely your function "
            "returns something unusual: run it yourself on small inputs and compare its output with the formula. "
            "If it looks right, please tell your instructor — it may be a bug in the checker.",
            "unreadable_output",
        )


# --------------------------------------------------------------------------------------------
# Calling the student's function and explaining its exceptions
# --------------------------------------------------------------------------------------------

_NUMPY_HINT = (
    "NumPy functions (np.sum, np.square, np.dot...) and .numpy() work on concrete numbers only: inside "
    "tf.function the tensors are symbolic, and TensorFlow cannot differentiate through NumPy. Use the "
    "TensorFlow versions: tf.reduce_sum, tf.square, tf.matmul, tf.reshape, tf.transpose."
)

_NOT_WRITTEN = "The function is not written yet: replace the `raise NotImplementedError` line with your code."


def _error_text(exc: BaseException) -> str:
    """The useful part of an exception's message: no TF op noise, at most ~300 characters."""
    text = str(exc)
    if "in user code" in text:  # tf.function wraps the real error in a traceback-like message
        lines = [ln.strip() for ln in text.splitlines() if re.match(r"\s*\w+(Error|Exception|Warning)\b: ", ln)]
        if lines:
            text = lines[-1].split(": ", 1)[1]
    text = re.sub(r"\{\{function_node [^}]*\}\}\s*", "", text)
    text = re.sub(r"\s*\[Op:\w+\].*", "", text, flags=re.S)
    first = next((ln.strip() for ln in text.splitlines() if ln.strip()), type(exc).__name__)
    return first if len(first) <= 300 else first[:297] + "..."


def _student_line(exc: BaseException, fn: Callable) -> str | None:
    """``line N: code`` of the student's function where the exception happened, if found."""
    fn = getattr(fn, "python_function", fn)  # a tf.function wraps the student's function
    filename = getattr(getattr(fn, "__code__", None), "co_filename", None)
    if filename is None:
        return None
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == filename]
    if frames and frames[-1].line:
        return f"line {frames[-1].lineno}: {frames[-1].line.strip()}"
    # tf.function reports the user's line inside its message.
    found = re.findall(r'File "([^"]+)", line (\d+), in \w+\s*\*?\s*\n\s*(.+)', str(exc))
    found = [f for f in found if f[0] == filename]
    if found:
        return f"line {found[-1][1]}: {found[-1][2].strip()}"
    return None


def _hint(exc: BaseException, text: str, exercise: str) -> str:
    """A hint for the exceptions students typically meet in ``exercise``."""
    low = text.lower()
    if "symbolic" in low or "to a numpy array" in low or "attribute 'numpy'" in low:
        return _NUMPY_HINT
    if isinstance(exc, NotImplementedError):
        return _NOT_WRITTEN
    if isinstance(exc, NameError):
        return (
            "Your function uses a name that is not defined inside it — a variable from another cell, or a typo? "
            "A function should use only its arguments (and modules such as tf and np)."
        )
    if isinstance(exc, AttributeError) and "tensor" in low:
        return (
            "TensorFlow tensors do not have NumPy's methods (.T, .reshape, .sum...): use the functions "
            "tf.transpose(x), tf.reshape(x, shape), tf.reduce_sum(x)."
        )
    if isinstance(exc, KeyError) and exercise == "style_cost":
        return (
            "A layer name is missing from one of the dicts. Loop over the `coefficients` argument "
            "(`for name, coefficient in coefficients.items():`), not over a global such as STYLE_LAYERS: "
            "the check passes other layers."
        )
    if "matrix size-incompatible" in low or "in[0] mismatch in[1]" in low:
        return (
            "tf.matmul(X, Y) needs X's number of columns to equal Y's number of rows. For the Gram matrix of "
            "A (n_C, n_H·n_W), multiply A by its transpose: tf.matmul(A, tf.transpose(A)) gives (n_C, n_C)."
        )
    if "reshape" in low or "cannot reshape" in low:
        return (
            "A reshape must keep the number of values: (1, n_H, n_W, n_C) holds n_H·n_W·n_C values. Unroll to "
            "(n_H·n_W, n_C) with tf.reshape(a, (n_H * n_W, n_C)), then transpose. Read the sizes from the "
            "argument itself: `_, n_H, n_W, n_C = a.shape`."
        )
    if "values to unpack" in low:
        if exercise == "gram_matrix":
            return "A is already unrolled: it has 2 dimensions, (n_C, n_H·n_W)."
        return "The activations have 4 dimensions, (1, n_H, n_W, n_C): unpack them with `_, n_H, n_W, n_C = a.shape`."
    if "must have the same dtype" in low or "expected to be a" in low or "cannot compute" in low:
        return (
            "Integers and floats are mixed: sizes from tf.shape(...) are int32 tensors. Read sizes as Python "
            "ints with `a.shape`, or convert with tf.cast(n, tf.float32)."
        )
    if "nonetype" in low:
        return "A value is None: does a helper function you call forget its `return`?"
    if type(exc).__module__.startswith("cv2") or "cv2" in low or "opencv" in low:
        return (
            "OpenCV refused the arguments. cv2.resize(image, (width, height), interpolation=cv2.INTER_CUBIC) "
            "takes a NumPy image and a tuple of two ints, width first."
        )
    if isinstance(exc, tf.errors.OperatorNotAllowedInGraphError) or "not allowed" in low:
        return "Inside tf.function a tensor cannot drive a Python `if` or `for`: compute with tf operations only."
    return "Run your function yourself on small inputs of the shapes above and read the error from the bottom up."


def _explain_exception(exc: BaseException, fn: Callable, exercise: str, where: str) -> str:
    text = _error_text(exc)
    said = f": {text}" if str(exc).strip() else ""
    lines = [f"Your function raised {type(exc).__name__} {where}{said}"]
    at = _student_line(exc, fn)
    if at:
        lines.append(f"  at {at}")
    lines.append(f"Hint: {_hint(exc, text, exercise)}")
    return "\n".join(lines)


def _call(fn: Callable, args: Sequence[Any], exercise: str, where: str) -> Any:
    """Calls the student's function; an exception becomes a _Fail that explains it."""
    try:
        return fn(*args)
    except Exception as exc:
        hint = _hint(exc, _error_text(exc), exercise)
        mistake = "uses_numpy" if hint is _NUMPY_HINT else "not_written" if hint is _NOT_WRITTEN else "raised"
        raise _Fail(_explain_exception(exc, fn, exercise, where), mistake) from None


def _to_array(value: Any) -> np.ndarray:
    """The student's result as a NumPy array, or a _Fail saying why it is not one."""
    if value is None:
        raise _Fail("Your function returned None — did you forget the `return` statement?", "returned_none")
    try:
        array = value.numpy() if isinstance(value, (tf.Tensor, tf.Variable)) else np.asarray(value)
    except Exception:
        raise _Fail(
            f"Your function returned a {type(value).__name__}, which is not a number, an array or a tensor.",
            "not_array",
        ) from None
    if array.dtype.kind not in "biuf":
        raise _Fail(
            f"Your function returned a {type(value).__name__} of {array.dtype} values, not numbers.", "not_array"
        )
    return array


def _fmt(x: float) -> str:
    return f"{x:.6g}"


def _shape(x: Any) -> tuple[int, ...]:
    return tuple(int(d) for d in np.shape(x))


# --------------------------------------------------------------------------------------------
# Diagnosis: which combination of typical mistakes gives exactly the student's numbers?
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Variant:
    """One way to compute one part of a formula: the right one (key "ok") or a typical mistake."""

    key: str
    explanation: str
    compute: Any


def _close(got: Any, expected: Any, rtol: float = 1e-3) -> bool:
    got, expected = np.asarray(got, np.float64), np.asarray(expected, np.float64)
    if got.shape != expected.shape or not np.all(np.isfinite(got)):
        return False
    scale = max(float(np.max(np.abs(expected), initial=0.0)), 1e-12)
    return bool(np.allclose(got, expected, rtol=rtol, atol=1e-6 * scale))


def _find_mistake(
    got: Sequence[Any], cases: Sequence[Any], parts: Sequence[Sequence[_Variant]], formula: Callable[..., Any]
) -> list[_Variant] | None:
    """The mistakes (one variant per part, fewest mistakes first) that reproduce ``got`` on every case."""
    combos = sorted(itertools.product(*parts), key=lambda combo: sum(v.key != "ok" for v in combo))
    for combo in combos:
        if all(v.key == "ok" for v in combo):
            continue
        try:
            expected = [formula(case, *(v.compute for v in combo)) for case in cases]
        except (ValueError, ZeroDivisionError, FloatingPointError):
            continue
        if all(_close(g, e) for g, e in zip(got, expected)):
            return [v for v in combo if v.key != "ok"]
    return None


def _values_message(got: Sequence[float], expected: Sequence[float], describe: Sequence[str]) -> str:
    """'On every test your value is 4 × the expected one (...)' or a small table of values."""
    ratios = [g / e for g, e in zip(got, expected) if e != 0]
    first = f"For {describe[0]}: expected {_fmt(expected[0])}, got {_fmt(got[0])}"
    if len(ratios) == len(got) and all(np.isclose(r, ratios[0], rtol=1e-3) for r in ratios):
        return f"On every test your value is {_fmt(ratios[0])} × the expected one. {first}."
    rows = [f"  {d}: expected {_fmt(e)}, got {_fmt(g)}" for g, e, d in zip(got, expected, describe)]
    return "Your values:\n" + "\n".join(rows)


def _wrong_values(
    what: str,
    got: Sequence[float],
    expected: Sequence[float],
    describe: Sequence[str],
    mistakes: list[_Variant] | None,
    formula_text: str,
) -> _Fail:
    lines = [f"Your {what} gives different values than the formula.", _values_message(got, expected, describe)]
    if mistakes:
        lines.append("What went wrong:")
        lines.extend(f"- {m.explanation}" for m in mistakes)
        key = "+".join(dict.fromkeys(m.key for m in mistakes))
    else:
        lines.append("This is not one of the typical mistakes the checker knows: compare your code with the "
                     "formula term by term.")
        key = None
    lines.append(f"Formula: {formula_text}")
    return _Fail("\n".join(lines), key)


# --------------------------------------------------------------------------------------------
# The common recipe of the scalar costs: value, zero for identical inputs, gradient, tf.function
# --------------------------------------------------------------------------------------------


def _tensors(x: Any) -> Any:
    """NumPy arrays (also inside dicts/lists) -> fresh tf constants; other leaves (floats) unchanged."""
    return tf.nest.map_structure(lambda v: tf.constant(v) if isinstance(v, np.ndarray) else v, x)


def _scalar(value: Any, what: str, describe: str, input_shape: tuple[int, ...] | None) -> float:
    array = _to_array(value)
    if array.size != 1:
        if input_shape is not None and array.shape == input_shape:
            detail = ("the same shape as the activations: one squared difference per value. The cost is a single "
                      "number: add them all up with tf.reduce_sum(...).")
        else:
            detail = ("but a cost is a single number (a scalar): reduce over all axes with tf.reduce_sum(...) "
                      "without an `axis` argument.")
        raise _Fail(f"For {describe} your {what} returns an array of shape {array.shape}, {detail}", "not_scalar")
    return float(array.reshape(()))


def _not_a_tensor(value: Any, what: str) -> _Fail:
    kind = "a Python number" if isinstance(value, (int, float)) else f"a NumPy value ({type(value).__name__})"
    return _Fail(
        f"Your {what} returns {kind}, not a TensorFlow tensor: the computation left TensorFlow (NumPy functions, "
        f".numpy() or float()), so TensorFlow cannot compute its gradient and the optimiser could not change the "
        f"image. {_NUMPY_HINT}",
        "uses_numpy",
    )


@dataclass(frozen=True)
class _CostSpec:
    """What the generic scalar-cost check needs to know about one exercise."""

    exercise: str
    cases: Sequence[tuple[Any, ...]]  # argument tuples (NumPy leaves)
    identical: tuple[Any, ...]  # arguments for which the cost must be 0
    reference: Callable[..., Any]
    describe: Callable[[tuple[Any, ...]], str]
    input_shape: Callable[[tuple[Any, ...]], tuple[int, ...] | None]
    parts: Sequence[Sequence[_Variant]]
    formula: Callable[..., Any]
    formula_text: str
    not_zero_hint: str
    success: str
    extra_diagnosis: Callable[[Callable], None] | None = None


def _check_cost(fn: Callable, spec: _CostSpec) -> str:
    what = ex = spec.exercise
    describe = [spec.describe(case) for case in spec.cases]

    # 1. One call: does it run, and return one number?
    got = [_scalar(_call(fn, _tensors(spec.cases[0]), ex, f"on {describe[0]}"), what, describe[0],
                   spec.input_shape(spec.cases[0]))]

    # 2. Identical inputs: nothing to change, the cost must be 0.
    zero = _scalar(_call(fn, _tensors(spec.identical), ex, "on identical inputs"), what,
                   spec.describe(spec.identical), spec.input_shape(spec.identical))
    if not abs(zero) <= 1e-6:
        raise _Fail(
            f"For identical inputs ({spec.describe(spec.identical)}, the same array twice) the cost must be 0 — "
            f"there is nothing to change — but yours gives {_fmt(zero)}. {spec.not_zero_hint}\n"
            f"Formula: {spec.formula_text}",
            "not_zero",
        )

    # 3. Values on every case, compared with the package's function.
    for case, text in zip(spec.cases[1:], describe[1:]):
        got.append(_scalar(_call(fn, _tensors(case), ex, f"on {text}"), what, text, spec.input_shape(case)))
    expected = [float(spec.reference(*_tensors(case))) for case in spec.cases]
    if not all(_close(g, e, rtol=1e-4) for g, e in zip(got, expected)):
        mistakes = _find_mistake(got, spec.cases, spec.parts, spec.formula)
        if mistakes is None and spec.extra_diagnosis is not None:
            spec.extra_diagnosis(fn)
        raise _wrong_values(what, got, expected, describe, mistakes, spec.formula_text)

    # 4. The optimiser needs a gradient with respect to the generated image's activations.
    args = _tensors(spec.cases[0])
    watched = tf.nest.flatten(args[1])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(watched)
        out = _call(fn, args, ex, "under tf.GradientTape")
        ref_out = spec.reference(*args)
    if not isinstance(out, (tf.Tensor, tf.Variable)):
        raise _not_a_tensor(out, what)
    try:
        grads = tape.gradient(out, watched)
    except Exception as exc:
        raise _Fail(f"TensorFlow could not differentiate your {what}: {_error_text(exc)}\nHint: {_NUMPY_HINT}",
                    "no_gradient") from None
    if any(g is None for g in grads):
        raise _Fail(
            f"Your {what} gives the right value, but TensorFlow cannot differentiate it (the gradient is None): "
            f"somewhere the computation leaves TensorFlow — NumPy, .numpy(), float() or tf.stop_gradient. "
            f"{_NUMPY_HINT}",
            "uses_numpy",
        )
    ref_grads = tape.gradient(ref_out, watched)
    if not all(_close(tf.convert_to_tensor(g).numpy(), tf.convert_to_tensor(r).numpy(), rtol=1e-3)
               for g, r in zip(grads, ref_grads)):
        raise _Fail(
            f"Your {what} gives the right value but the wrong gradient — is part of it wrapped in "
            "tf.stop_gradient or computed from a constant copy of the input?",
            "wrong_gradient",
        )

    # 5. The engine runs the costs inside tf.function.
    case = spec.cases[-1]
    out = _call(tf.function(fn), _tensors(case), ex, "inside tf.function")
    if not _close(_scalar(out, what, describe[-1], spec.input_shape(case)), expected[-1], rtol=1e-4):
        raise _Fail(
            f"Your {what} gives a different value inside tf.function than outside it — does it depend on Python "
            "state (a global, a counter, print) rather than only on its arguments?",
            "tf_function",
        )
    return spec.success


# --------------------------------------------------------------------------------------------
# Test inputs
# --------------------------------------------------------------------------------------------

#: Shapes of the activations the cost checks use: non-square, one and several channels.
_ACTIVATION_SHAPES: tuple[tuple[int, int, int, int], ...] = ((1, 4, 6, 3), (1, 5, 3, 1), (1, 3, 7, 8))


def _activations(seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Pairs of seeded random ReLU-like activations (non-negative float32), one pair per shape."""
    rng = np.random.default_rng(seed)
    return [
        tuple(np.maximum(rng.normal(0.5, 1.0, shape), 0.0).astype(np.float32) for _ in range(2))
        for shape in _ACTIVATION_SHAPES
    ]


def _activation_shape(case: tuple[Any, ...]) -> tuple[int, ...]:
    return _shape(case[0])


def _describe_activations(case: tuple[Any, ...]) -> str:
    return f"activations of shape {_shape(case[0])}"


def _numerators(x: str, y: str) -> tuple[_Variant, ...]:
    """The sums a cost may be built from, comparing ``x`` with ``y`` (their names, for the explanations)."""
    no_square = (f"You sum the differences {x} − {y} without squaring them, so positive and negative differences "
                 f"cancel out: square them first, tf.square({x} − {y}).")
    return (
        _Variant("ok", "", lambda a, b: np.sum((a - b) ** 2)),
        _Variant("abs", f"You take the absolute value |{x} − {y}|; the cost uses the square ({x} − {y})², "
                 f"tf.square({x} − {y}).", lambda a, b: np.sum(np.abs(a - b))),
        _Variant("no_square", no_square, lambda a, b: np.sum(a - b)),
        _Variant("no_square", no_square, lambda a, b: np.sum(b - a)),
        _Variant("sqrt", "You take the square root of the sum (that is a distance); the cost is the sum of "
                 "squares itself, no root.", lambda a, b: np.sqrt(np.sum((a - b) ** 2))),
        _Variant("squares_subtracted", f"You subtract the squares, {x}² − {y}²; the cost squares the difference: "
                 f"({x} − {y})².", lambda a, b: np.sum(a**2 - b**2)),
        _Variant("sign", "Your cost is negative: a sum of squares is ≥ 0. With a minus sign the optimiser would "
                 "push the images apart instead of together — remove it.", lambda a, b: -np.sum((a - b) ** 2)),
    )


# --------------------------------------------------------------------------------------------
# 03: content cost
# --------------------------------------------------------------------------------------------

_CONTENT_FORMULA = "J_content = 1/(4·n_H·n_W·n_C) · Σ (a_c − a_g)²"

_CONTENT_NORMS: tuple[_Variant, ...] = (
    _Variant("ok", "", lambda h, w, c: 4 * h * w * c),
    _Variant("no_normalisation", "You do not normalise: divide the sum by 4·n_H·n_W·n_C.", lambda h, w, c: 1),
    _Variant("missing_4", "You forgot the 4 in the denominator: divide by 4·n_H·n_W·n_C, not n_H·n_W·n_C "
             "(tf.reduce_mean alone divides by n_H·n_W·n_C).", lambda h, w, c: h * w * c),
    _Variant("wrong_normalisation", "You divide by 2·n_H·n_W·n_C; the formula has 4·n_H·n_W·n_C.",
             lambda h, w, c: 2 * h * w * c),
    _Variant("wrong_normalisation", "You multiply by 1/2; the formula divides by 4·n_H·n_W·n_C.",
             lambda h, w, c: 2),
    _Variant("wrong_normalisation", "You divide by 4 only; the formula divides by 4·n_H·n_W·n_C.",
             lambda h, w, c: 4),
    _Variant("missing_n_C", "You divide by 4·n_H·n_W: n_C is missing. If you unpacked `n_H, n_W, n_C = "
             "a_g.shape[:3]` you took the batch axis (1) for n_H — the activations are (1, n_H, n_W, n_C): "
             "unpack with `_, n_H, n_W, n_C = a_g.shape`.", lambda h, w, c: 4 * h * w),
)


def _content_formula(case: tuple[np.ndarray, np.ndarray], numerator: Callable, norm: Callable) -> float:
    c, g = (np.asarray(a, np.float64) for a in case)
    _, n_h, n_w, n_c = c.shape
    return numerator(c, g) / norm(n_h, n_w, n_c)


_CONTENT_SUCCESS = (
    "Well done — content_cost is right: 0 for identical activations, the lecture's normalisation on every test, "
    "a single number, differentiable, and it runs inside tf.function.\n"
    f"What it means: {_CONTENT_FORMULA} is (a quarter of) the mean squared difference between what the content "
    "layer 'sees' in the content image and in the generated image. Pushing it down makes the generated image keep "
    "the content's objects and layout, whatever their colours and textures."
)


def check_content_cost(content_cost: Callable[[Any, Any], Any]) -> CheckResult:
    r"""Checks a student's ``content_cost(a_c, a_g)`` against :func:`nst_teach.costs.content_cost`.

    The function must return the float32 scalar tensor
    :math:`\frac{1}{4 n_H n_W n_C}\sum (a_c - a_g)^2` for activations of shape
    ``(1, n_H, n_W, n_C)``: 0 for identical inputs, differentiable, and usable
    inside ``tf.function``.  Typical mistakes recognised: missing or wrong
    normalisation (no 4, 1/2, no n_C), abs instead of square, no square, a square
    root, a minus sign, a non-scalar result, NumPy.

    Args:
        content_cost: the student's function (not called: pass the name).

    Returns:
        A :class:`CheckResult`; never raises because of the student's code.

    Introduced in ``notebooks/03_content_cost.ipynb``.
    """
    cases = _activations(seed=3)
    spec = _CostSpec(
        exercise="content_cost",
        cases=cases,
        identical=(cases[2][0], cases[2][0].copy()),
        reference=costs.content_cost,
        describe=_describe_activations,
        input_shape=_activation_shape,
        parts=(_numerators("a_c", "a_g"), _CONTENT_NORMS),
        formula=_content_formula,
        formula_text=_CONTENT_FORMULA,
        not_zero_hint="The cost should depend only on the difference a_c − a_g.",
        success=_CONTENT_SUCCESS,
    )
    return _run("content_cost", content_cost, lambda fn: _check_cost(fn, spec))


# --------------------------------------------------------------------------------------------
# 04: Gram matrix
# --------------------------------------------------------------------------------------------

_GRAM_FORMULA = "G = A·Aᵀ, with A of shape (n_C, n_H·n_W): G has shape (n_C, n_C), G[i, j] = Σ_k A[i, k]·A[j, k]"

#: Unrolled activations A (n_C, n_H·n_W) for the Gram check: never square, 1 and several channels.
_GRAM_SHAPES: tuple[tuple[int, int], ...] = ((3, 24), (1, 15), (8, 21))

_GRAM_CENTRING: tuple[_Variant, ...] = (
    _Variant("ok", "", lambda a: a),
    _Variant("centred", "You subtract each channel's mean first: that is a covariance matrix. The Gram matrix "
             "uses the activations as they are.", lambda a: a - a.mean(axis=1, keepdims=True)),
)

_GRAM_NORMS: tuple[_Variant, ...] = (
    _Variant("ok", "", lambda n_c, n_hw: 1),
    _Variant("normalised", "You divide by n_H·n_W. The Gram matrix here is the plain product A·Aᵀ: the style "
             "cost does the normalisation.", lambda n_c, n_hw: n_hw),
    _Variant("normalised", "You divide by n_C. The Gram matrix here is the plain product A·Aᵀ: the style cost "
             "does the normalisation.", lambda n_c, n_hw: n_c),
    _Variant("normalised", "You divide by n_C·n_H·n_W. The Gram matrix here is the plain product A·Aᵀ: the style "
             "cost does the normalisation.", lambda n_c, n_hw: n_c * n_hw),
    _Variant("normalised", "You divide by (n_H·n_W)². The Gram matrix here is the plain product A·Aᵀ: the style "
             "cost does the normalisation.", lambda n_c, n_hw: n_hw**2),
    _Variant("normalised", "You divide by 2. The Gram matrix is the plain product A·Aᵀ.",
             lambda n_c, n_hw: 2),
)


def _gram_formula(case: tuple[np.ndarray], centring: Callable, norm: Callable) -> np.ndarray:
    a = centring(np.asarray(case[0], np.float64))
    return a @ a.T / norm(*a.shape)


def _gram_shape_problem(shape: tuple[int, ...], n_c: int, n_hw: int) -> _Fail:
    expected = (n_c, n_c)
    head = f"For A of shape ({n_c}, {n_hw}) your gram_matrix returns shape {shape}; expected {expected}."
    if shape == (n_hw, n_hw):
        return _Fail(
            f"{head} You computed Aᵀ·A, which compares positions with positions. The transpose goes on the "
            "second factor: G = A·Aᵀ = tf.matmul(A, tf.transpose(A)) compares channels with channels.",
            "transposed",
        )
    if shape == (n_c, n_hw):
        return _Fail(
            f"{head} `A * A` multiplies element by element. The Gram matrix is a matrix product: "
            "tf.matmul(A, tf.transpose(A)).",
            "elementwise",
        )
    if len(shape) == 0 or int(np.prod(shape)) == 1:
        return _Fail(f"{head} The Gram matrix is a matrix, one entry per pair of channels: do not sum it up.",
                     "not_matrix")
    return _Fail(f"{head}\nFormula: {_GRAM_FORMULA}", "wrong_shape")


def _check_gram_steps(fn: Callable) -> str:
    rng = np.random.default_rng(4)
    cases = [(np.maximum(rng.normal(0.5, 1.0, s), 0.0).astype(np.float32),) for s in _GRAM_SHAPES]
    describe = [f"A of shape {_shape(c[0])}" for c in cases]
    got = []
    for case, text in zip(cases, describe):
        array = _to_array(_call(fn, _tensors(case), "gram_matrix", f"on {text}"))
        n_c, n_hw = case[0].shape
        if array.shape != (n_c, n_c):
            raise _gram_shape_problem(array.shape, n_c, n_hw)
        got.append(array)
    expected = [costs.gram_matrix(*_tensors(case)).numpy() for case in cases]
    if not all(_close(g, e, rtol=1e-4) for g, e in zip(got, expected)):
        mistakes = _find_mistake(got, cases, (_GRAM_CENTRING, _GRAM_NORMS), _gram_formula)
        lines = ["Your gram_matrix gives different values than A·Aᵀ."]
        for g, e, text in zip(got, expected, describe):
            if not _close(g, e, rtol=1e-4):
                i, j = np.unravel_index(np.argmax(np.abs(g - e)), e.shape)
                lines.append(f"For {text}: G[{i}, {j}] should be {_fmt(e[i, j])}, yours is {_fmt(g[i, j])}.")
                break
        if mistakes:
            lines.append("What went wrong:")
            lines.extend(f"- {m.explanation}" for m in mistakes)
        else:
            lines.append("This is not one of the typical mistakes the checker knows.")
        lines.append(f"Formula: {_GRAM_FORMULA}")
        raise _Fail("\n".join(lines), "+".join(dict.fromkeys(m.key for m in mistakes)) if mistakes else None)

    (a,) = _tensors(cases[0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(a)
        out = _call(fn, (a,), "gram_matrix", "under tf.GradientTape")
        ref_out = costs.gram_matrix(a)
    if not isinstance(out, (tf.Tensor, tf.Variable)):
        raise _not_a_tensor(out, "gram_matrix")
    grad = tape.gradient(out, a)
    if grad is None:
        raise _Fail(f"Your gram_matrix gives the right values, but TensorFlow cannot differentiate it (the gradient "
                    f"is None). {_NUMPY_HINT}", "uses_numpy")
    if not _close(grad.numpy(), tape.gradient(ref_out, a).numpy()):
        raise _Fail("Your gram_matrix gives the right values but the wrong gradient — is part of it wrapped in "
                    "tf.stop_gradient?", "wrong_gradient")
    out = _array_in_tf_function(fn, _tensors(cases[-1]), "gram_matrix")
    if not _close(out, expected[-1], rtol=1e-4):
        raise _Fail("Your gram_matrix gives different values inside tf.function than outside it.", "tf_function")
    return (
        "Well done — gram_matrix is right: shape (n_C, n_C), the right values, differentiable, and it runs "
        "inside tf.function.\n"
        "What it means: G[i, j] = Σ_k A[i, k]·A[j, k] adds up, over every position k of the image, how strongly "
        "filters i and j fire together; G[i, i] is how active filter i is overall. Where things are in the image "
        "is summed away — that is why the Gram matrix captures style (textures, colours, brush strokes) and not "
        "layout."
    )


def _array_in_tf_function(fn: Callable, args: Sequence[Any], exercise: str) -> np.ndarray:
    return _to_array(_call(tf.function(fn), args, exercise, "inside tf.function"))


def check_gram_matrix(gram_matrix: Callable[[Any], Any]) -> CheckResult:
    r"""Checks a student's ``gram_matrix(A)`` against :func:`nst_teach.costs.gram_matrix`.

    ``A`` is the unrolled activation matrix of shape ``(n_C, n_H·n_W)``; the
    function must return :math:`G = A A^\top`, shape ``(n_C, n_C)``, unnormalised.
    Typical mistakes recognised: :math:`A^\top A` (shape ``(n_H·n_W, n_H·n_W)``),
    element-wise product, dividing by a size, subtracting the mean, NumPy.

    Args:
        gram_matrix: the student's function (not called: pass the name).

    Returns:
        A :class:`CheckResult`; never raises because of the student's code.

    Introduced in ``notebooks/04_gram_and_style_cost.ipynb``.
    """
    return _run("gram_matrix", gram_matrix, _check_gram_steps)


# --------------------------------------------------------------------------------------------
# 04: style cost of one layer
# --------------------------------------------------------------------------------------------

_LAYER_STYLE_FORMULA = (
    "J_style[l] = 1/(4·n_C²·(n_H·n_W)²) · Σ_ij (G_S[i, j] − G_G[i, j])², with G = A·Aᵀ and "
    "A = tf.transpose(tf.reshape(a, (n_H·n_W, n_C)))"
)


def _gram_of(a: np.ndarray) -> np.ndarray:
    unrolled = a.reshape(-1, a.shape[-1]).T  # (n_C, n_H·n_W): one row per channel
    return unrolled @ unrolled.T


def _gram_no_transpose(a: np.ndarray) -> np.ndarray:
    scrambled = a.reshape(a.shape[-1], -1)  # the classic bug: rows mix channels
    return scrambled @ scrambled.T


def _gram_of_positions(a: np.ndarray) -> np.ndarray:
    positions = a.reshape(-1, a.shape[-1])  # (n_H·n_W, n_C)
    return positions @ positions.T


_STYLE_UNROLLS: tuple[_Variant, ...] = (
    _Variant("ok", "", _gram_of),
    _Variant(
        "no_transpose",
        "You unroll with a plain reshape to (n_C, n_H·n_W), without a transpose. The activations are stored as "
        "(1, n_H, n_W, n_C), channel last: reading them row by row into n_C rows puts values of different "
        "channels into the same row, so each 'channel' of your A is a mix of channels. Reshape to "
        "(n_H·n_W, n_C) — one row per position, one column per channel — and then transpose: "
        "A = tf.transpose(tf.reshape(a, (n_H * n_W, n_C))).",
        _gram_no_transpose,
    ),
    _Variant(
        "positions_gram",
        "Your Gram matrices are (n_H·n_W) × (n_H·n_W): they compare positions, not channels. With A of shape "
        "(n_C, n_H·n_W) the Gram matrix is A·Aᵀ, of shape (n_C, n_C) — transpose the (n_H·n_W, n_C) reshape "
        "before multiplying.",
        _gram_of_positions,
    ),
    _Variant(
        "no_gram",
        "You compare the activations themselves, as the content cost does. The style cost compares their Gram "
        "matrices, G = A·Aᵀ, which forget where things are.",
        lambda a: a,
    ),
)

_STYLE_NORMS: tuple[_Variant, ...] = (
    _Variant("ok", "", lambda n_hw, n_c: 4 * n_c**2 * n_hw**2),
    _Variant("no_normalisation", "You do not normalise: divide by 4·n_C²·(n_H·n_W)².", lambda n_hw, n_c: 1),
    _Variant("missing_4", "You forgot the 4 in the denominator: divide by 4·n_C²·(n_H·n_W)².",
             lambda n_hw, n_c: n_c**2 * n_hw**2),
    _Variant("missing_square", "You divide by n_C instead of its square n_C²: the denominator is "
             "4·n_C²·(n_H·n_W)².", lambda n_hw, n_c: 4 * n_c * n_hw**2),
    _Variant("missing_square", "You divide by n_H·n_W instead of its square (n_H·n_W)²: the denominator is "
             "4·n_C²·(n_H·n_W)².", lambda n_hw, n_c: 4 * n_c**2 * n_hw),
    _Variant("missing_square", "You divide by 4·n_C·n_H·n_W (the content cost's denominator): for the style cost "
             "both n_C and n_H·n_W are squared, 4·n_C²·(n_H·n_W)².", lambda n_hw, n_c: 4 * n_c * n_hw),
    _Variant("four_squared", "You divide by (4·n_C·n_H·n_W)², which squares the 4 as well (16). The denominator "
             "is 4·n_C²·(n_H·n_W)² = (2·n_C·n_H·n_W)².", lambda n_hw, n_c: 16 * n_c**2 * n_hw**2),
    _Variant("wrong_normalisation", "You divide by 2·n_C²·(n_H·n_W)²; the formula has a 4.",
             lambda n_hw, n_c: 2 * n_c**2 * n_hw**2),
    _Variant("wrong_normalisation", "You divide by 4·(n_H·n_W)²: n_C² is missing.", lambda n_hw, n_c: 4 * n_hw**2),
    _Variant("wrong_normalisation", "You divide by 4·n_C²: (n_H·n_W)² is missing.", lambda n_hw, n_c: 4 * n_c**2),
)


def _layer_style_formula(case: tuple[np.ndarray, np.ndarray], unroll: Callable, numerator: Callable,
                         norm: Callable) -> float:
    s, g = (np.asarray(a, np.float64) for a in case)
    _, n_h, n_w, n_c = s.shape
    return numerator(unroll(s), unroll(g)) / norm(n_h * n_w, n_c)


_LAYER_STYLE_SUCCESS = (
    "Well done — layer_style_cost is right: 0 for identical activations, the channels unrolled correctly, the "
    "lecture's normalisation, a single number, differentiable, and it runs inside tf.function.\n"
    f"What it means: {_LAYER_STYLE_FORMULA.split(', with')[0]} compares which filters fire together in the style "
    "image and in the generated image, wherever they fire. Pushing it down transfers textures and colours, not "
    "the layout."
)


def check_layer_style_cost(layer_style_cost: Callable[[Any, Any], Any]) -> CheckResult:
    r"""Checks a student's ``layer_style_cost(a_s, a_g)`` against :func:`nst_teach.costs.layer_style_cost`.

    For activations of shape ``(1, n_H, n_W, n_C)`` the function must return
    :math:`\frac{1}{4 n_C^2 (n_H n_W)^2}\sum_{ij}(G^{(S)}_{ij} - G^{(G)}_{ij})^2`.
    Typical mistakes recognised: unrolling with a plain reshape to ``(n_C, -1)``
    (channels scrambled), a Gram matrix of positions, comparing activations
    instead of Gram matrices, a missing 4 or a missing square, abs, NumPy —
    and combinations of them.

    Args:
        layer_style_cost: the student's function (not called: pass the name).

    Returns:
        A :class:`CheckResult`; never raises because of the student's code.

    Introduced in ``notebooks/04_gram_and_style_cost.ipynb``.
    """
    cases = _activations(seed=5)
    spec = _CostSpec(
        exercise="layer_style_cost",
        cases=cases,
        identical=(cases[2][1], cases[2][1].copy()),
        reference=costs.layer_style_cost,
        describe=_describe_activations,
        input_shape=_activation_shape,
        parts=(_STYLE_UNROLLS, _numerators("G_S", "G_G"), _STYLE_NORMS),
        formula=_layer_style_formula,
        formula_text=_LAYER_STYLE_FORMULA,
        not_zero_hint="The cost should depend only on the difference of the two Gram matrices, G_S − G_G.",
        success=_LAYER_STYLE_SUCCESS,
    )
    return _run("layer_style_cost", layer_style_cost, lambda fn: _check_cost(fn, spec))


# --------------------------------------------------------------------------------------------
# 04: style cost over several layers
# --------------------------------------------------------------------------------------------

_STYLE_FORMULA = "J_style = Σ_l λ_l · J_style[l], the sum over the layers of coefficient × layer style cost"

_STYLE_CASES: tuple[dict[str, tuple[tuple[int, int, int, int], float]], ...] = (
    # layer name -> (activation shape, coefficient).  Not STYLE_LAYERS' five layers, and coefficients that
    # differ from one another and from 0.2: each typical mistake gives a different number.
    {"block1_conv1": ((1, 6, 8, 3), 0.5), "block3_conv1": ((1, 4, 5, 4), 0.3), "block5_conv1": ((1, 2, 3, 6), 0.2)},
    {"block2_conv1": ((1, 5, 4, 2), 1.0), "block4_conv1": ((1, 3, 2, 5), 2.5)},
    {"block1_conv1": ((1, 7, 5, 2), 0.1), "block2_conv1": ((1, 4, 6, 3), 0.4), "block3_conv1": ((1, 3, 4, 1), 0.2),
     "block4_conv1": ((1, 2, 5, 4), 0.05), "block5_conv1": ((1, 2, 2, 5), 0.25)},
)


def _style_cases() -> list[tuple[dict[str, np.ndarray], dict[str, np.ndarray], dict[str, float]]]:
    rng = np.random.default_rng(6)
    cases = []
    for layers in _STYLE_CASES:
        a_s, a_g, lam = {}, {}, {}
        for name, (shape, coefficient) in layers.items():
            a_s[name] = np.maximum(rng.normal(0.5, 1.0, shape), 0.0).astype(np.float32)
            a_g[name] = np.maximum(rng.normal(0.5, 1.0, shape), 0.0).astype(np.float32)
            lam[name] = coefficient
        cases.append((a_s, a_g, lam))
    return cases


_STYLE_SUMS: tuple[tuple[_Variant, ...], ...] = ((
    _Variant("ignores_coefficients", "You ignore the coefficients λ_l: each layer's cost must be multiplied by its "
             "coefficient before adding.", lambda j, lam, names: sum(j)),
    _Variant("averages", "You average the weighted costs (divide by the number of layers); the style cost is "
             "their sum.", lambda j, lam, names: sum(x * y for x, y in zip(j, lam)) / len(j)),
    _Variant("averages", "You average the layers' costs without their coefficients; the style cost is the "
             "weighted sum Σ λ_l·J_style[l].", lambda j, lam, names: sum(j) / len(j)),
    _Variant("divides_by_coefficient_sum", "You divide by the sum of the coefficients; the style cost is the "
             "plain weighted sum (the coefficients need not add up to 1).",
             lambda j, lam, names: sum(x * y for x, y in zip(j, lam)) / sum(lam)),
    _Variant("last_layer_only", "Only the last layer counts: inside the loop you assign `J_style = ...` instead "
             "of adding `J_style += ...`.", lambda j, lam, names: j[-1] * lam[-1]),
    _Variant("last_layer_only", "Only the last layer counts, without its coefficient: add λ_l·J_style[l] for "
             "every layer (`J_style += ...`).", lambda j, lam, names: j[-1]),
    _Variant("first_layer_only", "Only the first layer counts: is the `return` inside the loop?",
             lambda j, lam, names: j[0] * lam[0]),
    _Variant("global_coefficients", "You use the coefficients of the global STYLE_LAYERS instead of the "
             "`coefficients` argument.", lambda j, lam, names: sum(STYLE_LAYERS[n] * x for x, n in zip(j, names))),
),)


def _style_formula(case: tuple[Any, ...], combine: Callable) -> float:
    a_s, a_g, lam = case
    j = [float(costs.layer_style_cost(a_s[name], a_g[name])) for name in lam]
    return combine(j, list(lam.values()), list(lam))


def _describe_style(case: tuple[Any, ...]) -> str:
    lam = case[2]
    return f"{len(lam)} layers with coefficients {{{', '.join(f'{k!r}: {v}' for k, v in lam.items())}}}"


def _style_single_layer_probe(fn: Callable) -> None:
    """If even one layer with λ = 1 is wrong, the fault is in the per-layer cost, not in the sum."""
    case = _style_cases()[1]
    name = next(iter(case[2]))
    args = ({name: case[0][name]}, {name: case[1][name]}, {name: 1.0})
    got = _scalar(_call(fn, _tensors(args), "style_cost", "on a single layer"), "style_cost", "a single layer", None)
    expected = float(costs.layer_style_cost(case[0][name], case[1][name]))
    if not _close(got, expected, rtol=1e-4):
        raise _Fail(
            f"Even for a single layer with coefficient 1 your style_cost gives {_fmt(got)} instead of that layer's "
            f"style cost {_fmt(expected)}: the problem is in the per-layer cost your style_cost calls. "
            "Run check_layer_style_cost(layer_style_cost) first.\n"
            f"Formula: {_STYLE_FORMULA}",
            "layer_cost_wrong",
        )


_STYLE_SUCCESS = (
    "Well done — style_cost is right: the weighted sum of the layers' style costs, a single number, "
    "differentiable, and it runs inside tf.function.\n"
    f"What it means: {_STYLE_FORMULA}. Shallow layers (block1) carry fine textures and colours, deep layers "
    "(block5) larger patterns; the coefficients λ_l choose the mix."
)


def check_style_cost(style_cost: Callable[[Any, Any, Any], Any]) -> CheckResult:
    r"""Checks a student's ``style_cost(a_s_layers, a_g_layers, coefficients)``.

    The arguments are dicts keyed by layer name (activations of the style image,
    of the generated image, and the coefficients :math:`\lambda_l`), as for
    :func:`nst_teach.costs.style_cost`; the function must return
    :math:`\sum_l \lambda_l J^{[l]}_{style}`.  Typical mistakes recognised:
    coefficients ignored, an average instead of a sum, only the last (or first)
    layer counted, the global ``STYLE_LAYERS`` used instead of the argument, a
    wrong per-layer cost.

    Args:
        style_cost: the student's function (not called: pass the name).

    Returns:
        A :class:`CheckResult`; never raises because of the student's code.

    Introduced in ``notebooks/04_gram_and_style_cost.ipynb``.
    """
    cases = _style_cases()
    first = cases[0]
    spec = _CostSpec(
        exercise="style_cost",
        cases=cases,
        identical=(first[0], {k: v.copy() for k, v in first[0].items()}, first[2]),
        reference=costs.style_cost,
        describe=_describe_style,
        input_shape=lambda case: None,
        parts=_STYLE_SUMS,
        formula=_style_formula,
        formula_text=_STYLE_FORMULA,
        not_zero_hint="Each layer's cost compares the two images' Gram matrices, so it is 0 when they are equal.",
        success=_STYLE_SUCCESS,
        extra_diagnosis=_style_single_layer_probe,
    )
    return _run("style_cost", style_cost, lambda fn: _check_cost(fn, spec))


# --------------------------------------------------------------------------------------------
# 01: preprocessing an image
# --------------------------------------------------------------------------------------------

_PREPROCESS_FORMULA = (
    "x = cv2.resize(rgb[:, :, ::-1], (width, height), interpolation=cv2.INTER_CUBIC).astype(np.float32) "
    "− VGG_MEANS_BGR, then x[np.newaxis] → shape (1, height, width, 3)"
)

#: (image height, image width) -> size (width, height): one downscale, one upscale, never square, every side
#: at least images.MIN_SIDE (32).
_PREPROCESS_CASES: tuple[tuple[tuple[int, int], tuple[int, int]], ...] = (((45, 70), (40, 34)), ((33, 50), (72, 56)))

_MEANS = np.array(VGG_MEANS_BGR, np.float64)

_PREPROCESS_PARTS: tuple[tuple[_Variant, ...], ...] = (
    (
        _Variant("ok", "", "bgr"),
        _Variant("rgb_order", "Your channels are in RGB order. VGG-19 was trained on images loaded by OpenCV, in "
                 "BGR order: reverse the channels with rgb[:, :, ::-1] or cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR).",
                 "rgb"),
    ),
    (
        _Variant("ok", "", -_MEANS),
        _Variant("rgb_means", "You subtract the means in RGB order (123.68, 116.779, 103.939); VGG_MEANS_BGR = "
                 "(103.939, 116.779, 123.68) is in BGR order, like the converted image.", -_MEANS[::-1]),
        _Variant("no_means", "You do not subtract the ImageNet means: VGG-19 expects every BGR channel centred, "
                 "x − VGG_MEANS_BGR.", np.zeros(3)),
        _Variant("means_added", "You add the means; subtract them: x − VGG_MEANS_BGR.", _MEANS),
    ),
    (
        _Variant("ok", "", "none"),
        _Variant("scaled", "You divide by 255: this VGG-19 (with Caffe-style weights) expects pixel values 0–255 "
                 "minus the means, not values in 0–1.", "after"),
        _Variant("scaled", "You divide by 255: this VGG-19 (with Caffe-style weights) expects pixel values 0–255 "
                 "minus the means, not values in 0–1.", "before"),
    ),
)


def _preprocess_formula(raw_bgr: np.ndarray, order: str, shift: np.ndarray, scale: str) -> np.ndarray:
    """What a preprocessing with these choices gives, from the resized BGR pixels (float64, (h, w, 3))."""
    x = raw_bgr if order == "bgr" else raw_bgr[..., ::-1]
    if scale == "before":
        x = x / 255.0
    x = x + shift
    if scale == "after":
        x = x / 255.0
    return x[np.newaxis]


def _smooth_image(height: int, width: int, rng: np.random.Generator) -> np.ndarray:
    """A smooth uint8 RGB test image whose three channels clearly differ (so a swap shows)."""
    y, x = np.mgrid[0:height, 0:width]
    channels = []
    for base in (190.0, 120.0, 50.0):  # R, G, B levels far apart
        fy, fx, phase = rng.uniform(0.5, 1.5), rng.uniform(0.5, 1.5), rng.uniform(0, 2 * np.pi)
        wave = np.sin(2 * np.pi * (fy * y / height + fx * x / width) + phase)
        channels.append(base + 40.0 * wave)
    return np.clip(np.round(np.stack(channels, axis=-1)), 0, 255).astype(np.uint8)


def _preprocess_shape_problem(shape: tuple[int, ...], size: tuple[int, int], image_shape: tuple[int, ...]) -> _Fail:
    width, height = size
    expected = (1, height, width, 3)
    head = f"For an image of shape {image_shape} and size={size} your preprocess returns shape {shape}; " \
           f"expected {expected}."
    if shape == (height, width, 3):
        return _Fail(f"{head} The batch axis is missing: Keras models take a batch of images, so add one with "
                     "x[np.newaxis] (or np.expand_dims(x, 0)).", "no_batch")
    if shape in ((1, width, height, 3), (width, height, 3)):
        return _Fail(f"{head} Width and height are swapped: cv2.resize takes the size as (width, height), while "
                     "NumPy shapes are (height, width, channels). Pass size as given: cv2.resize(img, size, ...).",
                     "size_swapped")
    if shape in ((1,) + image_shape, image_shape):
        return _Fail(f"{head} The image is not resized: cv2.resize(img, size, interpolation=cv2.INTER_CUBIC).",
                     "not_resized")
    if shape == (1, 3, height, width):
        return _Fail(f"{head} The channels come first; Keras expects them last: (1, height, width, 3).",
                     "channels_first")
    return _Fail(f"{head}\nRecipe: {_PREPROCESS_FORMULA}", "wrong_shape")


def _named_interpolation(rgb: np.ndarray, size: tuple[int, int], got: np.ndarray) -> str | None:
    """The OpenCV interpolation that reproduces ``got``, if one does."""
    import cv2  # noqa: PLC0415 - OpenCV is only needed by the image exercise

    bgr = np.ascontiguousarray(rgb[..., ::-1])
    for name in ("INTER_LINEAR", "INTER_AREA", "INTER_NEAREST", "INTER_LANCZOS4"):
        resized = cv2.resize(bgr, size, interpolation=getattr(cv2, name)).astype(np.float64) - _MEANS
        if np.max(np.abs(resized[np.newaxis] - got)) <= 0.51:  # the same up to rounding
            return f"cv2.{name}"
    return None


def _check_preprocess_steps(fn: Callable) -> str:
    from .images import preprocess as reference  # noqa: PLC0415 - images.py loads OpenCV; import on demand

    rng = np.random.default_rng(1)
    notes = []
    for (height, width), size in _PREPROCESS_CASES:
        rgb = _smooth_image(height, width, rng)
        original = rgb.copy()
        text = f"an image of shape {rgb.shape} with size={size}"
        out = _call(fn, (rgb, size), "preprocess", f"on {text}")
        if not np.array_equal(rgb, original):
            raise _Fail("Your preprocess changes the image it was given (in place). Work on a copy: the caller may "
                        "still need the original.", "in_place")
        got = _to_array(out)
        if got.shape != (1, size[1], size[0], 3):
            raise _preprocess_shape_problem(got.shape, size, rgb.shape)
        if got.dtype == np.uint8:
            raise _Fail("Your preprocess returns uint8 values, which cannot be negative or fractional: convert to "
                        "float32 before subtracting the means, x.astype(np.float32) − VGG_MEANS_BGR.", "dtype")
        if got.dtype != np.float32:
            raise _Fail(f"Your preprocess returns {got.dtype} values; return float32 (x.astype(np.float32)), the "
                        "type of VGG-19's weights — float64 doubles the memory and is converted anyway.", "dtype")
        expected = np.asarray(reference(rgb, size), np.float64)
        got = got.astype(np.float64)
        if np.max(np.abs(got - expected)) <= 1.01:  # cubic resize on uint8 or float: rounding only
            continue
        raw_bgr = expected[0] + _MEANS
        scored = []
        for combo in itertools.product(*_PREPROCESS_PARTS):
            candidate = _preprocess_formula(raw_bgr, *(v.compute for v in combo))
            scored.append((float(np.mean(np.abs(got - candidate))), combo))
        distance, combo = min(scored, key=lambda item: item[0])
        mistakes = [v for v in combo if v.key != "ok"]
        if distance <= 3.0 and not mistakes:
            named = _named_interpolation(rgb, size, got)
            how = f"you resize with {named}" if named else "your resizing differs slightly"
            notes.append(
                f"Note: {how} — on average {distance:.2g} (out of 255) from cv2.INTER_CUBIC, the package's choice. "
                "That is fine for style transfer; your images will just differ slightly from the package's."
            )
            continue
        channel_means = ", ".join(f"{m:.1f}" for m in got[0].reshape(-1, 3).mean(axis=0))
        expected_means = ", ".join(f"{m:.1f}" for m in expected[0].reshape(-1, 3).mean(axis=0))
        lines = [f"Your preprocess gives different values for {text}: per-channel means ({channel_means}), "
                 f"expected ({expected_means})."]
        if distance <= 3.0:
            lines.append("What went wrong:")
            lines.extend(f"- {m.explanation}" for m in mistakes)
            key = "+".join(dict.fromkeys(m.key for m in mistakes))
        else:
            lines.append("This is not one of the typical mistakes the checker knows.")
            key = None
        lines.append(f"Recipe: {_PREPROCESS_FORMULA}")
        raise _Fail("\n".join(lines), key)
    success = (
        "Well done — preprocess is right: BGR channel order, resized to (width, height), float32, the ImageNet "
        "means subtracted, and a batch axis.\n"
        "What it means: VGG-19 sees images the way it saw its training images — OpenCV's BGR order, each channel "
        "centred on the ImageNet mean — in a batch of shape (1, height, width, 3). to_rgb undoes these steps to "
        "show a result."
    )
    return "\n".join([success, *dict.fromkeys(notes)])


def check_preprocess(preprocess: Callable[[np.ndarray, tuple[int, int]], Any]) -> CheckResult:
    """Checks a student's ``preprocess(rgb, size)`` against :func:`nst_teach.images.preprocess`.

    ``rgb`` is a uint8 RGB image ``(H, W, 3)`` and ``size`` a ``(width, height)``
    tuple; the function must return float32 ``(1, height, width, 3)``: BGR,
    resized with ``cv2.INTER_CUBIC``, ``VGG_MEANS_BGR`` subtracted.  Another
    interpolation passes with a note.  Typical mistakes recognised: RGB order,
    means missing, added or in RGB order, values scaled to 0–1, no batch axis,
    width and height swapped, no resize, uint8 or float64 output, an input
    changed in place.

    Args:
        preprocess: the student's function (not called: pass the name).

    Returns:
        A :class:`CheckResult`; never raises because of the student's code.

    Introduced in ``notebooks/01_images.ipynb``.
    """
    return _run("preprocess", preprocess, _check_preprocess_steps)


# --------------------------------------------------------------------------------------------
# Reference solutions and the exercise registry
# --------------------------------------------------------------------------------------------

_SOLUTIONS: dict[str, str] = {
    "preprocess": '''\
def preprocess(rgb, size):
    """uint8 RGB image (H, W, 3) -> VGG-19 input: float32 (1, height, width, 3), BGR, means subtracted."""
    bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)                     # VGG-19 was trained on BGR images
    bgr = cv2.resize(bgr, size, interpolation=cv2.INTER_CUBIC)     # size is (width, height)
    x = bgr.astype(np.float32) - np.array(VGG_MEANS_BGR, np.float32)
    return x[np.newaxis]                                           # a batch of one: (1, height, width, 3)
''',
    "content_cost": '''\
def content_cost(a_c, a_g):
    """J_content = 1/(4·n_H·n_W·n_C) · Σ (a_c − a_g)², for activations of shape (1, n_H, n_W, n_C)."""
    _, n_H, n_W, n_C = a_g.shape
    return tf.reduce_sum(tf.square(a_c - a_g)) / (4 * n_H * n_W * n_C)
''',
    "gram_matrix": '''\
def gram_matrix(A):
    """G = A·Aᵀ for the unrolled activations A of shape (n_C, n_H·n_W); G has shape (n_C, n_C)."""
    return tf.matmul(A, tf.transpose(A))
''',
    "layer_style_cost": '''\
def layer_style_cost(a_s, a_g):
    """J_style[l] = 1/(4·n_C²·(n_H·n_W)²) · Σ (G_S − G_G)², for activations of shape (1, n_H, n_W, n_C)."""
    _, n_H, n_W, n_C = a_g.shape
    # Unroll to (n_C, n_H·n_W): one row per position first, then transpose, so that each row is one channel.
    A_s = tf.transpose(tf.reshape(a_s, (n_H * n_W, n_C)))
    A_g = tf.transpose(tf.reshape(a_g, (n_H * n_W, n_C)))
    G_s = gram_matrix(A_s)
    G_g = gram_matrix(A_g)
    return tf.reduce_sum(tf.square(G_s - G_g)) / (4 * n_C**2 * (n_H * n_W) ** 2)
''',
    "style_cost": '''\
def style_cost(a_s_layers, a_g_layers, coefficients):
    """J_style = Σ_l λ_l · J_style[l]; the three arguments are dicts keyed by layer name."""
    J_style = 0.0
    for name, coefficient in coefficients.items():
        J_style += coefficient * layer_style_cost(a_s_layers[name], a_g_layers[name])
    return J_style
''',
}


@dataclass(frozen=True)
class Exercise:
    """One exercise of the notebooks: its check, its reference function and its solution's code.

    Iterating gives ``(check, reference, source)``, so
    ``check, reference, source = EXERCISES["content_cost"]`` works.

    Attributes:
        name: the function the student writes, e.g. ``"content_cost"``.
        notebook: the notebook with the exercise, e.g. ``"notebooks/03_content_cost.ipynb"``.
        check: the ``check_…`` function.
        reference_name: dotted path of the package function that is the reference solution.
        source: the student-facing solution code (see :func:`solution_source`).
        uses: the names the solution code expects to exist where it runs.

    Introduced in ``notebooks/01_images.ipynb``.
    """

    name: str
    notebook: str
    check: Callable[[Callable], CheckResult]
    reference_name: str
    source: str
    uses: tuple[str, ...]

    @property
    def reference(self) -> Callable:
        """The package's function (imported on first use: images.py loads OpenCV)."""
        module, _, attribute = self.reference_name.rpartition(".")
        return getattr(importlib.import_module(module), attribute)

    def __iter__(self) -> Iterator[Any]:
        yield self.check
        yield self.reference
        yield self.source


#: Every exercise by the name of the function the student writes, in notebook order.
EXERCISES: dict[str, Exercise] = {
    "preprocess": Exercise("preprocess", "notebooks/01_images.ipynb", check_preprocess,
                           "nst_teach.images.preprocess", _SOLUTIONS["preprocess"], ("np", "cv2", "VGG_MEANS_BGR")),
    "content_cost": Exercise("content_cost", "notebooks/03_content_cost.ipynb", check_content_cost,
                             "nst_teach.costs.content_cost", _SOLUTIONS["content_cost"], ("tf",)),
    "gram_matrix": Exercise("gram_matrix", "notebooks/04_gram_and_style_cost.ipynb", check_gram_matrix,
                            "nst_teach.costs.gram_matrix", _SOLUTIONS["gram_matrix"], ("tf",)),
    "layer_style_cost": Exercise("layer_style_cost", "notebooks/04_gram_and_style_cost.ipynb",
                                 check_layer_style_cost, "nst_teach.costs.layer_style_cost",
                                 _SOLUTIONS["layer_style_cost"], ("tf", "gram_matrix")),
    "style_cost": Exercise("style_cost", "notebooks/04_gram_and_style_cost.ipynb", check_style_cost,
                           "nst_teach.costs.style_cost", _SOLUTIONS["style_cost"], ("layer_style_cost",)),
}


def _exercise(name: str) -> Exercise:
    if name not in EXERCISES:
        close = difflib.get_close_matches(str(name), EXERCISES, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise OptionError(f"name must be one of the exercises {list(EXERCISES)}, got {name!r}.{hint}")
    return EXERCISES[name]


def solution_source(name: str) -> str:
    """The reference solution of an exercise, as the code a solved notebook shows.

    The code is short and student-facing; it expects the names listed in
    ``EXERCISES[name].uses`` (``tf``, ``np``, ``cv2``, ``VGG_MEANS_BGR``, or an earlier
    exercise's function) to be defined, as they are in the notebook.

    Args:
        name: the exercise, one of :data:`EXERCISES`.

    Returns:
        The source code of one ``def``.

    Raises:
        OptionError: ``name`` is not an exercise.

    Introduced in ``notebooks/01_images.ipynb``.

    >>> print(solution_source("gram_matrix").splitlines()[0])
    def gram_matrix(A):
    """
    return _exercise(name).source


def solution(name: str) -> Callable:
    """The reference solution of an exercise as a function, built from :func:`solution_source`.

    The names the code uses are provided: ``tf``, ``np``, ``cv2``, ``VGG_MEANS_BGR``,
    and the solutions of the exercises it builds on.

    Args:
        name: the exercise, one of :data:`EXERCISES`.

    Returns:
        The solution function.

    Raises:
        OptionError: ``name`` is not an exercise.

    Introduced in ``notebooks/01_images.ipynb``.

    >>> float(solution("content_cost")(tf.ones((1, 2, 3, 4)), tf.zeros((1, 2, 3, 4))))
    0.25
    """
    exercise = _exercise(name)
    scope: dict[str, Any] = {}
    for used in exercise.uses:
        if used == "tf":
            scope["tf"] = tf
        elif used == "np":
            scope["np"] = np
        elif used == "cv2":
            scope["cv2"] = importlib.import_module("cv2")
        elif used == "VGG_MEANS_BGR":
            scope["VGG_MEANS_BGR"] = VGG_MEANS_BGR
        else:
            scope[used] = solution(used)
    filename = f"<nst_teach solution of {name}>"
    # Registered like a file, so that inspect.getsource and tf.function's AutoGraph can read the code.
    linecache.cache[filename] = (len(exercise.source), None, exercise.source.splitlines(True), filename)
    exec(compile(exercise.source, filename, "exec"), scope)  # noqa: S102 - our own code
    return scope[name]


def check_all(namespace: Mapping[str, Any] | Any) -> CheckReport:
    """Checks every exercise function found in ``namespace``.

    Args:
        namespace: a dict such as a notebook's ``globals()``, or a module/object whose
            attributes are the functions.

    Returns:
        A :class:`CheckReport` with one result per exercise found (in notebook order);
        true when at least one was found and all passed.

    Introduced in ``notebooks/04_gram_and_style_cost.ipynb``.
    """
    names = namespace if isinstance(namespace, Mapping) else vars(namespace)
    results = tuple(ex.check(names[name]) for name, ex in EXERCISES.items() if callable(names.get(name)))
    return CheckReport(results)

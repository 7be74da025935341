"""How a check talks to the student: run their function, catch what it raises, explain it.

Every ``check_…`` of the exercises returns a :class:`CheckResult`, true when
the exercise is solved, printed as text and shown as a green or red box in a
notebook.  A check never raises because of the student's code: its steps stop
at the first problem with a :class:`_Fail`, and :func:`_run` turns that into
a failed result.  :func:`_call` runs the student's function; an exception it
raises becomes an explanation with the line of the student's code and a hint
for the typical cause (NumPy inside ``tf.function``, a reshape that loses
values, a name from another cell...).  How much a failure's hint gives away
grows with repeated failures of the same mistake (:mod:`nst_teach.checks.hints`), and the package's
own functions in the student's place are refused (:mod:`nst_teach.checks.refusal`).

Introduced in ``notebooks/01_images.ipynb``.
"""

from __future__ import annotations

import contextlib
import contextvars
import html
import re
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import tensorflow as tf

from .. import kept_functions
from .hints import _Code, _compose
from .refusal import _Watch

__all__ = ["CheckResult", "error_text"]


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
            "color:#1a1a1a;padding:8px 12px;margin:4px 0;border-radius:4px;font-family:sans-serif;"
            'line-height:1.4">'
            f'<div style="font-weight:bold;color:{border};margin-bottom:4px">{html.escape(self.title)}</div>'
            f'<div style="white-space:pre-wrap">{html.escape(self.message)}</div></div>'
        )


class _Fail(Exception):
    """Raised inside a check to stop at the first problem found; becomes a failed CheckResult.

    ``message`` names what is wrong; ``formula`` (the formula's line) and ``code`` (the skeleton of the
    code that fixes it, one :class:`~.hints._Code` or several) are added to it when the same mistake
    comes back (:func:`hints._compose`).
    """

    def __init__(
        self,
        message: str,
        mistake: str | None = None,
        *,
        formula: str | None = None,
        code: _Code | Sequence[_Code] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.mistake = mistake
        self.formula = formula
        self.code = code


#: The package's functions the running check refuses (:mod:`.refusal`): every call of the student's function watches.
_WATCH: contextvars.ContextVar[_Watch | None] = contextvars.ContextVar("nst_teach_checks_watch", default=None)


def _run(
    exercise: str,
    fn: Any,
    steps: Callable[[Callable], str],
    reference: Callable | None = None,
    also: tuple[Callable, ...] = (),
) -> CheckResult:
    """Runs a check's steps on ``fn`` and turns the outcome into a CheckResult.

    ``reference`` is the package's function the check compares with: ``fn`` must not be it, nor call it,
    nor any of the package's cost functions (:data:`.refusal.PACKAGE_FUNCTIONS`) or ``also``.
    """
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
    watch = _Watch(exercise, reference, also)
    itself = watch.package_function(fn)
    if itself is not None:
        return CheckResult(exercise, False, *watch.refusal([itself], calls=False))
    token = _WATCH.set(watch)
    try:
        passed = CheckResult(exercise, True, steps(fn))
    except _Fail as fail:
        message = _compose(exercise, fail.message, fail.mistake, fail.formula, fail.code)
        return CheckResult(exercise, False, message, fail.mistake)
    except Exception as exc:  # a result so odd that the checker itself stumbled on it
        return CheckResult(
            exercise,
            False,
            f"The checker could not finish ({type(exc).__name__}: {error_text(exc)}). Most likely your function "
            "returns something unusual: run it yourself on small inputs and compare its output with the formula. "
            "If it looks right, please tell your instructor — it may be a bug in the checker.",
            "unreadable_output",
        )
    finally:
        _WATCH.reset(token)
    with contextlib.suppress(OSError):  # a home that cannot be written to: the check's verdict stands
        kept_functions.keep(exercise, fn)  # for notebook 05, wherever it runs (nst_teach.kept_functions)
    return passed


# --------------------------------------------------------------------------------------------
# Calling the student's function and explaining its exceptions
# --------------------------------------------------------------------------------------------

_NUMPY_HINT = (
    "NumPy functions (np.sum, np.square, np.dot...) and .numpy() work on concrete numbers only: inside "
    "tf.function the tensors are symbolic, and TensorFlow cannot differentiate through NumPy. Use the "
    "TensorFlow versions: tf.reduce_sum, tf.square, tf.matmul, tf.reshape, tf.transpose."
)

_NOT_WRITTEN = "The function is not written yet: replace the `raise NotImplementedError` line with your code."


def error_text(exc: BaseException) -> str:
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
            "A (n_C, n_H·n_W), the second factor is A's transpose, (n_H·n_W, n_C): the product is (n_C, n_C)."
        )
    if "reshape" in low or "cannot reshape" in low:
        return (
            "A reshape must keep the number of values: (1, n_H, n_W, n_C) holds n_H·n_W·n_C values. Unroll to "
            "(n_H·n_W, n_C) with tf.reshape, then transpose. Read the sizes from the argument itself: "
            "`_, n_H, n_W, n_C = a.shape`."
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
    text = error_text(exc)
    said = f": {text}" if str(exc).strip() else ""
    lines = [f"Your function raised {type(exc).__name__} {where}{said}"]
    at = _student_line(exc, fn)
    if at:
        lines.append(f"  at {at}")
    lines.append(f"Hint: {_hint(exc, text, exercise)}")
    return "\n".join(lines)


def _call(fn: Callable, args: Sequence[Any], exercise: str, where: str, *, graph: bool = False) -> Any:
    """Calls the student's function; an exception becomes a _Fail that explains it.

    Inside a check every call is watched for the package's own functions (:mod:`.refusal`): one called
    fails the check.  ``graph=True`` for a step that runs ``fn`` inside ``tf.function`` on purpose: it keeps
    graph mode (the other calls run tf.functions eagerly, so that the watch sees their Python code).
    """
    watch = _WATCH.get()
    with watch.watching(graph=graph) if watch is not None else contextlib.nullcontext([]) as called:
        try:
            result = fn(*args)
        except Exception as exc:
            error: Exception | None = exc
        else:
            error = None
    if called:
        raise _Fail(*watch.refusal(called, calls=True))
    if error is None:
        return result
    hint = _hint(error, error_text(error), exercise)
    mistake = "uses_numpy" if hint is _NUMPY_HINT else "not_written" if hint is _NOT_WRITTEN else "raised"
    raise _Fail(_explain_exception(error, fn, exercise, where), mistake) from None


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

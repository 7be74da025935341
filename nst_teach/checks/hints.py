"""How a check's hint grows, and how it notices the package's own function in the student's place.

**Hints that escalate.**  A failed check first only names what is wrong ("you forgot the 4").  If
the same mistake comes back at the next check of the same exercise, the hint adds the formula; the
time after that, the line of code that fixes it.  The count lives in the running Python process (a
notebook's kernel): restarting the kernel starts again at the gentlest hint.  A mistake the checker
does not recognise gets the formula at once — there is nothing better to point at.

**The package's function is not an answer.**  ``content_cost = nst.content_cost`` or
``lambda a, b: nst.content_cost(a, b)`` passes every test and teaches nothing.  The first call of
the student's function runs under a profile hook that watches for the reference's code object, so
a wrapper is caught however the reference was reached (``nst.content_cost``, an alias imported
from ``nst_teach``, ``functools.partial``, a function that ends up calling it).

Introduced in ``notebooks/01_images.ipynb``.
"""

from __future__ import annotations

import contextlib
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from types import CodeType, FrameType
from typing import Any

__all__ = ["not_counted"]

#: How often each (exercise, mistake) has failed in this process.
_ATTEMPTS: Counter[tuple[str, str | None]] = Counter()

#: The hint shows the formula from this attempt of the same mistake on, and the code from the next.
FORMULA_FROM, CODE_FROM = 2, 3


def _forget_attempts() -> None:
    """Back to the gentlest hint for every mistake (the tests call this between cases)."""
    _ATTEMPTS.clear()


@contextlib.contextmanager
def not_counted() -> Iterator[None]:
    """Checks run inside do not count as attempts (:func:`nst_teach.course.my_functions` looks, it is not a try)."""
    saved = Counter(_ATTEMPTS)
    try:
        yield
    finally:
        _ATTEMPTS.clear()
        _ATTEMPTS.update(saved)


def _compose(exercise: str, message: str, mistake: str | None, formula: str | None, code: str | None) -> str:
    """The failure's message with as much help as this attempt of the same mistake deserves."""
    if formula is None and code is None:
        return message
    _ATTEMPTS[(exercise, mistake)] += 1
    attempt = _ATTEMPTS[(exercise, mistake)]
    if mistake is None:  # not a mistake the checker knows: the formula is the best pointer there is
        attempt = max(attempt, FORMULA_FROM)
    lines = [message]
    if formula is not None and attempt >= FORMULA_FROM:
        lines.append(f"Formula: {formula}")
    if code is not None and attempt >= CODE_FROM:
        lines.append(f"The code: {code}")
    more = None
    if formula is not None and attempt < FORMULA_FROM:
        more = "the formula"
    elif code is not None and attempt < CODE_FROM:
        more = "the line of code"
    if more is not None:
        lines.append(f"(Fix it and check again: if this mistake is still there, the hint will show {more}.)")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# The package's own function in the student's place
# --------------------------------------------------------------------------------------------


def _code_of(fn: Any) -> CodeType | None:
    fn = getattr(fn, "python_function", fn)  # a tf.function: the Python function it wraps
    return getattr(fn, "__code__", None)


def _is_the_reference(fn: Any, reference: Callable | None) -> bool:
    """Whether ``fn`` is the reference itself (or a tf.function of it)."""
    if reference is None:
        return False
    code = _code_of(fn)
    return fn is reference or (code is not None and code is _code_of(reference))


@contextlib.contextmanager
def _watching(reference: Callable | None) -> Iterator[list[bool]]:
    """Yields ``[called]``: set to True if the reference's code runs inside the ``with`` block."""
    called = [False]
    target = _code_of(reference)
    if target is None:
        yield called
        return
    previous = sys.getprofile()

    def hook(frame: FrameType, event: str, arg: Any) -> None:
        if event == "call" and frame.f_code is target:
            called[0] = True
        if previous is not None:
            previous(frame, event, arg)

    sys.setprofile(hook)
    try:
        yield called
    finally:
        sys.setprofile(previous)


def _unwrapped(fn: Callable) -> Callable:
    """The Python function to probe: a tf.function's own (AutoGraph would convert the reference's code)."""
    return getattr(fn, "python_function", fn)


def _reference_message(exercise: str, reference: Callable, wraps: bool) -> str:
    where = f"{reference.__module__.replace('nst_teach', 'nst', 1)}.{reference.__name__}"
    if wraps:
        how, fix = f"calls the package's own {where}", "remove that call and compute it"
    else:
        how, fix = f"is the package's own {where}", f"a `def {exercise}(...)` of your own that computes it"
    return (
        f"Your {exercise} {how}, so the check would only compare the package with itself. The exercise is to "
        f"write it yourself: {fix} step by step, as the notebook describes. (The package's "
        f"{reference.__name__} is the reference the check compares your function with.)"
    )

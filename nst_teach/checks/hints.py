"""How a check's hint grows with the same mistake, and never gives the whole answer away.

A failed check first only names what is wrong ("you forgot the 4").  If the same mistake comes back
at the next check of the same exercise, the hint adds the formula; the time after that, a skeleton
of the code with blanks to fill (``return tf.reduce_sum(____) / (____)``), never the complete line.
The count lives in the running Python process (a notebook's kernel): restarting the kernel starts
again at the gentlest hint.  A mistake the checker does not recognise gets the formula at once —
there is nothing better to point at.

The complete lines are not in the student's package: they are the instructor's
(``nst_teach_instructor.hints``), shown at the third hint only where the instructor turns them on
with the environment variable ``NST_TEACH_FULL_HINTS=1`` and the instructor's package is installed.
Each skeleton is a :class:`_Code`, whose key names the instructor's complete line.

Introduced in ``notebooks/01_images.ipynb``.
"""

from __future__ import annotations

import contextlib
import os
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

__all__ = ["not_counted", "FULL_HINTS"]

#: The environment variable that shows the complete line of code at the third hint (instructors only).
FULL_HINTS = "NST_TEACH_FULL_HINTS"

#: How often each (exercise, mistake) has failed in this process.
_ATTEMPTS: Counter[tuple[str, str | None]] = Counter()

#: The hint shows the formula from this attempt of the same mistake on, and the skeleton of the code from the next.
FORMULA_FROM, CODE_FROM = 2, 3

#: Every skeleton by its key (the key of the instructor's complete line): the tests match the two sides.
_SKELETONS: dict[str, str] = {}


@dataclass(frozen=True)
class _Code:
    """The code that fixes a mistake, as the third hint shows it: a skeleton with blanks (``____``) to fill.

    ``key`` names the complete line on the instructor's side (``nst_teach_instructor.hints.HINTS``).
    """

    key: str
    skeleton: str

    def __post_init__(self) -> None:
        _SKELETONS[self.key] = self.skeleton


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


def _codes(code: _Code | Sequence[_Code] | None) -> tuple[_Code, ...]:
    return (code,) if isinstance(code, _Code) else tuple(code or ())


def _complete_lines(codes: Sequence[_Code]) -> str | None:
    """The instructor's complete lines, when ``NST_TEACH_FULL_HINTS=1`` asks for them; None when it does not."""
    if os.environ.get(FULL_HINTS, "").strip() != "1":
        return None
    try:
        # the instructor's side, kept out of a student's kernel: imported only when the instructor turns it on
        from nst_teach_instructor.hints import HINTS
    except ImportError:
        return (
            f"({FULL_HINTS}=1 asks for the complete line of code, but the hint needs the instructor's package, "
            "nst-teach-instructor, which is not installed here: pip install ./instructor from a clone of the "
            "course's repository.)"
        )
    lines = [HINTS[c.key] for c in codes if c.key in HINTS]
    return f"The code ({FULL_HINTS}=1): " + "; ".join(lines) if lines else None


def _compose(
    exercise: str, message: str, mistake: str | None, formula: str | None, code: _Code | Sequence[_Code] | None
) -> str:
    """The failure's message with as much help as this attempt of the same mistake deserves."""
    codes = _codes(code)
    if formula is None and not codes:
        return message
    _ATTEMPTS[(exercise, mistake)] += 1
    attempt = _ATTEMPTS[(exercise, mistake)]
    if mistake is None:  # not a mistake the checker knows: the formula is the best pointer there is
        attempt = max(attempt, FORMULA_FROM)
    lines = [message]
    if formula is not None and attempt >= FORMULA_FROM:
        lines.append(f"Formula: {formula}")
    if codes and attempt >= CODE_FROM:
        lines.append("Fill in the blanks (____): " + "; ".join(c.skeleton for c in codes))
        complete = _complete_lines(codes)
        if complete is not None:
            lines.append(complete)
    more = None
    if formula is not None and attempt < FORMULA_FROM:
        more = "the formula"
    elif codes and attempt < CODE_FROM:
        more = "the code with blanks to fill"
    if more is not None:
        lines.append(f"(Fix it and check again: if this mistake is still there, the hint will show {more}.)")
    return "\n".join(lines)

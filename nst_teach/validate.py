"""The small checks every module shares: numbers, choices, sizes, batches, and "did you mean".

Each rule about what a value may be is written here once; the option table
(:mod:`nst_teach.options`), the image functions, the widgets and the command
line all call these, so an error reads the same wherever a student meets it.
Every check raises :class:`~nst_teach.errors.OptionError` (or the error class
it is given) with a message that names the argument, the value and the fix.

>>> check_size((400, 300))
(400, 300)
>>> format_size((10, 10))
'10×10'
>>> did_you_mean("adma", ["adam", "lbfgs"])
" Did you mean 'adam'?"
>>> did_you_mean("content.jpg", ["out.jpg"])
''
"""

from __future__ import annotations

import difflib
import math
import numbers
import sys
from collections.abc import Iterable, Sequence
from typing import Any

from .defaults import IMG_SIZE
from .errors import OptionError

__all__ = [
    "MIN_SIDE",
    "did_you_mean",
    "check_number",
    "check_int",
    "check_choice",
    "check_size",
    "format_size",
    "is_batch",
]

#: The smallest side VGG-19 can take: its five pools halve the picture five times (2⁵ = 32).
MIN_SIDE: int = 32

#: How alike a typed name and a known name must be (difflib's ratio) to be suggested: high
#: enough that "contnt.jpg" suggests "content.jpg" and "content.jpg" does not suggest "out.jpg".
SUGGEST_CUTOFF: float = 0.75


def did_you_mean(value: Any, choices: Iterable[str], *, cutoff: float = SUGGEST_CUTOFF) -> str:
    """`` Did you mean 'x'?`` for the choice closest to ``value``, or ``""`` when none is plausible.

    The comparison ignores case and surrounding spaces. The text starts with a space, so it can be
    appended to a sentence.
    """
    if not isinstance(value, str):
        return ""
    choices = [str(choice) for choice in choices]
    by_key = {choice.strip().lower(): choice for choice in choices}
    close = difflib.get_close_matches(value.strip().lower(), list(by_key), n=1, cutoff=cutoff)
    return f" Did you mean {by_key[close[0]]!r}?" if close else ""


def check_number(name: str, value: Any, *, positive: bool = False, at_most: float | None = None) -> float:
    """``value`` as a finite float >= 0 (> 0 if ``positive``, <= ``at_most`` if given), or OptionError."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise OptionError(f"{name} must be a number, got {type(value).__name__} {value!r}.")
    number = float(value)
    if not math.isfinite(number) or number < 0 or (positive and number == 0):
        bound = "> 0" if positive else ">= 0"
        raise OptionError(f"{name} must be a finite number {bound}, got {value!r}.")
    if at_most is not None and number > at_most:
        raise OptionError(f"{name} must be at most {at_most:g}, got {value!r}.")
    return number


def check_int(name: str, value: Any, *, minimum: int = 1) -> int:
    """``value`` as an int >= ``minimum`` (not a bool, not a float), or OptionError."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise OptionError(f"{name} must be a whole number >= {minimum}, got {value!r}.")
    return int(value)


def check_choice(name: str, value: Any, choices: Sequence[str], *, aliases: dict[str, str] | None = None) -> str:
    """``value`` (case-insensitive, or one of its ``aliases``) if it is one of ``choices``, else OptionError."""
    if isinstance(value, str):
        key = value.strip().lower()
        key = (aliases or {}).get(key, key)
        if key in choices:
            return key
    listed = ", ".join(repr(choice) for choice in choices)
    raise OptionError(f"{name} must be one of {listed}, got {value!r}.{did_you_mean(value, choices)}")


def format_size(size: Sequence[int]) -> str:
    """``(400, 300)`` -> ``'400×300'``: how sizes read in every message."""
    return f"{size[0]}×{size[1]}"


def check_size(value: Any, name: str = "size", *, max_pixels: int | None = None) -> tuple[int, int]:
    """``value`` as ``(width, height)``: two whole numbers, each at least :data:`MIN_SIDE`.

    Args:
        value: a pair such as ``(400, 300)`` (a tuple, a list or an array of two ints).
        name: what the message calls the value (``"size"``, ``"--size"``...).
        max_pixels: refuse more pixels than this, if given.

    Raises:
        OptionError: saying what is wrong and giving the reference recipe's size as an example.
    """
    example = f"(width, height) in pixels, e.g. {IMG_SIZE}"
    try:
        width, height = value
    except (TypeError, ValueError):
        raise OptionError(f"{name} must be {example}; got {value!r}.") from None
    for side in (width, height):
        if isinstance(side, bool) or not isinstance(side, numbers.Integral):
            raise OptionError(f"{name} must be two whole numbers, {example}; got {value!r}.")
    width, height = int(width), int(height)
    if width < MIN_SIDE or height < MIN_SIDE:
        raise OptionError(
            f"{name} {format_size((width, height))} is too small: VGG-19 needs both sides to be at least "
            f"{MIN_SIDE} pixels (its five pools halve the picture five times); try {format_size(IMG_SIZE)}."
        )
    if max_pixels is not None and width * height > max_pixels:
        raise OptionError(
            f"{name} {format_size((width, height))} is {width * height:_} pixels, more than the limit of "
            f"{max_pixels:_}; pick a smaller size."
        )
    return width, height


def is_batch(x: Any) -> bool:
    """True for an already preprocessed image: a float NumPy array or TensorFlow tensor of rank 4.

    TensorFlow is not imported for this: a tensor can only exist once it has been.
    """
    import numpy as np

    if isinstance(x, np.ndarray):
        return bool(np.issubdtype(x.dtype, np.floating) and x.ndim == 4)
    tf = sys.modules.get("tensorflow")
    if tf is not None and isinstance(x, (tf.Tensor, tf.Variable)):
        return bool(x.dtype.is_floating and x.shape.rank == 4)
    return False

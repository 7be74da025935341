"""What a run changes from the reference recipe, in the course's words.

The course follows one recipe (:data:`REFERENCE_WORDS`; ``preset="reference"``), and nst-teach's defaults
change a few of its settings to paint sooner.  Every run the course shows says which
(:attr:`nst_teach.engine.StyleTransfer.recipe`: the command line's first line, the dashboard's status, the
notebooks' printouts), so that a picture is never taken for the reference recipe's when other settings
made it.  The reference values come from the options table (:data:`nst_teach.options.TABLE`).

Introduced in ``notebooks/00_welcome.ipynb``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .defaults import IMG_SIZE
from .optimizers import OPTIMIZERS
from .options import FUNCTIONS, REFERENCE_WORDS, TABLE, resolve_options
from .validate import format_size

__all__ = ["unlike_reference", "describe"]

#: Options whose difference from the reference recipe :func:`unlike_reference` does not list: where the pictures
#: come from and what is logged, not how the picture is made.
_NOT_RECIPE = frozenset({"weights", "log_dir", "preset", "seed", "noise_ratio", "style_blend", *FUNCTIONS})


#: How :func:`unlike_reference` names an option, where its name is not the course's word for it.
_LABELS = {"init": "start", "bounded": "pixels", "tolerance": "end", "learning_rate": "learning rate"}


def _words(name: str, value: Any) -> str:
    """An option's value as the course says it."""
    if name == "optimizer":
        return OPTIMIZERS[value].label
    if name == "init":
        return {"content": "the content image", "noise": "noise", "style": "the style image"}.get(
            value if isinstance(value, str) else "", "an image given"
        )
    if name == "bounded":
        return "kept inside 0…255" if value else "unbounded"
    if name == "tolerance":
        return f"once converged (tolerance {value:g})" if value else "after every iteration"
    if name == "size":
        return format_size(value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def unlike_reference(settings: Mapping[str, Any], size: tuple[int, int] | None = None) -> list[str]:
    r"""What a run's settings change from the reference recipe, one phrase per option, in the course's words.

    Args:
        settings: a run's resolved options (:func:`resolve_options`; ``precision`` as the run computes).
        size: the run's working size, when ``settings["size"]`` is None (the content batch's own).

    Returns:
        Phrases such as ``"optimizer: L-BFGS (the reference recipe: Adam)"``; empty for the reference recipe itself.
        The learning rate is listed only when the optimizer is the recipe's (L-BFGS's means something else).

    >>> unlike_reference(resolve_options({"preset": "reference"}))
    []
    >>> print(*unlike_reference(resolve_options({"precision": "float32", "tolerance": 0.5})), sep="\n")
    start: the content image (the reference recipe: noise)
    optimizer: L-BFGS (the reference recipe: Adam)
    pixels: kept inside 0…255 (the reference recipe: unbounded)
    end: once converged (tolerance 0.5) (the reference recipe: after every iteration)
    """
    reference = resolve_options({"preset": "reference"})
    values = dict(settings)
    values["size"] = values.get("size") or size or IMG_SIZE
    reference["size"] = IMG_SIZE
    phrases = []
    for name in TABLE:
        if name in _NOT_RECIPE or name not in values:
            continue
        if name == "learning_rate" and values["optimizer"] != reference["optimizer"]:
            continue
        value, recipe = values[name], reference[name]
        if name == "size":
            value, recipe = tuple(value), tuple(recipe)
        plain = value is None or isinstance(value, (str, int, float, bool, tuple, list, dict))
        if not plain or value != recipe:  # an image given (init=array) is not the recipe's noise
            label = _LABELS.get(name, name.replace("_", " "))
            phrases.append(f"{label}: {_words(name, value)} (the reference recipe: {_words(name, recipe)})")
    return phrases


def describe(settings: Mapping[str, Any], size: tuple[int, int] | None = None) -> str:
    """A run in one sentence: the reference recipe, or its cost with what the run changes (:func:`unlike_reference`).

    >>> describe(resolve_options({"preset": "reference"}))
    'the reference recipe: Adam, learning rate 2, float32, all 500 iterations from noise, unbounded'
    """
    changes = unlike_reference(settings, size)
    if not changes:
        return f"the reference recipe: {REFERENCE_WORDS}"
    return "the reference recipe's cost J, with " + "; ".join(changes)

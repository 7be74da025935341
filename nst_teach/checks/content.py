"""The check of notebook 03's exercise: the content cost.

Introduced in ``notebooks/03_content_cost.ipynb``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import costs
from .diagnosis import (
    _activation_shape,
    _activations,
    _check_cost,
    _CostSpec,
    _describe_activations,
    _numerators,
    _Variant,
)
from .feedback import CheckResult, _run
from .hints import _Code

__all__ = ["check_content_cost"]


# --------------------------------------------------------------------------------------------
# 03: content cost
# --------------------------------------------------------------------------------------------

_CONTENT_FORMULA = "J_content = 1/(4·n_H·n_W·n_C) · Σ (a_c − a_g)²"
_CONTENT_CODE = _Code("content_cost", "_, n_H, n_W, n_C = a_g.shape, then return tf.reduce_sum(____) / (____)")

_CONTENT_NORMS: tuple[_Variant, ...] = (
    _Variant("ok", "", lambda h, w, c: 4 * h * w * c),
    _Variant("no_normalisation", "You do not normalise: divide the sum by 4·n_H·n_W·n_C.", lambda h, w, c: 1),
    _Variant(
        "missing_4",
        "You forgot the 4 in the denominator: divide by 4·n_H·n_W·n_C, not n_H·n_W·n_C "
        "(tf.reduce_mean alone divides by n_H·n_W·n_C).",
        lambda h, w, c: h * w * c,
    ),
    _Variant(
        "wrong_normalisation",
        "You divide by 2·n_H·n_W·n_C; the formula has 4·n_H·n_W·n_C.",
        lambda h, w, c: 2 * h * w * c,
    ),
    _Variant(
        "mean_and_division",
        "You take the mean (tf.reduce_mean) and still divide by 4·n_H·n_W·n_C: the mean already divides by "
        "n_H·n_W·n_C, so your cost is divided by it twice. The formula sums the squared differences (Σ): "
        "use tf.reduce_sum, then divide by 4·n_H·n_W·n_C.",
        lambda h, w, c: 4 * (h * w * c) ** 2,
    ),
    _Variant("wrong_normalisation", "You multiply by 1/2; the formula divides by 4·n_H·n_W·n_C.", lambda h, w, c: 2),
    _Variant("wrong_normalisation", "You divide by 4 only; the formula divides by 4·n_H·n_W·n_C.", lambda h, w, c: 4),
    _Variant(
        "missing_n_C",
        "You divide by 4·n_H·n_W: n_C is missing. If you unpacked `n_H, n_W, n_C = "
        "a_g.shape[:3]` you took the batch axis (1) for n_H — the activations are (1, n_H, n_W, n_C): "
        "unpack with `_, n_H, n_W, n_C = a_g.shape`.",
        lambda h, w, c: 4 * h * w,
    ),
)


def _content_formula(case: tuple[np.ndarray, np.ndarray], numerator: Callable, norm: Callable) -> float:
    c, g = (np.asarray(a, np.float64) for a in case)
    _, n_h, n_w, n_c = c.shape
    return numerator(c, g) / norm(n_h, n_w, n_c)


_CONTENT_SUCCESS = (
    "Well done — content_cost is right: 0 for identical activations, the formula's normalisation on every test, "
    "a single number, differentiable, and it runs inside tf.function.\n"
    f"What it means: {_CONTENT_FORMULA} is (a quarter of) the mean squared difference between what the content "
    "layer 'sees' in the content image and in the generated image. Pushing it down makes the generated image keep "
    "the content's objects and layout, whatever their colors and textures."
)


def check_content_cost(content_cost: Callable[[Any, Any], Any]) -> CheckResult:
    r"""Checks a student's ``content_cost(a_c, a_g)`` against :func:`nst_teach.costs.content_cost`.

    The function must return the float32 scalar tensor
    :math:`\frac{1}{4 n_H n_W n_C}\sum (a_c - a_g)^2` for activations of shape
    ``(1, n_H, n_W, n_C)``: 0 for identical inputs, differentiable, and usable
    inside ``tf.function``.  Typical mistakes recognised: missing or wrong
    normalisation (no 4, 1/2, no n_C, a mean still divided by 4·n_H·n_W·n_C), abs
    instead of square, no square, a square root, a minus sign, a non-scalar result,
    NumPy.

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
        code=_CONTENT_CODE,
    )
    return _run("content_cost", content_cost, lambda fn: _check_cost(fn, spec), costs.content_cost)

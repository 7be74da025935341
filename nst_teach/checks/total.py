r"""The check of notebook 05's first exercise: the total cost :math:`J = \alpha J_{content} + \beta J_{style}`.

The weights differ from case to case, and are never the reference recipe's 10 and 40 together, so that
swapped or ignored weights give other numbers; the gradient must be α with respect to
:math:`J_{content}` and β with respect to :math:`J_{style}`.

Introduced in ``notebooks/05_style_transfer_live.ipynb``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import tensorflow as tf

from .. import costs
from .diagnosis import _close, _find_mistake, _not_a_tensor, _scalar, _Variant, _wrong_values
from .feedback import _NUMPY_HINT, CheckResult, _call, _Fail, _fmt, _run
from .hints import _Code
from .refusal import _unwrapped

__all__ = ["check_total_cost"]


# --------------------------------------------------------------------------------------------
# 05: the total cost
# --------------------------------------------------------------------------------------------

_TOTAL_FORMULA = "J = α·J_content + β·J_style"
_TOTAL_CODE = _Code("total_cost", "return ____ * J_content + ____ * J_style")

#: (J_content, J_style, α, β): α ≠ β everywhere and never the reference recipe's 10 and 40 together, so that swapped or
#: ignored weights give other numbers.
_TOTAL_CASES: tuple[tuple[float, float, float, float], ...] = (
    (2.0, 3.0, 10.0, 40.0),
    (0.5, 7.0, 1.0, 1000.0),
    (4.0, 0.25, 3.0, 0.5),
)

_TOTAL_COMBINATIONS: tuple[_Variant, ...] = (
    _Variant("ok", "", lambda c, s, a, b: a * c + b * s),
    _Variant(
        "swapped",
        "α and β are swapped: α weighs the content cost and β the style cost. Swapped, the reference recipe's weights "
        "would give the content 40 and the style 10.",
        lambda c, s, a, b: b * c + a * s,
    ),
    _Variant(
        "ignores_weights",
        "You add the two costs without their weights: multiply J_content by α and J_style by β.",
        lambda c, s, a, b: c + s,
    ),
    _Variant(
        "ignores_arguments",
        "You use the reference recipe's weights 10 and 40 instead of the arguments alpha and beta: the run (and the "
        "dashboard's α and β) pass other values.",
        lambda c, s, a, b: 10 * c + 40 * s,
    ),
    _Variant(
        "one_term",
        "Only the content term is there: the total cost adds β·J_style to α·J_content.",
        lambda c, s, a, b: a * c,
    ),
    _Variant(
        "one_term",
        "Only the style term is there: the total cost adds α·J_content to β·J_style.",
        lambda c, s, a, b: b * s,
    ),
    _Variant(
        "product",
        "You multiply the two weighted costs; the total cost is their sum.",
        lambda c, s, a, b: (a * c) * (b * s),
    ),
    _Variant(
        "sign",
        "You subtract the style term: with a minus sign the optimizer would push the style away. Add both terms.",
        lambda c, s, a, b: a * c - b * s,
    ),
    _Variant(
        "normalised",
        "You divide by α + β. The total cost is the plain weighted sum (only the ratio α/β sets the balance; "
        "dividing changes the size of every gradient).",
        lambda c, s, a, b: (a * c + b * s) / (a + b),
    ),
    _Variant(
        "averages",
        "You average the two terms (divide by 2); the total cost is their sum.",
        lambda c, s, a, b: (a * c + b * s) / 2,
    ),
)


def _total_formula(case: tuple[float, ...], combine: Callable) -> float:
    return combine(*case)


def _total_args(case: tuple[float, ...]) -> tuple[Any, ...]:
    j_content, j_style, alpha, beta = case
    return tf.constant(j_content, tf.float32), tf.constant(j_style, tf.float32), alpha, beta


def _describe_total(case: tuple[float, ...]) -> str:
    return "J_content = {:g}, J_style = {:g}, alpha = {:g}, beta = {:g}".format(*case)


def _check_total_steps(fn: Callable) -> str:
    describe = [_describe_total(case) for case in _TOTAL_CASES]
    got = [
        _scalar(_call(fn, _total_args(case), "total_cost", f"for {text}"), "total_cost", text, None)
        for case, text in zip(_TOTAL_CASES, describe)
    ]
    expected = [float(costs.total_cost(*_total_args(case))) for case in _TOTAL_CASES]
    if not all(_close(g, e, rtol=1e-5) for g, e in zip(got, expected)):
        mistakes = _find_mistake(got, _TOTAL_CASES, (_TOTAL_COMBINATIONS,), _total_formula)
        raise _wrong_values("total_cost", got, expected, describe, mistakes, _TOTAL_FORMULA, _TOTAL_CODE)

    # The optimizer needs ∂J/∂J_content = α and ∂J/∂J_style = β.
    j_content, j_style, alpha, beta = _total_args(_TOTAL_CASES[1])
    with tf.GradientTape() as tape:
        tape.watch([j_content, j_style])
        out = _call(fn, (j_content, j_style, alpha, beta), "total_cost", "under tf.GradientTape")
    if not isinstance(out, (tf.Tensor, tf.Variable)):
        raise _not_a_tensor(out, "total_cost")
    gradients = tape.gradient(out, [j_content, j_style])
    cut = [name for name, g in zip(("J_content", "J_style"), gradients) if g is None]
    if cut:
        raise _Fail(
            f"Your total_cost gives the right value, but TensorFlow cannot follow it back to {' and '.join(cut)} (the "
            "gradient is None): somewhere the computation leaves TensorFlow — NumPy, .numpy(), float() or "
            f"tf.stop_gradient — and the optimizer would not feel that cost. {_NUMPY_HINT}",
            "uses_numpy",
        )
    if not (_close(float(gradients[0]), alpha) and _close(float(gradients[1]), beta)):
        raise _Fail(
            f"Your total_cost gives the right value but the wrong gradient: ∂J/∂J_content should be α = {alpha:g} "
            f"and ∂J/∂J_style β = {beta:g}, yours are {_fmt(float(gradients[0]))} and {_fmt(float(gradients[1]))} "
            "— is part of it wrapped in tf.stop_gradient?",
            "wrong_gradient",
        )

    case = _TOTAL_CASES[2]
    inside = _call(tf.function(fn), _total_args(case), "total_cost", "inside tf.function", graph=True)
    if not _close(_scalar(inside, "total_cost", describe[2], None), expected[2], rtol=1e-5):
        raise _Fail(
            "Your total_cost gives a different value inside tf.function than outside it — does it depend on Python "
            "state rather than only on its arguments?",
            "tf_function",
        )
    note = _defaults_note(fn)
    success = (
        "Well done — total_cost is right: α·J_content + β·J_style for any weights, a single number, "
        "differentiable, and it runs inside tf.function.\n"
        f"What it means: {_TOTAL_FORMULA} is the one number the optimizer makes smaller. α and β set the balance "
        "between keeping the content and taking on the style: only their ratio decides where the minimum is."
    )
    return f"{success}\n{note}" if note else success


def _defaults_note(fn: Callable) -> str | None:
    """A note when alpha's and beta's defaults are not the reference recipe's 10 and 40 (the run passes both)."""
    try:
        parameters = list(inspect.signature(_unwrapped(fn)).parameters.values())
    except (TypeError, ValueError):
        return None
    defaults = {p.name: p.default for p in parameters[2:4] if p.default is not inspect.Parameter.empty}
    wrong = {name: value for name, value in defaults.items() if value != {"alpha": 10, "beta": 40}.get(name)}
    if not wrong:
        return None
    shown = ", ".join(f"{name}={value!r}" for name, value in wrong.items())
    return f"Note: your defaults {shown} are not the reference recipe's alpha=10, beta=40 (the run passes both anyway)."


def check_total_cost(total_cost: Callable[..., Any]) -> CheckResult:
    r"""Checks a student's ``total_cost(J_content, J_style, alpha=10, beta=40)``.

    The function must return :math:`\alpha J_{content} + \beta J_{style}`, as
    :func:`nst_teach.costs.total_cost` does, as a TensorFlow scalar,
    differentiable in both costs and usable inside ``tf.function``.  Typical mistakes recognised: α and
    β swapped, the weights left out, the reference recipe's 10 and 40 used instead of the arguments, a term
    missing, a product or a difference instead of the sum, a division by α + β or by 2, NumPy.

    Args:
        total_cost: the student's function (not called: pass the name).

    Returns:
        A :class:`CheckResult`; never raises because of the student's code.

    Introduced in ``notebooks/05_style_transfer_live.ipynb``.
    """
    return _run("total_cost", total_cost, _check_total_steps, costs.total_cost)

"""The checks of notebook 04's exercises: the Gram matrix, the style cost of a layer, the style cost.

Introduced in ``notebooks/04_gram_and_style_cost.ipynb``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import tensorflow as tf

from .. import costs
from ..defaults import STYLE_LAYERS
from .diagnosis import (
    _activation_shape,
    _activations,
    _check_cost,
    _close,
    _CostSpec,
    _describe_activations,
    _find_mistake,
    _Helper,
    _not_a_tensor,
    _numerators,
    _scalar,
    _tensors,
    _Variant,
)
from .feedback import _NUMPY_HINT, CheckResult, _call, _Fail, _fmt, _run, _shape, _to_array
from .hints import _Code

__all__ = ["check_gram_matrix", "check_layer_style_cost", "check_style_cost"]


# --------------------------------------------------------------------------------------------
# 04: Gram matrix
# --------------------------------------------------------------------------------------------

_GRAM_FORMULA = "G = A·Aᵀ, with A of shape (n_C, n_H·n_W): G has shape (n_C, n_C), G[i, j] = Σ_k A[i, k]·A[j, k]"
_GRAM_CODE = _Code("gram_matrix", "return tf.matmul(____, ____)")

#: Unrolled activations A (n_C, n_H·n_W) for the Gram check: never square, 1 and several channels.
_GRAM_SHAPES: tuple[tuple[int, int], ...] = ((3, 24), (1, 15), (8, 21))

_GRAM_CENTRING: tuple[_Variant, ...] = (
    _Variant("ok", "", lambda a: a),
    _Variant(
        "centred",
        "You subtract each channel's mean first: that is a covariance matrix. The Gram matrix "
        "uses the activations as they are.",
        lambda a: a - a.mean(axis=1, keepdims=True),
    ),
)

_GRAM_NORMS: tuple[_Variant, ...] = (
    _Variant("ok", "", lambda n_c, n_hw: 1),
    _Variant(
        "normalised",
        "You divide by n_H·n_W. The Gram matrix here is the plain product A·Aᵀ: the style cost does the normalisation.",
        lambda n_c, n_hw: n_hw,
    ),
    _Variant(
        "normalised",
        "You divide by n_C. The Gram matrix here is the plain product A·Aᵀ: the style cost does the normalisation.",
        lambda n_c, n_hw: n_c,
    ),
    _Variant(
        "normalised",
        "You divide by n_C·n_H·n_W. The Gram matrix here is the plain product A·Aᵀ: the style "
        "cost does the normalisation.",
        lambda n_c, n_hw: n_c * n_hw,
    ),
    _Variant(
        "normalised",
        "You divide by (n_H·n_W)². The Gram matrix here is the plain product A·Aᵀ: the style "
        "cost does the normalisation.",
        lambda n_c, n_hw: n_hw**2,
    ),
    _Variant("normalised", "You divide by 2. The Gram matrix is the plain product A·Aᵀ.", lambda n_c, n_hw: 2),
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
            "second factor: G = A·Aᵀ compares channels with channels.",
            "transposed",
            formula=_GRAM_FORMULA,
            code=_GRAM_CODE,
        )
    if shape == (n_c, n_hw):
        return _Fail(
            f"{head} `A * A` multiplies element by element. The Gram matrix is a matrix product (tf.matmul) of A "
            "and its transpose.",
            "elementwise",
            formula=_GRAM_FORMULA,
            code=_GRAM_CODE,
        )
    if len(shape) == 0 or int(np.prod(shape)) == 1:
        return _Fail(
            f"{head} The Gram matrix is a matrix, one entry per pair of channels: do not sum it up.", "not_matrix"
        )
    return _Fail(head, "wrong_shape", formula=_GRAM_FORMULA, code=_GRAM_CODE)


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
        key = "+".join(dict.fromkeys(m.key for m in mistakes)) if mistakes else None
        raise _Fail("\n".join(lines), key, formula=_GRAM_FORMULA, code=_GRAM_CODE)

    (a,) = _tensors(cases[0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(a)
        out = _call(fn, (a,), "gram_matrix", "under tf.GradientTape")
        ref_out = costs.gram_matrix(a)
    if not isinstance(out, (tf.Tensor, tf.Variable)):
        raise _not_a_tensor(out, "gram_matrix")
    grad = tape.gradient(out, a)
    if grad is None:
        raise _Fail(
            f"Your gram_matrix gives the right values, but TensorFlow cannot differentiate it (the gradient "
            f"is None). {_NUMPY_HINT}",
            "uses_numpy",
        )
    if not _close(grad.numpy(), tape.gradient(ref_out, a).numpy()):
        raise _Fail(
            "Your gram_matrix gives the right values but the wrong gradient — is part of it wrapped in "
            "tf.stop_gradient?",
            "wrong_gradient",
        )
    out = _array_in_tf_function(fn, _tensors(cases[-1]), "gram_matrix")
    if not _close(out, expected[-1], rtol=1e-4):
        raise _Fail("Your gram_matrix gives different values inside tf.function than outside it.", "tf_function")
    return (
        "Well done — gram_matrix is right: shape (n_C, n_C), the right values, differentiable, and it runs "
        "inside tf.function.\n"
        "What it means: G[i, j] = Σ_k A[i, k]·A[j, k] adds up, over every position k of the image, how strongly "
        "filters i and j fire together; G[i, i] is how active filter i is overall. Where things are in the image "
        "is summed away — that is why the Gram matrix captures style (textures, colors, brush strokes) and not "
        "layout."
    )


def _array_in_tf_function(fn: Callable, args: Sequence[Any], exercise: str) -> np.ndarray:
    return _to_array(_call(tf.function(fn), args, exercise, "inside tf.function", graph=True))


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
    return _run("gram_matrix", gram_matrix, _check_gram_steps, costs.gram_matrix)


# --------------------------------------------------------------------------------------------
# 04: style cost of one layer
# --------------------------------------------------------------------------------------------

_LAYER_STYLE_FORMULA = (
    "J_style[l] = 1/(4·n_C²·(n_H·n_W)²) · Σ_ij (G_S[i, j] − G_G[i, j])², with G = A·Aᵀ and A the activations "
    "unrolled to (n_C, n_H·n_W), one row per channel"
)
_UNROLL_CODE = _Code("unroll", "A_s = tf.transpose(tf.reshape(a_s, (____, ____))), and the same for a_g")
_LAYER_STYLE_CODE = _Code("layer_style_cost", "return tf.reduce_sum(____) / (4 * ____**2 * (____) ** 2)")


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
        "(n_H·n_W, n_C) — one row per position, one column per channel — and then transpose.",
        _gram_no_transpose,
        _UNROLL_CODE,
    ),
    _Variant(
        "positions_gram",
        "Your Gram matrices are (n_H·n_W) × (n_H·n_W): they compare positions, not channels. With A of shape "
        "(n_C, n_H·n_W) the Gram matrix is A·Aᵀ, of shape (n_C, n_C) — transpose the (n_H·n_W, n_C) reshape "
        "before multiplying.",
        _gram_of_positions,
        _UNROLL_CODE,
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
    _Variant(
        "missing_4",
        "You forgot the 4 in the denominator: divide by 4·n_C²·(n_H·n_W)².",
        lambda n_hw, n_c: n_c**2 * n_hw**2,
    ),
    _Variant(
        "missing_square",
        "You divide by n_C instead of its square n_C²: the denominator is 4·n_C²·(n_H·n_W)².",
        lambda n_hw, n_c: 4 * n_c * n_hw**2,
    ),
    _Variant(
        "missing_square",
        "You divide by n_H·n_W instead of its square (n_H·n_W)²: the denominator is 4·n_C²·(n_H·n_W)².",
        lambda n_hw, n_c: 4 * n_c**2 * n_hw,
    ),
    _Variant(
        "missing_square",
        "You divide by 4·n_C·n_H·n_W (the content cost's denominator): for the style cost "
        "both n_C and n_H·n_W are squared, 4·n_C²·(n_H·n_W)².",
        lambda n_hw, n_c: 4 * n_c * n_hw,
    ),
    _Variant(
        "four_squared",
        "You divide by (4·n_C·n_H·n_W)², which squares the 4 as well (16). The denominator "
        "is 4·n_C²·(n_H·n_W)² = (2·n_C·n_H·n_W)².",
        lambda n_hw, n_c: 16 * n_c**2 * n_hw**2,
    ),
    _Variant(
        "wrong_normalisation",
        "You divide by 2·n_C²·(n_H·n_W)²; the formula has a 4.",
        lambda n_hw, n_c: 2 * n_c**2 * n_hw**2,
    ),
    _Variant(
        "mean_and_division",
        "You take the mean (tf.reduce_mean) of the squared differences and still divide by 4·n_C²·(n_H·n_W)²: the "
        "mean already divides by n_C², the number of entries of a Gram matrix, so your cost is divided by it twice. "
        "The formula sums (Σ_ij): use tf.reduce_sum.",
        lambda n_hw, n_c: 4 * n_c**4 * n_hw**2,
    ),
    _Variant("wrong_normalisation", "You divide by 4·(n_H·n_W)²: n_C² is missing.", lambda n_hw, n_c: 4 * n_hw**2),
    _Variant("wrong_normalisation", "You divide by 4·n_C²: (n_H·n_W)² is missing.", lambda n_hw, n_c: 4 * n_c**2),
)


def _layer_style_formula(
    case: tuple[np.ndarray, np.ndarray], unroll: Callable, numerator: Callable, norm: Callable
) -> float:
    s, g = (np.asarray(a, np.float64) for a in case)
    _, n_h, n_w, n_c = s.shape
    return numerator(unroll(s), unroll(g)) / norm(n_h * n_w, n_c)


_LAYER_STYLE_SUCCESS = (
    "Well done — layer_style_cost is right: 0 for identical activations, the channels unrolled correctly, the "
    "formula's normalisation, a single number, differentiable, and it runs inside tf.function.\n"
    f"What it means: {_LAYER_STYLE_FORMULA.split(', with')[0]} compares which filters fire together in the style "
    "image and in the generated image, wherever they fire. Pushing it down transfers textures and colors, not "
    "the layout."
)


def _right_gram_matrix(A: tf.Tensor) -> tf.Tensor:
    """A·Aᵀ, the check's own: tried in the place of the student's gram_matrix that a layer_style_cost calls."""
    return tf.linalg.matmul(A, A, transpose_b=True)


def _right_layer_style_cost(a_s: tf.Tensor, a_g: tf.Tensor) -> tf.Tensor:
    """J_style[l], the check's own: tried in the place of the student's layer_style_cost that a style_cost calls."""
    _, n_h, n_w, n_c = a_s.shape
    by_position = [tf.reshape(a, (n_h * n_w, n_c)) for a in (a_s, a_g)]  # Fᵀ·F = A·Aᵀ for A = Fᵀ
    grams = [tf.linalg.matmul(f, f, transpose_a=True) for f in by_position]
    return tf.reduce_sum((grams[0] - grams[1]) ** 2) / float(4 * n_c**2 * (n_h * n_w) ** 2)


def check_layer_style_cost(layer_style_cost: Callable[[Any, Any], Any]) -> CheckResult:
    r"""Checks a student's ``layer_style_cost(a_s, a_g)`` against :func:`nst_teach.costs.layer_style_cost`.

    For activations of shape ``(1, n_H, n_W, n_C)`` the function must return
    :math:`\frac{1}{4 n_C^2 (n_H n_W)^2}\sum_{ij}(G^{(S)}_{ij} - G^{(G)}_{ij})^2`.
    Typical mistakes recognised: unrolling with a plain reshape to ``(n_C, -1)``
    (channels scrambled), a Gram matrix of positions, comparing activations
    instead of Gram matrices, a missing 4 or a missing square, a mean still divided
    by the formula's denominator, abs, NumPy — and combinations of them; and a right
    function whose ``gram_matrix`` (the student's, called by that name) is wrong.

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
        code=_LAYER_STYLE_CODE,
        helper=_Helper("gram_matrix", _right_gram_matrix, check_gram_matrix),
    )
    return _run("layer_style_cost", layer_style_cost, lambda fn: _check_cost(fn, spec), costs.layer_style_cost)


# --------------------------------------------------------------------------------------------
# 04: style cost over several layers
# --------------------------------------------------------------------------------------------

_STYLE_FORMULA = "J_style = Σ_l λ_l · J_style[l], the sum over the layers of coefficient × layer style cost"
_STYLE_CODE = _Code(
    "style_cost",
    "J_style = 0.0, then for name, coefficient in coefficients.items(): J_style += ____ * layer_style_cost(____, "
    "____)  (return J_style after the loop)",
)

_STYLE_CASES: tuple[dict[str, tuple[tuple[int, int, int, int], float]], ...] = (
    # layer name -> (activation shape, coefficient).  Not STYLE_LAYERS' five layers, and coefficients that
    # differ from one another and from 0.2: each typical mistake gives a different number.
    {"block1_conv1": ((1, 6, 8, 3), 0.5), "block3_conv1": ((1, 4, 5, 4), 0.3), "block5_conv1": ((1, 2, 3, 6), 0.2)},
    {"block2_conv1": ((1, 5, 4, 2), 1.0), "block4_conv1": ((1, 3, 2, 5), 2.5)},
    {
        "block1_conv1": ((1, 7, 5, 2), 0.1),
        "block2_conv1": ((1, 4, 6, 3), 0.4),
        "block3_conv1": ((1, 3, 4, 1), 0.2),
        "block4_conv1": ((1, 2, 5, 4), 0.05),
        "block5_conv1": ((1, 2, 2, 5), 0.25),
    },
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


_STYLE_SUMS: tuple[tuple[_Variant, ...], ...] = (
    (
        _Variant(
            "ignores_coefficients",
            "You ignore the coefficients λ_l: each layer's cost must be multiplied by its coefficient before adding.",
            lambda j, lam, names: sum(j),
        ),
        _Variant(
            "averages",
            "You average the weighted costs (divide by the number of layers); the style cost is their sum.",
            lambda j, lam, names: sum(x * y for x, y in zip(j, lam)) / len(j),
        ),
        _Variant(
            "averages",
            "You average the layers' costs without their coefficients; the style cost is the "
            "weighted sum Σ λ_l·J_style[l].",
            lambda j, lam, names: sum(j) / len(j),
        ),
        _Variant(
            "divides_by_coefficient_sum",
            "You divide by the sum of the coefficients; the style cost is the "
            "plain weighted sum (the coefficients need not add up to 1).",
            lambda j, lam, names: sum(x * y for x, y in zip(j, lam)) / sum(lam),
        ),
        _Variant(
            "last_layer_only",
            "Only the last layer counts: inside the loop you assign `J_style = ...` instead "
            "of adding `J_style += ...`.",
            lambda j, lam, names: j[-1] * lam[-1],
        ),
        _Variant(
            "last_layer_only",
            "Only the last layer counts, without its coefficient: add λ_l·J_style[l] for "
            "every layer (`J_style += ...`).",
            lambda j, lam, names: j[-1],
        ),
        _Variant(
            "first_layer_only",
            "Only the first layer counts: is the `return` inside the loop?",
            lambda j, lam, names: j[0] * lam[0],
        ),
        _Variant(
            "global_coefficients",
            "You use the coefficients of the global STYLE_LAYERS instead of the `coefficients` argument.",
            lambda j, lam, names: sum(STYLE_LAYERS[n] * x for x, n in zip(j, names)),
        ),
    ),
)


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
            "Run check_layer_style_cost(layer_style_cost) first.",
            "layer_cost_wrong",
            formula=_STYLE_FORMULA,
        )


_STYLE_SUCCESS = (
    "Well done — style_cost is right: the weighted sum of the layers' style costs, a single number, "
    "differentiable, and it runs inside tf.function.\n"
    f"What it means: {_STYLE_FORMULA}. Shallow layers (block1) carry fine textures and colors, deep layers "
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
    wrong per-layer cost (the student's ``layer_style_cost``, called by that name,
    is pointed at: its own check first).

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
        code=_STYLE_CODE,
        helper=_Helper("layer_style_cost", _right_layer_style_cost, check_layer_style_cost),
    )
    return _run("style_cost", style_cost, lambda fn: _check_cost(fn, spec), costs.style_cost)

r"""The cost functions of Neural Style Transfer, line for line as in notebooks 03–05.

Every function accepts NumPy arrays or TensorFlow tensors, returns a float32
TensorFlow scalar, is differentiable, and works inside ``tf.function``.
Activations are laid out as Keras produces them: ``(1, n_H, n_W, n_C)``
(a leading batch axis of size 1; ``(n_H, n_W, n_C)`` is accepted too).

The formulas (Gatys et al., 2015, in the normalization of the reference recipe):

.. math::

    J_{content}(C, G) = \frac{1}{4 n_H n_W n_C} \sum (a^{(C)} - a^{(G)})^2

    G = A A^\top, \quad A \in \mathbb{R}^{n_C \times n_H n_W}

    J^{[l]}_{style}(S, G) = \frac{1}{4 n_C^2 (n_H n_W)^2} \sum_{i,j} (G^{(S)}_{ij} - G^{(G)}_{ij})^2

    J_{style}(S, G) = \sum_l \lambda_l J^{[l]}_{style}(S, G)

    J(G) = \alpha J_{content}(C, G) + \beta J_{style}(S, G)

Introduced in ``notebooks/03_content_cost.ipynb`` (content) and
``notebooks/04_gram_and_style_cost.ipynb`` (Gram matrix and style).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import tensorflow as tf

from .defaults import ALPHA, BETA
from .errors import OptionError
from .validate import check_number

__all__ = [
    "content_cost",
    "gram_matrix",
    "gram_cost",
    "layer_style_cost",
    "style_cost",
    "weighted_style_cost",
    "total_variation_cost",
    "total_cost",
]


def _as_float32(x: Any, name: str) -> tf.Tensor:
    """Converts ``x`` to a float32 tensor, naming the argument if it cannot."""
    if isinstance(x, (tf.Tensor, tf.Variable)):
        return tf.cast(x, tf.float32) if x.dtype != tf.float32 else tf.convert_to_tensor(x)
    try:
        return tf.convert_to_tensor(np.asarray(x, dtype=np.float32))
    except (TypeError, ValueError) as exc:
        raise OptionError(f"{name} must be a numeric array or tensor, got {type(x).__name__}: {exc}") from None


def _as_activation(x: Any, name: str) -> tf.Tensor:
    """Returns activations as a float32 ``(n_H, n_W, n_C)`` tensor (batch axis of 1 removed)."""
    t = _as_float32(x, name)
    rank = t.shape.rank
    if rank == 4:
        batch = t.shape[0]
        if batch is not None and batch != 1:
            raise OptionError(
                f"{name} has a batch of {batch} images (shape {tuple(t.shape)}); "
                "the costs compare one image at a time: pass shape (1, n_H, n_W, n_C)."
            )
        return t[0]
    if rank == 3:
        return t
    raise OptionError(
        f"{name} must be activations of shape (1, n_H, n_W, n_C) or (n_H, n_W, n_C), "
        f"got rank {rank} with shape {tuple(t.shape)}."
    )


def _check_same_shape(a: tf.Tensor, b: tf.Tensor, name_a: str, name_b: str) -> None:
    """Raises if two statically known shapes differ."""
    sa, sb = a.shape.as_list(), b.shape.as_list()
    if len(sa) != len(sb) or any(x is not None and y is not None and x != y for x, y in zip(sa, sb)):
        raise OptionError(
            f"{name_a} and {name_b} must have the same shape, got {tuple(sa)} and {tuple(sb)}; "
            "compute both with the same layer on images of the same size."
        )


def _dims(a: tf.Tensor) -> tuple[Any, Any, Any]:
    """(n_H, n_W, n_C) as Python ints where known, else as tensors."""
    static = a.shape.as_list()
    dynamic = tf.shape(a)
    return tuple(static[i] if static[i] is not None else dynamic[i] for i in range(3))


def content_cost(a_c: Any, a_g: Any) -> tf.Tensor:
    r"""Content cost between the content image's and the generated image's activations.

    .. math:: J_{content} = \frac{1}{4 n_H n_W n_C} \sum (a^{(C)} - a^{(G)})^2

    Args:
        a_c: activations of the content image at the content layer, ``(1, n_H, n_W, n_C)``.
        a_g: activations of the generated image at the same layer, same shape.

    Returns:
        A float32 scalar tensor; exactly 0 when ``a_c`` equals ``a_g``.

    Raises:
        OptionError: the shapes differ or are not activations.

    Introduced in ``notebooks/03_content_cost.ipynb``.

    >>> import numpy as np
    >>> a = np.ones((1, 2, 3, 4), np.float32)
    >>> float(content_cost(a, a + 1))  # 24 squared differences of 1 / (4·2·3·4)
    0.25
    """
    c = _as_activation(a_c, "a_c")
    g = _as_activation(a_g, "a_g")
    _check_same_shape(c, g, "a_c", "a_g")
    n_h, n_w, n_c = _dims(c)
    norm = tf.cast(4 * n_h * n_w * n_c, tf.float32)
    return tf.reduce_sum(tf.square(c - g)) / norm


def _by_position(t: tf.Tensor, name: str) -> tf.Tensor:
    """The ``(n_H·n_W, n_C)`` matrix F of activations ``t``: one row per position (A is its transpose)."""
    act = _as_activation(t, name)
    n_c = act.shape[-1] if act.shape[-1] is not None else tf.shape(act)[-1]
    return tf.reshape(act, (-1, n_c))


def _unrolled(a: Any, name: str) -> tf.Tensor:
    """The ``(n_C, n_H·n_W)`` matrix A of a layer's activations (or A itself if given)."""
    t = _as_float32(a, name)
    rank = t.shape.rank
    if rank == 2:
        return t
    if rank in (3, 4):
        # Row c of A holds channel c's activations, read row by row over the image.
        return tf.transpose(_by_position(t, name))
    raise OptionError(
        f"{name} must be activations (1, n_H, n_W, n_C) or an unrolled matrix (n_C, n_H·n_W), "
        f"got rank {rank} with shape {tuple(t.shape)}."
    )


def gram_matrix(a: Any) -> tf.Tensor:
    r"""The Gram matrix :math:`G = A A^\top` (unnormalized) of a layer's activations.

    ``G[i, j]`` is the sum over all positions of channel ``i`` times channel ``j``:
    how much the two filters fire together, wherever they fire.

    Args:
        a: activations ``(1, n_H, n_W, n_C)`` (or ``(n_H, n_W, n_C)``), or an already
            unrolled matrix ``A`` of shape ``(n_C, n_H·n_W)``.

    Returns:
        The float32 ``(n_C, n_C)`` Gram matrix.

    Introduced in ``notebooks/04_gram_and_style_cost.ipynb``.

    >>> import numpy as np
    >>> A = np.array([[1., 2.], [3., 4.]], np.float32)
    >>> gram_matrix(A).numpy().tolist()
    [[5.0, 11.0], [11.0, 25.0]]
    """
    t = _as_float32(a, "a")
    if t.shape.rank in (3, 4):
        # A = Fᵀ for the (n_H·n_W, n_C) matrix F of the activations, so A·Aᵀ = Fᵀ·F: the same sums,
        # without copying the activations into A first (a third less time, forward and backward).
        f = _by_position(t, "a")
        return tf.matmul(f, f, transpose_a=True)
    mat = _unrolled(t, "a")
    return tf.matmul(mat, mat, transpose_b=True)


def gram_cost(g_s: Any, g_g: Any, n_hw: Any) -> tf.Tensor:
    r"""Style cost of one layer from its two Gram matrices.

    .. math:: \frac{1}{4 n_C^2 (n_H n_W)^2} \sum_{i,j} (G^{(S)}_{ij} - G^{(G)}_{ij})^2

    The engine precomputes the style image's Gram matrices once and calls this each step.

    Args:
        g_s: the style image's Gram matrix, ``(n_C, n_C)``.
        g_g: the generated image's Gram matrix, ``(n_C, n_C)``.
        n_hw: the number of positions ``n_H·n_W`` of the layer the Grams came from.

    Returns:
        A float32 scalar tensor.
    """
    s = _as_float32(g_s, "g_s")
    g = _as_float32(g_g, "g_g")
    if s.shape.rank != 2 or g.shape.rank != 2:
        raise OptionError(
            f"g_s and g_g must be (n_C, n_C) Gram matrices, got shapes {tuple(s.shape)} and {tuple(g.shape)}."
        )
    _check_same_shape(s, g, "g_s", "g_g")
    n_c = s.shape[0] if s.shape[0] is not None else tf.shape(s)[0]
    n_c = tf.cast(n_c, tf.float32)
    n_hw = tf.cast(n_hw, tf.float32)
    return tf.reduce_sum(tf.square(s - g)) / (4.0 * tf.square(n_c) * tf.square(n_hw))


def layer_style_cost(a_s: Any, a_g: Any) -> tf.Tensor:
    r"""Style cost of one layer: how different the two images' Gram matrices are.

    .. math:: J^{[l]}_{style} = \frac{1}{4 n_C^2 (n_H n_W)^2} \sum_{i,j} (G^{(S)}_{ij} - G^{(G)}_{ij})^2

    Args:
        a_s: the style image's activations at layer l, ``(1, n_H, n_W, n_C)``.
        a_g: the generated image's activations at layer l, same shape.

    Returns:
        A float32 scalar tensor; exactly 0 when ``a_s`` equals ``a_g``.

    Introduced in ``notebooks/04_gram_and_style_cost.ipynb``.

    >>> import numpy as np
    >>> a = np.ones((1, 2, 2, 1), np.float32)
    >>> float(layer_style_cost(a, 2 * a))  # G_S = 4, G_G = 16: 144 / (4·1·16)
    2.25
    """
    s = _as_activation(a_s, "a_s")
    g = _as_activation(a_g, "a_g")
    _check_same_shape(s, g, "a_s", "a_g")
    n_h, n_w, _ = _dims(s)
    return gram_cost(gram_matrix(s), gram_matrix(g), n_h * n_w)


def style_cost(a_s_layers: Any, a_g_layers: Any, coefficients: Any) -> tf.Tensor:
    r"""Weighted sum of the layers' style costs.

    .. math:: J_{style} = \sum_l \lambda_l J^{[l]}_{style}

    Args:
        a_s_layers: the style image's activations per layer: a dict keyed by layer
            name, or a list.
        a_g_layers: the generated image's activations, keyed or ordered the same way.
        coefficients: the :math:`\lambda_l`, a dict ``{layer name: λ}`` (with dict
            activations) or a list of the same length (with list activations).
            Each must be finite and >= 0.

    Returns:
        A float32 scalar tensor.

    Raises:
        OptionError: missing layers, mismatched lengths, or a negative/NaN coefficient.

    Introduced in ``notebooks/04_gram_and_style_cost.ipynb``.
    """
    arguments = (a_s_layers, a_g_layers, coefficients)
    if isinstance(a_s_layers, Mapping) or isinstance(a_g_layers, Mapping):
        if not all(isinstance(argument, Mapping) for argument in arguments):
            kinds = ", ".join(type(argument).__name__ for argument in arguments)
            raise OptionError(
                "style_cost takes either three dicts keyed by layer name or three lists of the same "
                f"length, got {kinds}."
            )
        names = list(coefficients)
        for side, acts in (("a_s_layers", a_s_layers), ("a_g_layers", a_g_layers)):
            missing = [n for n in names if n not in acts]
            if missing:
                raise OptionError(f"{side} has no activations for layer(s) {missing}; it has {sorted(acts)}.")
        pairs = [(a_s_layers[n], a_g_layers[n], coefficients[n], n) for n in names]
    else:
        if not all(isinstance(argument, Sequence) for argument in arguments):
            raise OptionError("style_cost takes dicts keyed by layer name or lists of the same length.")
        if not len(a_s_layers) == len(a_g_layers) == len(coefficients):
            raise OptionError(
                f"style_cost got {len(a_s_layers)} style activations, {len(a_g_layers)} generated activations "
                f"and {len(coefficients)} coefficients; give one coefficient per layer."
            )
        pairs = [(s, g, c, f"#{i}") for i, (s, g, c) in enumerate(zip(a_s_layers, a_g_layers, coefficients))]
    if not pairs:
        raise OptionError("style_cost needs at least one layer.")
    lambdas = [check_number(f"coefficient of layer {name}", coefficient) for _, _, coefficient, name in pairs]
    return weighted_style_cost([layer_style_cost(a_s, a_g) for a_s, a_g, _, _ in pairs], lambdas)


def weighted_style_cost(layer_costs: Sequence[Any], coefficients: Sequence[float]) -> tf.Tensor:
    r"""The style cost from the layers' style costs: their sum weighted by the :math:`\lambda_l`.

    .. math:: J_{style} = \sum_l \lambda_l J^{[l]}_{style}

    :func:`style_cost` computes each :math:`J^{[l]}_{style}` from activations and calls this; the
    engine, which keeps the style's Gram matrices from the start, computes them with
    :func:`gram_cost`, reports each, and calls this too.

    Args:
        layer_costs: :math:`J^{[l]}_{style}` of each layer (scalars), in the order of ``coefficients``.
        coefficients: the :math:`\lambda_l`, one per layer, each finite and >= 0.

    Returns:
        A float32 scalar tensor.

    Introduced in ``notebooks/04_gram_and_style_cost.ipynb``.

    >>> float(weighted_style_cost([2.0, 10.0], [0.5, 0.1]))  # 0.5·2 + 0.1·10
    2.0
    """
    if len(layer_costs) != len(coefficients) or not layer_costs:
        raise OptionError(
            f"weighted_style_cost got {len(layer_costs)} layer costs and {len(coefficients)} coefficients; "
            "give one coefficient per layer (at least one)."
        )
    lambdas = [check_number(f"coefficient #{i}", coefficient) for i, coefficient in enumerate(coefficients)]
    return tf.add_n([lam * _as_float32(j, "layer_costs") for lam, j in zip(lambdas, layer_costs)])


def total_variation_cost(x: Any) -> tf.Tensor:
    r"""Total variation: a smoothness term that penalizes differences between neighbours.

    Not in the reference recipe; the usual squared form, averaged over the image so that its
    weight does not depend on the image size:

    .. math::

        J_{TV}(x) = \frac{1}{n_H n_W n_C}
            \sum_{i,j,c} \left[ (x_{i+1,j,c} - x_{i,j,c})^2 + (x_{i,j+1,c} - x_{i,j,c})^2 \right]

    Args:
        x: an image batch ``(1, n_H, n_W, n_C)`` (or ``(n_H, n_W, n_C)``).

    Returns:
        A float32 scalar tensor; 0 for a constant image.

    Introduced in ``notebooks/06_experiments.ipynb``.
    """
    img = _as_activation(x, "x")
    dy = img[1:, :, :] - img[:-1, :, :]
    dx = img[:, 1:, :] - img[:, :-1, :]
    n = tf.cast(tf.size(img), tf.float32)
    return (tf.reduce_sum(tf.square(dy)) + tf.reduce_sum(tf.square(dx))) / n


def total_cost(j_content: Any, j_style: Any, alpha: float = ALPHA, beta: float = BETA) -> tf.Tensor:
    r"""The total cost :math:`J = \alpha J_{content} + \beta J_{style}`.

    Args:
        j_content: the content cost (scalar).
        j_style: the style cost (scalar).
        alpha: weight of the content cost (finite, >= 0).
        beta: weight of the style cost (finite, >= 0).

    Returns:
        A float32 scalar tensor.

    Introduced in ``notebooks/05_style_transfer_live.ipynb``.

    >>> float(total_cost(1.0, 2.0, alpha=10, beta=40))
    90.0
    """
    a = check_number("alpha", alpha)
    b = check_number("beta", beta)
    return a * _as_float32(j_content, "j_content") + b * _as_float32(j_style, "j_style")

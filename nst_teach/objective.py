r"""The cost the loop minimizes, at one image size: targets computed once, one traced ``tf.function``.

.. math:: J(G) = \alpha J_{content}(C, G) + \beta \sum_l \lambda_l J^{[l]}_{style}(S, G) \;+\; w_{TV} J_{TV}(G)

Every term is a function of the course — :mod:`nst_teach.costs`' own, or the student's where given
(:mod:`nst_teach.student_functions` says how they are combined); this module only arranges them for
speed.  The targets — the content image's activations and the style images' Gram matrices — do not
change during a run, so :class:`Objective` computes them once; each iteration then runs VGG-19 on
the generated image, the costs and the gradient in one call into TensorFlow.

Introduced in ``notebooks/05_style_transfer_live.ipynb``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import tensorflow as tf

from . import costs
from .errors import OptionError
from .student_functions import Functions, resolve_functions

if TYPE_CHECKING:
    from .model import Extractor

__all__ = ["Objective", "Traced"]


class Objective:
    """The costs at one image size.

    ``value_and_grad(x)`` returns a float32 vector ``[total, content, style, tv, style of each
    layer...]`` (:meth:`packed_costs`) and the gradient of ``total`` with respect to ``x``; it is
    traced once (a fixed ``input_signature``).

    Args:
        extractor: VGG-19 cut after the deepest layer used (:func:`nst_teach.model.build_extractor`).
        content: the content image as a preprocessed ``(1, H, W, 3)`` batch; the generated
            image has its size.
        styles: the style images, preprocessed batches (any size).
        blend: one weight per style image, summing to 1 (:func:`nst_teach.options.blend_weights`).
        settings: the resolved options (:func:`nst_teach.options.resolve_options`); reads
            ``content_layer``, ``style_layers``, ``alpha``, ``beta`` and ``tv_weight``.
        functions: the functions the costs are computed with (default: the package's own).
    """

    def __init__(
        self,
        extractor: Extractor,
        content: np.ndarray,
        styles: Sequence[np.ndarray],
        blend: Sequence[float],
        settings: Mapping[str, Any],
        functions: Functions | None = None,
    ) -> None:
        self.functions = functions if functions is not None else resolve_functions({})
        self.extractor = extractor
        self.shape = content.shape
        self.content_layer: str = settings["content_layer"]
        self.style_layers: dict[str, float] = dict(settings["style_layers"])
        self.alpha, self.beta, self.tv_weight = settings["alpha"], settings["beta"], settings["tv_weight"]

        # Traced, not op by op: the first forward pass at 400×300 takes 1.4 s instead of 2.1 s (float32).
        forward = tf.function(extractor.__call__, autograph=False)
        acts = forward(tf.constant(content, tf.float32))
        self.content_target = tf.constant(acts[self.content_layer], tf.float32)
        # The generated image has the content's size, so its layers have the content's n_H·n_W.
        self.n_hw = {name: int(acts[name].shape[1] * acts[name].shape[2]) for name in self.style_layers}
        style_acts = [forward(tf.constant(style, tf.float32)) for style in styles]
        self.style_targets: dict[str, tf.Tensor] = {}
        for name in self.style_layers:
            target = tf.zeros((acts[name].shape[-1],) * 2, tf.float32)
            for a_style, weight in zip(style_acts, blend):
                a_s = a_style[name]
                n_hw_s = int(a_s.shape[1] * a_s.shape[2])
                # A Gram sums over positions, so it grows with the image: G_S / n_hw_S is a
                # per-position average.  Rescaling to the generated image's n_hw makes
                # gram_cost(G_S', G_G, n_hw) = Σ (G_S/n_hw_S − G_G/n_hw)² / (4 n_C²),
                # the reference recipe's formula exactly when both sizes are equal.
                target += weight * _as_cost(self._gram(a_s), (target.shape[0],) * 2) * (self.n_hw[name] / n_hw_s)
            self.style_targets[name] = target
        # The style image's own activations, for a layer_style_cost or style_cost that compares them
        # (one style image at the generated image's size: student_functions.check_style_images).
        self.style_activations: dict[str, tf.Tensor] = {}
        if self.functions.needs_style_activations:
            for name in self.style_layers:
                if style_acts[0][name].shape != acts[name].shape:
                    raise OptionError(
                        f"layer {name}: the style image's activations {tuple(style_acts[0][name].shape)} and the "
                        f"generated image's {tuple(acts[name].shape)} differ; layer_style_cost and style_cost need "
                        "the style image at the content's size (one style image, style_scale=1)."
                    )
                self.style_activations[name] = tf.constant(style_acts[0][name], tf.float32)
        self.value_and_grad = Traced(self._value_and_grad, [tf.TensorSpec(self.shape, tf.float32)])

    def _gram(self, a: tf.Tensor) -> tf.Tensor:
        """The Gram matrix of activations ``a``: a student's ``gram_matrix`` takes the unrolled A of the
        course; the package's own takes the activations themselves, and skips copying them into A."""
        gram_matrix = self.functions.gram_matrix
        return gram_matrix(a) if gram_matrix is costs.gram_matrix else gram_matrix(_unrolled(a))

    def _layer_style_cost(self, name: str, a_g: tf.Tensor) -> tf.Tensor:
        """One layer's J_style: the student's ``layer_style_cost`` if given, else from the kept Gram matrix."""
        if self.functions.layer_style_cost is not None:
            return _as_cost(self.functions.layer_style_cost(self.style_activations[name], a_g))
        g_g = _as_cost(self._gram(a_g), self.style_targets[name].shape)
        return costs.gram_cost(self.style_targets[name], g_g, self.n_hw[name])

    def packed_costs(self, x: tf.Tensor) -> tf.Tensor:
        """``[total, content, style, tv, style per layer...]`` of the image ``x`` (float32)."""
        functions = self.functions
        acts = self.extractor(x)
        j_content = _as_cost(functions.content_cost(self.content_target, acts[self.content_layer]))
        # Each layer's J_style (reported per layer), then the style cost: their λ-sum, or the student's style_cost.
        by_layer = [self._layer_style_cost(name, acts[name]) for name in self.style_layers]
        if functions.style_cost is not None:
            a_g = {name: acts[name] for name in self.style_layers}
            j_style = _as_cost(functions.style_cost(dict(self.style_activations), a_g, dict(self.style_layers)))
        else:
            j_style = costs.weighted_style_cost(by_layer, list(self.style_layers.values()))
        j_tv = costs.total_variation_cost(x)
        total = _as_cost(functions.total_cost(j_content, j_style, self.alpha, self.beta)) + self.tv_weight * j_tv
        return tf.stack([total, j_content, j_style, j_tv, *by_layer])

    def _value_and_grad(self, x: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        with tf.GradientTape() as tape:
            tape.watch(x)
            packed = self.packed_costs(x)
            total = packed[0]  # inside the tape, so that the slice is recorded too
        return packed, tape.gradient(total, x)


class Traced:
    """``fn`` as a ``tf.function`` traced without AutoGraph, or with it if ``fn`` needs it.

    AutoGraph rewrites the Python source of every function a trace calls (Keras' layers, the costs)
    so that ``if``/``for`` on tensors become graph ops.  Nothing in the package needs that, and the
    rewriting was most of the first iteration's overhead: without it, tracing VGG-19's cost and
    gradient takes 0.2–0.35 s instead of 1.2–1.7 s at 400×300 (``benchmarks/README.md``).  A student's
    function may branch on a tensor, though; such a trace fails with ``OperatorNotAllowedInGraphError``,
    and is then traced again with AutoGraph, which runs it as written.

    Call it like the ``tf.function``; :attr:`function` is the one in use.
    """

    def __init__(self, fn: Any, input_signature: Sequence[tf.TensorSpec]) -> None:
        self._fn, self._signature = fn, list(input_signature)
        self.function = tf.function(fn, input_signature=self._signature, autograph=False)
        self.autograph = False

    def __call__(self, *args: Any) -> Any:
        try:
            return self.function(*args)
        except tf.errors.OperatorNotAllowedInGraphError:
            if self.autograph:
                raise
            self.function = tf.function(self._fn, input_signature=self._signature)
            self.autograph = True
            return self.function(*args)

    def experimental_get_tracing_count(self) -> int:
        """How many times the function in use was traced (1 for a run that does not retrace)."""
        return self.function.experimental_get_tracing_count()


def _unrolled(a: tf.Tensor) -> tf.Tensor:
    """The ``(n_C, n_H·n_W)`` matrix A of activations ``(1, n_H, n_W, n_C)``: what ``gram_matrix`` takes."""
    return tf.transpose(tf.reshape(a, (-1, a.shape[-1])))


def _as_cost(value: Any, shape: Any = ()) -> tf.Tensor:
    """A function's result as a float32 tensor of ``shape`` (a cost of shape (1,) becomes a scalar)."""
    return tf.reshape(tf.cast(value, tf.float32), shape)

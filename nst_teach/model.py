"""VGG-19 as a feature extractor: image in, activations of chosen layers out.

Neural Style Transfer never classifies anything: it only reads what VGG-19's
layers compute.  :func:`build_extractor` builds the part of VGG-19 that is needed
— from the input to the deepest layer asked for, nothing after — with average
pools instead of max pools (Gatys et al. found they give smoother images), and
loads the filters learned on ImageNet.

Where the filters come from (``weights="auto"``, ``"imagenet"``, ``"random"`` or a
path) is :mod:`nst_teach.weights`' business: finding, downloading, checking and
loading the weights file.  Its public names are reachable from here too
(``nst_teach.model.weights_status``...).

Introduced in ``notebooks/02_vgg19.ipynb``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from .defaults import SEED
from .errors import LayerError, OptionError
from .layers import INPUT_NAME, POOLINGS, VGG19_LAYERS, LayerRef, layer_index, layer_name
from .precision import DEFAULT_PRECISION, resolve_precision
from .validate import check_choice
from .weights import OFFLINE_ENV as OFFLINE_ENV
from .weights import WEIGHTS_ENV as WEIGHTS_ENV
from .weights import WEIGHTS_FILENAME as WEIGHTS_FILENAME
from .weights import WEIGHTS_URL as WEIGHTS_URL
from .weights import WeightsSource, WeightsStatus, load_weight_arrays
from .weights import WeightsWarning as WeightsWarning
from .weights import check_weights_file as check_weights_file
from .weights import download_weights as download_weights
from .weights import keras_cache_path as keras_cache_path
from .weights import weights_status as weights_status
from .weights import write_random_weights as write_random_weights

__all__ = ["Extractor", "build_extractor"]


class Extractor:
    """VGG-19 cut after the deepest layer asked for: ``extractor(images)`` -> ``{name: activations}``.

    Build it with :func:`build_extractor`.  Calling it runs the Keras model directly, so it
    can be used inside ``tf.function`` and ``tf.GradientTape``.

    Attributes:
        layers: names of the layers whose activations are returned, in the order asked for.
        model: the ``keras.Model`` (input to the deepest requested layer; outputs a dict).
        weights: a :class:`WeightsStatus` saying where the filters come from.
        precision: ``"float32"`` or ``"bfloat16"`` (what the convolutions compute in).
        pooling: ``"avg"`` or ``"max"``.

    Introduced in ``notebooks/02_vgg19.ipynb``.
    """

    def __init__(self, model: Any, layers: tuple[str, ...], weights: WeightsStatus, precision: str, pooling: str):
        self.model = model
        self.layers = layers
        self.weights = weights
        self.precision = precision
        self.pooling = pooling
        self._deepest = VGG19_LAYERS[max(layer_index(name) for name in layers)]

    def __call__(self, images: Any) -> dict[str, Any]:
        """Returns the activations of :attr:`layers` for a batch of preprocessed images.

        Args:
            images: float array or tensor of shape ``(batch, height, width, 3)`` (BGR minus
                the ImageNet means, as ``nst_teach.images.preprocess`` makes); ``(height, width, 3)``
                is taken as a batch of one.

        Returns:
            ``{layer name: float32 tensor (batch, n_H, n_W, n_C)}``.

        Raises:
            OptionError: ``images`` is not numeric or has the wrong shape.
        """
        import tensorflow as tf

        x = images
        if not isinstance(x, (tf.Tensor, tf.Variable)):
            try:
                x = tf.convert_to_tensor(np.asarray(x, dtype=np.float32))
            except (TypeError, ValueError) as exc:
                raise OptionError(
                    f"images must be a numeric array or tensor, got {type(images).__name__}: {exc}"
                ) from None
        elif x.dtype != tf.float32:
            x = tf.cast(x, tf.float32)
        if x.shape.rank == 3:
            x = x[tf.newaxis]
        if x.shape.rank != 4 or x.shape[-1] not in (3, None):
            raise OptionError(
                f"images must have shape (batch, height, width, 3), got {tuple(x.shape)}; "
                "use nst_teach.load_image() or nst_teach.preprocess() to make one."
            )
        deepest = self._deepest
        sides = [side for side in x.shape[1:3] if side is not None]
        if sides and min(sides) < deepest.scale:
            raise OptionError(
                f"images of {x.shape[1]}×{x.shape[2]} pixels are too small for layer {deepest.name!r}, which "
                f"shrinks each side {deepest.scale} times: give images at least {deepest.scale} pixels a side."
            )
        outputs = self.model(x, training=False)
        return {name: tf.cast(outputs[name], tf.float32) for name in self.layers}

    def __repr__(self) -> str:
        return (
            f"Extractor(layers={list(self.layers)}, pooling={self.pooling!r}, precision={self.precision!r}, "
            f"weights={self.weights.detail!r})"
        )


def _requested_layers(layers: Any) -> tuple[str, ...]:
    if isinstance(layers, (str, int, np.integer)):
        items: list[Any] = [layers]
    elif isinstance(layers, Iterable):
        items = list(layers)
    else:
        raise LayerError(
            f"layers must be a layer name, an index, or a list of them, got {type(layers).__name__} {layers!r}."
        )
    if not items:
        raise LayerError(
            "layers is empty: name at least one layer, e.g. ['block4_conv2'] (see nst_teach.layer_table())."
        )
    return tuple(dict.fromkeys(layer_name(item) for item in items))


def build_extractor(
    layers: LayerRef | Iterable[LayerRef],
    pooling: str = "avg",
    weights: WeightsSource = "auto",
    precision: str = DEFAULT_PRECISION,
    seed: int = SEED,
) -> Extractor:
    """Builds VGG-19 up to the deepest of ``layers``, returning their activations.

    The convolutions are Keras VGG-19's (3×3, ReLU, "same" padding, same names); the
    2×2 pools are average pools by default, as in Gatys et al., with the reference recipe's "same"
    padding (``tf.nn.avg_pool(..., padding="SAME")``: an odd side is rounded up); max pools
    keep Keras' "valid" padding, so ``pooling="max"`` is Keras' VGG-19.  Nothing after the
    deepest requested layer is built.

    Args:
        layers: a layer name or index (``"block4_conv2"``, ``13``) or a list of them.
        pooling: ``"avg"`` (average pools, the default) or ``"max"`` (as in Keras' VGG-19).
        weights: ``"auto"`` (``$NST_TEACH_WEIGHTS``, the Keras cache, a download, else random
            filters with a warning), ``"imagenet"``, ``"random"``, or the path of a weights file.
        precision: ``"float32"``, ``"bfloat16"`` or ``"auto"`` (the default: bfloat16 where the hardware
            computes it, see ``nst_teach.precision``);
            the outputs are float32 either way.
        seed: seed of random filters (used only when the filters are random).

    Returns:
        An :class:`Extractor`; ``extractor(images)`` gives ``{name: float32 activations}``.

    Raises:
        LayerError: a layer does not exist.
        OptionError: ``pooling``, ``precision`` or ``seed`` is invalid.
        WeightsError: the weights asked for cannot be had.

    Introduced in ``notebooks/02_vgg19.ipynb``.

    >>> extractor = build_extractor(["block1_conv1", "block4_conv2"], weights="random")
    >>> extractor.model.layers[-1].name
    'block4_conv2'
    """
    names = _requested_layers(layers)
    pooling = check_choice("pooling", pooling, POOLINGS)  # the option's check (options.TABLE's row is the same)
    precision = resolve_precision(precision)
    arrays, status = load_weight_arrays(weights, seed)

    import keras

    policy = "mixed_bfloat16" if precision == "bfloat16" else "float32"
    Pool = keras.layers.AveragePooling2D if pooling == "avg" else keras.layers.MaxPooling2D
    padding = "same" if pooling == "avg" else "valid"
    deepest = max(layer_index(name) for name in names)
    inputs = keras.Input(shape=(None, None, 3), name=INPUT_NAME)
    tensors = {INPUT_NAME: inputs}
    x = inputs
    for layer in VGG19_LAYERS[1 : deepest + 1]:
        if layer.kind == "conv":
            block = keras.layers.Conv2D(
                layer.channels,
                (3, 3),
                activation="relu",
                padding="same",
                name=layer.name,
                dtype=policy,
                kernel_initializer="zeros",
            )
        else:
            # The reference recipe's average pools are tf.nn.avg_pool(..., padding="SAME"): an odd side keeps its last
            # row (400×300 gives block4_conv2 38×50). Keras' max pools are "valid", as in its VGG-19.
            block = Pool((2, 2), strides=(2, 2), padding=padding, name=layer.name, dtype=policy)
        x = block(x)
        tensors[layer.name] = x
    model = keras.Model(inputs, {name: tensors[name] for name in names}, name=f"vgg19_to_{VGG19_LAYERS[deepest].name}")
    convs = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    for k, conv in enumerate(convs):
        conv.set_weights([arrays[2 * k], arrays[2 * k + 1]])
    model.trainable = False
    return Extractor(model, names, status, precision, pooling)

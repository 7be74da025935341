"""The layers of VGG-19, as a table a student can read.

VGG-19 without its classifier (``keras.applications.VGG19(include_top=False)``)
is 22 Keras layers: the input, 16 convolutions (3×3, stride 1, ReLU, "same"
padding) in five blocks, and a 2×2 pool of stride 2 after each block.  This
module lists them once, with what each one "sees":

* ``channels`` — how many feature maps the layer outputs;
* ``scale`` — how many input pixels one activation pixel steps over (each pool
  doubles it);
* ``receptive_field`` — the side, in input pixels, of the square that can
  influence one activation.

Layer names are exactly Keras' names, so ``"block4_conv2"`` (index 13) here is
``"block4_conv2"`` in ``keras.applications.VGG19``.

Introduced in ``notebooks/02_vgg19.ipynb``.
"""

from __future__ import annotations

import html
import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from .defaults import CONTENT_LAYER, IMG_SIZE, STYLE_LAYERS
from .errors import LayerError
from .validate import did_you_mean

__all__ = [
    "Layer",
    "VGG19_LAYERS",
    "CONV_LAYERS",
    "POOLINGS",
    "LayerTable",
    "receptive_fields",
    "layer_index",
    "layer_name",
    "layer_table",
]

LayerKind = Literal["input", "conv", "pool"]
LayerRef = str | int

#: The pools VGG-19 can be built with: ``"avg"`` (average pools, as in Gatys et al.; the reference recipe's)
#: or ``"max"`` (Keras' VGG-19).  The option ``pooling`` offers these; :func:`nst_teach.model.build_extractor`
#: builds them.
POOLINGS: tuple[str, ...] = ("avg", "max")

#: The name Keras 3 gives VGG-19's input layer.  ``"input"`` is accepted too.
INPUT_NAME = "input_layer"

# (name, kind, channels) of every layer, in Keras' order.  Each block is a few
# 3×3 convolutions followed by one 2×2 pool; the channel count doubles per block
# (up to 512).
_ARCHITECTURE: tuple[tuple[str, LayerKind, int], ...] = (
    (INPUT_NAME, "input", 3),
    ("block1_conv1", "conv", 64),
    ("block1_conv2", "conv", 64),
    ("block1_pool", "pool", 64),
    ("block2_conv1", "conv", 128),
    ("block2_conv2", "conv", 128),
    ("block2_pool", "pool", 128),
    ("block3_conv1", "conv", 256),
    ("block3_conv2", "conv", 256),
    ("block3_conv3", "conv", 256),
    ("block3_conv4", "conv", 256),
    ("block3_pool", "pool", 256),
    ("block4_conv1", "conv", 512),
    ("block4_conv2", "conv", 512),
    ("block4_conv3", "conv", 512),
    ("block4_conv4", "conv", 512),
    ("block4_pool", "pool", 512),
    ("block5_conv1", "conv", 512),
    ("block5_conv2", "conv", 512),
    ("block5_conv3", "conv", 512),
    ("block5_conv4", "conv", 512),
    ("block5_pool", "pool", 512),
)

#: (kernel size, stride) of each kind of layer.
KERNEL_AND_STRIDE: dict[str, tuple[int, int]] = {"input": (1, 1), "conv": (3, 1), "pool": (2, 2)}


@dataclass(frozen=True)
class Layer:
    """One layer of VGG-19.

    Attributes:
        index: position in ``keras.applications.VGG19(include_top=False).layers``.
        name: Keras' name of the layer (``"block4_conv2"``).
        kind: ``"input"``, ``"conv"`` (3×3 convolution + ReLU) or ``"pool"`` (2×2, stride 2).
        channels: number of feature maps the layer outputs (``n_C``).
        scale: input pixels per activation pixel (1 in block 1, 2 after ``block1_pool``...).
        receptive_field: side in input pixels of the patch one activation depends on.

    Introduced in ``notebooks/02_vgg19.ipynb``.
    """

    index: int
    name: str
    kind: LayerKind
    channels: int
    scale: int
    receptive_field: int

    def output_size(self, size: tuple[int, int] = IMG_SIZE, pooling: str = "avg") -> tuple[int, int]:
        """Returns the activation's ``(n_H, n_W)`` for an input image of ``size`` = (width, height).

        Each 2×2 pool halves the height and the width. The course's average pools are the reference recipe's
        ``tf.nn.avg_pool(..., padding="SAME")``: an odd side keeps its last row, so halving rounds
        *up*. Keras' max pools (``pooling="max"``) use ``"valid"`` padding and round *down*.

        >>> VGG19_LAYERS[13].output_size((400, 300))  # block4_conv2: 300 -> 150 -> 75 -> 38
        (38, 50)
        >>> VGG19_LAYERS[13].output_size((400, 300), pooling="max")  # 300 -> 150 -> 75 -> 37
        (37, 50)
        """
        width, height = size
        if pooling == "max":
            return height // self.scale, width // self.scale
        return -(-height // self.scale), -(-width // self.scale)  # ceil(side / scale)


def receptive_fields(kinds: list[str]) -> list[tuple[int, int]]:
    """Returns ``(receptive_field, scale)`` after each layer of a stack of layers.

    The classic recurrence: a layer with kernel ``k`` and stride ``s`` widens the
    receptive field by ``(k - 1)`` steps of the current ``jump`` (the distance, in
    input pixels, between two neighbouring activations), then multiplies the jump
    by ``s``::

        r = 1; jump = 1
        for each layer:  r += (k - 1) * jump;  jump *= s

    Args:
        kinds: the kind of each layer (``"input"``, ``"conv"`` or ``"pool"``), in order.

    Returns:
        One ``(receptive_field, scale)`` pair per layer; ``scale`` is the jump after the layer.

    Introduced in ``notebooks/02_vgg19.ipynb``.

    >>> receptive_fields(["input", "conv", "conv", "pool", "conv"])
    [(1, 1), (3, 1), (5, 1), (6, 2), (10, 2)]
    """
    r, jump = 1, 1
    result = []
    for kind in kinds:
        k, s = KERNEL_AND_STRIDE[kind]
        r += (k - 1) * jump
        jump *= s
        result.append((r, jump))
    return result


def _build_layers() -> tuple[Layer, ...]:
    fields = receptive_fields([kind for _, kind, _ in _ARCHITECTURE])
    return tuple(
        Layer(index=i, name=name, kind=kind, channels=channels, scale=scale, receptive_field=r)
        for i, ((name, kind, channels), (r, scale)) in enumerate(zip(_ARCHITECTURE, fields))
    )


#: The 22 layers of VGG-19 without its classifier, index 0 (input) to 21 (``block5_pool``).
VGG19_LAYERS: tuple[Layer, ...] = _build_layers()

#: The 16 convolutions (the layers with weights, and the only ones a cost can use), in order.
CONV_LAYERS: tuple[Layer, ...] = tuple(layer for layer in VGG19_LAYERS if layer.kind == "conv")

_INDEX_OF_NAME: dict[str, int] = {layer.name: layer.index for layer in VGG19_LAYERS}
_ALIASES: dict[str, int] = {"input": 0}


def _valid_names_hint() -> str:
    names = ", ".join(layer.name for layer in VGG19_LAYERS)
    return f"Valid layers are indices 0..{len(VGG19_LAYERS) - 1} or the names: {names} (see nst_teach.layer_table())."


def layer_index(name_or_index: LayerRef) -> int:
    """Returns the Keras index (0..21) of a VGG-19 layer given by name or index.

    Args:
        name_or_index: a layer name such as ``"block4_conv2"`` (``"input"`` is accepted
            for the input layer) or an index 0..21 (Python or NumPy integer).

    Returns:
        The layer's index in ``keras.applications.VGG19(include_top=False).layers``.

    Raises:
        LayerError: the name or index does not exist; the message suggests the nearest name.

    Introduced in ``notebooks/02_vgg19.ipynb``.

    >>> layer_index("block4_conv2")
    13
    >>> layer_index(17)
    17
    """
    value = name_or_index
    if isinstance(value, str):
        if value in _INDEX_OF_NAME:
            return _INDEX_OF_NAME[value]
        if value in _ALIASES:
            return _ALIASES[value]
        suggestion = did_you_mean(value, [*_INDEX_OF_NAME, *_ALIASES])
        raise LayerError(f"VGG-19 has no layer named {value!r}.{suggestion} {_valid_names_hint()}")
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        index = int(value)
        if 0 <= index < len(VGG19_LAYERS):
            return index
        raise LayerError(
            f"VGG-19 has no layer with index {index}: indices run from 0 (input) to "
            f"{len(VGG19_LAYERS) - 1} (block5_pool). {_valid_names_hint()}"
        )
    raise LayerError(
        f"A layer must be given by name (str) or index (int), got {type(value).__name__} {value!r}. "
        f"{_valid_names_hint()}"
    )


def layer_name(name_or_index: LayerRef) -> str:
    """Returns Keras' name of a VGG-19 layer given by name or index.

    Args:
        name_or_index: a layer name or an index 0..21 (see :func:`layer_index`).

    Returns:
        The layer's Keras name, e.g. ``"block4_conv2"``; ``"input"`` becomes ``"input_layer"``.

    Raises:
        LayerError: the name or index does not exist.

    Introduced in ``notebooks/02_vgg19.ipynb``.

    >>> layer_name(13)
    'block4_conv2'
    """
    return VGG19_LAYERS[layer_index(name_or_index)].name


def _role(name: str, content_layer: str | None, style_layers: Mapping[str, float]) -> str:
    roles = []
    if name == content_layer:
        roles.append("content")
    if name in style_layers:
        roles.append(f"style (λ = {style_layers[name]:g})")
    return ", ".join(roles)


class LayerTable:
    """The VGG-19 layer table, shown as HTML in a notebook and as text in a terminal.

    Build it with :func:`layer_table`.  ``str(table)`` is an aligned text table
    (what ``nst-teach layers`` prints); in Jupyter the table renders as HTML with the
    content and style layers highlighted.

    Attributes:
        layers: the layers listed.
        size: the (width, height) of the input image the activation sizes refer to.
        content_layer: the name of the highlighted content layer (or None).
        style_layers: ``{name: weight}`` of the highlighted style layers.
    """

    _HEADERS = ("index", "name", "kind", "channels", "scale", "receptive field", "activation", "role")

    def __init__(
        self,
        layers: tuple[Layer, ...],
        size: tuple[int, int],
        content_layer: str | None,
        style_layers: Mapping[str, float],
    ) -> None:
        self.layers = layers
        self.size = size
        self.content_layer = content_layer
        self.style_layers = dict(style_layers)

    def rows(self) -> list[tuple[str, ...]]:
        """Returns the table's cells as strings, one tuple per layer (no header)."""
        rows = []
        for layer in self.layers:
            n_h, n_w = layer.output_size(self.size)
            rows.append(
                (
                    str(layer.index),
                    layer.name,
                    layer.kind,
                    str(layer.channels),
                    str(layer.scale),
                    f"{layer.receptive_field}×{layer.receptive_field}",
                    f"{n_h}×{n_w}×{layer.channels}",
                    _role(layer.name, self.content_layer, self.style_layers),
                )
            )
        return rows

    def __str__(self) -> str:
        rows = [self._HEADERS, *self.rows()]
        widths = [max(len(row[c]) for row in rows) for c in range(len(self._HEADERS))]
        lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
        lines.insert(1, "  ".join("-" * w for w in widths))
        width, height = self.size
        lines.append(f"(activation = n_H×n_W×n_C for a {width}×{height} input image)")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        width, height = self.size
        head = "".join(f"<th style='text-align:left'>{html.escape(h)}</th>" for h in self._HEADERS)
        body = []
        for layer, row in zip(self.layers, self.rows()):
            if layer.name == self.content_layer:
                style = " style='background-color:#fde8c8'"
            elif layer.name in self.style_layers:
                style = " style='background-color:#d8e8fb'"
            else:
                style = ""
            cells = "".join(f"<td style='text-align:left'>{html.escape(cell)}</td>" for cell in row)
            body.append(f"<tr{style}>{cells}</tr>")
        caption = (
            f"VGG-19 layers (activation sizes for a {width}×{height} input; "
            "<span style='background-color:#fde8c8'>content</span> and "
            "<span style='background-color:#d8e8fb'>style</span> layers highlighted)"
        )
        return (
            f"<table><caption style='caption-side:top'>{caption}</caption>"
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
        )


def layer_table(
    size: tuple[int, int] = IMG_SIZE,
    content_layer: LayerRef | None = CONTENT_LAYER,
    style_layers: Mapping[LayerRef, float] | None = None,
) -> LayerTable:
    """Returns the table of VGG-19's layers, with the content and style layers marked.

    Args:
        size: (width, height) of the input image, for the activation sizes column.
        content_layer: the layer to mark as the content layer (None: none).
        style_layers: ``{layer: λ}`` of the layers to mark as style layers
            (default: the reference recipe's, ``nst_teach.defaults.STYLE_LAYERS``).

    Returns:
        A :class:`LayerTable`: ``print(table)`` for text, or display it in a notebook for HTML.

    Raises:
        LayerError: a content or style layer does not exist.

    Introduced in ``notebooks/02_vgg19.ipynb``.

    >>> print(layer_table())  # doctest: +ELLIPSIS
    index  name ...
    """
    style = STYLE_LAYERS if style_layers is None else style_layers
    content = None if content_layer is None else layer_name(content_layer)
    return LayerTable(VGG19_LAYERS, tuple(size), content, {layer_name(k): float(v) for k, v in style.items()})

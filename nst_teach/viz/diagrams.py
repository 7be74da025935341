"""The course's two diagrams, drawn from VGG-19's real shapes: the whole method, and the Gram matrix.

* :func:`pipeline_diagram` — the content, style and generated images through the same VGG-19; the
  layers that are read (the content layer, the style layers) with their activation shapes; the content
  cost and the style cost; :math:`J = \\alpha J_{content} + \\beta J_{style}`; and the gradient's way back
  to the pixels of the generated image, the only thing that changes.
* :func:`gram_diagram` — one layer's activations ``(1, n_H, n_W, n_C)`` unrolled into ``A`` of shape
  ``(n_C, n_H·n_W)``, one row per channel, and ``G = A·Aᵀ`` of shape ``(n_C, n_C)``.

Every shape written on them comes from :mod:`nst_teach.layers` (``Layer.output_size`` for the image
size given), so a diagram drawn for 200×150 says 200×150's shapes, and a change of layers changes
the drawing. Both return a :class:`Diagram`: the figure, and an *alt text* that says in words what it
shows; in a notebook it is displayed as an ``<img>`` with that ``alt`` (read by screen readers), and a
markdown caption under it says what to look at.

Colours are Okabe & Ito's and every coloured box also has its own hatching, so the diagrams read on a
black-and-white print and for a colour-blind student.

Introduced in ``notebooks/00_welcome.ipynb`` (:func:`pipeline_diagram`) and
``notebooks/04_gram_and_style_cost.ipynb`` (:func:`gram_diagram`).
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, Patch, Rectangle

from ..defaults import CONTENT_LAYER, IMG_SIZE, STYLE_LAYERS
from ..errors import LayerError
from ..images import noisy_image, preprocess, to_rgb
from ..layers import VGG19_LAYERS, Layer, layer_name
from ..samples import load_sample
from ..validate import check_size
from .arrays import rgb as as_rgb
from .pieces import OKABE_ITO, new_figure

__all__ = ["Diagram", "pipeline_diagram", "gram_diagram", "shape_text"]

#: The looks of the pipeline's boxes: (face colour, hatching). Each kind differs by hatching, not only colour.
STYLE_LOOK = (OKABE_ITO[0], "//")  # blue
CONTENT_LOOK = (OKABE_ITO[1], "xx")  # vermillion
OTHER_LOOK = ("#DDDDDD", "")
POOL_LOOK = ("#888888", "..")
COST_LOOK = ("#F5F5F5", "")
GRADIENT = OKABE_ITO[3]  # reddish purple
FONT = 10.5
#: Labels drawn over lines keep a white background, so the lines pass behind them.
LABEL_BOX = {"facecolor": "white", "edgecolor": "none", "pad": 0.6, "alpha": 0.9}


class Diagram:
    """A figure and the alt text that says what it shows.

    In a notebook it shows as a picture whose ``alt`` is :attr:`alt` (an ``<img>`` in HTML: a screen
    reader reads it, and it is what a page shows where the picture cannot be seen).

    Attributes:
        figure: the :class:`matplotlib.figure.Figure` (``diagram.figure.savefig("pipeline.png")``).
        alt: the alt text, one paragraph.
    """

    def __init__(self, figure: Figure, alt: str) -> None:
        self.figure = figure
        self.alt = alt

    def to_png(self, dpi: float = 150) -> bytes:
        """The figure as PNG bytes (sharper than the screen's 100 dots per inch, shown at its size)."""
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png", dpi=dpi)
        return buffer.getvalue()

    def savefig(self, *args: Any, **kwargs: Any) -> None:
        """Saves the figure, as :meth:`matplotlib.figure.Figure.savefig` does."""
        self.figure.savefig(*args, **kwargs)

    def _repr_html_(self) -> str:
        png = base64.b64encode(self.to_png()).decode("ascii")
        width = int(round(self.figure.get_figwidth() * 100))
        return (
            f'<img src="data:image/png;base64,{png}" alt="{html.escape(self.alt, quote=True)}" '
            f'width="{width}" style="max-width:100%;height:auto">'
        )

    def __repr__(self) -> str:
        return f"<Diagram: {self.alt}>"


# --- shapes, from the layer table -------------------------------------------------------------


def shape_text(layer: Layer, size: tuple[int, int], pooling: str = "avg") -> str:
    """A layer's activation shape ``n_H×n_W×n_C`` for an image of ``size`` = (width, height).

    >>> shape_text(VGG19_LAYERS[13], (400, 300))
    '38×50×512'
    """
    n_h, n_w = layer.output_size(size, pooling)
    return f"{n_h}×{n_w}×{layer.channels}"


def _layer(name: Any) -> Layer:
    layer = VGG19_LAYERS[[entry.name for entry in VGG19_LAYERS].index(layer_name(name))]
    if layer.kind != "conv":
        raise LayerError(f"layer {layer.name!r} is a {layer.kind}: name a convolution (block1_conv1 … block5_conv4)")
    return layer


# --- drawing helpers --------------------------------------------------------------------------


def _box(ax: Any, x: float, y: float, w: float, h: float, look: tuple[str, str], **kwargs: Any) -> Rectangle:
    face, hatch = look
    patch = Rectangle((x, y), w, h, facecolor=face, hatch=hatch, edgecolor="black", linewidth=0.8, **kwargs)
    ax.add_patch(patch)
    return patch


def _arrow(ax: Any, start: tuple[float, float], end: tuple[float, float], **kwargs: Any) -> FancyArrowPatch:
    style = {"arrowstyle": "-|>", "mutation_scale": 12, "color": "#333333", "linewidth": 1.2, **kwargs}
    arrow = FancyArrowPatch(start, end, **style)
    ax.add_patch(arrow)
    return arrow


def _canvas(fig: Figure, xlim: tuple[float, float], ylim: tuple[float, float]) -> Any:
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_axis_off()
    return ax


# --- the pipeline -----------------------------------------------------------------------------


def _pictures(pictures: Mapping[str, Any] | None, size: tuple[int, int]) -> dict[str, np.ndarray]:
    """The three thumbnails: the content image, the style image, the generated image (the noisy start)."""
    given = dict(pictures or {})
    content = as_rgb(given["content"], "content") if "content" in given else load_sample("cottage")
    style = as_rgb(given["style"], "style") if "style" in given else load_sample("swirls")
    if "generated" in given:
        generated = as_rgb(given["generated"], "generated")
    else:
        small = (min(size[0], 160), max(1, round(min(size[0], 160) * size[1] / size[0])))
        generated = to_rgb(noisy_image(preprocess(content, small), seed=0))
    return {"content": content, "style": style, "generated": generated}


def pipeline_diagram(
    size: tuple[int, int] = IMG_SIZE,
    *,
    content_layer: str = CONTENT_LAYER,
    style_layers: Mapping[str, float] | list[str] = STYLE_LAYERS,
    pooling: str = "avg",
    pictures: Mapping[str, Any] | None = None,
) -> Diagram:
    """Draws the whole method: three images through VGG-19, the layers read, the two costs, the gradient.

    Args:
        size: the working size (width, height); the activation shapes written are those of this size.
        content_layer: the layer the content cost reads (the reference recipe: ``block4_conv2``).
        style_layers: the layers the style cost reads, a list or ``{layer: λ}`` (the reference recipe's five).
        pooling: ``"avg"`` (the course's) or ``"max"``: how the pools round the sizes.
        pictures: optional ``{"content": …, "style": …, "generated": …}`` thumbnails (RGB arrays or
            preprocessed images); by default the bundled cottage, swirls, and the cottage's noisy start.

    Returns:
        A :class:`Diagram` (its ``figure``, and its ``alt`` text).

    Introduced in ``notebooks/00_welcome.ipynb``.

    >>> d = pipeline_diagram((200, 150))
    >>> "150×200×64" in d.alt and "19×25×512" in d.alt
    True
    """
    size = check_size(size, "size")
    content = _layer(content_layer)
    styles = sorted((_layer(name) for name in style_layers), key=lambda layer: layer.index)
    if not styles:
        raise LayerError("style_layers: name at least one layer, e.g. ['block1_conv1']")
    width, height = size
    fig = new_figure(None, (10.5, 5.4), layout="none")
    ax = _canvas(fig, (0, 105), (0, 54))

    # The three images, on the left.
    thumbs = _pictures(pictures, size)
    rows = {"content": 41.0, "style": 23.0, "generated": 5.0}
    names = {"content": "content image C", "style": "style image S", "generated": "generated image G"}
    for key, y in rows.items():
        picture = thumbs[key]
        h = 10.0
        w = min(13.0, h * picture.shape[1] / picture.shape[0] * 0.98)
        ax.imshow(picture, extent=(1, 1 + w, y, y + h), aspect="auto", interpolation="antialiased", zorder=2)
        ax.add_patch(Rectangle((1, y), w, h, fill=False, edgecolor="black", linewidth=0.8, zorder=3))
        ax.text(1, y + h + 0.6, names[key], fontsize=FONT, fontweight="bold", va="bottom")
        ax.text(1, y - 0.6, f"{height}×{width}×3 pixels", fontsize=FONT - 1, va="top")
    ax.text(1, rows["generated"] - 2.6, "(only its pixels change)", fontsize=FONT - 1, va="top", color=GRADIENT)

    # VGG-19: one bar per layer after the input, height growing with the activation's side.
    layers = list(VGG19_LAYERS[1:])
    x0, x1, mid = 22.0, 74.0, 29.5
    step = (x1 - x0) / len(layers)
    largest = max(layer.output_size(size, pooling)[0] for layer in layers)
    where: dict[str, tuple[float, float, float]] = {}
    for i, layer in enumerate(layers):
        n_h = layer.output_size(size, pooling)[0]
        h = 5.0 + 9.0 * (n_h / largest) ** 0.5
        look = (
            CONTENT_LOOK
            if layer.name == content.name
            else STYLE_LOOK
            if layer in styles
            else POOL_LOOK
            if layer.kind == "pool"
            else OTHER_LOOK
        )
        w = step * (0.45 if layer.kind == "pool" else 0.75)
        x = x0 + i * step + (step - w) / 2
        _box(ax, x, mid - h / 2, w, h, look, zorder=2)
        where[layer.name] = (x + w / 2, mid - h / 2, mid + h / 2)
    for block in range(1, 6):
        xs = [where[layer.name][0] for layer in layers if layer.name.startswith(f"block{block}_")]
        ax.text((min(xs) + max(xs)) / 2, mid - 7.6, f"block{block}", fontsize=FONT - 1, ha="center", va="top")
    title = "VGG-19: the same network reads all three images (its weights never change)"
    ax.text((x0 + x1) / 2 + 1.5, mid - 10.6, title, fontsize=FONT - 1, ha="center", va="top")

    # The images go in: the same VGG-19 reads each of them.
    for y in rows.values():
        _arrow(ax, (15, y + 5), (x0 - 0.5, mid + (y + 5 - mid) * 0.15))

    # The style layers, read above; the content layer, read below.
    rail_top, rail_bottom = 50.0, 8.0
    for k, layer in enumerate(styles):
        x, _, top = where[layer.name]
        ax.plot([x, x], [top, rail_top], color=STYLE_LOOK[0], linewidth=1.2, zorder=1)
        n_c = layer.channels
        label = f"{layer.name}\n{shape_text(layer, size, pooling)}\nGram {n_c}×{n_c}"
        ax.text(x + 0.4, 38.0 + 5.4 * (k % 2), label, fontsize=FONT - 1.5, va="bottom", ha="left", linespacing=1.1,
                bbox=LABEL_BOX, zorder=4)  # fmt: skip
    first = where[styles[0].name][0]
    ax.plot([first, 80.0], [rail_top, rail_top], color=STYLE_LOOK[0], linewidth=1.2)
    x, bottom, _ = where[content.name]
    ax.plot([x, x], [bottom, rail_bottom], color=CONTENT_LOOK[0], linewidth=1.2, zorder=1)
    ax.plot([x, 80.0], [rail_bottom, rail_bottom], color=CONTENT_LOOK[0], linewidth=1.2)
    ax.text(x + 0.4, rail_bottom + 0.8, f"{content.name}\n{shape_text(content, size, pooling)}",
            fontsize=FONT - 1.5, va="bottom", ha="left", linespacing=1.1, bbox=LABEL_BOX, zorder=4)  # fmt: skip

    # The costs, on the right.
    _box(ax, 80.0, 43.5, 24.0, 9.5, STYLE_LOOK[:1] + ("",), alpha=0.18)
    ax.text(92.0, 48.2, f"style cost $J_{{style}}$\nGram matrices of S and G\nat the {len(styles)} style layers",
            fontsize=FONT, ha="center", va="center")  # fmt: skip
    _box(ax, 80.0, 3.0, 24.0, 9.5, CONTENT_LOOK[:1] + ("",), alpha=0.18)
    ax.text(92.0, 7.7, f"content cost $J_{{content}}$\nactivations of C and G\nat {content.name}",
            fontsize=FONT, ha="center", va="center")  # fmt: skip
    _box(ax, 80.0, 24.0, 24.0, 10.0, COST_LOOK)
    ax.text(92.0, 29.0, "total cost\n" + r"$J = \alpha\,J_{content} + \beta\,J_{style}$", fontsize=FONT + 0.5,
            ha="center", va="center")  # fmt: skip
    _arrow(ax, (92.0, 43.3), (92.0, 34.3))
    _arrow(ax, (92.0, 12.7), (92.0, 23.7))

    # The gradient: from J back through VGG-19 to the pixels of G.
    path = [(80.0, 26.0), (77.0, 15.0), (19.0, 15.0), (15.5, 12.0)]
    for start, end in zip(path[:-1], path[1:-1]):
        ax.plot([start[0], end[0]], [start[1], end[1]], color=GRADIENT, linewidth=2.0, linestyle="--")
    _arrow(ax, path[-2], path[-1], color=GRADIENT, linewidth=2.0, linestyle="--", mutation_scale=16)
    ax.text(20.0, 14.0, "gradient $\\partial J / \\partial G$: back through the\nsame layers to every pixel of G",
            fontsize=FONT - 0.5, color=GRADIENT, va="top", ha="left")  # fmt: skip

    ax.legend(
        handles=[
            Patch(facecolor=STYLE_LOOK[0], hatch=STYLE_LOOK[1], edgecolor="black", label="style layers"),
            Patch(facecolor=CONTENT_LOOK[0], hatch=CONTENT_LOOK[1], edgecolor="black", label="content layer"),
            Patch(facecolor=OTHER_LOOK[0], edgecolor="black", label="other convolutions"),
            Patch(facecolor=POOL_LOOK[0], hatch=POOL_LOOK[1], edgecolor="black", label=f"{pooling} pools"),
        ],
        loc="lower center",
        bbox_to_anchor=(0.47, 0.0),
        ncol=4,
        fontsize=FONT - 1,
        frameon=False,
    )
    shapes = ", ".join(f"{layer.name} ({shape_text(layer, size, pooling)}, Gram {layer.channels}×{layer.channels})"
                       for layer in styles)  # fmt: skip
    alt = (
        f"Diagram of Neural Style Transfer at {width}×{height} pixels. The content image C, the style image S and "
        f"the generated image G (at first C itself or a noisy copy of it), each {height}×{width}×3, go through the "
        f"same VGG-19, whose 16 convolutions in 5 blocks are followed by a pool each. The style cost J_style reads the "
        f"{len(styles)} style layers of S and G and compares their Gram matrices: {shapes}. The content cost "
        f"J_content compares the activations of C and G at the content layer {content.name} "
        f"({shape_text(content, size, pooling)}). Both make the total cost J = α·J_content + β·J_style. A dashed "
        f"arrow shows its gradient ∂J/∂G going back through the same layers to every pixel of G: only G's pixels "
        f"change, VGG-19's weights never do."
    )
    return Diagram(fig, alt)


# --- the Gram matrix --------------------------------------------------------------------------


def gram_diagram(layer: str = "block1_conv1", size: tuple[int, int] = IMG_SIZE, *, pooling: str = "avg") -> Diagram:
    """Draws how a layer's activations become its Gram matrix: ``a`` → ``A`` (one row per channel) → ``G = A·Aᵀ``.

    Args:
        layer: a convolution of VGG-19 (``"block1_conv1"``...).
        size: the working size (width, height): the shapes written are this size's.
        pooling: ``"avg"`` (the course's) or ``"max"``: how the pools round the sizes.

    Returns:
        A :class:`Diagram` (its ``figure``, and its ``alt`` text).

    Introduced in ``notebooks/04_gram_and_style_cost.ipynb``.

    >>> gram_diagram("block1_conv1", (200, 150)).alt.count("(64, 30000)")
    1
    """
    size = check_size(size, "size")
    conv = _layer(layer)
    n_h, n_w = conv.output_size(size, pooling)
    n_c = conv.channels
    fig = new_figure(None, (10.9, 4.4), layout="none")
    ax = _canvas(fig, (-1, 108), (0, 44))
    shown = [0, 1, 2, n_c - 1]
    looks = [(OKABE_ITO[0], "//"), (OKABE_ITO[1], "\\\\"), (OKABE_ITO[2], ".."), (OKABE_ITO[4], "xx")]

    # The activations: one sheet per channel, n_H × n_W positions each; the back sheets show a band above.
    for k, (channel, (face, hatch)) in enumerate(reversed(list(zip(shown, looks)))):
        depth = len(shown) - 1 - k
        x, y = 4.0 + 2.6 * depth, 9.0 + 2.6 * depth
        _box(ax, x, y, 16.0, 16.0, (face, hatch), alpha=0.9, zorder=2 + 2 * k)
        name = f"channel {channel}" + (" = n_C − 1" if depth == len(shown) - 1 else "")
        ax.text(x + 8.0, y + 14.7, name, fontsize=FONT - 1.5, ha="center", va="center", bbox=LABEL_BOX,
                zorder=3 + 2 * k)  # fmt: skip
    ax.text(13.0, 6.5, f"n_H = {n_h} rows, n_W = {n_w} columns\nof positions per channel", fontsize=FONT - 1.5,
            ha="center", va="top")  # fmt: skip
    ax.text(3.0, 42.5, f"activations $a$ of {conv.name}", fontsize=FONT + 0.5, fontweight="bold", va="top")
    ax.text(3.0, 38.8, f"shape (1, n_H, n_W, n_C) = (1, {n_h}, {n_w}, {n_c})", fontsize=FONT, va="top")

    # Unrolled: A, one row per channel, in its sheet's colour.
    _arrow(ax, (31.0, 21.0), (39.0, 21.0), mutation_scale=16)
    ax.text(35.0, 23.0, "reshape to\n(n_H·n_W, n_C),\nthen transpose", fontsize=FONT - 1.5, ha="center", va="bottom")
    x, top, row_h, width = 47.0, 31.0, 3.2, 26.0
    for k, (channel, look) in enumerate(zip(shown, looks)):
        y = top - (k + 1) * row_h - (row_h if k == len(shown) - 1 else 0)
        _box(ax, x, y, width, row_h, look, alpha=0.9)
        ax.text(x - 0.6, y + row_h / 2, f"row {channel}", fontsize=FONT - 1.5, ha="right", va="center")
    ax.text(x + width / 2, top - 4 * row_h + 0.4, "⋮", fontsize=FONT + 2, ha="center", va="center")
    ax.text(40.0, 42.5, "unrolled: $A$", fontsize=FONT + 0.5, fontweight="bold", va="top")
    ax.text(40.0, 38.8, f"shape (n_C, n_H·n_W) = ({n_c}, {n_h * n_w})", fontsize=FONT, va="top")
    ax.text(40.0, 35.0, f"row k: channel k at all {n_h * n_w:,} positions", fontsize=FONT - 1, va="top")
    ax.text(x + width / 2, 11.0, "not a plain reshape to (n_C, n_H·n_W):\nthat would mix channels in a row",
            fontsize=FONT - 1.5, ha="center", va="top", style="italic")  # fmt: skip

    # The Gram matrix.
    _arrow(ax, (74.0, 21.0), (80.5, 21.0), mutation_scale=16)
    ax.text(77.2, 23.0, "$G = A\\,A^{\\top}$", fontsize=FONT, ha="center", va="bottom")
    gx, gy, side = 82.0, 8.0, 20.0
    _box(ax, gx, gy, side, side, ("#F0F0F0", ""))
    cell = side / 8
    _box(ax, gx + 2 * cell, gy + side - 5 * cell, cell, cell, (OKABE_ITO[3], "++"))
    ax.text(gx + 2.5 * cell, gy + side + 0.4, "j", fontsize=FONT - 1, ha="center", va="bottom")
    ax.text(gx - 0.4, gy + side - 4.5 * cell, "i", fontsize=FONT - 1, ha="right", va="center")
    ax.text(gx, 42.5, "Gram matrix $G$", fontsize=FONT + 0.5, fontweight="bold", va="top")
    ax.text(gx, 38.8, f"shape (n_C, n_C) = ({n_c}, {n_c})", fontsize=FONT, va="top")
    ax.text(gx, 35.0, "for a picture of any size", fontsize=FONT - 1, va="top")
    ax.text(gx + side / 2, 6.5, "$G_{ij} = \\sum_k A_{ik} A_{jk}$:\nhow much channels i and j\nfire at the same "
            "positions", fontsize=FONT - 1.5, ha="center", va="top")  # fmt: skip

    alt = (
        f"Diagram of the Gram matrix of {conv.name} at {size[0]}×{size[1]} pixels. Left: the activations a, "
        f"shape (1, {n_h}, {n_w}, {n_c}), drawn as {n_c} stacked sheets, one per channel, each {n_h}×{n_w} "
        f"positions. Middle: reshaped to ({n_h * n_w}, {n_c}) and transposed, they become A, shape "
        f"({n_c}, {n_h * n_w}): row k holds channel k at every position, in the colour of its sheet. Right: "
        f"G = A·Aᵀ, shape ({n_c}, {n_c}); one entry G_ij is highlighted: the sum over positions of channel i "
        f"times channel j, large when the two channels fire at the same places."
    )
    return Diagram(fig, alt)

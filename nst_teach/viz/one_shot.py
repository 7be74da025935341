"""One-shot figures: images, feature maps, Gram matrices, cost curves, each drawn once and returned.

Each function here draws one figure and returns it: :func:`show_images`,
:func:`feature_maps`, :func:`gram_heatmaps`, :func:`cost_curves` each return a new
:class:`matplotlib.figure.Figure`.  In a notebook, end the cell with the figure
(or call ``display(fig)``) to see it.  Students call them as ``nst.viz.show_images(...)``;
the figures that a running optimization updates in place are :mod:`nst_teach.viz.live`'s.

Why ``Figure`` and not ``pyplot.figure``?  pyplot keeps every figure it makes
alive until someone closes it, so a cell that is re-run, or a loop that draws
every few steps, piles up figures and memory.  A ``Figure`` made directly is an
ordinary object: it goes away when nothing refers to it any more.

Every figure reads on a black-and-white print and for a colour-blind student: each line has a
dash pattern and a marker besides its colour (Okabe & Ito's palette, :func:`line_style`; give one's
own plots the same with ``ax.set_prop_cycle(nst_teach.viz.LINE_CYCLE)``), and pictures of numbers use
perceptually uniform colour maps (``viridis`` by default; :data:`nst_teach.viz.pieces.COLORMAPS`).

Inputs are plain arrays (NumPy or TensorFlow): images as RGB ``uint8``
``(H, W, 3)`` or as the network's preprocessed float ``(1, H, W, 3)`` BGR minus
the ImageNet means (converted with :func:`nst_teach.images.to_rgb`);
activations as ``(1, n_H, n_W, n_C)`` or ``(n_H, n_W, n_C)``, or the dict
``{layer name: activations}`` an extractor returns (then name the layer).
:mod:`nst_teach.viz.arrays` turns them into NumPy arrays.

Introduced in ``notebooks/01_images.ipynb`` (:func:`show_images`),
``notebooks/02_vgg19.ipynb`` (:func:`feature_maps`, :func:`receptive_field_bars`),
``notebooks/04_gram_and_style_cost.ipynb`` (:func:`gram_heatmaps`, :func:`cost_shares`) and
``notebooks/05_style_transfer_live.ipynb`` (:func:`cost_curves`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ..defaults import CONTENT_LAYER, IMG_SIZE, STYLE_LAYERS
from ..errors import OptionError
from ..layers import VGG19_LAYERS
from ..validate import check_size
from .arrays import (
    activation,
    check_channels,
    choose_channels,
    cost_series,
    gram,
    gram_title,
    image_items,
    layer_title,
    pick,
)
from .pieces import (
    COST_LABELS,
    LINE_CYCLE,
    CostPlot,
    GramPlot,
    ImageRow,
    MapGrid,
    images_figsize,
    line_style,
    maps_figsize,
    new_figure,
)

__all__ = [
    "show_images",
    "feature_maps",
    "gram_heatmaps",
    "cost_curves",
    "receptive_field_bars",
    "cost_shares",
    "COST_LABELS",
    "LINE_CYCLE",
    "line_style",
]


def show_images(
    images: Any,
    *,
    titles: Sequence[str] | None = None,
    height: float = 3.0,
    fig: Figure | None = None,
) -> Figure:
    """Shows images side by side: typically content, style and generated.

    Args:
        images: a dict ``{title: image}``, a list of images, or one image.  Each image
            is RGB ``uint8`` ``(H, W, 3)`` (as :func:`nst_teach.images.read_image` gives)
            or a preprocessed float ``(1, H, W, 3)`` (as :func:`nst_teach.images.load_image`
            gives); both show the same picture.
        titles: titles for a list of images (a dict brings its own).
        height: height of each picture, in inches.
        fig: a figure to draw into (it is cleared first); a new one if None.

    Returns:
        The figure, one axes per image (``fig.axes[i].images[0]`` holds the RGB pixels).

    Introduced in ``notebooks/01_images.ipynb``.

    >>> import numpy as np
    >>> fig = show_images({"black": np.zeros((30, 40, 3), np.uint8)})
    >>> fig.axes[0].get_title()
    'black'
    """
    items = image_items(images, titles)
    fig = new_figure(fig, images_figsize(items, height))
    ImageRow(fig, items)
    return fig


def feature_maps(
    activations: Any,
    layer: Any = None,
    top_k: int = 16,
    channels: Iterable[int] | None = None,
    *,
    cmap: str = "viridis",
    fig: Figure | None = None,
) -> Figure:
    """Draws a grid of one layer's feature maps, the most active channels first.

    Each plot is one channel ``a[:, :, c]``, titled with its index and mean
    activation; the figure's title names the layer, the activation's shape
    ``n_H×n_W×n_C`` and, for a VGG-19 layer, its receptive field (the side, in input
    pixels, of the patch one activation sees).

    Args:
        activations: ``(1, n_H, n_W, n_C)`` or ``(n_H, n_W, n_C)`` (NumPy or TensorFlow),
            or an extractor's dict ``{layer name: activations}`` (then ``layer`` picks one).
        layer: the layer's name or VGG-19 index, for the title (any name is accepted;
            only VGG-19 layers get a receptive field).
        top_k: how many channels to draw, those with the largest mean activation first.
        channels: draw exactly these channel indices, in this order (``top_k`` is then ignored).
        cmap: the colour map.
        fig: a figure to draw into (it is cleared first); a new one if None.

    Returns:
        The figure: ``fig.axes[i]`` is the i-th channel's plot, titled ``"#c  mean m"``.

    Raises:
        OptionError: activations of the wrong shape, ``top_k < 1``, or a channel out of range.

    Introduced in ``notebooks/02_vgg19.ipynb``.

    >>> import numpy as np
    >>> a = np.zeros((1, 4, 4, 3), np.float32); a[..., 2] = 1
    >>> feature_maps(a, "block1_conv1", top_k=2).axes[0].get_title()
    '#2  mean 1'
    """
    act = activation(pick(activations, layer, "activations"), "activations")
    chosen = choose_channels(act, top_k, channels)
    fig = new_figure(fig, maps_figsize(act, len(chosen)), layout="compressed")
    MapGrid(fig, act, chosen, layer_title(layer, act.shape), cmap)
    return fig


def gram_heatmaps(
    a_style: Any,
    a_generated: Any = None,
    layer: Any = None,
    log: bool = False,
    *,
    cmap: str = "viridis",
    fig: Figure | None = None,
) -> Figure:
    r"""Draws the Gram matrices of the style and generated images, and their difference.

    :math:`G_{ij} = \sum_p a_{p,i} a_{p,j}` says how much channels i and j fire
    together.  The style cost is the (scaled) sum of squares of the third heatmap,
    :math:`|G^{(S)} - G^{(G)}|`.  The two Gram heatmaps share one colour scale so their
    colours can be compared.

    Args:
        a_style: the style image's activations at one layer, ``(1, n_H, n_W, n_C)`` (or an
            extractor's dict, with ``layer``).
        a_generated: the generated image's activations at the same layer (any n_H, n_W,
            same n_C); if None, only the style Gram matrix is drawn.
        layer: the layer's name or VGG-19 index, for the title.
        log: a symmetric-log colour scale (``SymLogNorm``): Gram entries span many orders
            of magnitude, and on a linear scale a few large ones hide the rest.
        cmap: the colour map.
        fig: a figure to draw into (it is cleared first); a new one if None.

    Returns:
        The figure; its heatmaps are ``[ax.images[0] for ax in fig.axes if ax.images]``
        (style, generated, difference), each with a colour bar.

    Raises:
        OptionError: activations of the wrong shape or different channel counts.

    Introduced in ``notebooks/04_gram_and_style_cost.ipynb``.

    >>> import numpy as np
    >>> a = np.ones((1, 2, 2, 3), np.float32)
    >>> fig = gram_heatmaps(a)
    >>> float(fig.axes[0].images[0].get_array()[0, 0])  # 4 positions, 1·1 each
    4.0
    """
    g_s = gram(pick(a_style, layer, "a_style"), "a_style")
    g_g = None
    if a_generated is not None:
        g_g = gram(pick(a_generated, layer, "a_generated"), "a_generated")
        check_channels(g_s, g_g)
    n = 1 if g_g is None else 3
    fig = new_figure(fig, (4.2 * n, 4.4))
    GramPlot(fig, g_s, g_g, gram_title(layer, g_s.shape[0]), bool(log), cmap)
    return fig


def cost_curves(history: Any, per_layer: bool = True, log: bool = True, *, fig: Figure | None = None) -> Figure:
    r"""Draws the cost curves of a run: total, content, style, and style per layer.

    Args:
        history: the costs logged during a run, in any of these forms:

            * a dict of lists: ``{"iteration": [...], "total": [...], "content": [...],
              "style": [...], "style_by_layer": {layer: [...]}}``;
            * a list of dicts (or of objects with those attributes), one per logged step:
              ``[{"iteration": 0, "total": ..., "style_by_layer": {layer: value}}, ...]``;
            * an object with those attributes as lists, or with a ``history`` attribute
              holding one of the above.

            Missing keys are skipped; without ``iteration`` the x axis counts the records.
        per_layer: add a second plot with the style cost of each layer.
        log: logarithmic y axes (costs fall by orders of magnitude).
        fig: a figure to draw into (it is cleared first); a new one if None.

    Returns:
        The figure: ``fig.axes[0]`` holds the lines labelled total / content / style,
        ``fig.axes[1]`` (if ``per_layer``) one line per layer, labelled with its name.

    Raises:
        OptionError: the history has none of the cost keys, or lists of different lengths.

    Introduced in ``notebooks/05_style_transfer_live.ipynb``.

    >>> fig = cost_curves({"iteration": [0, 10], "total": [5.0, 2.0]}, per_layer=False)
    >>> fig.axes[0].lines[0].get_ydata().tolist()
    [5.0, 2.0]
    """
    main, layers = cost_series(history)
    fig = new_figure(fig, (11.0, 3.8) if per_layer else (6.0, 3.8))
    CostPlot(fig, per_layer, log).show(main, layers)
    return fig


#: The looks of the receptive-field bars, per kind of layer: (colour, hatching) — told apart without colour too.
LAYER_LOOKS: dict[str, tuple[str, str]] = {
    "content layer": ("#D55E00", "xx"),
    "style layers": ("#0072B2", "//"),
    "other layers": ("lightgray", ""),
}


def receptive_field_bars(
    fields: Sequence[int] | None = None,
    size: tuple[int, int] = IMG_SIZE,
    *,
    content_layer: str = CONTENT_LAYER,
    style_layers: Iterable[str] = tuple(STYLE_LAYERS),
    fig: Figure | None = None,
) -> Figure:
    """Draws each layer's receptive field as a bar, the content and style layers marked, beside the image's height.

    Args:
        fields: one receptive field per layer after the input, in pixels (the 21 a notebook computed
            with the recurrence); None: the layer table's.
        size: the image's (width, height): a dashed line marks its height.
        content_layer, style_layers: the layers marked (the reference recipe's by default).
        fig: a figure to draw into (it is cleared first); a new one if None.

    Returns:
        The figure: one bar per layer, labelled with its name, hatched by its kind.

    Introduced in ``notebooks/02_vgg19.ipynb``.

    >>> [round(bar.get_height()) for bar in receptive_field_bars().axes[0].patches[:3]]
    [3, 5, 6]
    """
    layers = VGG19_LAYERS[1:]
    heights = [layer.receptive_field for layer in layers] if fields is None else [float(f) for f in fields]
    if len(heights) != len(layers):
        wanted = f"{len(layers)} receptive fields, one per layer after the input"
        raise OptionError(f"fields: give {wanted}; got {len(heights)}.")
    _, height = check_size(size, "size")
    styles = set(style_layers)
    kinds = [
        "content layer" if layer.name == content_layer else "style layers" if layer.name in styles else "other layers"
        for layer in layers
    ]
    fig = new_figure(fig, (11.0, 3.4))
    ax = fig.subplots()
    names = [layer.name for layer in layers]
    colours, hatches = [LAYER_LOOKS[k][0] for k in kinds], [LAYER_LOOKS[k][1] for k in kinds]
    ax.bar(names, heights, color=colours, hatch=hatches, edgecolor="white")
    line = ax.axhline(height, color="k", ls="--", lw=0.8, label=f"image height ({height} px)")
    ax.set_ylabel("receptive field (px)")
    ax.set_title("how much of the picture one activation sees")
    ax.tick_params(axis="x", rotation=90)
    shown = [Patch(facecolor=c, hatch=h, edgecolor="white", label=kind) for kind, (c, h) in LAYER_LOOKS.items()]
    ax.legend(handles=[*shown, line])
    return fig


def cost_shares(
    pictures: Mapping[str, Any],
    costs: Mapping[tuple[str, str], tuple[float, float]],
    yardstick: tuple[float, float],
    *,
    height: float = 2.0,
    fig: Figure | None = None,
) -> Figure:
    """Shows pictures side by side, each compared one titled with its style and content cost as shares of a yardstick.

    Args:
        pictures: ``{name: image}``, in the order to show them.
        costs: ``{(first, second): (style cost, content cost)}`` between two of the pictures; the second's
            title gets the shares.
        yardstick: ``(style cost, content cost)`` between two unrelated pictures: what 100 % means.
        height: each picture's height, in inches.
        fig: a figure to draw into (it is cleared first); a new one if None.

    Returns:
        The figure (as :func:`show_images`'), with a title that says what the shares are of.

    Introduced in ``notebooks/04_gram_and_style_cost.ipynb``.

    >>> import numpy as np
    >>> black = np.zeros((30, 40, 3), np.uint8)
    >>> fig = cost_shares({"a": black, "b": black}, {("a", "b"): (1.0, 50.0)}, (100.0, 100.0))
    >>> fig.axes[1].get_title()
    'b\\nstyle 1.0%, content 50%'
    """
    style_scale, content_scale = (float(v) for v in yardstick)
    if not (style_scale > 0 and content_scale > 0):
        raise OptionError(f"yardstick: both costs must be > 0 to be 100 %, got {yardstick!r}")
    titles = {name: name for name in pictures}
    for (first, second), (j_style, j_content) in costs.items():
        for name in (first, second):
            if name not in pictures:
                raise OptionError(f"costs: {name!r} is not one of the pictures ({', '.join(pictures)})")
        titles[second] = f"{second}\nstyle {j_style / style_scale:.1%}, content {j_content / content_scale:.0%}"
    fig = show_images({titles[name]: image for name, image in pictures.items()}, height=height, fig=fig)
    fig.suptitle("each cost as a share of the same cost between two unrelated pictures", fontsize="medium")
    return fig

"""Pictures of Neural Style Transfer: images, feature maps, Gram matrices, cost curves.

Each function here draws one figure and returns it: :func:`show_images`,
:func:`feature_maps`, :func:`gram_heatmaps`, :func:`cost_curves` each return a new
:class:`matplotlib.figure.Figure`.  In a notebook, end the cell with the figure
(or call ``display(fig)``) to see it.  The figures that a running optimization
updates in place are in :mod:`nst_teach.live` (``LiveImages``, ``LiveCosts``...;
``nst_teach.viz.LiveCosts`` still finds them).

Why ``Figure`` and not ``pyplot.figure``?  pyplot keeps every figure it makes
alive until someone closes it, so a cell that is re-run, or a loop that draws
every few steps, piles up figures and memory.  A ``Figure`` made directly is an
ordinary object: it goes away when nothing refers to it any more.

Every figure reads on a black-and-white print and for a colour-blind student: each line has a
dash pattern and a marker besides its colour (Okabe & Ito's palette, :func:`line_style`; give one's
own plots the same with ``ax.set_prop_cycle(nst_teach.viz.LINE_CYCLE)``), and pictures of numbers use
perceptually uniform colour maps (``viridis`` by default; :data:`nst_teach.panels.COLORMAPS`).

Inputs are plain arrays (NumPy or TensorFlow): images as RGB ``uint8``
``(H, W, 3)`` or as the network's preprocessed float ``(1, H, W, 3)`` BGR minus
the ImageNet means (converted with :func:`nst_teach.images.to_rgb`);
activations as ``(1, n_H, n_W, n_C)`` or ``(n_H, n_W, n_C)``, or the dict
``{layer name: activations}`` an extractor returns (then name the layer).

Introduced in ``notebooks/01_images.ipynb`` (:func:`show_images`),
``notebooks/02_vgg19.ipynb`` (:func:`feature_maps`),
``notebooks/04_gram_and_style_cost.ipynb`` (:func:`gram_heatmaps`) and
``notebooks/05_style_transfer_live.ipynb`` (:func:`cost_curves`).
"""

from __future__ import annotations

import importlib
import operator
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from .errors import ImageError, OptionError
from .panels import (
    COST_LABELS,
    LINE_CYCLE,
    CostPlot,
    GramPanels,
    ImagePanels,
    MapGrid,
    Series,
    images_figsize,
    line_style,
    maps_figsize,
    new_figure,
)

__all__ = ["show_images", "feature_maps", "gram_heatmaps", "cost_curves", "COST_LABELS", "LINE_CYCLE", "line_style"]

#: The live figures, at home in :mod:`nst_teach.live`, still reachable as ``nst_teach.viz.<name>``.
_LIVE_NAMES = ("LiveFigure", "LiveImages", "LiveCosts", "LiveFeatureMaps", "LiveGram", "live_figures", "close_all")


def __getattr__(name: str) -> Any:
    # Imported on first use: live.py imports this module, so it cannot be imported at the top.
    if name in _LIVE_NAMES:
        return getattr(importlib.import_module(".live", __package__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_LIVE_NAMES])


# --- turning inputs into NumPy arrays ----------------------------------------------------------


def _numpy(x: Any, name: str) -> np.ndarray:
    """``x`` (NumPy array, TensorFlow tensor or variable, nested list) as a NumPy array."""
    if hasattr(x, "numpy") and callable(x.numpy):
        x = x.numpy()
    try:
        return np.asarray(x)
    except Exception as exc:  # noqa: BLE001 - any failure means "not an array"
        raise OptionError(f"{name} must be an array or tensor, got {type(x).__name__}: {exc}") from None


def _rgb(image: Any, name: str) -> np.ndarray:
    """An image to show, as ``uint8`` RGB ``(H, W, 3)``.

    ``uint8`` arrays are pictures already (RGB, RGBA or grayscale); anything else is
    taken to be the network's preprocessed float image and goes through ``to_rgb``.
    """
    arr = _numpy(image, name)
    if arr.dtype == np.uint8:
        if arr.ndim == 2:
            return np.repeat(arr[:, :, None], 3, axis=2)
        if arr.ndim == 3 and arr.shape[2] in (3, 4):
            return arr[:, :, :3]
        if arr.ndim == 4 and arr.shape[0] == 1 and arr.shape[3] == 3:
            return arr[0]
        raise ImageError(
            f"{name} is a uint8 array of shape {arr.shape}; a picture must be RGB (H, W, 3), "
            "RGBA (H, W, 4) or grayscale (H, W)."
        )
    from .images import to_rgb  # imported here: images.py pulls in OpenCV

    return to_rgb(arr)


def _activation(a: Any, name: str) -> np.ndarray:
    """Activations as a float32 ``(n_H, n_W, n_C)`` array (a leading batch axis of 1 removed)."""
    arr = _numpy(a, name)
    if arr.ndim == 4:
        if arr.shape[0] != 1:
            raise OptionError(
                f"{name} holds a batch of {arr.shape[0]} images (shape {arr.shape}); "
                "pass the activations of one image, shape (1, n_H, n_W, n_C)."
            )
        arr = arr[0]
    if arr.ndim != 3:
        raise OptionError(
            f"{name} must be activations of shape (1, n_H, n_W, n_C) or (n_H, n_W, n_C), got shape {arr.shape}."
        )
    try:
        return arr.astype(np.float32, copy=False)
    except (TypeError, ValueError):
        raise OptionError(f"{name} must hold numbers, got dtype {arr.dtype}.") from None


def _pick(activations: Any, layer: Any, name: str) -> Any:
    """The activations of ``layer`` when given the extractor's dict ``{name: activations}``."""
    if not isinstance(activations, Mapping):
        return activations
    keys = list(activations)
    if layer is None:
        if len(keys) == 1:
            return activations[keys[0]]
        raise OptionError(
            f"{name} is a dict of {len(keys)} layers {keys}; say which one to draw with layer=..., "
            f"e.g. layer={keys[0]!r}."
            if keys
            else f"{name} is an empty dict; pass activations."
        )
    if layer in activations:
        return activations[layer]
    full_name, _ = _describe_layer(layer)
    if full_name in activations:
        return activations[full_name]
    raise OptionError(f"{name} has no activations for layer {layer!r}; it has {keys}.")


def _describe_layer(layer: Any) -> tuple[str | None, Any]:
    """``(name, Layer record or None)`` for a VGG-19 layer name/index, or any other name."""
    if layer is None:
        return None, None
    if hasattr(layer, "receptive_field") and hasattr(layer, "name"):
        return str(layer.name), layer
    try:
        from . import layers as vgg
    except ImportError:  # the layer table is optional for drawing
        return str(layer), None
    try:
        index = vgg.layer_index(layer)
    except ValueError:
        if isinstance(layer, str):
            return layer, None  # a layer of some other network: draw it, without VGG facts
        raise
    record = vgg.VGG19_LAYERS[index]
    return record.name, record


def _layer_title(layer: Any, shape: tuple[int, ...]) -> str:
    """``"block3_conv1 — 75×100×256, receptive field 24 px"`` (what is known of it)."""
    name, record = _describe_layer(layer)
    dims = "×".join(str(d) for d in shape)
    if name is None:
        return dims
    if record is None:
        return f"{name} — {dims}"
    return f"{name} — {dims}, receptive field {record.receptive_field} px"


# --- figures -----------------------------------------------------------------------------------


def _image_items(images: Any, titles: Sequence[str] | None) -> list[tuple[str, np.ndarray]]:
    """``[(title, uint8 RGB)]`` from a dict, a list or a single image."""
    if isinstance(images, Mapping):
        pairs = [(str(t), img) for t, img in images.items()]
    else:
        imgs = list(images) if isinstance(images, (list, tuple)) else [images]
        names = [""] * len(imgs) if titles is None else [str(t) for t in titles]
        if len(names) != len(imgs):
            raise OptionError(f"titles has {len(names)} entries for {len(imgs)} images; give one title per image.")
        pairs = list(zip(names, imgs))
    if not pairs:
        raise OptionError("images is empty; pass at least one image (a dict {title: image} or a list).")
    return [(t, _rgb(img, f"images[{t or i}]")) for i, (t, img) in enumerate(pairs)]


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
    items = _image_items(images, titles)
    fig = new_figure(fig, images_figsize(items, height))
    ImagePanels(fig, items)
    return fig


def _choose_channels(act: np.ndarray, top_k: Any, channels: Iterable[Any] | None) -> list[int]:
    """The channels to draw: ``channels`` as given, else the ``top_k`` largest means first."""
    n_c = act.shape[-1]
    if channels is not None:
        try:
            chosen = [operator.index(c) for c in channels]
        except TypeError:
            raise OptionError(f"channels must be a list of channel indices (ints), got {channels!r}.") from None
        bad = [c for c in chosen if not 0 <= c < n_c]
        if bad or not chosen:
            raise OptionError(
                f"channels={list(channels)!r} is not a non-empty list of channel indices: "
                f"this layer has channels 0..{n_c - 1}."
            )
        return chosen
    try:
        k = operator.index(top_k)
    except TypeError:
        k = 0
    if isinstance(top_k, bool) or k < 1:
        raise OptionError(f"top_k must be a whole number >= 1 (how many channels to show), got {top_k!r}.")
    means = act.mean(axis=(0, 1))
    order = np.argsort(-means, kind="stable")  # most active first; ties keep channel order
    return [int(c) for c in order[:k]]


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

    Each panel is one channel ``a[:, :, c]``, titled with its index and mean
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
        The figure: ``fig.axes[i]`` is the i-th panel, titled ``"#c  mean m"``.

    Raises:
        OptionError: activations of the wrong shape, ``top_k < 1``, or a channel out of range.

    Introduced in ``notebooks/02_vgg19.ipynb``.

    >>> import numpy as np
    >>> a = np.zeros((1, 4, 4, 3), np.float32); a[..., 2] = 1
    >>> feature_maps(a, "block1_conv1", top_k=2).axes[0].get_title()
    '#2  mean 1'
    """
    act = _activation(_pick(activations, layer, "activations"), "activations")
    chosen = _choose_channels(act, top_k, channels)
    fig = new_figure(fig, maps_figsize(act, len(chosen)), layout="compressed")
    MapGrid(fig, act, chosen, _layer_title(layer, act.shape), cmap)
    return fig


# --- Gram matrices -----------------------------------------------------------------------------


def _gram(a: Any, name: str) -> np.ndarray:
    """The Gram matrix ``A Aᵀ`` of one layer's activations, as a NumPy array."""
    from .costs import gram_matrix  # imported here: costs.py loads TensorFlow

    return np.asarray(gram_matrix(_activation(a, name)))


def _gram_title(layer: Any, n_c: int) -> str:
    name, _ = _describe_layer(layer)
    return f"Gram matrices of {name} ({n_c}×{n_c})" if name else f"Gram matrices ({n_c}×{n_c})"


def _check_channels(g_s: np.ndarray, g_g: np.ndarray) -> None:
    if g_s.shape != g_g.shape:
        raise OptionError(
            f"a_style has {g_s.shape[0]} channels but a_generated has {g_g.shape[0]}; take both from the same layer."
        )


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
    together.  The style cost is the (scaled) sum of squares of the third panel,
    :math:`|G^{(S)} - G^{(G)}|`.  The two Gram panels share one colour scale so their
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
    g_s = _gram(_pick(a_style, layer, "a_style"), "a_style")
    g_g = None
    if a_generated is not None:
        g_g = _gram(_pick(a_generated, layer, "a_generated"), "a_generated")
        _check_channels(g_s, g_g)
    n = 1 if g_g is None else 3
    fig = new_figure(fig, (4.2 * n, 4.4))
    GramPanels(fig, g_s, g_g, _gram_title(layer, g_s.shape[0]), bool(log), cmap)
    return fig


# --- cost curves -------------------------------------------------------------------------------


def _field(record: Any, key: str) -> Any:
    return record.get(key) if isinstance(record, Mapping) else getattr(record, key, None)


def _cost_series(history: Any) -> tuple[dict[str, Series], dict[str, Series]]:
    """``({"total": (xs, ys), ...}, {layer: (xs, ys)})`` from any of the accepted history forms."""
    if not isinstance(history, (Mapping, list, tuple)) and hasattr(history, "history"):
        history = history.history  # e.g. a run's result that carries its history
    main: dict[str, Series] = {}
    per_layer: dict[str, Series] = {}

    def add(series: Series, x: Any, y: Any) -> None:
        if y is None:
            return
        try:
            series[0].append(float(x))
            series[1].append(float(y))
        except (TypeError, ValueError):
            raise OptionError(
                f"history holds {y!r} at iteration {x!r}; costs and iterations must be numbers."
            ) from None

    if isinstance(history, (list, tuple)):  # one record per logged step
        for i, record in enumerate(history):
            x = _field(record, "iteration")
            x = i if x is None else x
            for key in COST_LABELS:
                add(main.setdefault(key, ([], [])), x, _field(record, key))
            for name, value in dict(_field(record, "style_by_layer") or {}).items():
                add(per_layer.setdefault(str(name), ([], [])), x, value)
        return {k: v for k, v in main.items() if v[0]}, per_layer

    # Columns: a dict of lists, or an object whose attributes are lists.
    keys = (*COST_LABELS, "iteration", "style_by_layer")
    columns = history if isinstance(history, Mapping) else {k: _field(history, k) for k in keys}
    present = [k for k in (*COST_LABELS, "style_by_layer") if columns.get(k) is not None]
    if not present:
        raise OptionError(
            f"history has none of the keys {list(COST_LABELS) + ['style_by_layer']}; pass a dict of lists, "
            f"a list of dicts or a run's history (got {type(history).__name__})."
        )
    iterations = columns.get("iteration")

    def xs_for(values: Sequence[Any], what: str) -> list[Any]:
        if iterations is None:
            return list(range(len(values)))
        its = list(iterations)
        if len(its) != len(values):
            raise OptionError(
                f"history[{what!r}] has {len(values)} values but history['iteration'] has {len(its)}; "
                "give one value per logged iteration."
            )
        return its

    for key in COST_LABELS:
        if columns.get(key) is not None:
            values = list(columns[key])
            series: Series = ([], [])
            for x, y in zip(xs_for(values, key), values):
                add(series, x, y)
            main[key] = series
    by_layer = columns.get("style_by_layer")
    if isinstance(by_layer, Mapping):  # {layer: [values]}
        for name, values in by_layer.items():
            values = list(values)
            series = per_layer.setdefault(str(name), ([], []))
            for x, y in zip(xs_for(values, f"style_by_layer[{name}]"), values):
                add(series, x, y)
    elif by_layer is not None:  # [{layer: value}] per iteration
        rows = list(by_layer)
        for x, row in zip(xs_for(rows, "style_by_layer"), rows):
            for name, value in dict(row or {}).items():
                add(per_layer.setdefault(str(name), ([], [])), x, value)
    return main, per_layer


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
        per_layer: add a second panel with the style cost of each layer.
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
    main, layers = _cost_series(history)
    fig = new_figure(fig, (11.0, 3.8) if per_layer else (6.0, 3.8))
    CostPlot(fig, per_layer, log).show(main, layers)
    return fig

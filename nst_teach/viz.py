"""Pictures of Neural Style Transfer: images, feature maps, Gram matrices, cost curves.

Two kinds of pictures live here.

* **One-shot figures** — :func:`show_images`, :func:`feature_maps`,
  :func:`gram_heatmaps`, :func:`cost_curves` — each return a new
  :class:`matplotlib.figure.Figure`.  In a notebook, end the cell with the figure
  (or call ``display(fig)``) to see it.
* **Live figures** — :class:`LiveImages`, :class:`LiveCosts`,
  :class:`LiveFeatureMaps`, :class:`LiveGram` — are created once and then
  ``.update(...)``-d in place while the optimisation runs: the same image and
  line artists get new data (``set_data``) and the canvas redraws
  (``draw_idle``).  ``.to_png()`` renders the figure to PNG bytes, which is what
  an ``ipywidgets.Image`` shows (matplotlib's default "inline" backend cannot
  redraw a figure that is already on screen).

Why ``Figure`` and not ``pyplot.figure``?  pyplot keeps every figure it makes
alive until someone closes it, so a cell that is re-run, or a loop that draws
every few steps, piles up figures and memory.  A ``Figure`` made directly is an
ordinary object: it goes away when nothing refers to it any more.  Live figures
also take a ``key``: creating a new one with the same class and key closes the
old one, so re-running a notebook cell replaces its figure instead of adding
one.  :func:`close_all` closes every live figure still open.

Inputs are plain arrays (NumPy or TensorFlow): images as RGB ``uint8``
``(H, W, 3)`` or as the network's preprocessed float ``(1, H, W, 3)`` BGR minus
the ImageNet means (converted with :func:`nst_teach.images.to_rgb`);
activations as ``(1, n_H, n_W, n_C)`` or ``(n_H, n_W, n_C)``, or the dict
``{layer name: activations}`` an extractor returns (then name the layer).

Introduced in ``notebooks/01_images.ipynb`` (:func:`show_images`),
``notebooks/02_vgg19.ipynb`` (:func:`feature_maps`),
``notebooks/04_gram_and_style_cost.ipynb`` (:func:`gram_heatmaps`) and
``notebooks/05_style_transfer_live.ipynb`` (:func:`cost_curves`, live figures).
"""

from __future__ import annotations

import io
import math
import operator
import sys
import weakref
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib import colors as mcolors
from matplotlib import ticker as mticker
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .errors import ImageError, NSTError, OptionError

__all__ = [
    "show_images",
    "feature_maps",
    "gram_heatmaps",
    "cost_curves",
    "LiveFigure",
    "LiveImages",
    "LiveCosts",
    "LiveFeatureMaps",
    "LiveGram",
    "live_figures",
    "close_all",
    "COST_LABELS",
]

#: The cost-history keys drawn on the left panel of :func:`cost_curves`, with their legend labels.
COST_LABELS: dict[str, str] = {
    "total": r"total $J$",
    "content": r"content $J_{content}$",
    "style": r"style $J_{style}$",
}


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
            f"{name} must be activations of shape (1, n_H, n_W, n_C) or (n_H, n_W, n_C), "
            f"got shape {arr.shape}."
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
            f"e.g. layer={keys[0]!r}." if keys else f"{name} is an empty dict; pass activations."
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


class _OffscreenCanvas(FigureCanvasAgg):
    """An Agg canvas (off-screen, no pyplot) whose ``draw_idle`` only notes that a redraw is due.

    Nobody looks at it between updates: the figure is rendered when it is asked for
    (``to_png``, a notebook displaying it), once per look rather than once per update.
    """

    def draw_idle(self, *args: Any, **kwargs: Any) -> None:
        self.figure.stale = True


def _new_figure(
    fig: Figure | None, figsize: tuple[float, float], dpi: float = 100, layout: str = "constrained"
) -> Figure:
    """A fresh off-screen figure, or ``fig`` emptied to be drawn into again."""
    if fig is None:
        fig = Figure(figsize=figsize, dpi=dpi, layout=layout)
        _OffscreenCanvas(fig)
    else:
        fig.clear()
    return fig


def _grid(n: int) -> tuple[int, int]:
    """(rows, columns) of a near-square grid for ``n`` panels."""
    ncols = max(1, math.ceil(math.sqrt(n)))
    return math.ceil(n / ncols), ncols


def _set_image(im: Any, data: np.ndarray) -> None:
    """Gives an ``AxesImage`` new data in place, resizing its extent if the shape changed."""
    old = im.get_array()
    if old is None or old.shape[:2] != data.shape[:2]:
        h, w = data.shape[:2]
        im.set_extent((-0.5, w - 0.5, h - 0.5, -0.5))
        im.axes.set_xlim(-0.5, w - 0.5)
        im.axes.set_ylim(h - 0.5, -0.5)
    im.set_data(data)


class _ImagePanels:
    """Images side by side, one per axes, titled."""

    def __init__(self, fig: Figure, items: list[tuple[str, np.ndarray]]) -> None:
        self.titles = [title for title, _ in items]
        axes = fig.subplots(1, len(items), squeeze=False)[0]
        self.ims = []
        for ax, (title, rgb) in zip(axes, items):
            self.ims.append(ax.imshow(rgb))
            ax.set_title(title)
            ax.set_axis_off()


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


def _images_figsize(items: list[tuple[str, np.ndarray]], height: float) -> tuple[float, float]:
    width = sum(height * rgb.shape[1] / rgb.shape[0] for _, rgb in items)
    return min(max(width, 2.0), 18.0), height + 0.5


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
    fig = _new_figure(fig, _images_figsize(items, height))
    _ImagePanels(fig, items)
    return fig


class _MapGrid:
    """A grid of feature maps, one channel per panel, with the layer in the suptitle."""

    def __init__(self, fig: Figure, act: np.ndarray, channels: list[int], layer: Any, cmap: str) -> None:
        nrows, ncols = _grid(len(channels))
        axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
        self.ims = []
        for ax in axes[len(channels):]:
            ax.remove()
        for ax, c in zip(axes, channels):
            self.ims.append(ax.imshow(act[:, :, c], cmap=cmap))
            ax.set_axis_off()
        self.suptitle = fig.suptitle(_layer_title(layer, act.shape))
        self.show(act, channels)

    def show(self, act: np.ndarray, channels: list[int]) -> None:
        means = act.mean(axis=(0, 1))
        for im, c in zip(self.ims, channels):
            _set_image(im, act[:, :, c])
            im.autoscale()  # each map gets its own colour range, as imshow would give it
            im.axes.set_title(f"#{c}  mean {means[c]:.3g}", fontsize="small")


def _maps_figsize(act: np.ndarray, n: int) -> tuple[float, float]:
    nrows, ncols = _grid(n)
    panel = 2.0  # inches per panel's width
    height = nrows * (panel * act.shape[0] / max(act.shape[1], 1) + 0.25) + 0.35
    return min(panel * ncols, 14.0), min(height, 14.0)


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
    fig = _new_figure(fig, _maps_figsize(act, len(chosen)), layout="compressed")
    _MapGrid(fig, act, chosen, layer, cmap)
    return fig


# --- Gram matrices -----------------------------------------------------------------------------


def _gram(a: Any, name: str) -> np.ndarray:
    """The Gram matrix ``A Aᵀ`` of one layer's activations, as a NumPy array."""
    from .costs import gram_matrix  # imported here: costs.py loads TensorFlow

    return np.asarray(gram_matrix(_activation(a, name)))


def _gram_norms(g_s: np.ndarray, g_g: np.ndarray | None, log: bool) -> list[mcolors.Normalize]:
    """Colour scales: one shared by G(S) and G(G) (so their colours compare), one for the difference."""

    def norm(lo: float, hi: float) -> mcolors.Normalize:
        if hi <= lo:
            hi = lo + 1.0
        if log:
            top = max(abs(lo), abs(hi))
            # Linear within ±linthresh, logarithmic beyond: zeros and negatives are fine.
            return mcolors.SymLogNorm(linthresh=top * 1e-4 if top > 0 else 1.0, vmin=lo, vmax=hi, base=10)
        return mcolors.Normalize(vmin=lo, vmax=hi)

    both = [g_s] if g_g is None else [g_s, g_g]
    lo, hi = float(min(g.min() for g in both)), float(max(g.max() for g in both))
    norms = [norm(lo, hi) for _ in both]
    if g_g is not None:
        norms.append(norm(0.0, float(np.abs(g_s - g_g).max())))
    return norms


def _log_ticks(im: Any) -> None:
    """Readable ticks for a symmetric-log colour bar: 0 and whole decades clear of the linear part.

    Matplotlib's own choice can put no label at all on a range within one decade, or
    crowd ``0`` and ``10^k`` together at the bottom.
    """
    norm, cb = im.norm, im.colorbar
    if cb is None or not isinstance(norm, mcolors.SymLogNorm):
        return
    lo, hi, lin = float(norm.vmin), float(norm.vmax), float(norm.linthresh)
    top = max(abs(lo), abs(hi))
    decades = [10.0**k for k in range(math.ceil(math.log10(lin * 10)), math.floor(math.log10(top)) + 1)]
    candidates = [0.0] + decades + [-d for d in decades]
    ticks = sorted(t for t in candidates if lo <= t <= hi)
    if len(ticks) > 6:  # keep about five, evenly spaced in decades
        step = math.ceil(len(ticks) / 5)
        ticks = ticks[::step]
    if len(ticks) < 2:
        ticks = sorted(set(ticks) | {float(f"{lo:.2g}"), float(f"{hi:.2g}")})
        ticks = [t for t in ticks if lo <= t <= hi] or [lo, hi]
    cb.set_ticks(ticks)
    cb.formatter = mticker.LogFormatterSciNotation(base=10, labelOnlyBase=False)
    cb.ax.yaxis.set_minor_locator(mticker.NullLocator())


class _GramPanels:
    """G(S), G(G) and |G(S) − G(G)| as heatmaps with colour bars."""

    TITLES = ("style  $G^{(S)}$", "generated  $G^{(G)}$", r"$|G^{(S)} - G^{(G)}|$")

    def __init__(self, fig: Figure, g_s: np.ndarray, g_g: np.ndarray | None, title: str, log: bool, cmap: str) -> None:
        self.log = log
        matrices = self._matrices(g_s, g_g)
        axes = fig.subplots(1, len(matrices), squeeze=False)[0]
        self.ims = []
        for ax, panel_title, matrix, norm in zip(axes, self.TITLES, matrices, _gram_norms(g_s, g_g, log)):
            im = ax.imshow(matrix, cmap=cmap, norm=norm)
            fig.colorbar(im, ax=ax, shrink=0.8)
            _log_ticks(im)
            ax.set_title(panel_title)
            ax.set_xlabel("channel j")
            ax.set_ylabel("channel i")
            self.ims.append(im)
        fig.suptitle(title)

    @staticmethod
    def _matrices(g_s: np.ndarray, g_g: np.ndarray | None) -> list[np.ndarray]:
        return [g_s] if g_g is None else [g_s, g_g, np.abs(g_s - g_g)]

    def show(self, g_s: np.ndarray, g_g: np.ndarray | None) -> None:
        for im, matrix, norm in zip(self.ims, self._matrices(g_s, g_g), _gram_norms(g_s, g_g, self.log)):
            _set_image(im, matrix)
            im.set_norm(norm)  # the colour bar follows (and resets its ticks)
            _log_ticks(im)


def _gram_title(layer: Any, n_c: int) -> str:
    name, _ = _describe_layer(layer)
    return f"Gram matrices of {name} ({n_c}×{n_c})" if name else f"Gram matrices ({n_c}×{n_c})"


def _check_channels(g_s: np.ndarray, g_g: np.ndarray) -> None:
    if g_s.shape != g_g.shape:
        raise OptionError(
            f"a_style has {g_s.shape[0]} channels but a_generated has {g_g.shape[0]}; "
            "take both from the same layer."
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
    fig = _new_figure(fig, (4.2 * n, 4.4))
    _GramPanels(fig, g_s, g_g, _gram_title(layer, g_s.shape[0]), bool(log), cmap)
    return fig


# --- cost curves -------------------------------------------------------------------------------

Series = tuple[list[float], list[float]]


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
            raise OptionError(f"history holds {y!r} at iteration {x!r}; costs and iterations must be numbers.") from None

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


class _CostPlot:
    """Total, content and style costs on one axes; the style cost per layer on another."""

    def __init__(self, fig: Figure, per_layer: bool, log: bool) -> None:
        axes = fig.subplots(1, 2 if per_layer else 1, squeeze=False)[0]
        self.ax = axes[0]
        self.layer_ax = axes[1] if per_layer else None
        self.lines = {key: self.ax.plot([], [], label=label)[0] for key, label in COST_LABELS.items()}
        self.layer_lines: dict[str, Any] = {}
        self.ax.set_title("Costs")
        self.ax.legend(loc="upper right", fontsize="small")
        for ax in axes:
            ax.set_xlabel("iteration")
            ax.set_yscale("log" if log else "linear")
            ax.grid(True, alpha=0.3)
        if self.layer_ax is not None:
            self.layer_ax.set_title(r"Style cost per layer $J^{[l]}_{style}$")

    def show(self, main: dict[str, Series], per_layer: dict[str, Series]) -> None:
        for key, line in self.lines.items():
            xs, ys = main.get(key, ([], []))
            line.set_data(np.asarray(xs, float), np.asarray(ys, float))
        if self.layer_ax is not None:
            added = False
            for name, (xs, ys) in per_layer.items():
                if name not in self.layer_lines:  # a layer seen for the first time gets a line
                    self.layer_lines[name] = self.layer_ax.plot([], [], label=name)[0]
                    added = True
                self.layer_lines[name].set_data(np.asarray(xs, float), np.asarray(ys, float))
            if added:
                self.layer_ax.legend(loc="upper right", fontsize="small")
        for ax in (self.ax, self.layer_ax):
            if ax is not None:
                ax.relim()
                ax.autoscale_view()


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
    fig = _new_figure(fig, (11.0, 3.8) if per_layer else (6.0, 3.8))
    _CostPlot(fig, per_layer, log).show(main, layers)
    return fig


# --- live figures ------------------------------------------------------------------------------

_OPEN: weakref.WeakSet[LiveFigure] = weakref.WeakSet()
_BY_KEY: weakref.WeakValueDictionary[tuple[str, Hashable], LiveFigure] = weakref.WeakValueDictionary()


def live_figures() -> list[LiveFigure]:
    """Returns the live figures that are still open (and still referenced somewhere).

    Introduced in ``notebooks/05_style_transfer_live.ipynb``.
    """
    return [f for f in list(_OPEN) if not f.closed]


def close_all() -> int:
    """Closes every open live figure; returns how many were closed.

    Introduced in ``notebooks/05_style_transfer_live.ipynb``.
    """
    figures = live_figures()
    for f in figures:
        f.close()
    return len(figures)


class LiveFigure:
    """A figure created once, updated in place, rendered to PNG, and closed when done.

    Subclasses draw something (:class:`LiveImages`, :class:`LiveCosts`,
    :class:`LiveFeatureMaps`, :class:`LiveGram`) and implement ``update``.

    * ``update(...)`` gives the existing artists new data and asks the canvas to redraw
      (``draw_idle``); a closed figure ignores updates, so a loop still feeding a figure
      whose cell was re-run does no harm.
    * ``to_png()`` returns the figure as PNG bytes (for an ``ipywidgets.Image``);
      a notebook also shows the figure when it ends a cell.
    * ``close()`` (or leaving a ``with`` block) releases the figure.
    * ``key``: creating a live figure of the same class with the same key closes the
      previous one, so re-running a cell does not pile up figures.

    Attributes:
        fig: the :class:`matplotlib.figure.Figure` drawn into.
        key: the key given at creation (or None).

    Introduced in ``notebooks/05_style_transfer_live.ipynb``.
    """

    def __init__(
        self,
        *,
        key: Hashable | None = None,
        figsize: tuple[float, float] = (6.0, 4.0),
        dpi: float = 100,
        fig: Figure | None = None,
        layout: str = "constrained",
    ) -> None:
        self.key = key
        self._closed = False
        if key is not None:
            previous = _BY_KEY.get((type(self).__name__, key))
            if previous is not None:
                previous.close()
        # fig: e.g. a pyplot figure under an interactive backend such as ipympl, redrawn by draw_idle.
        self.fig = _new_figure(fig, figsize, dpi, layout)
        _OPEN.add(self)
        if key is not None:
            _BY_KEY[(type(self).__name__, key)] = self

    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called."""
        return self._closed

    def update(self, *args: Any, **kwargs: Any) -> LiveFigure:
        """Changes the figure's data in place; see the subclasses."""
        raise NotImplementedError

    def _redraw(self) -> None:
        self.fig.canvas.draw_idle()

    def to_png(self) -> bytes:
        """Returns the figure as PNG bytes.

        Raises:
            NSTError: the figure was closed.
        """
        if self._closed:
            raise NSTError(f"This {type(self).__name__} was closed; create a new one to draw again.")
        canvas = self.fig.canvas
        if not isinstance(canvas, FigureCanvasAgg):
            buf = io.BytesIO()
            self.fig.savefig(buf, format="png")
            return buf.getvalue()
        from PIL import Image  # Pillow: matplotlib's own PNG writer

        canvas.draw()
        buf = io.BytesIO()
        Image.fromarray(np.asarray(canvas.buffer_rgba())).save(buf, format="PNG", compress_level=3)
        return buf.getvalue()

    def _repr_png_(self) -> bytes | None:
        return None if self._closed else self.to_png()

    def close(self) -> None:
        """Closes the figure: it leaves :func:`live_figures`, and its artists are released."""
        if self._closed:
            return
        self._closed = True
        _OPEN.discard(self)
        if self.key is not None and _BY_KEY.get((type(self).__name__, self.key)) is self:
            del _BY_KEY[(type(self).__name__, self.key)]
        if "matplotlib.pyplot" in sys.modules:  # a pyplot figure passed in as fig= is pyplot's to close
            sys.modules["matplotlib.pyplot"].close(self.fig)
        self.fig.clear()
        self._release()

    def _release(self) -> None:
        """Drops the subclass' references to artists (override)."""

    def __enter__(self) -> LiveFigure:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        key = "" if self.key is None else f" key={self.key!r}"
        return f"<{type(self).__name__}{key} {state}>"


class LiveImages(LiveFigure):
    """Images side by side, updated in place (e.g. the generated image as it evolves).

    >>> import numpy as np
    >>> live = LiveImages({"content": np.zeros((30, 40, 3), np.uint8), "generated": np.zeros((30, 40, 3), np.uint8)})
    >>> _ = live.update({"generated": np.full((30, 40, 3), 255, np.uint8)}, title="iteration 20")
    >>> live.to_png()[:4]
    b'\\x89PNG'
    >>> live.close()

    Introduced in ``notebooks/05_style_transfer_live.ipynb``.
    """

    def __init__(
        self,
        images: Any,
        *,
        titles: Sequence[str] | None = None,
        title: str | None = None,
        height: float = 3.0,
        key: Hashable | None = None,
        fig: Figure | None = None,
    ) -> None:
        """Creates the figure.

        Args:
            images: the first images, as for :func:`show_images` (dict, list or one image).
            titles: titles for a list of images.
            title: a title over the whole figure (changeable in :meth:`update`).
            height: height of each picture, in inches.
            key: see :class:`LiveFigure`.
            fig: a figure to draw into; a new off-screen one if None.
        """
        items = _image_items(images, titles)
        super().__init__(key=key, figsize=_images_figsize(items, height), fig=fig)
        self._panels: _ImagePanels | None = _ImagePanels(self.fig, items)
        self._title = None if title is None else self.fig.suptitle(title)

    def update(self, images: Any = None, *, title: str | None = None) -> LiveImages:
        """Replaces some or all images, in place.

        Args:
            images: a dict ``{title: image}`` (only those panels change), a list (the
                first ``len(list)`` panels change), or one image (when there is one panel).
            title: a new title over the figure.

        Returns:
            self.
        """
        if self._closed or self._panels is None:
            return self
        panels = self._panels
        if images is None:
            pairs: list[tuple[int, Any]] = []
        elif isinstance(images, Mapping):
            unknown = [t for t in images if str(t) not in panels.titles]
            if unknown:
                raise OptionError(f"LiveImages has no panel titled {unknown}; its panels are {panels.titles}.")
            pairs = [(panels.titles.index(str(t)), img) for t, img in images.items()]
        elif isinstance(images, (list, tuple)):
            if len(images) > len(panels.ims):
                raise OptionError(f"got {len(images)} images for {len(panels.ims)} panels; pass at most one per panel.")
            pairs = list(enumerate(images))
        elif len(panels.ims) == 1:
            pairs = [(0, images)]
        else:
            raise OptionError(
                f"LiveImages has {len(panels.ims)} panels {panels.titles}; say which to change: "
                f"update({{{panels.titles[-1]!r}: image}})."
            )
        for i, img in pairs:
            _set_image(panels.ims[i], _rgb(img, f"images[{panels.titles[i] or i}]"))
        if title is not None:
            if self._title is None:
                self._title = self.fig.suptitle(title)
            else:
                self._title.set_text(title)
        self._redraw()
        return self

    def _release(self) -> None:
        self._panels = None
        self._title = None


class LiveCosts(LiveFigure):
    """Cost curves (total, content, style, style per layer) that grow while a run goes on.

    Either hand :meth:`update` the whole history each time, or :meth:`append` one
    record per logged step.

    >>> live = LiveCosts(per_layer=False)
    >>> _ = live.append({"iteration": 0, "total": 9.0}).append({"iteration": 10, "total": 4.0})
    >>> live.lines["total"].get_ydata().tolist()
    [9.0, 4.0]
    >>> live.close()

    Introduced in ``notebooks/05_style_transfer_live.ipynb``.
    """

    def __init__(
        self,
        history: Any = None,
        *,
        per_layer: bool = True,
        log: bool = True,
        key: Hashable | None = None,
        fig: Figure | None = None,
    ) -> None:
        """Creates the (empty) axes.

        Args:
            history: a first history to draw, in any form :func:`cost_curves` accepts.
            per_layer: add a panel with the style cost of each layer.
            log: logarithmic y axes.
            key: see :class:`LiveFigure`.
            fig: a figure to draw into; a new off-screen one if None.
        """
        super().__init__(key=key, figsize=(11.0, 3.8) if per_layer else (6.0, 3.8), fig=fig)
        self._plot: _CostPlot | None = _CostPlot(self.fig, per_layer, log)
        self._records: list[Any] = []
        if history is not None:
            self.update(history)

    @property
    def lines(self) -> dict[str, Any]:
        """The ``Line2D`` of each cost (``"total"``, ``"content"``, ``"style"``)."""
        return {} if self._plot is None else dict(self._plot.lines)

    @property
    def layer_lines(self) -> dict[str, Any]:
        """The ``Line2D`` of each style layer seen so far."""
        return {} if self._plot is None else dict(self._plot.layer_lines)

    def update(self, history: Any) -> LiveCosts:
        """Shows ``history`` (any form :func:`cost_curves` accepts), in place; returns self."""
        if self._closed or self._plot is None:
            return self
        self._plot.show(*_cost_series(history))
        self._redraw()
        return self

    def append(self, record: Any = None, **costs: Any) -> LiveCosts:
        """Adds one logged step and redraws; returns self.

        Args:
            record: a dict or an object with ``iteration``, ``total``, ``content``, ``style``,
                ``style_by_layer`` (e.g. a step of the engine).
            **costs: or the same as keywords: ``append(iteration=10, total=3.5)``.
        """
        self._records.append(record if record is not None else costs)
        return self.update(self._records)

    def _release(self) -> None:
        self._plot = None
        self._records = []


class LiveFeatureMaps(LiveFigure):
    """A grid of a layer's feature maps, updated in place as the image changes.

    The channels are chosen once, at creation (the ``top_k`` most active, or
    ``channels``), so each panel keeps showing the same channel; ``resort=True``
    re-chooses them at every update.

    Introduced in ``notebooks/05_style_transfer_live.ipynb``.
    """

    def __init__(
        self,
        activations: Any,
        layer: Any = None,
        *,
        top_k: int = 16,
        channels: Iterable[int] | None = None,
        resort: bool = False,
        cmap: str = "viridis",
        key: Hashable | None = None,
        fig: Figure | None = None,
    ) -> None:
        """Creates the grid; the arguments are those of :func:`feature_maps`, plus ``resort`` and ``key``."""
        act = _activation(_pick(activations, layer, "activations"), "activations")
        chosen = _choose_channels(act, top_k, channels)
        super().__init__(key=key, figsize=_maps_figsize(act, len(chosen)), fig=fig, layout="compressed")
        self.layer = layer
        self.channels = chosen
        self._n_c = act.shape[-1]
        self._top_k = top_k
        self._resort = bool(resort) and channels is None
        self._grid: _MapGrid | None = _MapGrid(self.fig, act, chosen, layer, cmap)

    def update(self, activations: Any) -> LiveFeatureMaps:
        """Shows new activations of the same layer (same n_C), in place; returns self."""
        if self._closed or self._grid is None:
            return self
        act = _activation(_pick(activations, self.layer, "activations"), "activations")
        if act.shape[-1] != self._n_c:
            raise OptionError(
                f"activations have {act.shape[-1]} channels but this figure shows a layer with {self._n_c}; "
                "create a new LiveFeatureMaps for another layer."
            )
        if self._resort:
            self.channels = _choose_channels(act, self._top_k, None)
        self._grid.show(act, self.channels)
        self._grid.suptitle.set_text(_layer_title(self.layer, act.shape))
        self._redraw()
        return self

    def _release(self) -> None:
        self._grid = None


class LiveGram(LiveFigure):
    """The style Gram matrix, the generated one and their difference, updated in place.

    The style image's Gram matrix is computed once; :meth:`update` takes the
    generated image's new activations.

    Introduced in ``notebooks/05_style_transfer_live.ipynb``.
    """

    def __init__(
        self,
        a_style: Any,
        a_generated: Any = None,
        layer: Any = None,
        *,
        log: bool = False,
        cmap: str = "viridis",
        key: Hashable | None = None,
        fig: Figure | None = None,
    ) -> None:
        """Creates the three heatmaps; without ``a_generated`` the generated one starts at zero.

        The arguments are those of :func:`gram_heatmaps`, plus ``key``.
        """
        self.layer = layer
        self._g_s = _gram(_pick(a_style, layer, "a_style"), "a_style")
        g_g = np.zeros_like(self._g_s) if a_generated is None else self._generated(a_generated)
        super().__init__(key=key, figsize=(12.6, 4.4), fig=fig)
        self._panels: _GramPanels | None = _GramPanels(
            self.fig, self._g_s, g_g, _gram_title(layer, self._g_s.shape[0]), bool(log), cmap
        )

    def _generated(self, a_generated: Any) -> np.ndarray:
        g_g = _gram(_pick(a_generated, self.layer, "a_generated"), "a_generated")
        _check_channels(self._g_s, g_g)
        return g_g

    def update(self, a_generated: Any) -> LiveGram:
        """Shows the Gram matrix of the generated image's new activations, in place; returns self."""
        if self._closed or self._panels is None:
            return self
        self._panels.show(self._g_s, self._generated(a_generated))
        self._redraw()
        return self

    def _release(self) -> None:
        self._panels = None

"""The drawing pieces every figure of :mod:`nst_teach.viz` is made of (matplotlib, no pyplot).

Each piece draws one thing into a :class:`matplotlib.figure.Figure` once —
images side by side (:class:`ImageRow`), a grid of feature maps (:class:`MapGrid`), three Gram
heatmaps (:class:`GramPlot`), cost curves (:class:`CostPlot`) — and keeps its artists, so that
``show(...)`` can later give them new data in place (``set_data``, new colour scales) instead of
drawing everything again.  A one-shot figure (:func:`nst_teach.viz.feature_maps`...) draws a piece
once; a live figure (:class:`nst_teach.viz.live.LiveFeatureMaps`...) keeps it and calls ``show`` at
every update.

The pieces take plain NumPy arrays; turning what a student passes (tensors, dicts of
activations, preprocessed images) into those arrays is :mod:`nst_teach.viz.arrays`' job.

Introduced in ``notebooks/05_style_transfer_live.ipynb``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from cycler import cycler
from matplotlib import colors as mcolors
from matplotlib import ticker as mticker
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

__all__ = [
    "COST_LABELS",
    "OKABE_ITO",
    "COLORMAPS",
    "LINE_CYCLE",
    "line_style",
    "ImageRow",
    "MapGrid",
    "GramPlot",
    "CostPlot",
    "OffscreenCanvas",
    "new_figure",
    "set_image",
    "images_figsize",
    "maps_figsize",
]

#: The cost-history keys drawn on the left plot of :func:`~nst_teach.viz.cost_curves`, with their legend labels.
COST_LABELS: dict[str, str] = {
    "total": r"total $J$",
    "content": r"content $J_{content}$",
    "style": r"style $J_{style}$",
}

Series = tuple[list[float], list[float]]

# --- readable without colour -------------------------------------------------------------------

#: Okabe & Ito's palette ("Color Universal Design", 2008): eight colours that readers with any common
#: colour-vision deficiency still tell apart; in the order lines get them (yellow, faint on white, last).
OKABE_ITO = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")
_DASHES: tuple[Any, ...] = ("-", "--", ":", "-.", (0, (5, 1, 1, 1, 1, 1)), (0, (1, 1)), (0, (8, 2)), (0, (3, 1, 1, 1)))
_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")

#: The colour maps the course draws scalar pictures with: perceptually uniform (equal steps of the value
#: look like equal steps of lightness, in grey too) and readable with any colour vision; and ``RdBu_r``,
#: a diverging map (ColorBrewer's, safe for red-green colour blindness) for the signed differences of the
#: live grid, white at zero.  Never ``jet`` or ``rainbow``: their bright bands invent edges.
COLORMAPS = frozenset({"viridis", "cividis", "magma", "inferno", "plasma", "gray", "RdBu_r"})


def line_style(i: int) -> dict[str, Any]:
    """The look of a plot's ``i``-th line: an Okabe–Ito colour, and a dash pattern and a marker of its own.

    Colour alone does not tell lines apart on a black-and-white print or for a colour-blind reader; the
    dash and the marker do.  The markers come every tenth of the axes (``markevery``), a little later for
    each line so that they do not pile up.

    >>> line_style(1)["linestyle"], line_style(1)["marker"]
    ('--', 's')
    """
    n = len(OKABE_ITO)
    return {
        "color": OKABE_ITO[i % n],
        "linestyle": _DASHES[i % n],
        "marker": _MARKERS[i % n],
        "markevery": (0.013 * (i % n), 0.1),
        "markersize": 4,
    }


#: The same looks as a property cycle, for plots a notebook draws itself: ``ax.set_prop_cycle(LINE_CYCLE)``.
LINE_CYCLE = cycler(**{key: [line_style(i)[key] for i in range(len(OKABE_ITO))] for key in line_style(0)})


# --- figures and canvases ----------------------------------------------------------------------


class OffscreenCanvas(FigureCanvasAgg):
    """An Agg canvas (off-screen, no pyplot) whose ``draw_idle`` only notes that a redraw is due.

    Nobody looks at it between updates: the figure is rendered when it is asked for
    (``to_png``, a notebook displaying it), once per look rather than once per update.
    """

    def draw_idle(self, *args: Any, **kwargs: Any) -> None:
        self.figure.stale = True


def new_figure(
    fig: Figure | None, figsize: tuple[float, float], dpi: float = 100, layout: str = "constrained"
) -> Figure:
    """A fresh off-screen figure, or ``fig`` emptied to be drawn into again."""
    if fig is None:
        fig = Figure(figsize=figsize, dpi=dpi, layout=layout)
        OffscreenCanvas(fig)
    else:
        fig.clear()
    return fig


def grid_shape(n: int) -> tuple[int, int]:
    """(rows, columns) of a near-square grid for ``n`` plots."""
    ncols = max(1, math.ceil(math.sqrt(n)))
    return math.ceil(n / ncols), ncols


def set_image(im: Any, data: np.ndarray) -> None:
    """Gives an ``AxesImage`` new data in place, resizing its extent if the shape changed."""
    old = im.get_array()
    if old is None or old.shape[:2] != data.shape[:2]:
        h, w = data.shape[:2]
        im.set_extent((-0.5, w - 0.5, h - 0.5, -0.5))
        im.axes.set_xlim(-0.5, w - 0.5)
        im.axes.set_ylim(h - 0.5, -0.5)
    im.set_data(data)


class ImageRow:
    """Images side by side, one per axes, titled."""

    def __init__(self, fig: Figure, items: list[tuple[str, np.ndarray]]) -> None:
        self.titles = [title for title, _ in items]
        axes = fig.subplots(1, len(items), squeeze=False)[0]
        self.ims = []
        for ax, (title, rgb) in zip(axes, items):
            self.ims.append(ax.imshow(rgb))
            ax.set_title(title)
            ax.set_axis_off()


def images_figsize(items: list[tuple[str, np.ndarray]], height: float) -> tuple[float, float]:
    width = sum(height * rgb.shape[1] / rgb.shape[0] for _, rgb in items)
    return min(max(width, 2.0), 18.0), height + 0.5


class MapGrid:
    """A grid of feature maps, one channel per axes, with the layer in the suptitle."""

    def __init__(self, fig: Figure, act: np.ndarray, channels: list[int], title: str, cmap: str) -> None:
        nrows, ncols = grid_shape(len(channels))
        axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
        self.ims = []
        for ax in axes[len(channels) :]:
            ax.remove()
        for ax, c in zip(axes, channels):
            self.ims.append(ax.imshow(act[:, :, c], cmap=cmap))
            ax.set_axis_off()
        self.suptitle = fig.suptitle(title)
        self.show(act, channels)

    def show(self, act: np.ndarray, channels: list[int]) -> None:
        means = act.mean(axis=(0, 1))
        for im, c in zip(self.ims, channels):
            set_image(im, act[:, :, c])
            im.autoscale()  # each map gets its own colour range, as imshow would give it
            im.axes.set_title(f"#{c}  mean {means[c]:.3g}", fontsize="small")


def maps_figsize(act: np.ndarray, n: int) -> tuple[float, float]:
    nrows, ncols = grid_shape(n)
    side = 2.0  # inches per map's width
    height = nrows * (side * act.shape[0] / max(act.shape[1], 1) + 0.25) + 0.35
    return min(side * ncols, 14.0), min(height, 14.0)


# --- Gram matrices -----------------------------------------------------------------------------


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


class GramPlot:
    """G(S), G(G) and |G(S) − G(G)| as heatmaps with colour bars."""

    TITLES = ("style  $G^{(S)}$", "generated  $G^{(G)}$", r"$|G^{(S)} - G^{(G)}|$")

    def __init__(self, fig: Figure, g_s: np.ndarray, g_g: np.ndarray | None, title: str, log: bool, cmap: str) -> None:
        self.log = log
        matrices = self._matrices(g_s, g_g)
        axes = fig.subplots(1, len(matrices), squeeze=False)[0]
        self.ims = []
        for ax, heatmap_title, matrix, norm in zip(axes, self.TITLES, matrices, _gram_norms(g_s, g_g, log)):
            im = ax.imshow(matrix, cmap=cmap, norm=norm)
            fig.colorbar(im, ax=ax, shrink=0.8)
            _log_ticks(im)
            ax.set_title(heatmap_title)
            ax.set_xlabel("channel j")
            ax.set_ylabel("channel i")
            self.ims.append(im)
        fig.suptitle(title)

    @staticmethod
    def _matrices(g_s: np.ndarray, g_g: np.ndarray | None) -> list[np.ndarray]:
        return [g_s] if g_g is None else [g_s, g_g, np.abs(g_s - g_g)]

    def show(self, g_s: np.ndarray, g_g: np.ndarray | None) -> None:
        for im, matrix, norm in zip(self.ims, self._matrices(g_s, g_g), _gram_norms(g_s, g_g, self.log)):
            set_image(im, matrix)
            im.set_norm(norm)  # the colour bar follows (and resets its ticks)
            _log_ticks(im)


# --- cost curves -------------------------------------------------------------------------------


class CostPlot:
    """Total, content and style costs on one axes; the style cost per layer on another."""

    def __init__(self, fig: Figure, per_layer: bool, log: bool) -> None:
        axes = fig.subplots(1, 2 if per_layer else 1, squeeze=False)[0]
        self.ax = axes[0]
        self.layer_ax = axes[1] if per_layer else None
        self.lines = {
            key: self.ax.plot([], [], label=label, **line_style(i))[0]
            for i, (key, label) in enumerate(COST_LABELS.items())
        }
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
                    look = line_style(len(self.layer_lines))
                    self.layer_lines[name] = self.layer_ax.plot([], [], label=name, **look)[0]
                    added = True
                self.layer_lines[name].set_data(np.asarray(xs, float), np.asarray(ys, float))
            if added:
                self.layer_ax.legend(loc="upper right", fontsize="small")
        for ax in (self.ax, self.layer_ax):
            if ax is not None:
                ax.relim()
                ax.autoscale_view()

r"""The inside of the network across all layers, live: every style layer's Gram matrices converging.

:class:`LiveLayerGrid` is one figure with a column per style layer and one for the content layer.
A style layer's column shows, top to bottom,

* :math:`G^{(S)}`, the style image's Gram matrix: the target, it never changes;
* :math:`G^{(G)}`, the generated image's Gram matrix, now;
* :math:`G^{(G)} - G^{(S)}`: red where the generated image has too much of a pair of channels, blue
  where it has too little;
* :math:`J^{[l]}_{style}` over the iterations, with its value now in the title.

The content layer's column shows four of its feature maps for the content image and for the generated
image, their difference, and :math:`J_{content}` over the iterations.

The same picture all run long, so that a student watches it converge:

* the channels of each Gram matrix are ordered once, by the diagonal of :math:`G^{(S)}` (the channels
  the style uses most come first), and kept in that order;
* :math:`G^{(S)}` and :math:`G^{(G)}` share one colour scale per layer, fixed from :math:`G^{(S)}`
  (a generated value beyond it saturates); the difference has a scale of its own, symmetric about 0 and
  in the units of :math:`G^{(S)}`, so the difference of a layer whose Gram matrix matches fades to white.
  Both are logarithmic beyond a thousandth of the largest target value: a Gram matrix's entries span
  several orders of magnitude.

:meth:`LiveLayerGrid.column_pngs` renders the figure once and cuts it into one PNG per column (what
the dashboard shows, with a button under each column that opens the layer's detailed view).

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> a_s, a_g = rng.random((1, 8, 8, 4), np.float32), rng.random((1, 8, 8, 4), np.float32)
>>> g_s = a_s[0].reshape(-1, 4).T @ a_s[0].reshape(-1, 4)
>>> grid = LiveLayerGrid({"block1_conv1": g_s})
>>> _ = grid.update({"block1_conv1": a_g}, [{"iteration": 1, "style_by_layer": {"block1_conv1": 2.0}}])
>>> list(grid.column_pngs())
['block1_conv1']
>>> grid.close()

Introduced in ``notebooks/05_style_transfer_live.ipynb``.
"""

from __future__ import annotations

import io
from collections.abc import Hashable, Mapping
from typing import Any

import numpy as np
from matplotlib import colors as mcolors
from matplotlib.backends.backend_agg import FigureCanvasAgg

from ..errors import NSTError, OptionError
from .arrays import activation, cost_series, gram
from .live import LiveFigure
from .pieces import OKABE_ITO, set_image

__all__ = ["LiveLayerGrid", "COLUMN_WIDTH", "CONTENT_MAPS"]

#: Width of one column in inches; at the figure's 80 dpi, 96 whole pixels, so the columns cut exactly.
#: Six columns and their buttons fit beside the picture on a 1280×720 screen.
COLUMN_WIDTH = 1.2
#: How many of the content layer's feature maps its column shows (the most active in the content image).
CONTENT_MAPS = 4
_DPI = 80
_LOG_FROM = 1e-3  # the colour scales are linear up to this fraction of the largest target value, then logarithmic
_FONT = 7.0
_SHOWN = 128  # at most this many rows and columns of a Gram matrix are drawn (about the heatmap's pixels)

# The column's rows, from the top, in inches: the header, three matrices with a title each, the cost curve.
_MARGIN = 0.07
_HEADER = 0.2
_TITLE = 0.17
_MATRIX = COLUMN_WIDTH - 2 * _MARGIN
_GAP = 0.06  # between the last matrix and the cost's title (whose J^{[l]} reaches higher)
_CURVE = 0.42
_BOTTOM = 0.05
_HEIGHT = _HEADER + 3 * (_TITLE + _MATRIX) + _GAP + _TITLE + _CURVE + _BOTTOM

_STYLE_TITLES = ("style $G^{(S)}$", "generated $G^{(G)}$", "$G^{(G)} - G^{(S)}$")
_CONTENT_TITLES = ("content $a^{(C)}$", "generated $a^{(G)}$", "$a^{(G)} - a^{(C)}$")


def _symlog(top: float, symmetric: bool) -> mcolors.Normalize:
    """Linear within ±``top``·10⁻³, logarithmic beyond, up to ``top`` (from ``-top`` if ``symmetric``, else 0)."""
    top = top if np.isfinite(top) and top > 0 else 1.0
    return mcolors.SymLogNorm(linthresh=top * _LOG_FROM, vmin=-top if symmetric else 0.0, vmax=top, base=10)


def _coarse(m: np.ndarray) -> np.ndarray:
    """``m`` averaged over blocks of k×k entries, k the smallest that leaves at most :data:`_SHOWN` a side.

    A 512×512 matrix has more entries than its heatmap has pixels: averaging them here is what drawing it
    smaller would do, at a fraction of the cost, and the PNGs stay small.
    """
    k = -(-m.shape[0] // _SHOWN)
    if k <= 1:
        return m
    n = m.shape[0] // k
    return m[: n * k, : n * k].reshape(n, k, n, k).mean(axis=(1, 3))


def _mosaic(a: np.ndarray, channels: np.ndarray) -> np.ndarray:
    """Feature maps ``a[:, :, c]`` of ``channels`` (four) tiled two by two."""
    maps = [a[:, :, c] for c in channels] + [np.zeros(a.shape[:2], a.dtype)] * (CONTENT_MAPS - len(channels))
    return np.block([[maps[0], maps[1]], [maps[2], maps[3]]])


class LiveLayerGrid(LiveFigure):
    """Every style layer's Gram matrices and the content layer's feature maps, side by side, updated in place.

    Create it with the targets (:meth:`from_transfer` reads them from a run), then call
    :meth:`update` with the generated image's activations and the cost history.

    Args:
        style_grams: ``{layer: G^(S)}``, the style targets ``(n_C, n_C)`` (as
            :meth:`StyleTransfer.targets` gives them), one column each, in this order.
        content: the content image's activations at ``content_layer`` (``(1, n_H, n_W, n_C)``), or None
            for no content column.
        content_layer: the name of the content layer (its column's title).
        cmap: the colour map of the Gram matrices and feature maps.
        key: see :class:`~nst_teach.viz.live.LiveFigure`.
        dpi: pixels per inch of the PNGs (one column is :data:`COLUMN_WIDTH` inches wide).

    Attributes:
        columns: the layers shown, left to right (the content layer last).
        order: ``{style layer: channel order}``, chosen once (the style Gram's diagonal, largest first).
        content_channels: the content layer's channels shown (the most active in the content image).
        generated: ``{layer: what the second row shows now}`` (ordered Gram matrices, the maps' mosaic).

    Introduced in ``notebooks/05_style_transfer_live.ipynb``.
    """

    def __init__(
        self,
        style_grams: Mapping[str, Any],
        content: Any = None,
        content_layer: str | None = None,
        *,
        cmap: str = "viridis",
        key: Hashable | None = None,
        dpi: float = _DPI,
    ) -> None:
        targets: dict[str, np.ndarray] = {}
        for name, matrix in style_grams.items():
            g = np.asarray(matrix, dtype=np.float32)
            if g.ndim != 2 or g.shape[0] != g.shape[1]:
                raise OptionError(f"style_grams[{name!r}] must be an (n_C, n_C) Gram matrix, got shape {g.shape}.")
            targets[str(name)] = g
        if not targets and content is None:
            raise OptionError("LiveLayerGrid needs at least one style Gram matrix or the content activations.")
        self.layers = list(targets)
        self.order = {name: np.argsort(-np.diag(g), kind="stable") for name, g in targets.items()}
        self._targets = {name: g[self.order[name]][:, self.order[name]] for name, g in targets.items()}
        self.content_layer = None if content is None else str(content_layer or "content")
        self.columns = [*self.layers] + ([self.content_layer] if self.content_layer is not None else [])
        self.generated: dict[str, np.ndarray] = {}
        self.content_channels = np.zeros(0, np.int64)
        self._content: np.ndarray | None = None
        if content is not None:
            a_c = activation(content, "content")
            means = a_c.astype(np.float64).mean(axis=(0, 1))
            self.content_channels = np.argsort(-means, kind="stable")[:CONTENT_MAPS]
            self._content = _mosaic(a_c, self.content_channels)
            self._content_shape = a_c.shape

        super().__init__(key=key, figsize=(len(self.columns) * COLUMN_WIDTH, _HEIGHT), dpi=dpi, layout="none")
        self._ims: dict[str, list[Any]] = {}
        self._lines: dict[str, Any] = {}
        self._cost_titles: dict[str, Any] = {}
        self._cost_names: dict[str, str] = {}
        for i, name in enumerate(self.columns):
            self._draw_column(i, name, cmap)

    @classmethod
    def from_transfer(cls, transfer: Any, **kwargs: Any) -> LiveLayerGrid:
        """The grid of a :class:`~nst_teach.engine.StyleTransfer`'s style layers and content layer, at its size now."""
        targets = transfer.targets()
        return cls(targets["style"], targets["content"], transfer.options["content_layer"], **kwargs)

    # -- drawing ---------------------------------------------------------------------------------

    def _box(self, i: int, top: float, height: float) -> list[float]:
        """[left, bottom, width, height] in figure fractions of column ``i``'s square slot from ``top`` inches down."""
        width = len(self.columns) * COLUMN_WIDTH
        return [(i * COLUMN_WIDTH + _MARGIN) / width, 1 - (top + height) / _HEIGHT, _MATRIX / width, height / _HEIGHT]

    def _draw_column(self, i: int, name: str, cmap: str) -> None:
        fig = self.fig
        center = (i + 0.5) / len(self.columns)
        if name in self._targets:
            target = self._targets[name]
            top = float(np.abs(target).max())
            n_c = target.shape[0]
            shown = [_coarse(target), np.zeros_like(_coarse(target)), -_coarse(target)]
            norms = [_symlog(top, False), _symlog(top, False), _symlog(top, True)]
            size = f"{n_c}×{n_c}"
        else:
            assert self._content is not None
            top = float(np.abs(self._content).max()) or 1.0
            n_c = self._content_shape[-1]
            shown = [self._content, np.zeros_like(self._content), -self._content]
            norms = [mcolors.Normalize(0.0, top), mcolors.Normalize(0.0, top), mcolors.Normalize(-top, top)]
            size = f"{len(self.content_channels)} of {n_c}"
        titles = _STYLE_TITLES if name in self._targets else _CONTENT_TITLES
        titles = (f"{titles[0]} {size}", *titles[1:])  # the matrix's size (the maps shown) in the first title
        fig.text(center, 1 - 0.04 / _HEIGHT, name, ha="center", va="top", fontsize=_FONT + 0.5, weight="bold")
        ims = []
        for row, (matrix, norm, title) in enumerate(zip(shown, norms, titles)):
            top_in = _HEADER + row * (_TITLE + _MATRIX) + _TITLE
            self._label(center, top_in, title)  # figure texts: no axes titles to lay out at every draw
            ax = fig.add_axes(self._box(i, top_in, _MATRIX))
            im = ax.imshow(matrix, cmap="RdBu_r" if row == 2 else cmap, norm=norm, interpolation="antialiased")
            ax.set_axis_off()
            ims.append(im)
        self._ims[name] = ims
        top_in = _HEADER + 3 * (_TITLE + _MATRIX) + _GAP + _TITLE
        cost = "$J_{content}$" if name == self.content_layer else "$J^{[l]}_{style}$"
        self._cost_names[name] = cost
        self._cost_titles[name] = self._label(center, top_in, f"{cost}  ?")
        ax = fig.add_axes(self._box(i, top_in, _CURVE))
        ax.set_xticks([])  # no ticks: the curve's shape, and its value now in the title
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_color("#bbbbbb")
        (self._lines[name],) = ax.plot(
            [], [], color=OKABE_ITO[0], linewidth=1, marker="o", markevery=[-1], markersize=2.5
        )

    def _label(self, x: float, top_in: float, text: str) -> Any:
        """A title just above the slot that starts ``top_in`` inches from the top."""
        return self.fig.text(x, 1 - (top_in - 0.03) / _HEIGHT, text, ha="center", va="bottom", fontsize=_FONT)

    # -- updating --------------------------------------------------------------------------------

    def update(self, activations: Mapping[str, Any], history: Any = None) -> LiveLayerGrid:
        """Shows the generated image's activations (and the costs so far), in place; returns self.

        Args:
            activations: ``{layer: activations (1, n_H, n_W, n_C)}`` of the generated image for every
                column (e.g. ``step.activations(grid.columns)``).
            history: the costs so far, in any form :func:`~nst_teach.viz.cost_curves` accepts (a run's
                history, a list of steps or of records); None keeps the curves as they are.
        """
        if self._closed:
            return self
        missing = [name for name in self.columns if name not in activations]
        if missing:
            raise OptionError(f"activations has no {missing}; pass every column's: step.activations(grid.columns).")
        for name in self.layers:
            a = activation(activations[name], name)
            order = self.order[name]
            if a.shape[-1] != order.size:
                raise OptionError(
                    f"activations[{name!r}] have {a.shape[-1]} channels, the style Gram matrix {order.size}; "
                    "give the activations of the same layer."
                )
            g = gram(a, name)[order][:, order]  # costs.gram_matrix, the formula of notebook 04
            self.generated[name] = g
            ims = self._ims[name]
            ims[1].set_data(_coarse(g))
            ims[2].set_data(_coarse(g - self._targets[name]))
        if self.content_layer is not None and self._content is not None:
            a = activation(activations[self.content_layer], self.content_layer)
            if a.shape != self._content_shape:
                raise OptionError(
                    f"activations[{self.content_layer!r}] have shape {a.shape}, the content's "
                    f"{self._content_shape}; the generated image must have the content's size."
                )
            maps = _mosaic(a, self.content_channels)
            self.generated[self.content_layer] = maps
            ims = self._ims[self.content_layer]
            set_image(ims[1], maps)
            set_image(ims[2], maps - self._content)
        if history is not None:
            self._show_costs(history)
        self._redraw()
        return self

    def _show_costs(self, history: Any) -> None:
        main, per_layer = cost_series(history)
        for name in self.columns:
            xs, ys = main.get("content", ([], [])) if name == self.content_layer else per_layer.get(name, ([], []))
            line = self._lines[name]
            ys_arr = np.asarray(ys, float)
            # Costs fall over decades: the curve is of log10 J where every J is > 0 (the axes have no ticks).
            log = bool(ys_arr.size) and bool(np.all(ys_arr > 0))
            line.set_data(np.asarray(xs, float), np.log10(ys_arr) if log else ys_arr)
            line.axes.relim()
            line.axes.autoscale_view()
            value = f"{ys_arr[-1]:.3g}" if ys_arr.size else "?"
            self._cost_titles[name].set_text(f"{self._cost_names[name]} = {value}")

    # -- rendering -------------------------------------------------------------------------------

    def column_pngs(self) -> dict[str, bytes]:
        """Renders the figure once and returns ``{column: PNG bytes}``, each column cut out of it.

        Raises:
            NSTError: the figure was closed.
        """
        if self._closed:
            raise NSTError("This LiveLayerGrid was closed; create a new one to draw again.")
        from PIL import Image

        canvas = self.fig.canvas
        if not isinstance(canvas, FigureCanvasAgg):
            canvas = FigureCanvasAgg(self.fig)
        canvas.draw()
        rgb = np.asarray(canvas.buffer_rgba())[:, :, :3]
        width = rgb.shape[1] / len(self.columns)
        pngs = {}
        for i, name in enumerate(self.columns):
            buffer = io.BytesIO()
            column = np.ascontiguousarray(rgb[:, round(i * width) : round((i + 1) * width)])
            # 256 colours: a colour map has no more, and the PNG is a third of the size.
            Image.fromarray(column).quantize(256, method=Image.Quantize.FASTOCTREE).save(buffer, format="PNG")
            pngs[name] = buffer.getvalue()
        return pngs

    def _release(self) -> None:
        self._ims, self._lines, self._cost_titles = {}, {}, {}

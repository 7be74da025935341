"""Live figures: created once, updated in place while the optimization runs, rendered to PNG.

:class:`LiveImages`, :class:`LiveCosts`, :class:`LiveFeatureMaps` and
:class:`LiveGram` draw what :mod:`nst_teach.viz`'s one-shot figures draw, but keep
their artists: ``.update(...)`` gives the same image and line artists new data
(``set_data``) and the canvas redraws (``draw_idle``).  ``.to_png()`` renders the
figure to PNG bytes, which is what an ``ipywidgets.Image`` shows (matplotlib's
default "inline" backend cannot redraw a figure that is already on screen); the
dashboard (:mod:`nst_teach.widgets`) shows its live figures that way.

Live figures take a ``key``: creating a new one with the same class and key
closes the old one, so re-running a notebook cell replaces its figure instead of
adding one.  :func:`close_all` closes every live figure still open.

Introduced in ``notebooks/05_style_transfer_live.ipynb``.
"""

from __future__ import annotations

import io
import sys
import weakref
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..errors import NSTError, OptionError
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
    rgb,
)
from .pieces import CostPlot, GramPlot, ImageRow, MapGrid, images_figsize, maps_figsize, new_figure, set_image

__all__ = ["LiveFigure", "LiveImages", "LiveCosts", "LiveFeatureMaps", "LiveGram", "live_figures", "close_all"]

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
        self.fig = new_figure(fig, figsize, dpi, layout)
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
            images: the first images, as for :func:`~nst_teach.viz.show_images` (dict, list or one image).
            titles: titles for a list of images.
            title: a title over the whole figure (changeable in :meth:`update`).
            height: height of each picture, in inches.
            key: see :class:`LiveFigure`.
            fig: a figure to draw into; a new off-screen one if None.
        """
        items = image_items(images, titles)
        super().__init__(key=key, figsize=images_figsize(items, height), fig=fig)
        self._row: ImageRow | None = ImageRow(self.fig, items)
        self._title = None if title is None else self.fig.suptitle(title)

    def update(self, images: Any = None, *, title: str | None = None) -> LiveImages:
        """Replaces some or all images, in place.

        Args:
            images: a dict ``{title: image}`` (only those pictures change), a list (the
                first ``len(list)`` pictures change), or one image (when there is one picture).
            title: a new title over the figure.

        Returns:
            self.
        """
        if self._closed or self._row is None:
            return self
        row = self._row
        if images is None:
            pairs: list[tuple[int, Any]] = []
        elif isinstance(images, Mapping):
            unknown = [t for t in images if str(t) not in row.titles]
            if unknown:
                raise OptionError(f"LiveImages has no picture titled {unknown}; its pictures are {row.titles}.")
            pairs = [(row.titles.index(str(t)), img) for t, img in images.items()]
        elif isinstance(images, (list, tuple)):
            if len(images) > len(row.ims):
                raise OptionError(
                    f"got {len(images)} images for {len(row.ims)} pictures; pass at most one per picture."
                )
            pairs = list(enumerate(images))
        elif len(row.ims) == 1:
            pairs = [(0, images)]
        else:
            raise OptionError(
                f"LiveImages has {len(row.ims)} pictures {row.titles}; say which to change: "
                f"update({{{row.titles[-1]!r}: image}})."
            )
        for i, img in pairs:
            set_image(row.ims[i], rgb(img, f"images[{row.titles[i] or i}]"))
        if title is not None:
            if self._title is None:
                self._title = self.fig.suptitle(title)
            else:
                self._title.set_text(title)
        self._redraw()
        return self

    def _release(self) -> None:
        self._row = None
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
            history: a first history to draw, in any form :func:`~nst_teach.viz.cost_curves` accepts.
            per_layer: add a plot with the style cost of each layer.
            log: logarithmic y axes.
            key: see :class:`LiveFigure`.
            fig: a figure to draw into; a new off-screen one if None.
        """
        super().__init__(key=key, figsize=(11.0, 3.8) if per_layer else (6.0, 3.8), fig=fig)
        self._plot: CostPlot | None = CostPlot(self.fig, per_layer, log)
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
        """Shows ``history`` (any form :func:`~nst_teach.viz.cost_curves` accepts), in place; returns self."""
        if self._closed or self._plot is None:
            return self
        self._plot.show(*cost_series(history))
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
    ``channels``), so each map keeps showing the same channel; ``resort=True``
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
        """Creates the grid; the arguments are those of :func:`~nst_teach.viz.feature_maps`, and ``resort``, ``key``."""
        act = activation(pick(activations, layer, "activations"), "activations")
        chosen = choose_channels(act, top_k, channels)
        super().__init__(key=key, figsize=maps_figsize(act, len(chosen)), fig=fig, layout="compressed")
        self.layer = layer
        self.channels = chosen
        self._n_c = act.shape[-1]
        self._top_k = top_k
        self._resort = bool(resort) and channels is None
        self._grid: MapGrid | None = MapGrid(self.fig, act, chosen, layer_title(layer, act.shape), cmap)

    def update(self, activations: Any) -> LiveFeatureMaps:
        """Shows new activations of the same layer (same n_C), in place; returns self."""
        if self._closed or self._grid is None:
            return self
        act = activation(pick(activations, self.layer, "activations"), "activations")
        if act.shape[-1] != self._n_c:
            raise OptionError(
                f"activations have {act.shape[-1]} channels but this figure shows a layer with {self._n_c}; "
                "create a new LiveFeatureMaps for another layer."
            )
        if self._resort:
            self.channels = choose_channels(act, self._top_k, None)
        self._grid.show(act, self.channels)
        self._grid.suptitle.set_text(layer_title(self.layer, act.shape))
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

        The arguments are those of :func:`~nst_teach.viz.gram_heatmaps`, plus ``key``.
        """
        self.layer = layer
        self._g_s = gram(pick(a_style, layer, "a_style"), "a_style")
        g_g = np.zeros_like(self._g_s) if a_generated is None else self._generated(a_generated)
        super().__init__(key=key, figsize=(12.6, 4.4), fig=fig)
        self._heatmaps: GramPlot | None = GramPlot(
            self.fig, self._g_s, g_g, gram_title(layer, self._g_s.shape[0]), bool(log), cmap
        )

    def _generated(self, a_generated: Any) -> np.ndarray:
        g_g = gram(pick(a_generated, self.layer, "a_generated"), "a_generated")
        check_channels(self._g_s, g_g)
        return g_g

    def update(self, a_generated: Any) -> LiveGram:
        """Shows the Gram matrix of the generated image's new activations, in place; returns self."""
        if self._closed or self._heatmaps is None:
            return self
        self._heatmaps.show(self._g_s, self._generated(a_generated))
        self._redraw()
        return self

    def _release(self) -> None:
        self._heatmaps = None

"""Inside the network, on the dashboard: two panels, every layer at a glance (the grid) and one layer in detail.

:class:`LayerGrid` puts the columns of :class:`nst_teach.viz.live_grid.LiveLayerGrid` on the page, one
``Image`` per layer with a button under it that opens the layer's detailed view; :class:`LayerDetail`
is that detailed view, a section that is one line while closed: one layer's feature maps (style and
generated image, the same channels) and its Gram matrices.  Both are panels of the dashboard
(:mod:`.panels`).

Cheap enough to leave on.  An update of the grid needs the generated image's activations at every
layer of the run (one pass through VGG-19 without the gradient, about a third of an iteration: the
optimizer's own pass happens inside one compiled TensorFlow call, whose only outputs are the costs and
the gradient), their Gram matrices and the PNGs.  One worker thread makes them beside the optimization,
so the optimization never waits for the pictures, and an update is dropped rather than queued

* while the previous one is pending (being made, or made but not yet handed to the page), so a front
  end that falls behind is not sent a backlog;
* while the last update's work is more than :data:`BUDGET` of the time since it started, so the
  grid never takes more than about a tenth of the machine from the optimization, however often the
  dashboard shows the picture.  The one-layer detail, drawn on the loop's thread while it is open,
  keeps to the same share.

Widgets are written on the event loop's thread only, once the worker is done (``call_soon_threadsafe``);
the worker touches nothing but its own figure.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import math
import time
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
import numpy as np

from ..errors import NSTError
from ..viz import LiveFeatureMaps, LiveGram, feature_maps
from ..viz.live_grid import COLUMN_WIDTH, LiveLayerGrid
from ._base import _batch_at, _figure_png, _hide_when_empty, _Picture
from .panels import Moment, Panel

__all__ = ["LayerGrid", "LayerDetail", "BUDGET"]

#: The largest share of the time the grid's updates may take: an update comes at the earliest
#: (seconds of the last update's work) / BUDGET after the last one started.
BUDGET = 0.1


#: What a column's picture shows (its tooltip, after the layer's name).
_STYLE_TIP = (
    "the Gram matrices of the painting (the target), of the generated image and their difference, "
    "and this layer's style cost over the iterations."
)
_CONTENT_TIP = (
    "the content layer: four feature maps of the photo, of the generated image and their difference, "
    "and the content cost over the iterations."
)

#: What an update makes: ``({column: PNG bytes}, when it began, its seconds of work)``.
Made = tuple[dict[str, bytes], float, float]


def _render(figure: LiveLayerGrid, activations: Callable[[list[str]], dict], history: list) -> Made:
    """One update of ``figure`` (in the worker): the activations, the Gram matrices and the PNGs."""
    started = time.perf_counter()
    figure.update(activations(figure.columns), history)
    return figure.column_pngs(), started, time.perf_counter() - started


def _back_to(loop: asyncio.AbstractEventLoop, finished: Callable[[Any], None], future: Any) -> None:
    """Hands the worker's finished ``future`` to ``finished`` on ``loop``'s thread (nothing if the loop has ended)."""
    try:
        loop.call_soon_threadsafe(finished, future)
    except RuntimeError:  # the loop was closed meanwhile (a script's asyncio.run returned): nobody to show it to
        pass


class LayerGrid(Panel):
    """The dashboard's grid: one column per style layer and one for the content layer, updated live.

    Args:
        dashboard: a layer's button calls its ``open_layer(name)``; an update the worker could not make
            goes to its ``panel_failed(panel, error)``.

    Attributes:
        root: the box the page shows (hidden until the first update).
        images, buttons: ``{layer: Image}`` and ``{layer: Button}``, one per column.
        figure: the :class:`LiveLayerGrid` drawn now (None before the first update).
        updates: the updates shown; dropped: those dropped (the previous one pending, or too soon: ``budget``).
        budget: the largest share of the time the updates may take (:data:`BUDGET`).
        work_s: seconds the updates took (activations, Gram matrices, PNGs), in the worker or not.
        png_bytes: the bytes of the last update's PNGs (what one update sends to the browser).
    """

    place = "beside"
    what = "the layer grid"

    def __init__(self, dashboard: Any) -> None:
        self._dashboard = dashboard
        self.columns_box = widgets.HBox(layout=widgets.Layout(overflow_x="auto", align_items="flex-start"))
        self.root = widgets.VBox([self.columns_box])
        self.root.add_class("nst-layer-grid")
        self.root.layout.display = "none"
        self.images: dict[str, widgets.Image] = {}
        self.buttons: dict[str, widgets.Button] = {}
        self.figure: LiveLayerGrid | None = None
        self._source: tuple[Any, tuple[int, int]] | None = None  # the run and the size the figure belongs to
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None
        # The worker's update, from offer() until its PNGs are handed to the widgets (or waited for).
        self._pending: concurrent.futures.Future | None = None
        self.updates = self.dropped = self.png_bytes = 0
        self.work_s = 0.0
        self.budget = BUDGET
        self._last: tuple[float, float] = (-math.inf, 0.0)  # when the last update started, and its seconds of work

    @property
    def pending(self) -> bool:
        """True from an update's start until its pictures are sent (handed to the widgets)."""
        return self._pending is not None

    def show(self, moment: Moment) -> None:
        """A step: offered to the worker (:meth:`offer`); the end of a run: shown at once (:meth:`show_now`)."""
        if moment.step is not None:
            self.offer(moment.transfer, moment.step, moment.history)
        else:
            self.show_now(moment.transfer, moment.history)

    def offer(self, transfer: Any, step: Any, history: list) -> bool:
        """Starts an update from ``step`` in the worker; returns False if it is dropped (pending, or too soon).

        Without a running event loop (plain Python) the update is made at once instead.
        """
        started, work = self._last
        if self.pending or time.perf_counter() - started < work / self.budget:
            self.dropped += 1
            return False
        figure = self._figure_for(transfer)
        job = functools.partial(_render, figure, step.activations, list(history))
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._show(job())
            return True
        if self._executor is None:
            self._executor = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="nst-layer-grid")
        future = self._pending = self._executor.submit(job)
        future.add_done_callback(functools.partial(_back_to, loop, self._finished))
        return True

    def show_now(self, transfer: Any, history: list) -> None:
        """Shows the current image's update at once (the end of a run, a Stop): waits for a pending one first."""
        self._wait()
        figure = self._figure_for(transfer)
        self._show(_render(figure, transfer.activations, list(history)))

    def clear(self) -> None:
        """No pictures (Reset): a pending update is not shown, the next one starts a new figure."""
        self._wait()
        self._close_figure()
        self._last = (-math.inf, 0.0)
        for image in self.images.values():
            image.value = b""
        self.root.layout.display = "none"

    def close(self) -> None:
        """Releases the figure and the worker."""
        self.clear()
        if self._executor is not None:
            self._executor.shutdown(wait=False)
            self._executor = None

    # -- inside ------------------------------------------------------------------------------------

    def _wait(self) -> None:
        """Waits for the worker's pending update, which is then not shown (one thread draws the figure at a time)."""
        future, self._pending = self._pending, None
        if future is not None and future.exception() is None:  # exception() waits for it
            _, started, seconds = future.result()
            self.work_s += seconds
            self._last = (started, seconds)

    def _close_figure(self) -> None:
        if self.figure is not None:
            self.figure.close()
        self.figure, self._source = None, None

    def _figure_for(self, transfer: Any) -> LiveLayerGrid:
        """The figure of ``transfer`` at its size now: kept while they stay, a new one (new targets) otherwise."""
        if self._source is not None and self._source[0] is transfer and self._source[1] == transfer.size:
            return self.figure
        self._wait()
        self._close_figure()
        self.figure = LiveLayerGrid.from_transfer(transfer, key=id(self))
        self._source = (transfer, transfer.size)
        if list(self.images) != self.figure.columns:
            self._make_columns(self.figure.columns, self.figure.content_layer)
        return self.figure

    def _make_columns(self, columns: list[str], content_layer: str | None) -> None:
        width = f"{round(COLUMN_WIDTH * 80)}px"
        self.images, self.buttons, boxes = {}, {}, []
        for name in columns:
            tip = _CONTENT_TIP if name == content_layer else _STYLE_TIP
            image = _Picture(format="png", layout=widgets.Layout(width=width), tooltip=f"{name}: {tip}")
            button = widgets.Button(
                description=name,
                tooltip=f"{name} in detail: its feature maps and Gram matrices, below",
                layout=widgets.Layout(width=width, height="22px", padding="0px"),
                style={"font_size": "11px"},  # the layer's name in the column's width, also in the app's larger font
            )
            button.add_class("nst-layer-button")
            button.on_click(lambda _, name=name: self._dashboard.open_layer(name))
            self.images[name], self.buttons[name] = image, button
            boxes.append(widgets.VBox([image, button], layout=widgets.Layout(width=width, margin="0px 2px 0px 0px")))
        self.columns_box.children = boxes

    def _finished(self, future: concurrent.futures.Future) -> None:
        """On the event loop: the worker's update is done; show it, unless it was waited for (and so superseded)."""
        if future is not self._pending:
            return
        self._pending = None
        error = future.exception()
        if error is not None:
            self._dashboard.panel_failed(self, error)
            return
        self._show(future.result())

    def _show(self, made: Made) -> None:
        pngs, started, seconds = made
        self.work_s += seconds
        self._last = (started, seconds)
        for name, png in pngs.items():
            self.images[name].value = png
        self.png_bytes = sum(len(png) for png in pngs.values())
        self.updates += 1
        self.root.layout.display = None


class _LayerFigures:
    """One layer's feature maps (style and generated, same channels) and Gram matrices, updated live."""

    def __init__(self, transfer: Any, style_batch: np.ndarray, layer: str, top_k: int = 8) -> None:
        self.layer = layer
        self.transfer = transfer
        self.size = transfer.size
        a_s = transfer.activations(layer, style_batch)[layer]
        a_g = transfer.activations(layer)[layer]
        means = a_s.astype(np.float64).mean(axis=(0, 1, 2))
        self.channels = [int(c) for c in np.argsort(-means, kind="stable")[: min(top_k, a_s.shape[-1])]]
        self.style_png = _figure_png(feature_maps(a_s, layer, channels=self.channels))
        # A Gram matrix sums over positions: put the style's on the generated image's scale.
        ratio = (a_g.shape[1] * a_g.shape[2]) / (a_s.shape[1] * a_s.shape[2])
        self.maps = LiveFeatureMaps(a_g, layer, channels=self.channels)
        self.gram = LiveGram(a_s * np.float32(math.sqrt(ratio)), a_g, layer)

    def update(self, a_g: np.ndarray) -> tuple[bytes, bytes]:
        self.maps.update(a_g)
        self.gram.update(a_g)
        return self.maps.to_png(), self.gram.to_png()

    def close(self) -> None:
        self.maps.close()
        self.gram.close()


class LayerDetail(Panel):
    """The "Inside the network: one layer" section: the layer of the dropdown, in detail, while it is open.

    Args:
        dashboard: its ``panel_layer`` is the dropdown of the layer to show (None: none), its
            ``style_image()`` the style image (RGB or a batch), read when the figures are made; when the
            layer or the open state changes, its ``show_again(panel)`` redraws the detail if no run goes on.

    Attributes:
        root: the section (an ``Accordion``, closed at first).
        style_maps_widget, generated_maps_widget, gram_widget: its pictures.
    """

    place = "below"
    what = "the layer in detail"

    def __init__(self, dashboard: Any) -> None:
        panel_layer = self.panel_layer = dashboard.panel_layer
        self._style_image = dashboard.style_image
        self.style_maps_widget, self.generated_maps_widget, self.gram_widget = (
            _Picture(format="png", layout=widgets.Layout(max_width="100%")) for _ in range(3)
        )
        for picture in (self.style_maps_widget, self.generated_maps_widget, self.gram_widget):
            _hide_when_empty(picture)  # an empty Image widget draws as a broken-picture icon
        self._describe(panel_layer.value)
        maps = [
            widgets.VBox([widgets.HTML(title), picture], layout=widgets.Layout(width="50%"))
            for title, picture in (
                ("<b>style image</b>: feature maps", self.style_maps_widget),
                ("<b>generated image</b>: the same channels", self.generated_maps_widget),
            )
        ]
        inside = widgets.VBox(
            [panel_layer, widgets.HBox(maps), widgets.HTML("<b>Gram matrices</b>: style, generated, difference"),
             self.gram_widget]
        )  # fmt: skip
        # Closed, it is one line: the picture and the grid stay in view; a layer's button opens it.
        self.root = widgets.Accordion(children=[inside], titles=("Inside the network: one layer",))
        self.root.add_class("nst-layer-detail")  # a stable name for the page's CSS and the browser
        self.root.selected_index = None
        self._figures: _LayerFigures | None = None
        self._last: tuple[float, float] = (-math.inf, 0.0)  # when the last update started, and its seconds
        panel_layer.observe(lambda _: dashboard.show_again(self), "value")
        self.root.observe(lambda _: dashboard.show_again(self), "selected_index")

    @property
    def open(self) -> bool:
        """True while the section is open (its pictures are kept up to date only then)."""
        return self.root.selected_index == 0

    def open_layer(self, layer: str) -> None:
        """Shows ``layer`` and opens the section."""
        self.panel_layer.value = layer
        self.root.selected_index = 0

    def show(self, moment: Moment) -> None:
        """Draws the layer of the dropdown for ``moment`` if the section is open.

        During a run (a step given) an update is skipped while the last one's seconds are more than
        :data:`BUDGET` of the time since it started: the detail is drawn here, on the loop's thread.
        """
        if self._figures is not None and self._figures.transfer is not moment.transfer:
            self.release()  # a new run: its first step is drawn, whatever the last run's pictures cost
        started, work = self._last
        if not self.open or (moment.step is not None and time.perf_counter() - started < work / BUDGET):
            return
        begun = time.perf_counter()
        try:
            self._draw(moment)
        except NSTError:
            self.gram_widget.value = b""
            raise
        self._last = (begun, time.perf_counter() - begun)

    def _draw(self, moment: Moment) -> None:
        layer, transfer = self.panel_layer.value, moment.transfer
        if layer is None:
            self.clear()
            return
        made = self._figures
        if made is None or made.layer != layer or made.transfer is not transfer or made.size != transfer.size:
            self.release()
            scale = float(transfer.options["style_scale"])
            w, h = transfer.size
            style_size = (max(1, round(w * scale)), max(1, round(h * scale)))
            made = self._figures = _LayerFigures(transfer, _batch_at(self._style_image(), style_size), layer)
            self._describe(layer)
            self.style_maps_widget.value = made.style_png
        a_g = moment.activations(layer)[layer]
        self.generated_maps_widget.value, self.gram_widget.value = made.update(a_g)

    def _describe(self, layer: str | None) -> None:
        """The pictures' tooltips: what each shows, of ``layer``."""
        of = f" of {layer}" if layer else ""
        self.style_maps_widget.tooltip = f"Feature maps{of} for the style image: its most active channels."
        self.generated_maps_widget.tooltip = f"Feature maps{of} for the generated image: the same channels."
        self.gram_widget.tooltip = f"Gram matrices{of}: the style image's, the generated image's and their difference."

    def clear(self) -> None:
        """No pictures (and no figures)."""
        self.release()
        for picture in (self.style_maps_widget, self.generated_maps_widget, self.gram_widget):
            picture.value = b""

    def release(self) -> None:
        """Closes the figures (a new run, Reset, close)."""
        self._last = (-math.inf, 0.0)
        if self._figures is not None:
            self._figures.close()
            self._figures = None

    def close(self) -> None:
        self.release()

"""The live dashboard: Neural Style Transfer with every option as a control, and pictures while it runs.

The controls (which options, their starting values, what Start runs) are in
:mod:`nst_teach.widgets.controls`; this module is the run: Start / Pause / Stop
/ Reset / Save, the asyncio task that pulls one iteration at a time from
:meth:`StyleTransfer.steps`, and the live view: a list of panels (:data:`StyleTransferDashboard.PANELS`,
the interface in :mod:`.panels`), each shown every step: the generated image, the cost curves,
every layer's Gram matrices side by side and one layer in detail (:mod:`.layer_grid`).
"""

from __future__ import annotations

import asyncio
import datetime
import os
import time
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import ipywidgets as widgets
import numpy as np

from nst_teach import __version__  # the package's one version

from .. import images
from ..classroom import Classroom, room_for
from ..errors import NSTError
from ..optimizers import optimizer_entry
from ..weights import weights_status
from ._base import _duration, _png, _safe, _StatusLine
from ._runs import _RUNNING, _running_loop, _stop_the_others, running
from .controls import _DashboardControls, _same
from .layer_grid import LayerDetail, LayerGrid
from .panels import PLACES, CostCurves, GeneratedImage, Moment, Panel
from .picker import _inputs_on_disk, _refuse_overwriting_an_input, _take_images, _value_of

__all__ = ["StyleTransferDashboard"]

PanelT = TypeVar("PanelT", bound=Panel)


class StyleTransferDashboard(_DashboardControls, _StatusLine):
    """Neural Style Transfer, live: every option as a control, Start / Pause / Stop / Reset / Save.

    The optimization runs in the background (an asyncio task on the kernel's
    event loop), so the cell returns at once and the buttons keep working.
    Every ``every`` iterations the dashboard shows the generated image, the
    cost curves and, beside the image, the inside of the network across all
    layers: each style layer's Gram matrices (style, generated, difference) and
    cost, and the content layer's feature maps (an update the page cannot take
    yet is dropped, never waited for).  A layer's button, or the dropdown under
    "Inside the network: one layer", shows that layer in detail: the generated
    image's feature maps and Gram matrix next to the style image's.  Each of these
    is a panel (:data:`PANELS`, :mod:`nst_teach.widgets.panels`): a new one is a class and one line.
    The status line gives the iteration, the speed, the time left, and which
    weights and number format VGG-19 runs with.

    * **Start** stops any other run, then runs ``iterations`` iterations from the
      current image (from the start the first time).  Controls changed since the
      last run take effect: the run continues from the current image with the
      new settings.  Invalid values (all style weights 0, NaN...) show a message.
    * **Pause** suspends the run; **Resume** (the same button) continues it.
    * **Stop** ends the run; the image and the cost history are kept.
    * **Reset** goes back to the start: no history, no image.
    * **Save** writes the current image (:func:`nst_teach.images.save_image`) to the
      path in the box, by default ``nst-teach-<date>-<time>.jpg``; in classroom mode only into the
      class's output folder, under a name made from the box, never replacing a file (:mod:`nst_teach.classroom`).

    Creating a new dashboard (re-running the cell) stops the previous one.

    Args:
        content: the content image (path, URL, array, batch, or an :class:`ImagePicker`, read at each Start).
        style: the style image (same forms).
        every: update the pictures every this many iterations.
        panel_layer: the layer shown in detail under "Inside the network: one layer" (given: that
            section starts open; None: none).
        classroom: Save's classroom rules (:mod:`nst_teach.classroom`); None (default): on when the app
            turned them on (``nst-teach app``, :func:`nst_teach.classroom.enable`); True: on; False: off.
        **options: any option of :class:`nst_teach.engine.StyleTransfer`: those with a
            control set its starting value; the others (``weights``, ``style_scale``,
            ``preserve_colors``, ``scales``...) are passed through.

    Attributes:
        start_button, pause_button, stop_button, reset_button, save_button, save_path: the run controls.
        alpha, beta, tv_weight, learning_rate, iterations, every, optimizer, content_layer, init, noise_ratio,
            pooling, size, precision, seed, panel_layer: the option controls (noise ratio and seed are
            greyed out unless the start is noise).
        controls: ``{option: its control}``, one per row of :data:`nst_teach.options.TABLE` with ``control=True``.
        style_enabled, style_weights: ``{layer: Checkbox}`` and ``{layer: FloatSlider}`` of the style layers.
        panels: the live view's panels, one of each class in :data:`PANELS` (:meth:`panel` finds one).
        image_widget, costs_widget, style_maps_widget, generated_maps_widget, gram_widget, status_widget:
            the outputs; layer_grid: the grid across all layers (its ``images`` and ``buttons`` by layer);
            detail: the "Inside the network: one layer" section.
        history: one dict of costs per iteration (``iteration``, ``total``, ``content``, ``style``,
            ``tv``, ``style_by_layer``, ``elapsed``); kept by Stop and Pause, cleared by Reset.
        task: the asyncio task of the current (or last) run.

    Introduced in ``notebooks/05_style_transfer_live.ipynb``.

    >>> dashboard = StyleTransferDashboard("content.jpg", "style.jpg")  # doctest: +SKIP
    >>> dashboard          # shows it; press Start, or:                   # doctest: +SKIP
    >>> task = dashboard.start()                                          # doctest: +SKIP
    """

    #: The live view's panels (:mod:`.panels`), in the page's order: a new panel is its class and one line here.
    PANELS: ClassVar[tuple[type[Panel], ...]] = (
        GeneratedImage,
        CostCurves,
        LayerGrid,
        LayerDetail,
    )

    def __init__(
        self,
        content: Any,
        style: Any,
        *,
        every: int = 5,
        panel_layer: Any = "",
        classroom: bool | Classroom | None = None,
        **options: Any,
    ) -> None:
        options = self._take_options(options)
        self._content, self._style = _take_images(content, style)
        init = options.get("init")
        init = None if isinstance(init, str) and init.lower() in ("noise", "content", "style") else init
        self._inputs = _inputs_on_disk(content, style, init)  # Save never overwrites these

        self._make_controls(options, every, panel_layer)
        self._make_layout()
        self.room = room_for(classroom)  # None: Save writes where the box says (as in Python)
        if self.room is not None:
            self.save_path.placeholder = self.room.save_placeholder

        self.history: list[dict[str, Any]] = []
        self.task: asyncio.Task | None = None
        self._transfer: Any = None
        self._transfer_key: dict[str, Any] | None = None
        self._continued = False  # the transfer started from an earlier transfer's image
        self._offset = 0  # iterations (and seconds) of earlier transfers since the last Reset
        self._elapsed_offset = 0.0
        self._state = "idle"
        self._run_id = 0
        self._resume_event: asyncio.Event | None = None
        self._last_status = 0.0
        self._clock: dict[str, float] = {}
        if panel_layer not in ("", None):  # a layer asked for: its detailed view starts open
            self.detail.root.selected_index = 0
        self._show_start()
        self.root.comm.on_close(lambda _msg: self._page_closed())  # the page closed the dashboard (tab, notebook)
        for old in running():  # the cell was re-run: the previous dashboard stops
            if isinstance(old, StyleTransferDashboard):
                old.stop()

    # -- the page --------------------------------------------------------------------------------

    def _make_layout(self) -> None:
        """The run buttons, the status line, the pictures and the settings tabs, in one box (``root``)."""
        self.start_button = widgets.Button(description="Start", button_style="success", icon="play")
        self.pause_button = widgets.Button(description="Pause", icon="pause")
        self.stop_button = widgets.Button(description="Stop", button_style="danger", icon="stop")
        self.reset_button = widgets.Button(description="Reset", icon="undo")
        self.save_button = widgets.Button(description="Save", icon="save")
        self.save_path = widgets.Text(placeholder="nst-teach-<date>-<time>.jpg", layout=widgets.Layout(width="300px"))
        self.start_button.on_click(_safe(self, self.start))
        self.pause_button.on_click(_safe(self, self._toggle_pause))
        self.stop_button.on_click(_safe(self, self.stop))
        self.reset_button.on_click(_safe(self, self.reset))
        self.save_button.on_click(_safe(self, self.save))

        self._make_status_line()
        self.panels = [make(self) for make in self.PANELS]
        placed = {place: [panel.root for panel in self.panels if panel.place == place] for place in PLACES}
        # The default panels' widgets, by name (the tests, the browser tests and the README's pictures read them).
        self.image_widget, self.costs_widget = self.panel(GeneratedImage).root, self.panel(CostCurves).root
        self.layer_grid, self.detail = self.panel(LayerGrid), self.panel(LayerDetail)
        self.style_maps_widget = self.detail.style_maps_widget
        self.generated_maps_widget = self.detail.generated_maps_widget
        self.gram_widget = self.detail.gram_widget
        self.root = widgets.VBox(
            [
                widgets.HBox(
                    [
                        self.start_button,
                        self.pause_button,
                        self.stop_button,
                        self.reset_button,
                        self.save_button,
                        self.save_path,
                    ]
                ),
                self.status_widget,
                # The live view, in one screen: the picture and the costs, and beside them every layer.
                # flex-start: each picture keeps its aspect ratio (the default, stretch, makes it as tall as the row)
                widgets.HBox(
                    [widgets.VBox(placed["picture"]), *placed["beside"]],
                    layout=widgets.Layout(align_items="flex-start", grid_gap="8px"),
                ),
                *placed["below"],
                self._settings_tabs(),  # under the live view: changing a setting does not hide the pictures
            ]
        )
        # Stable names for the page's CSS and for the browser tests.
        self.root.add_class("nst-dashboard")
        for name in ("start", "pause", "stop", "reset", "save"):
            getattr(self, f"{name}_button").add_class(f"nst-{name}")
        self.save_path.add_class("nst-save-path")
        self.status_widget.add_class("nst-status")

    def panel(self, kind: type[PanelT]) -> PanelT | None:
        """The dashboard's panel of class ``kind`` (None if :data:`PANELS` has none)."""
        return next((panel for panel in self.panels if isinstance(panel, kind)), None)

    # -- what the dashboard says ---------------------------------------------------------------

    @property
    def running(self) -> bool:
        """True while a run is going on (paused counts as running)."""
        return self._state in ("running", "paused")

    @property
    def paused(self) -> bool:
        """True while the run is paused."""
        return self._state == "paused"

    @property
    def image(self) -> np.ndarray | None:
        """The current image, uint8 RGB ``(H, W, 3)``; None before the first iteration and after Reset."""
        if self._transfer is None or not self.history:
            return None
        return self._transfer.image()

    def _engine_note(self) -> str:
        t = self._transfer
        if t is None:
            return ""
        mark = "" if t.weights.is_pretrained else " (NOT ImageNet: results will not look like art)"
        options = t.options
        return (
            f"α = {options['alpha']:g}, β = {options['beta']:g}, {options['optimizer']} · "
            f"weights: {t.weights.detail}{mark} · precision: {t.precision}"
        )

    # -- the run ---------------------------------------------------------------------------------

    def _prepare(self) -> tuple[Any, str]:
        """The StyleTransfer to run: the current one, or a new one if the settings changed."""
        from ..engine import StyleTransfer  # the engine loads TensorFlow: only once a run starts

        content = self.content_image()
        style = _value_of(self._style, "style")
        opts = self.options()
        if opts.get("train_step") is not None and not optimizer_entry(opts["optimizer"]).takes_train_step:
            opts["train_step"] = None  # the student's Adam step waits for optimizer=Adam, without a warning per Start
        key = {k: v for k, v in opts.items() if k != "iterations"}
        key["_images"] = (content, style)
        if self._transfer is not None and self._transfer_key is not None and _same(key, self._transfer_key):
            return self._transfer, ""
        note = ""
        if self._transfer is not None and self.history:
            # New settings, same picture: continue from the current image instead of starting over.
            opts["init"] = self._transfer.batch()
            transfer = StyleTransfer(content, style, **opts)
            self._offset = self.history[-1]["iteration"]
            self._elapsed_offset = self.history[-1]["elapsed"]
            self._continued = True
            note = " with the new settings, from the current image (Reset starts from the beginning)"
        else:
            transfer = StyleTransfer(content, style, **opts)
            self._continued = False
        self._transfer, self._transfer_key = transfer, key
        return transfer, note

    def start(self) -> asyncio.Task | None:
        """Starts a run of ``iterations`` iterations in the background; returns its asyncio task.

        Stops any other run first (this dashboard's or another's).  The first Start
        begins from the starting image; later ones continue from the current image.

        Returns:
            The task (``await dashboard.wait()`` waits for it), or None if the
            controls hold invalid values (the status line says which).

        Raises:
            NSTError: there is no running event loop (plain Python outside ``asyncio.run``).
        """
        loop = _running_loop()
        _stop_the_others(self)
        self._halt()
        self._set_status("Preparing: reading the images, building VGG-19, computing the targets …")
        try:
            transfer, note = self._prepare()
        except NSTError as exc:
            self._state = "stopped" if self.history else "idle"
            self._set_status(f"Cannot start: {exc}", "error")
            return None
        self._run_id += 1
        self._resume_event = asyncio.Event()
        self._resume_event.set()
        self._state = "running"
        self.pause_button.description, self.pause_button.icon = "Pause", "pause"
        _RUNNING.add(self)
        iterations = int(self.iterations.value)
        self._set_status(
            f"Running{note} ({'until converged, ' if transfer.options['tolerance'] > 0 else ''}at most {iterations} "
            f"iterations; the first one also traces the computation) · {transfer.recipe} · {self._engine_note()}"
        )
        self.task = loop.create_task(self._run(self._run_id, transfer, iterations))
        return self.task

    async def _run(self, run_id: int, transfer: Any, iterations: int) -> None:
        generator = transfer.steps(iterations)
        first = self._offset + transfer.iteration + 1
        self._clock = {
            "start": time.perf_counter(),
            "paused": 0.0,
            "first": float(first),
            "end": float(first + iterations - 1),
        }
        outcome, error = "finished", None
        try:
            while True:
                await asyncio.sleep(0)  # let the kernel handle clicks and slider moves
                if run_id != self._run_id:
                    return  # stopped, reset or restarted: whoever did it has tidied up
                if not self._resume_event.is_set():
                    since = time.perf_counter()
                    await self._resume_event.wait()
                    self._clock["paused"] += time.perf_counter() - since
                    continue
                try:
                    step = next(generator)
                except StopIteration:
                    break
                record = self._record(step)
                self.history.append(record)
                k = record["iteration"]
                # The ETA counts to where the run is expected to end: the convergence rule's forecast.
                self._clock["expected"] = float(self._offset + step.expected_end)
                if k == first or k % max(1, int(self.every.value)) == 0 or step.iteration == step.iterations:
                    self._show(transfer, step)
                elif time.perf_counter() - self._last_status > 0.5:
                    self._status_running(k)
        except asyncio.CancelledError:
            if run_id == self._run_id:
                self._end(transfer, "stopped")
            raise
        except KeyboardInterrupt:  # the kernel was interrupted during a step: a Stop that keeps everything
            outcome = "interrupted"
        except Exception as exc:  # noqa: BLE001 - shown in the status line, not lost in a task
            outcome, error = "error", exc
        finally:
            generator.close()
        if run_id == self._run_id:
            self._end(transfer, outcome, error)

    def _record(self, step: Any) -> dict[str, Any]:
        return {
            "iteration": self._offset + step.iteration,
            "total": step.total,
            "content": step.content,
            "style": step.style,
            "tv": step.tv,
            "style_by_layer": dict(step.style_by_layer),
            "elapsed": self._elapsed_offset + step.elapsed,
            "scale": step.scale,
        }

    def _status_running(self, k: int) -> None:
        c = self._clock
        spent = time.perf_counter() - c["start"] - c["paused"]
        done = k - c["first"] + 1
        rate = done / spent if spent > 0 else float("nan")
        expected = min(c.get("expected", c["end"]), c["end"])
        eta = (expected - k) / rate if rate > 0 else float("nan")
        self._last_status = time.perf_counter()
        until = "the limit" if expected >= c["end"] else "converged, forecast from the cost's trend"
        self._set_status(
            f"iteration {k} of ~{int(expected)} ({until}; at most {int(c['end'])}) · {rate:.2f} it/s · "
            f"ETA {_duration(eta)} · J = {self.history[-1]['total']:.4g} · {self._engine_note()}"
        )

    def _show(self, transfer: Any, step: Any = None) -> None:
        """Shows ``step`` (or the current image, at the end of a run) in every panel, then the status line."""
        moment = Moment(transfer, step, self.history)
        for panel in self.panels:
            self._show_panel(panel, moment)
        if self.history and self._state == "running":
            self._status_running(self.history[-1]["iteration"])

    def _show_panel(self, panel: Panel, moment: Moment) -> None:
        try:
            panel.show(moment)
        except NSTError as exc:
            self.panel_failed(panel, exc)

    def panel_failed(self, panel: Panel, error: BaseException) -> None:
        """A panel could not show a step: the status line says which and why; the run goes on."""
        kind = "" if isinstance(error, NSTError) else f"{type(error).__name__}: "
        self._set_status(f"Cannot show {panel.what}: {kind}{error}", "warn")

    def show_again(self, panel: Panel) -> None:
        """Shows ``panel`` at once, of the current image, if no run goes on (one of its own controls changed)."""
        if self._transfer is not None and self.history and self._state != "running":
            self._show_panel(panel, Moment(self._transfer, None, self.history))

    def open_layer(self, layer: str) -> None:
        """Shows ``layer`` in detail (a layer's button in the grid): the section under the live view opens."""
        self.detail.open_layer(layer)

    def content_image(self) -> Any:
        """The content image as chosen now (a picker is read now)."""
        return _value_of(self._content, "content")

    def style_image(self) -> np.ndarray:
        """The (first) style image as chosen now."""
        style = _value_of(self._style, "style")
        return style[0] if isinstance(style, list) else style

    def _end(self, transfer: Any, outcome: str, error: BaseException | None = None) -> None:
        """The run is over (finished, stopped or failed): keep and show the image, say why."""
        self._state = {"error": "error", "interrupted": "stopped"}.get(outcome, outcome)
        _RUNNING.discard(self)
        self.pause_button.description, self.pause_button.icon = "Pause", "pause"
        k = self.history[-1]["iteration"] if self.history else 0
        if self.history and transfer is not None:
            try:
                self._show(transfer)
            except Exception as exc:  # noqa: BLE001 - the run's own outcome matters more
                error = error or exc
        note = self._engine_note()
        if error is not None:
            kind = "" if isinstance(error, NSTError) else f"{type(error).__name__}: "
            self._state = "error"
            self._set_status(f"The run stopped at iteration {k}: {kind}{error} · {note}", "error")
        elif outcome in ("stopped", "interrupted"):
            how = "Stopped" if outcome == "stopped" else "Interrupted (the kernel was interrupted)"
            self._set_status(
                f"{how} at iteration {k}. The image is kept: Save it, Start to continue, Reset to start over. · {note}"
            )
        elif transfer is not None and transfer.stopped and transfer.message:
            self._set_status(f"Ended at iteration {k}: {transfer.message} · {note}", "warn")
        else:
            c = self._clock
            spent = time.perf_counter() - c["start"] - c["paused"] if c else 0.0
            why = transfer.message if transfer is not None and transfer.message else f"iteration {k}"
            self._set_status(
                f"Done: {why} (this run took {_duration(spent)}). Start continues from "
                f"this image; Reset starts over. · {note}",
                "ok",
            )

    def _halt(self) -> bool:
        """Ends the current run without drawing anything; returns whether one was running."""
        if not self.running:
            return False
        self._run_id += 1
        if self._resume_event is not None:
            self._resume_event.set()  # a paused task wakes up, sees it is stale, and leaves
        self._state = "stopped"
        _RUNNING.discard(self)
        return True

    def stop(self) -> None:
        """Stops the run; the image and the cost history are kept (Start continues from them)."""
        transfer = self._transfer
        if self._halt():
            self._end(transfer, "stopped")

    def pause(self) -> None:
        """Suspends the run (the same StyleTransfer continues at :meth:`resume`)."""
        if self._state != "running":
            return
        self._state = "paused"
        self._resume_event.clear()
        self.pause_button.description, self.pause_button.icon = "Resume", "play"
        if self.history:
            self.image_widget.value = _png(self._transfer.image())
        k = self.history[-1]["iteration"] if self.history else 0
        self._set_status(
            f"Paused at iteration {k}. Resume continues the same run; Stop ends it (the image is kept). "
            f"· {self._engine_note()}"
        )

    def resume(self) -> None:
        """Continues a paused run."""
        if self._state != "paused":
            return
        self._state = "running"
        self.pause_button.description, self.pause_button.icon = "Pause", "pause"
        self._resume_event.set()
        self._set_status(f"Resumed · {self._engine_note()}")

    def _toggle_pause(self) -> None:
        if self._state == "paused":
            self.resume()
        else:
            self.pause()

    def reset(self) -> None:
        """Stops any run and goes back to the start: no cost history, no image."""
        self._halt()
        if self._transfer is not None:
            if self._continued:
                self._transfer, self._transfer_key = None, None
            else:
                self._transfer.reset()
        self._continued = False
        self._offset, self._elapsed_offset = 0, 0.0
        self.history.clear()
        self._state = "idle"
        self._show_start()

    def _show_start(self) -> None:
        """The page before any iteration: the panels cleared (the picture is the content image at the working size)."""
        for panel in self.panels:
            panel.clear()
        try:
            weights = f"weights: {weights_status(self._passed['weights']).detail}"
        except NSTError as exc:
            weights = f"weights: {exc}"
        self._set_status(
            f"Ready: press Start (the first iteration also builds VGG-19 and traces the computation). · {weights}"
            f" · nst-teach {__version__}"
        )

    async def wait(self) -> None:
        """Waits until the current run ends (a paused run waits for Resume or Stop).

        Interrupting the cell that waits (the kernel's Interrupt) ends the run too, as
        Stop does: the image and the cost history are kept.

        >>> await dashboard.wait()  # doctest: +SKIP
        """
        task = self.task
        if task is not None and not task.done():
            try:
                await asyncio.shield(task)
            except asyncio.CancelledError:
                if not task.cancelled():  # the waiting cell was interrupted, not the run
                    transfer = self._transfer
                    if task is self.task and self._halt():
                        self._end(transfer, "interrupted")
                    raise

    def save(self, path: str | os.PathLike[str] | None = None) -> Path:
        """Saves the current image; returns the path written.

        Args:
            path: ``.jpg`` or ``.png``; default the Save box, or ``nst-teach-<date>-<time>.jpg``.

        Raises:
            NSTError: there is no image yet (press Start first).
            OptionError: ``path`` is one of the input images (it would be overwritten).
        """
        image = self.image
        if image is None:
            raise NSTError("There is no image to save yet: press Start, and Save once an iteration has run.")
        if self.room is not None:  # the classroom: into the output folder only, under a name the server makes
            written, where = self.room.save(image, self.save_path.value if path is None else path)
            self._set_status(f"Saved iteration {self.history[-1]['iteration']} {where}", "ok")
            return written
        if path is None:
            path = self.save_path.value.strip() or f"nst-teach-{datetime.datetime.now():%Y%m%d-%H%M%S}.jpg"
        _refuse_overwriting_an_input(Path(path).expanduser(), self._inputs)
        written = images.save_image(image, path).resolve()
        self._set_status(f"Saved iteration {self.history[-1]['iteration']} to {written}", "ok")
        return written

    def _page_closed(self) -> None:
        """The page let go of the dashboard (its tab or notebook closed): the run ends, its memory is returned.

        The task sees that its run is over at its next step and ends; VGG-19, the images and the
        figures are let go, and the dashboard's widgets are closed (nothing keeps them alive).
        """
        self._halt()
        self.close()
        self._transfer = self._transfer_key = None
        boxes: list[Any] = [self.root]
        while boxes:
            box = boxes.pop()
            boxes.extend(getattr(box, "children", ()))
            box.close()

    def close(self) -> None:
        """Stops the run and releases the panels' figures and workers."""
        self.stop()
        for panel in self.panels:
            panel.close()

"""Quick, small style transfers side by side: the preview grid, to choose a setting before a long run."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Mapping
from typing import Any

import ipywidgets as widgets
import numpy as np

from ..errors import NSTError, OptionError
from ..options import resolve_options
from ..validate import check_size
from ._base import _Picture, _placeholder, _png, _safe, _status_html, _StatusLine
from ._runs import _RUNNING, _running_loop, _stop_the_others
from .picker import _take_images, _value_of

__all__ = ["PreviewGrid"]

#: The size of a :class:`PreviewGrid` thumbnail, as (width, height).
PREVIEW_SIZE: tuple[int, int] = (96, 72)


def _label(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return f"{value:g}"
    if isinstance(value, tuple) and len(value) == 2 and all(isinstance(v, int) for v in value):
        return f"{value[0]}×{value[1]}"
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "…"


def _settings(vary: Any) -> list[tuple[str, dict[str, Any]]]:
    """``[(label, {option: value})]``: every combination of the values in ``vary``, each checked by the table.

    Raises:
        OptionError: ``vary`` is not a dict of lists, names an unknown option (with "did you mean"),
            or holds a value the option's row refuses (:func:`nst_teach.options.resolve_options`).
    """
    example = "{'beta': [10, 100, 1000]}"
    if not isinstance(vary, Mapping) or not vary:
        raise OptionError(f"vary must be a non-empty dict {{option: [values]}} such as {example}, got {vary!r}.")
    axes = []
    for key, values in vary.items():
        if isinstance(values, Mapping):  # named settings: {"shallow": {...}, "deep": {...}}
            pairs = [(f"{key}={name}", {key: value}) for name, value in values.items()]
        elif isinstance(values, (list, tuple)):
            pairs = [(f"{key}={_label(value)}", {key: value}) for value in values]
        else:
            raise OptionError(
                f"vary[{key!r}] must be a list of values (or a dict of named values), got {values!r}; e.g. {example}."
            )
        if not pairs:
            raise OptionError(f"vary[{key!r}] is empty; give at least one value.")
        try:
            for _, option in pairs:
                resolve_options(option, partial=True, caller="PreviewGrid()")
        except OptionError as exc:
            raise OptionError(f"vary: {exc}") from None
        axes.append(pairs)
    settings = []
    for combination in itertools.product(*axes):
        label = " · ".join(lbl for lbl, _ in combination)
        overrides: dict[str, Any] = {}
        for _, option in combination:
            overrides.update(option)
        settings.append((label, overrides))
    return settings


class PreviewGrid(_StatusLine):
    """Quick, small style transfers across a range of settings, so a student can choose before a long run.

    Each setting gets a thumbnail (a placeholder until its run finishes) and a
    caption; the runs go one after another in the background (an asyncio task),
    at low resolution and for few iterations.

    Args:
        content: the content image (path, URL, array, batch, or an :class:`ImagePicker`).
        style: the style image (same forms).
        vary: what to vary: ``{"beta": [1e1, 1e2, 1e3]}``, ``{"pooling": ["avg", "max"]}``,
            ``{"style_scale": [0.5, 1, 2]}``, or named values
            ``{"style_layers": {"shallow": {...}, "deep": {...}}}``.  Several keys: every
            combination.
        size: (width, height) of the thumbnails.
        iterations: iterations of each run.
        columns: thumbnails per row.
        **options: other :class:`nst_teach.engine.StyleTransfer` options, the same for every run.

    Attributes:
        settings: ``[(label, {option: value})]`` in display order.
        results: ``{label: uint8 RGB image}`` of the finished runs.
        errors: ``{label: message}`` of settings that could not run.
        cells: ``[(Image, HTML caption)]`` in display order.
        task: the asyncio task of the current (or last) run.

    Introduced in ``notebooks/06_experiments.ipynb``.

    >>> grid = PreviewGrid("content.jpg", "style.jpg", vary={"beta": [10, 100, 1000]})  # doctest: +SKIP
    >>> task = grid.start(); grid                                                        # doctest: +SKIP
    """

    def __init__(
        self,
        content: Any,
        style: Any,
        vary: Mapping[str, Any],
        *,
        size: tuple[int, int] = PREVIEW_SIZE,
        iterations: int = 30,
        columns: int = 4,
        **options: Any,
    ) -> None:
        self.settings = _settings(vary)
        # The options (and iterations) checked by the table, then passed to every run as they were given.
        checked = resolve_options({**options, "iterations": iterations}, partial=True, caller="PreviewGrid()")
        self.size = check_size(size)
        self.iterations = checked["iterations"]
        self._options = {"size": self.size, "iterations": self.iterations, **options}
        self._content, self._style = _take_images(content, style)
        self.results: dict[str, np.ndarray] = {}
        self.errors: dict[str, str] = {}
        self.task: asyncio.Task | None = None
        self._state = "idle"
        self._run_id = 0

        blank = _placeholder(self.size)
        self.cells: list[tuple[widgets.Image, widgets.HTML]] = []
        boxes = []
        for label, _ in self.settings:
            width = f"{max(self.size[0], 96) + 24}px"
            tip = f"The picture painted with {label}."  # the caption under it says how far the run is
            image = _Picture(value=blank, format="png", layout=widgets.Layout(width=width), tooltip=tip)
            caption = widgets.HTML(_status_html(f"{label}\n(not run yet)"))
            self.cells.append((image, caption))
            boxes.append(widgets.VBox([image, caption], layout=widgets.Layout(margin="4px")))
        self.start_button = widgets.Button(description="Start", button_style="success", icon="play")
        self.stop_button = widgets.Button(description="Stop", button_style="danger", icon="stop")
        self.start_button.on_click(_safe(self, self.start))
        self.stop_button.on_click(_safe(self, self.stop))
        self._make_status_line()
        columns = max(1, int(columns))
        self.root = widgets.VBox(
            [
                widgets.HBox([self.start_button, self.stop_button]),
                self.status_widget,
                widgets.GridBox(boxes, layout=widgets.Layout(grid_template_columns=f"repeat({columns}, max-content)")),
            ]
        )
        self._set_status(
            f"{len(self.settings)} settings at {self.size[0]}×{self.size[1]}, {iterations} iterations "
            "each: press Start."
        )

    @property
    def running(self) -> bool:
        """True while the runs are going on."""
        return self._state == "running"

    def start(self) -> asyncio.Task:
        """Runs every setting in the background (stopping any other run first); returns the task.

        Raises:
            NSTError: there is no running event loop (plain Python outside ``asyncio.run``).
        """
        loop = _running_loop()
        _stop_the_others(self)
        self.stop()
        self.results.clear()
        self.errors.clear()
        blank = _placeholder(self.size)
        for (label, _), (image, caption) in zip(self.settings, self.cells):
            image.value = blank
            caption.value = _status_html(f"{label}\n(waiting)")
        self._run_id += 1
        self._state = "running"
        _RUNNING.add(self)
        self._set_status(f"Running {len(self.settings)} settings …")
        self.task = loop.create_task(self._run(self._run_id))
        return self.task

    async def _run(self, run_id: int) -> None:
        try:
            await self._run_settings(run_id)
        except asyncio.CancelledError:
            self._finish(run_id, f"Cancelled: {len(self.results)} of {len(self.settings)} settings done.", "warn")
            raise

    async def _run_settings(self, run_id: int) -> None:
        from ..engine import StyleTransfer  # the loop loads TensorFlow: when the first run starts

        try:
            content = _value_of(self._content, "content")
            style = _value_of(self._style, "style")
        except NSTError as exc:
            self._finish(run_id, str(exc), "error")
            return
        for i, ((label, overrides), (image, caption)) in enumerate(zip(self.settings, self.cells)):
            await asyncio.sleep(0)
            if run_id != self._run_id:
                return
            caption.value = _status_html(f"{label}\n(running …)")
            self._set_status(f"Setting {i + 1}/{len(self.settings)}: {label}")
            last = None
            try:
                transfer = StyleTransfer(content, style, **{**self._options, **overrides})
                self._set_status(f"Setting {i + 1}/{len(self.settings)}: {label} · this run is {transfer.recipe}")
                generator = transfer.steps()
                try:
                    for step in generator:
                        last = step
                        await asyncio.sleep(0)  # let the kernel handle clicks between iterations
                        if run_id != self._run_id:
                            return
                finally:
                    generator.close()
                rgb = transfer.image()
            except NSTError as exc:
                self.errors[label] = str(exc)
                caption.value = _status_html(f"{label}\n{exc}", "error")
                continue
            self.results[label] = rgb
            image.value = _png(rgb)
            cost = "no iteration" if last is None else f"J = {last.total:.3g} ({last.iteration} it., {transfer.ended})"
            caption.value = _status_html(f"{label}\n{cost}", "ok" if last is not None else "warn")
        failed = f"; {len(self.errors)} could not run (see their captions)" if self.errors else ""
        self._finish(
            run_id,
            f"Done: {len(self.results)} of {len(self.settings)} settings{failed}.",
            "warn" if self.errors else "ok",
        )

    def _finish(self, run_id: int, text: str, level: str) -> None:
        if run_id != self._run_id:
            return
        self._state = "finished"
        _RUNNING.discard(self)
        self._set_status(text, level)

    def stop(self) -> None:
        """Stops the runs; finished thumbnails stay."""
        if self._state != "running":
            return
        self._run_id += 1
        self._state = "stopped"
        _RUNNING.discard(self)
        for label, (_, caption) in zip([lbl for lbl, _ in self.settings], self.cells):
            if label not in self.results and label not in self.errors:
                caption.value = _status_html(f"{label}\n(stopped)", "warn")
        self._set_status(f"Stopped: {len(self.results)} of {len(self.settings)} settings done.")

    async def wait(self) -> None:
        """Waits until every setting has run (or :meth:`stop`)."""
        task = self.task
        if task is not None and not task.done():
            try:
                await asyncio.shield(task)
            except asyncio.CancelledError:
                if not task.cancelled():
                    raise

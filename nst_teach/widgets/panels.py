"""The dashboard's panels: the sections of its live view, each showing one thing while a run goes on.

A panel is a class with one small interface, and the dashboard calls nothing else of it:

* ``root``: its widget, what the page shows, placed by ``place`` (under the generated image, beside
  it, or below the live view);
* ``show(moment)``: what it shows for a step (:class:`Moment`: the run, the step just taken, the costs
  so far);
* ``clear()``: no pictures (before the first run, and Reset);
* ``close()``: lets go of its figures and workers (the dashboard is closed).

:attr:`StyleTransferDashboard.PANELS <nst_teach.widgets.StyleTransferDashboard.PANELS>` lists them
in the page's order.  A new panel is one class (a subclass of :class:`Panel`, here or in a module of
its own) plus one line in that list; the loop does not change, a panel observes the steps the
dashboard pulls from :meth:`StyleTransfer.steps`.

The panels: :class:`GeneratedImage` and :class:`CostCurves` here, the layer grid and one layer in
detail in :mod:`.layer_grid`.

>>> class Iteration(Panel):  # a toy panel: the iteration, as text
...     def __init__(self, dashboard):
...         self.root = widgets.HTML()
...
...     def show(self, moment):
...         self.root.value = f"iteration {moment.history[-1]['iteration']}"

and ``PANELS = (*StyleTransferDashboard.PANELS, Iteration)`` (in the dashboard, or a subclass of it)
shows it below the live view.

Introduced in ``notebooks/05_style_transfer_live.ipynb``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import ipywidgets as widgets
import numpy as np

from .. import images
from ..errors import NSTError
from ..viz import LiveCosts
from ..viz.pieces import new_figure
from ._base import _batch_at, _hide_when_empty, _Picture, _placeholder, _png

__all__ = ["Moment", "Panel", "PLACES", "GeneratedImage", "CostCurves"]

#: Where a panel can be on the page: under the generated image, beside it (right), below the live view.
PLACES = ("picture", "beside", "below")

_IMAGE_TIP = "The generated image: it starts as the photo, and takes on the painting's style as the run goes on."
_COSTS_TIP = "Cost curves over the iterations: the total cost J, the content cost and the style cost, log scale."


@dataclass(frozen=True)
class Moment:
    """What the panels are shown: the run, the step just taken, the costs so far.

    Attributes:
        transfer: the :class:`~nst_teach.engine.StyleTransfer` running.
        step: the :class:`~nst_teach.history.Step` just taken; None at the end of a run (finished,
            stopped, or a setting of a stopped dashboard changed): the run's image now, to show at once.
        history: one dict of costs per iteration since the last Reset (``iteration``, ``total``,
            ``content``, ``style``, ``tv``, ``style_by_layer``, ``elapsed``).
    """

    transfer: Any
    step: Any
    history: list[dict[str, Any]]

    def image(self) -> np.ndarray:
        """The generated image, uint8 RGB ``(H, W, 3)``."""
        return (self.transfer if self.step is None else self.step).image()

    def activations(self, layers: Any) -> dict[str, np.ndarray]:
        """The generated image's activations at ``layers`` (one pass through VGG-19, without the gradient)."""
        return (self.transfer if self.step is None else self.step).activations(layers)


class Panel:
    """One section of the dashboard's live view; subclass it and list the class in the dashboard's ``PANELS``.

    Args:
        dashboard: the :class:`~nst_teach.widgets.StyleTransferDashboard` it belongs to, for what the
            panel needs of it (its images, a control, :meth:`~StyleTransferDashboard.panel_failed`).

    Attributes:
        root: the widget the page shows.
    """

    #: Where the page puts it, one of :data:`PLACES`.
    place: ClassVar[str] = "below"
    #: What it shows, in the status line's words: "Cannot show <what>: ...".
    what: ClassVar[str] = "a panel"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.place not in PLACES:
            raise NSTError(f"{cls.__name__}.place is {cls.place!r}; choose one of {PLACES}.")

    def __init__(self, dashboard: Any) -> None:
        self.root: widgets.Widget = widgets.VBox()

    def show(self, moment: Moment) -> None:
        """Shows ``moment``.  During a run a panel may skip a step (drawing takes time), never the end (step None)."""

    def clear(self) -> None:
        """No pictures: before the first run, and after Reset."""

    def close(self) -> None:
        """Lets go of its figures and workers (the dashboard is closed); a later :meth:`show` draws anew."""


class GeneratedImage(Panel):
    """The generated image, at every step shown; before the first run, the content image at the working size."""

    place = "picture"
    what = "the generated image"

    def __init__(self, dashboard: Any) -> None:
        self._dashboard = dashboard
        self.root = _Picture(format="png", layout=widgets.Layout(max_width="420px"), tooltip=_IMAGE_TIP)
        self.root.add_class("nst-image")  # a stable name for the page's CSS and the browser tests

    def show(self, moment: Moment) -> None:
        self.root.value = _png(moment.image())

    def clear(self) -> None:
        size = tuple(self._dashboard.size.value)
        try:
            content = self._dashboard.content_image()
            self.root.value = _png(images.to_rgb(_batch_at(content, size)))
        except NSTError:
            self.root.value = _placeholder(size)


class CostCurves(Panel):
    """The total, content and style costs over the iterations (each layer's own cost is in the layer grid)."""

    place = "picture"
    what = "the cost curves"

    def __init__(self, dashboard: Any) -> None:
        self.root = _Picture(format="png", layout=widgets.Layout(max_width="420px"), tooltip=_COSTS_TIP)
        _hide_when_empty(self.root)  # an empty Image widget draws as a broken-picture icon
        self.root.add_class("nst-costs")
        self._figure: LiveCosts | None = None

    def show(self, moment: Moment) -> None:
        if self._figure is None or self._figure.closed:
            self._figure = LiveCosts(per_layer=False, fig=new_figure(None, (5.25, 2.1), dpi=80))
        self._figure.update(moment.history)
        self.root.value = self._figure.to_png()

    def clear(self) -> None:
        self.root.value = b""

    def close(self) -> None:
        if self._figure is not None:
            self._figure.close()

"""Interactive ipywidgets for the notebooks: pick images, look inside VGG-19, run style transfer live.

The widgets, each with the notebook that introduces it (and :class:`SampleView`, notebook 00's
captioned picture of a bundled sample):

* :class:`ImagePicker` (``notebooks/01_images.ipynb``) — a bundled sample, an
  uploaded file or a web address, and what :func:`nst_teach.images.preprocess`
  does to it.
* :class:`LayerExplorer` (``notebooks/02_vgg19.ipynb``) — the VGG-19 layer table,
  one layer's feature maps and their statistics.
* :class:`LayerRebuilder` (``notebooks/03_content_cost.ipynb``) — a button that
  rebuilds the photo from one layer alone, with a function the notebook wrote.
* :class:`GramExplorer` (``notebooks/04_gram_and_style_cost.ipynb``) — Gram
  matrices and the parts of one layer's style cost.
* :class:`StyleTransferDashboard` (``notebooks/05_style_transfer_live.ipynb``) —
  every option of :class:`nst_teach.engine.StyleTransfer` as a control, Start /
  Pause / Stop / Reset / Save, and live pictures: the image, the costs, and every
  style layer's Gram matrices converging (:mod:`nst_teach.viz.live_grid`).
* :class:`PreviewGrid` (``notebooks/06_experiments.ipynb``) — small, quick runs
  across a range of one setting, side by side.

How the live widgets stay responsive
------------------------------------
The optimization runs as an :mod:`asyncio` task on the event loop that is
already running: the Jupyter kernel's (Colab's too).  The task pulls one
iteration at a time from :meth:`StyleTransfer.steps` and then ``await``-s, so
the kernel handles button clicks and slider moves between iterations; the cell
that started the run returns at once.  The optimization loop itself displays
nothing: the widget observes it.  In a plain Python script there is no running
loop; call :meth:`StyleTransferDashboard.start` from inside a coroutine run by
``asyncio.run(...)`` (the tests do this), or use :meth:`StyleTransfer.run`.

At most one dashboard or preview grid runs at a time: starting one stops the
others, and creating a new dashboard (re-running its cell) stops the old one.
:func:`running` lists what is running and :func:`stop_all` stops it.

Every widget works from Python alone (``button.click()``, ``slider.value = ...``),
so the tests drive them without a browser.  Each one displays itself when it
ends a cell (its ``root`` box is what is shown).

Where each part lives
---------------------
========================  ==========================================================
``widgets.picker``        :class:`ImagePicker`, :class:`SampleView`, and image arguments that may be pickers
``widgets.explorers``     :class:`LayerExplorer`, :class:`GramExplorer`, :class:`LayerRebuilder`
``widgets.controls``      the dashboard's option controls (what Start runs)
``widgets.dashboard``     :class:`StyleTransferDashboard`: the run, and its live view as a list of panels
``widgets.panels``        a panel's interface; the generated image and the cost curves
``widgets.layer_grid``    the panels inside the network: every layer at a glance, one in detail
``widgets.preview``       :class:`PreviewGrid`
``widgets._runs``         one run at a time: :func:`running`, :func:`stop_all`
``widgets._base``         PNG bytes, the status line, the widget bases, safe clicks
========================  ==========================================================

On Colab, ipywidgets 8 needs ``from google.colab import output;
output.enable_custom_widget_manager()`` once per session.
"""

from __future__ import annotations

from ._runs import running, stop_all
from .controls import SIZES
from .dashboard import StyleTransferDashboard
from .explorers import GramExplorer, LayerExplorer, LayerRebuilder
from .picker import ImagePicker, SampleView
from .preview import PREVIEW_SIZE, PreviewGrid

__all__ = [
    "ImagePicker",
    "SampleView",
    "LayerExplorer",
    "GramExplorer",
    "LayerRebuilder",
    "StyleTransferDashboard",
    "PreviewGrid",
    "running",
    "stop_all",
    "SIZES",
    "PREVIEW_SIZE",
]

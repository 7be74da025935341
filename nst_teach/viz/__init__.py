"""The course's figures: what a notebook draws once, and what the dashboard redraws while a run goes on.

Students call the one-shot figures through this package: ``nst.viz.show_images(...)``,
``nst.viz.feature_maps(...)``, ``nst.viz.gram_heatmaps(...)``, ``nst.viz.cost_curves(...)``; each
returns a new :class:`matplotlib.figure.Figure`.  The live figures (``nst.viz.LiveCosts``...) are
created once and updated in place.

Where each part lives
---------------------
=====================  ===========================================================================
``viz.arrays``         what a student passes (tensors, dicts of activations, histories), as NumPy arrays;
                       Gram matrices by :func:`nst_teach.costs.gram_matrix`
``viz.pieces``         the drawing pieces every figure is made of: images side by side, a grid of
                       feature maps, Gram heatmaps, cost curves; the colours and line styles
``viz.one_shot``       :func:`show_images`, :func:`feature_maps`, :func:`gram_heatmaps`, :func:`cost_curves`,
                       :func:`receptive_field_bars`, :func:`cost_shares`
``viz.live``           :class:`LiveFigure` and its kinds, updated in place, rendered to PNG
``viz.live_grid``      :class:`LiveLayerGrid`: every style layer's Gram matrices and the content layer's
                       feature maps, one column each (the dashboard's layer grid)
``viz.race``           :func:`cost_against_seconds`: runs of the same cost side by side, against the seconds
``viz.diagrams``       :func:`pipeline_diagram` (the whole method) and :func:`gram_diagram` (a layer unrolled
                       into its Gram matrix), drawn from VGG-19's real shapes, each with its alt text
=====================  ===========================================================================

Introduced in ``notebooks/00_welcome.ipynb`` (:func:`pipeline_diagram`), ``notebooks/01_images.ipynb``
(:func:`show_images`), and used in every notebook after them.
"""

from __future__ import annotations

from .diagrams import Diagram, gram_diagram, pipeline_diagram
from .live import LiveCosts, LiveFeatureMaps, LiveFigure, LiveGram, LiveImages, close_all, live_figures
from .live_grid import LiveLayerGrid
from .one_shot import cost_curves, cost_shares, feature_maps, gram_heatmaps, receptive_field_bars, show_images
from .pieces import COLORMAPS, COST_LABELS, LINE_CYCLE, line_style
from .race import cost_against_seconds

__all__ = [
    "show_images",
    "feature_maps",
    "gram_heatmaps",
    "cost_curves",
    "receptive_field_bars",
    "cost_shares",
    "cost_against_seconds",
    "pipeline_diagram",
    "gram_diagram",
    "Diagram",
    "COST_LABELS",
    "COLORMAPS",
    "LINE_CYCLE",
    "line_style",
    "LiveFigure",
    "LiveImages",
    "LiveCosts",
    "LiveFeatureMaps",
    "LiveGram",
    "LiveLayerGrid",
    "live_figures",
    "close_all",
]

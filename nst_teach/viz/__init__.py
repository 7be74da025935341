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
``viz.one_shot``       :func:`show_images`, :func:`feature_maps`, :func:`gram_heatmaps`, :func:`cost_curves`
``viz.live``           :class:`LiveFigure` and its kinds, updated in place, rendered to PNG
``viz.live_grid``      :class:`LiveLayerGrid`: every style layer's Gram matrices and the content layer's
                       feature maps, one column each (the dashboard's layer grid)
``viz.race``           :func:`cost_against_seconds`: runs of the same cost side by side, against the seconds
=====================  ===========================================================================

Introduced in ``notebooks/01_images.ipynb`` (:func:`show_images`) and used in every notebook after it.
"""

from __future__ import annotations

from .live import LiveCosts, LiveFeatureMaps, LiveFigure, LiveGram, LiveImages, close_all, live_figures
from .live_grid import LiveLayerGrid
from .one_shot import cost_curves, feature_maps, gram_heatmaps, show_images
from .pieces import COLORMAPS, COST_LABELS, LINE_CYCLE, line_style
from .race import cost_against_seconds

__all__ = [
    "show_images",
    "feature_maps",
    "gram_heatmaps",
    "cost_curves",
    "cost_against_seconds",
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

"""Two (or more) runs of the same cost side by side: the cost against the seconds, and each run's picture.

Notebook 05's lesson in one figure, *the same cost, a better optimizer*: nst-teach's defaults and the
reference recipe minimise the same :math:`J(G)`; plotted against the seconds on the same machine, the
curves show which reaches a lower cost sooner, and the pictures beside them what each cost looks like.

>>> import numpy as np
>>> runs = {"A": {"elapsed": [1.0, 2.0], "total": [9.0, 3.0], "image": np.zeros((30, 40, 3), np.uint8)}}
>>> fig = cost_against_seconds(runs)
>>> fig.axes[0].lines[0].get_xdata().tolist()
[1.0, 2.0]

Introduced in ``notebooks/05_style_transfer_live.ipynb``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from ..errors import OptionError
from .arrays import rgb
from .pieces import line_style, new_figure

__all__ = ["cost_against_seconds"]


def _series(run: Any, label: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(seconds, total costs, picture) of a run: a Result (its history and image) or a dict of them."""
    if isinstance(run, Mapping):
        seconds, totals, image = run.get("elapsed"), run.get("total"), run.get("image")
    else:
        history = getattr(run, "history", None)
        seconds = None if history is None else history.elapsed
        totals = None if history is None else history.total
        image = getattr(run, "image", None)
    if seconds is None or totals is None or image is None:
        raise OptionError(f"run {label!r}: give a Result (run() returns one), or a dict of elapsed, total and image.")
    seconds, totals = np.asarray(seconds, float), np.asarray(totals, float)
    if seconds.shape != totals.shape or seconds.size == 0:
        raise OptionError(f"run {label!r}: elapsed and total must be lists of the same, non-zero length.")
    return seconds, totals, rgb(image, label)


def cost_against_seconds(runs: Mapping[str, Any], *, log: bool = True, fig: Figure | None = None) -> Figure:
    """Draws each run's total cost against the seconds it had run, and each run's picture beside the plot.

    Args:
        runs: ``{label: run}``, each a :class:`~nst_teach.history.Result` (what ``run()`` returns) or a dict
            with ``elapsed`` and ``total`` (lists, one per iteration) and ``image`` (the picture).  The label
            says what ran (``"nst-teach's defaults: L-BFGS, from the photo"``).
        log: a logarithmic cost axis (the costs fall by orders of magnitude).
        fig: a figure to draw into (it is cleared first); a new one if None.

    Returns:
        The figure: ``fig.axes[0]`` the curves, one line per run labelled with its label; then one axes
        per run with its picture, titled with its label and its last cost.

    Introduced in ``notebooks/05_style_transfer_live.ipynb``.
    """
    if not runs:
        raise OptionError("give at least one run to draw")
    series = {label: _series(run, label) for label, run in runs.items()}
    fig = new_figure(fig, (5.0 + 4.2 * len(series), 3.9))
    grid = fig.add_gridspec(1, 1 + len(series), width_ratios=[1.3] + [1.0] * len(series))
    ax = fig.add_subplot(grid[0, 0])
    for i, (label, (seconds, totals, _)) in enumerate(series.items()):
        ax.plot(seconds, totals, label=label, **line_style(i))
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("seconds (this machine)")
    ax.set_ylabel("total cost J")
    ax.set_title("the same cost J, two optimisers")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small")
    for i, (label, (seconds, totals, image)) in enumerate(series.items()):
        pic = fig.add_subplot(grid[0, 1 + i])
        pic.imshow(image)
        pic.set_axis_off()
        pic.set_title(f"{label}\nJ = {totals[-1]:.4g} after {seconds[-1]:.0f} s", fontsize="small")
    return fig

"""What the optimization loop reports: one :class:`Step` per iteration, the :class:`History` of them,
and the :class:`Result` of a run.

These are plain records: the loop (:class:`nst_teach.engine.StyleTransfer`) makes them, and a
plain cell, the live dashboard, the command line and the tests read them.

Introduced in ``notebooks/05_style_transfer_live.ipynb``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .layers import LayerRef

if TYPE_CHECKING:
    from .model import WeightsStatus

__all__ = ["Step", "History", "Result", "Layers", "ENDINGS", "RUN_LOG_ENV", "log_run"]

#: Set to a file, every run (each ``steps``/``run`` call) appends one line of JSON to it: its size, iterations,
#: seconds, why it ended, optimizer and precision.  How ``benchmarks/bench_course.py`` sees the size of every
#: painting a notebook makes; an instructor can use it to see what a lesson ran.
RUN_LOG_ENV = "NST_TEACH_RUN_LOG"

#: Why a run ended, the values of :attr:`Result.ended` (and of :attr:`Step.ended` for the first two).
ENDINGS: tuple[str, ...] = ("converged", "limit", "stopped", "interrupted", "failed")

#: One VGG-19 layer (name or index) or a list of them.
Layers = LayerRef | Sequence[LayerRef]


@dataclass(frozen=True)
class Step:
    """What one iteration of :meth:`StyleTransfer.steps` reports.

    The costs are those of the image the iteration *started from* (the one whose
    gradient it followed), so the first step reports the costs of the initial image;
    :meth:`image` is the image *after* the iteration.

    Attributes:
        iteration: 1-based number of the iteration, counted over the whole life of
            the :class:`StyleTransfer` (a second ``run`` continues the count).
        iterations: the iteration the current ``steps``/``run`` call ends at.
        total: the total cost J (a Python float).
        content: the content cost J_content.
        style: the style cost J_style (the λ-weighted sum of ``style_by_layer``).
        style_by_layer: ``{layer name: J_style of that layer}`` (before λ).
        tv: the total-variation cost of the image (reported even when ``tv_weight`` is 0).
        elapsed: seconds of optimization so far (wall time, over all runs of this object).
        scale: the scale of the image (1.0 unless ``scales`` was given).
        size: the image's (width, height) at this scale.
        expected_end: the iteration the run is expected to end at: where the convergence rule is forecast
            to stop it (:func:`nst_teach.convergence.expected_end`), or :attr:`iterations` when the rule is
            off or cannot tell yet.  A progress bar or an ETA counts to it.
        ended: on the run's last step, why it ends there: ``"converged"`` (the convergence rule) or
            ``"limit"`` (its last planned iteration); ``None`` on every other step.

    Introduced in ``notebooks/05_style_transfer_live.ipynb``.
    """

    iteration: int
    iterations: int
    total: float
    content: float
    style: float
    style_by_layer: dict[str, float]
    tv: float
    elapsed: float
    scale: float
    size: tuple[int, int]
    expected_end: int
    ended: str | None
    _image: Callable[[], np.ndarray] = field(repr=False, compare=False)
    _activations: Callable[[Layers], dict[str, np.ndarray]] = field(repr=False, compare=False)
    _saved_total: Callable[[], float] = field(repr=False, compare=False, default=lambda: float("nan"))

    def saved_total(self) -> float:
        """The total cost of the picture :attr:`total` scored, as it would be saved (computed when asked).

        The optimizer works on float pixels; a saved picture is whole numbers 0…255 (means added,
        rounded, clipped: :func:`nst_teach.images.as_saved`).  Inside the pixel box (``bounded=True``,
        the default) the two costs agree up to the rounding; the reference recipe's unbounded image leaves the box,
        and the picture it saves can cost far more than :attr:`total` says.  One forward pass of VGG-19.
        """
        return self._saved_total()

    def image(self) -> np.ndarray:
        """The image after this iteration, RGB uint8 ``(H, W, 3)`` (computed when asked).

        With ``preserve_colors=True`` it has the content image's colors.
        The Step keeps a reference to the image (~1.4 MB at 400×300): keep the
        Steps you need, not all of them.
        """
        return self._image()

    def activations(self, layers: Layers) -> dict[str, np.ndarray]:
        """The generated image's activations after this iteration (computed when asked).

        Args:
            layers: one layer or a list of layers (names or indices), any of VGG-19's.

        Returns:
            ``{layer name: float32 array (1, n_H, n_W, n_C)}``.
        """
        return self._activations(layers)


class History:
    """Per-iteration costs of a :class:`StyleTransfer`, as columns.

    Each attribute is a NumPy array with one entry per iteration: ``iteration``,
    ``total``, ``content``, ``style``, ``tv``, ``elapsed``, ``scale``;
    ``style_by_layer`` is ``{layer name: array}``.  ``len(history)`` is the number
    of iterations, ``history[i]`` the i-th row as a dict, ``history.rows()`` all
    rows.

    Introduced in ``notebooks/05_style_transfer_live.ipynb``.
    """

    _COLUMNS = ("iteration", "total", "content", "style", "tv", "elapsed", "scale")

    def __init__(self, style_layers: Sequence[str] = ()) -> None:
        self._columns: dict[str, list[float]] = {name: [] for name in self._COLUMNS}
        self._by_layer: dict[str, list[float]] = {name: [] for name in style_layers}

    def append(self, step: Step) -> None:
        """Adds one step's costs."""
        for name in self._COLUMNS:
            self._columns[name].append(getattr(step, name))
        for name, value in step.style_by_layer.items():
            self._by_layer.setdefault(name, []).append(value)

    def copy(self) -> History:
        """An independent copy (what :class:`Result` holds)."""
        new = History()
        new._columns = {k: list(v) for k, v in self._columns.items()}
        new._by_layer = {k: list(v) for k, v in self._by_layer.items()}
        return new

    def __len__(self) -> int:
        return len(self._columns["iteration"])

    def __getitem__(self, i: int) -> dict[str, Any]:
        row: dict[str, Any] = {name: values[i] for name, values in self._columns.items()}
        row["style_by_layer"] = {name: values[i] for name, values in self._by_layer.items()}
        return row

    def rows(self) -> list[dict[str, Any]]:
        """Every iteration as a dict (``iteration``, ``total``, ..., ``style_by_layer``)."""
        return [self[i] for i in range(len(self))]

    def _column(self, name: str) -> np.ndarray:
        dtype = np.int64 if name == "iteration" else np.float64
        return np.asarray(self._columns[name], dtype=dtype)

    iteration = property(lambda self: self._column("iteration"), doc="Iteration numbers (1-based).")
    total = property(lambda self: self._column("total"), doc="Total cost J per iteration.")
    content = property(lambda self: self._column("content"), doc="Content cost per iteration.")
    style = property(lambda self: self._column("style"), doc="Style cost per iteration.")
    tv = property(lambda self: self._column("tv"), doc="Total-variation cost per iteration.")
    elapsed = property(lambda self: self._column("elapsed"), doc="Seconds of optimization at each iteration.")
    scale = property(lambda self: self._column("scale"), doc="Scale of the image at each iteration.")

    @property
    def style_by_layer(self) -> dict[str, np.ndarray]:
        """``{layer name: style cost of that layer per iteration}``."""
        return {name: np.asarray(values, dtype=np.float64) for name, values in self._by_layer.items()}

    def __repr__(self) -> str:
        if not len(self):
            return "History(0 iterations)"
        totals = self._columns["total"]
        return f"History({len(self)} iterations, total {totals[0]:.4g} -> {totals[-1]:.4g})"


@dataclass(frozen=True)
class Result:
    """What :meth:`StyleTransfer.run` returns.

    Attributes:
        image: the final image, RGB uint8 ``(H, W, 3)``.
        best_image: the image with the lowest total cost seen (at the final scale).
        history: the costs of every iteration so far (:class:`History`).
        stopped: True when the run ended before its planned last iteration for a reason other than
            convergence (:meth:`StyleTransfer.stop`, Ctrl-C, a non-finite cost).
        message: why the run ended, in a sentence (``None`` before any run).
        ended: why, in one word (:data:`ENDINGS`): ``"converged"`` (the convergence rule, or an
            optimizer that found no lower cost), ``"limit"`` (it did every iteration it may), ``"stopped"``
            (:meth:`StyleTransfer.stop`), ``"interrupted"`` (Ctrl-C, Jupyter's Stop), ``"failed"`` (the cost
            or the image stopped being finite); ``None`` before any run.
        recipe: what the run was, in one sentence: the reference recipe, or what it changed from it
            (:attr:`StyleTransfer.recipe`).
        precision: the number format VGG-19 ran in (``"float32"`` or ``"bfloat16"``).
        weights: the ``WeightsStatus`` of the VGG-19 weights used.
        iterations_done: iterations done so far by the :class:`StyleTransfer`.
        total: the total cost of the final image as the optimizer holds it (float pixels).
        saved_total: the total cost of :attr:`image`, the picture as it is saved (whole numbers
            0…255, read back): what the user gets.  Within rounding of :attr:`total` for a bounded
            run (the default); the reference recipe's unbounded run saves a picture that costs more.

    Introduced in ``notebooks/05_style_transfer_live.ipynb``.
    """

    image: np.ndarray
    best_image: np.ndarray
    history: History
    stopped: bool
    message: str | None
    precision: str
    weights: WeightsStatus
    iterations_done: int
    total: float = float("nan")
    saved_total: float = float("nan")
    ended: str | None = None
    recipe: str = ""


def log_run(**record: Any) -> None:
    """Appends ``record`` as one line of JSON to the file :data:`RUN_LOG_ENV` names (nothing if it is unset)."""
    path = os.environ.get(RUN_LOG_ENV)
    if not path:
        return
    with open(path, "a", encoding="utf-8") as log:
        log.write(json.dumps(record) + "\n")

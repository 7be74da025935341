"""The notebooks' settings, normal and quick mode: sizes and iterations, the long runs fitted to the machine.

Quick mode (``NST_TEACH_QUICK=1``) shrinks image sizes and iteration counts so that every notebook runs
top to bottom in seconds: the tests and CI use it, and so can an instructor rehearsing a lesson on a slow
laptop.  Otherwise the long runs' sizes are fitted to this machine's time (:mod:`nst_teach.pace`), or are
the reference recipe's with ``full_size=True``.

Introduced in ``notebooks/00_welcome.ipynb``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from .. import defaults
from ..pace import COURSE, DEEPEST, FIRST_PAINTING, fitted_sizes, measure

__all__ = ["CourseSettings", "quick_mode", "settings", "RUN_ITERATIONS", "SMALL_ITERATIONS", "FIRST_ITERATIONS"]

#: The most iterations of notebook 05's painting (nst-teach's defaults at 400×300 where the machine allows): the
#: convergence rule usually ends it sooner; 40 L-BFGS iterations save a picture far better, by the reference
#: recipe's own cost, than its 500 Adam iterations (``benchmarks/bench_convergence.py``).
RUN_ITERATIONS = 40

#: The most iterations of each reconstruction (03, 04) and experiment (06) run: with up to five runs a cell,
#: 30 keep them at 200×150 on a 2-core CPU in float32.
SMALL_ITERATIONS = 30

#: The most iterations of notebook 00's first painting (at :data:`nst_teach.pace.FIRST_PAINTING`).
FIRST_ITERATIONS = 20


@dataclass(frozen=True)
class CourseSettings:
    """Sizes and iteration counts the notebooks use; the long runs' sizes fit the machine (:mod:`nst_teach.pace`).

    Attributes:
        quick: whether quick mode is on.
        size: working size (width, height) of the pictures looked at (notebooks 01 to 04).
        iterations: the reference recipe's iterations (500): its run in notebook 05, in full only on request.
        every: dashboard/printout refresh interval in iterations.
        small_iterations: the most iterations of each reconstruction / grid cell (a run ends sooner once
            converged: :mod:`nst_teach.convergence`).
        run_iterations: the most iterations of notebook 05's painting and its dashboard (nst-teach's defaults).
        first_iterations: the most iterations of notebook 00's first painting.
        full_size: the reference recipe's sizes, not fitted to the machine's time (:data:`nst_teach.pace.COURSE`).
        small_size: size of the reconstructions and experiment grids (fitted).
        run_size: size of notebook 05's full run and its dashboard (fitted).
        first_size: size of notebook 00's first painting (:data:`nst_teach.pace.FIRST_PAINTING`, not timed).
    """

    quick: bool
    size: tuple[int, int]
    iterations: int
    every: int
    small_iterations: int
    run_iterations: int
    first_iterations: int
    full_size: bool = False

    def _size(self, which: str) -> tuple[int, int]:
        if self.quick:  # tiny and deterministic: nothing is timed
            return (64, 48) if which == "run" else (48, 36)
        if which == "first":  # before any timing
            return FIRST_PAINTING
        iterations = (("run", self.run_iterations), ("small", self.small_iterations))
        return COURSE[which].full_size if self.full_size else fitted_sizes(self.pace, iterations)[which]

    small_size = property(lambda self: self._size("small"))
    run_size = property(lambda self: self._size("run"))
    first_size = property(lambda self: self._size("first"))
    pace = property(lambda self: None if self.quick else measure())  # this machine's, timed once per kernel

    def forecast(self, which: str, *, runs: int = 1, deepest: Any = None, done: int = 0) -> str:
        """A line to print before a long cell: how long its runs take here, and at the reference recipe's size.

        ``which`` is a cell of :data:`nst_teach.pace.COURSE`; the cell makes ``runs`` runs of the reference recipe's
        costs, or one run per layer of ``deepest``, VGG-19 cut after that layer.  A run that converges sooner
        (:mod:`nst_teach.convergence`) takes less.  ``which="reference"``: the rest of the reference recipe's run
        (Adam, float32) at notebook 05's size, after ``done`` of its iterations.
        """
        if which == "reference":
            size, iterations = self.run_size, max(self.iterations - done, 0)
            if self.quick:
                return f"quick mode: {iterations} Adam iterations at {size[0]}×{size[1]}"
            pace = measure("float32")  # the reference recipe computes in float32, whatever this machine offers
            return pace.forecast(size, iterations, full_size=COURSE["run"].full_size, optimizer="adam")
        size, work = self._size(which), COURSE[which]
        iterations = self.run_iterations if which == "run" else self.small_iterations
        layers = list(deepest) if deepest is not None else [DEEPEST] * runs
        if self.quick:
            return f"quick mode: {len(layers)} run(s) of {iterations} iterations at {size[0]}×{size[1]}"
        return self.pace.forecast(size, iterations, full_size=work.full_size, optimizer=work.optimizer, deepest=layers)


def quick_mode() -> bool:
    """True when ``NST_TEACH_QUICK`` is set to 1/true/yes (tests, CI, rehearsals)."""
    return os.environ.get("NST_TEACH_QUICK", "").strip().lower() in {"1", "true", "yes", "on"}


def settings(full_size: bool = False) -> CourseSettings:
    """The notebook settings for the current mode.

    Args:
        full_size: run at the reference recipe's sizes (400×300 in notebook 05) instead of the sizes that fit
            this machine's time (:data:`nst_teach.pace.COURSE`).

    >>> settings().size == (400, 300) or quick_mode()
    True
    """
    if quick_mode():
        return CourseSettings(quick=True, size=(64, 48), iterations=6, every=2, small_iterations=3, run_iterations=6,
                              first_iterations=3)  # fmt: skip
    return CourseSettings(quick=False, size=defaults.IMG_SIZE, iterations=defaults.ITERATIONS,
                          every=defaults.SAVE_EVERY, small_iterations=SMALL_ITERATIONS, run_iterations=RUN_ITERATIONS,
                          first_iterations=FIRST_ITERATIONS, full_size=full_size)  # fmt: skip

r"""When a picture is done: the convergence rule, and the forecast of when it will stop a run.

A run of nst-teach's defaults ends when more iterations would no longer change the cost much: the
rule compares the total cost now with the cost :data:`WINDOW` iterations ago,

.. math:: \frac{J_{k-W} - J_k}{J_{k-W}} < \text{tolerance}

and stops the run at the first iteration ``k`` where the cost fell by less than ``tolerance`` of itself
over the last ``W`` iterations.  ``iterations`` is then the most a run may take.  The option
``tolerance`` (:data:`nst_teach.options.TABLE`) sets it; ``tolerance=0`` turns the rule off, as the
reference recipe does (its 500 Adam iterations are the recipe).  A smaller tolerance asks for a finer
run, at the price :file:`benchmarks/README.md` measures.

The same cost history forecasts where the rule will fire (:func:`expected_end`): over the last
iterations the cost falls roughly as a power of the iteration count, and a cost that falls so drops
by less than the tolerance over a window from a known iteration on.  The command line's bar and the
dashboard's ETA count to it.

>>> totals = [100.0 / k for k in range(1, 200)]  # a cost that falls ever more slowly
>>> converged(totals[:30], tolerance=0.3, window=10)
False
>>> converged(totals[:60], tolerance=0.3, window=10)
True
>>> first_converged(totals, tolerance=0.3, window=10)  # the decrease over 10 iterations is 10/k
34

Introduced in ``notebooks/05_style_transfer_live.ipynb``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

__all__ = [
    "WINDOW",
    "TOLERANCE",
    "decrease",
    "converged",
    "first_converged",
    "expected_end",
    "converged_message",
    "limit_message",
]

#: The iterations over which the rule measures the cost's decrease.
WINDOW = 10

#: The share of itself the cost must fall by over :data:`WINDOW` iterations for an L-BFGS run (nst-teach's
#: defaults) to go on: chosen from four pairs of pictures in float32 and bfloat16
#: (``benchmarks/bench_convergence.py``; ``benchmarks/README.md``, "When a run ends").  Each optimizer of the
#: registry has its own (:data:`nst_teach.optimizers.TOLERANCES`): Adam's steps of 2 pixels lower the cost far
#: less per iteration, and 0.5 would stop it after a dozen.
TOLERANCE = 0.5


def decrease(totals: Sequence[float], window: int = WINDOW, at: int | None = None) -> float | None:
    """How much the cost fell over the ``window`` iterations up to ``at`` (default the last), as a share of itself.

    ``totals[i]`` is the cost at iteration ``i + 1``.  None while fewer than ``window + 1`` costs are known,
    or when the earlier cost is not a positive finite number.
    """
    end = len(totals) if at is None else at
    if end <= window:
        return None
    before, now = float(totals[end - 1 - window]), float(totals[end - 1])
    if not (math.isfinite(before) and math.isfinite(now) and before > 0):
        return None
    return (before - now) / before


def converged(totals: Sequence[float], tolerance: float, window: int = WINDOW) -> bool:
    """Whether the rule stops the run now: the cost fell by less than ``tolerance`` of itself over ``window``.

    Never with ``tolerance == 0`` (the rule is off).
    """
    if tolerance <= 0:
        return False
    fell = decrease(totals, window)
    return fell is not None and fell < tolerance


def first_converged(totals: Sequence[float], tolerance: float, window: int = WINDOW) -> int | None:
    """The iteration at which the rule would have stopped a run with these costs (None if it never would)."""
    for end in range(window + 1, len(totals) + 1):
        if converged(totals[:end], tolerance, window):
            return end
    return None


def expected_end(totals: Sequence[float], tolerance: float, limit: int, window: int = WINDOW) -> int:
    """The iteration a run is forecast to end at: where the rule should fire, at most ``limit``.

    ``limit`` itself when the rule is off or too little is known yet (fewer than two windows of costs,
    or a cost that is not falling).  Over the last two windows the cost is fitted by a power of the
    iteration, :math:`J_k \\approx c\\,k^{-p}` (a straight line through :math:`\\log J` against
    :math:`\\log k`); such a cost falls over a window by :math:`1 - (1 - W/k)^p`, which reaches the tolerance at
    :math:`k = W / (1 - (1 - \\text{tolerance})^{1/p})`.

    >>> totals = [100.0 / k for k in range(1, 31)]  # 30 iterations of a cost whose rule fires at 34
    >>> expected_end(totals, tolerance=0.3, limit=500)
    34
    >>> expected_end(totals, tolerance=0.0, limit=500)
    500
    """
    k = len(totals)
    if tolerance <= 0 or k < 2 * window + 1:
        return limit
    if converged(totals, tolerance, window):
        return k
    recent = np.asarray(totals[k - 2 * window :], dtype=float)
    if not np.all(np.isfinite(recent)) or np.any(recent <= 0):
        return limit
    ks = np.arange(k - 2 * window + 1, k + 1)
    slope = float(np.polyfit(np.log(ks), np.log(recent), 1)[0])
    if not slope < 0:  # the cost is not falling: no end in sight before the limit
        return limit
    end = window / (1.0 - (1.0 - tolerance) ** (1.0 / -slope))
    if not math.isfinite(end):
        return limit
    return int(min(max(math.ceil(end), k + 1), limit))


def converged_message(k: int, totals: Sequence[float], tolerance: float, window: int = WINDOW) -> str:
    """What a run that the rule stopped at iteration ``k`` says (``Result.message``)."""
    fell = decrease(totals, window) or 0.0
    return (
        f"converged at iteration {k}: the cost fell by {100 * fell:.2g}% over the last {window} iterations, "
        f"less than tolerance={tolerance:g} ({100 * tolerance:g}%); a smaller tolerance asks for a finer run."
    )


def limit_message(k: int, tolerance: float) -> str:
    """What a run that did all its ``k`` iterations says (``Result.message``)."""
    rule = " (tolerance=0: the convergence rule is off)" if tolerance == 0 else ""
    return f"reached the limit of {k} iterations{rule}."

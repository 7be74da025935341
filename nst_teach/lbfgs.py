r"""L-BFGS, one iteration at a time.

Neural Style Transfer optimizes the pixels of one image: a few hundred thousand
numbers and a smooth cost.  That is what L-BFGS (limited-memory BFGS) is made
for: it remembers the last ``m`` steps ``s_k = x_{k+1} - x_k`` and the changes
of gradient ``y_k = g_{k+1} - g_k`` they caused, and uses them to guess the
curvature of the cost, so that a step of length 1 along

.. math:: d = -H g

(``H`` the guessed inverse Hessian, applied by the *two-loop recursion*) lands
near the minimum of the local quadratic.  Each iteration usually needs a single
evaluation of the cost and its gradient, the same price as one Adam step, but
goes much further downhill.

``scipy.optimize.minimize(method="L-BFGS-B")`` runs a whole optimization in one
call; a live dashboard needs to see (and stop) every iteration, so this module
is a small steppable version: :meth:`LBFGS.step` performs exactly one iteration.

The recipe, in the spirit of PyTorch's ``torch.optim.LBFGS``:

* the very first step goes along ``-g`` with length ``min(1, 1/‖g‖₁) · lr``,
  because without any curvature information a gradient step of length 1 can
  be far too long.  When the cost is known to stay above a bound ``f_low``
  (style-transfer costs are >= 0), the first step is instead Polyak's
  ``(f − f_low)/‖g‖²``: the step that would reach the bound if the cost were
  linear.  (At 400×300 pixels PyTorch's step changes a cost of 10⁸ by less
  than float32 can resolve, and the optimization never starts.);
* while no curvature is known — the first steps, or the cost curves *down*
  along the steps taken (``yᵀs <= 0``, which happens in style transfer while
  the generated image's Gram matrices are smaller than the style's) — each
  new gradient step tries ``growth`` (4) times the length of the last one;
* once pairs are remembered, steps try ``t = lr`` (1 by default) along ``d = -H g``;
* an Armijo guard accepts the step only if the cost went down enough,
  :math:`f(x + t d) \le f(x) + c_1 t\, g^\top d`; otherwise ``t`` shrinks
  (by quadratic interpolation, kept within ``[0.1 t, 0.5 t]``) and it tries
  again.  A trial point whose cost is NaN or infinite is rejected the same way;
* when no length lowers the cost (late in a float32 run the remembered curvature
  can point where the cost only seems to go up), the memory is reset and a plain
  gradient step is tried as at the very start, then shorter ones
  (``max_restarts`` times).  Only when those fail too does :meth:`step` give up,
  saying whether the run *converged* (the cost no longer changes by more than
  ``tolerance_change`` of itself: there is nothing left to gain) or why it could
  not go on;
* with ``bounds`` (a box ``lower <= x <= upper``, e.g. the pixel range), it is a
  *projected* L-BFGS: coordinates held at a bound by the gradient (at the lower
  bound with the cost falling outwards, or at the upper) are frozen for the
  iteration — left out of the gradient the recursion sees and of the direction —
  each trial point is projected back into the box, ``P(x + t d)``, and the Armijo
  test uses the step actually taken, :math:`f(P(x + t d)) \le f(x) + c_1 g^\top (P(x + t d) - x)`.
  The optimum is where this *projected gradient* is zero, so that is what the
  ``tolerance_grad`` test measures.

Introduced in ``notebooks/05_style_transfer_live.ipynb``.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["LBFGS"]


class LBFGS:
    """A steppable L-BFGS minimizer: each :meth:`step` is one iteration.

    Args:
        fun: the function to minimize.  ``fun(x)`` returns ``(f, g)`` (the cost as a
            float and its gradient, an array shaped like ``x``) or ``(f, g, aux)``
            where ``aux`` is anything the caller wants back for that point (the
            style-transfer engine returns the separate costs); ``aux`` of the
            current point is kept in :attr:`aux`.
        x0: the starting point, a 1-D float array (float32 or float64; that dtype is kept).
        history_size: how many ``(s, y)`` pairs to remember (``m``).
        lr: the step length tried first (1 is the quasi-Newton step).
        c1: the Armijo constant: the decrease asked for, as a share of the slope.
        max_backtracks: how many times a rejected step may be shortened before
            the iteration gives up.
        tolerance_grad: the iteration stops moving when ``max |g|`` is below this.
        max_restarts: when a line search fails, how many times to reset the memory and
            try plain gradient steps before giving up.
        tolerance_change: a failed search counts as converged when the cost no longer
            changes by more than this share of it (see :meth:`step`).
        growth: while no curvature is known, how much longer each gradient step
            tries to be than the last accepted one.
        f_lower_bound: a value the cost never goes below (0 for sums of squares), or
            None.  When given, the first step is Polyak's ``(f − f_lower_bound)/‖g‖²``
            (times ``first_step_fraction``) instead of PyTorch's ``min(1, 1/‖g‖₁)``.
        first_step_fraction: the share of Polyak's step the first step takes.
        bounds: ``(lower, upper)``, arrays (or numbers) broadcastable to ``x0``: keep
            every coordinate inside the box (projected L-BFGS; ``x0`` is projected into
            it first).  None: unbounded.

    Attributes:
        x: the current point (a copy; never modified in place).
        f: the cost at :attr:`x` (``None`` before the first evaluation).
        g: the gradient at :attr:`x`.
        aux: the ``aux`` ``fun`` returned for :attr:`x` (``None`` if it returns none).
        iteration: iterations done.
        evaluations: calls of ``fun`` made.
        message: why the last :meth:`step` did not move (``None`` if it did): it starts
            with ``"converged: "`` or ``"could not go on: "``.
        converged: True when the last :meth:`step` stopped because there was nothing left to gain.
        restarts: how many times a failed line search reset the memory.

    Introduced in ``notebooks/05_style_transfer_live.ipynb``.

    >>> import numpy as np
    >>> opt = LBFGS(lambda x: (float(x @ x), 2 * x), np.array([3.0, -4.0]))
    >>> while opt.step():
    ...     pass
    >>> bool(np.allclose(opt.x, 0.0, atol=1e-6))
    True
    """

    def __init__(
        self,
        fun: Callable[[np.ndarray], tuple[Any, ...]],
        x0: np.ndarray,
        *,
        history_size: int = 10,
        lr: float = 1.0,
        c1: float = 1e-4,
        max_backtracks: int = 20,
        tolerance_grad: float = 1e-7,
        growth: float = 4.0,
        f_lower_bound: float | None = None,
        first_step_fraction: float = 1.0,
        max_restarts: int = 2,
        tolerance_change: float = 1e-6,
        bounds: tuple[Any, Any] | None = None,
    ) -> None:
        x0 = np.asarray(x0)
        if x0.ndim != 1 or not np.issubdtype(x0.dtype, np.floating):
            raise ValueError(f"x0 must be a 1-D float array, got dtype {x0.dtype} and shape {x0.shape}.")
        if history_size < 1 or not lr > 0 or not 0 < c1 < 1 or not growth >= 1 or not first_step_fraction > 0:
            raise ValueError(
                "history_size must be >= 1, lr > 0, 0 < c1 < 1, growth >= 1 and first_step_fraction > 0; got "
                f"{history_size}, {lr}, {c1}, {growth} and {first_step_fraction}."
            )
        self.fun = fun
        self.lower: np.ndarray | None = None
        self.upper: np.ndarray | None = None
        if bounds is not None:
            lower, upper = (np.broadcast_to(np.asarray(b, x0.dtype), x0.shape) for b in bounds)
            if not np.all(lower <= upper):
                raise ValueError("bounds: every lower bound must be <= its upper bound.")
            self.lower, self.upper = lower, upper
            x0 = self.project(x0)
        self.x = x0.copy()
        self.f: float | None = None
        self.g: np.ndarray | None = None
        self.aux: Any = None
        self.lr = float(lr)
        self.c1 = float(c1)
        self.max_backtracks = int(max_backtracks)
        self.tolerance_grad = float(tolerance_grad)
        self.iteration = 0
        self.evaluations = 0
        self.message: str | None = None
        self.converged = False
        self.restarts = 0
        self.max_restarts = int(max_restarts)
        self.tolerance_change = float(tolerance_change)
        # The memory: pairs (s_k, y_k) and ρ_k = 1 / (y_k·s_k), oldest first.
        self._pairs: deque[tuple[np.ndarray, np.ndarray, float]] = deque(maxlen=int(history_size))
        self._gamma = 1.0  # scaling of the initial inverse Hessian H₀ = γ I
        self._t_gradient: float | None = None  # length of the last gradient step (taken without memory)
        self._last_reduction: float | None = None  # how much the last accepted iteration lowered the cost
        self._last_move: float | None = None  # how far the last accepted iteration moved the point
        self.growth = float(growth)
        self.f_lower_bound = None if f_lower_bound is None else float(f_lower_bound)
        self.first_step_fraction = float(first_step_fraction)

    # -- evaluation ---------------------------------------------------------

    def _call(self, x: np.ndarray) -> tuple[float, np.ndarray, Any]:
        """Calls ``fun`` once and normalizes what it returns."""
        out = self.fun(x)
        self.evaluations += 1
        f, g = out[0], out[1]
        aux = out[2] if len(out) > 2 else None
        return float(f), np.asarray(g, dtype=self.x.dtype).reshape(self.x.shape), aux

    def evaluate(self) -> float:
        """Evaluates ``fun`` at the current point if not done yet; returns :attr:`f`."""
        if self.f is None:
            self.f, self.g, self.aux = self._call(self.x)
        return self.f

    def project(self, x: np.ndarray) -> np.ndarray:
        """``x`` moved into the box (the nearest point of it); ``x`` itself without ``bounds``."""
        if self.lower is None:
            return x
        return np.clip(x, self.lower, self.upper)

    def _held(self, x: np.ndarray, g: np.ndarray) -> np.ndarray:
        """Which coordinates the box holds: at the lower bound with the cost falling below it, or at the upper."""
        return ((x <= self.lower) & (g > 0)) | ((x >= self.upper) & (g < 0))

    def reset(self) -> None:
        """Forgets the curvature memory (the next step is a scaled gradient step)."""
        self._pairs.clear()
        self._gamma = 1.0

    # -- the two-loop recursion ---------------------------------------------

    def direction(self, g: np.ndarray) -> np.ndarray:
        r"""The search direction :math:`d = -H g` by the two-loop recursion.

        ``H`` is the L-BFGS inverse Hessian built from the remembered pairs,
        starting from :math:`H_0 = \gamma I` with :math:`\gamma = s^\top y / y^\top y`
        of the newest pair.  With no pairs yet, ``d = -g``.

        Args:
            g: the gradient at the current point.

        Returns:
            The direction, an array like ``g``.
        """
        q = g.copy()
        alphas = []
        for s, y, rho in reversed(self._pairs):  # newest to oldest
            a = rho * float(np.dot(s, q))
            q -= a * y
            alphas.append(a)
        r = self._gamma * q
        for (s, y, rho), a in zip(self._pairs, reversed(alphas)):  # oldest to newest
            b = rho * float(np.dot(y, r))
            r += (a - b) * s
        return -r

    # -- one iteration ------------------------------------------------------

    def _restart_length(self, f: float, g: np.ndarray) -> float:
        """The length of the gradient step tried after a failed search: as far as the last accepted step went.

        Before any step was accepted, the first step's length (:meth:`_first_length`).  (Late in a run,
        Polyak's length, aimed at a cost of 0, is orders of magnitude too long.)
        """
        if self._last_move is None:
            return self._first_length(f, g)
        return self._last_move / max(float(np.linalg.norm(g)), np.finfo(np.float64).tiny)

    def _first_length(self, f: float, g: np.ndarray) -> float:
        """The length of a gradient step without any curvature known (the very first step, or after a reset)."""
        t = min(1.0, 1.0 / float(np.sum(np.abs(g)))) * self.lr  # a short gradient step, as PyTorch does...
        if self.f_lower_bound is not None:
            # ...or, for a cost known to stay above f_lower_bound, the step that would
            # reach the bound if the cost were linear (Polyak's step length).
            polyak = self.first_step_fraction * (f - self.f_lower_bound) / float(np.dot(g, g)) * self.lr
            t = polyak if 0 < polyak < math.inf else t
        return t

    def _line_search(self, f: float, d: np.ndarray, slope: float, t: float, changes: list[float]) -> tuple[Any, float]:
        """Backtracks from length ``t`` along ``d`` until the Armijo test passes.

        Appends the decrease of the cost at each trial point with a finite cost to ``changes``.

        Returns:
            ``(found, t)``: ``found`` is ``(t, x, f, g, aux)`` of the accepted point, or None;
            ``t`` the last length tried.
        """
        for _ in range(self.max_backtracks + 1):
            x_new = self.project(self.x + t * d)
            if np.array_equal(x_new, self.x):  # so short that no number changes: shorter ones would not either
                break
            # The decrease asked for: along the step taken (inside the box it is t·slope).
            taken = t * slope if self.lower is None else float(np.dot(self.g, x_new - self.x))
            f_new, g_new, aux_new = self._call(x_new)
            if math.isfinite(f_new):
                changes.append(f - f_new)
                # A step must lower the cost, by at least the Armijo share of the slope: a step that
                # leaves it where it is gains nothing, and taking it would repeat the same search forever.
                if f_new < f and f_new <= f + self.c1 * min(taken, 0.0):
                    return (t, x_new, f_new, g_new, aux_new), t
                if f_new == f:  # the step is below the cost's rounding: shorter ones cannot lower it either
                    break
            # Shrink t: the minimum of the parabola through f(0), f'(0) and f(t),
            # kept within [0.1 t, 0.5 t] (just halve if f(t) is not finite).
            shrink = 0.5
            if math.isfinite(f_new):
                denominator = 2.0 * (f_new - f - slope * t)
                if denominator > 0:
                    shrink = min(0.5, max(0.1, -slope * t / denominator))
            t *= shrink
        return None, t

    def _give_up(self, f: float, changes: list[float], trials: int) -> None:
        """Sets :attr:`message` (and :attr:`converged`) after every line search failed.

        Converged means the cost no longer changes by more than ``tolerance_change`` of itself:
        the last accepted iteration lowered it by less than that (so the failed search met the
        rounding of the cost, as SciPy's ``ftol`` has it), or no trial point changed it by more.
        """
        tried = f"{trials} trial steps"
        if self.max_restarts:
            tried += ", plain gradient steps among them after resetting the curvature memory"
        tolerance = self.tolerance_change * max(abs(f), np.finfo(np.float64).tiny)
        last = self._last_reduction
        if (last is not None and last <= tolerance) or (changes and max(map(abs, changes)) <= tolerance):
            self.converged = True
            self.message = (
                f"converged: the cost ({f:.6g}) no longer changes by more than {self.tolerance_change:g} of itself "
                f"({tried}: none lowered it enough)."
            )
        elif not changes:
            self.message = f"could not go on: the cost was not finite at any of the {tried}."
        else:
            falling = "" if last is None else f" (the last iteration lowered the cost by {last:.3g})"
            self.message = (
                f"could not go on: no step lowered the cost ({tried}){falling}, although the gradient says "
                "it should go down: the cost or its gradient is not accurate here."
            )

    def step(self) -> bool:
        """Performs one iteration (usually one evaluation of ``fun``).

        When the line search fails, the memory is reset and plain gradient steps are
        tried (``max_restarts`` times) before giving up.

        Returns:
            ``True`` if the point moved; ``False`` if it could not (the gradient is
            zero or not finite, or no step lowered the cost even after the restarts),
            with the reason in :attr:`message` (and :attr:`converged` True if there
            was nothing left to gain).
        """
        self.message, self.converged = None, False
        f = self.evaluate()
        g = self.g
        assert g is not None
        if not (math.isfinite(f) and np.all(np.isfinite(g))):
            self.message = f"could not go on: the cost or its gradient is not finite at the current point (cost {f})."
            return False
        g_full = g
        held = self._held(self.x, g) if self.lower is not None else None  # coordinates the box holds, once
        if held is not None:
            g = np.where(held, np.zeros_like(g), g)  # the gradient of the coordinates free to move
        if float(np.max(np.abs(g))) <= self.tolerance_grad:
            self.converged = True
            where = " (the part of it that points into the box)" if self.lower is not None else ""
            self.message = f"converged: the gradient{where} is zero: the point is a minimum (or a saddle point)."
            return False

        d = self.direction(g)
        if held is not None:
            d = np.where(held, np.zeros_like(d), d)  # held coordinates stay where they are
        slope = float(np.dot(g, d))
        if not (slope < 0 and math.isfinite(slope)):  # not a descent direction: start afresh
            self.reset()
            d, slope = -g, -float(np.dot(g, g))
        as_at_start = not self._pairs and self._t_gradient is None
        if self._pairs:
            t = self.lr
        elif self._t_gradient is not None:  # still no curvature known: try a longer step than last time
            t = self.growth * self._t_gradient
        else:  # the very first step
            t = self._first_length(f, g)

        changes: list[float] = []
        evaluations = self.evaluations
        found, t = self._line_search(f, d, slope, t, changes)
        for _ in range(self.max_restarts):
            if found is not None:
                break
            # The remembered curvature (or the length) misled the search: forget it, and try a plain
            # gradient step as at the start (or, if that was just tried, shorter ones).
            self.reset()
            self._t_gradient = None
            self.restarts += 1
            d, slope = -g, -float(np.dot(g, g))
            t = t * 0.5 if as_at_start else self._restart_length(f, g)
            as_at_start = True
            found, t = self._line_search(f, d, slope, t, changes)
        if found is None:
            self._give_up(f, changes, self.evaluations - evaluations)
            self.reset()
            return False

        t, x_new, f_new, g_new, aux_new = found
        if not self._pairs:
            self._t_gradient = t
        s = x_new - self.x
        y = g_new - g_full
        ys = float(np.dot(y, s))
        if ys > 1e-10:  # keep only pairs with positive curvature, so H stays positive definite
            self._pairs.append((s, y, 1.0 / ys))
            self._gamma = ys / float(np.dot(y, y))
        self._last_reduction = f - f_new
        self._last_move = float(np.linalg.norm(s))
        self.x, self.f, self.g, self.aux = x_new, f_new, g_new, aux_new
        self.iteration += 1
        return True

"""Tests of nst_teach/lbfgs.py: the steppable L-BFGS against SciPy's and closed forms."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize, rosen, rosen_der

from nst_teach.lbfgs import LBFGS


def _run(opt: LBFGS, max_steps: int) -> int:
    """Steps until the optimizer stops moving; returns the number of steps that moved."""
    moved = 0
    for _ in range(max_steps):
        if not opt.step():
            break
        moved += 1
    return moved


def _quadratic(n: int = 30, seed: int = 0):
    """f(x) = ½ xᵀAx − bᵀx with an ill-conditioned SPD A (condition number 1e3)."""
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.normal(size=(n, n)))
    a = q @ np.diag(np.logspace(0, 3, n)) @ q.T
    b = rng.normal(size=n)
    return (lambda x: (0.5 * x @ a @ x - b @ x, a @ x - b)), a, b


def test_quadratic_matches_solve_and_scipy():
    fun, a, b = _quadratic()
    x0 = np.zeros(len(b))
    opt = LBFGS(fun, x0, history_size=10)
    _run(opt, 500)
    exact = np.linalg.solve(a, b)
    ref = minimize(
        lambda x: fun(x)[0],
        x0,
        jac=lambda x: fun(x)[1],
        method="L-BFGS-B",
        options={"gtol": 1e-10, "ftol": 1e-15, "maxiter": 2000},
    )
    np.testing.assert_allclose(opt.x, exact, atol=1e-5)
    np.testing.assert_allclose(opt.x, ref.x, atol=1e-4)
    assert opt.f == pytest.approx(ref.fun, rel=1e-8, abs=1e-10)


@pytest.mark.parametrize("n", [2, 10])
@pytest.mark.parametrize("f_lower_bound", [None, 0.0])  # Rosenbrock's function is >= 0
def test_rosenbrock_matches_scipy(n, f_lower_bound):
    x0 = np.full(n, -1.2)
    x0[1::2] = 1.0
    opt = LBFGS(lambda x: (rosen(x), rosen_der(x)), x0, history_size=10, f_lower_bound=f_lower_bound)
    _run(opt, 2000)
    ref = minimize(rosen, x0, jac=rosen_der, method="L-BFGS-B", options={"gtol": 1e-10, "maxiter": 5000})
    np.testing.assert_allclose(ref.x, 1.0, atol=1e-4)  # SciPy found the known minimum...
    np.testing.assert_allclose(opt.x, ref.x, atol=1e-4)  # ...and so did we
    assert opt.f < 1e-8


def test_float32_is_kept_and_converges():
    fun, a, b = _quadratic(n=20, seed=1)

    def fun32(x):
        return float(fun(x.astype(np.float64))[0]), fun(x.astype(np.float64))[1].astype(np.float32)

    opt = LBFGS(fun32, np.zeros(20, np.float32))
    _run(opt, 300)
    assert opt.x.dtype == np.float32 and opt.g.dtype == np.float32
    np.testing.assert_allclose(opt.x, np.linalg.solve(a, b), rtol=1e-3, atol=1e-3)


def test_one_step_is_one_iteration_with_few_evaluations():
    fun, _, b = _quadratic()
    opt = LBFGS(fun, np.zeros(len(b)))
    assert opt.step() and opt.iteration == 1
    f1 = opt.f
    assert opt.step() and opt.iteration == 2
    assert opt.f < f1
    moved = _run(opt, 20)
    # One evaluation at the start, then (mostly) one per iteration: the step of 1 is accepted.
    assert opt.evaluations <= 1 + 2 * opt.iteration
    assert opt.iteration == 2 + moved


def test_first_step_is_scaled_like_pytorch():
    g = np.array([3.0, -4.0, 5.0])
    opt = LBFGS(lambda x: (float(g @ x), g), np.zeros(3))  # a plane: any step downhill is accepted
    opt.step()
    np.testing.assert_allclose(opt.x, -g * min(1.0, 1.0 / np.abs(g).sum()))


def test_non_finite_trial_points_are_rejected():
    # The cost is NaN beyond |x| > 2: the first trial steps there must be shortened, never accepted.
    def fun(x):
        if np.any(np.abs(x) > 2):
            return float("nan"), np.full_like(x, np.nan)
        return float(np.sum((x - 1.5) ** 2)), 2 * (x - 1.5)

    opt = LBFGS(fun, np.zeros(2), lr=100.0)
    opt.step()
    opt.step()
    assert np.all(np.isfinite(opt.x)) and np.all(np.abs(opt.x) <= 2)
    _run(opt, 50)
    np.testing.assert_allclose(opt.x, 1.5, atol=1e-5)


def test_stops_with_a_message_at_a_minimum():
    opt = LBFGS(lambda x: (float(x @ x), 2 * x), np.zeros(3))
    assert opt.step() is False
    assert "gradient is zero" in opt.message
    assert opt.iteration == 0


def test_aux_follows_the_current_point():
    opt = LBFGS(lambda x: (float(x @ x), 2 * x, {"at": x.copy()}), np.array([1.0, 2.0]))
    opt.step()
    np.testing.assert_array_equal(opt.aux["at"], opt.x)


def test_bad_arguments():
    with pytest.raises(ValueError, match="1-D float"):
        LBFGS(lambda x: (0.0, x), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="history_size"):
        LBFGS(lambda x: (0.0, x), np.zeros(2), history_size=0)


def test_first_step_with_a_lower_bound_is_polyaks():
    # f = |x|², f >= 0: Polyak's step t = f/|g|² = |x|²/(4|x|²) = 1/4 goes from x to x/2.
    x0 = np.array([3.0, -4.0, 1.0])
    opt = LBFGS(lambda x: (float(x @ x), 2 * x), x0, f_lower_bound=0.0)
    opt.step()
    np.testing.assert_allclose(opt.x, x0 / 2)


def test_steps_grow_while_no_curvature_is_known():
    # On a plane yᵀs = 0: no pair is ever stored, and each gradient step is 4 times the last.
    g = np.array([1.0, 2.0])
    opt = LBFGS(lambda x: (float(g @ x), g), np.zeros(2), growth=4.0)
    points = [opt.x]
    for _ in range(3):
        assert opt.step()
        points.append(opt.x)
    lengths = [np.linalg.norm(b - a) for a, b in zip(points, points[1:])]
    np.testing.assert_allclose(np.array(lengths[1:]) / lengths[:-1], 4.0)
    np.testing.assert_allclose(lengths[0], np.linalg.norm(g) / np.abs(g).sum())


# --------------------------------------------------------------------------- when the line search fails


def _is_gradient_step(dx: np.ndarray, g: np.ndarray) -> bool:
    """True when ``dx = -t g`` for some ``t > 0`` (a plain gradient step)."""
    t = -float(dx @ g) / float(g @ g)
    return t > 0 and np.allclose(dx, -t * g, rtol=1e-9, atol=1e-12)


def test_a_misleading_memory_is_reset_and_a_gradient_step_taken():
    fun, a, b = _quadratic(n=10, seed=2)
    opt = LBFGS(fun, np.zeros(10), max_backtracks=3)
    _run(opt, 3)
    assert len(opt._pairs) == 3
    # Curvature learned on another function: 10⁶ times too flat, so the quasi-Newton step is 10⁶ times too
    # long, and three shortenings (at most 10³) cannot save it: the first line search fails.
    s, y, rho = opt._pairs[-1]
    opt._pairs.append((s * 1e3, y * 1e-3, rho))
    opt._gamma = 1e6 * opt._gamma
    x, f, g = opt.x, opt.f, opt.g
    assert opt.direction(g) @ g < 0  # still a descent direction: only its length misleads
    assert opt.step() is True and opt.message is None
    assert opt.restarts == 1 and opt.f < f
    assert _is_gradient_step(opt.x - x, g)  # the step after the reset is a plain gradient step
    assert len(opt._pairs) == 1  # the old memory is gone; the new pair is the gradient step's
    _run(opt, 500)
    np.testing.assert_allclose(opt.x, np.linalg.solve(a, b), atol=1e-5)  # and the run still reaches the minimum


def test_a_first_search_that_fails_is_continued_with_shorter_gradient_steps():
    # The cost is NaN beyond |x| > 10⁻³, and Polyak's first step f/|g|² is 10⁹ (2^30) times too long: the
    # 21 halvings of the first search do not come back inside; the restart halves further and lands.
    def fun(x):
        if np.any(np.abs(x) > 1e-3):
            return float("nan"), np.full_like(x, np.nan)
        return float(2e3 + np.sum((x - 5e-4) ** 2)), 2 * (x - 5e-4)

    opt = LBFGS(fun, np.zeros(2), f_lower_bound=0.0)
    f0 = opt.evaluate()
    assert opt.step() is True and opt.restarts == 1
    assert np.all(np.abs(opt.x) <= 1e-3) and opt.f < f0


def test_a_flat_cost_stops_as_converged_after_the_restarts():
    # The cost is rounded to float32 around 10⁴: its resolution (~10⁻³) is above what any step can gain
    # (|g|² = 10⁻⁴ at most), while the decrease Armijo's test asks for stays above float64's resolution.
    k = 2.9e-4

    def fun(x):
        return float(np.float32(1e4 + k * float(x @ x))), 2 * k * x

    opt = LBFGS(fun, np.full(3, 10.0), max_backtracks=2)
    assert opt.step() is False
    assert opt.converged and opt.message.startswith("converged:") and "resetting the curvature memory" in opt.message
    assert opt.restarts == 2 and opt.iteration == 0
    # Three searches, each ending at its first trial: the cost did not change at all, and a shorter step
    # cannot change it either (the old searches went on shortening, 1 + 3 * (max_backtracks + 1) evaluations).
    assert opt.evaluations == 1 + 3


def test_a_wrong_gradient_stops_saying_why_it_could_not_go_on():
    opt = LBFGS(lambda x: (float(x @ x), -2 * x), np.ones(3))  # the gradient points uphill
    assert opt.step() is False
    assert not opt.converged and opt.message.startswith("could not go on:") and "not accurate" in opt.message
    assert opt.restarts == 2


def test_a_float32_run_stops_as_converged_at_its_minimum():
    # Many iterations in float32: the searches fail at the minimum, where float32 cannot tell costs apart.
    fun, a, b = _quadratic(n=20, seed=3)

    def fun32(x):
        f, g = fun(x.astype(np.float64))
        return float(np.float32(f + 100.0)), g.astype(np.float32)

    opt = LBFGS(fun32, np.zeros(20, np.float32), max_backtracks=5)
    moved = _run(opt, 3000)
    assert moved < 3000 and opt.converged, opt.message
    exact = np.linalg.solve(a, b)
    assert opt.f - (fun(exact)[0] + 100.0) < 1e-4 * 100  # the cost is at the minimum, to float32's resolution

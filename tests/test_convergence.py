"""Tests of the convergence rule (nst_teach/convergence.py), and of runs that end when their picture is done.

The rule is checked against its formula written out with NumPy; the runs use tiny images and seeded random
VGG-19 filters; the L-BFGS stall is reproduced on a cost whose rounding hides what a step could still gain.
"""

from __future__ import annotations

import os

os.environ.setdefault("NST_TEACH_OFFLINE", "1")

import numpy as np
import pytest

from nst_teach.convergence import TOLERANCE, WINDOW, converged, decrease, expected_end, first_converged
from nst_teach.history import ENDINGS
from nst_teach.lbfgs import LBFGS
from nst_teach.optimizers import LBFGS_MAX_BACKTRACKS, LBFGS_RESTARTS, TOLERANCES
from nst_teach.options import DEFAULTS, REFERENCE_PRESET, resolve_options

SIZE = (48, 36)
FAST = dict(size=SIZE, weights="random", precision="float32")


def _by_numpy(totals: np.ndarray, tolerance: float, window: int) -> int | None:
    """The first iteration k (1-based) with (J[k-W] - J[k]) / J[k-W] < tolerance, written out with NumPy."""
    before, now = totals[:-window], totals[window:]
    falls = (before - now) / before
    hits = np.nonzero(falls < tolerance)[0]
    return None if hits.size == 0 else int(hits[0]) + window + 1


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("tolerance", [0.3, 0.05, 0.01])
def test_the_rule_stops_where_its_formula_says(seed, tolerance):
    rng = np.random.default_rng(seed)
    # A falling cost with noise: every iteration lowers it by a random share that shrinks.
    shares = rng.uniform(0.0, 0.2, 300) / np.arange(1, 301) ** rng.uniform(0.3, 1.2)
    totals = 1e5 * np.cumprod(1 - shares)
    assert first_converged(list(totals), tolerance) == _by_numpy(totals, tolerance, WINDOW)
    k = first_converged(list(totals), tolerance)
    if k is not None:
        assert converged(list(totals[:k]), tolerance) and not converged(list(totals[: k - 1]), tolerance)


def test_the_rule_is_off_at_tolerance_zero_and_waits_for_a_whole_window():
    flat = [5.0] * 100
    assert not converged(flat, 0.0) and first_converged(flat, 0.0) is None
    assert not converged(flat[:WINDOW], 0.5)  # not enough iterations to measure a window
    assert converged(flat[: WINDOW + 1], 1e-9)  # a cost that does not move at all has converged
    assert decrease([10.0, 9.0, 8.0], window=2) == pytest.approx(0.2)
    rising = [1.0 + 0.01 * k for k in range(30)]
    assert converged(rising, 1e-3)  # a cost going up is not falling by the tolerance either


def test_the_forecast_finds_where_a_power_law_decrease_reaches_the_tolerance():
    # J = 1000 / k^2: the decrease over W iterations is 1 - ((k-W)/k)^2, about 2W/k: the rule fires near 2W/tol.
    totals = [1000.0 / k**2 for k in range(1, 2000)]
    true_end = first_converged(totals, 0.05)
    for seen in (25, 60, 150):
        forecast = expected_end(totals[:seen], 0.05, limit=5000)
        assert abs(forecast - true_end) <= 0.1 * true_end, (seen, forecast, true_end)
    assert expected_end(totals[:15], 0.05, limit=5000) == 5000  # too little known: the limit
    assert expected_end(totals[:60], 0.05, limit=100) == 100  # never beyond the limit
    assert expected_end(totals[:60], 0.0, limit=700) == 700  # the rule is off


def test_the_option_is_in_the_table_and_the_reference_recipe_turns_it_off():
    assert DEFAULTS["tolerance"] is None  # the optimizer's own, as learning_rate
    assert resolve_options({})["tolerance"] == TOLERANCE == TOLERANCES["lbfgs"] > TOLERANCES["adam"] > 0
    assert resolve_options({"optimizer": "adam"})["tolerance"] == TOLERANCES["adam"]
    assert resolve_options({"optimizer": "adam", "tolerance": 0.3})["tolerance"] == 0.3
    assert REFERENCE_PRESET["tolerance"] == 0 and REFERENCE_PRESET["iterations"] == 500
    assert resolve_options({"preset": "reference"})["tolerance"] == 0
    for bad in (-0.1, float("nan"), 1.5, "small"):
        with pytest.raises(Exception, match="tolerance"):
            resolve_options({"tolerance": bad})


# --------------------------------------------------------------------------- L-BFGS: no stalls


def test_a_cost_that_cannot_decrease_any_more_ends_within_a_few_evaluations():
    # The stall seen in bfloat16 runs: below the cost's rounding, a tiny step leaves the cost exactly where it
    # is, and the old line search accepted that "step" (it changed nothing) after 14 evaluations, every iteration.
    def fun(x):
        true = float(x @ x) + 1e4
        return float(np.round(true, -1)), 2 * x  # the cost, rounded to tens; the gradient exact

    opt = LBFGS(fun, np.full(50, 0.4), max_backtracks=LBFGS_MAX_BACKTRACKS, max_restarts=LBFGS_RESTARTS)
    opt.evaluate()
    for _ in range(20):
        before = opt.evaluations
        if not opt.step():
            break
        assert opt.evaluations - before <= LBFGS_MAX_BACKTRACKS + 1
    else:
        pytest.fail("the run never ended on a cost that cannot decrease")
    assert opt.evaluations - before <= (LBFGS_RESTARTS + 1) * (LBFGS_MAX_BACKTRACKS + 1)
    assert opt.message is not None


def test_a_step_that_leaves_the_cost_where_it_is_is_not_taken():
    def fun(x):  # flat within rounding near the start: every short step gives exactly the same cost
        return float(np.round(1e4 + 1e-3 * float(x @ x), 0)), 2e-3 * x

    opt = LBFGS(fun, np.full(4, 1.0), max_backtracks=3, max_restarts=1)
    x0 = opt.x.copy()
    assert opt.step() is False  # no step lowered it: the run ends instead of "moving" nowhere for ever
    assert np.array_equal(opt.x, x0) and opt.iteration == 0
    assert opt.evaluations <= 1 + 2 * 4


# --------------------------------------------------------------------------- runs that end when done


@pytest.fixture(scope="module")
def pictures():
    from nst_teach.samples import load_sample

    return load_sample("cottage"), load_sample("swirls")


def test_a_converged_run_stops_before_its_limit_and_says_so(pictures):
    from nst_teach import StyleTransfer

    transfer = StyleTransfer(*pictures, **FAST, tolerance=0.2, iterations=200)
    steps = list(transfer.steps())
    totals = [s.total for s in steps]
    k = first_converged(totals, 0.2)
    assert k is not None and len(steps) == k < 200  # it stopped where the rule says, before its limit
    assert steps[-1].ended == "converged" and all(s.ended is None for s in steps[:-1])
    result = transfer.result()
    assert result.ended == "converged" and not result.stopped and result.iterations_done == k
    assert f"converged at iteration {k}" in result.message and "tolerance=0.2" in result.message
    assert all(s.expected_end <= 200 for s in steps) and steps[-1].expected_end == k


def test_without_the_rule_a_run_reaches_its_limit_and_says_so(pictures):
    from nst_teach import StyleTransfer

    transfer = StyleTransfer(*pictures, **FAST, tolerance=0, iterations=25)
    steps = list(transfer.steps())
    assert len(steps) == 25 and steps[-1].ended == "limit" and transfer.ended == "limit"
    assert "reached the limit of 25 iterations" in transfer.message and "rule is off" in transfer.message
    assert all(s.expected_end == 25 for s in steps)


def test_the_reference_recipe_runs_exactly_500_iterations(pictures):
    from nst_teach import StyleTransfer

    transfer = StyleTransfer(*pictures, preset="reference", size=(32, 32), weights="random")
    result = transfer.run()
    assert result.iterations_done == 500 == len(result.history) and result.ended == "limit"
    assert transfer.options["optimizer"] == "adam" and transfer.options["tolerance"] == 0


def test_stop_and_interrupt_are_said_apart(pictures):
    from nst_teach import StyleTransfer

    transfer = StyleTransfer(*pictures, **FAST, tolerance=0, iterations=50)
    for step in transfer.steps():
        if step.iteration == 3:
            transfer.stop()
    assert transfer.ended == "stopped" and transfer.stopped and "stop()" in transfer.message

    def interrupt(step):
        if step.iteration == 2:
            raise KeyboardInterrupt

    result = StyleTransfer(*pictures, **FAST, tolerance=0, iterations=50).run(every=1, callback=interrupt)
    assert result.ended == "interrupted" and result.stopped and result.iterations_done == 2
    assert set(ENDINGS) >= {"converged", "limit", "stopped", "interrupted", "failed"}

"""The optimizer registry: the option, the learning rates, the pace and the dashboard read it; a new one is one entry.

The toy optimizer below is the whole of what adding one takes: an adapter (``step``, ``image``,
``restore``) and one :class:`~nst_teach.optimizers.OptimizerEntry`.
"""

from __future__ import annotations

import asyncio

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402

from nst_teach import optimizers, options, pace, widgets  # noqa: E402
from nst_teach.defaults import LEARNING_RATE  # noqa: E402
from nst_teach.engine import StyleTransfer  # noqa: E402
from nst_teach.errors import OptionError  # noqa: E402
from nst_teach.samples import load_sample  # noqa: E402

FAST = {"size": (48, 32), "weights": "random", "precision": "float32"}


class SignDescent:
    """Moves every pixel ``learning_rate`` against the sign of its gradient: the toy adapter."""

    def __init__(self, objective, x0, learning_rate, bounded=False):
        self.objective, self.learning_rate = objective, learning_rate
        self.x = np.asarray(x0, np.float32)

    def step(self):
        packed, gradient = self.objective.value_and_grad(tf.constant(self.x))
        before, self.x = self.x, self.x - self.learning_rate * np.sign(gradient.numpy())
        return packed.numpy(), before, self.x, bool(np.isfinite(self.x).all()), None, None

    @property
    def image(self):
        return self.x

    def restore(self, x):
        self.x = np.asarray(x, np.float32)


@pytest.fixture()
def toy():
    """``optimizer="sign"`` for the test's length: registered in one line, removed afterwards."""
    entry = optimizers.register(optimizers.OptimizerEntry("sign", "Sign descent", SignDescent, 0.5, evaluations=2.0))
    try:
        yield entry
    finally:
        optimizers.unregister("sign")
        widgets.stop_all()


def test_the_registry_holds_adam_and_lbfgs():
    assert list(optimizers.OPTIMIZERS) == ["adam", "lbfgs"]
    assert dict(optimizers.LEARNING_RATES) == {"adam": LEARNING_RATE, "lbfgs": 1.0}  # the reference's 2; Newton's step
    assert dict(optimizers.LABELS) == {"adam": "Adam", "lbfgs": "L-BFGS"}
    assert optimizers.optimizer_entry(" L-BFGS ").name == "lbfgs"  # any case, or its alias
    assert [optimizers.OPTIMIZERS[n].takes_train_step for n in ("adam", "lbfgs")] == [True, False]


def test_an_unknown_optimizer_raises_and_lists_the_registered_ones():
    with pytest.raises(OptionError, match=r"optimizer must be one of 'adam', 'lbfgs', got 'lbgfs'.*'lbfgs'"):
        optimizers.make_optimizer("lbgfs", None, None, 1.0)  # not L-BFGS by default: refused before anything is made
    with pytest.raises(OptionError, match="optimizer must be one of"):
        options.resolve_options({"optimizer": "sgd"})
    with pytest.raises(ValueError, match="taken"):
        optimizers.register(optimizers.OptimizerEntry("l-bfgs", "again", SignDescent, 1.0))


def test_a_registered_optimizer_is_an_option_a_rate_and_a_pace(toy):
    assert "sign" in options.TABLE["optimizer"].choices
    settings = options.resolve_options({"optimizer": "Sign"})
    assert settings["optimizer"] == "sign" and settings["learning_rate"] == 0.5
    measured = pace.Pace("float32", "a CPU", "random", overhead_s=0.0, seconds_per_gmac=0.01, setup_s=0.0)
    assert measured.run_s((64, 48), 100, optimizer="sign") == pytest.approx(
        2 * measured.run_s((64, 48), 100, optimizer="adam"), rel=0.02
    )  # two evaluations an iteration: twice Adam's time, but for the set-up's few evaluations


def test_a_registered_optimizer_runs_in_a_style_transfer(toy):
    content, style = load_sample("cottage"), load_sample("swirls")
    transfer = StyleTransfer(content, style, optimizer="sign", learning_rate=1.0, **FAST)
    start = transfer.batch()
    totals = [step.total for step in transfer.steps(4)]
    assert isinstance(transfer._optimizer, SignDescent)  # the registry's adapter, made by the engine
    assert len(totals) == 4 and totals[-1] < totals[0]  # it moved the pixels downhill
    moved = np.abs(transfer.batch() - start)
    assert 0 < moved.max() <= 4.0 + 1e-4  # four steps of 1 pixel unit at most


def test_a_registered_optimizer_is_offered_and_run_by_the_dashboard(toy):
    content, style = load_sample("cottage"), load_sample("swirls")
    dash = widgets.StyleTransferDashboard(content, style, optimizer="sign", every=1, **FAST)
    assert ("Sign descent", "sign") in dash.optimizer.options and dash.optimizer.value == "sign"
    assert dash.learning_rate.value == pytest.approx(0.5)  # its own learning rate
    dash.optimizer.value = "adam"
    assert dash.learning_rate.value == pytest.approx(LEARNING_RATE)
    dash.optimizer.value = "sign"

    async def scenario():
        dash.start_button.click()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 60
        while len(dash.history) < 2:
            assert loop.time() < deadline, "the dashboard's run did not go on"
            await asyncio.sleep(0.02)
        dash.stop()

    asyncio.run(asyncio.wait_for(scenario(), 100))
    assert dash.options()["optimizer"] == "sign" and isinstance(dash._transfer._optimizer, SignDescent)


def test_after_unregistering_the_toy_is_refused():
    entry = optimizers.register(optimizers.OptimizerEntry("sign", "Sign descent", SignDescent, 0.5))
    optimizers.unregister("sign")
    assert entry.name not in optimizers.OPTIMIZERS
    with pytest.raises(OptionError, match="optimizer must be one of 'adam', 'lbfgs'"):
        options.resolve_options({"optimizer": "sign"})

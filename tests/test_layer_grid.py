"""The live view across all layers: nst_teach.viz.live_grid (the figure) and nst_teach.widgets.layer_grid (on the page).

Short runs on tiny images with seeded random VGG-19 weights.  The Gram matrices the grid shows are
checked against the course's own ``costs.gram_matrix`` (TensorFlow) and its channel order against the
style target's diagonal, both computed here independently.
"""

from __future__ import annotations

import io
import threading
import time

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402
from test_widgets import _offline, run, until  # noqa: E402, F401 (_offline: the widget tests' autouse fixture)

from nst_teach import costs, widgets  # noqa: E402
from nst_teach.engine import StyleTransfer  # noqa: E402
from nst_teach.errors import OptionError  # noqa: E402
from nst_teach.samples import load_sample  # noqa: E402
from nst_teach.viz.live_grid import LiveLayerGrid  # noqa: E402
from nst_teach.widgets.layer_grid import LayerGrid  # noqa: E402

SIZE = (48, 32)
FAST = {"size": SIZE, "weights": "random", "precision": "float32"}
STYLE_LAYERS = ["block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1", "block5_conv1"]


@pytest.fixture(scope="module")
def transfer():
    return StyleTransfer(load_sample("cottage"), load_sample("swirls"), **FAST)


def pixels(png: bytes) -> np.ndarray:
    assert png[:4] == b"\x89PNG"
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def test_every_style_layer_changes_between_two_updates_and_the_channel_order_stays(transfer):
    targets = transfer.targets()["style"]
    grid = LiveLayerGrid.from_transfer(transfer)
    assert grid.columns == [*STYLE_LAYERS, "block4_conv2"]
    # The order: the style Gram's diagonal, largest first (computed here from the targets).
    expected = {name: np.argsort(-np.diag(targets[name]), kind="stable") for name in STYLE_LAYERS}
    for name in STYLE_LAYERS:
        assert np.array_equal(grid.order[name], expected[name])
        assert np.all(np.diff(np.diag(targets[name])[grid.order[name]]) <= 0)

    shots, scales = [], []
    for _ in range(2):
        step = list(transfer.steps(3))[-1]
        acts = step.activations(grid.columns)
        grid.update(acts, transfer.history)
        shots.append(grid.column_pngs())
        scales.append({name: (grid._ims[name][1].norm.vmin, grid._ims[name][1].norm.vmax) for name in STYLE_LAYERS})
        for name in STYLE_LAYERS:  # what the grid shows is A Aᵀ of the activations, in the order chosen once
            reference = np.asarray(costs.gram_matrix(acts[name]))[expected[name]][:, expected[name]]
            np.testing.assert_allclose(grid.generated[name], reference, rtol=1e-4, atol=1e-3 * np.abs(reference).max())
            assert np.array_equal(grid.order[name], expected[name])  # still the first order
    for name in STYLE_LAYERS:
        assert not np.array_equal(pixels(shots[0][name]), pixels(shots[1][name])), f"{name} did not change"
        # S and G share one scale per layer, fixed from the target: the same at both updates.
        assert scales[0][name] == scales[1][name] == (0.0, pytest.approx(float(np.abs(targets[name]).max())))
        assert grid._ims[name][0].norm.vmax == grid._ims[name][1].norm.vmax
        low, high = grid._ims[name][2].norm.vmin, grid._ims[name][2].norm.vmax
        assert low == -high  # the difference: its own scale, symmetric about 0
    assert not np.array_equal(pixels(shots[0]["block4_conv2"]), pixels(shots[1]["block4_conv2"]))
    # Small pictures: one column is 96 px wide, the PNGs of one update a few tens of kB at most.
    assert {pixels(png).shape[1] for png in shots[1].values()} == {96}
    assert sum(len(png) for png in shots[1].values()) < 150_000
    grid.close()


def test_the_grid_refuses_what_it_cannot_show(transfer):
    grid = LiveLayerGrid.from_transfer(transfer)
    acts = transfer.activations(grid.columns)
    with pytest.raises(OptionError, match=r"no \['block5_conv1'\]"):
        grid.update({k: v for k, v in acts.items() if k != "block5_conv1"})
    with pytest.raises(OptionError, match="channels"):
        grid.update({**acts, "block1_conv1": acts["block2_conv1"]})
    with pytest.raises(OptionError, match="Gram matrix"):
        LiveLayerGrid({"block1_conv1": np.zeros((3, 4))})
    grid.close()


def test_the_grid_computes_its_gram_matrices_with_costs_gram_matrix(monkeypatch):
    rng = np.random.default_rng(1)
    a_s, a_g = rng.random((1, 6, 5, 4), np.float32), rng.random((1, 6, 5, 4), np.float32)
    grid = LiveLayerGrid({"block1_conv1": costs.gram_matrix(a_s)})
    calls = []

    def gram_matrix(a):
        calls.append(np.shape(a))
        return costs_gram_matrix(a)

    costs_gram_matrix = costs.gram_matrix
    monkeypatch.setattr(costs, "gram_matrix", gram_matrix)
    grid.update({"block1_conv1": a_g})
    assert calls == [(6, 5, 4)]  # the course's formula (notebook 04), not a copy of it
    order = grid.order["block1_conv1"]
    expected = np.asarray(costs_gram_matrix(a_g))[order][:, order]
    np.testing.assert_array_equal(grid.generated["block1_conv1"], expected)
    grid.close()


class _Dashboard:
    """What the grid needs of a dashboard: a layer's button opens it, a failed update is reported."""

    def __init__(self, errors):
        self.errors = errors

    def open_layer(self, name):
        pass

    def panel_failed(self, panel, error):
        self.errors.append(error)


class _SlowStep:
    """A step whose activations come only once ``release`` is set: the worker stays busy until then."""

    def __init__(self, transfer, release):
        self.transfer, self.release = transfer, release

    def activations(self, layers):
        assert self.release.wait(30)
        return self.transfer.activations(layers)


def test_the_grid_drops_an_update_while_the_previous_one_is_pending(transfer):
    errors = []
    release = threading.Event()

    async def scenario():
        grid = LayerGrid(_Dashboard(errors))
        started = time.perf_counter()
        assert grid.offer(transfer, _SlowStep(transfer, release), list(transfer.history))
        assert grid.pending
        # While the worker is busy, new updates are dropped, and offering one does not wait for it.
        assert not grid.offer(transfer, _SlowStep(transfer, release), list(transfer.history))
        assert not grid.offer(transfer, _SlowStep(transfer, release), list(transfer.history))
        assert time.perf_counter() - started < 5.0 and not release.is_set()
        assert grid.dropped == 2 and grid.updates == 0
        release.set()
        await until(lambda: not grid.pending)
        assert grid.updates == 1 and errors == []
        first = {name: image.value for name, image in grid.images.items()}
        assert set(first) == {*STYLE_LAYERS, "block4_conv2"} and all(v[:4] == b"\x89PNG" for v in first.values())
        assert grid.png_bytes == sum(len(v) for v in first.values()) and grid.root.layout.display is None
        # Too soon: the last update's work would be more than a tenth of the time since it started.
        assert grid.budget == 0.1 and not grid.offer(transfer, _SlowStep(transfer, release), list(transfer.history))
        assert grid.dropped == 3
        grid.budget = 1.0  # now as soon as the previous one is done
        assert grid.offer(transfer, _SlowStep(transfer, release), list(transfer.history))
        await until(lambda: not grid.pending)
        assert grid.updates == 2 and grid.dropped == 3
        grid.clear()
        assert grid.figure is None and all(image.value == b"" for image in grid.images.values())
        grid.close()

    run(scenario())


def test_the_dashboard_shows_every_layer_from_the_first_start_and_a_button_opens_one_in_detail():
    content, style = load_sample("cottage"), load_sample("swirls")
    dash = widgets.StyleTransferDashboard(content, style, every=1, iterations=500, tolerance=0, **FAST)
    grid = dash.layer_grid
    assert grid.root.layout.display == "none" and not dash.detail.open  # nothing yet; the detail starts closed

    async def scenario():
        dash.start()
        await until(lambda: grid.updates >= 1)
        first = {name: image.value for name, image in grid.images.items()}
        order = {name: grid.figure.order[name].copy() for name in STYLE_LAYERS}
        await until(lambda: grid.updates >= 3 and len(dash.history) >= 4)
        second = {name: image.value for name, image in grid.images.items()}
        dash.stop()
        await dash.wait()
        return first, order, second

    first, order, second = run(scenario())
    assert list(grid.images) == [*STYLE_LAYERS, "block4_conv2"] and grid.root.layout.display is None
    for name in STYLE_LAYERS:
        assert not np.array_equal(pixels(first[name]), pixels(second[name])), f"{name} did not change"
        assert np.array_equal(grid.figure.order[name], order[name])
    # One update per iteration asked for: each one shown, or dropped (pending, or more than a tenth of the time).
    assert grid.updates + grid.dropped >= len(dash.history) - 1
    assert grid.work_s > 0 and 0 < grid.png_bytes < 150_000
    assert dash.gram_widget.value == b""  # the detail is closed: not drawn

    grid.buttons["block3_conv1"].click()
    assert dash.detail.open and dash.panel_layer.value == "block3_conv1"
    assert dash.gram_widget.value[:4] == b"\x89PNG"  # stopped: drawn at once from the current image
    dash.reset()
    assert grid.figure is None and grid.root.layout.display == "none" and dash.gram_widget.value == b""
    dash.close()

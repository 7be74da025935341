"""The widgets of nst_teach.widgets, driven from Python as a student's clicks would drive them.

No browser: buttons are ``.click()``-ed and controls set through ``.value``.  The live
widgets run their optimisation as asyncio tasks, so those tests run inside
``asyncio.run(...)``.  VGG-19 uses seeded random weights, images are 64×48, runs are
a few iterations, and nothing touches the network.
"""

from __future__ import annotations

import asyncio
import datetime
import io
import re
import socket

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

from nst_teach import widgets  # noqa: E402
from nst_teach.errors import NSTError, OptionError  # noqa: E402
from nst_teach.images import preprocess, read_image  # noqa: E402
from nst_teach.layers import VGG19_LAYERS, layer_index  # noqa: E402
from nst_teach.samples import load_sample  # noqa: E402
from nst_teach.widgets.preview import _settings  # noqa: E402

SIZE = (64, 48)
FAST = {"size": SIZE, "weights": "random", "precision": "float32"}
PNG = b"\x89PNG"


@pytest.fixture(autouse=True)
def _offline(monkeypatch, tmp_path):
    """No network, downloads into a throw-away cache, and nothing left running afterwards."""
    monkeypatch.setenv("NST_TEACH_OFFLINE", "1")
    monkeypatch.setenv("NST_TEACH_CACHE", str(tmp_path / "cache"))
    yield
    widgets.stop_all()


@pytest.fixture(scope="module")
def content():
    return load_sample("cottage")


@pytest.fixture(scope="module")
def style():
    return load_sample("swirls")


def run(coro, timeout=100):
    """Runs a coroutine on a fresh event loop, as a plain script would."""
    return asyncio.run(asyncio.wait_for(coro, timeout))


async def until(condition, timeout=60.0):
    """Waits (yielding to the running widgets) until ``condition()`` holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "timed out waiting for the widget"
        await asyncio.sleep(0.02)


def decode_png(data):
    assert data[:4] == PNG
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


def png_bytes(rgb):
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="PNG")
    return buffer.getvalue()


def upload(picker, data, name):
    """What the browser does when a file is chosen in the FileUpload widget."""
    picker.upload.value = (
        {
            "name": name,
            "type": "image/png",
            "size": len(data),
            "content": memoryview(data),
            "last_modified": datetime.datetime.now(datetime.timezone.utc),
        },
    )


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ----------------------------------------------------------------------------------------------
# ImagePicker
# ----------------------------------------------------------------------------------------------


def test_picker_sample_choice_updates_value_and_shows_preprocessing():
    picker = widgets.ImagePicker("style", size=SIZE)
    assert np.array_equal(picker.value, load_sample("swirls"))  # the first style sample
    seen = []
    picker.on_change(seen.append)

    picker.sample.value = "mosaic"
    assert np.array_equal(picker.value, load_sample("mosaic"))
    assert len(seen) == 1 and seen[0] is picker.value
    picker.thumb_buttons["waves"].click()
    assert np.array_equal(picker.value, load_sample("waves"))
    assert picker.source == "sample 'waves'"

    assert picker.preview.value[:4] == PNG
    x = preprocess(load_sample("waves"), SIZE)
    assert picker.preprocessed.shape == x.shape == (1, SIZE[1], SIZE[0], 3)
    for c in range(3):  # the table shows each channel's mean after subtracting the ImageNet mean
        assert f"{x[0, :, :, c].astype(np.float64).mean():.3f}" in picker.stats.value
    assert "103.939" in picker.stats.value


def test_picker_upload_of_png_bytes(content):
    picker = widgets.ImagePicker("content", size=SIZE, thumbnails=False)
    rgb = np.random.default_rng(0).integers(0, 256, (40, 50, 3), dtype=np.uint8)
    upload(picker, png_bytes(rgb), "my photo.png")
    assert np.array_equal(picker.value, rgb)
    assert "my photo.png" in picker.status
    assert picker.upload.value == ()  # cleared, so that the same file can be chosen again


def test_picker_bad_upload_shows_error_and_keeps_previous_value():
    picker = widgets.ImagePicker("content", sample="relief", thumbnails=False)
    previous = picker.value
    upload(picker, b"Dear diary, this is not a picture at all.\n", "notes.png")
    assert picker.value is previous
    assert "not an image" in picker.status and "notes.png" in picker.status
    assert "nst-teach-upload" not in picker.status  # the temporary file is not the student's business
    assert "✘" in picker.status_widget.value

    picker.sample.value = "cottage"  # still usable afterwards
    assert np.array_equal(picker.value, load_sample("cottage"))


def test_picker_unreachable_url_shows_error():
    picker = widgets.ImagePicker("content", thumbnails=False)
    previous = picker.value
    picker.url.value = f"http://127.0.0.1:{free_port()}/picture.png"
    picker.load_button.click()
    assert picker.value is previous
    assert picker.status.startswith("Cannot load http://127.0.0.1:")
    picker.url.value = ""
    picker.load_button.click()
    assert "URL box" in picker.status and picker.value is previous


def test_picker_rejects_unknown_sample():
    with pytest.raises(OptionError, match="mosiac.*mosaic"):
        widgets.ImagePicker("style", sample="mosiac")


# ----------------------------------------------------------------------------------------------
# LayerExplorer and GramExplorer
# ----------------------------------------------------------------------------------------------


def activations(image, layer):
    from nst_teach.model import build_extractor

    return np.asarray(build_extractor([layer], weights="random")(preprocess(image, SIZE))[layer], np.float64)


def test_layer_explorer_statistics_follow_the_layer(content):
    explorer = widgets.LayerExplorer(content, size=SIZE, weights="random", top_k=4)
    first_png, first_text = explorer.image_widget.value, explorer.text
    assert first_png[:4] == PNG and "block1_conv1" in first_text

    explorer.layer.value = "block3_conv1"
    assert explorer.image_widget.value != first_png and explorer.text != first_text
    a = activations(content, "block3_conv1")
    record = VGG19_LAYERS[layer_index("block3_conv1")]
    n_h, n_w = record.output_size(SIZE)
    assert explorer.stats["shape"] == a.shape == (1, n_h, n_w, record.channels)
    assert f"1×{n_h}×{n_w}×{record.channels}" in explorer.text
    assert f"receptive field {record.receptive_field}×{record.receptive_field}" in explorer.text
    assert f"mean {a.mean():.4g}" in explorer.text
    assert f"max {a.max():.4g}" in explorer.text
    assert f"zeros {100 * np.mean(a == 0):.1f}%" in explorer.text
    top = np.argsort(-a.mean(axis=(0, 1, 2)), kind="stable")[:4]
    assert explorer.stats["channels"] == top.tolist()

    explorer.mode.value = "one"
    explorer.channel.value = 7
    channel = a[..., 7]
    assert f"channel 7:  mean {channel.mean():.4g}   max {channel.max():.4g}" in explorer.text
    assert explorer.channel.max == record.channels - 1


def test_layer_explorer_follows_an_image_picker():
    picker = widgets.ImagePicker("content", sample="cottage", size=SIZE, thumbnails=False)
    explorer = widgets.LayerExplorer(picker, size=SIZE, weights="random")
    picker.sample.value = "relief"
    a = activations(load_sample("relief"), "block1_conv1")
    assert explorer.stats["mean"] == pytest.approx(a.mean(), rel=1e-5)


J_PATTERN = re.compile(r"J_style\[(\w+)\] = \S+ / \S+ = (\S+)")


def test_gram_explorer_cost_equals_layer_style_cost(content, style):
    from nst_teach.costs import layer_style_cost

    explorer = widgets.GramExplorer(style, content, size=SIZE, weights="random")
    for layer in ("block1_conv1", "block2_conv1"):
        before_png, before_text = explorer.image_widget.value, explorer.text
        explorer.layer.value = layer
        if layer != "block1_conv1":
            assert explorer.image_widget.value != before_png and explorer.text != before_text
        a_s, a_g = activations(style, layer), activations(content, layer)
        expected = float(layer_style_cost(a_s.astype(np.float32), a_g.astype(np.float32)))
        name, shown = J_PATTERN.search(explorer.text).groups()
        assert name == layer
        assert float(shown) == pytest.approx(expected, rel=1e-3)
        _, n_h, n_w, n_c = a_s.shape
        assert explorer.terms["n_C"] == n_c and explorer.terms["n_HW"] == n_h * n_w
        assert explorer.terms["normalisation"] == 4 * n_c**2 * (n_h * n_w) ** 2
        g_s = a_s[0].reshape(-1, n_c).T @ a_s[0].reshape(-1, n_c)
        g_g = a_g[0].reshape(-1, n_c).T @ a_g[0].reshape(-1, n_c)
        assert explorer.terms["sum_sq"] == pytest.approx(np.sum((g_s - g_g) ** 2), rel=1e-3)

    linear = explorer.image_widget.value
    explorer.log.value = True
    assert explorer.image_widget.value != linear


def test_gram_explorer_style_only(style):
    explorer = widgets.GramExplorer(style, size=SIZE, weights="random")
    assert explorer.a_generated is None and explorer.terms["cost"] is None
    assert "generated=" in explorer.text and explorer.image_widget.value[:4] == PNG


# ----------------------------------------------------------------------------------------------
# StyleTransferDashboard
# ----------------------------------------------------------------------------------------------


def test_dashboard_options_follow_the_controls(content, style):
    dash = widgets.StyleTransferDashboard(content, style, alpha=5, optimizer="lbfgs", **FAST)
    options = dash.options()
    assert options["alpha"] == pytest.approx(5) and options["size"] == SIZE and options["weights"] == "random"
    assert options["style_layers"] == pytest.approx({f"block{i}_conv1": 0.2 for i in range(1, 6)})
    dash.beta.value = 123.0
    dash.style_enabled["block5_conv1"].value = False
    dash.style_weights["block1_conv2"].value = 0.5
    dash.style_enabled["block1_conv2"].value = True
    dash.optimizer.value = "adam"
    options = dash.options()
    assert options["beta"] == pytest.approx(123.0)
    assert "block5_conv1" not in options["style_layers"] and options["style_layers"]["block1_conv2"] == 0.5
    assert options["optimizer"] == "adam" and options["learning_rate"] == pytest.approx(2.0)  # Adam's own
    assert dash.image is None and dash.image_widget.value[:4] == PNG  # the content, before any run
    assert "seeded random filters" in dash.status

    with pytest.raises(OptionError, match="Did you mean 'beta'"):
        widgets.StyleTransferDashboard(content, style, betta=3, **FAST)
    with pytest.raises(NSTError, match="asyncio.run"):
        dash.start()  # plain Python, no running event loop


def test_dashboard_start_control_and_the_noise_controls_it_greys_out(content, style):
    dash = widgets.StyleTransferDashboard(content, style, **FAST)
    assert dash.init.value == "content" and dash.options()["init"] == "content"  # nst-teach's default start
    assert dash.noise_ratio.disabled and dash.seed.disabled  # no noise: its share and seed do nothing
    dash.init.value = "noise"
    assert not dash.noise_ratio.disabled and not dash.seed.disabled and dash.options()["init"] == "noise"
    seed = widgets.StyleTransferDashboard(content, style, preset="reference", **FAST)
    assert seed.init.value == "noise" and not seed.noise_ratio.disabled  # the reference recipe's noisy start
    start = np.zeros((1, SIZE[1], SIZE[0], 3), np.float32)  # an image of its own: offered as "the image given"
    given = widgets.StyleTransferDashboard(content, style, init=start, **FAST)
    assert given.init.value == "given" and "the image given" in given.init.label
    assert given.options()["init"] is start and given.noise_ratio.disabled


def test_dashboard_invalid_controls_show_a_message(content, style):
    dash = widgets.StyleTransferDashboard(content, style, **FAST)

    async def scenario():
        for slider in dash.style_weights.values():
            slider.value = 0.0
        assert dash.start() is None
        assert "Cannot start" in dash.status and "coefficient" in dash.status and not dash.running
        for check in dash.style_enabled.values():
            check.value = False
        dash.start_button.click()  # a click never raises
        assert "style_layers is empty" in dash.status and not dash.running
        dash.style_enabled["block1_conv1"].value = True
        dash.style_weights["block1_conv1"].value = 1.0
        dash.tv_weight.value = float("nan")
        assert dash.start() is None and "tv_weight" in dash.status
        assert widgets.running() == []

    run(scenario())


def test_dashboard_start_pause_resume_stop_save_reset(content, style, tmp_path, monkeypatch):
    dash = widgets.StyleTransferDashboard(content, style, every=2, iterations=500, panel_layer="block1_conv1", **FAST)
    before = dash.image_widget.value
    # Panels without a picture yet stay out of the page (no broken-image icons).
    assert dash.costs_widget.layout.display == "none" and dash.gram_widget.layout.display == "none"
    dash.beta.value = 55.0

    async def scenario():
        dash.start_button.click()
        task = dash.task
        assert dash.running and task is not None
        await until(lambda: len(dash.history) >= 3 and dash.image_widget.value != before)
        assert dash.costs_widget.value[:4] == PNG
        assert dash.style_maps_widget.value[:4] == PNG and dash.gram_widget.value[:4] == PNG
        assert re.search(
            r"iteration \d+ of ~\d+ \((the limit|converged, forecast from the cost.s trend); "
            r"at most \d+\) · [\d.]+ it/s · ETA",
            dash.status,
        )
        assert "precision: float32" in dash.status and "random" in dash.status
        assert "β = 55" in dash.status  # the kernel's run uses what the control says
        assert dash.costs_widget.layout.display is None  # shown now that it has a picture

        dash.pause_button.click()
        assert dash.paused and dash.pause_button.description == "Resume"
        paused_at = len(dash.history)
        await asyncio.sleep(0.5)
        assert len(dash.history) == paused_at and not task.done()
        dash.pause_button.click()
        assert not dash.paused
        await until(lambda: len(dash.history) > paused_at + 1)

        dash.stop_button.click()
        await dash.wait()
        assert task.done() and not dash.running and "Stopped" in dash.status
        return paused_at

    paused_at = run(scenario())
    rows = dash.history
    assert [r["iteration"] for r in rows] == list(range(1, len(rows) + 1))  # nothing lost over the pause
    assert len(rows) > paused_at and all(np.isfinite(r["total"]) for r in rows)
    assert set(rows[0]["style_by_layer"]) == set(dash.options()["style_layers"])
    image = dash.image
    assert image.shape == (SIZE[1], SIZE[0], 3) and image.dtype == np.uint8
    assert np.array_equal(decode_png(dash.image_widget.value), image)  # Stop shows the last image

    saved = dash.save(tmp_path / "result.png")
    assert np.array_equal(read_image(saved), image)
    monkeypatch.chdir(tmp_path)
    dash.save_button.click()  # empty Save box: a time-stamped JPEG in the working folder
    written = sorted(tmp_path.glob("nst-teach-*.jpg"))
    assert len(written) == 1 and str(written[0]) in dash.status
    assert read_image(written[0]).shape == image.shape

    dash.reset_button.click()
    assert dash.history == [] and dash.image is None and not dash.running
    assert dash.costs_widget.value == b"" and "Ready" in dash.status
    with pytest.raises(NSTError, match="no image to save"):
        dash.save(tmp_path / "nothing.png")


def test_dashboard_restart_and_new_dashboard_stop_the_previous_run(content, style):
    dash = widgets.StyleTransferDashboard(content, style, every=3, iterations=500, panel_layer=None, **FAST)

    async def scenario():
        first = dash.start()
        await until(lambda: len(dash.history) >= 2)
        second = dash.start()  # Start again: the first run ends, one run goes on
        await first
        assert first.done() and not second.done()
        assert dash.running and widgets.running() == [dash]
        grown = len(dash.history)
        await until(lambda: len(dash.history) > grown)

        dash.stop()
        await dash.wait()
        kept = len(dash.history)
        dash.beta.value = 400.0  # new settings: the next run continues from the current image
        third = dash.start()
        await until(lambda: len(dash.history) > kept + 1)

        replacement = widgets.StyleTransferDashboard(content, style, **FAST)  # the cell is re-run
        assert not dash.running and "Stopped" in dash.status
        await third
        assert widgets.running() == []
        return replacement, kept

    replacement, kept = run(scenario())
    assert replacement.history == [] and not replacement.running
    iterations = [r["iteration"] for r in dash.history]
    assert iterations == list(range(1, len(iterations) + 1))  # one history over the three runs
    assert dash.image is not None
    for i, row in enumerate(dash.history):  # J = α·J_content + β·J_style, with the β of each run
        beta = 40.0 if i < kept else 400.0
        assert row["total"] == pytest.approx(10.0 * row["content"] + beta * row["style"], rel=1e-4)


# ----------------------------------------------------------------------------------------------
# PreviewGrid
# ----------------------------------------------------------------------------------------------


def test_preview_grid_fills_one_thumbnail_per_setting(content, style):
    grid = widgets.PreviewGrid(
        content,
        style,
        vary={"noise_ratio": [0.2, 0.8]},
        init="noise",
        size=SIZE,
        iterations=3,
        weights="random",
        precision="float32",
    )
    placeholders = [image.value for image, _ in grid.cells]
    assert [label for label, _ in grid.settings] == ["noise_ratio=0.2", "noise_ratio=0.8"]

    async def scenario():
        task = grid.start()
        assert grid.running
        await grid.wait()
        assert task.done() and not grid.running

    run(scenario())
    assert set(grid.results) == {"noise_ratio=0.2", "noise_ratio=0.8"} and grid.errors == {}
    for (label, _), (image, caption), placeholder in zip(grid.settings, grid.cells, placeholders):
        assert image.value != placeholder
        assert np.array_equal(decode_png(image.value), grid.results[label])
        assert "J =" in caption.value and re.search(r"\(\d+ it\., (converged|limit)\)", caption.value)  # how it ended
    assert not np.array_equal(grid.results["noise_ratio=0.2"], grid.results["noise_ratio=0.8"])
    assert "Done: 2 of 2" in grid.status


def test_preview_grid_settings():
    settings = _settings(
        {"pooling": ["avg", "max"], "style_layers": {"shallow": {"block1_conv1": 1.0}, "deep": {"block5_conv1": 1.0}}}
    )
    assert [label for label, _ in settings] == [
        "pooling=avg · style_layers=shallow",
        "pooling=avg · style_layers=deep",
        "pooling=max · style_layers=shallow",
        "pooling=max · style_layers=deep",
    ]
    assert settings[3][1] == {"pooling": "max", "style_layers": {"block5_conv1": 1.0}}
    with pytest.raises(OptionError, match="Did you mean 'beta'"):
        _settings({"betta": [1, 2]})
    with pytest.raises(OptionError, match="non-empty dict"):
        _settings([1, 2])


def test_preview_grid_stop_keeps_it_usable(content, style):
    grid = widgets.PreviewGrid(
        content, style, vary={"pooling": ["avg", "max"]}, size=SIZE, iterations=2, weights="random"
    )

    async def scenario():
        task = grid.start()
        grid.stop_button.click()  # before the first run has begun
        await task
        assert not grid.running and grid.results == {}
        assert all("stopped" in caption.value for _, caption in grid.cells)
        assert grid.status.startswith("Stopped: 0 of 2")

    run(scenario())

"""The one-shot pictures of nst_teach.viz, checked through the data their artists hold (Agg backend, no display)."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib import colors as mcolors  # noqa: E402
from PIL import Image  # noqa: E402

from nst_teach import viz  # noqa: E402
from nst_teach.defaults import VGG_MEANS_BGR  # noqa: E402
from nst_teach.errors import ImageError, OptionError  # noqa: E402


def rng_acts(shape, seed=0):
    return np.random.default_rng(seed).uniform(0.0, 1.0, shape).astype(np.float32)


def np_gram(a):
    """G = A Aᵀ with A[c, p] = channel c at position p, written with plain NumPy."""
    a = np.asarray(a, np.float64)[0]
    A = a.reshape(-1, a.shape[-1]).T
    return A @ A.T


def image_artists(fig):
    return [ax.images[0] for ax in fig.axes if ax.images]


def png_pixels(data: bytes) -> np.ndarray:
    img = Image.open(io.BytesIO(data))
    assert img.format == "PNG"
    return np.asarray(img.convert("RGB"))


# --- feature_maps ------------------------------------------------------------------------------


def test_feature_maps_puts_the_most_active_channel_first_and_shows_top_k():
    a = rng_acts((1, 6, 8, 10))
    a[..., 5] += 10.0  # channel 5 is the most active...
    a[..., 2] += 5.0  # ...then channel 2
    fig = viz.feature_maps(a, top_k=4)
    ims = image_artists(fig)
    assert len(ims) == 4
    expected = np.argsort(-a[0].mean(axis=(0, 1)))[:4]
    assert list(expected[:2]) == [5, 2]
    for im, c in zip(ims, expected):
        assert im.axes.get_title().startswith(f"#{c} ")
        np.testing.assert_array_equal(im.get_array(), a[0, :, :, c])
    assert f"{a[0, :, :, 5].mean():.3g}" in ims[0].axes.get_title()


def test_feature_maps_shows_all_channels_when_top_k_exceeds_them_and_honours_channels():
    a = rng_acts((6, 8, 3))  # no batch axis
    assert len(image_artists(viz.feature_maps(a, top_k=16))) == 3
    ims = image_artists(viz.feature_maps(a, channels=[2, 0]))
    assert [im.axes.get_title().split()[0] for im in ims] == ["#2", "#0"]
    np.testing.assert_array_equal(ims[0].get_array(), a[:, :, 2])


def test_feature_maps_title_names_layer_shape_and_receptive_field():
    layers = pytest.importorskip("nst_teach.layers")
    record = layers.VGG19_LAYERS[layers.layer_index("block3_conv1")]
    a = rng_acts((1, 5, 7, record.channels))
    for ref in ("block3_conv1", record.index):
        title = viz.feature_maps(a, ref, top_k=2).get_suptitle()
        assert "block3_conv1" in title
        assert f"5×7×{record.channels}" in title
        assert f"receptive field {record.receptive_field} px" in title
    # A layer VGG-19 does not have is still named, without a receptive field.
    title = viz.feature_maps(a, "my_layer", top_k=2).get_suptitle()
    assert "my_layer" in title and "receptive field" not in title


def test_feature_maps_picks_a_layer_from_an_extractor_dict():
    acts = {"block1_conv1": rng_acts((1, 4, 4, 3), 1), "block2_conv1": rng_acts((1, 2, 2, 5), 2)}
    ims = image_artists(viz.feature_maps(acts, "block2_conv1", top_k=5))
    assert len(ims) == 5 and ims[0].get_array().shape == (2, 2)
    with pytest.raises(OptionError, match="layer="):
        viz.feature_maps(acts)


@pytest.mark.parametrize(
    "kwargs",
    [{"top_k": 0}, {"top_k": "4"}, {"channels": [99]}, {"channels": []}],
)
def test_feature_maps_rejects_bad_choices(kwargs):
    with pytest.raises(OptionError):
        viz.feature_maps(rng_acts((1, 4, 4, 6)), **kwargs)


def test_feature_maps_rejects_non_activations():
    with pytest.raises(OptionError, match="shape"):
        viz.feature_maps(np.zeros((4, 4), np.float32))
    with pytest.raises(OptionError, match="batch"):
        viz.feature_maps(np.zeros((2, 4, 4, 3), np.float32))


# --- gram_heatmaps -----------------------------------------------------------------------------


def test_gram_heatmaps_shows_style_generated_and_their_difference():
    a_s, a_g = rng_acts((1, 5, 4, 6), 1), rng_acts((1, 5, 4, 6), 2)
    fig = viz.gram_heatmaps(a_s, a_g, layer="block1_conv1")
    ims = image_artists(fig)
    assert len(ims) == 3
    g_s, g_g = np_gram(a_s), np_gram(a_g)
    np.testing.assert_allclose(ims[0].get_array(), g_s, rtol=1e-5)
    np.testing.assert_allclose(ims[1].get_array(), g_g, rtol=1e-5)
    np.testing.assert_allclose(ims[2].get_array(), np.abs(g_s - g_g), rtol=1e-4, atol=1e-5)
    assert all(im.colorbar is not None for im in ims)
    # Style and generated share one colour scale, so equal colours mean equal values.
    assert (ims[0].norm.vmin, ims[0].norm.vmax) == (ims[1].norm.vmin, ims[1].norm.vmax)
    assert "block1_conv1" in fig.get_suptitle()


def test_gram_heatmaps_accepts_a_style_image_of_another_size():
    a_s, a_g = rng_acts((1, 5, 4, 6), 1), rng_acts((1, 3, 7, 6), 2)
    ims = image_artists(viz.gram_heatmaps(a_s, a_g))
    np.testing.assert_allclose(ims[1].get_array(), np_gram(a_g), rtol=1e-5)
    with pytest.raises(OptionError, match="channels"):
        viz.gram_heatmaps(a_s, rng_acts((1, 5, 4, 7)))


def test_gram_heatmaps_without_generated_shows_only_style():
    a_s = rng_acts((1, 5, 4, 6))
    ims = image_artists(viz.gram_heatmaps(a_s))
    assert len(ims) == 1
    np.testing.assert_allclose(ims[0].get_array(), np_gram(a_s), rtol=1e-5)


def test_gram_heatmaps_log_option_uses_a_log_norm():
    a_s, a_g = rng_acts((1, 5, 4, 6), 1), rng_acts((1, 5, 4, 6), 2)
    log_kinds = (mcolors.LogNorm, mcolors.SymLogNorm)
    assert all(isinstance(im.norm, log_kinds) for im in image_artists(viz.gram_heatmaps(a_s, a_g, log=True)))
    assert not any(isinstance(im.norm, log_kinds) for im in image_artists(viz.gram_heatmaps(a_s, a_g)))
    # Identical activations: an all-zero difference still draws.
    assert viz.gram_heatmaps(a_s, a_s, log=True).axes


# --- cost_curves -------------------------------------------------------------------------------

HISTORY = {
    "iteration": [0, 20, 40, 60],
    "total": [900.0, 400.0, 150.0, 90.0],
    "content": [0.0, 3.0, 4.0, 4.5],
    "style": [22.0, 9.0, 3.0, 1.5],
    "style_by_layer": {"block1_conv1": [50.0, 20.0, 5.0, 2.0], "block5_conv1": [1.0, 0.8, 0.5, 0.4]},
}


def as_records(history):
    n = len(history["iteration"])
    return [
        {
            **{k: history[k][i] for k in ("iteration", "total", "content", "style")},
            "style_by_layer": {name: v[i] for name, v in history["style_by_layer"].items()},
        }
        for i in range(n)
    ]


class Attrs:
    def __init__(self, **kwargs):
        self.__dict__.update(kwargs)


def line_data(fig):
    return {line.get_label(): (list(line.get_xdata()), list(line.get_ydata())) for ax in fig.axes for line in ax.lines}


def check_lines(fig, history):
    data = line_data(fig)
    for key, label in viz.COST_LABELS.items():
        assert data[label] == (history["iteration"], history[key])
    for name, values in history["style_by_layer"].items():
        assert data[name] == (history["iteration"], values)


@pytest.mark.parametrize("form", ["columns", "records", "record objects", "attributes", "history attribute"])
def test_cost_curves_plot_the_history_values(form):
    history = {
        "columns": HISTORY,
        "records": as_records(HISTORY),
        "record objects": [Attrs(**r) for r in as_records(HISTORY)],
        "attributes": Attrs(**HISTORY),
        "history attribute": Attrs(history=as_records(HISTORY)),
    }[form]
    fig = viz.cost_curves(history)
    assert len(fig.axes) == 2
    check_lines(fig, HISTORY)


def test_cost_curves_scales_and_plots():
    fig = viz.cost_curves(HISTORY, per_layer=False, log=False)
    assert len(fig.axes) == 1 and fig.axes[0].get_yscale() == "linear"
    assert "block1_conv1" not in line_data(fig)
    assert all(ax.get_yscale() == "log" for ax in viz.cost_curves(HISTORY).axes)


def test_cost_curves_without_iterations_counts_records_and_rejects_mismatches():
    fig = viz.cost_curves({"total": [3.0, 2.0, 1.0]}, per_layer=False)
    assert line_data(fig)[viz.COST_LABELS["total"]] == ([0, 1, 2], [3.0, 2.0, 1.0])
    with pytest.raises(OptionError, match="iteration"):
        viz.cost_curves({"iteration": [0, 1], "total": [3.0, 2.0, 1.0]})
    with pytest.raises(OptionError, match="keys"):
        viz.cost_curves({"loss": [1.0]})


# --- show_images -------------------------------------------------------------------------------


def test_show_images_side_by_side_with_titles():
    rng = np.random.default_rng(0)
    imgs = {"content": rng.integers(0, 256, (6, 8, 3), np.uint8), "style": rng.integers(0, 256, (4, 4, 3), np.uint8)}
    fig = viz.show_images(imgs)
    assert [ax.get_title() for ax in fig.axes] == ["content", "style"]
    for im, img in zip(image_artists(fig), imgs.values()):
        np.testing.assert_array_equal(im.get_array(), img)
    positions = [ax.get_position().x0 for ax in fig.axes]
    assert positions == sorted(positions)  # left to right
    assert len(image_artists(viz.show_images([imgs["style"]], titles=["s"]))) == 1


def test_show_images_shows_preprocessed_floats_as_the_same_picture():
    pytest.importorskip("nst_teach.images")
    rgb = np.random.default_rng(1).integers(0, 256, (6, 8, 3), np.uint8)
    # Preprocessing by hand: RGB -> BGR, minus the ImageNet means, batch axis.
    pre = (rgb[:, :, ::-1].astype(np.float32) - np.array(VGG_MEANS_BGR, np.float32))[None]
    fig = viz.show_images({"uint8": rgb, "float": pre})
    a, b = image_artists(fig)
    np.testing.assert_array_equal(a.get_array(), rgb)
    np.testing.assert_array_equal(b.get_array(), rgb)


def test_show_images_rejects_what_is_not_a_picture():
    with pytest.raises(ImageError, match="shape"):
        viz.show_images(np.zeros((4, 4, 5), np.uint8))
    with pytest.raises(OptionError, match="empty"):
        viz.show_images([])


def test_tensorflow_inputs_are_accepted():
    tf = pytest.importorskip("tensorflow")
    a = rng_acts((1, 4, 5, 3))
    ims = image_artists(viz.feature_maps(tf.constant(a), channels=[1]))
    np.testing.assert_array_equal(ims[0].get_array(), a[0, :, :, 1])
    ims = image_artists(viz.gram_heatmaps(tf.Variable(a)))
    np.testing.assert_allclose(ims[0].get_array(), np_gram(a), rtol=1e-5)


def test_functions_do_not_leave_pyplot_figures_behind():
    before = plt.get_fignums()
    viz.show_images(np.zeros((4, 4, 3), np.uint8))
    viz.feature_maps(rng_acts((1, 4, 4, 3)))
    viz.gram_heatmaps(rng_acts((1, 4, 4, 3)))
    viz.cost_curves(HISTORY)
    assert plt.get_fignums() == before


def test_functions_draw_into_a_given_figure():
    fig = viz.show_images(np.zeros((4, 4, 3), np.uint8))
    again = viz.feature_maps(rng_acts((1, 4, 4, 3)), top_k=3, fig=fig)
    assert again is fig and len(image_artists(fig)) == 3  # the images were cleared


def test_the_live_figures_are_reachable_from_viz():
    from nst_teach.viz import live

    for name in live.__all__:
        assert getattr(viz, name) is getattr(live, name)
    assert "LiveCosts" in dir(viz)
    with pytest.raises(AttributeError, match="no_such_name"):
        viz.no_such_name  # noqa: B018 - the attribute access is the test

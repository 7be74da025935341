"""The live figures of nst_teach.viz.live: updated in place, rendered to PNG, closed (Agg backend, no display)."""

from __future__ import annotations

import gc

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib import colors as mcolors  # noqa: E402
from test_viz import HISTORY, as_records, check_lines, image_artists, np_gram, png_pixels, rng_acts  # noqa: E402

from nst_teach.errors import NSTError, OptionError  # noqa: E402
from nst_teach.viz import live as live_figs  # noqa: E402


@pytest.fixture(autouse=True)
def _no_leftover_figures():
    """Each test starts and ends with no live figure open."""
    live_figs.close_all()
    yield
    live_figs.close_all()


def test_live_images_update_in_place_and_png_changes():
    black, white = np.zeros((6, 8, 3), np.uint8), np.full((6, 8, 3), 255, np.uint8)
    live = live_figs.LiveImages({"content": black, "generated": black})
    before = image_artists(live.fig)
    png_before = png_pixels(live.to_png())
    live.update({"generated": white}, title="iteration 20")
    after = image_artists(live.fig)
    assert [id(im) for im in after] == [id(im) for im in before]
    np.testing.assert_array_equal(after[1].get_array(), white)
    np.testing.assert_array_equal(after[0].get_array(), black)
    assert live.fig.get_suptitle() == "iteration 20"
    png_after = png_pixels(live.to_png())
    assert png_after.shape == png_before.shape
    assert not np.array_equal(png_after, png_before)
    # A new size is shown whole.
    live.update({"generated": np.full((3, 5, 3), 255, np.uint8)})
    assert after[1].get_extent() == [-0.5, 4.5, 2.5, -0.5]
    with pytest.raises(OptionError, match="generated"):
        live.update({"nope": white})
    live.close()


def test_live_costs_append_and_update_change_the_same_lines():
    live = live_figs.LiveCosts()
    records = as_records(HISTORY)
    live.append(records[0])
    lines = dict(live.lines)
    png_before = png_pixels(live.to_png())
    for r in records[1:]:
        live.append(r)
    assert live.lines == lines  # same Line2D objects
    check_lines(live.fig, HISTORY)
    assert set(live.layer_lines) == set(HISTORY["style_by_layer"])
    assert not np.array_equal(png_pixels(live.to_png()), png_before)
    live.update(as_records(HISTORY)[:2])
    assert list(live.lines["total"].get_ydata()) == HISTORY["total"][:2]
    live.close()


def test_live_feature_maps_update_in_place():
    a1, a2 = rng_acts((1, 6, 8, 5), 1), rng_acts((1, 6, 8, 5), 2)
    a1[..., 3] += 5
    live = live_figs.LiveFeatureMaps(a1, "block1_conv1", top_k=2)
    assert live.channels[0] == 3
    before = image_artists(live.fig)
    png_before = png_pixels(live.to_png())
    live.update(a2)
    after = image_artists(live.fig)
    assert [id(im) for im in after] == [id(im) for im in before]
    for im, c in zip(after, live.channels):
        np.testing.assert_array_equal(im.get_array(), a2[0, :, :, c])  # same channels, new data
    assert not np.array_equal(png_pixels(live.to_png()), png_before)
    with pytest.raises(OptionError, match="channels"):
        live.update(rng_acts((1, 6, 8, 4)))
    live.close()


def test_live_gram_update_in_place():
    a_s, a_g1, a_g2 = (rng_acts((1, 5, 4, 6), s) for s in (1, 2, 3))
    live = live_figs.LiveGram(a_s, a_g1, log=True)
    before = image_artists(live.fig)
    png_before = png_pixels(live.to_png())
    live.update(3 * a_g2)
    after = image_artists(live.fig)
    assert [id(im) for im in after] == [id(im) for im in before]
    np.testing.assert_allclose(after[1].get_array(), np_gram(3 * a_g2), rtol=1e-5)
    np.testing.assert_allclose(after[2].get_array(), np.abs(np_gram(a_s) - np_gram(3 * a_g2)), rtol=1e-4)
    assert isinstance(after[0].norm, mcolors.SymLogNorm)
    assert not np.array_equal(png_pixels(live.to_png()), png_before)
    live.close()


def test_close_releases_and_ignores_later_updates():
    live = live_figs.LiveCosts(HISTORY)
    assert live in live_figs.live_figures() and not live.closed
    live.close()
    assert live.closed and live not in live_figs.live_figures()
    assert live.fig.axes == [] and live.lines == {}
    live.append(iteration=80, total=1.0)  # a loop still feeding it does no harm
    with pytest.raises(NSTError, match="closed"):
        live.to_png()
    live.close()  # twice is fine
    with live_figs.LiveImages(np.zeros((4, 4, 3), np.uint8)) as ctx:
        assert not ctx.closed
    assert ctx.closed


def test_same_key_leaves_only_one_figure_open():
    before = plt.get_fignums()
    made = [live_figs.LiveCosts(key="cell 7") for _ in range(30)]  # kept alive on purpose
    open_now = live_figs.live_figures()
    assert open_now == [made[-1]]
    assert all(f.closed for f in made[:-1])
    other = live_figs.LiveImages(np.zeros((4, 4, 3), np.uint8), key="cell 7")  # another class, its own slot
    assert set(live_figs.live_figures()) == {made[-1], other}
    assert plt.get_fignums() == before  # nothing went to pyplot


def test_close_all_and_forgotten_figures():
    keep = [live_figs.LiveCosts(), live_figs.LiveGram(rng_acts((1, 3, 3, 2)))]
    live_figs.LiveCosts()  # not kept: released with its last reference
    gc.collect()
    assert set(live_figs.live_figures()) == set(keep)
    assert live_figs.close_all() == 2
    assert live_figs.live_figures() == [] and all(f.closed for f in keep)


def test_live_figure_draws_into_a_pyplot_figure_and_closes_it():
    fig = plt.figure()
    live = live_figs.LiveCosts(HISTORY, fig=fig)
    assert live.fig is fig and plt.fignum_exists(fig.number)
    check_lines(fig, HISTORY)
    assert png_pixels(live.to_png()).size
    live.close()
    assert not plt.fignum_exists(fig.number)

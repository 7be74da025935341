"""nst_teach/viz/diagrams.py and the one-shot figures notebooks 02 and 04 draw through nst.viz.

The diagrams are drawn from VGG-19's shapes, not written by hand: every shape label must be the layer
table's for the size asked, so a different size (or layer) changes the labels. They read without colour
(every coloured box has its own hatching) and say in words what they show (their alt text).
"""

from __future__ import annotations

import base64
import html
import re

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

from nst_teach import viz  # noqa: E402
from nst_teach.errors import LayerError, OptionError  # noqa: E402
from nst_teach.layers import VGG19_LAYERS  # noqa: E402
from nst_teach.viz.diagrams import Diagram, shape_text  # noqa: E402

OKABE_ITO = {"#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000", "#f0e442"}


def texts(diagram: Diagram) -> str:
    """Every text drawn on the diagram (titles, labels, the legend), one per line."""
    fig = diagram.figure
    found = [t.get_text() for t in fig.findobj(matplotlib.text.Text)]
    return "\n".join(found)


def layer(name: str):
    return next(entry for entry in VGG19_LAYERS if entry.name == name)


# --- the pipeline --------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [(400, 300), (200, 150), (64, 48)])
def test_the_pipeline_labels_every_layer_it_reads_with_its_shape_at_that_size(size):
    drawn = pipeline_text = texts(viz.pipeline_diagram(size))
    width, height = size
    assert f"{height}×{width}×3" in drawn  # the three images
    for name in ["block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1", "block5_conv1", "block4_conv2"]:
        n_h, n_w = layer(name).output_size(size)
        assert f"{name}\n{n_h}×{n_w}×{layer(name).channels}" in pipeline_text, (name, size)
    assert "Gram 64×64" in drawn and "Gram 512×512" in drawn
    assert r"$J = \alpha\,J_{content} + \beta\,J_{style}$" in drawn and r"\partial J / \partial G" in drawn


def test_another_size_changes_the_labels():
    big, small = texts(viz.pipeline_diagram((400, 300))), texts(viz.pipeline_diagram((200, 150)))
    assert "300×400×64" in big and "300×400×64" not in small and "150×200×64" in small
    assert "38×50×512" in big and "19×25×512" in small  # block4_conv2 (SAME padding rounds up: 75 -> 38)


def test_other_layers_are_drawn_where_they_are_read():
    drawn = texts(viz.pipeline_diagram((400, 300), content_layer="block5_conv2", style_layers=["block2_conv2"]))
    assert "block5_conv2\n19×25×512" in drawn and "block2_conv2\n150×200×128\nGram 128×128" in drawn
    assert "block4_conv2" not in drawn and "block1_conv1" not in drawn and "at the 1 style layers" in drawn
    with pytest.raises(LayerError, match="block1_pool"):
        viz.pipeline_diagram(content_layer="block1_pool")
    with pytest.raises(LayerError, match="block9"):
        viz.pipeline_diagram(style_layers=["block9_conv1"])


def test_the_pipeline_s_alt_text_says_what_it_shows_with_the_same_shapes():
    diagram = viz.pipeline_diagram((200, 150))
    said = ["content image C", "style image S", "generated image G", "VGG-19", "block4_conv2 (19×25×512)"]
    said += ["block1_conv1 (150×200×64, Gram 64×64)", "J = α·J_content + β·J_style", "gradient ∂J/∂G"]
    for words in said:
        assert words in diagram.alt, words
    page = diagram._repr_html_()
    assert page.startswith('<img src="data:image/png;base64,') and f'alt="{html.escape(diagram.alt)}"' in page
    png = base64.b64decode(re.search(r"base64,([^\"]+)\"", page).group(1))
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


# --- the Gram matrix ------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "size"), [("block1_conv1", (400, 300)), ("block3_conv1", (200, 150))])
def test_the_gram_diagram_s_shapes_are_the_layer_s_at_that_size(name, size):
    diagram = viz.gram_diagram(name, size)
    drawn = texts(diagram)
    n_h, n_w = layer(name).output_size(size)
    n_c = layer(name).channels
    assert f"(1, n_H, n_W, n_C) = (1, {n_h}, {n_w}, {n_c})" in drawn
    assert f"(n_C, n_H·n_W) = ({n_c}, {n_h * n_w})" in drawn and f"(n_C, n_C) = ({n_c}, {n_c})" in drawn
    assert f"channel {n_c - 1} = n_C − 1" in drawn and f"row {n_c - 1}" in drawn
    assert f"shape (1, {n_h}, {n_w}, {n_c})" in diagram.alt and f"({n_c}, {n_h * n_w})" in diagram.alt
    assert shape_text(layer(name), size) == f"{n_h}×{n_w}×{n_c}"


def test_the_gram_diagram_refuses_a_layer_that_is_not_a_convolution():
    with pytest.raises(LayerError, match="pool"):
        viz.gram_diagram("block2_pool")


# --- readable without colour -----------------------------------------------------------------------


@pytest.mark.parametrize("make", [lambda: viz.pipeline_diagram((200, 150)), lambda: viz.gram_diagram()])
def test_the_diagrams_tell_their_boxes_apart_by_hatching_and_use_safe_colours(make):
    fig = make().figure
    # The pale tints behind the cost boxes' words are backgrounds: their words say what they are.
    boxes = [
        p
        for ax in fig.axes
        for p in ax.patches
        if isinstance(p, Rectangle) and p.get_fill() and (p.get_alpha() is None or p.get_alpha() > 0.5)
    ]
    looks = {}
    for box in boxes:
        looks.setdefault(to_hex(box.get_facecolor()), set()).add(box.get_hatch() or "")
    saturated = {colour for colour in looks if len({colour[1:3], colour[3:5], colour[5:7]}) > 1}
    assert saturated <= OKABE_ITO, saturated - OKABE_ITO  # greys aside, only Okabe & Ito's colours
    hatchings = [h for colour, hs in looks.items() if colour in saturated for h in hs]
    assert len(hatchings) == len(set(hatchings)), f"two colours share a hatching: {looks}"
    sizes = [t.get_fontsize() for t in fig.findobj(matplotlib.text.Text) if t.get_text()]
    assert min(sizes) >= 7.5, "a label too small to read at the notebook's width"
    scalar = [im for ax in fig.axes for im in ax.get_images() if np.ndim(im.get_array()) == 2]
    assert not scalar, "the diagrams show pictures, not arrays of numbers in false colour"


# --- the notebooks' one-shot figures ---------------------------------------------------------------


def test_the_receptive_field_bars_are_the_ones_given_and_mark_the_layers_read():
    fig = viz.receptive_field_bars(size=(400, 300))
    bars = fig.axes[0].patches
    assert [round(b.get_height()) for b in bars] == [entry.receptive_field for entry in VGG19_LAYERS[1:]]
    hatches = {entry.name: bar.get_hatch() for entry, bar in zip(VGG19_LAYERS[1:], bars)}
    assert hatches["block4_conv2"] == "xx" and hatches["block1_conv1"] == "//" and not hatches["block1_conv2"]
    assert "image height (300 px)" in [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    with pytest.raises(OptionError, match="21 receptive fields"):
        viz.receptive_field_bars([3, 5])


def test_the_cost_shares_title_each_compared_picture_with_its_shares():
    black = np.zeros((30, 40, 3), np.uint8)
    pictures = {"painting S": black, "S, tiles shuffled": black, "photo C": black}
    fig = viz.cost_shares(pictures, {("painting S", "S, tiles shuffled"): (2.0, 80.0)}, (200.0, 100.0))
    assert [ax.get_title() for ax in fig.axes] == [
        "painting S",
        "S, tiles shuffled\nstyle 1.0%, content 80%",
        "photo C",
    ]
    with pytest.raises(OptionError, match="'nowhere' is not one of the pictures"):
        viz.cost_shares(pictures, {("painting S", "nowhere"): (1.0, 1.0)}, (1.0, 1.0))
    with pytest.raises(OptionError, match="yardstick"):
        viz.cost_shares(pictures, {}, (0.0, 1.0))

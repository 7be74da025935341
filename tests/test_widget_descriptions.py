"""Every picture a widget shows says what it shows, in words: its ``tooltip``.

ipywidgets 8 (the version nst-teach needs) gives every DOM widget a ``tooltip``, which the page puts
on the element as its ``title``: a mouse hover shows it and a screen reader reads it (an ``Image`` widget
has no ``alt``), provided the widget's model also has an empty ``description`` (see :func:`undescribed`).
Each ``widgets.Image`` created while the widgets are made and run is recorded here and must have such a
description; those that depend on what is shown (the layer, the picture chosen) must name it.  Seeded
random weights, tiny pictures, two iterations.
"""

from __future__ import annotations

import ipywidgets
import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
from test_widgets import FAST, SIZE, _offline, run, until  # noqa: E402, F401 (_offline: the widget tests' autouse fixture)

from nst_teach import widgets  # noqa: E402
from nst_teach.samples import SAMPLES, load_sample  # noqa: E402


@pytest.fixture
def made(monkeypatch) -> list[ipywidgets.Image]:
    """Every ``ipywidgets.Image`` created from now on, in order."""
    images: list[ipywidgets.Image] = []
    original = ipywidgets.Image.__init__

    def record(self, *args, **kwargs):
        original(self, *args, **kwargs)
        images.append(self)

    monkeypatch.setattr(ipywidgets.Image, "__init__", record)
    return images


def widgets_in(box) -> list[ipywidgets.Widget]:
    """``box`` and every widget inside it (through every HBox, VBox, GridBox, Tab, Accordion)."""
    found, boxes = [], [box]
    while boxes:
        widget = boxes.pop()
        found.append(widget)
        boxes.extend(getattr(widget, "children", ()))
    return found


def images_in(box) -> list[ipywidgets.Image]:
    """The Image widgets inside ``box``."""
    return [widget for widget in widgets_in(box) if isinstance(widget, ipywidgets.Image)]


def undrawable(box) -> list[str]:
    """Widgets in ``box`` with a tooltip but no ``description``: ipywidgets 8.1's page cannot draw them (#3860)."""
    return [f"{type(w).__name__}: {w.tooltip!r}" for w in widgets_in(box) if w.tooltip and "description" not in w.keys]


def undescribed(images) -> list[str]:
    """The pictures without a description the page can show: none, or a tooltip the front end cannot draw.

    ipywidgets 8.1's front end draws a widget's tooltip only when its model has an empty ``description``;
    an ``Image`` has none, and with a tooltip it is not drawn at all (jupyter-widgets/ipywidgets#3860).
    """
    return [
        f"{type(image).__name__} {image.layout.width or image.layout.max_width}: {image.tooltip!r}"
        for image in images
        if not (image.tooltip or "").strip() or "description" not in image.keys or image.description != ""
    ]


def test_every_image_the_dashboard_creates_says_what_it_shows(made):
    async def go():
        dashboard = widgets.StyleTransferDashboard(
            load_sample("cottage"), load_sample("swirls"), panel_layer="block1_conv1", iterations=2, every=1, **FAST
        )
        dashboard.start()
        await dashboard.wait()
        await until(lambda: dashboard.layer_grid.updates >= 1)
        return dashboard

    dashboard = run(go())
    try:
        # the picture, the costs, the detail's three, one per column of the grid (5 style layers, the content layer)
        assert len(made) == 2 + 3 + 6, len(made)
        assert not undescribed(made), undescribed(made)
        shown = images_in(dashboard.root)
        assert {id(image) for image in shown} == {id(image) for image in made}  # nothing made that is not shown
        assert dashboard.image_widget.value and dashboard.gram_widget.value  # described while they show something
        assert not undrawable(dashboard.root), undrawable(dashboard.root)  # the settings' boxes too

        # A column names its layer and what kind of layer it is.
        grid = dashboard.layer_grid
        for name, image in grid.images.items():
            assert image.tooltip.startswith(f"{name}: ")
        content = dashboard.options()["content_layer"]
        assert "content" in grid.images[content].tooltip and "Gram" not in grid.images[content].tooltip
        assert all("Gram matrices" in image.tooltip for name, image in grid.images.items() if name != content)

        # The detail names the layer it shows, and follows the dropdown.
        for picture in (dashboard.style_maps_widget, dashboard.generated_maps_widget, dashboard.gram_widget):
            assert "block1_conv1" in picture.tooltip
        dashboard.panel_layer.value = "block2_conv1"  # stopped: the detail is drawn again at once
        for picture in (dashboard.style_maps_widget, dashboard.generated_maps_widget, dashboard.gram_widget):
            assert "block2_conv1" in picture.tooltip and "block1_conv1" not in picture.tooltip
    finally:
        dashboard.close()


def test_the_picker_describes_its_thumbnails_and_the_chosen_picture(made):
    picker = widgets.ImagePicker("style", size=SIZE)
    assert not undescribed(made) and {id(i) for i in images_in(picker.root)} == {id(i) for i in made}
    assert not undrawable(picker.root)
    thumbnails = [image for image in made if image is not picker.preview]
    assert len(thumbnails) == len(picker.thumb_buttons)
    for name, image in zip(picker.thumb_buttons, thumbnails):
        assert image.tooltip.startswith(SAMPLES[name].title)  # the sample's own title, from its record
    assert "'swirls'" in picker.preview.tooltip
    picker.sample.value = "mosaic"
    assert "'mosaic'" in picker.preview.tooltip and "'swirls'" not in picker.preview.tooltip


def test_the_explorers_describe_the_layer_they_draw(made):
    layers = widgets.LayerExplorer(load_sample("cottage"), size=SIZE, weights="random", top_k=4)
    assert "block1_conv1" in layers.image_widget.tooltip and "4 most active" in layers.image_widget.tooltip
    layers.layer.value = "block2_conv2"
    assert "block2_conv2" in layers.image_widget.tooltip
    layers.mode.value = "one"
    assert f"channel {layers.channel.value}" in layers.image_widget.tooltip

    grams = widgets.GramExplorer(load_sample("swirls"), load_sample("cottage"), size=SIZE, weights="random")
    assert "block1_conv1" in grams.image_widget.tooltip and "difference" in grams.image_widget.tooltip
    alone = widgets.GramExplorer(load_sample("swirls"), size=SIZE, weights="random")
    assert "difference" not in alone.image_widget.tooltip  # only the style image's matrix is drawn
    assert not undescribed(made)
    assert not any(undrawable(explorer.root) for explorer in (layers, grams, alone))


def test_the_preview_grid_describes_each_setting_s_picture(made):
    grid = widgets.PreviewGrid(load_sample("cottage"), load_sample("swirls"), vary={"beta": [10, 1000]}, **FAST)
    assert len(made) == 2 and not undescribed(made) and not undrawable(grid.root)
    for (label, _), (image, _caption) in zip(grid.settings, grid.cells):
        assert label in image.tooltip


def test_a_plain_image_with_a_tooltip_does_not_count_as_described():
    from nst_teach.widgets._base import _Picture

    assert undescribed([ipywidgets.Image(tooltip="a cottage")])  # the page would not draw it (ipywidgets#3860)
    assert undescribed([_Picture()])  # no description at all
    assert not undescribed([_Picture(tooltip="a cottage")])
    assert undrawable(ipywidgets.VBox([ipywidgets.GridBox(tooltip="style layers")]))  # the #3860 failure, in a box
    assert not undrawable(ipywidgets.VBox([ipywidgets.Button(description="Start", tooltip="run")]))

"""The small widgets a notebook's *Try it* shows: a sample's captioned picture (00), a layer rebuilder (03).

Both say in words what their picture shows (a caption, and the tooltip a screen reader reads); the
rebuilder only calls the notebook's own function, here a stand-in that returns a result at once.
"""

from __future__ import annotations

import types

import numpy as np
import pytest

from nst_teach import widgets
from nst_teach.errors import OptionError
from nst_teach.samples import SAMPLES, thumbnail


def test_a_sample_view_shows_the_sample_chosen_and_names_it():
    view = widgets.SampleView("cottage", "content")
    assert view.picture.value == thumbnail("cottage", 256) and view.caption.value == "content: cottage"
    assert "cottage" in view.picture.tooltip and view.picture.description == ""  # the page shows the tooltip
    view.show("hopper")
    assert view.name == "hopper" and view.caption.value == "content: hopper"
    assert SAMPLES["hopper"].description in view.picture.tooltip


def _result(layer: str, iterations: int) -> types.SimpleNamespace:
    history = types.SimpleNamespace(content=[120.0, 3.5])
    return types.SimpleNamespace(image=np.full((15, 20, 3), 90, np.uint8), iterations_done=iterations, history=history)


def test_the_rebuilder_calls_the_notebook_s_function_with_the_layer_and_iterations_chosen():
    calls = []

    def rebuild(layer, iterations):
        calls.append((layer, iterations))
        return _result(layer, iterations)

    rebuilder = widgets.LayerRebuilder(rebuild, np.zeros((15, 20, 3), np.uint8), layer="block2_conv2", iterations=7)
    before = rebuilder.picture.value
    assert "press Rebuild" in rebuilder.status and rebuilder.caption.value == rebuilder.picture.tooltip
    rebuilder.layer.value = "block5_conv2"
    rebuilder.button.click()
    assert calls == [("block5_conv2", 7)] and rebuilder.result.iterations_done == 7
    assert rebuilder.picture.value != before
    assert rebuilder.caption.value == "the photo rebuilt from block5_conv2 alone, 7 iterations"
    assert rebuilder.picture.tooltip == rebuilder.caption.value
    assert rebuilder.status == "block5_conv2: J_content 120 -> 3.5 in 7 iterations"


def test_the_rebuilder_says_what_went_wrong_and_refuses_what_it_cannot_use():
    def broken(layer, iterations):
        raise RuntimeError("out of memory")

    rebuilder = widgets.LayerRebuilder(broken, np.zeros((1, 16, 16, 3), np.float32))  # a preprocessed batch too
    rebuilder.button.click()
    assert rebuilder.status == "RuntimeError: out of memory" and rebuilder.result is None
    with pytest.raises(OptionError, match="rebuild must be a function"):
        widgets.LayerRebuilder("block1_conv1", np.zeros((15, 20, 3), np.uint8))
    with pytest.raises(OptionError, match="block1_pool"):
        widgets.LayerRebuilder(broken, np.zeros((15, 20, 3), np.uint8), layer="block1_pool")

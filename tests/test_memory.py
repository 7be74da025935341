"""The memory estimate and the budget check."""

from __future__ import annotations

import pytest

from nst_teach import memory
from nst_teach.errors import OptionError


def test_activation_bytes_counts_every_layer_up_to_the_deepest():
    # By hand for a 64x32 image up to block1_pool: two 64-channel convs at full size, one pool at half size.
    assert memory.activation_bytes((64, 32), "block1_pool") == 4 * (2 * 64 * 32 * 64 + 32 * 16 * 64)
    assert memory.activation_bytes((64, 32), "block1_conv1") == 4 * 64 * 32 * 64


def test_estimate_grows_with_pixels_and_depth():
    small = memory.estimate_bytes((200, 150), "block5_conv1")
    default = memory.estimate_bytes((400, 300), "block5_conv1")
    assert small < default < memory.estimate_bytes((800, 600), "block5_conv1")
    assert memory.estimate_bytes((400, 300), "block2_conv1") < default
    # The default run stays inside a Binder pod's 2 GiB.
    assert default < 2 * 2**30


def test_budget_from_environment_refuses_big_sizes_with_the_estimate(monkeypatch):
    monkeypatch.setenv(memory.BUDGET_ENV, "2048")
    assert memory.check_memory((400, 300), "block5_conv1") > 0
    with pytest.raises(OptionError) as info:
        memory.check_memory((4000, 3000), "block5_conv1")
    text = str(info.value)
    assert "4000x3000" in text and "GiB" in text and memory.BUDGET_ENV in text
    # The size it suggests does fit.
    suggested = text.split("about ")[2].split(" fits")[0]
    w, h = (int(v) for v in suggested.split("x"))
    assert memory.estimate_bytes((w, h), "block5_conv1") <= 2048 * 2**20


@pytest.mark.parametrize("value", ["abc", "-5", "nan", "0"])
def test_bad_budget_values_are_explained(monkeypatch, value):
    monkeypatch.setenv(memory.BUDGET_ENV, value)
    with pytest.raises(OptionError, match=memory.BUDGET_ENV):
        memory.memory_budget()


def test_style_transfer_refuses_a_size_beyond_the_budget_before_loading_weights(monkeypatch):
    import numpy as np

    import nst_teach.engine as engine
    from nst_teach import StyleTransfer

    monkeypatch.setenv(memory.BUDGET_ENV, "1500")
    monkeypatch.setattr(engine, "build_extractor", lambda *a, **k: pytest.fail("weights were loaded"))
    image = np.zeros((40, 40, 3), np.uint8)
    with pytest.raises(OptionError, match="GiB"):
        StyleTransfer(image, image, size=(3000, 2000))

"""Tests of nst_teach/layers.py against Keras' own VGG-19 and hand computation."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from nst_teach.defaults import CONTENT_LAYER, STYLE_LAYERS
from nst_teach.errors import LayerError
from nst_teach.layers import VGG19_LAYERS, Layer, layer_index, layer_name, layer_table, receptive_fields


@pytest.fixture(scope="module")
def keras_vgg19():
    return keras.applications.VGG19(weights=None, include_top=False)


def test_table_matches_keras_names_order_and_channels(keras_vgg19):
    keras_layers = keras_vgg19.layers
    assert len(VGG19_LAYERS) == len(keras_layers) == 22
    for layer, keras_layer in zip(VGG19_LAYERS, keras_layers):
        assert layer.index == keras_layers.index(keras_layer)
        assert layer.channels == keras_layer.output.shape[-1]
        if layer.index == 0:
            # Keras numbers repeated auto-names (input_layer_1, ...); the first is "input_layer".
            assert keras_layer.name.startswith(layer.name)
            assert layer.kind == "input"
        else:
            assert layer.name == keras_layer.name
            expected_kind = "conv" if isinstance(keras_layer, keras.layers.Conv2D) else "pool"
            assert layer.kind == expected_kind


def test_seed_indices():
    assert layer_name(13) == "block4_conv2" == CONTENT_LAYER
    assert [layer_name(i) for i in (1, 4, 7, 12, 17)] == list(STYLE_LAYERS)
    assert [layer_index(n) for n in STYLE_LAYERS] == [1, 4, 7, 12, 17]


# Hand computation: r grows by (k-1)*jump; pools (k=2, s=2) double the jump.
#   block1_conv1: 1+2=3;  block1_conv2: 5;  block1_pool: 5+1=6, jump 2
#   block2_conv1: 6+4=10; block2_conv2: 14; block2_pool: 14+2=16, jump 4
#   block3_conv1: 16+8=24; ... block3_conv4: 48; block3_pool: 48+4=52, jump 8
#   block4_conv1: 52+16=68; block4_conv2: 84
@pytest.mark.parametrize(
    "name, receptive_field, scale",
    [
        ("input", 1, 1),
        ("block1_conv1", 3, 1),
        ("block1_conv2", 5, 1),
        ("block1_pool", 6, 2),
        ("block2_conv1", 10, 2),
        ("block2_pool", 16, 4),
        ("block3_conv1", 24, 4),
        ("block3_pool", 52, 8),
        ("block4_conv2", 84, 8),
        ("block5_pool", 268, 32),
    ],
)
def test_receptive_field_and_scale(name, receptive_field, scale):
    layer = VGG19_LAYERS[layer_index(name)]
    assert (layer.receptive_field, layer.scale) == (receptive_field, scale)


def test_scale_matches_keras_output_size(keras_vgg19):
    # Independent check of `scale`: run Keras' model on a 64x96 image and compare sizes.
    probe = keras.Model(keras_vgg19.input, [layer.output for layer in keras_vgg19.layers])
    outputs = probe(np.zeros((1, 64, 96, 3), np.float32))
    for layer, out in zip(VGG19_LAYERS, outputs):
        assert out.shape[1:3] == (64 // layer.scale, 96 // layer.scale)
        assert layer.output_size((96, 64), pooling="max") == tuple(out.shape[1:3])


def test_output_size_at_sizes_that_do_not_halve_evenly(keras_vgg19):
    # Keras' own max pools ("valid": round down) and the reference recipe's average pools ("same": round up),
    # both run on a 61x97 image whose sides do not halve evenly at every pool.
    x = np.zeros((1, 61, 97, 3), np.float32)
    probe = keras.Model(keras_vgg19.input, [layer.output for layer in keras_vgg19.layers])
    for layer, out in zip(VGG19_LAYERS, probe(x)):
        assert layer.output_size((97, 61), pooling="max") == tuple(out.shape[1:3]), layer.name
    size = (61, 97)
    for layer in VGG19_LAYERS:
        if layer.kind == "pool":
            size = tuple(-(-side // 2) for side in size)  # tf.nn.avg_pool(..., "SAME") keeps the odd row
        assert layer.output_size((97, 61)) == size, layer.name


def test_receptive_fields_recurrence_by_hand():
    assert receptive_fields(["conv", "pool", "conv"]) == [(3, 1), (4, 2), (8, 2)]


def test_layer_is_frozen():
    with pytest.raises(AttributeError):
        VGG19_LAYERS[0].name = "x"  # type: ignore[misc]
    assert isinstance(VGG19_LAYERS[5], Layer)


@pytest.mark.parametrize("value", [13, np.int64(13), np.int32(13), "block4_conv2"])
def test_both_forms_accepted(value):
    assert layer_index(value) == 13
    assert layer_name(value) == "block4_conv2"


def test_input_alias():
    assert layer_index("input") == 0
    assert layer_name("input") == VGG19_LAYERS[0].name == "input_layer"


def test_unknown_name_suggests():
    with pytest.raises(LayerError, match="block4_conv2") as info:
        layer_index("block4_con2")
    message = str(info.value)
    assert "'block4_con2'" in message and "Did you mean 'block4_conv2'" in message
    assert "block5_pool" in message  # lists the valid names


@pytest.mark.parametrize("value", [22, -1, 100])
def test_bad_index(value):
    with pytest.raises(LayerError, match=str(value)) as info:
        layer_name(value)
    assert "0..21" in str(info.value)


@pytest.mark.parametrize("value", [True, 13.0, None, [13]])
def test_bad_type(value):
    with pytest.raises(LayerError, match=type(value).__name__):
        layer_index(value)


def test_layer_error_is_value_error():
    with pytest.raises(ValueError):
        layer_name("nope")


def test_renderings_contain_all_names_and_roles():
    table = layer_table()
    text = str(table)
    html_text = table._repr_html_()
    for layer in VGG19_LAYERS:
        assert layer.name in text
        assert layer.name in html_text
    lines = text.splitlines()
    content_line = next(line for line in lines if "block4_conv2" in line)
    assert "content" in content_line
    for name in STYLE_LAYERS:
        assert "style" in next(line for line in lines if f" {name} " in line)
    assert "style" not in next(line for line in lines if " block4_conv3 " in line)
    assert html_text.count("<tr") == 23  # header + 22 layers
    assert "background" in html_text


def test_text_table_is_aligned():
    lines = str(layer_table()).splitlines()
    header, rule = lines[0], lines[1]
    assert header.startswith("index")
    # Columns start where the dashes of the rule start; cutting each row there gives the fields.
    starts = [i for i, ch in enumerate(rule) if ch == "-" and (i == 0 or rule[i - 1] == " ")]
    for layer, line in zip(VGG19_LAYERS, lines[2:]):
        cells = [line[a:b].strip() for a, b in zip(starts, starts[1:] + [None])]
        assert cells[:4] == [str(layer.index), layer.name, layer.kind, str(layer.channels)]


def test_table_other_layers():
    table = layer_table(content_layer=5, style_layers={"block3_conv1": 1.0})
    text = str(table)
    assert "content" in next(line for line in text.splitlines() if " block2_conv2 " in line)
    with pytest.raises(LayerError):
        layer_table(style_layers={"block9_conv1": 1.0})

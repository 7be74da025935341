"""Tests of nst_teach/model.py (the extractor) against Keras' own VGG-19 (same weights, max pools).

No test touches the network: NST_TEACH_OFFLINE is set and KERAS_HOME points to an
empty folder for every test.
"""

from __future__ import annotations

import h5py
import keras
import numpy as np
import pytest
import tensorflow as tf

from nst_teach import weights as weights_module
from nst_teach.errors import LayerError, OptionError, WeightsError
from nst_teach.model import Extractor, build_extractor
from nst_teach.weights import load_weight_arrays, write_random_weights

CONTENT_AND_STYLE = ["block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1", "block4_conv2", "block5_conv1"]


@pytest.fixture(autouse=True)
def _offline_and_empty_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("NST_TEACH_OFFLINE", "1")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    monkeypatch.delenv("NST_TEACH_WEIGHTS", raising=False)
    monkeypatch.setattr(weights_module, "_WARNED_RANDOM", set())  # each test sees the first, loud warning
    # The tests compare with Keras' float32 VGG-19: the default precision, "auto", computes in float32 here.
    monkeypatch.setenv("NST_TEACH_PRECISION", "float32")


def test_the_default_precision_is_the_options(monkeypatch):
    """One default for precision: build_extractor's is the option's "auto" (bfloat16 where it is fast)."""
    from nst_teach import options, precision

    monkeypatch.delenv("NST_TEACH_PRECISION")
    monkeypatch.setattr(precision, "bf16_is_fast", lambda: True)
    assert options.TABLE["precision"].default == "auto"
    assert build_extractor("block1_conv1", weights="random").precision == "bfloat16"
    monkeypatch.setattr(precision, "bf16_is_fast", lambda: False)
    assert build_extractor("block1_conv1", weights="random").precision == "float32"


def _no_network(*args, **kwargs):
    raise AssertionError("the test tried to open a network connection")


def _download_fails():
    raise WeightsError("no network (test)")


@pytest.fixture(scope="module")
def random_file(tmp_path_factory):
    return write_random_weights(tmp_path_factory.mktemp("weights") / "random_vgg19_notop.h5", seed=3)


@pytest.fixture(scope="module")
def image():
    return np.random.default_rng(0).normal(0.0, 50.0, size=(1, 32, 48, 3)).astype(np.float32)


def _keras_outputs(keras_model, image):
    """All intermediate outputs of a full Keras VGG-19 model, by layer name."""
    probe = keras.Model(keras_model.input, {layer.name: layer.output for layer in keras_model.layers[1:]})
    return {name: np.asarray(t) for name, t in probe(image).items()}


@pytest.fixture(scope="module")
def keras_vgg19():
    """A Keras VGG-19 (max pools); each test sets all its weights before use."""
    return keras.applications.VGG19(weights=None, include_top=False)


@pytest.fixture(scope="module")
def keras_outputs_from_file(random_file, image):
    """Keras' VGG-19 (max pools) after Keras' own ``load_weights`` of the random file."""
    reference = keras.applications.VGG19(weights=None, include_top=False)
    reference.load_weights(str(random_file))
    return _keras_outputs(reference, image)


def _assert_close(actual, expected, rtol=1e-5):
    # atol relative to the layer's scale: float32 sums over thousands of terms.
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=rtol * float(np.abs(expected).max()))


# --------------------------------------------------------------------------- structure


def test_average_pools_by_default_max_on_request():
    avg = build_extractor("block5_conv1", weights="random")
    pools = [layer for layer in avg.model.layers if "pool" in layer.name]
    assert len(pools) == 4
    assert all(isinstance(layer, keras.layers.AveragePooling2D) for layer in pools)
    assert avg.pooling == "avg"
    mx = build_extractor("block5_conv1", pooling="max", weights="random")
    pools = [layer for layer in mx.model.layers if "pool" in layer.name]
    assert all(isinstance(layer, keras.layers.MaxPooling2D) for layer in pools)


def test_nothing_built_past_deepest_layer(image):
    extractor = build_extractor(["block3_conv1", "block1_conv1"], weights="random")
    names = [layer.name for layer in extractor.model.layers]
    assert names[-1] == "block3_conv1"
    assert names == [
        "input_layer",
        "block1_conv1",
        "block1_conv2",
        "block1_pool",
        "block2_conv1",
        "block2_conv2",
        "block2_pool",
        "block3_conv1",
    ]
    out = extractor(image)
    assert list(out) == ["block3_conv1", "block1_conv1"] == list(extractor.layers)
    assert out["block3_conv1"].shape == (1, 8, 12, 256)


def test_layers_given_by_index_and_deduplicated():
    extractor = build_extractor([13, "block4_conv2", np.int64(1)], weights="random")
    assert extractor.layers == ("block4_conv2", "block1_conv1")
    assert isinstance(extractor, Extractor)
    assert "block4_conv2" in repr(extractor)


def test_input_layer_can_be_requested(image):
    out = build_extractor("input", weights="random")(image)
    np.testing.assert_array_equal(out["input_layer"].numpy(), image)


# --------------------------------------------------------------------------- values vs Keras


def test_max_pool_outputs_equal_keras_vgg19_same_arrays(image, keras_vgg19):
    arrays, status = load_weight_arrays("random", seed=5)
    reference = keras_vgg19
    reference.set_weights(arrays)
    expected = _keras_outputs(reference, image)
    out = build_extractor(CONTENT_AND_STYLE + ["block5_pool"], pooling="max", weights="random", seed=5)(image)
    for name, value in out.items():
        assert value.dtype == tf.float32
        _assert_close(value.numpy(), expected[name])
    assert status.kind == "random" and status.seed == 5


def test_path_loading_equals_keras_load_weights(random_file, image, keras_outputs_from_file):
    out = build_extractor(CONTENT_AND_STYLE, pooling="max", weights=random_file)(image)
    for name, value in out.items():
        _assert_close(value.numpy(), keras_outputs_from_file[name])


def test_random_file_has_keras_legacy_layout(random_file):
    with h5py.File(random_file, "r") as f:
        names = [n.decode() for n in f.attrs["layer_names"]]
        assert len(names) == 22 and names[13] == "block4_conv2"
        weight_names = [n.decode() for n in f["block1_conv1"].attrs["weight_names"]]
        assert f["block1_conv1"][weight_names[0]].shape == (3, 3, 3, 64)


def test_average_pools_differ_from_max_pools_after_first_pool(image):
    names = ["block1_conv2", "block2_conv1", "block4_conv2"]
    avg = build_extractor(names, pooling="avg", weights="random")(image)
    mx = build_extractor(names, pooling="max", weights="random")(image)
    np.testing.assert_array_equal(avg["block1_conv2"].numpy(), mx["block1_conv2"].numpy())
    for name in names[1:]:
        assert not np.allclose(avg[name].numpy(), mx[name].numpy(), rtol=1e-2)


def test_average_pool_is_the_mean_of_2x2_blocks(image):
    out = build_extractor(["block1_conv2", "block1_pool"], weights="random")(image)
    conv = out["block1_conv2"].numpy()[0]
    by_hand = conv.reshape(16, 2, 24, 2, 64).mean(axis=(1, 3))
    np.testing.assert_allclose(out["block1_pool"].numpy()[0], by_hand, rtol=1e-5, atol=1e-4)


def test_keras3_weights_format(tmp_path, image, keras_vgg19):
    arrays, _ = load_weight_arrays("random", seed=7)
    reference = keras_vgg19
    reference.set_weights(arrays)
    path = tmp_path / "vgg19.weights.h5"
    reference.save_weights(str(path))
    expected = _keras_outputs(reference, image)
    out = build_extractor("block3_conv1", pooling="max", weights=path)(image)
    _assert_close(out["block3_conv1"].numpy(), expected["block3_conv1"])


def test_works_in_tf_function_with_variable_and_gradients(image):
    extractor = build_extractor(["block1_conv1", "block2_conv1"], weights="random")
    generated = tf.Variable(image)

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            out = extractor(generated)
            loss = tf.reduce_sum(out["block2_conv1"] ** 2)
        return loss, tape.gradient(loss, generated)

    loss, grad = step()
    assert grad is not None and grad.shape == image.shape
    assert float(tf.reduce_sum(tf.abs(grad))) > 0
    assert not extractor.model.trainable_weights


# --------------------------------------------------------------------------- precision


def _gram(a):
    a = a.reshape(-1, a.shape[-1]).astype(np.float64)
    return a.T @ a


def test_bfloat16_outputs_are_float32_and_close(image):
    f32 = build_extractor(CONTENT_AND_STYLE, weights="random", precision="float32")(image)
    bf16_extractor = build_extractor(CONTENT_AND_STYLE, weights="random", precision="bfloat16")
    assert bf16_extractor.precision == "bfloat16"
    convs = [layer for layer in bf16_extractor.model.layers if isinstance(layer, keras.layers.Conv2D)]
    assert all(layer.dtype_policy.name == "mixed_bfloat16" for layer in convs)
    bf16 = bf16_extractor(image)
    for name in CONTENT_AND_STYLE:
        assert bf16[name].dtype == tf.float32
        g32, g16 = _gram(f32[name].numpy()), _gram(bf16[name].numpy())
        # bfloat16 keeps ~3 significant digits; over up to 13 layers the Gram matrices stay within 5 %.
        assert np.linalg.norm(g16 - g32) / np.linalg.norm(g32) < 0.05, name


def test_bad_precision_and_pooling():
    with pytest.raises(OptionError, match="precision"):
        build_extractor("block1_conv1", weights="random", precision="float16")
    with pytest.raises(OptionError, match="'mean'"):
        build_extractor("block1_conv1", weights="random", pooling="mean")


# --------------------------------------------------------------------------- bad input


def test_bad_layers():
    with pytest.raises(LayerError, match="block4_conv2"):
        build_extractor(["block4_conv9"], weights="random")
    with pytest.raises(LayerError, match="empty"):
        build_extractor([], weights="random")
    with pytest.raises(LayerError):
        build_extractor(3.5, weights="random")


def test_bad_images():
    extractor = build_extractor("block1_conv1", weights="random")
    with pytest.raises(OptionError, match=r"\(1, 8, 8, 4\)"):
        extractor(np.zeros((1, 8, 8, 4), np.float32))
    with pytest.raises(OptionError, match="numeric"):
        extractor("not an image")
    assert extractor(np.zeros((8, 8, 3))).get("block1_conv1").shape == (1, 8, 8, 64)
    deep = build_extractor(["block1_conv1", "block5_conv1"], weights="random")
    with pytest.raises(OptionError, match="block5_conv1.*16"):
        deep(np.zeros((1, 8, 40, 3), np.float32))
    # The reference recipe's "same" average pools round up: 40 -> 20 -> 10 -> 5 -> 3 columns (Keras' "valid" max
    # pools: 2).
    assert deep(np.zeros((1, 16, 40, 3), np.float32))["block5_conv1"].shape == (1, 1, 3, 512)


def test_bad_weights_argument_and_seed():
    with pytest.raises(OptionError, match="weights"):
        build_extractor("block1_conv1", weights=3)
    with pytest.raises(OptionError, match="seed"):
        build_extractor("block1_conv1", weights="random", seed=-1)

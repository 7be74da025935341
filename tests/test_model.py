"""Tests of nst_teach/model.py against Keras' own VGG-19 (same weights, max pools).

No test touches the network: NST_TEACH_OFFLINE is set and KERAS_HOME points to an
empty folder for every test.
"""

from __future__ import annotations

import shutil
import socket
import warnings

import h5py
import keras
import numpy as np
import pytest
import tensorflow as tf

from nst_teach import model as model_module
from nst_teach.errors import LayerError, OptionError, WeightsError
from nst_teach.model import (
    WEIGHTS_FILENAME,
    WEIGHTS_URL,
    Extractor,
    WeightsWarning,
    build_extractor,
    check_weights_file,
    download_weights,
    keras_cache_path,
    load_weight_arrays,
    weights_status,
    write_random_weights,
)

CONTENT_AND_STYLE = ["block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1", "block4_conv2", "block5_conv1"]


@pytest.fixture(autouse=True)
def _offline_and_empty_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("NST_TEACH_OFFLINE", "1")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    monkeypatch.delenv("NST_TEACH_WEIGHTS", raising=False)
    monkeypatch.setattr(model_module, "_WARNED_RANDOM", set())  # each test sees the first, loud warning


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
    assert names == ["input_layer", "block1_conv1", "block1_conv2", "block1_pool", "block2_conv1",
                     "block2_conv2", "block2_pool", "block3_conv1"]
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
    assert deep(np.zeros((1, 16, 40, 3), np.float32))["block5_conv1"].shape == (1, 1, 2, 512)


def test_bad_weights_argument_and_seed():
    with pytest.raises(OptionError, match="weights"):
        build_extractor("block1_conv1", weights=3)
    with pytest.raises(OptionError, match="seed"):
        build_extractor("block1_conv1", weights="random", seed=-1)


# --------------------------------------------------------------------------- weight sources


def test_random_weights_deterministic_by_seed(tmp_path, image):
    model_module._ARRAY_CACHE.clear()
    a = build_extractor("block2_conv1", weights="random", seed=11)(image)["block2_conv1"].numpy()
    model_module._ARRAY_CACHE.clear()
    b = build_extractor("block2_conv1", weights="random", seed=11)(image)["block2_conv1"].numpy()
    c = build_extractor("block2_conv1", weights="random", seed=12)(image)["block2_conv1"].numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    first, second = write_random_weights(tmp_path / "a.h5", 4), write_random_weights(tmp_path / "b.h5", 4)
    with h5py.File(first, "r") as f, h5py.File(second, "r") as g:
        kernel = "block5_conv4/block5_conv4_W_1:0"
        np.testing.assert_array_equal(f[kernel][()], g[kernel][()])


def test_random_weights_keep_activations_in_range(image):
    out = build_extractor(CONTENT_AND_STYLE, weights="random")(image)
    for name, value in out.items():
        rms = float(tf.sqrt(tf.reduce_mean(value**2)))
        assert 0.1 < rms < 1e4, (name, rms)


def test_weight_arrays_cached_and_read_only(keras_vgg19):
    first, _ = load_weight_arrays("random", seed=21)
    second, _ = load_weight_arrays("random", seed=21)
    assert first is second
    assert len(first) == 32 and not first[0].flags.writeable
    assert [a.shape for a in first] == [tuple(w.shape) for w in keras_vgg19.weights]


def test_imagenet_unavailable_raises_with_instructions(monkeypatch, tmp_path):
    monkeypatch.delenv("NST_TEACH_OFFLINE")
    monkeypatch.setattr(model_module, "_download_imagenet_weights", _download_fails)
    with pytest.raises(WeightsError) as info:
        build_extractor("block1_conv1", weights="imagenet")
    message = str(info.value)
    assert "NST_TEACH_WEIGHTS" in message
    assert WEIGHTS_URL in message
    assert str(tmp_path / "keras_home" / "models" / WEIGHTS_FILENAME) in message
    assert "nst-teach weights --download" in message


def test_offline_never_touches_the_network(monkeypatch):
    monkeypatch.setattr(socket, "create_connection", _no_network)
    with pytest.raises(WeightsError, match="NST_TEACH_OFFLINE"):
        build_extractor("block1_conv1", weights="imagenet")
    with pytest.warns(WeightsWarning):
        build_extractor("block1_conv1", weights="auto")
    with pytest.raises(WeightsError, match="NST_TEACH_OFFLINE"):
        download_weights()


def test_the_random_fallback_is_announced_once_per_process():
    with pytest.warns(WeightsWarning):
        build_extractor("block1_conv1", weights="auto")
    with warnings.catch_warnings():
        warnings.simplefilter("error", WeightsWarning)
        extractor = build_extractor("block1_conv1", weights="auto")  # no second wall of text
    assert extractor.weights.kind == "random"


def test_auto_falls_back_to_random_with_loud_warning(monkeypatch):
    monkeypatch.delenv("NST_TEACH_OFFLINE")
    monkeypatch.setattr(model_module, "_download_imagenet_weights", _download_fails)
    with pytest.warns(UserWarning, match="RANDOM filters") as record:
        extractor = build_extractor("block1_conv1")
    text = str(record[0].message)
    assert "NST_TEACH_WEIGHTS" in text and "not look like the paintings" in text and WEIGHTS_URL in text
    assert extractor.weights.kind == "random" and not extractor.weights.is_pretrained


def test_env_variable_is_honoured(monkeypatch, random_file, image, keras_outputs_from_file):
    monkeypatch.setenv("NST_TEACH_WEIGHTS", str(random_file))
    with warnings.catch_warnings():
        warnings.simplefilter("error", WeightsWarning)
        extractor = build_extractor("block2_conv1", pooling="max")
    assert extractor.weights.kind == "file" and extractor.weights.path == random_file.resolve()
    assert "NST_TEACH_WEIGHTS" in extractor.weights.detail
    _assert_close(extractor(image)["block2_conv1"].numpy(), keras_outputs_from_file["block2_conv1"])
    assert weights_status().kind == "file"


def test_env_variable_pointing_nowhere_raises(monkeypatch, tmp_path):
    monkeypatch.setenv("NST_TEACH_WEIGHTS", str(tmp_path / "missing.h5"))
    with pytest.raises(WeightsError, match="NST_TEACH_WEIGHTS.*missing.h5"):
        build_extractor("block1_conv1")


def test_keras_cache_file_is_used_without_download(monkeypatch, random_file, image, keras_outputs_from_file):
    monkeypatch.delenv("NST_TEACH_OFFLINE")
    monkeypatch.setattr(model_module, "_download_imagenet_weights", _no_network)
    cached = keras_cache_path()
    cached.parent.mkdir(parents=True)
    shutil.copy(random_file, cached)
    for weights in ("auto", "imagenet"):
        extractor = build_extractor("block1_conv2", pooling="max", weights=weights)
        assert extractor.weights.kind == "imagenet" and extractor.weights.path == cached.resolve()
        _assert_close(extractor(image)["block1_conv2"].numpy(), keras_outputs_from_file["block1_conv2"])


def _write_legacy_h5(path, layers):
    """Writes a legacy Keras weights file by hand: ``layers`` = [(name, [arrays])]."""
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = np.array([name.encode() for name, _ in layers])
        for name, arrays in layers:
            group = f.create_group(name)
            weight_names = [f"{name}/w{i}:0".encode() for i in range(len(arrays))]
            group.attrs["weight_names"] = np.array(weight_names, dtype="S64")
            for weight_name, array in zip(weight_names, arrays):
                group.create_dataset(weight_name.decode(), data=array)
    return path


def test_vgg16_file_names_first_mismatching_layer(tmp_path):
    vgg16 = keras.applications.VGG16(weights=None, include_top=False)
    layers = [(layer.name, [np.zeros(w.shape, np.float32) for w in layer.weights]) for layer in vgg16.layers[1:]]
    path = _write_legacy_h5(tmp_path / "vgg16_notop.h5", layers)
    # VGG-16 has three convolutions in block 3: its 8th conv (block4_conv1) meets VGG-19's block3_conv4.
    for call in (lambda: build_extractor("block1_conv1", weights=path), lambda: check_weights_file(path)):
        with pytest.raises(WeightsError) as info:
            call()
        message = str(info.value)
        assert "block4_conv1" in message and "block3_conv4" in message
        assert "(3, 3, 256, 512)" in message and "(3, 3, 256, 256)" in message
    assert not weights_status(path).available


def test_too_few_layers_in_file(tmp_path):
    arrays, _ = load_weight_arrays("random", seed=0)
    layers = [(f"block1_conv{i + 1}", arrays[2 * i : 2 * i + 2]) for i in range(2)]
    with pytest.raises(WeightsError, match="2 layers with weights"):
        check_weights_file(_write_legacy_h5(tmp_path / "short.h5", layers))


def test_not_hdf5_missing_and_foreign_files(tmp_path):
    text_file = tmp_path / "weights.h5"
    text_file.write_text("<html>404 Not Found</html>")
    with pytest.raises(WeightsError, match="not an HDF5"):
        build_extractor("block1_conv1", weights=text_file)
    with pytest.raises(WeightsError, match="does not exist"):
        build_extractor("block1_conv1", weights=tmp_path / "nope.h5")
    with h5py.File(tmp_path / "other.h5", "w") as f:
        f.create_dataset("x", data=np.zeros(3))
    with pytest.raises(WeightsError, match="layer_names"):
        build_extractor("block1_conv1", weights=str(tmp_path / "other.h5"))


def test_weights_status_never_downloads(monkeypatch, random_file):
    monkeypatch.setattr(model_module, "_download_imagenet_weights", _no_network)
    monkeypatch.setattr(socket, "create_connection", _no_network)
    offline_auto = weights_status()
    assert offline_auto.kind == "random" and not offline_auto.is_pretrained
    assert "RANDOM" in str(offline_auto) and "#b42318" in offline_auto._repr_html_()
    imagenet = weights_status("imagenet")
    assert imagenet.kind == "imagenet" and not imagenet.available and imagenet.path == keras_cache_path()
    monkeypatch.delenv("NST_TEACH_OFFLINE")
    online_auto = weights_status()
    assert not online_auto.available and "would download" in online_auto.detail
    from_file = weights_status(random_file)
    assert from_file.kind == "file" and from_file.available and from_file.seed == 3
    assert not from_file.is_pretrained  # written by write_random_weights, and it says so


def test_weights_status_of_pretrained_file_is_green(tmp_path):
    # A file without nst-teach's "random" mark counts as pretrained weights.
    arrays, _ = load_weight_arrays("random", seed=0)
    path = _write_legacy_h5(tmp_path / "vgg19.h5", [(layer.name, arrays[2 * i : 2 * i + 2]) for i, layer in
                                                    enumerate(model_module.CONV_LAYERS)])
    status = check_weights_file(path)
    assert status.kind == "file" and status.is_pretrained and status.available
    assert "#1a7f37" in status._repr_html_()


def test_download_weights_failure_explains(monkeypatch):
    monkeypatch.setattr(model_module, "_download_imagenet_weights", _download_fails)
    with pytest.raises(WeightsError, match="no network") as info:
        download_weights()
    assert "NST_TEACH_WEIGHTS" in str(info.value)

"""Tests of nst_teach/weights.py and weights_file.py: where VGG-19's filters come from, what is said about them.

No test touches the network: NST_TEACH_OFFLINE is set and KERAS_HOME points to an
empty folder for every test.  Files are compared with Keras' own loader.
"""

from __future__ import annotations

import hashlib
import io
import shutil
import socket
import warnings

import h5py
import keras
import numpy as np
import pytest
import tensorflow as tf
import test_model as shared

from nst_teach import errors, weights_file
from nst_teach import weights as weights_module
from nst_teach.errors import WeightsError
from nst_teach.layers import CONV_LAYERS
from nst_teach.model import build_extractor
from nst_teach.weights import (
    WEIGHTS_FILENAME,
    WEIGHTS_URL,
    WeightsWarning,
    check_weights_file,
    download_weights,
    keras_cache_path,
    load_weight_arrays,
    weights_status,
    write_random_weights,
)

# The fixtures of test_model.py: the autouse offline-and-empty-cache one, a seeded random weights file, an image,
# Keras' own VGG-19 and its outputs after Keras' load_weights of that file.
_offline_and_empty_cache = shared._offline_and_empty_cache
random_file, image, keras_vgg19 = shared.random_file, shared.image, shared.keras_vgg19
keras_outputs_from_file = shared.keras_outputs_from_file
CONTENT_AND_STYLE, _assert_close, _download_fails, _no_network = (
    shared.CONTENT_AND_STYLE,
    shared._assert_close,
    shared._download_fails,
    shared._no_network,
)


# --------------------------------------------------------------------------- weight sources


def test_random_weights_deterministic_by_seed(tmp_path, image):
    weights_module._ARRAY_CACHE.clear()
    a = build_extractor("block2_conv1", weights="random", seed=11)(image)["block2_conv1"].numpy()
    weights_module._ARRAY_CACHE.clear()
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
    monkeypatch.setattr(weights_module, "_download_imagenet_weights", _download_fails)
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
    monkeypatch.setattr(weights_module, "_download_imagenet_weights", _download_fails)
    with pytest.warns(UserWarning, match="RANDOM filters") as record:
        extractor = build_extractor("block1_conv1")
    text = str(record[0].message)
    assert "not look like the paintings" in text and "no network (test)" in text  # what happened, and why
    assert "nst-teach weights --download" in text and "weights='random'" in text  # what to do, either way
    assert extractor.weights.kind == "random" and not extractor.weights.is_pretrained
    # The longer text (weights_status, `nst-teach weights`) keeps the offline way: the URL and the variable.
    assert "NST_TEACH_WEIGHTS" in str(extractor.weights) and WEIGHTS_URL in str(extractor.weights)


def _shown(warning) -> str:
    """How the warning reaches the user: errors installs _show_warning as warnings.showwarning (pytest swaps it)."""
    stream = io.StringIO()
    errors._show_warning(warning.message, warning.category, warning.filename, warning.lineno, file=stream)
    return stream.getvalue()


@pytest.mark.parametrize("interface, spelled", [("python", "pass weights='random'"), ("cli", "pass --weights random")])
def test_the_random_fallback_warning_is_one_line_in_the_interfaces_words(monkeypatch, interface, spelled):
    monkeypatch.setattr(errors, "_interface", "python")  # restored after the test, whatever set_interface did
    errors.set_interface(interface)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        build_extractor("block1_conv1")  # offline, empty Keras cache: random filters
    assert [w.category for w in caught] == [WeightsWarning]
    assert issubclass(WeightsWarning, errors.NSTWarning)
    message = str(caught[0].message)
    assert "\n" not in message and "===" not in message  # one line as written, not only as shown
    assert _shown(caught[0]) == f"nst-teach: warning: {message}\n"
    assert spelled in message and "RANDOM filters" in message and "NST_TEACH_OFFLINE" in message
    assert message.count("nst-teach weights --download") == 1
    other = "--weights random" if interface == "python" else "weights='random'"
    assert other not in message


@pytest.mark.parametrize("interface, spelled", [("python", "weights='random'"), ("cli", "--weights random")])
def test_weights_status_text_never_repeats_a_line(monkeypatch, random_file, interface, spelled):
    monkeypatch.setattr(errors, "_interface", "python")
    errors.set_interface(interface)
    statuses = {"offline auto": weights_status(), "offline imagenet": weights_status("imagenet")}
    statuses["random file"] = weights_status(random_file)
    statuses["on purpose"] = weights_status("random")
    monkeypatch.delenv("NST_TEACH_OFFLINE")
    statuses["online auto"] = weights_status()
    for name, status in statuses.items():
        lines = [line.strip() for line in str(status).splitlines()]
        assert len(lines) == len(set(lines)), (name, lines)
        assert lines[0] == status.detail and status.detail not in status.message, name
        assert str(status).count("if that fails") <= 1, name
    assert spelled in statuses["offline auto"].message
    assert "RANDOM" in str(statuses["offline auto"]) and "nst-teach weights --download" in str(statuses["online auto"])


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
    monkeypatch.setattr(weights_module, "_download_imagenet_weights", _no_network)
    monkeypatch.setattr(weights_file, "WEIGHTS_MD5", hashlib.md5(random_file.read_bytes()).hexdigest())  # stands in
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
    monkeypatch.setattr(weights_module, "_download_imagenet_weights", _no_network)
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
    path = _write_legacy_h5(
        tmp_path / "vgg19.h5", [(layer.name, arrays[2 * i : 2 * i + 2]) for i, layer in enumerate(CONV_LAYERS)]
    )
    status = check_weights_file(path)
    assert status.kind == "file" and status.is_pretrained and status.available
    assert "#1a7f37" in status._repr_html_()


def test_download_weights_failure_explains(monkeypatch):
    monkeypatch.setattr(weights_module, "_download_imagenet_weights", _download_fails)
    with pytest.raises(WeightsError, match="no network") as info:
        download_weights()
    assert "NST_TEACH_WEIGHTS" in str(info.value)


# --------------------------------------------------------------------------- where it looked (issue 26)


def test_the_status_names_the_file_and_every_place_it_looked_for_it(monkeypatch, tmp_path):
    text = str(weights_status())  # offline, empty Keras cache: random filters
    assert f"nst-teach reads {WEIGHTS_FILENAME}" in text
    assert "1. $NST_TEACH_WEIGHTS: not set" in text
    assert f"2. Keras' cache: {keras_cache_path()} (not there)" in text
    assert f"3. a download from {WEIGHTS_URL}: NST_TEACH_OFFLINE is set" in text
    # The Python way fetches the notop file only with include_top=False; the guide's old advice fetched the other one.
    assert "keras.applications.VGG19(include_top=False, weights='imagenet')" in text and "549 MB" in text
    elsewhere = tmp_path / "fallback" / "models" / WEIGHTS_FILENAME  # Keras' home read-only: its /tmp fallback too
    monkeypatch.setattr(weights_module, "_download_target", lambda: elsewhere)
    monkeypatch.setenv("NST_TEACH_WEIGHTS", "")
    places = weights_module.where_looked("no network")
    assert f"3. Keras' cache where its home is read-only: {elsewhere} (not there)" in places
    assert places.endswith(f"4. a download from {WEIGHTS_URL}: no network")


def test_the_fallback_warning_names_the_file_and_where_it_is_not():
    with pytest.warns(WeightsWarning) as record:
        build_extractor("block1_conv1", weights="auto")
    message = str(record[0].message)
    assert "\n" not in message
    missing = f"{WEIGHTS_FILENAME} is not in $NST_TEACH_WEIGHTS (not set) nor in Keras' cache ({keras_cache_path()})"
    assert missing in message
    assert str(weights_status("imagenet")).count(WEIGHTS_FILENAME) >= 2  # what is missing, and where it would go


def test_the_file_with_the_classifier_is_named_and_the_right_one_asked_for(tmp_path):
    """VGG19(weights="imagenet") without include_top=False fetches this file: say which one nst-teach reads."""
    arrays, _ = load_weight_arrays("random", seed=0)
    convs = [(layer.name, arrays[2 * i : 2 * i + 2]) for i, layer in enumerate(CONV_LAYERS)]
    top = [(name, [np.zeros((2, 2), np.float32), np.zeros(2, np.float32)]) for name in ("fc1", "fc2", "predictions")]
    path = _write_legacy_h5(tmp_path / weights_file.WITH_TOP_FILENAME, convs + top)
    with pytest.raises(WeightsError) as info:
        check_weights_file(path)
    message = str(info.value)
    assert "with* its classifier (fc1, fc2, predictions)" in message and "549 MB" in message
    assert WEIGHTS_FILENAME in message and "include_top=False" in message and "nst-teach weights --download" in message

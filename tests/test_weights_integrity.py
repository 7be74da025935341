"""Tests of the ImageNet file's integrity (nst_teach/weights_file.verify_md5) and of where Keras keeps it.

No test touches the network: downloads are Keras' own ``get_file`` with its ``urlretrieve`` replaced by a
copy of a seeded random weights file, whose MD5 stands in for the real file's (``WEIGHTS_MD5`` is
monkeypatched), so the tests are self-contained.  Nothing is written into the machine's real ``/tmp``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import tempfile
from pathlib import Path

import keras
import pytest
import test_model as shared
from keras.src.backend import config as keras_config
from keras.src.utils import file_utils as keras_file_utils

from nst_teach import cli, weights_file
from nst_teach import weights as weights_module
from nst_teach.errors import WeightsError
from nst_teach.model import build_extractor
from nst_teach.weights import (
    WEIGHTS_FILENAME,
    WEIGHTS_URL,
    check_weights_file,
    download_weights,
    keras_cache_path,
    load_weight_arrays,
    weights_status,
)

_offline_and_empty_cache, random_file = shared._offline_and_empty_cache, shared.random_file


def _md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


@pytest.fixture(autouse=True)
def _fresh_start(monkeypatch, tmp_path, random_file):
    """Each test: its own nst-teach cache (where verified files are remembered), nothing verified in-process,
    and the seeded random file's MD5 standing in for Keras' ImageNet file's."""
    monkeypatch.setenv("NST_TEACH_CACHE", str(tmp_path / "nst-cache"))
    monkeypatch.setattr(weights_file, "_VERIFIED", set())
    monkeypatch.setattr(weights_module, "_ARRAY_CACHE", type(weights_module._ARRAY_CACHE)())
    good = _md5(random_file)
    monkeypatch.setattr(weights_file, "WEIGHTS_MD5", good)
    monkeypatch.setattr(weights_module, "WEIGHTS_MD5", good)  # what _download_imagenet_weights gives get_file
    return good


def _new_start(monkeypatch):
    """What a new Python process forgets: the in-process memo of verified files and the loaded arrays."""
    monkeypatch.setattr(weights_file, "_VERIFIED", set())
    weights_module._ARRAY_CACHE.clear()


def _count_hashes(monkeypatch) -> list[Path]:
    calls: list[Path] = []
    real = weights_file._file_md5

    def counting(path):
        calls.append(path)
        return real(path)

    monkeypatch.setattr(weights_file, "_file_md5", counting)
    return calls


def _cached_copy(random_file) -> Path:
    cached = keras_cache_path()
    cached.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(random_file, cached)
    return cached


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])  # an interrupted copy


def _corrupt(path: Path) -> None:
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(255 - b for b in data[middle : middle + 64])  # same size, other bytes
    path.write_bytes(bytes(data))


# --------------------------------------------------------------------------- MD5


@pytest.mark.parametrize("damage", [_truncate, _corrupt], ids=["truncated", "corrupted"])
def test_a_damaged_imagenet_file_is_refused_naming_the_file_the_hash_and_the_fix(random_file, _fresh_start, damage):
    cached = _cached_copy(random_file)
    damage(cached)
    found = _md5(cached)
    assert found != _fresh_start
    for load in (
        lambda: build_extractor("block1_conv1", weights="imagenet"),
        lambda: build_extractor("block1_conv1", weights="auto"),  # not silently replaced by random filters
        lambda: check_weights_file(cached),
    ):
        with pytest.raises(WeightsError) as info:
            load()
        message = str(info.value)
        assert str(cached.resolve()) in message and found in message and _fresh_start in message, message
        assert "damaged or incomplete" in message and "`nst-teach weights --download`" in message, message
    status = weights_status("imagenet")
    assert not status.available and status.path == cached and "nst-teach weights --download" in status.message


def test_a_damaged_file_given_by_path_says_how_to_replace_it(tmp_path, random_file, _fresh_start):
    given = tmp_path / "usb" / WEIGHTS_FILENAME
    given.parent.mkdir()
    shutil.copy(random_file, given)
    _truncate(given)
    with pytest.raises(WeightsError, match="damaged or incomplete") as info:
        build_extractor("block1_conv1", weights=given)
    assert str(given) in str(info.value) and WEIGHTS_URL in str(info.value)
    other = tmp_path / "vgg19_notop.h5"  # another name: only its layers are checked, it is not hashed
    shutil.copy(random_file, other)
    _corrupt(other)  # the bytes changed lie in the kernels, which the shape check does not read
    assert check_weights_file(other).available


def test_a_good_file_is_hashed_once_and_again_when_its_size_or_time_changes(monkeypatch, tmp_path, random_file):
    cached = _cached_copy(random_file)
    hashes = _count_hashes(monkeypatch)
    arrays, status = load_weight_arrays("imagenet")
    assert status.kind == "imagenet" and len(arrays) == 32 and len(hashes) == 1
    record = json.loads((tmp_path / "nst-cache" / weights_file.VERIFIED_FILENAME).read_text())
    assert record[str(cached.resolve())]["size"] == cached.stat().st_size
    load_weight_arrays("imagenet")
    build_extractor("block1_conv1", weights="imagenet")
    assert len(hashes) == 1  # the same process
    _new_start(monkeypatch)
    load_weight_arrays("imagenet")
    weights_status("imagenet")
    assert len(hashes) == 1  # a new start: the remembered size and time are enough
    stat = cached.stat()
    os.utime(cached, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # copied again: another time
    _new_start(monkeypatch)
    assert load_weight_arrays("imagenet")[1].is_pretrained is False  # the random file's own mark, still readable
    assert len(hashes) == 2
    _corrupt(cached)
    os.utime(cached, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2 * 10**9))
    _new_start(monkeypatch)
    with pytest.raises(WeightsError, match="damaged"):
        load_weight_arrays("imagenet")
    assert len(hashes) == 3


def test_an_unwritable_nst_teach_cache_only_costs_a_rehash(monkeypatch, tmp_path, random_file):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("NST_TEACH_CACHE", str(blocker / "cache"))  # cannot be created
    _cached_copy(random_file)
    hashes = _count_hashes(monkeypatch)
    assert load_weight_arrays("imagenet")[1].kind == "imagenet"
    _new_start(monkeypatch)
    assert load_weight_arrays("imagenet")[1].kind == "imagenet"
    assert len(hashes) == 2


def _fake_keras_download(monkeypatch, good: Path) -> list[str]:
    """Keras' get_file downloads by copying ``good`` (no network); the connectivity probe succeeds."""
    fetched: list[str] = []

    def urlretrieve(origin, target, progress=None):
        assert origin == WEIGHTS_URL
        fetched.append(target)
        shutil.copy(good, target)

    class _Connection:
        def close(self):
            pass

    monkeypatch.setattr(keras_file_utils, "urlretrieve", urlretrieve)
    monkeypatch.setattr(socket, "create_connection", lambda *args, **kwargs: _Connection())
    monkeypatch.delenv("NST_TEACH_OFFLINE")
    return fetched


def test_nst_teach_weights_download_replaces_the_damaged_file(monkeypatch, capsys, random_file, _fresh_start):
    cached = _cached_copy(random_file)
    _corrupt(cached)
    with pytest.raises(WeightsError):
        load_weight_arrays("imagenet")
    fetched = _fake_keras_download(monkeypatch, random_file)
    assert cli.main(["weights", "--download"]) == 0
    assert fetched == [str(cached)] and _md5(cached) == _fresh_start
    assert str(cached) in capsys.readouterr().out
    monkeypatch.setenv("NST_TEACH_OFFLINE", "1")
    _new_start(monkeypatch)
    assert load_weight_arrays("imagenet")[1].path == cached.resolve()


# --------------------------------------------------------------------------- read-only homes


@pytest.fixture
def read_only(monkeypatch, tmp_path):
    """Makes folders read-only the way Keras and nst-teach look: ``os.access(folder, os.W_OK)``.

    The tests run as root, and root ignores permission bits (``chmod 0o555`` would change nothing), so
    ``os.access`` is monkeypatched instead; both Keras (``keras/src/backend/config.py``,
    ``keras/src/utils/file_utils.py``) and nst-teach decide with it.  The machine's real ``/tmp`` and
    ``/tmp/.keras`` count as read-only too, and ``/tmp`` as absent, so that both fall back to
    ``tempfile.gettempdir()``, here a folder of the test: nothing is written outside it.
    """
    denied: set[str] = {"/tmp", "/tmp/.keras"}
    real_access, real_isdir = os.access, os.path.isdir

    def access(path, mode, *args, **kwargs):
        if mode & os.W_OK and os.path.abspath(os.fspath(path)) in denied:
            return False
        return real_access(path, mode, *args, **kwargs)

    monkeypatch.setattr(os, "access", access)
    monkeypatch.setattr(os.path, "isdir", lambda path: os.fspath(path) != "/tmp" and real_isdir(path))
    temporary = tmp_path / "tmpdir"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("KERAS_HOME")
    return lambda folder: denied.add(str(folder))


@pytest.mark.parametrize("unwritable", ["~", "~/.keras"])
def test_a_read_only_home_downloads_where_keras_looks_and_finds_the_file_again(
    monkeypatch, tmp_path, random_file, read_only, unwritable
):
    home = tmp_path / "home"
    if unwritable == "~/.keras":
        (home / ".keras").mkdir()
    read_only(home if unwritable == "~" else home / ".keras")
    fallback = tmp_path / "tmpdir" / ".keras" / "models" / WEIGHTS_FILENAME
    assert keras_cache_path() == fallback  # where Keras would put it, not in the read-only home
    fetched = _fake_keras_download(monkeypatch, random_file)
    assert download_weights() == fallback and fetched == [str(fallback)]
    # Keras' own way, as keras.applications.VGG19(weights="imagenet") calls get_file: with its home, which
    # config.py sets to /tmp/.keras when ~ is not writable and to ~/.keras otherwise.
    keras_home = "/tmp/.keras" if unwritable == "~" else str(home / ".keras")
    monkeypatch.setattr(keras_config, "_KERAS_DIR", keras_home)
    again = keras.utils.get_file(WEIGHTS_FILENAME, WEIGHTS_URL, cache_subdir="models", file_hash=_md5(random_file))
    assert Path(again) == fallback and len(fetched) == 1  # found, not fetched again
    monkeypatch.setenv("NST_TEACH_OFFLINE", "1")  # the next start, offline: the file, not random filters
    _new_start(monkeypatch)
    arrays, status = load_weight_arrays("auto")
    assert status.kind == "imagenet" and status.path == fallback.resolve()


def test_a_file_already_in_a_read_only_keras_home_is_used(monkeypatch, tmp_path, random_file, read_only):
    placed = tmp_path / "home" / ".keras" / "models" / WEIGHTS_FILENAME
    placed.parent.mkdir(parents=True)
    shutil.copy(random_file, placed)  # put there by the instructor, then the folder made read-only
    read_only(tmp_path / "home" / ".keras")
    assert keras_cache_path() == placed
    assert load_weight_arrays("imagenet")[1].path == placed.resolve()


def test_a_keras_home_that_does_not_exist_yet_is_created_not_bypassed(monkeypatch, tmp_path, random_file, read_only):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "new" / "keras"))  # get_file alone would go to the fallback
    fetched = _fake_keras_download(monkeypatch, random_file)
    expected = tmp_path / "new" / "keras" / "models" / WEIGHTS_FILENAME
    assert keras_cache_path() == expected and download_weights() == expected and fetched == [str(expected)]
    assert not (tmp_path / "tmpdir" / ".keras").exists()

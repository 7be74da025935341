"""The VGG-19 weights file: Keras' HDF5 layout, read and checked layer by layer, and random filters written in it.

Keras publishes VGG-19's ImageNet filters without the classifier as one file,
:data:`WEIGHTS_FILENAME` (80 MB, at :data:`WEIGHTS_URL`): a "legacy" HDF5 weights
file with one group per layer and, in each, a kernel and a bias per convolution.
This module reads such a file — checking every layer's shapes against VGG-19's,
so that a VGG-16 file or a half-downloaded one is named as such — and writes
seeded random filters in the very same layout (:func:`write_random_weights`), so
tests and offline machines exercise the real loading path.  Only numeric datasets
and string attributes are read: no pickles, no code.  A file named like Keras' ImageNet
file must also have its MD5 (:func:`verify_md5`), checked once per file: its size and
modification time are remembered in nst-teach's cache folder, so later starts stay fast.

Which file to use, and what happens without one, is :mod:`nst_teach.weights`' business.

Introduced in ``notebooks/02_vgg19.ipynb``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .defaults import SEED
from .download import cache_dir
from .errors import DownloadError, OptionError, WeightsError
from .layers import CONV_LAYERS, VGG19_LAYERS

__all__ = [
    "WEIGHTS_FILENAME",
    "WEIGHTS_URL",
    "WEIGHTS_MD5",
    "write_random_weights",
    "verify_md5",
    "FileContents",
    "read_weights_file",
    "random_arrays",
    "check_seed",
]

#: Name of Keras' VGG-19 ImageNet weights file without the classifier ("notop").
WEIGHTS_FILENAME = "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"

#: Keras' other VGG-19 file, with the classifier (549 MB): what ``keras.applications.VGG19(weights="imagenet")``
#: fetches without ``include_top=False``. nst-teach does not read it, and says so when given it.
WITH_TOP_FILENAME = "vgg19_weights_tf_dim_ordering_tf_kernels.h5"

#: Where Keras downloads it from (the URL ``keras.applications.VGG19`` uses).
WEIGHTS_URL = "https://storage.googleapis.com/tensorflow/keras-applications/vgg19/" + WEIGHTS_FILENAME

#: The file's MD5 hash, as in ``keras.applications.vgg19``.
WEIGHTS_MD5 = "253f8cb515780f3b799900260a226db6"

# File attribute that marks a file written by write_random_weights (not pretrained).
_RANDOM_MARK = "nst_teach_random_seed"

#: The file in nst-teach's cache folder that remembers which weights files were verified.
VERIFIED_FILENAME = "verified-weights.json"


# --------------------------------------------------------------------------- random weights


def check_seed(seed: Any) -> int:
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise OptionError(f"seed must be a non-negative integer, got {seed!r}.")
    return int(seed)


def random_arrays(seed: int) -> list[np.ndarray]:
    """Seeded random VGG-19 filters, ``[kernel, bias]`` per convolution (He-uniform, bias 0).

    He scaling (limit ``sqrt(6 / fan_in)``, ``fan_in = 3·3·c_in``) keeps the mean square
    of the ReLU activations about constant from layer to layer, so they neither vanish
    nor explode over 16 layers.
    """
    rng = np.random.default_rng(seed)
    arrays = []
    previous = 3
    for layer in CONV_LAYERS:
        shape = (3, 3, previous, layer.channels)
        limit = np.float32(np.sqrt(6.0 / (9 * previous)))
        kernel = (rng.random(shape, dtype=np.float32) * 2 - 1) * limit
        arrays += [kernel, np.zeros(layer.channels, np.float32)]
        previous = layer.channels
    return arrays


def write_random_weights(path: str | os.PathLike[str], seed: int = SEED) -> Path:
    """Writes seeded random VGG-19 filters in the file format of Keras' ImageNet file.

    The file is a legacy Keras HDF5 weights file (attributes ``layer_names`` and
    ``weight_names``, one group per layer), like
    ``vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5``: ``build_extractor(weights=path)``
    and ``keras.applications.VGG19(weights=path, include_top=False)`` both load it.
    Tests and benchmarks use it to exercise the real loading path offline.

    Args:
        path: the file to write (should end in ``.h5``); written atomically.
        seed: seed of the random filters.

    Returns:
        The path written.

    Introduced in ``notebooks/02_vgg19.ipynb``.
    """
    import h5py

    seed = check_seed(seed)
    path = Path(path).expanduser()
    arrays = iter(random_arrays(seed))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    os.close(fd)
    try:
        with h5py.File(tmp, "w") as f:
            f.attrs["layer_names"] = np.array([layer.name.encode() for layer in VGG19_LAYERS])
            f.attrs["backend"] = b"tensorflow"
            f.attrs["keras_version"] = b"2.2.4"
            f.attrs[_RANDOM_MARK] = seed
            for layer in sorted(VGG19_LAYERS, key=lambda lay: lay.name):
                group = f.create_group(layer.name)
                if layer.kind != "conv":
                    group.attrs["weight_names"] = np.array([], dtype="S1")
                    continue
                names = [f"{layer.name}_W_1:0", f"{layer.name}_b_1:0"]
                group.attrs["weight_names"] = np.array([n.encode() for n in names])
            # Datasets in network order (the generator yields kernel, bias per conv).
            for layer in CONV_LAYERS:
                group = f[layer.name]
                group.create_dataset(f"{layer.name}_W_1:0", data=next(arrays))
                group.create_dataset(f"{layer.name}_b_1:0", data=next(arrays))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path


# --------------------------------------------------------------------------- reading files


def _expected_shapes() -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    shapes, previous = [], 3
    for layer in CONV_LAYERS:
        shapes.append(((3, 3, previous, layer.channels), (layer.channels,)))
        previous = layer.channels
    return shapes


def _attr_strings(group: Any, name: str) -> list[str]:
    """Reads a list-of-strings attribute as Keras writes it (possibly split in chunks)."""
    if name in group.attrs:
        values = list(group.attrs[name])
    else:
        values, chunk = [], 0
        while f"{name}{chunk}" in group.attrs:
            values += list(group.attrs[f"{name}{chunk}"])
            chunk += 1
    return [v.decode("utf8") if isinstance(v, bytes) else str(v) for v in values]


@dataclass
class FileContents:
    arrays: list[np.ndarray] | None
    random_seed: int | None
    note: str


def _read_keras3_weights(path: Path, load: bool) -> FileContents:
    """Reads a Keras 3 ``.weights.h5`` file through Keras' own loader."""
    import keras

    model = keras.applications.VGG19(weights=None, include_top=False)
    try:
        model.load_weights(str(path))
    except Exception as exc:  # Keras raises ValueError/KeyError with its own wording.
        raise WeightsError(
            f"weights file {path} is a Keras 3 weights file but not one of VGG-19 without its "
            f"classifier: {exc}. Use Keras' {WEIGHTS_FILENAME}."
        ) from None
    arrays = [w.astype(np.float32) for layer in model.layers for w in layer.get_weights()] if load else None
    return FileContents(arrays, None, "Keras 3 .weights.h5 file")


def read_weights_file(path: str | os.PathLike[str], load: bool = True) -> FileContents:
    """Opens a VGG-19 weights file, checks every shape, and (if ``load``) reads the arrays.

    Only numeric datasets and string attributes are read (no pickles, no code).
    Weights are matched to VGG-19's convolutions in order, as Keras does.
    """
    import h5py

    path = Path(path).expanduser()
    if not path.exists():
        raise WeightsError(
            f"weights file {str(path)!r} does not exist. Give the path of Keras' {WEIGHTS_FILENAME} "
            f"(download it from {WEIGHTS_URL}), or one of weights='auto', 'imagenet', 'random'."
        )
    if path.is_dir():
        raise WeightsError(
            f"weights path {str(path)!r} is a folder; give the path of the {WEIGHTS_FILENAME} file in it."
        )
    if not h5py.is_hdf5(path):
        raise WeightsError(
            f"weights file {str(path)!r} is not an HDF5 (.h5) file, so not Keras weights. "
            f"Use Keras' {WEIGHTS_FILENAME} from {WEIGHTS_URL} (a partial download: delete it and fetch it again)."
        )
    if path.name.endswith(".weights.h5"):
        return _read_keras3_weights(path, load)
    try:
        with h5py.File(path, "r") as f:
            group = f
            if "layer_names" not in f.attrs and "model_weights" in f:  # a whole saved model
                group = f["model_weights"]
            if "layer_names" not in group.attrs and "layer_names0" not in group.attrs:
                hint = (
                    " It looks like a Keras 3 weights file: rename it to end in '.weights.h5'."
                    if "layers" in f and "vars" in f
                    else ""
                )
                raise WeightsError(
                    f"weights file {str(path)!r} is HDF5 but not a Keras weights file "
                    f"(no 'layer_names' attribute).{hint} Use Keras' {WEIGHTS_FILENAME}."
                )
            with_weights = []
            for name in _attr_strings(group, "layer_names"):
                if name not in group or not isinstance(group[name], h5py.Group):
                    raise WeightsError(f"weights file {str(path)!r} lists layer {name!r} but has no group for it.")
                weight_names = _attr_strings(group[name], "weight_names")
                if weight_names:
                    with_weights.append((name, [group[name].get(w) for w in weight_names]))
            expected = _expected_shapes()
            for k, ((file_name, datasets), layer, shapes) in enumerate(zip(with_weights, CONV_LAYERS, expected)):
                found = tuple(d.shape if isinstance(d, h5py.Dataset) else None for d in datasets)
                if found != shapes or any(d.dtype.kind != "f" for d in datasets):
                    raise WeightsError(
                        f"weights file {str(path)!r} is not VGG-19 without its classifier: its layer "
                        f"#{k + 1} with weights, {file_name!r}, has weights of shapes {list(found)}, but "
                        f"VGG-19's {layer.name!r} needs {list(shapes)} (kernel, bias). Is it another model "
                        f"(VGG-16?) or the file with the classifier? Use Keras' {WEIGHTS_FILENAME}."
                    )
            extra = [name for name, _ in with_weights[len(CONV_LAYERS) :]]
            if {"fc1", "fc2", "predictions"} & set(extra):
                raise WeightsError(
                    f"weights file {str(path)!r} is VGG-19 *with* its classifier ({', '.join(extra)}): Keras' "
                    f"{WITH_TOP_FILENAME} (549 MB), what keras.applications.VGG19(weights='imagenet') fetches. "
                    f"nst-teach reads the 80 MB {WEIGHTS_FILENAME}: run `nst-teach weights --download`, or "
                    "keras.applications.VGG19(include_top=False, weights='imagenet')."
                )
            if len(with_weights) != len(CONV_LAYERS):
                raise WeightsError(
                    f"weights file {str(path)!r} has {len(with_weights)} layers with weights; VGG-19 without "
                    f"its classifier has {len(CONV_LAYERS)} convolutions. Use Keras' {WEIGHTS_FILENAME}."
                )
            file_names = [name for name, _ in with_weights]
            note = "Keras HDF5 weights file"
            if file_names != [layer.name for layer in CONV_LAYERS]:
                note += " (layer names differ from Keras'; weights matched in order, as Keras does)"
            arrays = None
            if load:
                arrays = [np.asarray(d[()], dtype=np.float32) for _, datasets in with_weights for d in datasets]
            seed = f.attrs.get(_RANDOM_MARK)
            return FileContents(arrays, None if seed is None else int(seed), note)
    except WeightsError:
        raise
    except (OSError, KeyError, ValueError, TypeError) as exc:
        raise WeightsError(
            f"weights file {str(path)!r} could not be read ({type(exc).__name__}: {exc}). It may be damaged "
            f"or partly downloaded: delete it and get {WEIGHTS_FILENAME} again from {WEIGHTS_URL}."
        ) from None


# --------------------------------------------------------------------------- is it Keras' file?

#: Files verified in this process: (path, size, mtime in ns, MD5 expected).
_VERIFIED: set[tuple[str, int, int, str]] = set()


def _file_md5(path: Path) -> str:
    """The MD5 of a file, read in 1 MB chunks (as ``keras.utils.get_file``'s ``file_hash`` does)."""
    digest = hashlib.md5()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _verified_records() -> tuple[Path | None, dict[str, Any]]:
    """The record file (None where nst-teach's cache folder cannot be made) and what it holds."""
    try:
        record = cache_dir() / VERIFIED_FILENAME
    except DownloadError:
        return None, {}
    try:
        records = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return record, {}
    return record, records if isinstance(records, dict) else {}


def _remember(path: Path, size: int, mtime_ns: int) -> None:
    """Writes ``path`` as verified into the record file (atomically); a read-only cache only costs a re-hash."""
    record, records = _verified_records()
    if record is None:
        return
    records[str(path)] = {"size": size, "mtime_ns": mtime_ns, "md5": WEIGHTS_MD5}
    try:
        fd, tmp = tempfile.mkstemp(dir=record.parent, prefix=record.name, suffix=".tmp")
    except OSError:
        return
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(records, f, indent=1)
        os.replace(tmp, record)
    except OSError:
        with contextlib.suppress(OSError):
            os.remove(tmp)


def verify_md5(path: str | os.PathLike[str], fix: str) -> None:
    """Checks that a weights file named like Keras' ImageNet file has that file's MD5, once per file.

    A truncated or corrupted copy (an interrupted download or copy to a classroom machine)
    would otherwise load garbage or fail deep inside h5py.  Hashing 80 MB takes a second,
    so a verified file's size and modification time are remembered in
    ``$NST_TEACH_CACHE/verified-weights.json``: while they stay the same, the file is not
    hashed again.  Other files are not hashed (their layer shapes are still checked).

    Args:
        path: the weights file.
        fix: the sentence that says how to get a good copy (names the command).

    Raises:
        WeightsError: the MD5 differs; the message names the file, both hashes and ``fix``.

    Introduced in ``notebooks/02_vgg19.ipynb``.
    """
    path = Path(path).expanduser().resolve()
    if path.name != WEIGHTS_FILENAME or not path.is_file():
        return
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns, WEIGHTS_MD5)
    if key in _VERIFIED:
        return
    known = _verified_records()[1].get(str(path))
    if known == {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "md5": WEIGHTS_MD5}:
        _VERIFIED.add(key)
        return
    found = _file_md5(path)
    if found != WEIGHTS_MD5:
        raise WeightsError(
            f"weights file {str(path)!r} is damaged or incomplete: its MD5 is {found} ({stat.st_size:_} bytes), but "
            f"Keras' {WEIGHTS_FILENAME} has MD5 {WEIGHTS_MD5}. An interrupted download or copy? {fix}"
        )
    _VERIFIED.add(key)
    _remember(path, stat.st_size, stat.st_mtime_ns)

"""VGG-19 as a feature extractor: image in, activations of chosen layers out.

Neural Style Transfer never classifies anything: it only reads what VGG-19's
layers compute.  :func:`build_extractor` builds the part of VGG-19 that is needed
— from the input to the deepest layer asked for, nothing after — with average
pools instead of max pools (Gatys et al. found they give smoother images), and
loads the filters learned on ImageNet.

Where the weights come from (``weights=``):

* ``"imagenet"`` — Keras' own file ``vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5``
  (80 MB), from Keras' cache (``~/.keras/models``) or downloaded once;
* a path — a Keras VGG-19 "notop" weights file on disk (for offline machines);
* ``"random"`` — seeded random filters: the code runs, the pictures are not art;
* ``"auto"`` — ``$NST_TEACH_WEIGHTS``, else the Keras cache, else a download, else
  random filters with a loud warning.

Introduced in ``notebooks/02_vgg19.ipynb``.
"""

from __future__ import annotations

import html
import os
import socket
import tempfile
import urllib.parse
import urllib.request
import warnings
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Union

import numpy as np

from .defaults import SEED
from .errors import LayerError, OptionError, WeightsError
from .layers import INPUT_NAME, VGG19_LAYERS, Layer, LayerRef, layer_index, layer_name
from .precision import resolve_precision

__all__ = [
    "Extractor",
    "WeightsStatus",
    "WeightsWarning",
    "build_extractor",
    "weights_status",
    "load_weight_arrays",
    "write_random_weights",
    "check_weights_file",
    "download_weights",
    "keras_cache_path",
    "WEIGHTS_URL",
    "WEIGHTS_FILENAME",
    "WEIGHTS_ENV",
    "OFFLINE_ENV",
]

#: Name of Keras' VGG-19 ImageNet weights file without the classifier ("notop").
WEIGHTS_FILENAME = "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"

#: Where Keras downloads it from (the URL ``keras.applications.VGG19`` uses).
WEIGHTS_URL = "https://storage.googleapis.com/tensorflow/keras-applications/vgg19/" + WEIGHTS_FILENAME

#: The file's MD5 hash, as in ``keras.applications.vgg19``.
WEIGHTS_MD5 = "253f8cb515780f3b799900260a226db6"

#: Environment variable: path of a VGG-19 weights file to use for ``weights="auto"``.
WEIGHTS_ENV = "NST_TEACH_WEIGHTS"

#: Environment variable: set to 1 to never try to download anything.
OFFLINE_ENV = "NST_TEACH_OFFLINE"

#: Seconds to wait for the download server to answer before giving up.
CONNECT_TIMEOUT = 5.0

#: The 16 convolutions, in order: the only layers with weights.
CONV_LAYERS: tuple[Layer, ...] = tuple(layer for layer in VGG19_LAYERS if layer.kind == "conv")

# File attribute that marks a file written by write_random_weights (not pretrained).
_RANDOM_MARK = "nst_teach_random_seed"

WeightsKind = Literal["imagenet", "file", "random"]
WeightsSource = Union[str, "os.PathLike[str]"]


#: Seeds whose random-filter fallback was already announced in this process.
_WARNED_RANDOM: set[int] = set()


class WeightsWarning(UserWarning):
    """Warned when VGG-19 falls back to random filters because no real weights were found."""


# --------------------------------------------------------------------------- status


@dataclass(frozen=True)
class WeightsStatus:
    """Where VGG-19's weights come from, and whether they are the real ones.

    Attributes:
        kind: ``"imagenet"`` (Keras' ImageNet file), ``"file"`` (a file given by path or
            ``$NST_TEACH_WEIGHTS``) or ``"random"`` (seeded random filters).
        path: the weights file (for ``"imagenet"``: where Keras keeps or would keep it); None
            for random filters.
        detail: one line on the source (``"seeded random filters (seed 0)"``...).
        message: what this means for the results, and what to do if anything.
        is_pretrained: True when the filters were learned on ImageNet (the pictures will look
            like paintings), False for random filters.
        available: False when the weights are not on disk yet (a download would be needed)
            or the file cannot be used.
        seed: the seed of random filters (None otherwise).

    Introduced in ``notebooks/02_vgg19.ipynb``.
    """

    kind: WeightsKind
    path: Path | None
    detail: str
    message: str
    is_pretrained: bool
    available: bool = True
    seed: int | None = None

    def __str__(self) -> str:
        return f"{self.detail}\n{self.message}"

    def _repr_html_(self) -> str:
        good = self.is_pretrained and self.available
        colour, background = ("#1a7f37", "#e6f4ea") if good else ("#b42318", "#fdecea")
        title = "VGG-19 weights: " + ("ImageNet-trained ✔" if good else "NOT the ImageNet weights ✘")
        text = html.escape(str(self)).replace("\n", "<br>")
        return (
            f"<div style='border:2px solid {colour};background:{background};padding:8px;"
            f"border-radius:4px'><b style='color:{colour}'>{title}</b><br>{text}</div>"
        )


def keras_cache_path() -> Path:
    """Returns where Keras keeps (or would keep) the ImageNet weights file.

    That is ``$KERAS_HOME/models/`` or ``~/.keras/models/`` (``/tmp/.keras/models/``
    where the home directory is not writable), as ``keras.utils.get_file`` does.

    Introduced in ``notebooks/02_vgg19.ipynb``.
    """
    home = os.environ.get("KERAS_HOME")
    if not home:
        base = os.path.expanduser("~")
        if not os.access(base, os.W_OK):
            base = tempfile.gettempdir()
        home = os.path.join(base, ".keras")
    return Path(home).expanduser() / "models" / WEIGHTS_FILENAME


def _how_to_get_weights() -> str:
    return (
        "How to get the real weights (80 MB, once):\n"
        "  * online:  run `nst-teach weights --download` (or keras.applications.VGG19(weights='imagenet')).\n"
        f"  * offline: download {WEIGHTS_URL}\n"
        "    on a machine with internet, then either copy it to\n"
        f"      {keras_cache_path()}\n"
        f"    or set {WEIGHTS_ENV}=/path/to/{WEIGHTS_FILENAME}"
    )


def _random_warning(reason: str) -> str:
    bar = "=" * 78
    return (
        f"\n{bar}\n"
        "nst-teach: VGG-19 is using RANDOM filters, not the ImageNet weights.\n"
        "Everything runs, but the results will not look like the paintings: random filters\n"
        "do not know edges, textures or objects, so 'style' and 'content' mean little.\n"
        f"Why: {reason}\n"
        f"{_how_to_get_weights()}\n"
        "  * to use random filters on purpose (tests, timing), pass weights='random'.\n"
        f"{bar}"
    )


def _random_status(seed: int, why: str | None = None) -> WeightsStatus:
    if why is None:
        message = "Random filters chosen on purpose: the code runs, the pictures will not look like art."
    else:
        message = _random_warning(why).strip("\n=")
    return WeightsStatus(
        kind="random", path=None, detail=f"seeded random filters (seed {seed})", message=message,
        is_pretrained=False, available=True, seed=seed,
    )


def _offline() -> bool:
    return os.environ.get(OFFLINE_ENV, "").strip().lower() not in ("", "0", "false", "no")


# --------------------------------------------------------------------------- random weights


def _check_seed(seed: Any) -> int:
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise OptionError(f"seed must be a non-negative integer, got {seed!r}.")
    return int(seed)


def _random_arrays(seed: int) -> list[np.ndarray]:
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

    seed = _check_seed(seed)
    path = Path(path).expanduser()
    arrays = iter(_random_arrays(seed))
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
class _FileContents:
    arrays: list[np.ndarray] | None
    random_seed: int | None
    note: str


def _read_keras3_weights(path: Path, load: bool) -> _FileContents:
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
    return _FileContents(arrays, None, "Keras 3 .weights.h5 file")


def _read_weights_file(path: str | os.PathLike[str], load: bool = True) -> _FileContents:
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
                    if "layers" in f and "vars" in f else ""
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
            return _FileContents(arrays, None if seed is None else int(seed), note)
    except WeightsError:
        raise
    except (OSError, KeyError, ValueError, TypeError) as exc:
        raise WeightsError(
            f"weights file {str(path)!r} could not be read ({type(exc).__name__}: {exc}). It may be damaged "
            f"or partly downloaded: delete it and get {WEIGHTS_FILENAME} again from {WEIGHTS_URL}."
        ) from None


def _file_status(path: Path, contents: _FileContents, kind: WeightsKind, via: str = "") -> WeightsStatus:
    if contents.random_seed is not None:
        return WeightsStatus(
            kind=kind, path=path,
            detail=f"{contents.note}{via}: random filters written by write_random_weights(seed={contents.random_seed})",
            message="These are random filters, not the ImageNet weights: the pictures will not look like art.\n"
            + _how_to_get_weights(),
            is_pretrained=False, available=True, seed=contents.random_seed,
        )
    return WeightsStatus(
        kind=kind, path=path, detail=f"{contents.note}{via}: {path}",
        message="VGG-19 filters learned on ImageNet: ready for style transfer.",
        is_pretrained=True, available=True,
    )


def check_weights_file(path: str | os.PathLike[str]) -> WeightsStatus:
    """Checks that a file holds VGG-19 "notop" weights (layer names and shapes), without loading them.

    Args:
        path: the weights file, e.g. ``vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5``.

    Returns:
        A :class:`WeightsStatus` of kind ``"file"`` describing the file.

    Raises:
        WeightsError: the file is missing, not HDF5, or not VGG-19's (the message names the
            first layer whose shapes differ).

    Introduced in ``notebooks/02_vgg19.ipynb`` (and ``nst-teach weights --path``).
    """
    path = Path(path).expanduser()
    return _file_status(path, _read_weights_file(path, load=False), "file")


# --------------------------------------------------------------------------- download


def _connect_target() -> tuple[str, int]:
    """The host and port a download would connect to first (the proxy if one is set)."""
    proxy = urllib.request.getproxies().get("https")
    url = urllib.parse.urlsplit(proxy if proxy else WEIGHTS_URL)
    return url.hostname or "", url.port or (443 if url.scheme == "https" else 80)


def _download_imagenet_weights() -> Path:
    """Downloads Keras' VGG-19 notop ImageNet weights into Keras' cache (checks the MD5).

    Fails within a few seconds when offline instead of hanging.
    """
    import keras

    target = keras_cache_path()
    if _offline():
        raise WeightsError(f"{OFFLINE_ENV} is set, so the ImageNet weights were not downloaded.")
    host, port = _connect_target()
    try:
        socket.create_connection((host, port), timeout=CONNECT_TIMEOUT).close()
    except OSError as exc:
        raise WeightsError(f"cannot reach {host}:{port} to download {WEIGHTS_URL} ({exc}).") from None
    previous_timeout = socket.getdefaulttimeout()
    socket.setdefaulttimeout(60)  # a stalled transfer fails instead of hanging
    try:
        fetched = keras.utils.get_file(
            WEIGHTS_FILENAME, WEIGHTS_URL, cache_subdir="models", file_hash=WEIGHTS_MD5,
            cache_dir=str(target.parent.parent),
        )
    except Exception as exc:  # urllib, hash and file errors all mean "no weights".
        raise WeightsError(f"downloading {WEIGHTS_URL} failed ({type(exc).__name__}: {exc}).") from None
    finally:
        socket.setdefaulttimeout(previous_timeout)
    return Path(fetched)


def download_weights() -> Path:
    """Downloads the ImageNet weights into Keras' cache (if not there yet) and checks them.

    Returns:
        The path of the verified file (see :func:`keras_cache_path`).

    Raises:
        WeightsError: the download failed; the message says how to get the file by hand.

    Introduced in ``notebooks/00_welcome.ipynb`` (and ``nst-teach weights --download``).
    """
    try:
        path = _download_imagenet_weights()
    except WeightsError as exc:
        raise WeightsError(f"The ImageNet weights could not be downloaded: {exc}\n{_how_to_get_weights()}") from None
    check_weights_file(path)
    return path


# --------------------------------------------------------------------------- resolving "weights="

_KEYWORDS = ("auto", "imagenet", "random")


def _check_source(weights: Any) -> None:
    if isinstance(weights, str) or isinstance(weights, os.PathLike):
        return
    raise OptionError(
        f"weights must be 'auto', 'imagenet', 'random' or the path of a weights file, got "
        f"{type(weights).__name__} {weights!r}."
    )


def _env_path() -> Path | None:
    value = os.environ.get(WEIGHTS_ENV, "").strip()
    return Path(value).expanduser() if value else None


def _unavailable(kind: WeightsKind, path: Path | None, detail: str, message: str) -> WeightsStatus:
    return WeightsStatus(kind=kind, path=path, detail=detail, message=message, is_pretrained=kind != "random",
                         available=False)


def weights_status(weights: WeightsSource = "auto", seed: int = SEED) -> WeightsStatus:
    """Says which weights :func:`build_extractor` would use, without downloading anything.

    Args:
        weights: ``"auto"``, ``"imagenet"``, ``"random"`` or a path (as for :func:`build_extractor`).
        seed: the seed random filters would use.

    Returns:
        A :class:`WeightsStatus`; ``available`` is False where a download would be needed
        or the file cannot be used (``message`` says why and what to do).

    Introduced in ``notebooks/00_welcome.ipynb``.

    >>> weights_status("random").is_pretrained
    False
    """
    _check_source(weights)
    seed = _check_seed(seed)
    if weights == "random":
        return _random_status(seed)
    if weights not in _KEYWORDS or (weights == "auto" and _env_path() is not None):
        path = Path(weights).expanduser() if weights != "auto" else _env_path()
        via = f" (from ${WEIGHTS_ENV})" if weights == "auto" else ""
        try:
            return _file_status(path, _read_weights_file(path, load=False), "file", via)
        except WeightsError as exc:
            return _unavailable("file", path, f"unusable weights file{via}: {path}", str(exc))
    cached = keras_cache_path()
    if cached.exists():
        try:
            return _file_status(cached, _read_weights_file(cached, load=False), "imagenet", " (Keras cache)")
        except WeightsError as exc:
            return _unavailable("imagenet", cached, f"damaged ImageNet weights file: {cached}", str(exc))
    if _offline():
        if weights == "imagenet":
            return _unavailable("imagenet", cached, "ImageNet weights not downloaded (offline)",
                                f"{OFFLINE_ENV} is set: weights='imagenet' would fail.\n{_how_to_get_weights()}")
        return _random_status(seed, f"no weights file found and {OFFLINE_ENV} is set.")
    fallback = "; if that fails, random filters (with a warning)" if weights == "auto" else ""
    return _unavailable(
        "imagenet", cached, f"ImageNet weights not downloaded yet: would download {WEIGHTS_URL} (80 MB){fallback}",
        f"They will be saved as {cached}.\n{_how_to_get_weights()}",  # the line above already says what happens
    )


# In-process cache of loaded weights: {source key: arrays or file contents}, most recent last.
_ARRAY_CACHE: OrderedDict[tuple, Any] = OrderedDict()
_ARRAY_CACHE_SIZE = 3


def _cached(key: tuple, load: Callable[[], Any]) -> Any:
    """Returns ``load()``, remembering the last few results so repeated builds skip the disk."""
    if key not in _ARRAY_CACHE:
        _ARRAY_CACHE[key] = load()
        while len(_ARRAY_CACHE) > _ARRAY_CACHE_SIZE:
            _ARRAY_CACHE.popitem(last=False)
    _ARRAY_CACHE.move_to_end(key)
    return _ARRAY_CACHE[key]


def _read_only(arrays: list[np.ndarray]) -> list[np.ndarray]:
    for array in arrays:
        array.setflags(write=False)  # shared by every extractor built from the cache
    return arrays


def _load_random(seed: int) -> list[np.ndarray]:
    return _cached(("random", seed), lambda: _read_only(_random_arrays(seed)))


def _load_file(path: Path, kind: WeightsKind, via: str = "") -> tuple[WeightsStatus, list[np.ndarray]]:
    if not path.exists():
        _read_weights_file(path, load=False)  # raises the "does not exist" error
    path = path.resolve()
    stat = path.stat()
    key = ("file", str(path), stat.st_mtime_ns, stat.st_size)

    def load() -> _FileContents:
        contents = _read_weights_file(path, load=True)
        _read_only(contents.arrays)
        return contents

    contents = _cached(key, load)
    return _file_status(path, contents, kind, via), contents.arrays


def load_weight_arrays(weights: WeightsSource = "auto", seed: int = SEED) -> tuple[list[np.ndarray], WeightsStatus]:
    """Returns VGG-19's 32 weight arrays (kernel, bias per convolution, in order) and their status.

    The arrays are in the order of ``keras.applications.VGG19(include_top=False).get_weights()``,
    read-only, and cached in-process per source.  This is where ``weights="auto"`` falls back to
    random filters, with a :class:`WeightsWarning`.

    Args:
        weights: ``"auto"``, ``"imagenet"``, ``"random"`` or a path (see :func:`build_extractor`).
        seed: seed of random filters.

    Returns:
        ``(arrays, status)``.

    Raises:
        WeightsError: the weights asked for cannot be had (the message says how to get them).
        OptionError: ``weights`` or ``seed`` has a wrong type.

    Introduced in ``notebooks/02_vgg19.ipynb``.
    """
    _check_source(weights)
    seed = _check_seed(seed)
    if weights == "random":
        return _load_random(seed), _random_status(seed)
    if weights not in _KEYWORDS:
        status, arrays = _load_file(Path(weights).expanduser(), "file")
        return arrays, status
    if weights == "auto" and _env_path() is not None:
        try:
            status, arrays = _load_file(_env_path(), "file", f" (from ${WEIGHTS_ENV})")
        except WeightsError as exc:
            raise WeightsError(f"${WEIGHTS_ENV} is set to {str(_env_path())!r}, but: {exc}") from None
        return arrays, status
    cached = keras_cache_path()
    if not cached.exists():
        try:
            cached = _download_imagenet_weights()
        except WeightsError as exc:
            if weights == "imagenet":
                raise WeightsError(
                    f"weights='imagenet': the ImageNet weights are not in Keras' cache ({keras_cache_path()}) "
                    f"and could not be downloaded: {exc}\n{_how_to_get_weights()}"
                ) from None
            status = _random_status(seed, f"no weights file found, and {exc}")
            if seed not in _WARNED_RANDOM:  # loud once per process; weights_status() tells it any time
                _WARNED_RANDOM.add(seed)
                warnings.warn(_random_warning(f"no weights file found, and {exc}"), WeightsWarning, stacklevel=3)
            return _load_random(seed), status
    status, arrays = _load_file(cached, "imagenet", " (Keras cache)")
    return arrays, status


# --------------------------------------------------------------------------- the extractor


class Extractor:
    """VGG-19 cut after the deepest layer asked for: ``extractor(images)`` -> ``{name: activations}``.

    Build it with :func:`build_extractor`.  Calling it runs the Keras model directly, so it
    can be used inside ``tf.function`` and ``tf.GradientTape``.

    Attributes:
        layers: names of the layers whose activations are returned, in the order asked for.
        model: the ``keras.Model`` (input to the deepest requested layer; outputs a dict).
        weights: a :class:`WeightsStatus` saying where the filters come from.
        precision: ``"float32"`` or ``"bfloat16"`` (what the convolutions compute in).
        pooling: ``"avg"`` or ``"max"``.

    Introduced in ``notebooks/02_vgg19.ipynb``.
    """

    def __init__(self, model: Any, layers: tuple[str, ...], weights: WeightsStatus, precision: str, pooling: str):
        self.model = model
        self.layers = layers
        self.weights = weights
        self.precision = precision
        self.pooling = pooling
        self._deepest = VGG19_LAYERS[max(layer_index(name) for name in layers)]

    def __call__(self, images: Any) -> dict[str, Any]:
        """Returns the activations of :attr:`layers` for a batch of preprocessed images.

        Args:
            images: float array or tensor of shape ``(batch, height, width, 3)`` (BGR minus
                the ImageNet means, as ``nst_teach.images.preprocess`` makes); ``(height, width, 3)``
                is taken as a batch of one.

        Returns:
            ``{layer name: float32 tensor (batch, n_H, n_W, n_C)}``.

        Raises:
            OptionError: ``images`` is not numeric or has the wrong shape.
        """
        import tensorflow as tf

        x = images
        if not isinstance(x, (tf.Tensor, tf.Variable)):
            try:
                x = tf.convert_to_tensor(np.asarray(x, dtype=np.float32))
            except (TypeError, ValueError) as exc:
                raise OptionError(
                    f"images must be a numeric array or tensor, got {type(images).__name__}: {exc}"
                ) from None
        elif x.dtype != tf.float32:
            x = tf.cast(x, tf.float32)
        if x.shape.rank == 3:
            x = x[tf.newaxis]
        if x.shape.rank != 4 or x.shape[-1] not in (3, None):
            raise OptionError(
                f"images must have shape (batch, height, width, 3), got {tuple(x.shape)}; "
                "use nst_teach.load_image() or nst_teach.preprocess() to make one."
            )
        deepest = self._deepest
        sides = [side for side in x.shape[1:3] if side is not None]
        if sides and min(sides) < deepest.scale:
            raise OptionError(
                f"images of {x.shape[1]}×{x.shape[2]} pixels are too small for layer {deepest.name!r}, which "
                f"shrinks each side {deepest.scale} times: give images at least {deepest.scale} pixels a side."
            )
        outputs = self.model(x, training=False)
        return {name: tf.cast(outputs[name], tf.float32) for name in self.layers}

    def __repr__(self) -> str:
        return (
            f"Extractor(layers={list(self.layers)}, pooling={self.pooling!r}, precision={self.precision!r}, "
            f"weights={self.weights.detail!r})"
        )


def _requested_layers(layers: Any) -> tuple[str, ...]:
    if isinstance(layers, (str, int, np.integer)):
        items: list[Any] = [layers]
    elif isinstance(layers, Iterable):
        items = list(layers)
    else:
        raise LayerError(
            f"layers must be a layer name, an index, or a list of them, got {type(layers).__name__} {layers!r}."
        )
    if not items:
        raise LayerError(
            "layers is empty: name at least one layer, e.g. ['block4_conv2'] (see nst_teach.layer_table())."
        )
    return tuple(dict.fromkeys(layer_name(item) for item in items))


def build_extractor(
    layers: LayerRef | Iterable[LayerRef],
    pooling: str = "avg",
    weights: WeightsSource = "auto",
    precision: str = "float32",
    seed: int = SEED,
) -> Extractor:
    """Builds VGG-19 up to the deepest of ``layers``, returning their activations.

    The convolutions are Keras VGG-19's (3×3, ReLU, "same" padding, same names); the
    2×2 pools are average pools by default, as in Gatys et al.  Nothing after the
    deepest requested layer is built.

    Args:
        layers: a layer name or index (``"block4_conv2"``, ``13``) or a list of them.
        pooling: ``"avg"`` (average pools, the default) or ``"max"`` (as in Keras' VGG-19).
        weights: ``"auto"`` (``$NST_TEACH_WEIGHTS``, the Keras cache, a download, else random
            filters with a warning), ``"imagenet"``, ``"random"``, or the path of a weights file.
        precision: ``"float32"``, ``"bfloat16"`` or ``"auto"`` (see ``nst_teach.precision``);
            the outputs are float32 either way.
        seed: seed of random filters (used only when the filters are random).

    Returns:
        An :class:`Extractor`; ``extractor(images)`` gives ``{name: float32 activations}``.

    Raises:
        LayerError: a layer does not exist.
        OptionError: ``pooling``, ``precision`` or ``seed`` is invalid.
        WeightsError: the weights asked for cannot be had.

    Introduced in ``notebooks/02_vgg19.ipynb``.

    >>> extractor = build_extractor(["block1_conv1", "block4_conv2"], weights="random")
    >>> extractor.model.layers[-1].name
    'block4_conv2'
    """
    names = _requested_layers(layers)
    if pooling not in ("avg", "max"):
        raise OptionError(f"pooling must be 'avg' (average pools, as in Gatys et al.) or 'max', got {pooling!r}.")
    precision = resolve_precision(precision)
    arrays, status = load_weight_arrays(weights, seed)

    import keras

    policy = "mixed_bfloat16" if precision == "bfloat16" else "float32"
    Pool = keras.layers.AveragePooling2D if pooling == "avg" else keras.layers.MaxPooling2D
    deepest = max(layer_index(name) for name in names)
    inputs = keras.Input(shape=(None, None, 3), name=INPUT_NAME)
    tensors = {INPUT_NAME: inputs}
    x = inputs
    for layer in VGG19_LAYERS[1 : deepest + 1]:
        if layer.kind == "conv":
            block = keras.layers.Conv2D(
                layer.channels, (3, 3), activation="relu", padding="same", name=layer.name, dtype=policy,
                kernel_initializer="zeros",
            )
        else:
            block = Pool((2, 2), strides=(2, 2), name=layer.name, dtype=policy)
        x = block(x)
        tensors[layer.name] = x
    model = keras.Model(inputs, {name: tensors[name] for name in names}, name=f"vgg19_to_{VGG19_LAYERS[deepest].name}")
    convs = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    for k, conv in enumerate(convs):
        conv.set_weights([arrays[2 * k], arrays[2 * k + 1]])
    model.trainable = False
    return Extractor(model, names, status, precision, pooling)

"""VGG-19's weights files: finding, downloading, checking and loading them.

The extractor (:func:`nst_teach.model.build_extractor`) asks this module for
VGG-19's 32 weight arrays (a kernel and a bias per convolution).  Where they come
from is ``weights=``:

* ``"imagenet"`` — Keras' own file ``vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5``
  (80 MB), from Keras' cache (``~/.keras/models``) or downloaded once;
* a path — a Keras VGG-19 "notop" weights file on disk (for offline machines);
* ``"random"`` — seeded random filters: the code runs, the pictures are not art;
* ``"auto"`` — ``$NST_TEACH_WEIGHTS``, else the Keras cache, else a download, else
  random filters with a loud warning (once per process).

:func:`weights_status` says which it would be without downloading anything (what
``nst-teach weights`` prints).  Files are only read as numbers and strings: no
pickles, no code.

Introduced in ``notebooks/00_welcome.ipynb`` and ``notebooks/02_vgg19.ipynb``.
"""

from __future__ import annotations

import html
import os
import socket
import tempfile
import urllib.parse
import urllib.request
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Union

import numpy as np

from .defaults import SEED
from .download import OFFLINE_ENV, is_offline
from .errors import NSTWarning, OptionError, WeightsError, spell_option, warn
from .weights_file import (
    WEIGHTS_FILENAME,
    WEIGHTS_MD5,
    WEIGHTS_URL,
    FileContents,
    check_seed,
    random_arrays,
    read_weights_file,
    verify_md5,
    write_random_weights,
)

__all__ = [
    "WeightsStatus",
    "WeightsWarning",
    "weights_status",
    "load_weight_arrays",
    "write_random_weights",
    "check_weights_file",
    "download_weights",
    "keras_cache_path",
    "where_looked",
    "WEIGHTS_URL",
    "WEIGHTS_FILENAME",
    "WEIGHTS_ENV",
    "OFFLINE_ENV",
]

#: Environment variable: path of a VGG-19 weights file to use for ``weights="auto"``.
WEIGHTS_ENV = "NST_TEACH_WEIGHTS"

#: Seconds to wait for the download server to answer before giving up.
CONNECT_TIMEOUT = 5.0

WeightsKind = Literal["imagenet", "file", "random"]
WeightsSource = Union[str, "os.PathLike[str]"]


#: Seeds whose random-filter fallback was already announced in this process.
_WARNED_RANDOM: set[int] = set()


class WeightsWarning(NSTWarning):
    """Warned (once per process, as one line) when VGG-19 falls back to random filters for want of real weights."""


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
        """The detail, the message, and the version of nst-teach that says so (for a bug report)."""
        from nst_teach import __version__  # the package's one version (pyproject reads it too)

        return f"{self.detail}\n{self.message}\nnst-teach {__version__}"

    def _repr_html_(self) -> str:
        good = self.is_pretrained and self.available
        colour, background = ("#1a7f37", "#e6f4ea") if good else ("#b42318", "#fdecea")
        title = "VGG-19 weights: " + ("ImageNet-trained ✔" if good else "NOT the ImageNet weights ✘")
        text = html.escape(str(self)).replace("\n", "<br>")
        return (
            f"<div style='border:2px solid {colour};background:{background};padding:8px;"
            f"border-radius:4px'><b style='color:{colour}'>{title}</b><br>{text}</div>"
        )


def _keras_home() -> str:
    """Keras' home folder, as ``keras/src/backend/config.py`` picks it: ``$KERAS_HOME``, else ``~/.keras``
    (``/tmp/.keras`` where ``~`` is not writable)."""
    home = os.environ.get("KERAS_HOME")
    if not home:
        base = os.path.expanduser("~")
        home = os.path.join(base if os.access(base, os.W_OK) else "/tmp", ".keras")
    return os.path.expanduser(home)


def _temporary_keras_home() -> str:
    """Where ``keras.utils.get_file`` goes when Keras' home is not writable (``keras/src/utils/file_utils.py``)."""
    return os.path.join("/tmp" if os.path.isdir("/tmp") else tempfile.gettempdir(), ".keras")


def _can_write_or_create(folder: str) -> bool:
    """True when ``folder`` is writable, or does not exist and its nearest existing parent is writable."""
    if os.path.exists(folder):
        return os.path.isdir(folder) and os.access(folder, os.W_OK)
    parent = os.path.dirname(os.path.abspath(folder))
    return parent != folder and _can_write_or_create(parent)


def _download_target() -> Path:
    """Where a download puts the ImageNet file: Keras' home, or its temporary fallback where that is read-only.

    ``keras.utils.get_file`` falls back to ``/tmp/.keras`` when the folder it is given is not
    writable (or does not exist); nst-teach creates the folder first, so it falls back only
    where it cannot be written.
    """
    home = _keras_home()
    if not _can_write_or_create(home):
        home = _temporary_keras_home()
    return Path(home) / "models" / WEIGHTS_FILENAME


def keras_cache_path() -> Path:
    """Returns where Keras keeps (or would keep) the ImageNet weights file.

    That is ``$KERAS_HOME/models/`` or ``~/.keras/models/``; where that folder is not
    writable (a read-only home), ``/tmp/.keras/models/``, the folder ``keras.utils.get_file``
    falls back to, so a file downloaded there is found again at the next start.  A file
    already in Keras' home is used even if the folder is read-only (an instructor may
    have put it there).

    Introduced in ``notebooks/02_vgg19.ipynb``.
    """
    target = _download_target()
    home_file = Path(_keras_home()) / "models" / WEIGHTS_FILENAME
    if not target.exists() and home_file.exists():
        return home_file
    return target


def _how_to_get_weights() -> str:
    return (
        "How to get the real weights (80 MB, once):\n"
        "  * online:  run `nst-teach weights --download` (or, in Python,\n"
        "    keras.applications.VGG19(include_top=False, weights='imagenet'): the same file. Without\n"
        "    include_top=False Keras fetches another one, 549 MB with the classifier, which nst-teach does not read).\n"
        f"  * offline: download {WEIGHTS_URL}\n"
        "    on a machine with internet, then either copy it to\n"
        f"      {keras_cache_path()}\n"
        f"    or set {WEIGHTS_ENV}=/path/to/{WEIGHTS_FILENAME}"
    )


def _cache_places() -> list[Path]:
    """Every place Keras' cache may hold the ImageNet file: its home, and its fallback where that is read-only."""
    places = [Path(_keras_home()) / "models" / WEIGHTS_FILENAME, _download_target()]
    return [place for i, place in enumerate(places) if place not in places[:i]]


def where_looked(download: str | None = None) -> str:
    """The places ``weights="auto"`` looks for the weights, in its order, and what it found in each.

    Args:
        download: what became of the download, the last place (``"NST_TEACH_OFFLINE is set"``...);
            None: not tried (:func:`weights_status` never downloads).

    Introduced in ``notebooks/00_welcome.ipynb`` (``nst-teach weights`` prints it).
    """
    env = os.environ.get(WEIGHTS_ENV, "").strip()
    lines = [f"nst-teach reads {WEIGHTS_FILENAME} (VGG-19 without its classifier) and looked in:"]
    lines.append(f"  1. ${WEIGHTS_ENV}: " + (f"set to {env}" if env else "not set"))
    for i, place in enumerate(_cache_places(), start=2):
        what = "Keras' cache" if i == 2 else "Keras' cache where its home is read-only"
        lines.append(f"  {i}. {what}: {place} ({'there' if place.exists() else 'not there'})")
    lines.append(f"  {len(lines)}. a download from {WEIGHTS_URL}: {download or 'not tried here'}")
    return "\n".join(lines)


def _where_looked_in_one_line() -> str:
    env = os.environ.get(WEIGHTS_ENV, "").strip()
    places = " nor ".join(str(place) for place in _cache_places())
    return (
        f"{WEIGHTS_FILENAME} is not in ${WEIGHTS_ENV} ({'set to ' + env if env else 'not set'}) nor in Keras' cache "
        f"({places})"
    )


def _on_purpose() -> str:
    """How to ask for random filters, in the words of the interface the user is in."""
    return f"to use random filters on purpose (tests, timing), pass {spell_option('weights', 'random')}"


def _random_warning(reason: str) -> str:
    """The one-line warning of the random fallback: what happened, why, and what to do."""
    return (
        "VGG-19 is using RANDOM filters, not the ImageNet weights, so the results will not look like the paintings. "
        f"Why: {reason.rstrip('.')}; {_where_looked_in_one_line()}. Get the real weights (80 MB, once) with "
        f"`nst-teach weights --download`; {_on_purpose()}."
    )


def _random_status(seed: int, why: str | None = None, download: str | None = None) -> WeightsStatus:
    if why is None:
        message = "Random filters chosen on purpose: the code runs, the pictures will not look like art."
    else:  # several lines for `nst-teach weights`; the detail line above them already says "random filters"
        message = (
            "These are RANDOM filters, not the ImageNet weights: everything runs, but the results will not look like\n"
            "the paintings (random filters do not know edges, textures or objects).\n"
            f"Why: {why}\n{where_looked(download)}\n{_how_to_get_weights()}\n  * {_on_purpose()}."
        )
    return WeightsStatus(
        kind="random",
        path=None,
        detail=f"seeded random filters (seed {seed})",
        message=message,
        is_pretrained=False,
        available=True,
        seed=seed,
    )


def _file_status(path: Path, contents: FileContents, kind: WeightsKind, via: str = "") -> WeightsStatus:
    if contents.random_seed is not None:
        return WeightsStatus(
            kind=kind,
            path=path,
            detail=f"{contents.note}{via}: random filters written by write_random_weights(seed={contents.random_seed})",
            message="These are random filters, not the ImageNet weights: the pictures will not look like art.\n"
            + _how_to_get_weights(),
            is_pretrained=False,
            available=True,
            seed=contents.random_seed,
        )
    return WeightsStatus(
        kind=kind,
        path=path,
        detail=f"{contents.note}{via}: {path}",
        message="VGG-19 filters learned on ImageNet: ready for style transfer.",
        is_pretrained=True,
        available=True,
    )


def _fix_for(path: Path) -> str:
    """The one command (or step) that replaces a damaged copy of the ImageNet file at ``path``."""
    if path.expanduser().resolve() in {keras_cache_path().resolve(), _download_target().resolve()}:
        return "Run `nst-teach weights --download`: it fetches the file again in place of this copy."
    return (
        f"Copy it again from a good copy (or from {WEIGHTS_URL}), or run `nst-teach weights --download` "
        f"and use {spell_option('weights', 'imagenet')}."
    )


def _read(path: Path, load: bool) -> FileContents:
    """Reads a weights file; one named like Keras' ImageNet file must also have its MD5."""
    verify_md5(path, _fix_for(path))
    return read_weights_file(path, load=load)


def check_weights_file(path: str | os.PathLike[str]) -> WeightsStatus:
    """Checks that a file holds VGG-19 "notop" weights (layer names and shapes), without loading them.

    A file named like Keras' ImageNet file must also have that file's MD5 (checked once per file).

    Args:
        path: the weights file, e.g. ``vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5``.

    Returns:
        A :class:`WeightsStatus` of kind ``"file"`` describing the file.

    Raises:
        WeightsError: the file is missing, not HDF5, damaged (MD5), or not VGG-19's (the message
            names the first layer whose shapes differ).

    Introduced in ``notebooks/02_vgg19.ipynb`` (and ``nst-teach weights --path``).
    """
    path = Path(path).expanduser()
    return _file_status(path, _read(path, load=False), "file")


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

    target = _download_target()
    if is_offline():
        raise WeightsError(f"{OFFLINE_ENV} is set, so the ImageNet weights were not downloaded.")
    host, port = _connect_target()
    try:
        socket.create_connection((host, port), timeout=CONNECT_TIMEOUT).close()
    except OSError as exc:
        raise WeightsError(f"cannot reach {host}:{port} to download {WEIGHTS_URL} ({exc}).") from None
    try:  # get_file falls back to /tmp/.keras when the folder does not exist yet
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WeightsError(f"cannot create {target.parent} ({exc.strerror or exc}).") from None
    previous_timeout = socket.getdefaulttimeout()
    socket.setdefaulttimeout(60)  # a stalled transfer fails instead of hanging
    try:
        fetched = keras.utils.get_file(
            WEIGHTS_FILENAME,
            WEIGHTS_URL,
            cache_subdir="models",
            file_hash=WEIGHTS_MD5,
            cache_dir=str(target.parent.parent),
        )
    except Exception as exc:  # urllib, hash and file errors all mean "no weights".
        raise WeightsError(f"downloading {WEIGHTS_URL} failed ({type(exc).__name__}: {exc}).") from None
    finally:
        socket.setdefaulttimeout(previous_timeout)
    return Path(fetched)


def download_weights() -> Path:
    """Downloads the ImageNet weights into Keras' cache (if not there, or in place of a damaged copy), checks them.

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
    return WeightsStatus(
        kind=kind, path=path, detail=detail, message=message, is_pretrained=kind != "random", available=False
    )


def weights_status(weights: WeightsSource = "auto", seed: int = SEED) -> WeightsStatus:
    """Says which weights :func:`~nst_teach.model.build_extractor` would use, without downloading anything.

    Args:
        weights: ``"auto"``, ``"imagenet"``, ``"random"`` or a path (as for :func:`~nst_teach.model.build_extractor`).
        seed: the seed random filters would use.

    Returns:
        A :class:`WeightsStatus`; ``available`` is False where a download would be needed
        or the file cannot be used (``message`` says why and what to do).

    Introduced in ``notebooks/00_welcome.ipynb``.

    >>> weights_status("random").is_pretrained
    False
    """
    _check_source(weights)
    seed = check_seed(seed)
    if weights == "random":
        return _random_status(seed)
    if weights not in _KEYWORDS or (weights == "auto" and _env_path() is not None):
        path = Path(weights).expanduser() if weights != "auto" else _env_path()
        via = f" (from ${WEIGHTS_ENV})" if weights == "auto" else ""
        try:
            return _file_status(path, _read(path, load=False), "file", via)
        except WeightsError as exc:
            return _unavailable("file", path, f"unusable weights file{via}: {path}", str(exc))
    cached = keras_cache_path()
    if cached.exists():
        try:
            return _file_status(cached, _read(cached, load=False), "imagenet", " (Keras cache)")
        except WeightsError as exc:
            return _unavailable("imagenet", cached, f"damaged ImageNet weights file: {cached}", str(exc))
    if is_offline():
        if weights == "imagenet":
            return _unavailable(
                "imagenet",
                cached,
                "ImageNet weights not downloaded (offline)",
                f"{OFFLINE_ENV} is set: {spell_option('weights', 'imagenet')} would fail.\n"
                f"{where_looked(f'{OFFLINE_ENV} is set')}\n{_how_to_get_weights()}",
            )
        return _random_status(seed, f"no weights file found and {OFFLINE_ENV} is set.", f"{OFFLINE_ENV} is set")
    fallback = "; if that fails, random filters (with a warning)" if weights == "auto" else ""
    return _unavailable(
        "imagenet",
        cached,
        f"ImageNet weights not downloaded yet: would download {WEIGHTS_URL} (80 MB){fallback}",
        f"They will be saved as {cached}.\n{where_looked()}\n{_how_to_get_weights()}",  # the line above: what happens
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
    return _cached(("random", seed), lambda: _read_only(random_arrays(seed)))


def _load_file(path: Path, kind: WeightsKind, via: str = "") -> tuple[WeightsStatus, list[np.ndarray]]:
    if not path.exists():
        read_weights_file(path, load=False)  # raises the "does not exist" error
    path = path.resolve()
    stat = path.stat()
    key = ("file", str(path), stat.st_mtime_ns, stat.st_size)

    def load() -> FileContents:
        contents = _read(path, load=True)
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
        weights: ``"auto"``, ``"imagenet"``, ``"random"`` or a path (see :func:`~nst_teach.model.build_extractor`).
        seed: seed of random filters.

    Returns:
        ``(arrays, status)``.

    Raises:
        WeightsError: the weights asked for cannot be had (the message says how to get them).
        OptionError: ``weights`` or ``seed`` has a wrong type.

    Introduced in ``notebooks/02_vgg19.ipynb``.
    """
    _check_source(weights)
    seed = check_seed(seed)
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
                    f"{spell_option('weights', 'imagenet')}: the ImageNet weights are not in Keras' cache "
                    f"({keras_cache_path()}) and could not be downloaded: {exc}\n{_how_to_get_weights()}"
                ) from None
            status = _random_status(seed, f"no weights file found, and {exc}", str(exc).rstrip("."))
            if seed not in _WARNED_RANDOM:  # loud once per process; weights_status() tells it any time
                _WARNED_RANDOM.add(seed)
                warn(_random_warning(f"no weights file found, and {exc}"), WeightsWarning)
            return _load_random(seed), status
    status, arrays = _load_file(cached, "imagenet", " (Keras cache)")
    return arrays, status

"""Reading pictures: files of every format, web addresses, arrays — and what can go wrong.

:func:`read_image` turns whatever a student has at hand (a file path, a web
address, a NumPy array, a Pillow image) into one plain form, a ``uint8`` RGB
array of shape ``(H, W, 3)``, and explains clearly what is wrong when it cannot.
Everything that takes is here: which formats are opened (and which never are),
the pixel budget that protects a small machine's memory, 16-bit and float
pictures, transparency, EXIF rotation, animations, files that are not pictures
at all (a web page, a PDF, a renamed Word file), and http(s) addresses against
plain paths.  What the course does with the picture next is in
:mod:`nst_teach.images` (``preprocess``, ``to_rgb``...).

Introduced in ``notebooks/01_images.ipynb``.
"""

from __future__ import annotations

import contextlib
import math
import numbers
import os
import threading
import urllib.parse
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from . import download, samples
from .errors import ImageError, ImageNotFoundError, NSTWarning, OptionError, warn
from .validate import MIN_SIDE, did_you_mean, format_size

__all__ = ["ImageWarning", "MAX_PIXELS", "MIN_SIDE", "array_to_rgb", "check_min_side", "read_image", "short_repr"]


class ImageWarning(NSTWarning):
    """A picture was read, but changed on the way (an animation's first frame, transparency flattened...)."""


_DEFAULT_MAX_PIXELS = 50_000_000


def _max_pixels_from_env(default: int = _DEFAULT_MAX_PIXELS) -> int:
    """Reads the pixel budget from ``$NST_TEACH_MAX_PIXELS``, or returns ``default``."""
    value = os.environ.get("NST_TEACH_MAX_PIXELS", "").strip()
    if not value:
        return default
    try:
        budget = int(value.replace("_", ""))
    except ValueError:
        budget = 0
    if budget <= 0:
        warn(
            f"ignoring NST_TEACH_MAX_PIXELS={value!r}: it must be a positive whole number of pixels; using {default:_}",
            ImageWarning,
        )
        return default
    return budget


#: Largest number of pixels (width × height) :func:`read_image` decodes by
#: default: 50 million, about 150 MB of RGB data.  Set the environment variable
#: ``NST_TEACH_MAX_PIXELS`` before importing nst-teach to change it, or pass
#: ``max_pixels=...`` to :func:`read_image` and :func:`~nst_teach.images.load_image`.
MAX_PIXELS: int = _max_pixels_from_env()

#: File formats read_image lets Pillow open (raster formats only: nothing that
#: would run an external program, such as EPS, is ever opened).
_WANTED_FORMATS = ("PNG", "JPEG", "GIF", "BMP", "TIFF", "WEBP", "PPM", "ICO", "AVIF")

#: What a file that is not a picture usually starts with, and what it then is.
_NOT_IMAGE_SIGNATURES = (
    (b"%PDF", "a PDF document"),
    (b"%!PS", "a PostScript (EPS) document"),
    (b"PK\x03\x04", "a ZIP archive (Word, PowerPoint and .zip files are ZIP archives)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"<!doctype html", "an HTML web page"),
    (b"<html", "an HTML web page"),
    (b"{", "a JSON or text file"),
)

#: Picture formats that Pillow cannot decode, recognised by their first bytes.
_UNSUPPORTED_SIGNATURES = (
    (b"<svg", "an SVG drawing (a vector format)"),
    (b"8BPS", "a Photoshop PSD file"),
)
_HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1")

_PILLOW_LIMIT_LOCK = threading.Lock()


def read_image(src: Any, *, max_pixels: int = MAX_PIXELS) -> np.ndarray:
    """Reads a picture into a ``uint8`` RGB array of shape ``(H, W, 3)``.

    ``src`` may be:

    * the name of a bundled sample (``"cottage"``, ``"swirls"``: :func:`nst_teach.samples.sample_names`),
      when no file of that name is in the current folder.
    * a file path (``str`` or :class:`pathlib.Path`): PNG, JPEG, GIF, BMP,
      TIFF, WebP, PPM, ICO.  The EXIF orientation of photos is honoured;
      an animation gives its first frame (with a warning); transparency is
      flattened on white (with a warning); palette, grayscale and CMYK become
      RGB.  16-bit images are scaled by 1/257 (65535 → 255).  32-bit integer
      and float images are multiplied by 255 if their values lie in 0..1,
      kept if they lie in 0..255, and otherwise stretched from their own
      minimum..maximum to 0..255 (with a warning).
    * an ``http://`` or ``https://`` address: downloaded once into the cache
      (see :func:`nst_teach.download.fetch`), then read like a file.
    * a NumPy array: ``(H, W, 3)`` RGB, ``(H, W)`` or ``(H, W, 1)`` grayscale,
      ``(H, W, 4)`` RGBA.  ``uint8`` is used as is, ``uint16`` is divided by
      257, ``bool`` becomes 0/255, other integers must lie in 0..255, floats
      must lie in 0..1 (they are multiplied by 255).
    * a Pillow image.

    The result is always a fresh array (never a view of ``src``).

    Args:
        src: The picture: path, a bundled sample's name, http(s) address, NumPy array or Pillow image.
        max_pixels: Refuse to decode pictures with more pixels than this
            (width × height), to protect the memory of small machines.  Big
            JPEGs are decoded at 1/2, 1/4 or 1/8 size instead, when that fits.

    Returns:
        The picture as a ``uint8`` array of shape ``(H, W, 3)``, RGB order.

    Raises:
        ImageNotFoundError: The path does not exist.
        ImageError: The file or array cannot be used as a picture; the message
            says why and what to do.
        OptionError: ``max_pixels`` is not a positive whole number.

    Introduced in ``notebooks/01_images.ipynb``.

    >>> read_image(np.zeros((48, 64), dtype=np.uint8)).shape
    (48, 64, 3)
    >>> read_image("swirls").shape
    (384, 512, 3)
    """
    max_pixels = _check_max_pixels(max_pixels)
    if isinstance(src, np.ndarray):
        what = f"the array of shape {src.shape} and dtype {src.dtype}"
        rgb = array_to_rgb(src, what)
    elif isinstance(src, Image.Image):
        what = f"the {src.width}×{src.height} Pillow image"
        try:
            rgb = _pil_to_rgb(ImageOps.exif_transpose(src), what)
        except ImageError:
            raise
        except Exception as exc:  # a lazily opened file that turns out to be broken
            raise _damaged(what, exc) from None
    elif isinstance(src, (str, os.PathLike)):
        text = os.fspath(src)
        if isinstance(text, bytes):
            text = os.fsdecode(text)
        scheme = _url_scheme(text)
        if scheme in ("http", "https"):
            what = f"the picture at {text}"
            rgb = _read_file(download.fetch(text), max_pixels, what, forget_if_not_image=True)
        elif scheme:
            raise ImageError(
                f"cannot read {text!r}: only http:// and https:// addresses can be downloaded, "
                f"not {scheme}: ones. Save the picture to a file and pass its path instead."
            )
        else:
            path = Path(text).expanduser()
            what = f"'{path}'"
            if text in samples.SAMPLES and not path.exists():  # a bundled picture by name: "cottage"
                path, what = samples.sample_path(text), f"the sample {text!r}"
            rgb = _read_file(path, max_pixels, what)
    else:
        raise ImageError(
            f"cannot read a picture from {short_repr(src)} (type {type(src).__name__}); pass a "
            "file path, an http(s) address, or a NumPy array of shape (H, W, 3)"
        )
    check_min_side(rgb, what)
    return rgb


# --------------------------------------------------------------------------- #
# Reading files                                                               #
# --------------------------------------------------------------------------- #


class _NotAnImageError(ImageError):
    """The file's content is not a picture (a downloaded web page, a PDF...)."""


def _read_file(path: Path, max_pixels: int, what: str, *, forget_if_not_image: bool = False) -> np.ndarray:
    """Decodes the picture file at ``path`` into ``uint8`` RGB; ``what`` names it in errors."""
    _check_is_file(path)
    try:
        with open(path, "rb") as file:
            head = file.read(32)
    except OSError as exc:
        raise ImageError(f"{what} cannot be opened ({exc.strerror or exc}); check that you may read it") from None
    try:
        with _our_pixel_budget_only():
            return _decode(path, head, max_pixels, what)
    except _NotAnImageError:
        if forget_if_not_image:  # a web page instead of a picture: don't keep it in the cache
            path.unlink(missing_ok=True)
        raise


def _decode(path: Path, head: bytes, max_pixels: int, what: str) -> np.ndarray:
    """The Pillow part of :func:`_read_file`: header, size check, full decode, conversion."""
    try:
        image = Image.open(path, formats=_readable_formats())
    except UnidentifiedImageError:
        raise _not_an_image(what, head) from None
    except Exception as exc:  # Pillow's plugins raise many kinds of errors on broken headers
        raise _damaged(what, exc) from None
    with image:
        _fit_pixel_budget(image, max_pixels, what)  # before decoding anything big
        try:
            frames = getattr(image, "n_frames", 1) if getattr(image, "is_animated", False) else 1
            image.load()  # the full decode: finds truncated and corrupted files
        except Exception as exc:
            raise _damaged(what, exc) from None
        if frames > 1:
            warn(f"{what} has {frames} frames (an animation); using the first one", ImageWarning)
        try:
            rgb = _read_16bit_colour(path) if _is_16bit_colour(image, head) else None
            if rgb is None:
                return _pil_to_rgb(ImageOps.exif_transpose(image), what)
            orientation = image.getexif().get(ExifTags.Base.Orientation, 1)
            return _apply_orientation(rgb, orientation)
        except ImageError:
            raise
        except Exception as exc:
            raise _damaged(what, exc) from None


@cache
def _readable_formats() -> tuple[str, ...]:
    """The formats of :data:`_WANTED_FORMATS` that this Pillow installation can open."""
    Image.init()
    return tuple(name for name in _WANTED_FORMATS if name in Image.OPEN)


@contextlib.contextmanager
def _our_pixel_budget_only() -> Iterator[None]:
    """Switches Pillow's own decompression-bomb limit off while read_image decodes.

    read_image checks the picture's size against its own ``max_pixels``, from
    the header, before decoding -- and can still decode a huge JPEG at 1/8
    size, which Pillow's check would refuse to open at all.
    """
    with _PILLOW_LIMIT_LOCK:
        saved = Image.MAX_IMAGE_PIXELS
        Image.MAX_IMAGE_PIXELS = None
        try:
            yield
        finally:
            Image.MAX_IMAGE_PIXELS = saved


def _fit_pixel_budget(image: Image.Image, max_pixels: int, what: str) -> None:
    """Checks the header's size against ``max_pixels``; asks libjpeg to shrink big JPEGs."""
    width, height = image.size
    if width * height <= max_pixels:
        return
    if image.format == "JPEG":
        # libjpeg can decode directly at 1/2, 1/4 or 1/8 of the size, using less memory.
        shrink = 2 ** math.ceil(math.log2(math.sqrt(width * height / max_pixels)))
        if shrink <= 8:
            image.draft(None, (max(1, width // shrink), max(1, height // shrink)))
            if image.width * image.height <= max_pixels:
                warn(
                    f"{what} is {width}×{height} pixels, more than max_pixels={max_pixels:_}; "
                    f"decoded it at 1/{width // image.width} size ({image.width}×{image.height})",
                    ImageWarning,
                )
                return
    raise ImageError(
        f"{what} is {width}×{height} = {width * height:_} pixels, more than the budget "
        f"max_pixels={max_pixels:_}: decoding it could use up the memory. Resize it first, "
        f"or pass max_pixels={width * height} if this machine has the memory."
    )


def _is_16bit_colour(image: Image.Image, head: bytes) -> bool:
    """Whether a PNG or TIFF colour picture stores 16 bits per channel.

    Pillow opens these as 8-bit RGB by dropping the low byte of each value;
    OpenCV reads all 16 bits, which read_image then rounds correctly.
    """
    if image.mode not in ("RGB", "RGBA"):
        return False
    if image.format == "PNG":
        return len(head) > 24 and head[24] == 16  # the IHDR chunk's bit depth
    if image.format == "TIFF":
        bits = image.tag_v2.get(258, ())  # BitsPerSample
        return 16 in (bits if isinstance(bits, tuple) else (bits,))
    return False


def _read_16bit_colour(path: Path) -> np.ndarray | None:
    """Reads a 16-bit RGB(A) file with OpenCV; ``None`` if OpenCV cannot."""
    encoded = np.fromfile(path, dtype=np.uint8)
    bgr = cv2.imdecode(encoded, cv2.IMREAD_UNCHANGED)
    if bgr is None or bgr.dtype != np.uint16 or bgr.ndim != 3 or bgr.shape[2] not in (3, 4):
        return None
    if bgr.shape[2] == 4:
        return _flatten_on_white(_scale_16bit(cv2.cvtColor(bgr, cv2.COLOR_BGRA2RGBA)), f"'{path}'")
    return _scale_16bit(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))


def _apply_orientation(rgb: np.ndarray, orientation: int) -> np.ndarray:
    """Rotates/flips ``rgb`` as the EXIF ``orientation`` tag asks, with ImageOps.exif_transpose."""
    if orientation == 1:
        return rgb
    image = Image.fromarray(rgb)
    image.getexif()[ExifTags.Base.Orientation] = orientation
    return np.array(ImageOps.exif_transpose(image))


def _pil_to_rgb(image: Image.Image, what: str) -> np.ndarray:
    """Converts a loaded Pillow image of any mode into ``uint8`` RGB ``(H, W, 3)``."""
    mode = image.mode
    if mode.startswith("I;16"):  # 16-bit grayscale
        return _gray_to_rgb(_scale_16bit(np.array(image)))
    if mode in ("I", "F"):  # 32-bit integer or float grayscale
        return _gray_to_rgb(_wide_to_uint8(np.array(image), what))
    if mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info:
        return _flatten_on_white(np.array(image.convert("RGBA")), what)
    try:
        return np.array(image.convert("RGB"))
    except ValueError as exc:
        raise ImageError(
            f"{what} uses the colour mode {mode!r}, which cannot be converted to RGB ({exc}); "
            "convert it to an ordinary RGB PNG or JPEG first"
        ) from None


# --------------------------------------------------------------------------- #
# Converting arrays                                                           #
# --------------------------------------------------------------------------- #


def array_to_rgb(array: np.ndarray, what: str) -> np.ndarray:
    """Converts a gray, RGB or RGBA array of a supported dtype into fresh ``uint8`` RGB."""
    shape = array.shape
    if array.size == 0:
        raise ImageError(f"{what} is empty; a picture needs at least {format_size((MIN_SIDE, MIN_SIDE))} pixels")
    if array.ndim == 4 and shape[0] == 1 and shape[-1] == 3 and array.dtype.kind == "f":
        raise ImageError(
            f"{what} looks like a prepared picture (a batch of one, BGR minus means); "
            "turn it back into an RGB picture with to_rgb(x) first"
        )
    if not (array.ndim == 2 or (array.ndim == 3 and shape[2] in (1, 3, 4))):
        raise ImageError(
            f"{what} is not a picture: expected shape (H, W, 3) for RGB, (H, W) or (H, W, 1) "
            "for grayscale, or (H, W, 4) for RGBA"
        )
    values = _values_to_uint8(array, what)
    if values.ndim == 2 or values.shape[2] == 1:
        return _gray_to_rgb(values.reshape(shape[0], shape[1]))
    if values.shape[2] == 4:
        return _flatten_on_white(values, what)
    return np.array(values, dtype=np.uint8, order="C", copy=True)


def _values_to_uint8(array: np.ndarray, what: str) -> np.ndarray:
    """Maps the values of an array of any supported dtype to ``uint8`` 0..255."""
    kind = array.dtype.kind
    if array.dtype == np.uint8:
        return array
    if kind == "b":
        return array.astype(np.uint8) * np.uint8(255)
    if array.dtype == np.uint16:
        return _scale_16bit(array)
    if kind in "iu":
        low, high = int(array.min()), int(array.max())
        if low < 0 or high > 255:
            raise ImageError(
                f"{what} holds whole numbers from {low} to {high}; picture values must lie in "
                "0..255 (use dtype uint8), or 0..65535 with dtype uint16"
            )
        return array.astype(np.uint8)
    if kind == "f":
        finite = np.isfinite(array)
        if not finite.all():
            raise ImageError(
                f"{what} contains {int(np.count_nonzero(~finite))} NaN or infinite values; "
                "a picture needs a number in every pixel"
            )
        low, high = float(array.min()), float(array.max())
        if low < 0.0 or high > 1.0:
            raise ImageError(
                f"{what} holds floats from {low:g} to {high:g}; float pictures must lie in 0..1. "
                "If yours are 0..255, pass np.clip(x, 0, 255).astype(np.uint8); if this is a "
                "prepared picture (BGR minus means), use to_rgb(x)"
            )
        return np.rint(array * 255.0).astype(np.uint8)
    raise ImageError(
        f"{what} has dtype {array.dtype}, which is not a picture's; "
        "use uint8 (0..255), uint16 (0..65535), bool, or floats in 0..1"
    )


def _scale_16bit(values: np.ndarray) -> np.ndarray:
    """Maps 16-bit values 0..65535 to 0..255 (65535 / 257 = 255), rounding to nearest."""
    return np.rint(values.astype(np.float32) / 257.0).astype(np.uint8)


def _wide_to_uint8(values: np.ndarray, what: str) -> np.ndarray:
    """Maps a 32-bit integer or float picture to 0..255 (the rule is in :func:`read_image`)."""
    is_float = values.dtype.kind == "f"
    values = values.astype(np.float64)
    if not np.isfinite(values).all():
        raise ImageError(f"{what} contains NaN or infinite values; a picture needs a number in every pixel")
    low, high = float(values.min()), float(values.max())
    if is_float and low >= 0.0 and high <= 1.0:
        return np.rint(values * 255.0).astype(np.uint8)
    if low >= 0.0 and high <= 255.0:
        return np.rint(values).astype(np.uint8)
    warn(f"{what} holds values from {low:g} to {high:g}; stretched them to 0..255", ImageWarning)
    return np.rint((values - low) * (255.0 / (high - low))).astype(np.uint8)


def _gray_to_rgb(gray: np.ndarray) -> np.ndarray:
    """Repeats a ``(H, W)`` gray ``uint8`` array into three equal channels."""
    return np.repeat(gray[:, :, np.newaxis], 3, axis=2)


def _flatten_on_white(rgba: np.ndarray, what: str) -> np.ndarray:
    """Composites ``uint8`` RGBA on a white background: ``rgb·a + 255·(1 − a)``."""
    rgb = rgba[:, :, :3].astype(np.float32)
    alpha = rgba[:, :, 3:].astype(np.float32) / 255.0
    if np.any(alpha < 1.0):
        warn(f"{what} is partly transparent; flattened its transparency on white", ImageWarning)
    return np.rint(rgb * alpha + 255.0 * (1.0 - alpha)).astype(np.uint8)


# --------------------------------------------------------------------------- #
# Checks and error messages                                                   #
# --------------------------------------------------------------------------- #


def _check_max_pixels(max_pixels: Any) -> int:
    if isinstance(max_pixels, bool) or not isinstance(max_pixels, numbers.Integral) or max_pixels <= 0:
        raise OptionError(f"max_pixels must be a positive whole number of pixels, got {max_pixels!r}")
    return int(max_pixels)


def check_min_side(rgb: np.ndarray, what: str) -> None:
    height, width = rgb.shape[:2]
    if height < MIN_SIDE or width < MIN_SIDE:
        raise ImageError(
            f"{what} is {format_size((width, height))} pixels; VGG-19 needs at least "
            f"{format_size((MIN_SIDE, MIN_SIDE))} (its five pooling layers halve the picture five times). "
            "Use a bigger picture."
        )


def _check_is_file(path: Path) -> None:
    """Raises a helpful error for a missing path, a folder, or an empty file."""
    if not path.exists():
        names = [entry.name for entry in path.parent.iterdir()] if path.parent.is_dir() else []
        sample = ""
        if path.parent == Path("."):  # a bare name: it could have been meant as a bundled sample's
            names += samples.sample_names()
            sample = f", and no bundled sample has that name ({', '.join(samples.sample_names())})"
        raise ImageNotFoundError(
            f"no picture at '{path}': the file does not exist (relative paths start in "
            f"'{Path.cwd()}'){sample}. Check the spelling and the folder.{did_you_mean(path.name, names)}"
        )
    if path.is_dir():
        raise ImageError(f"'{path}' is a directory, not a picture file; pass the path of a file inside it")
    if path.stat().st_size == 0:
        raise ImageError(
            f"'{path}' is empty (0 bytes): the file was not saved or downloaded completely; save or download it again"
        )


def _not_an_image(what: str, head: bytes) -> ImageError:
    """The error for a file Pillow could not identify, saying what it seems to be instead."""
    start = head[:8].decode("latin-1")
    shown = "".join(c if c.isprintable() and ord(c) < 127 else f"\\x{ord(c):02x}" for c in start)
    lowered = head.lstrip().lower()  # so the signatures below are compared in lower case too
    for signature, kind in _UNSUPPORTED_SIGNATURES:
        if lowered.startswith(signature.lower()) or (lowered.startswith(b"<?xml") and signature == b"<svg"):
            return ImageError(f"{what} is {kind}, which nst-teach cannot read: export it as PNG or JPEG first")
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return ImageError(
            f"{what} is a HEIC/HEIF photo (the iPhone format), which nst-teach cannot read: "
            "convert it to JPEG first (or set the camera to 'Most Compatible')"
        )
    kind = next((kind for signature, kind in _NOT_IMAGE_SIGNATURES if lowered.startswith(signature.lower())), None)
    if kind is None and _looks_like_text(head):
        kind = "text"
    if kind is not None:
        hint = (
            "If you copied a web address, right-click the picture itself and choose 'Copy image address'."
            if "HTML" in kind
            else "If the file was renamed to look like a picture, convert it instead (open it and export as PNG)."
        )
        return _NotAnImageError(f"{what} is not an image: it starts with '{shown}' ({kind}). {hint}")
    readable = ", ".join(_readable_formats())
    return _NotAnImageError(
        f"{what} is not an image nst-teach can read: it starts with '{shown}'. "
        f"Readable formats: {readable}; convert it to PNG or JPEG."
    )


def _damaged(what: str, exc: BaseException) -> ImageError:
    reason = str(exc) or type(exc).__name__
    return ImageError(
        f"{what} is damaged or truncated and cannot be decoded (Pillow says: {reason}); download or export it again"
    )


def _looks_like_text(head: bytes) -> bool:
    """Whether the first bytes of a file read as printable UTF-8 text."""
    for end in range(len(head), max(len(head) - 4, 0), -1):  # the last character may be cut
        try:
            text = head[:end].decode("utf-8")
        except UnicodeDecodeError:
            continue
        return all(c.isprintable() or c in "\t\r\n" for c in text)
    return False


def _url_scheme(text: str) -> str:
    """The scheme of a URL-looking string (``"https"``, ``"data"``...), or ``""`` for a path."""
    scheme = urllib.parse.urlsplit(text).scheme.lower()
    if len(scheme) <= 1:  # "" for plain paths; "c" for Windows paths such as C:\\pictures
        return ""
    if text[len(scheme) + 1 :].startswith("//") or scheme in ("data", "file", "mailto", "javascript"):
        return scheme
    return ""


def short_repr(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."

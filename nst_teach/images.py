"""Preparing and saving the pictures that Neural Style Transfer works on.

VGG-19 was trained on pictures prepared in one particular way, and it only
"sees" well what is prepared the same way.  :func:`preprocess` does exactly
the reference recipe's steps, in order:

1. RGB → BGR (OpenCV's channel order, the one the network was trained with);
2. resize to ``(width, height)`` = :data:`~nst_teach.defaults.IMG_SIZE` with
   bicubic interpolation;
3. convert to ``float32`` and subtract the ImageNet channel means
   :data:`~nst_teach.defaults.VGG_MEANS_BGR`;
4. add a batch axis: the result has shape ``(1, height, width, 3)``.

:func:`to_rgb` undoes these steps so that a result can be shown or saved;
:func:`noisy_image` makes the optimization's starting point.  Reading a picture
from a file, a web address or an array (:func:`read_image`, at home in
:mod:`nst_teach.image_io`, with every format and every way a file can be wrong)
gives the ``uint8`` RGB array these functions start from.

Introduced in ``notebooks/01_images.ipynb``.
"""

from __future__ import annotations

import errno
import math
import numbers
import os
import uuid
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image

from .defaults import IMG_SIZE, NOISE_RANGE, NOISE_RATIO, VGG_MEANS_BGR
from .errors import ImageError, OptionError, SaveError
from .image_io import MAX_PIXELS, array_to_rgb, check_min_side, read_image, short_repr
from .validate import MIN_SIDE, check_int, check_size

#: What every function that takes a picture accepts: a file path, an http(s) URL, a NumPy array
#: (uint8 RGB, grayscale, RGBA, 16-bit or float), a PIL image, or an already preprocessed
#: float32 ``(1, H, W, 3)`` batch (a NumPy array or a TensorFlow tensor).
ImageLike = str | os.PathLike | np.ndarray | Image.Image | Any

__all__ = [
    "ImageLike",
    "MAX_PIXELS",
    "MIN_SIDE",
    "read_image",
    "preprocess",
    "load_image",
    "to_rgb",
    "pixel_box",
    "as_saved",
    "save_image",
    "noisy_image",
    "resize_to",
    "shuffle_tiles",
]

_SAVE_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG"}
_SAVE_OPTIONS: dict[str, dict[str, Any]] = {"PNG": {}, "JPEG": {"quality": 95}}


def preprocess(rgb: np.ndarray, size: tuple[int, int] | None = IMG_SIZE) -> np.ndarray:
    """Prepares an RGB picture for VGG-19, exactly as the reference recipe does.

    The steps, in order: RGB → BGR; bicubic resize to ``size`` = (width,
    height); ``float32``; subtract the ImageNet channel means (BGR order);
    add a batch axis.

    Args:
        rgb: The picture as :func:`read_image` returns it, ``uint8`` RGB
            ``(H, W, 3)`` (any array :func:`read_image` accepts works too).
        size: Target ``(width, height)`` in pixels, or ``None`` to keep the
            picture's own size.

    Returns:
        A ``float32`` array of shape ``(1, height, width, 3)``, BGR order,
        channel means subtracted.

    Raises:
        ImageError: ``rgb`` is not a picture array.
        OptionError: ``size`` is not two whole numbers >= :data:`MIN_SIDE`.

    Introduced in ``notebooks/01_images.ipynb``.

    >>> preprocess(np.zeros((48, 64, 3), dtype=np.uint8), size=(40, 32)).shape
    (1, 32, 40, 3)
    """
    size = _check_size(size)
    if not isinstance(rgb, np.ndarray):
        raise ImageError(
            f"preprocess expects the RGB array that read_image returns, got {short_repr(rgb)} "
            f"(type {type(rgb).__name__}); to go from a path or an address in one step, "
            "call load_image(...)"
        )
    rgb = array_to_rgb(rgb, f"the array of shape {rgb.shape} and dtype {rgb.dtype}")
    check_min_side(rgb, f"the array of shape {rgb.shape}")

    bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)  # 1. channel order of VGG-19
    if size is not None:
        bgr = cv2.resize(bgr, size, interpolation=cv2.INTER_CUBIC)  # 2. (width, height)
    x = bgr.astype(np.float32)  # 3. numbers, not bytes...
    x -= np.array(VGG_MEANS_BGR, dtype=np.float32)  #    ...centred on ImageNet's mean
    return x[np.newaxis]  # 4. a batch of one picture


def load_image(src: Any, size: tuple[int, int] | None = IMG_SIZE, *, max_pixels: int = MAX_PIXELS) -> np.ndarray:
    """Reads and prepares a picture in one step: ``preprocess(read_image(src), size)``.

    Args:
        src: A path, an http(s) address, or a NumPy array (see :func:`read_image`).
        size: Target ``(width, height)``, or ``None`` to keep the picture's size.
        max_pixels: Largest picture (width × height) to decode.

    Returns:
        A ``float32`` array of shape ``(1, height, width, 3)``, BGR minus means.

    Introduced in ``notebooks/01_images.ipynb``.

    >>> load_image(np.full((48, 64, 3), 255, dtype=np.uint8), size=None).shape
    (1, 48, 64, 3)
    """
    size = _check_size(size)  # fail before downloading or decoding anything
    return preprocess(read_image(src, max_pixels=max_pixels), size)


def to_rgb(x: Any) -> np.ndarray:
    """Turns a prepared picture back into a ``uint8`` RGB picture: :func:`preprocess` undone.

    Adds the channel means back, rounds and clips to 0..255, and swaps BGR
    back to RGB.  Works on NumPy arrays and (eager) TensorFlow tensors and
    variables, with or without the batch axis.

    Args:
        x: A ``(1, H, W, 3)`` or ``(H, W, 3)`` float picture, BGR minus means.

    Returns:
        A ``uint8`` array of shape ``(H, W, 3)``, RGB order.

    Raises:
        ImageError: ``x`` has another shape, or contains NaN or infinity.

    Introduced in ``notebooks/01_images.ipynb``.

    >>> to_rgb(preprocess(np.full((32, 32, 3), 7, dtype=np.uint8), None))[0, 0]
    array([7, 7, 7], dtype=uint8)
    """
    bgr = _as_prepared_batch(x, "to_rgb")[0]
    bad = int(np.count_nonzero(~np.isfinite(bgr)))
    if bad:
        raise ImageError(
            f"the picture passed to to_rgb contains {bad} NaN or infinite values, so it has no colours "
            "to show. If it comes from an optimisation, the run diverged: lower the learning rate "
            "and start again."
        )
    bgr = bgr + np.array(VGG_MEANS_BGR, dtype=np.float32)
    bgr = np.clip(np.rint(bgr), 0, 255).astype(np.uint8)
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def pixel_box() -> tuple[np.ndarray, np.ndarray]:
    """The range of a prepared picture's values, per BGR channel: ``(lower, upper)``, each ``(3,)`` float32.

    A picture is saved as whole numbers 0…255 per channel (:func:`to_rgb`); prepared, that is
    ``0 − mean … 255 − mean`` (:data:`~nst_teach.defaults.VGG_MEANS_BGR`).  An optimisation kept inside
    this box saves the picture it optimised; one that leaves it saves a clipped picture, whose cost
    can be far worse than the one it reports.

    >>> lower, upper = pixel_box()
    >>> [round(float(v), 3) for v in lower], [round(float(v), 3) for v in upper]
    ([-103.939, -116.779, -123.68], [151.061, 138.221, 131.32])
    """
    means = np.array(VGG_MEANS_BGR, dtype=np.float32)
    return -means, np.float32(255) - means


def as_saved(x: Any) -> np.ndarray:
    """The picture ``x`` as it would be saved and read back: means added, rounded, clipped to 0…255, prepared again.

    ``preprocess(to_rgb(x), None)``: the ``(1, H, W, 3)`` float32 batch whose cost is the cost of what
    the user sees (:meth:`nst_teach.engine.StyleTransfer.saved_costs`).

    >>> x = np.full((1, 32, 32, 3), 200.0, np.float32)   # beyond the box: 200 + means > 255
    >>> bool(np.allclose(as_saved(x), pixel_box()[1]))
    True
    """
    return preprocess(to_rgb(x), None)


def save_image(x: Any, path: str | os.PathLike[str]) -> Path:
    """Saves a picture as PNG or JPEG (quality 95), chosen by the file's extension.

    The file appears complete or not at all: the picture is written to a
    temporary file in the same folder, which then replaces ``path`` in one
    step (:func:`os.replace`).  Missing folders are created.  When the disk is
    full or the folder is read-only, a previous file at ``path`` stays as it was.

    Args:
        x: A prepared float picture (BGR minus means, as :func:`preprocess` and
            the optimisation produce; converted with :func:`to_rgb`), or a
            ``uint8`` RGB array as :func:`read_image` returns.
        path: Where to write: ``.png``, ``.jpg`` or ``.jpeg``.

    Returns:
        The path written, as a :class:`pathlib.Path`.

    Raises:
        OptionError: The extension is not one of the above.
        ImageError: ``x`` is not a picture.
        SaveError: The file could not be written (disk full, read-only folder...); an ``OSError``
            with the system's ``errno``, whose message says why and that the previous file is kept.

    Introduced in ``notebooks/01_images.ipynb``.
    """
    path = Path(path).expanduser()
    image_format = _SAVE_FORMATS.get(path.suffix.lower())
    if image_format is None:
        raise OptionError(
            f"cannot save {str(path)!r}: unknown extension {path.suffix!r}; "
            f"end the name with one of {', '.join(_SAVE_FORMATS)}"
        )
    array = np.asarray(x) if isinstance(x, np.ndarray) else None
    if array is not None and (array.dtype == np.uint8 or array.dtype == np.bool_):
        rgb = array_to_rgb(array, f"the array of shape {array.shape} and dtype {array.dtype}")
    else:
        rgb = to_rgb(x)

    existed = path.exists()
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not os.access(path.parent, os.W_OK):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path.parent))
        with open(temporary, "xb") as file:
            Image.fromarray(rgb).save(file, format=image_format, **_SAVE_OPTIONS[image_format])
        os.replace(temporary, path)
    except OSError as exc:
        raise _save_error(path, exc, existed) from exc
    finally:
        temporary.unlink(missing_ok=True)  # still there only if writing failed
    return path


def _save_error(path: Path, exc: OSError, existed: bool) -> SaveError:
    """The error of a failed save: what happened, that nothing was lost, what to do."""
    kept = f"The previous {path.name} is unchanged." if existed else "Nothing was written."
    reason = exc.strerror or str(exc)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        why, fix = f"the disk is full ({reason})", "Free some space, or save to another disk."
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        why = f"the folder '{path.parent}' is not writable ({reason})"
        fix = "Save into a folder you can write to (e.g. your home folder)."
    else:
        why, fix = reason, "Check the path, or save somewhere else."
    error = SaveError(f"cannot save '{path}': {why}. {kept} {fix}")
    error.errno = exc.errno  # as an OSError: except OSError and .errno keep working
    return error


def noisy_image(x: Any, noise_ratio: float = NOISE_RATIO, seed: Any = None) -> np.ndarray:
    """The starting point of the optimisation: the content picture, partly drowned in noise.

    .. math::

        G_0 = r \\cdot U(-20, 20) + (1 - r) \\cdot C

    with ``r = noise_ratio`` and one independent uniform draw per pixel and channel.

    Args:
        x: The prepared content picture (any shape; usually ``(1, H, W, 3)``).
        noise_ratio: Share of noise ``r`` in 0..1 (0: the content itself;
            1: pure noise).
        seed: Seed for :func:`numpy.random.default_rng`; the same seed gives
            the same noise.  ``None`` draws fresh noise each time.

    Returns:
        A ``float32`` array of the same shape as ``x``.

    Raises:
        OptionError: ``noise_ratio`` is not a finite number in 0..1, or ``seed``
            is not a valid seed.

    Introduced in ``notebooks/01_images.ipynb``.

    >>> float(noisy_image(np.zeros((1, 2, 2, 3)), noise_ratio=0.0).max())
    0.0
    """
    if isinstance(noise_ratio, bool) or not isinstance(noise_ratio, numbers.Real):
        raise OptionError(f"noise_ratio must be a number between 0 and 1, got {noise_ratio!r}")
    if not (math.isfinite(noise_ratio) and 0.0 <= noise_ratio <= 1.0):
        raise OptionError(f"noise_ratio must be between 0 (no noise) and 1 (only noise), got {noise_ratio!r}")
    try:
        content = np.asarray(x, dtype=np.float32)
    except (TypeError, ValueError) as exc:
        raise OptionError(f"x must be a numeric array or tensor, got {type(x).__name__}: {exc}") from None
    try:
        rng = np.random.default_rng(seed)
    except (TypeError, ValueError) as exc:
        raise OptionError(f"seed must be a whole number >= 0 or None, got {seed!r} ({exc})") from None
    noise = rng.uniform(-NOISE_RANGE, NOISE_RANGE, size=content.shape).astype(np.float32)
    ratio = np.float32(noise_ratio)
    return ratio * noise + (np.float32(1.0) - ratio) * content


def resize_to(x: Any, size: tuple[int, int] | None) -> np.ndarray:
    """Resizes an already prepared picture (BGR minus means) with bicubic interpolation.

    Used to run the optimisation at several scales, and to show the style at
    another scale than the content.  Values are not clipped: the result is
    still "BGR minus means".

    Args:
        x: A ``(1, H, W, 3)`` or ``(H, W, 3)`` float picture (array or tensor).
        size: Target ``(width, height)``, or ``None`` to keep the size.

    Returns:
        A ``float32`` array of shape ``(1, height, width, 3)``.

    Raises:
        ImageError: ``x`` is not a prepared picture.
        OptionError: ``size`` is not two whole numbers >= :data:`MIN_SIDE`.

    Introduced in ``notebooks/01_images.ipynb``.

    >>> resize_to(np.zeros((1, 48, 64, 3), np.float32), (32, 40)).shape
    (1, 40, 32, 3)
    """
    size = _check_size(size)
    batch = _as_prepared_batch(x, "resize_to")
    if size is None or size == (batch.shape[2], batch.shape[1]):
        return batch.copy()
    return cv2.resize(batch[0], size, interpolation=cv2.INTER_CUBIC)[np.newaxis]


def shuffle_tiles(image: Any, grid: tuple[int, int] = (4, 4), seed: Any = 0) -> np.ndarray:
    """The picture cut into ``rows × cols`` equal tiles, put back in a shuffled order.

    Every tile moves (a derangement), so the layout is gone while every patch of texture is kept —
    notebook 04's test of what a Gram matrix sees.  The picture is cropped at the bottom and the
    right to a whole number of tiles.

    Args:
        image: ``(H, W)`` or ``(H, W, C)`` array (any dtype), or a ``(1, H, W, C)`` batch.
        grid: ``(rows, cols)``, at least 2 tiles, each at least 1 pixel.
        seed: seed of :func:`numpy.random.default_rng`: the same seed gives the same order.

    Returns:
        An array of the image's dtype, of shape ``(rows·⌊H/rows⌋, cols·⌊W/cols⌋, ...)`` (a batch stays a batch).

    Raises:
        OptionError: ``grid`` is not two whole numbers, gives fewer than 2 tiles, or more tiles than pixels.

    Introduced in ``notebooks/04_gram_and_style_cost.ipynb``.

    >>> a = np.arange(4).reshape(1, 4)            # one row, four tiles of one pixel
    >>> shuffle_tiles(a, (1, 4), seed=0).tolist() # the same values, none in its place
    [[3, 2, 1, 0]]
    """
    array = np.asarray(image)
    if array.ndim == 4 and array.shape[0] == 1:
        return shuffle_tiles(array[0], grid, seed)[np.newaxis]
    if array.ndim not in (2, 3):
        raise OptionError(f"image must be (H, W), (H, W, C) or a batch (1, H, W, C), got shape {array.shape}")
    if not isinstance(grid, (tuple, list)) or len(grid) != 2:
        raise OptionError(f"grid must be (rows, cols), two whole numbers, got {grid!r}")
    rows, cols = check_int("grid rows", grid[0]), check_int("grid cols", grid[1])
    height, width = array.shape[0] // rows, array.shape[1] // cols
    if rows * cols < 2 or height < 1 or width < 1:
        raise OptionError(
            f"grid {rows}×{cols} must give at least 2 tiles of at least one pixel for an image of "
            f"{array.shape[1]}×{array.shape[0]}; choose a grid between 1×2 and the image's size."
        )
    tiles = [
        array[r * height : (r + 1) * height, c * width : (c + 1) * width] for r in range(rows) for c in range(cols)
    ]
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(tiles))
    while np.any(order == np.arange(len(tiles))):  # every tile moves: no picture keeps a corner in place
        order = rng.permutation(len(tiles))
    shuffled = [tiles[i] for i in order]
    return np.concatenate(
        [np.concatenate(shuffled[r * cols : (r + 1) * cols], axis=1) for r in range(rows)], axis=0
    ).astype(array.dtype, copy=False)


def _check_size(size: Any) -> tuple[int, int] | None:
    """A ``(width, height)`` pair as two ints (see :func:`nst_teach.validate.check_size`), or ``None``."""
    return None if size is None else check_size(size, "size", max_pixels=MAX_PIXELS)


def _as_prepared_batch(x: Any, function: str) -> np.ndarray:
    """Returns ``x`` as a ``float32`` ``(1, H, W, 3)`` array, or explains what is wrong."""
    try:
        batch = np.asarray(x, dtype=np.float32)
    except (TypeError, ValueError, NotImplementedError) as exc:
        raise ImageError(
            f"{function} expects a prepared picture (array or tensor), got {short_repr(x)} "
            f"(type {type(x).__name__}): {exc}"
        ) from None
    if batch.ndim == 3:
        batch = batch[np.newaxis]
    if batch.ndim != 4 or batch.shape[0] != 1 or batch.shape[3] != 3 or 0 in batch.shape:
        raise ImageError(
            f"{function} expects a prepared picture of shape (1, H, W, 3) or (H, W, 3), got shape {np.shape(x)}"
        )
    return batch

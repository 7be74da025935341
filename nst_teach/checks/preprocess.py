"""The check of notebook 01's exercise: preprocessing an image for VGG-19.

The reference is :func:`nst_teach.images.preprocess` (imported on demand:
``images`` loads OpenCV).

Introduced in ``notebooks/01_images.ipynb``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import numpy as np

from ..defaults import VGG_MEANS_BGR
from .diagnosis import _Variant
from .feedback import CheckResult, _call, _Fail, _run, _to_array
from .hints import _Code

__all__ = ["check_preprocess"]


# --------------------------------------------------------------------------------------------
# 01: preprocessing an image
# --------------------------------------------------------------------------------------------

_PREPROCESS_FORMULA = (
    "x = (the image in BGR order, resized to (width, height) with bicubic interpolation, as float32) − "
    "VGG_MEANS_BGR, with a batch axis in front → shape (1, height, width, 3)"
)

#: (image height, image width) -> size (width, height): one downscale, one upscale, never square, every side
#: at least images.MIN_SIDE (32).
_PREPROCESS_CASES: tuple[tuple[tuple[int, int], tuple[int, int]], ...] = (((45, 70), (40, 34)), ((33, 50), (72, 56)))

_MEANS = np.array(VGG_MEANS_BGR, np.float64)

_BGR_CODE = _Code("preprocess_bgr", "bgr = cv2.cvtColor(rgb, ____)")
_MEANS_CODE = _Code("preprocess_means", "x = resized.astype(____) - np.array(____, np.float32)")
_RESIZE_CODE = _Code("preprocess_resize", "resized = cv2.resize(bgr, ____, interpolation=____)")
_BATCH_CODE = _Code("preprocess_batch", "return x[____]")

#: The nearest-neighbour interpolations of OpenCV: a resize with them is refused (blocky edges), not noted.
_NEAREST = ("INTER_NEAREST", "INTER_NEAREST_EXACT")

_PREPROCESS_PARTS: tuple[tuple[_Variant, ...], ...] = (
    (
        _Variant("ok", "", "bgr"),
        _Variant(
            "rgb_order",
            "Your channels are in RGB order. VGG-19 was trained on images loaded by OpenCV, in "
            "BGR order: reverse the order of the channels (OpenCV's cvtColor does it).",
            "rgb",
            _BGR_CODE,
        ),
    ),
    (
        _Variant("ok", "", -_MEANS),
        _Variant(
            "rgb_means",
            "You subtract the means in RGB order (123.68, 116.779, 103.939); VGG_MEANS_BGR = "
            "(103.939, 116.779, 123.68) is in BGR order, like the converted image.",
            -_MEANS[::-1],
            _MEANS_CODE,
        ),
        _Variant(
            "no_means",
            "You do not subtract the ImageNet means: VGG-19 expects every BGR channel centred, x − VGG_MEANS_BGR.",
            np.zeros(3),
            _MEANS_CODE,
        ),
        _Variant("means_added", "You add the means; subtract them: x − VGG_MEANS_BGR.", _MEANS, _MEANS_CODE),
    ),
    (
        _Variant("ok", "", "none"),
        _Variant(
            "scaled",
            "You divide by 255: this VGG-19 (with Caffe-style weights) expects pixel values 0–255 "
            "minus the means, not values in 0–1.",
            "after",
            _MEANS_CODE,
        ),
        _Variant(
            "scaled",
            "You divide by 255: this VGG-19 (with Caffe-style weights) expects pixel values 0–255 "
            "minus the means, not values in 0–1.",
            "before",
            _MEANS_CODE,
        ),
    ),
)


def _preprocess_formula(raw_bgr: np.ndarray, order: str, shift: np.ndarray, scale: str) -> np.ndarray:
    """What a preprocessing with these choices gives, from the resized BGR pixels (float64, (h, w, 3))."""
    x = raw_bgr if order == "bgr" else raw_bgr[..., ::-1]
    if scale == "before":
        x = x / 255.0
    x = x + shift
    if scale == "after":
        x = x / 255.0
    return x[None]  # with the batch axis


def _smooth_image(height: int, width: int, rng: np.random.Generator) -> np.ndarray:
    """A smooth uint8 RGB test image whose three channels clearly differ (so a swap shows)."""
    y, x = np.mgrid[0:height, 0:width]
    channels = []
    for base in (190.0, 120.0, 50.0):  # R, G, B levels far apart
        fy, fx, phase = rng.uniform(0.5, 1.5), rng.uniform(0.5, 1.5), rng.uniform(0, 2 * np.pi)
        wave = np.sin(2 * np.pi * (fy * y / height + fx * x / width) + phase)
        channels.append(base + 40.0 * wave)
    return np.clip(np.round(np.stack(channels, axis=-1)), 0, 255).astype(np.uint8)


def _preprocess_shape_problem(shape: tuple[int, ...], size: tuple[int, int], image_shape: tuple[int, ...]) -> _Fail:
    width, height = size
    expected = (1, height, width, 3)
    head = (
        f"For an image of shape {image_shape} and size={size} your preprocess returns shape {shape}; "
        f"expected {expected}."
    )
    if shape == (height, width, 3):
        return _Fail(
            f"{head} The batch axis is missing: Keras models take a batch of images, so add one with "
            "np.newaxis (or np.expand_dims).",
            "no_batch",
            formula=_PREPROCESS_FORMULA,
            code=_BATCH_CODE,
        )
    if shape in ((1, width, height, 3), (width, height, 3)):
        return _Fail(
            f"{head} Width and height are swapped: cv2.resize takes the size as (width, height), while "
            "NumPy shapes are (height, width, channels). Pass size as given: cv2.resize(img, size, ...).",
            "size_swapped",
            formula=_PREPROCESS_FORMULA,
            code=_RESIZE_CODE,
        )
    if shape in ((1,) + image_shape, image_shape):
        return _Fail(
            f"{head} The image is not resized: use OpenCV's cv2.resize, with bicubic interpolation.",
            "not_resized",
            formula=_PREPROCESS_FORMULA,
            code=_RESIZE_CODE,
        )
    if shape == (1, 3, height, width):
        return _Fail(
            f"{head} The channels come first; Keras expects them last: (1, height, width, 3).", "channels_first"
        )
    return _Fail(head, "wrong_shape", formula=_PREPROCESS_FORMULA)


def _named_interpolation(
    rgb: np.ndarray, size: tuple[int, int], got: np.ndarray, names: tuple[str, ...] = ("INTER_LINEAR", "INTER_AREA")
) -> str | None:
    """The OpenCV interpolation among ``names`` that reproduces ``got``, if one does."""
    import cv2  # noqa: PLC0415 - OpenCV is only needed by the image exercise

    bgr = np.ascontiguousarray(rgb[..., ::-1])
    for name in names:
        resized = cv2.resize(bgr, size, interpolation=getattr(cv2, name)).astype(np.float64) - _MEANS
        if np.max(np.abs(resized[np.newaxis] - got)) <= 0.51:  # the same up to rounding
            return f"cv2.{name}"
    return None


def _check_preprocess_steps(fn: Callable) -> str:
    from ..images import preprocess as reference  # noqa: PLC0415 - images.py loads OpenCV; import on demand

    rng = np.random.default_rng(1)
    notes = []
    for (height, width), size in _PREPROCESS_CASES:
        rgb = _smooth_image(height, width, rng)
        original = rgb.copy()
        text = f"an image of shape {rgb.shape} with size={size}"
        out = _call(fn, (rgb, size), "preprocess", f"on {text}")
        if not np.array_equal(rgb, original):
            raise _Fail(
                "Your preprocess changes the image it was given (in place). Work on a copy: the caller may "
                "still need the original.",
                "in_place",
            )
        got = _to_array(out)
        if got.shape != (1, size[1], size[0], 3):
            raise _preprocess_shape_problem(got.shape, size, rgb.shape)
        if got.dtype == np.uint8:
            raise _Fail(
                "Your preprocess returns uint8 values, which cannot be negative or fractional: convert to "
                "float32 before subtracting the means, x.astype(np.float32) − VGG_MEANS_BGR.",
                "dtype",
            )
        if got.dtype != np.float32:
            raise _Fail(
                f"Your preprocess returns {got.dtype} values; return float32 (x.astype(np.float32)), the "
                "type of VGG-19's weights — float64 doubles the memory and is converted anyway.",
                "dtype",
            )
        expected = np.asarray(reference(rgb, size), np.float64)
        got = got.astype(np.float64)
        if np.max(np.abs(got - expected)) <= 1.01:  # cubic resize on uint8 or float: rounding only
            continue
        nearest = _named_interpolation(rgb, size, got, _NEAREST)
        if nearest is not None:
            raise _Fail(
                f"Your preprocess resizes with {nearest}, nearest-neighbour interpolation: each new pixel copies the "
                "one nearest old pixel, so edges come out blocky, in stair steps. VGG-19 sees those steps as texture, "
                "and style transfer would paint them into the picture. Resize with bicubic interpolation, "
                "cv2.INTER_CUBIC, as the recipe does (section 1): it blends a 4×4 neighbourhood.",
                "nearest_resize",
                formula=_PREPROCESS_FORMULA,
                code=_RESIZE_CODE,
            )
        raw_bgr = expected[0] + _MEANS
        scored = []
        for combo in itertools.product(*_PREPROCESS_PARTS):
            candidate = _preprocess_formula(raw_bgr, *(v.compute for v in combo))
            scored.append((float(np.mean(np.abs(got - candidate))), combo))
        distance, combo = min(scored, key=lambda item: item[0])
        mistakes = [v for v in combo if v.key != "ok"]
        if distance <= 3.0 and not mistakes:
            named = _named_interpolation(rgb, size, got, ("INTER_LINEAR", "INTER_AREA", "INTER_LANCZOS4"))
            how = f"you resize with {named}" if named else "your resizing differs slightly"
            notes.append(
                f"Note: {how} — on average {distance:.2g} (out of 255) from cv2.INTER_CUBIC, the package's choice. "
                "That is fine for style transfer; your images will just differ slightly from the package's."
            )
            continue
        channel_means = ", ".join(f"{m:.1f}" for m in got[0].reshape(-1, 3).mean(axis=0))
        expected_means = ", ".join(f"{m:.1f}" for m in expected[0].reshape(-1, 3).mean(axis=0))
        lines = [
            f"Your preprocess gives different values for {text}: per-channel means ({channel_means}), "
            f"expected ({expected_means})."
        ]
        if distance <= 3.0:
            lines.append("What went wrong:")
            lines.extend(f"- {m.explanation}" for m in mistakes)
            key = "+".join(dict.fromkeys(m.key for m in mistakes))
        else:
            lines.append("This is not one of the typical mistakes the checker knows.")
            key = None
        codes = tuple(dict.fromkeys(m.code for m in mistakes if m.code)) if key else ()
        raise _Fail("\n".join(lines), key, formula=_PREPROCESS_FORMULA, code=codes)
    success = (
        "Well done — preprocess is right: BGR channel order, resized to (width, height), float32, the ImageNet "
        "means subtracted, and a batch axis.\n"
        "What it means: VGG-19 sees images the way it saw its training images — OpenCV's BGR order, each channel "
        "centred on the ImageNet mean — in a batch of shape (1, height, width, 3). to_rgb undoes these steps to "
        "show a result."
    )
    return "\n".join([success, *dict.fromkeys(notes)])


def check_preprocess(preprocess: Callable[[np.ndarray, tuple[int, int]], Any]) -> CheckResult:
    """Checks a student's ``preprocess(rgb, size)`` against :func:`nst_teach.images.preprocess`.

    ``rgb`` is a uint8 RGB image ``(H, W, 3)`` and ``size`` a ``(width, height)``
    tuple; the function must return float32 ``(1, height, width, 3)``: BGR,
    resized with ``cv2.INTER_CUBIC``, ``VGG_MEANS_BGR`` subtracted.  A smooth
    interpolation close to bicubic (``cv2.INTER_LINEAR``, ``INTER_AREA``,
    ``INTER_LANCZOS4``) passes with a note naming it; nearest-neighbour
    (``cv2.INTER_NEAREST``, ``INTER_NEAREST_EXACT``) fails, named: its blocky edges
    are texture to VGG-19.  Typical mistakes recognised: RGB order,
    means missing, added or in RGB order, values scaled to 0–1, no batch axis,
    width and height swapped, no resize, uint8 or float64 output, an input
    changed in place.

    Args:
        preprocess: the student's function (not called: pass the name).

    Returns:
        A :class:`CheckResult`; never raises because of the student's code.

    Introduced in ``notebooks/01_images.ipynb``.
    """
    # images.py loads OpenCV: imported on demand (load_image is preprocess after read_image: refused too)
    from ..images import load_image
    from ..images import preprocess as reference

    return _run("preprocess", preprocess, _check_preprocess_steps, reference, also=(load_image,))

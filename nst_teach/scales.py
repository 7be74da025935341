"""The images of a run at each of its scales: read once, produced at whatever size a scale needs.

A run optimizes at one size, or coarse to fine at several (``scales=[0.5, 1.0]``).  The content,
style and starting images are read once (:class:`Source`) and preprocessed at each scale's size;
:class:`Scale` is what the loop keeps per scale: its size, its :class:`~nst_teach.objective.Objective`
and its content batch (whose colors ``preserve_colors`` gives the result).

Introduced in ``notebooks/06_experiments.ipynb`` (``scales``, ``style_scale``, ``preserve_colors``).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import ImageError, OptionError
from .layers import layer_index
from .memory import check_memory
from .options import check_image
from .validate import MIN_SIDE, format_size, is_batch

if TYPE_CHECKING:
    from .images import ImageLike
    from .objective import Objective

__all__ = ["Source", "Scale", "scaled_size", "check_plan"]


def scaled_size(size: tuple[int, int], factor: float) -> tuple[int, int]:
    """``(width, height)`` times ``factor``, rounded, at least 1 pixel a side."""
    return max(1, round(size[0] * factor)), max(1, round(size[1] * factor))


def check_plan(size: tuple[int, int], plan: list[tuple[float, tuple[int, int]]], settings: dict[str, Any]) -> None:
    """Refuses a run whose scales are too small for VGG-19, or whose largest would not fit in memory.

    Called before any weight is loaded (a kernel killed for memory loses the student's work).

    Args:
        size: the run's size (width, height).
        plan: ``[(factor, size at that scale), ...]``.
        settings: the resolved options (reads ``style_scale`` and the layers).

    Raises:
        OptionError: a scale or its style image is under :data:`~nst_teach.validate.MIN_SIDE` a side, or
            the largest scale would not fit in memory (:func:`nst_teach.memory.check_memory`).
    """
    for factor, scale_size in plan:
        if min(scale_size) < MIN_SIDE:
            raise OptionError(
                f"scales: {factor:g} of {format_size(size)} is {format_size(scale_size)}, smaller than "
                f"{MIN_SIDE} pixels a side; use a larger size or a larger smallest scale."
            )
        style_size = scaled_size(scale_size, settings["style_scale"])
        if min(style_size) < MIN_SIDE:
            raise OptionError(
                f"style_scale = {settings['style_scale']:g} makes the style image {format_size(style_size)} "
                f"at scale {factor:g}, smaller than {MIN_SIDE} pixels a side; use a larger style_scale."
            )
    deepest = max(layer_index(name) for name in [settings["content_layer"], *settings["style_layers"]])
    largest = max((scale_size for _, scale_size in plan), key=lambda wh: wh[0] * wh[1])
    check_memory(largest, deepest)


class Source:
    """An input image, read once, that can be produced at any size.

    Files, URLs, arrays and PIL images are read into RGB once and preprocessed (cubic resize)
    at each size asked for; an already preprocessed batch is resized with
    :func:`nst_teach.images.resize_to`.

    Args:
        name: what messages call the image (``"content"``, ``"style[1]"``, ``"init"``).
        src: the image (see :data:`nst_teach.images.ImageLike`).
    """

    def __init__(self, name: str, src: ImageLike) -> None:
        from . import images  # images.py loads OpenCV: on first use, not when the loop is imported

        self.name = name
        if is_batch(src):
            batch = np.asarray(src, dtype=np.float32)
            if batch.shape[0] != 1 or batch.shape[-1] != 3:
                raise OptionError(f"{name} must be a (1, H, W, 3) preprocessed batch, got shape {batch.shape}.")
            if not np.all(np.isfinite(batch)):
                raise OptionError(f"{name} contains NaN or infinite values; preprocess a real image.")
            self.batch: np.ndarray | None = batch
            self.rgb: np.ndarray | None = None
        else:
            check_image(name, src)
            try:
                self.rgb = images.read_image(np.asarray(src) if _is_tensor(src) else src)
            except ImageError as exc:  # say which argument was wrong, keep the error's type
                raise type(exc)(f"{name}: {exc}") from exc
            self.batch = None

    @property
    def native_size(self) -> tuple[int, int]:
        """(width, height) of the image as given."""
        shape = self.batch.shape[1:3] if self.batch is not None else self.rgb.shape[:2]
        return int(shape[1]), int(shape[0])

    def at(self, size: tuple[int, int]) -> np.ndarray:
        """The preprocessed (1, H, W, 3) float32 batch at ``size`` = (width, height)."""
        from . import images  # images.py loads OpenCV: on first use, not when the loop is imported

        if self.batch is not None:
            if self.native_size == size:
                return self.batch
            return np.asarray(images.resize_to(self.batch, size), np.float32)
        return np.asarray(images.preprocess(self.rgb, size), np.float32)


def _is_tensor(value: Any) -> bool:
    tf = sys.modules.get("tensorflow")
    return tf is not None and isinstance(value, (tf.Tensor, tf.Variable))


@dataclass
class Scale:
    """One scale of a run: its factor of the full size, its size, its objective and its content batch."""

    factor: float
    size: tuple[int, int]
    objective: Objective
    content: np.ndarray
    _content_rgb: np.ndarray | None = None

    def content_rgb(self) -> np.ndarray:
        """The content image at this scale, RGB uint8 (computed once, when first asked)."""
        from .images import to_rgb  # images.py loads OpenCV: on first use

        if self._content_rgb is None:
            self._content_rgb = to_rgb(self.content)
        return self._content_rgb

    def keep_colors(self, generated_rgb: np.ndarray) -> np.ndarray:
        """Luminance of ``generated_rgb`` with the chroma (Cr, Cb) of this scale's content (``preserve_colors``)."""
        import cv2

        luminance = cv2.cvtColor(generated_rgb, cv2.COLOR_RGB2YCrCb)[..., 0]
        ycrcb = cv2.cvtColor(self.content_rgb(), cv2.COLOR_RGB2YCrCb)
        ycrcb[..., 0] = luminance
        return cv2.cvtColor(ycrcb, cv2.COLOR_YCrCb2RGB)

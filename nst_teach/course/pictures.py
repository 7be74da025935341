"""The course's pictures: the classic ones of the papers when they can be had, else their bundled stand-ins.

The course paints the classic pictures (Tübingen, The Starry Night, ...) when they can be downloaded —
checked and cached by :mod:`nst_teach.gallery` — and the bundled look-alikes offline or in quick mode;
:func:`picture` says which.

Introduced in ``notebooks/01_images.ipynb``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..gallery import gallery_item, gallery_or_fallback
from ..samples import SAMPLES, sample_path
from .modes import quick_mode

__all__ = ["picture", "PICTURE_TIMEOUT"]

#: Seconds a notebook waits for a gallery download before it takes the bundled stand-in.
PICTURE_TIMEOUT = 10.0

#: What :func:`picture` found for each name in this process: (path, message).  A classroom without
#: internet waits for a download once per kernel, not once per cell.
_PICTURES: dict[str, tuple[Path, str]] = {}


def picture(name: str) -> Any:
    """A classic picture of the course as a ``uint8`` RGB array, or its bundled stand-in; prints which.

    The gallery's pictures (:func:`nst_teach.gallery.gallery_names`: ``"tubingen"``,
    ``"golden_gate"``, ``"starry_night"``, ``"the_scream"``) are downloaded the first time,
    checked by SHA-256 and cached (:func:`nst_teach.gallery.gallery_or_fallback`).  Offline, or
    in quick mode (where every second counts and the pictures are thumbnails anyway), the
    bundled sample that stands in for it is used (``"cottage"`` for Tübingen, ``"swirls"`` for
    The Starry Night, ...).  One line says which picture it is and why.

    Args:
        name: a gallery name, e.g. ``"starry_night"``.

    Returns:
        The picture, ``(H, W, 3)`` ``uint8`` RGB.

    Raises:
        OptionError: ``name`` is not a gallery picture (the error suggests the closest).

    Introduced in ``notebooks/01_images.ipynb``.
    """
    from ..image_io import read_image  # image_io loads OpenCV: only when a picture is read

    item = gallery_item(name)
    if quick_mode():
        stand_in = SAMPLES[item.fallback]
        found = (
            sample_path(stand_in.name),
            f"Quick mode: the bundled sample {stand_in.name!r} ({stand_in.title}) stands in for {item.title} "
            f"({item.author}).",
        )
    elif name in _PICTURES:
        found = _PICTURES[name]
    else:
        found = _PICTURES[name] = gallery_or_fallback(name, timeout=PICTURE_TIMEOUT)
    print(found[1])
    return read_image(found[0])

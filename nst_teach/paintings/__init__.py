"""The procedural painter: the bundled style images and two "photos", painted with NumPy from fixed seeds.

The style images ("swirls", "waves", "mosaic", "cubist") and two of the
content images ("cottage", "relief") that ship in ``nst_teach/data/`` were
painted by the functions of this package, so anyone can read how they were made.
Each takes a size and a seed and returns the same pixels for the same arguments;
:func:`nst_teach.samples.regenerate` calls them to write the shipped files
again, and is the only part of the package that needs them.

==============================  ==================================================================
``paintings.tools``             the small painting tools: palettes, smooth noise, line integral convolution
``paintings.styles``            the style images: ``make_swirls``, ``make_mosaic``, ``make_waves``, ``make_cubist``
``paintings.photos``            the generated "photos": ``make_relief``, ``make_cottage``
==============================  ==================================================================

Introduced in ``notebooks/01_images.ipynb``.
"""

from __future__ import annotations

from .photos import make_cottage, make_relief
from .styles import make_cubist, make_mosaic, make_swirls, make_waves
from .tools import PAINT_SIZE

__all__ = ["PAINT_SIZE", "make_cottage", "make_cubist", "make_mosaic", "make_relief", "make_swirls", "make_waves"]

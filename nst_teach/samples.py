"""Images to practise on: bundled samples, and a gallery of classic paintings.

Style transfer needs two pictures: a *content* image (a photo: what to draw)
and a *style* image (a painting: how to draw it).  This module gives every
notebook both, without the internet:

* ``SAMPLES`` — images that ship inside the package.  The style images
  ("swirls", "waves", "mosaic", "cubist") and two of the photos ("cottage",
  "relief") are *painted by the code below* with NumPy, from fixed seeds, so
  anyone can read how they were made and :func:`regenerate` them pixel for
  pixel.  The portrait "hopper" is read from matplotlib's own sample data.
* ``GALLERY`` — the classic inputs of the style-transfer papers (Tübingen,
  The Starry Night, The Scream, the Golden Gate bridge), downloaded on demand
  by :func:`fetch_gallery`, checked against a SHA-256 checksum and cached.
  :func:`gallery_or_fallback` never fails: offline, it hands back a bundled
  sample and says so.  Classrooms without internet can put the files in a
  folder and point ``NST_TEACH_GALLERY_DIR`` at it.

Where every image comes from, and under which license, is written in each
record and in ``nst_teach/data/SOURCES.md``.

Introduced in ``notebooks/01_images.ipynb``.
"""

from __future__ import annotations

import difflib
import hashlib
import io
import os
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Literal

import numpy as np
from scipy import ndimage
from scipy.spatial import cKDTree

from .errors import ImageNotFoundError, NSTError, OptionError

__all__ = [
    "DATA_DIR",
    "GALLERY",
    "GALLERY_DIR_ENV",
    "GalleryItem",
    "SAMPLES",
    "Sample",
    "fetch_gallery",
    "gallery_names",
    "gallery_or_fallback",
    "load_sample",
    "make_cottage",
    "make_cubist",
    "make_mosaic",
    "make_relief",
    "make_swirls",
    "make_waves",
    "regenerate",
    "sample_names",
    "sample_path",
    "thumbnail",
]

#: The folder inside the package that holds the bundled images and ``SOURCES.md``.
DATA_DIR: Path = Path(__file__).resolve().with_name("data")

#: Environment variable naming a folder that holds gallery files (for offline classrooms).
GALLERY_DIR_ENV = "NST_TEACH_GALLERY_DIR"

#: Size, as (width, height), of the images this module paints (4:3, like the 400x300 working size).
PAINT_SIZE: tuple[int, int] = (512, 384)

# How the painted images are stored: JPEG keeps each file well under 150 KB.
_JPEG_QUALITY = 90

Kind = Literal["content", "style"]
_KINDS: tuple[str, ...] = ("content", "style")


# ----------------------------------------------------------------------------------------------
# Small painting tools
# ----------------------------------------------------------------------------------------------


def _rgb(hex_code: str) -> np.ndarray:
    """Returns ``"#rrggbb"`` as a float RGB triple in 0..255."""
    h = hex_code.lstrip("#")
    return np.array([int(h[i : i + 2], 16) for i in (0, 2, 4)], dtype=np.float64)


def _palette(t: np.ndarray, stops: list[tuple[float, str]]) -> np.ndarray:
    """Maps values ``t`` in 0..1 to colours, interpolating linearly between ``(position, colour)`` stops."""
    t = np.clip(t, 0.0, 1.0)
    positions = np.array([p for p, _ in stops])
    colours = np.stack([_rgb(c) for _, c in stops])
    return np.stack([np.interp(t, positions, colours[:, c]) for c in range(3)], axis=-1)


def _mix(a: np.ndarray, b: np.ndarray, w: np.ndarray | float) -> np.ndarray:
    """Blends colour(s) ``a`` towards ``b`` by weight ``w`` (0 keeps ``a``, 1 gives ``b``), per pixel."""
    w = np.asarray(w, dtype=np.float64)[..., None]
    return a * (1.0 - w) + b * w


def _smooth_noise(rng: np.random.Generator, shape: tuple[int, int], sigma: float | tuple) -> np.ndarray:
    """Gaussian-blurred white noise with mean 0 and standard deviation 1: blobs about ``sigma`` px wide."""
    noise = ndimage.gaussian_filter(rng.standard_normal(shape), sigma, mode="wrap")
    return (noise - noise.mean()) / (noise.std() + 1e-12)


def _smoothstep(edge0: float, edge1: float, x: np.ndarray) -> np.ndarray:
    """0 below ``edge0``, 1 above ``edge1``, a smooth S-curve between: soft, anti-aliased edges."""
    t = np.clip((x - edge0) / (edge1 - edge0), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def _to_uint8(image: np.ndarray) -> np.ndarray:
    return np.clip(np.round(image), 0, 255).astype(np.uint8)


def _grid(width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel coordinates ``(yy, xx)``, each of shape (height, width)."""
    yy, xx = np.mgrid[0:height, 0:width]
    return yy.astype(np.float64), xx.astype(np.float64)


def _line_integral_convolution(
    noise: np.ndarray, vx: np.ndarray, vy: np.ndarray, length: int, step: float = 1.0
) -> np.ndarray:
    """Smears ``noise`` along the flow ``(vx, vy)``: the result looks like brush strokes that follow it.

    From every pixel we walk ``length`` steps forward and backward along the
    (unit-length) flow and average the noise met on the way, with weights that
    fall off like a tent, so strokes taper at their ends (Cabral & Leedom, 1993).
    """
    height, width = noise.shape
    y0, x0 = _grid(width, height)
    total = noise.copy()
    weights = np.ones_like(noise)
    for direction in (1.0, -1.0):
        x, y = x0.copy(), y0.copy()
        for i in range(length):
            u = ndimage.map_coordinates(vx, [y, x], order=1, mode="nearest")
            v = ndimage.map_coordinates(vy, [y, x], order=1, mode="nearest")
            x += direction * step * u
            y += direction * step * v
            w = 1.0 - (i + 1) / (length + 1)
            total += w * ndimage.map_coordinates(noise, [y, x], order=1, mode="mirror")
            weights += w
    return total / weights


def _blocky_noise(rng: np.random.Generator, width: int, height: int, grain: int) -> np.ndarray:
    """Uniform noise in squares of ``grain`` px: the "bristles" that LIC turns into strokes ``grain`` px wide."""
    cells = rng.random((height // grain + 1, width // grain + 1))
    return np.kron(cells, np.ones((grain, grain)))[:height, :width]


def _standardize(x: np.ndarray) -> np.ndarray:
    return (x - x.mean()) / (x.std() + 1e-12)


def _jittered_grid(rng: np.random.Generator, width: int, height: int, spacing: float) -> np.ndarray:
    """Points on a square grid, each moved randomly by up to 40% of ``spacing``: (N, 2) array of (x, y)."""
    ys, xs = np.mgrid[spacing / 2 : height + spacing : spacing, spacing / 2 : width + spacing : spacing]
    points = np.stack([xs.ravel(), ys.ravel()], axis=1)
    return points + rng.uniform(-0.4, 0.4, points.shape) * spacing


def _jacksboro_dem() -> dict[str, np.ndarray]:
    """The digital elevation model matplotlib ships as ``jacksboro_fault_dem.npz`` (metres, 3" grid)."""
    from matplotlib import cbook

    with np.load(cbook.get_sample_data("jacksboro_fault_dem.npz", asfileobj=False)) as data:
        return {key: data[key] for key in data.files}


# ----------------------------------------------------------------------------------------------
# The style images
# ----------------------------------------------------------------------------------------------


def make_swirls(width: int = PAINT_SIZE[0], height: int = PAINT_SIZE[1], seed: int = 1889) -> np.ndarray:
    """Paints a Van-Gogh-like night sky: blue brush strokes swirling round glowing yellow stars.

    The strokes are white noise smeared along a flow made of a few vortices
    (line integral convolution), at two stroke widths, coloured with a
    blue-to-yellow palette; a dark band of hills closes the bottom.

    Introduced in ``notebooks/01_images.ipynb``.

    Args:
        width: Width of the image in pixels.
        height: Height of the image in pixels.
        seed: Seed of the random strokes: the same seed paints the same image.

    Returns:
        The painting, uint8 RGB of shape (height, width, 3).

    >>> make_swirls(64, 48).shape
    (48, 64, 3)
    """
    rng = np.random.default_rng(seed)
    s = width / 512
    yy, xx = _grid(width, height)
    # The flow: a gentle drift to the right with waves in it ...
    vx = np.full_like(xx, 0.6)
    vy = 0.35 * np.sin(2 * np.pi * (xx / width * 2.0 + yy / height * 0.7))
    # ... plus vortices (centre x, centre y, radius as a share of the width, strength and sense).
    for cx, cy, r, k in ((0.42, 0.36, 0.20, 2.2), (0.15, 0.22, 0.11, -1.6), (0.78, 0.25, 0.13, 1.8),
                         (0.62, 0.62, 0.10, -1.4), (0.90, 0.70, 0.09, 1.5)):
        dx, dy = xx - cx * width, yy - cy * height
        d = np.hypot(dx, dy) + 1e-9
        strength = k * np.exp(-((d / (r * width)) ** 2))
        vx += -dy / d * strength
        vy += dx / d * strength
    # Stars: near each one the flow runs in circles; the star glows, with rings around it.
    glow = np.zeros_like(xx)
    rings = np.zeros_like(xx)
    for cx, cy, r in ((0.08, 0.10, 0.055), (0.30, 0.12, 0.045), (0.58, 0.10, 0.05),
                      (0.88, 0.12, 0.075), (0.25, 0.55, 0.04), (0.70, 0.45, 0.045)):
        dx, dy = xx - cx * width, yy - cy * height
        radius = r * width
        d = np.hypot(dx, dy) + 1e-9
        near = np.exp(-((d / (1.6 * radius)) ** 4))
        vx = vx * (1 - near) + 2 * (-dy / d) * near
        vy = vy * (1 - near) + 2 * (dx / d) * near
        glow = np.maximum(glow, np.exp(-((d / radius) ** 2)))
        rings = np.maximum(rings, near * (0.5 + 0.5 * np.cos(2 * np.pi * d / (0.45 * radius))))
    # Dark hills along the bottom: there the flow follows the hill line.
    hill = height * (0.80 + 0.05 * np.sin(2 * np.pi * xx / width * 1.3 + 0.8)
                     + 0.03 * np.sin(2 * np.pi * xx / width * 3.1))
    ground = 1 / (1 + np.exp(-(yy - hill) / (2.0 * s)))
    vx = vx * (1 - ground) + ground
    vy = vy * (1 - ground) + ground * 0.15 * np.cos(2 * np.pi * xx / width * 3 + yy / height * 8)
    norm = np.hypot(vx, vy) + 1e-9
    vx, vy = vx / norm, vy / norm
    # Brush strokes at two widths, smeared along the flow.
    fine = _line_integral_convolution(_blocky_noise(rng, width, height, 2), vx, vy, int(10 * s))
    coarse = _line_integral_convolution(_blocky_noise(rng, width, height, 5), vx, vy, int(18 * s), step=1.5)
    strokes = 0.55 * _standardize(fine) + 0.45 * _standardize(coarse)
    low = _smooth_noise(rng, (height, width), 40 * s)
    sky = _palette(0.45 + 0.16 * strokes + 0.12 * low,
                   [(0.0, "#0b1a4a"), (0.3, "#1d3f8f"), (0.55, "#3f6fb8"),
                    (0.75, "#8fb6d8"), (0.9, "#e2e4b0"), (1.0, "#f5efc0")])
    gold = _palette(0.5 + 0.2 * strokes, [(0.0, "#c98a12"), (0.5, "#f2cf3a"), (1.0, "#fff6c4")])
    sky = _mix(sky, gold, np.clip(0.9 * glow + 0.55 * rings * (strokes > -0.3), 0, 1))
    land = _palette(0.35 + 0.18 * strokes + 0.1 * low,
                    [(0.0, "#06121a"), (0.4, "#14303a"), (0.7, "#2c5a4a"), (1.0, "#6f8f5a")])
    return _to_uint8(_mix(sky, land, ground))


def make_mosaic(width: int = PAINT_SIZE[0], height: int = PAINT_SIZE[1], seed: int = 79) -> np.ndarray:
    """Paints a Roman floor mosaic: stone tiles in dark grout, a red rosette in a terracotta ring.

    The tiles are the cells of a Voronoi diagram (each pixel belongs to its
    nearest seed point); small tiles in the medallion, large ones around it.
    Each stone gets its own shade, a bevel and a grain; the grout is where
    the nearest two seeds are almost equally near.

    Introduced in ``notebooks/01_images.ipynb``.

    Args:
        width: Width of the image in pixels.
        height: Height of the image in pixels.
        seed: Seed of the tile layout and colours.

    Returns:
        The mosaic, uint8 RGB of shape (height, width, 3).

    >>> make_mosaic(64, 48).dtype
    dtype('uint8')
    """
    rng = np.random.default_rng(seed)
    s = width / 512
    cx, cy = width / 2, height / 2
    coarse = _jittered_grid(rng, width, height, 17 * s)
    fine = _jittered_grid(rng, width, height, 9 * s)
    medallion = 0.33 * height
    seeds = np.concatenate([
        coarse[np.hypot(coarse[:, 0] - cx, coarse[:, 1] - cy) >= medallion + 4 * s],
        fine[np.hypot(fine[:, 0] - cx, fine[:, 1] - cy) < medallion],
    ])
    yy, xx = _grid(width, height)
    pixels = np.stack([xx.ravel() + 0.5, yy.ravel() + 0.5], axis=1)
    dist, nearest = cKDTree(seeds).query(pixels, k=2)
    gap = (dist[:, 1] - dist[:, 0]).reshape(height, width)   # 0 on the border between two tiles
    tile = nearest[:, 0].reshape(height, width)
    # The design, sampled at each tile's seed.
    px, py = seeds[:, 0], seeds[:, 1]
    r = np.hypot(px - cx, py - cy) / height
    theta = np.arctan2(py - cy, px - cx)
    petals = r < 0.10 + 0.17 * np.abs(np.cos(4 * theta))
    ring = (r > 0.30) & (r < 0.36)
    border = np.zeros(len(seeds), dtype=bool)
    for base, phase in ((0.08, 0.0), (0.92, np.pi)):
        wave = height * (base + 0.035 * np.sin(px / width * 2 * np.pi * 6 + phase))
        border |= np.abs(py - wave) < 0.03 * height
    checker = (np.floor(px / (64 * s)) + np.floor(py / (64 * s))) % 2 == 0
    cream, ochre, terracotta, slate, green, red = (
        _rgb(c) for c in ("#e9dcc0", "#d39a3a", "#b5502e", "#3e5f7d", "#4f6b3a", "#8e2b22"))
    colours = np.tile(cream, (len(seeds), 1))
    colours[checker & (r >= 0.36)] = _mix(cream, ochre, 0.35)
    colours[border] = slate
    colours[ring] = terracotta
    colours[petals] = red
    colours[petals & (r < 0.06)] = ochre
    colours[(r > 0.2) & (r < 0.30) & ~petals & (np.cos(8 * theta) > 0.6)] = green
    colours += rng.normal(0, 7, colours.shape)             # every stone its own shade
    colours *= rng.uniform(0.88, 1.06, (len(seeds), 1))
    image = colours[tile]
    image *= (0.78 + 0.22 * np.clip(gap / (7 * s), 0, 1) ** 0.5)[..., None]    # bevelled edges
    image += rng.normal(0, 5, (height, width, 1)) + 6 * _smooth_noise(rng, (height, width), 1.5)[..., None]
    grout = _palette(0.5 + 0.15 * _smooth_noise(rng, (height, width), 2), [(0, "#3a332c"), (1, "#6d6357")])
    return _to_uint8(_mix(image, grout, np.clip((2.4 * s - gap) / s, 0, 1)))


def make_waves(width: int = PAINT_SIZE[0], height: int = PAINT_SIZE[1], seed: int = 1831) -> np.ndarray:
    """Paints a Hokusai-like woodblock print: rows of blue waves with foam claws, a far snowy mountain.

    Each row of waves is a curve with a slow rise and a steep drop; below it
    the water is striped in Prussian blues parallel to the crest, and white
    foam with ink outlines hangs from it.  Drawn back to front on cream paper
    with stylised clouds.

    Introduced in ``notebooks/01_images.ipynb``.

    Args:
        width: Width of the image in pixels.
        height: Height of the image in pixels.
        seed: Seed of the wave phases, foam and paper grain.

    Returns:
        The print, uint8 RGB of shape (height, width, 3).

    >>> make_waves(64, 48).shape
    (48, 64, 3)
    """
    rng = np.random.default_rng(seed)
    s = width / 512
    yy, xx = _grid(width, height)
    u = xx / width
    image = _palette(yy / height + 0.08 * _smooth_noise(rng, (height, width), 30 * s),
                     [(0, "#8c8c86"), (0.12, "#c9bfa6"), (0.3, "#efe3c4"), (1, "#e8d8b4")])
    # Stylised clouds: long rounded bands with a thin outline.
    for cx, cy, half_length, half_height in ((0.22, 0.16, 0.20, 0.030), (0.60, 0.09, 0.26, 0.026),
                                             (0.45, 0.25, 0.14, 0.022), (0.88, 0.21, 0.12, 0.024)):
        ex = np.maximum(np.abs(u - cx) - half_length, 0) * width
        ey = (yy - cy * height) * (1 + 0.25 * np.sin(2 * np.pi * u * 9))
        dist = np.hypot(ex, ey) - half_height * height
        image = _mix(image, _rgb("#f8f3e6"), np.clip(-dist / (1.5 * s), 0, 1))
        image = _mix(image, _rgb("#7c7567"), np.clip(1 - np.abs(dist) / (0.9 * s), 0, 1))
    image += 4 * _smooth_noise(rng, (height, width), 0.7)[..., None]      # paper grain
    # A far mountain with a snow cap.
    peak_x, peak_y, base_y = 0.70 * width, 0.31 * height, 0.52 * height
    slope = (base_y - peak_y) / (0.16 * width)
    mountain = yy > peak_y + slope * np.abs(xx - peak_x) + 1.5 * _smooth_noise(rng, (height, width), 2)
    snow = yy < peak_y + 0.075 * height + 5 * s * np.sin(xx / (5 * s))
    rock = np.where(snow[..., None], _rgb("#f4efe2"), _rgb("#5b6f86"))
    image = np.where(mountain[..., None], rock, image)
    # Rows of waves, back to front: each covers everything below its crest.
    deep, mid, light, foam, ink = (_rgb(c) for c in ("#102a56", "#2c5d93", "#7fa8c9", "#f6f1e3", "#0b1730"))
    rows = 6
    for i in range(rows):
        depth = i / (rows - 1)                          # 0 = far away, 1 = in front
        base = height * (0.50 + 0.50 * depth**1.3)
        amplitude = height * (0.025 + 0.24 * depth**2)
        frequency = 7.0 - 5.3 * depth
        phase = rng.uniform(0, 2 * np.pi)
        x = u * frequency + phase / (2 * np.pi)
        frac = x - np.floor(x)
        shape = np.where(frac < 0.75, (frac / 0.75) ** 2, (1 - (frac - 0.75) / 0.25) ** 0.6)
        crest = base - amplitude * shape - 0.01 * height * np.sin(2 * np.pi * u * 13 + phase)
        d = yy - crest                                  # depth below the crest, in pixels
        stripes = 0.5 + 0.5 * np.sin(2 * np.pi * d / ((5 + 6 * depth) * s)
                                     + 1.5 * _smooth_noise(rng, (height, width), 6 * s))
        tone = np.clip(d / (0.12 * height + amplitude), 0, 1)
        water = _mix(_mix(light, mid, np.clip(tone * 1.6, 0, 1)), deep, np.clip(tone * 1.6 - 0.6, 0, 1))
        water = _mix(water, _mix(water, light, 0.6), stripes * (1 - tone) * 0.7)
        claws = (3 + 9 * depth) * s * (0.5 + 0.5 * np.abs(np.sin(2 * np.pi * u * (40 - 22 * depth) + phase)) ** 3)
        claws *= 0.6 + 1.4 * shape
        layer = np.where((d < claws)[..., None], foam, water)
        outline = (np.abs(d) < 1.2 * s) | (np.abs(d - claws) < 0.9 * s)
        layer = np.where(outline[..., None], ink, layer)
        image = np.where((d > 0)[..., None], layer, image)
        # Spray: round drops of foam above the crest.
        n_drops = int(60 * (0.3 + depth) * s * s)
        drop_x = rng.uniform(0, width, n_drops)
        column = np.clip(drop_x.astype(int), 0, width - 1)
        drop_y = crest[0, column] - rng.exponential(0.03 * height * (0.5 + depth), n_drops) * shape[0, column]
        drop_r = rng.uniform(1.2, 2.5 + 2.5 * depth, n_drops) * s
        for x0, y0, r in zip(drop_x, drop_y, drop_r):
            top, bottom = int(max(y0 - r - 2, 0)), int(min(y0 + r + 3, height))
            left, right = int(max(x0 - r - 2, 0)), int(min(x0 + r + 3, width))
            if top >= bottom or left >= right:
                continue
            dist = np.hypot(xx[top:bottom, left:right] - x0, yy[top:bottom, left:right] - y0)
            patch = image[top:bottom, left:right]
            patch = np.where((dist < r)[..., None], foam, patch)
            image[top:bottom, left:right] = np.where((np.abs(dist - r) < 0.6)[..., None], ink, patch)
    image += 3 * _smooth_noise(rng, (height, width), 0.8)[..., None]
    return _to_uint8(image)


def make_cubist(width: int = PAINT_SIZE[0], height: int = PAINT_SIZE[1], seed: int = 1907) -> np.ndarray:
    """Paints an analytic-cubist still life: facets in browns, ochres and grey-blues, with dark contours.

    Eleven straight lines and three circles cut the canvas into facets; each
    facet has its own colour from an earthy palette, a light-to-dark gradient,
    sometimes hatching, and everything is covered in short brush dabs.

    Introduced in ``notebooks/01_images.ipynb``.

    Args:
        width: Width of the image in pixels.
        height: Height of the image in pixels.
        seed: Seed of the lines, colours and brushwork.

    Returns:
        The painting, uint8 RGB of shape (height, width, 3).

    >>> make_cubist(64, 48).shape
    (48, 64, 3)
    """
    rng = np.random.default_rng(seed)
    s = width / 512
    yy, xx = _grid(width, height)
    facet_code = np.zeros((height, width), dtype=np.int64)   # one bit per line: which side we are on
    edge_distance = np.full((height, width), np.inf)
    n_lines = 11
    for i in range(n_lines):
        px, py = rng.uniform(0.1, 0.9) * width, rng.uniform(0.1, 0.9) * height
        angle = rng.uniform(0, np.pi)
        signed = (xx - px) * np.cos(angle) + (yy - py) * np.sin(angle)
        facet_code |= (signed > 0).astype(np.int64) << i
        edge_distance = np.minimum(edge_distance, np.abs(signed))
    for j, (cx, cy, r) in enumerate(((0.38, 0.45, 0.17), (0.68, 0.58, 0.11), (0.55, 0.28, 0.07))):
        signed = np.hypot(xx - cx * width, yy - cy * height) - r * width
        facet_code |= (signed < 0).astype(np.int64) << (n_lines + j)
        edge_distance = np.minimum(edge_distance, np.abs(signed))
    codes, facet = np.unique(facet_code, return_inverse=True)
    facet = facet.reshape(height, width)
    n = len(codes)
    palette = np.stack([_rgb(c) for c in ("#6b4a2b", "#a7743a", "#d6b37a", "#e6d6b0", "#5d6b6e",
                                          "#8a9a8c", "#3b3a36", "#b98a5a", "#7f5f44", "#c9a46a")])
    base = palette[rng.integers(0, len(palette), n)]
    gradient_angle = rng.uniform(0, 2 * np.pi, n)
    gradient_strength = rng.uniform(0.15, 0.45, n)
    hatch_angle = rng.uniform(0, np.pi, n)
    along = np.cos(gradient_angle)[facet] * xx / width + np.sin(gradient_angle)[facet] * yy / height
    image = base[facet] * (1 + gradient_strength[facet] * (2 * along - 1))[..., None]
    hatch_coord = np.cos(hatch_angle)[facet] * xx + np.sin(hatch_angle)[facet] * yy
    hatch = 0.5 + 0.5 * np.sin(2 * np.pi * hatch_coord / (5 * s))
    image *= (1 - 0.12 * hatch * (rng.random(n) < 0.6)[facet])[..., None]
    dabs = _smooth_noise(rng, (height, width), (1.0 * s, 3.0 * s))
    image += 10 * dabs[..., None] + 6 * _smooth_noise(rng, (height, width), 8 * s)[..., None]
    contour = np.clip(1 - (edge_distance - 0.6 * s) / (1.4 * s), 0, 1)
    contour *= _smooth_noise(rng, (height, width), 10 * s) > -0.8      # broken in places
    return _to_uint8(_mix(image, _rgb("#2a211b"), contour * 0.9))


# ----------------------------------------------------------------------------------------------
# The generated "photos"
# ----------------------------------------------------------------------------------------------


def make_relief(width: int = PAINT_SIZE[0], height: int = PAINT_SIZE[1]) -> np.ndarray:
    """Renders forested ridges and valleys seen from above, from a real elevation model.

    The heights are matplotlib's sample ``jacksboro_fault_dem.npz`` (around
    Jacksboro, Tennessee); :class:`matplotlib.colors.LightSource` shades them
    as if lit by a low sun from the north-west, coloured from forest green
    (valleys) to bare tan (ridge tops).

    Introduced in ``notebooks/01_images.ipynb``.

    Args:
        width: Width of the image in pixels (at most about 1.25 times the DEM's width looks sharp).
        height: Height of the image in pixels (cropped from the middle).

    Returns:
        The rendering, uint8 RGB of shape (height, width, 3).

    >>> make_relief(64, 48).shape
    (48, 64, 3)
    """
    from matplotlib.colors import LightSource, LinearSegmentedColormap

    dem = _jacksboro_dem()
    z = dem["elevation"].astype(np.float64)
    dy = 111_200.0 * float(dem["dy"])                # metres per grid step (the grid is in degrees)
    dx = 111_200.0 * float(dem["dx"]) * np.cos(np.radians(float(dem["ymin"])))
    zoom = max(width / z.shape[1], height / z.shape[0])
    z = ndimage.zoom(z, zoom, order=3)
    top, left = (z.shape[0] - height) // 2, (z.shape[1] - width) // 2
    z = z[top : top + height, left : left + width]
    forest = LinearSegmentedColormap.from_list("forest", ["#2f4a26", "#4d6b2f", "#7a8544", "#a99a67", "#d9d0b8"])
    rgb = LightSource(azdeg=315, altdeg=40).shade(
        z, cmap=forest, blend_mode="soft", vert_exag=3, dx=dx / zoom, dy=dy / zoom, vmin=z.min(), vmax=z.max()
    )
    return _to_uint8(rgb[..., :3] * 255)


def make_cottage(width: int = PAINT_SIZE[0], height: int = PAINT_SIZE[1], seed: int = 1910) -> np.ndarray:
    """Paints a simple landscape photo: a house with a red roof, a tree, a path, hills and clouds.

    Clear shapes (roof, windows, crown of the tree) make it easy to see how
    much of the content survives style transfer.  The far ridges are real
    elevation profiles from matplotlib's ``jacksboro_fault_dem.npz``.  Every
    shape has a soft (anti-aliased) edge one or two pixels wide.

    Introduced in ``notebooks/01_images.ipynb``.

    Args:
        width: Width of the image in pixels.
        height: Height of the image in pixels.
        seed: Seed of the clouds, grass and leaves.

    Returns:
        The picture, uint8 RGB of shape (height, width, 3).

    >>> make_cottage(64, 48).shape
    (48, 64, 3)
    """
    rng = np.random.default_rng(seed)
    W, H = width, height
    s = W / 512
    yy, xx = _grid(W, H)
    u, v = xx / W, yy / H
    aa = 0.8                                         # edge softness, in pixels

    def upsampled_noise(factor: int, sigma: float | tuple) -> np.ndarray:
        small = _smooth_noise(rng, (-(-H // factor), -(-W // factor)), sigma)
        return ndimage.zoom(small, factor, order=1)[:H, :W]

    def rect(x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
        return (_smoothstep(-aa, aa, xx - x0 * W) * _smoothstep(-aa, aa, x1 * W - xx)
                * _smoothstep(-aa, aa, yy - y0 * H) * _smoothstep(-aa, aa, y1 * H - yy))

    # Sky and clouds.
    image = _palette(v / 0.62, [(0, "#3f78c4"), (0.6, "#8db7e3"), (1, "#dbe8f0")])
    puff = upsampled_noise(8, (2.0, 5.0)) + 0.5 * upsampled_noise(4, 1.5)
    cloud = _smoothstep(0.6, 1.7, puff) * _smoothstep(0.05, 0.15, v) * (1 - _smoothstep(0.3, 0.45, v))
    cloud_shade = _smoothstep(0.8, 2.0, -np.gradient(puff, axis=0) * 40 + 1)
    image = _mix(image, _mix(_rgb("#ffffff"), _rgb("#b9c4d3"), cloud_shade), cloud)
    # Distant ridges: the highest points of two bands of rows of the real elevation model.
    elevation = _jacksboro_dem()["elevation"].astype(np.float64)
    for row, top, colour, amplitude in ((60, 0.38, "#8ea3bd", 0.16), (250, 0.48, "#6f8a8f", 0.12)):
        profile = ndimage.gaussian_filter1d(elevation[row - 3 : row + 3].max(axis=0), 2)
        profile = (profile - profile.min()) / (profile.max() - profile.min())
        profile = np.interp(np.linspace(0, len(profile) - 1, W), np.arange(len(profile)), profile)
        ridge = H * (top + amplitude * (0.55 - profile))
        texture = 1 + 0.05 * upsampled_noise(2, 2)
        image = _mix(image, _rgb(colour) * texture[..., None], _smoothstep(-aa, aa, yy - ridge))
    # The meadow.
    meadow_top = H * (0.60 + 0.035 * np.sin(2 * np.pi * u * 1.2 + 0.6) - 0.03 * u)
    meadow = _smoothstep(-aa, aa, yy - meadow_top)
    blades = ndimage.zoom(_smooth_noise(rng, (H // 2, W), (3.0, 0.7)), (2, 1), order=1)[:H, :W]
    grass_t = 0.5 + 0.25 * blades + 0.2 * _smooth_noise(rng, (H, W), 25 * s) + 0.3 * (v - 0.6)
    image = _mix(image, _palette(grass_t, [(0, "#2f5a1c"), (0.5, "#5d8f2c"), (1, "#a7c25a")]), meadow)
    # A path from the door to the bottom edge.
    below = np.clip((v - 0.74) / 0.26, 0, 1)
    half_width = 0.012 + 0.11 * below**1.3
    centre = 0.335 + 0.06 * below**2
    path = _smoothstep(-aa, aa, half_width * W - np.abs(xx - centre * W)) * _smoothstep(-aa, aa, yy - 0.735 * H)
    gravel = _palette(0.5 + 0.15 * _smooth_noise(rng, (H, W), 2 * s), [(0, "#9c8560"), (1, "#d8c7a0")])
    image = _mix(image, gravel, path)
    # The house: walls, chimney, roof, door, two windows.
    plaster = _rgb("#efe6d2") * ((1 - 0.12 * u) * (1 + 0.025 * _smooth_noise(rng, (H, W), 3.0 * s)))[..., None]
    image = _mix(image, plaster, rect(0.20, 0.53, 0.47, 0.745))
    image = _mix(image, _rgb("#7d6a55"), rect(0.40, 0.33, 0.43, 0.45))
    apex_x, apex_y, eave_y = 0.335, 0.33, 0.545
    roof_half = 0.165 * np.clip((v - apex_y) / (eave_y - apex_y), 0, 1)
    roof = (_smoothstep(-aa, aa, roof_half * W - np.abs(xx - apex_x * W))
            * _smoothstep(-aa, aa, yy - apex_y * H) * _smoothstep(-aa, aa, eave_y * H - yy))
    tile_rows = 0.5 + 0.5 * np.sin(2 * np.pi * yy / (7 * s))
    image = _mix(image, _mix(_rgb("#9b3b26"), _rgb("#6d2416"), 0.5 * tile_rows + 0.3 * (u > apex_x)), roof)
    image = _mix(image, _rgb("#5a3a22"), rect(0.315, 0.635, 0.355, 0.745))
    image = _mix(image, _rgb("#c8a24a"), rect(0.344, 0.69, 0.349, 0.70))
    white = _rgb("#f4f1ea")
    for x0 in (0.225, 0.395):
        image = _mix(image, white, rect(x0 - 0.006, 0.585, x0 + 0.056, 0.675))
        image = _mix(image, _palette(v, [(0.58, "#4d6f93"), (0.68, "#a9c6dc")]), rect(x0, 0.593, x0 + 0.05, 0.667))
        image = _mix(image, white, rect(x0 + 0.023, 0.593, x0 + 0.027, 0.667))
        image = _mix(image, white, rect(x0, 0.627, x0 + 0.05, 0.633))
    # A tree: its shadow, trunk and a round crown lit from the upper left.
    tx, ty = 0.73 * W, 0.47 * H
    shadow = np.exp(-(((xx - tx - 0.05 * W) / (0.09 * W)) ** 2 + ((yy - 0.77 * H) / (0.018 * W)) ** 2))
    image *= (1 - 0.35 * shadow * meadow)[..., None]
    trunk_half = (0.011 + 0.006 * _smoothstep(0.70, 0.78, v)) * W
    trunk = _smoothstep(-aa, aa, trunk_half - np.abs(xx - tx)) * _smoothstep(-aa, aa, 0.775 * H - yy) * (v > 0.4)
    bark = _mix(_rgb("#4a3322"), _rgb("#7a5a3c"), _smoothstep(-trunk_half, trunk_half, tx - xx))
    image = _mix(image, bark, trunk)
    crown_distance = np.full((H, W), np.inf)
    lit = np.zeros((H, W))
    for cx, cy, r in ((0, -0.03, 0.11), (-0.07, 0.03, 0.08), (0.07, 0.035, 0.085), (0.0, 0.07, 0.08),
                      (-0.04, -0.09, 0.07), (0.05, -0.08, 0.07)):
        dx, dy, radius = xx - (tx + cx * W), yy - (ty + cy * W), r * W
        d = np.hypot(dx, dy) - radius
        bulge = np.sqrt(np.clip(1 - (dx**2 + dy**2) / radius**2, 0, 1))
        light = np.clip((-0.5 * dx - 0.6 * dy) / radius + 0.6 * bulge, 0, 1)
        lit = np.where(d < crown_distance, light, lit)
        crown_distance = np.minimum(crown_distance, d)
    leaves = _smooth_noise(rng, (H, W), 2.0 * s)
    crown = _smoothstep(-aa, aa, -(crown_distance + 3 * s * leaves))
    foliage = _palette(0.15 + 0.6 * lit + 0.15 * leaves, [(0, "#1b3a14"), (0.5, "#3f6e22"), (1, "#9cc04f")])
    image = _mix(image, foliage, crown)
    image += 2.0 * rng.standard_normal((height, width, 1))          # a little film grain
    return _to_uint8(image)


# ----------------------------------------------------------------------------------------------
# The bundled samples
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    """One image that ships with nst-teach (or with matplotlib), and where it comes from.

    Attributes:
        name: Short name to ask for it by, e.g. ``"swirls"``.
        kind: ``"content"`` (a photo) or ``"style"`` (a painting).
        title: A human title.
        description: What is in the picture, in a sentence.
        source: Who made it, from what.
        license: Under which terms it is used.
        filename: File name in ``nst_teach/data/`` or, when ``origin == "matplotlib"``, in
            matplotlib's sample data.
        origin: ``"package"`` (a file of nst-teach) or ``"matplotlib"`` (read from the installed
            matplotlib, not copied).
        make: The function that painted it (``None`` for photos that were not generated);
            ``make()`` returns the same pixels as the shipped file, before JPEG compression.
    """

    name: str
    kind: Kind
    title: str
    description: str
    source: str
    license: str
    filename: str
    origin: Literal["package", "matplotlib"] = "package"
    make: Callable[[], np.ndarray] | None = None

    @property
    def path(self) -> Path:
        """The image file (see :func:`sample_path`)."""
        return sample_path(self.name)


_GENERATED_LICENSE = "MIT, like nst-teach (generated by the package's own code)"

SAMPLES: Mapping[str, Sample] = MappingProxyType({s.name: s for s in (
    Sample(
        name="hopper",
        kind="content",
        title="Grace Hopper",
        description="Official portrait of Commodore Grace M. Hopper, U.S. Navy, 1984: a face, a cap, "
                    "a uniform with ribbons, a flag behind.",
        source="matplotlib's sample data (mpl-data/sample_data/grace_hopper.jpg), read from the installed "
               "matplotlib; widely identified as the U.S. Navy's official portrait of Commodore Grace M. Hopper "
               "(20 January 1984)",
        license="Public domain in the United States (a work of the U.S. federal government); "
                "nst-teach does not copy the file",
        filename="grace_hopper.jpg",
        origin="matplotlib",
    ),
    Sample(
        name="cottage",
        kind="content",
        title="Cottage on a hill",
        description="A white house with a red roof, a leafy tree and a gravel path on a green meadow; "
                    "blue sky with clouds, far ridges.",
        source="painted by nst_teach.samples.make_cottage (seed 1910); ridge lines from matplotlib's "
               "jacksboro_fault_dem.npz",
        license=_GENERATED_LICENSE + "; elevation data from matplotlib's sample data (matplotlib license)",
        filename="cottage.jpg",
        make=make_cottage,
    ),
    Sample(
        name="relief",
        kind="content",
        title="Forested ridges from above",
        description="Ridges and valleys around the Jacksboro fault (Tennessee, USA) seen from above, "
                    "lit from the north-west: green valleys, bare tan ridge tops.",
        source="rendered by nst_teach.samples.make_relief with matplotlib.colors.LightSource from "
               "matplotlib's jacksboro_fault_dem.npz",
        license=_GENERATED_LICENSE + "; elevation data from matplotlib's sample data (matplotlib license)",
        filename="relief.jpg",
        make=make_relief,
    ),
    Sample(
        name="swirls",
        kind="style",
        title="Swirls (after Van Gogh)",
        description="A night sky of swirling blue brush strokes round glowing yellow stars, dark hills below.",
        source="painted by nst_teach.samples.make_swirls (seed 1889): line integral convolution of noise "
               "along a vortex flow",
        license=_GENERATED_LICENSE,
        filename="swirls.jpg",
        make=make_swirls,
    ),
    Sample(
        name="waves",
        kind="style",
        title="Waves (after Hokusai)",
        description="Rows of striped Prussian-blue waves with white foam claws and spray, ink outlines, "
                    "a snowy mountain on cream paper.",
        source="painted by nst_teach.samples.make_waves (seed 1831)",
        license=_GENERATED_LICENSE,
        filename="waves.jpg",
        make=make_waves,
    ),
    Sample(
        name="mosaic",
        kind="style",
        title="Roman mosaic",
        description="Irregular stone tiles in dark grout: a red eight-petal rosette in a terracotta ring, "
                    "blue wave borders, cream and ochre field.",
        source="painted by nst_teach.samples.make_mosaic (seed 79): Voronoi tiles",
        license=_GENERATED_LICENSE,
        filename="mosaic.jpg",
        make=make_mosaic,
    ),
    Sample(
        name="cubist",
        kind="style",
        title="Cubist facets (after Braque and Picasso)",
        description="Angular facets and circles in browns, ochres and grey-blues, each shaded and brushed, "
                    "with dark broken contours.",
        source="painted by nst_teach.samples.make_cubist (seed 1907)",
        license=_GENERATED_LICENSE,
        filename="cubist.jpg",
        make=make_cubist,
    ),
)})


def _check_kind(kind: str | None) -> None:
    if kind is not None and kind not in _KINDS:
        raise OptionError(f"kind={kind!r} is not a kind of sample: use 'content', 'style', or None for all.")


def _lookup(name: object, table: Mapping, what: str, lister: str) -> object:
    """``table[name]``, or an OptionError that suggests the closest name and lists them all."""
    if isinstance(name, str) and name in table:
        return table[name]
    names = list(table)
    close = difflib.get_close_matches(str(name).strip().lower(), names, n=1, cutoff=0.5)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise OptionError(f"name={name!r} is not {what}.{hint} Choose one of {names} (see {lister}()).")


def _sample(name: str) -> Sample:
    return _lookup(name, SAMPLES, "a bundled sample image", "sample_names")  # type: ignore[return-value]


def sample_names(kind: Kind | None = None) -> list[str]:
    """Lists the names of the bundled samples.

    Introduced in ``notebooks/01_images.ipynb``.

    Args:
        kind: ``"content"`` for photos, ``"style"`` for paintings, ``None`` for all.

    Returns:
        The names, content images first.

    Raises:
        OptionError: ``kind`` is none of the above.

    >>> sample_names("style")
    ['swirls', 'waves', 'mosaic', 'cubist']
    """
    _check_kind(kind)
    return [s.name for s in SAMPLES.values() if kind is None or s.kind == kind]


def sample_path(name: str) -> Path:
    """Returns the file of a bundled sample (inside nst-teach, or inside matplotlib for "hopper").

    Introduced in ``notebooks/01_images.ipynb``.

    Args:
        name: A name from :func:`sample_names`, e.g. ``"cottage"``.

    Returns:
        The path of the image file.

    Raises:
        OptionError: No sample has this name.
        ImageNotFoundError: The file is missing from the installation.

    >>> sample_path("swirls").name
    'swirls.jpg'
    """
    sample = _sample(name)
    if sample.origin == "matplotlib":
        import matplotlib

        path = Path(matplotlib.get_data_path()) / "sample_data" / sample.filename
        fix = "reinstall matplotlib (pip install --force-reinstall matplotlib), or pick another sample"
    else:
        path = DATA_DIR / sample.filename
        fix = ("reinstall nst-teach, or paint it again with "
               "nst_teach.samples.regenerate(nst_teach.samples.DATA_DIR)")
    if not path.is_file():
        raise ImageNotFoundError(f"The sample {name!r} should be at {path}, but that file is missing: {fix}.")
    return path


def _read_rgb(path: Path) -> np.ndarray:
    """Reads an image file as uint8 RGB (H, W, 3), with nst_teach.images when it is there."""
    try:
        from .images import read_image
    except ImportError:
        read_image = None
    if read_image is not None:
        return read_image(path)
    from PIL import Image

    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"), dtype=np.uint8)


def load_sample(name: str) -> np.ndarray:
    """Loads a bundled sample as a uint8 RGB array.

    Introduced in ``notebooks/01_images.ipynb``.

    Args:
        name: A name from :func:`sample_names`, e.g. ``"swirls"``.

    Returns:
        The image, uint8 RGB of shape (height, width, 3).

    Raises:
        OptionError: No sample has this name.

    >>> load_sample("swirls").shape
    (384, 512, 3)
    """
    return _read_rgb(sample_path(name))


def thumbnail(name: str, size: int = 96) -> bytes:
    """Returns a small PNG of a sample, e.g. for an ipywidgets ``Image`` next to a dropdown.

    Introduced in ``notebooks/05_style_transfer_live.ipynb``.

    Args:
        name: A name from :func:`sample_names`.
        size: The longer side of the thumbnail, in pixels (8 to 1024); the aspect ratio is kept.

    Returns:
        The PNG file's bytes.

    Raises:
        OptionError: Unknown name, or a ``size`` out of range.

    >>> thumbnail("mosaic", 32)[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
    True
    """
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or not 8 <= size <= 1024:
        raise OptionError(f"size={size!r} cannot be a thumbnail size: give a whole number of pixels from 8 to 1024.")
    from PIL import Image

    image = Image.fromarray(load_sample(name))
    image.thumbnail((int(size), int(size)), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)                  # mkstemp makes files private; these are for everyone to read
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _encode(image: np.ndarray, filename: str) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    if filename.lower().endswith((".jpg", ".jpeg")):
        Image.fromarray(image).save(buffer, format="JPEG", quality=_JPEG_QUALITY)
    else:
        Image.fromarray(image).save(buffer, format="PNG")
    return buffer.getvalue()


def regenerate(out_dir: str | os.PathLike, names: Iterable[str] | None = None) -> dict[str, Path]:
    """Paints the generated samples again and writes them as the files the package ships.

    Every painting comes from a fixed seed, so the pixels come out the same as
    the shipped ones: ``regenerate(DATA_DIR)`` is how the maintainers made them.

    Introduced in ``notebooks/01_images.ipynb``.

    Args:
        out_dir: Folder to write into (created if missing).
        names: Which samples to paint; ``None`` for all generated ones.

    Returns:
        ``{name: path of the written file}``.

    Raises:
        OptionError: A name is unknown, or names a sample that is not generated (a photo).
    """
    wanted = [s.name for s in SAMPLES.values() if s.make is not None] if names is None else list(names)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for name in wanted:
        sample = _sample(name)
        if sample.make is None:
            raise OptionError(f"name={name!r} is a photo that nst-teach does not paint, so it cannot be "
                              f"regenerated: choose among {[s.name for s in SAMPLES.values() if s.make]}.")
        path = out / sample.filename
        _atomic_write_bytes(path, _encode(sample.make(), sample.filename))
        written[name] = path
    return written


# ----------------------------------------------------------------------------------------------
# The gallery: classic images, downloaded on demand
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GalleryItem:
    """A well-known image that nst-teach can download, with its provenance and checksum.

    Attributes:
        name: Short name, e.g. ``"starry_night"``.
        kind: ``"content"`` or ``"style"``.
        title: The work's title.
        author: Painter or photographer.
        date: When it was made (as known).
        url: Where it is downloaded from.
        license: Under which terms it may be used, as far as we know.
        sha256: SHA-256 of the expected file (hex).
        filename: File name in the cache and in ``NST_TEACH_GALLERY_DIR``.
        fallback: The bundled sample to use instead when it cannot be had.
    """

    name: str
    kind: Kind
    title: str
    author: str
    date: str
    url: str
    license: str
    sha256: str
    filename: str
    fallback: str


_NEURAL_STYLE_INPUTS = "https://raw.githubusercontent.com/jcjohnson/neural-style/master/examples/inputs/"

# The sha256 values were computed from local copies of these files that we believe are identical to the
# ones at the URLs (this machine cannot reach the web to confirm it).  If upstream ever changes a file,
# fetch_gallery says so instead of using an unexpected image.
GALLERY: Mapping[str, GalleryItem] = MappingProxyType({g.name: g for g in (
    GalleryItem(
        name="tubingen",
        kind="content",
        title="Neckarfront in Tübingen",
        author="Andreas Praefcke",
        date="before 2015 (used by Gatys et al., 2015)",
        url=_NEURAL_STYLE_INPUTS + "tubingen.jpg",
        license="CC BY 3.0 (credit: Andreas Praefcke)",
        sha256="e67d1869f01fd805385c681a80d9ebcf0f70ea4a5fe6127f0606bb1c7f4bf506",
        filename="tubingen.jpg",
        fallback="cottage",
    ),
    GalleryItem(
        name="golden_gate",
        kind="content",
        title="Golden Gate Bridge",
        author="unknown photographer",
        date="unknown",
        url=_NEURAL_STYLE_INPUTS + "golden_gate.jpg",
        license="not stated in the source repository (jcjohnson/neural-style); use for study only",
        sha256="f8476ac216e0d409af2e52bf82ad2cdc3433e23d7895e6f9b2048fc014ed57ba",
        filename="golden_gate.jpg",
        fallback="cottage",
    ),
    GalleryItem(
        name="starry_night",
        kind="style",
        title="The Starry Night",
        author="Vincent van Gogh",
        date="1889",
        url=_NEURAL_STYLE_INPUTS + "starry_night.jpg",
        license="public domain (the painter died in 1890)",
        sha256="0592ab0f7b51b3ce72608a95e53880bd93971e5b48f93a0ce8dfd3cbccf3d098",
        filename="starry_night.jpg",
        fallback="swirls",
    ),
    GalleryItem(
        name="the_scream",
        kind="style",
        title="The Scream",
        author="Edvard Munch",
        date="1893",
        url=_NEURAL_STYLE_INPUTS + "the_scream.jpg",
        license="public domain (the painter died in 1944)",
        sha256="f3075cddeb974a9ee1d6418f7f33fd05185a7ac7dcb4288bd2805d499a9dcaee",
        filename="the_scream.jpg",
        fallback="waves",
    ),
)})


def _gallery_item(name: str) -> GalleryItem:
    return _lookup(name, GALLERY, "an image of the gallery", "gallery_names")  # type: ignore[return-value]


def gallery_names(kind: Kind | None = None) -> list[str]:
    """Lists the names of the downloadable gallery images.

    Introduced in ``notebooks/01_images.ipynb``.

    Args:
        kind: ``"content"``, ``"style"``, or ``None`` for all.

    Returns:
        The names.

    >>> gallery_names("style")
    ['starry_night', 'the_scream']
    """
    _check_kind(kind)
    return [g.name for g in GALLERY.values() if kind is None or g.kind == kind]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _from_gallery_dir(item: GalleryItem) -> Path | None:
    """The item's file in ``$NST_TEACH_GALLERY_DIR`` after checking its checksum; None if not there."""
    folder = os.environ.get(GALLERY_DIR_ENV)
    if not folder:
        return None
    directory = Path(folder).expanduser()
    if not directory.is_dir():
        raise ImageNotFoundError(f"{GALLERY_DIR_ENV}={folder!r} is not a folder: set it to the folder that "
                                 f"holds the gallery files (e.g. {item.filename}), or unset it to download them.")
    path = directory / item.filename
    if not path.is_file():
        return None
    actual = _sha256(path)
    if actual != item.sha256:
        from .download import DownloadError

        raise DownloadError(
            f"{path} (found through {GALLERY_DIR_ENV}) is not the expected {item.title!r}: its SHA-256 is "
            f"{actual}, expected {item.sha256}. Replace it with the file from {item.url}, or remove it "
            f"from that folder so nst-teach downloads it."
        )
    return path


def fetch_gallery(name: str, *, timeout: float | None = None, max_bytes: int | None = None) -> Path:
    """Gets a gallery image: from ``$NST_TEACH_GALLERY_DIR``, the cache, or the web; checked by SHA-256.

    Introduced in ``notebooks/01_images.ipynb``.

    Args:
        name: A name from :func:`gallery_names`, e.g. ``"starry_night"``.
        timeout: Seconds to wait for the server (``None``: :data:`nst_teach.download.DOWNLOAD_TIMEOUT`).
        max_bytes: Refuse files larger than this (``None``: :data:`nst_teach.download.MAX_DOWNLOAD_BYTES`).

    Returns:
        The path of the verified file.

    Raises:
        OptionError: Unknown name.
        ImageNotFoundError: ``NST_TEACH_GALLERY_DIR`` is set but is not a folder.
        DownloadError: The download failed, or a file's checksum is not the expected one.
    """
    item = _gallery_item(name)
    local = _from_gallery_dir(item)
    if local is not None:
        return local
    from . import download

    return download.fetch(
        item.url,
        max_bytes=download.MAX_DOWNLOAD_BYTES if max_bytes is None else max_bytes,
        timeout=download.DOWNLOAD_TIMEOUT if timeout is None else timeout,
        expected_sha256=item.sha256,
        filename=item.filename,
    )


def gallery_or_fallback(name: str, fallback: str | None = None, **fetch_options: float | None) -> tuple[Path, str]:
    """Gets a gallery image, or a bundled sample when it cannot be had; says which in a message.

    Use this in notebooks and benchmarks that must run offline: they get a
    picture either way, and the message (print it) tells the reader what
    happened.

    Introduced in ``notebooks/01_images.ipynb``.

    Args:
        name: A name from :func:`gallery_names`, e.g. ``"starry_night"``.
        fallback: The bundled sample to use instead; ``None`` picks the item's own
            (``"swirls"`` for The Starry Night, ``"cottage"`` for Tübingen...).
        **fetch_options: ``timeout`` and ``max_bytes``, passed to :func:`fetch_gallery`.

    Returns:
        ``(path, message)``: the image file to use, and a sentence saying which one it is and why.

    Raises:
        OptionError: ``name`` or ``fallback`` is unknown (mistakes are reported, not hidden).
    """
    item = _gallery_item(name)
    substitute = _sample(item.fallback if fallback is None else fallback)
    try:
        path = fetch_gallery(name, **fetch_options)
    except OptionError:
        raise                                   # a mistake in the arguments: report it, do not hide it
    except (NSTError, OSError) as error:
        message = (
            f"Could not get the gallery image {name!r} ({item.title}, {item.author}): {error} "
            f"Using the bundled sample {substitute.name!r} ({substitute.title}) instead. To use the "
            f"original, connect to the internet and run this again, or put {item.filename} in a folder "
            f"and set {GALLERY_DIR_ENV} to it."
        )
        return sample_path(substitute.name), message
    return path, f"Using {item.title!r} by {item.author} ({item.date}; {item.license}) from {path}."

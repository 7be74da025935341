"""The small painting tools the paintings share: colors, palettes, smooth noise, line integral convolution.

Introduced in ``notebooks/01_images.ipynb``.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

__all__ = ["PAINT_SIZE"]

#: Size, as (width, height), of the images the paintings are painted at (4:3, like the 400x300 working size).
PAINT_SIZE: tuple[int, int] = (512, 384)


def _rgb(hex_code: str) -> np.ndarray:
    """Returns ``"#rrggbb"`` as a float RGB triple in 0..255."""
    h = hex_code.lstrip("#")
    return np.array([int(h[i : i + 2], 16) for i in (0, 2, 4)], dtype=np.float64)


def _palette(t: np.ndarray, stops: list[tuple[float, str]]) -> np.ndarray:
    """Maps values ``t`` in 0..1 to colors, interpolating linearly between ``(position, color)`` stops."""
    t = np.clip(t, 0.0, 1.0)
    positions = np.array([p for p, _ in stops])
    colors = np.stack([_rgb(c) for _, c in stops])
    return np.stack([np.interp(t, positions, colors[:, c]) for c in range(3)], axis=-1)


def _mix(a: np.ndarray, b: np.ndarray, w: np.ndarray | float) -> np.ndarray:
    """Blends color(s) ``a`` towards ``b`` by weight ``w`` (0 keeps ``a``, 1 gives ``b``), per pixel."""
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

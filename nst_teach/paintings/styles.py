"""The style images: a Van-Gogh-like night sky (swirls), a Roman mosaic, Hokusai-like waves, a cubist still-life.

Introduced in ``notebooks/01_images.ipynb``.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from .tools import (
    PAINT_SIZE,
    _blocky_noise,
    _grid,
    _jittered_grid,
    _line_integral_convolution,
    _mix,
    _palette,
    _rgb,
    _smooth_noise,
    _standardize,
    _to_uint8,
)

__all__ = ["make_swirls", "make_mosaic", "make_waves", "make_cubist"]


def make_swirls(width: int = PAINT_SIZE[0], height: int = PAINT_SIZE[1], seed: int = 1889) -> np.ndarray:
    """Paints a Van-Gogh-like night sky: blue brush strokes swirling round glowing yellow stars.

    The strokes are white noise smeared along a flow made of a few vortices
    (line integral convolution), at two stroke widths, colored with a
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
    for cx, cy, r, k in (
        (0.42, 0.36, 0.20, 2.2),
        (0.15, 0.22, 0.11, -1.6),
        (0.78, 0.25, 0.13, 1.8),
        (0.62, 0.62, 0.10, -1.4),
        (0.90, 0.70, 0.09, 1.5),
    ):
        dx, dy = xx - cx * width, yy - cy * height
        d = np.hypot(dx, dy) + 1e-9
        strength = k * np.exp(-((d / (r * width)) ** 2))
        vx += -dy / d * strength
        vy += dx / d * strength
    # Stars: near each one the flow runs in circles; the star glows, with rings around it.
    glow = np.zeros_like(xx)
    rings = np.zeros_like(xx)
    for cx, cy, r in (
        (0.08, 0.10, 0.055),
        (0.30, 0.12, 0.045),
        (0.58, 0.10, 0.05),
        (0.88, 0.12, 0.075),
        (0.25, 0.55, 0.04),
        (0.70, 0.45, 0.045),
    ):
        dx, dy = xx - cx * width, yy - cy * height
        radius = r * width
        d = np.hypot(dx, dy) + 1e-9
        near = np.exp(-((d / (1.6 * radius)) ** 4))
        vx = vx * (1 - near) + 2 * (-dy / d) * near
        vy = vy * (1 - near) + 2 * (dx / d) * near
        glow = np.maximum(glow, np.exp(-((d / radius) ** 2)))
        rings = np.maximum(rings, near * (0.5 + 0.5 * np.cos(2 * np.pi * d / (0.45 * radius))))
    # Dark hills along the bottom: there the flow follows the hill line.
    hill = height * (
        0.80 + 0.05 * np.sin(2 * np.pi * xx / width * 1.3 + 0.8) + 0.03 * np.sin(2 * np.pi * xx / width * 3.1)
    )
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
    sky = _palette(
        0.45 + 0.16 * strokes + 0.12 * low,
        [(0.0, "#0b1a4a"), (0.3, "#1d3f8f"), (0.55, "#3f6fb8"), (0.75, "#8fb6d8"), (0.9, "#e2e4b0"), (1.0, "#f5efc0")],
    )
    gold = _palette(0.5 + 0.2 * strokes, [(0.0, "#c98a12"), (0.5, "#f2cf3a"), (1.0, "#fff6c4")])
    sky = _mix(sky, gold, np.clip(0.9 * glow + 0.55 * rings * (strokes > -0.3), 0, 1))
    land = _palette(
        0.35 + 0.18 * strokes + 0.1 * low, [(0.0, "#06121a"), (0.4, "#14303a"), (0.7, "#2c5a4a"), (1.0, "#6f8f5a")]
    )
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
        seed: Seed of the tile layout and colors.

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
    outside = coarse[np.hypot(coarse[:, 0] - cx, coarse[:, 1] - cy) >= medallion + 4 * s]
    inside = fine[np.hypot(fine[:, 0] - cx, fine[:, 1] - cy) < medallion]
    seeds = np.concatenate([outside, inside])
    yy, xx = _grid(width, height)
    pixels = np.stack([xx.ravel() + 0.5, yy.ravel() + 0.5], axis=1)
    dist, nearest = cKDTree(seeds).query(pixels, k=2)
    gap = (dist[:, 1] - dist[:, 0]).reshape(height, width)  # 0 on the border between two tiles
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
        _rgb(c) for c in ("#e9dcc0", "#d39a3a", "#b5502e", "#3e5f7d", "#4f6b3a", "#8e2b22")
    )
    colors = np.tile(cream, (len(seeds), 1))
    colors[checker & (r >= 0.36)] = _mix(cream, ochre, 0.35)
    colors[border] = slate
    colors[ring] = terracotta
    colors[petals] = red
    colors[petals & (r < 0.06)] = ochre
    colors[(r > 0.2) & (r < 0.30) & ~petals & (np.cos(8 * theta) > 0.6)] = green
    colors += rng.normal(0, 7, colors.shape)  # every stone its own shade
    colors *= rng.uniform(0.88, 1.06, (len(seeds), 1))
    image = colors[tile]
    image *= (0.78 + 0.22 * np.clip(gap / (7 * s), 0, 1) ** 0.5)[..., None]  # bevelled edges
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
    image = _palette(
        yy / height + 0.08 * _smooth_noise(rng, (height, width), 30 * s),
        [(0, "#8c8c86"), (0.12, "#c9bfa6"), (0.3, "#efe3c4"), (1, "#e8d8b4")],
    )
    # Stylised clouds: long rounded bands with a thin outline.
    for cx, cy, half_length, half_height in (
        (0.22, 0.16, 0.20, 0.030),
        (0.60, 0.09, 0.26, 0.026),
        (0.45, 0.25, 0.14, 0.022),
        (0.88, 0.21, 0.12, 0.024),
    ):
        ex = np.maximum(np.abs(u - cx) - half_length, 0) * width
        ey = (yy - cy * height) * (1 + 0.25 * np.sin(2 * np.pi * u * 9))
        dist = np.hypot(ex, ey) - half_height * height
        image = _mix(image, _rgb("#f8f3e6"), np.clip(-dist / (1.5 * s), 0, 1))
        image = _mix(image, _rgb("#7c7567"), np.clip(1 - np.abs(dist) / (0.9 * s), 0, 1))
    image += 4 * _smooth_noise(rng, (height, width), 0.7)[..., None]  # paper grain
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
        depth = i / (rows - 1)  # 0 = far away, 1 = in front
        base = height * (0.50 + 0.50 * depth**1.3)
        amplitude = height * (0.025 + 0.24 * depth**2)
        frequency = 7.0 - 5.3 * depth
        phase = rng.uniform(0, 2 * np.pi)
        x = u * frequency + phase / (2 * np.pi)
        frac = x - np.floor(x)
        shape = np.where(frac < 0.75, (frac / 0.75) ** 2, (1 - (frac - 0.75) / 0.25) ** 0.6)
        crest = base - amplitude * shape - 0.01 * height * np.sin(2 * np.pi * u * 13 + phase)
        d = yy - crest  # depth below the crest, in pixels
        stripes = 0.5 + 0.5 * np.sin(
            2 * np.pi * d / ((5 + 6 * depth) * s) + 1.5 * _smooth_noise(rng, (height, width), 6 * s)
        )
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
    facet has its own color from an earthy palette, a light-to-dark gradient,
    sometimes hatching, and everything is covered in short brush dabs.

    Introduced in ``notebooks/01_images.ipynb``.

    Args:
        width: Width of the image in pixels.
        height: Height of the image in pixels.
        seed: Seed of the lines, colors and brushwork.

    Returns:
        The painting, uint8 RGB of shape (height, width, 3).

    >>> make_cubist(64, 48).shape
    (48, 64, 3)
    """
    rng = np.random.default_rng(seed)
    s = width / 512
    yy, xx = _grid(width, height)
    facet_code = np.zeros((height, width), dtype=np.int64)  # one bit per line: which side we are on
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
    earth = "#6b4a2b #a7743a #d6b37a #e6d6b0 #5d6b6e #8a9a8c #3b3a36 #b98a5a #7f5f44 #c9a46a".split()
    palette = np.stack([_rgb(c) for c in earth])
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
    contour *= _smooth_noise(rng, (height, width), 10 * s) > -0.8  # broken in places
    return _to_uint8(_mix(image, _rgb("#2a211b"), contour * 0.9))

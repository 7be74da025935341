"""The procedural painter: the bundled style images and two "photos", painted with NumPy from fixed seeds.

The style images ("swirls", "waves", "mosaic", "cubist") and two of the
content images ("cottage", "relief") that ship in ``nst_teach/data/`` were
painted by the functions below, so anyone can read how they were made.  Each
takes a size and a seed and returns the same pixels for the same arguments;
:func:`nst_teach.samples.regenerate` calls them to write the shipped files
again, and is the only part of the package that needs them.

Introduced in ``notebooks/01_images.ipynb``.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage
from scipy.spatial import cKDTree

__all__ = ["PAINT_SIZE", "make_cottage", "make_cubist", "make_mosaic", "make_relief", "make_swirls", "make_waves"]

#: Size, as (width, height), of the images this module paints (4:3, like the 400x300 working size).
PAINT_SIZE: tuple[int, int] = (512, 384)


# ----------------------------------------------------------------------------------------------
# Small painting tools
# ----------------------------------------------------------------------------------------------


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


# ----------------------------------------------------------------------------------------------
# The generated "photos"
# ----------------------------------------------------------------------------------------------


def make_relief(width: int = PAINT_SIZE[0], height: int = PAINT_SIZE[1]) -> np.ndarray:
    """Renders forested ridges and valleys seen from above, from a real elevation model.

    The heights are matplotlib's sample ``jacksboro_fault_dem.npz`` (around
    Jacksboro, Tennessee); :class:`matplotlib.colors.LightSource` shades them
    as if lit by a low sun from the north-west, colored from forest green
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
    dy = 111_200.0 * float(dem["dy"])  # metres per grid step (the grid is in degrees)
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
    aa = 0.8  # edge softness, in pixels

    def upsampled_noise(factor: int, sigma: float | tuple) -> np.ndarray:
        small = _smooth_noise(rng, (-(-H // factor), -(-W // factor)), sigma)
        return ndimage.zoom(small, factor, order=1)[:H, :W]

    def rect(x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
        return (
            _smoothstep(-aa, aa, xx - x0 * W)
            * _smoothstep(-aa, aa, x1 * W - xx)
            * _smoothstep(-aa, aa, yy - y0 * H)
            * _smoothstep(-aa, aa, y1 * H - yy)
        )

    # Sky and clouds.
    image = _palette(v / 0.62, [(0, "#3f78c4"), (0.6, "#8db7e3"), (1, "#dbe8f0")])
    puff = upsampled_noise(8, (2.0, 5.0)) + 0.5 * upsampled_noise(4, 1.5)
    cloud = _smoothstep(0.6, 1.7, puff) * _smoothstep(0.05, 0.15, v) * (1 - _smoothstep(0.3, 0.45, v))
    cloud_shade = _smoothstep(0.8, 2.0, -np.gradient(puff, axis=0) * 40 + 1)
    image = _mix(image, _mix(_rgb("#ffffff"), _rgb("#b9c4d3"), cloud_shade), cloud)
    # Distant ridges: the highest points of two bands of rows of the real elevation model.
    elevation = _jacksboro_dem()["elevation"].astype(np.float64)
    for row, top, color, amplitude in ((60, 0.38, "#8ea3bd", 0.16), (250, 0.48, "#6f8a8f", 0.12)):
        profile = ndimage.gaussian_filter1d(elevation[row - 3 : row + 3].max(axis=0), 2)
        profile = (profile - profile.min()) / (profile.max() - profile.min())
        profile = np.interp(np.linspace(0, len(profile) - 1, W), np.arange(len(profile)), profile)
        ridge = H * (top + amplitude * (0.55 - profile))
        texture = 1 + 0.05 * upsampled_noise(2, 2)
        image = _mix(image, _rgb(color) * texture[..., None], _smoothstep(-aa, aa, yy - ridge))
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
    roof = (
        _smoothstep(-aa, aa, roof_half * W - np.abs(xx - apex_x * W))
        * _smoothstep(-aa, aa, yy - apex_y * H)
        * _smoothstep(-aa, aa, eave_y * H - yy)
    )
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
    for cx, cy, r in (
        (0, -0.03, 0.11),
        (-0.07, 0.03, 0.08),
        (0.07, 0.035, 0.085),
        (0.0, 0.07, 0.08),
        (-0.04, -0.09, 0.07),
        (0.05, -0.08, 0.07),
    ):
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
    image += 2.0 * rng.standard_normal((height, width, 1))  # a little film grain
    return _to_uint8(image)

"""The generated "photos", two content images: forested ridges from elevation data (relief), a house (cottage).

Introduced in ``notebooks/01_images.ipynb``.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from .tools import PAINT_SIZE, _grid, _mix, _palette, _rgb, _smooth_noise, _smoothstep, _to_uint8

__all__ = ["make_relief", "make_cottage"]


def _jacksboro_dem() -> dict[str, np.ndarray]:
    """The digital elevation model matplotlib ships as ``jacksboro_fault_dem.npz`` (metres, 3" grid)."""
    from matplotlib import cbook

    with np.load(cbook.get_sample_data("jacksboro_fault_dem.npz", asfileobj=False)) as data:
        return {key: data[key] for key in data.files}


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

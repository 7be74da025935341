"""Tests for nst_teach.samples: the bundled images, their provenance and their regeneration."""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from PIL import Image
from scipy import ndimage

from nst_teach import gallery, samples
from nst_teach.errors import ImageNotFoundError, OptionError

ALL = samples.sample_names()
GENERATED = [name for name in ALL if samples.SAMPLES[name].make is not None]
STYLE = samples.sample_names("style")
CONTENT = samples.sample_names("content")

# ---------------------------------------------------------------------------------------------
# Independent image measures
# ---------------------------------------------------------------------------------------------


def _gray(rgb: np.ndarray) -> np.ndarray:
    return rgb.astype(np.float64) @ np.array([0.299, 0.587, 0.114])


def _laplacian_energy(rgb: np.ndarray) -> float:
    """Mean absolute Laplacian of the luminance: near 0 for smooth images, large for textured ones."""
    return float(np.abs(ndimage.laplace(_gray(rgb))).mean())


def _block_mean(rgb: np.ndarray, factor: int) -> np.ndarray:
    h, w = rgb.shape[0] // factor * factor, rgb.shape[1] // factor * factor
    return rgb[:h, :w].astype(np.float64).reshape(h // factor, factor, w // factor, factor, 3).mean(axis=(1, 3))


def _smooth_gradient(height: int, width: int) -> np.ndarray:
    yy, xx = np.mgrid[0:height, 0:width]
    ramp = np.stack([xx / width, yy / height, (xx + yy) / (width + height)], axis=-1)
    return np.round(255 * ramp).astype(np.uint8)


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float("inf") if mse == 0 else float(10 * np.log10(255.0**2 / mse))


def _decode(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


# ---------------------------------------------------------------------------------------------
# The bundled samples
# ---------------------------------------------------------------------------------------------


def test_there_are_at_least_two_content_and_three_style_samples():
    assert len(CONTENT) >= 2
    assert len(STYLE) >= 3
    assert sorted(CONTENT + STYLE) == sorted(ALL)
    assert len(set(ALL)) == len(ALL)


@pytest.mark.parametrize("name", ALL)
def test_every_sample_loads_as_uint8_rgb_at_least_256_wide(name):
    image = samples.load_sample(name)
    assert image.dtype == np.uint8
    assert image.ndim == 3 and image.shape[2] == 3
    assert image.shape[1] >= 256 and image.shape[0] >= 192


@pytest.mark.parametrize("name", ALL)
def test_every_sample_says_what_it_is_where_it_comes_from_and_its_license(name):
    sample = samples.SAMPLES[name]
    assert sample.name == name
    assert sample.kind in ("content", "style")
    for field in ("title", "description", "source", "license", "filename"):
        assert len(getattr(sample, field).strip()) > 3, field
    assert sample.path == samples.sample_path(name)


@pytest.mark.parametrize("name", [n for n in ALL if samples.SAMPLES[n].origin == "package"])
def test_bundled_files_are_small_and_inside_the_package(name):
    path = samples.sample_path(name)
    assert path.parent == samples.DATA_DIR
    assert path.stat().st_size < 150_000
    assert 400 <= _decode(path).shape[1] <= 640


def test_the_matplotlib_photo_is_read_from_matplotlib_not_copied():
    hopper = samples.SAMPLES["hopper"]
    assert hopper.origin == "matplotlib"
    path = samples.sample_path("hopper")
    assert Path(matplotlib.get_data_path()) in path.parents
    assert not (samples.DATA_DIR / hopper.filename).exists()
    assert "public domain" in hopper.license.lower()


def test_sources_file_names_every_bundled_and_gallery_file():
    text = (samples.DATA_DIR / "SOURCES.md").read_text(encoding="utf-8")
    for sample in samples.SAMPLES.values():
        assert sample.filename in text
    for item in gallery.GALLERY.values():
        assert f"`{item.name}`" in text
    shipped = {p.name for p in samples.DATA_DIR.iterdir() if p.suffix.lower() in (".jpg", ".png")}
    assert shipped == {s.filename for s in samples.SAMPLES.values() if s.origin == "package"}


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> dict[str, Path]:
    return samples.regenerate(tmp_path_factory.mktemp("regenerated"))


def test_regenerate_writes_every_generated_sample(regenerated):
    assert sorted(regenerated) == sorted(GENERATED)
    assert len(GENERATED) >= 4  # all style images and the two generated photos
    for name, path in regenerated.items():
        assert path.name == samples.SAMPLES[name].filename


@pytest.mark.parametrize("name", GENERATED)
def test_regenerate_reproduces_the_shipped_image(regenerated, name):
    again = _decode(regenerated[name])
    shipped = _decode(samples.sample_path(name))
    assert again.shape == shipped.shape
    # Same painting, same encoder: equal up to differences between JPEG libraries.
    assert np.abs(again.astype(int) - shipped.astype(int)).mean() < 0.5
    assert _psnr(again, shipped) > 45


@pytest.mark.parametrize("name", STYLE)
def test_style_images_are_textured_at_several_scales(name):
    image = samples.load_sample(name)
    smooth = _smooth_gradient(*image.shape[:2])
    assert _laplacian_energy(image) > 10 * _laplacian_energy(smooth)
    coarse, smooth_coarse = _block_mean(image, 4), _block_mean(smooth, 4)
    assert _laplacian_energy(coarse) > 10 * _laplacian_energy(smooth_coarse)


@pytest.mark.parametrize("name", STYLE)
def test_style_images_have_a_palette_with_spread(name):
    pixels = samples.load_sample(name).reshape(-1, 3).astype(int)
    assert pixels.std(axis=0).max() > 30
    coarse_colours = np.unique(pixels // 32, axis=0)  # colours on an 8x8x8 grid
    assert len(coarse_colours) >= 40
    chroma = pixels.max(axis=1) - pixels.min(axis=1)
    assert chroma.mean() > 20  # coloured, not grey


@pytest.mark.parametrize("name", CONTENT)
def test_content_images_are_not_constant(name):
    image = samples.load_sample(name)
    assert image.reshape(-1, 3).std(axis=0).min() > 15
    assert _laplacian_energy(image) > 5 * _laplacian_energy(_smooth_gradient(*image.shape[:2]))


def test_sample_names_filters_by_kind():
    assert all(samples.SAMPLES[n].kind == "style" for n in STYLE)
    assert all(samples.SAMPLES[n].kind == "content" for n in CONTENT)
    with pytest.raises(OptionError, match="kind='paint'"):
        samples.sample_names("paint")


def test_unknown_sample_name_suggests_the_closest_and_lists_all():
    with pytest.raises(OptionError) as info:
        samples.load_sample("swirl")
    message = str(info.value)
    assert "'swirl'" in message and "Did you mean 'swirls'?" in message
    for name in ALL:
        assert name in message


def test_missing_bundled_file_says_how_to_get_it_back(tmp_path, monkeypatch):
    monkeypatch.setattr(samples, "DATA_DIR", tmp_path)
    with pytest.raises(ImageNotFoundError, match="regenerate"):
        samples.sample_path("waves")


def test_regenerate_refuses_photos_and_unknown_names(tmp_path):
    with pytest.raises(OptionError, match="hopper"):
        samples.regenerate(tmp_path, ["hopper"])
    with pytest.raises(OptionError, match="Did you mean 'mosaic'"):
        samples.regenerate(tmp_path, ["mosiac"])


def test_regenerate_a_subset_into_a_new_folder(tmp_path):
    written = samples.regenerate(tmp_path / "new" / "folder", ["cubist"])
    assert list(written) == ["cubist"]
    assert _decode(written["cubist"]).shape == (384, 512, 3)


def test_thumbnail_is_a_small_png_of_the_sample():
    data = samples.thumbnail("relief", size=96)
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(io.BytesIO(data)) as image:
        thumb = np.asarray(image.convert("RGB"))
    full = samples.load_sample("relief")
    assert max(thumb.shape[:2]) == 96
    assert abs(thumb.shape[1] / thumb.shape[0] - full.shape[1] / full.shape[0]) < 0.05
    np.testing.assert_allclose(thumb.reshape(-1, 3).mean(0), full.reshape(-1, 3).mean(0), atol=4)


@pytest.mark.parametrize("size", [0, 7, 2000, 96.5, "96", True])
def test_thumbnail_rejects_bad_sizes(size):
    with pytest.raises(OptionError, match="size="):
        samples.thumbnail("swirls", size=size)

"""Tests of nst_teach.images (preprocess, to_rgb, noisy_image, resize_to, save_image): files are made in tmp_path.

References are independent of the code under test: OpenCV's resize called by
hand, NumPy formulas (x / 257, alpha compositing, palette lookup), and
layouts worked out by hand (EXIF rotation, BGR order).
"""

from __future__ import annotations

import errno
import io
import os
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from nst_teach import images
from nst_teach.defaults import IMG_SIZE, NOISE_RANGE, VGG_MEANS_BGR
from nst_teach.errors import ImageError, OptionError, SaveError
from nst_teach.images import (
    load_image,
    noisy_image,
    preprocess,
    resize_to,
    save_image,
    to_rgb,
)

MEANS = np.array(VGG_MEANS_BGR, dtype=np.float32)


# --------------------------------------------------------------------------- #
# Helpers that make pictures                                                  #
# --------------------------------------------------------------------------- #


def smooth_rgb(height: int = 48, width: int = 64) -> np.ndarray:
    """A smooth colourful uint8 picture (gradients), so that resizing is well behaved."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    red = 255 * x / (width - 1)
    green = 255 * y / (height - 1)
    blue = 127.5 + 100 * np.sin(x / 7.0) * np.cos(y / 5.0)
    return np.rint(np.dstack([red, green, blue])).astype(np.uint8)


def noise_rgb(height: int = 48, width: int = 64, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)


def encoded(image: Image.Image, image_format: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, **options)
    return buffer.getvalue()


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# --------------------------------------------------------------------------- #
# preprocess / load_image / to_rgb                                            #
# --------------------------------------------------------------------------- #


def test_load_then_to_rgb_equals_opencv_resize_of_the_input(tmp_path):
    rgb = smooth_rgb()
    path = write(tmp_path / "in.png", encoded(Image.fromarray(rgb), "PNG"))
    x = load_image(path, size=(40, 32))
    assert x.shape == (1, 32, 40, 3) and x.dtype == np.float32
    reference = cv2.resize(rgb, (40, 32), interpolation=cv2.INTER_CUBIC)  # RGB resized by hand
    assert np.abs(to_rgb(x).astype(int) - reference.astype(int)).max() <= 1


def test_load_without_resize_round_trips_exactly():
    rgb = noise_rgb()
    x = load_image(rgb, size=None)
    assert x.shape == (1, 48, 64, 3)
    np.testing.assert_array_equal(to_rgb(x), rgb)


def test_default_size_is_the_seeds_width_by_height():
    x = load_image(smooth_rgb(), IMG_SIZE)
    assert x.shape == (1, IMG_SIZE[1], IMG_SIZE[0], 3)


def test_preprocess_is_bgr_minus_means():
    rgb = noise_rgb()
    expected = rgb[:, :, ::-1].astype(np.float32) - MEANS
    np.testing.assert_allclose(preprocess(rgb, None)[0], expected, atol=1e-4)


def test_pure_red_lands_in_channel_2_of_bgr(tmp_path):
    red = np.zeros((40, 40, 3), np.uint8)
    red[..., 0] = 255
    for src in (red, write(tmp_path / "red.png", encoded(Image.fromarray(red), "PNG"))):
        x = load_image(src, size=None)[0] + MEANS  # back to plain BGR values
        np.testing.assert_allclose(x[..., 2], 255.0, atol=1e-3)
        np.testing.assert_allclose(x[..., :2], 0.0, atol=1e-3)


def test_to_rgb_clips_rounds_and_accepts_both_ranks():
    x = np.zeros((1, 32, 32, 3), np.float32)
    x[0, 0, 0] = 1000.0  # far above 255 after the means
    x[0, 0, 1] = -1000.0  # far below 0
    x[0, 0, 2] = (0.4, 0.6, -0.4)  # means + small offsets round to the nearest level
    rgb = to_rgb(x)
    assert rgb.dtype == np.uint8 and rgb.shape == (32, 32, 3)
    np.testing.assert_array_equal(rgb[0, 0], [255, 255, 255])
    np.testing.assert_array_equal(rgb[0, 1], [0, 0, 0])
    expected_bgr = np.rint(MEANS + np.array([0.4, 0.6, -0.4], np.float32))
    np.testing.assert_array_equal(rgb[0, 2], expected_bgr[::-1])
    np.testing.assert_array_equal(to_rgb(x[0]), rgb)


def test_to_rgb_accepts_tensorflow_tensors_and_variables():
    tf = pytest.importorskip("tensorflow")
    x = load_image(noise_rgb(), None)
    np.testing.assert_array_equal(to_rgb(tf.constant(x)), to_rgb(x))
    np.testing.assert_array_equal(to_rgb(tf.Variable(x)), to_rgb(x))


@pytest.mark.parametrize(
    "bad, fragment",
    [
        (np.zeros((2, 32, 32, 3), np.float32), "(2, 32, 32, 3)"),
        (np.zeros((32, 32), np.float32), "(32, 32)"),
        (np.full((1, 32, 32, 3), np.nan, np.float32), "NaN"),
        ("not an array", "str"),
    ],
)
def test_to_rgb_refuses_what_is_not_a_prepared_picture(bad, fragment):
    with pytest.raises(ImageError) as info:
        to_rgb(bad)
    assert fragment in str(info.value)


@pytest.mark.parametrize(
    "size, shown",
    [
        ((0, 300), "0×300"),
        ((400,), "(400,)"),
        ("400x300", "'400x300'"),
        ((400.5, 300), "(400.5, 300)"),
        ((16, 300), "16×300"),
        ((400, 16), "400×16"),
        ((True, 300), "(True, 300)"),
        ((400, 300, 3), "(400, 300, 3)"),
        (400, "400"),
    ],
)
def test_bad_sizes_raise_option_error_naming_the_value(size, shown):
    """A size of the right form but too small reads as width×height; any other value as it was typed."""
    for call in (lambda: preprocess(smooth_rgb(), size), lambda: resize_to(np.zeros((1, 40, 40, 3)), size)):
        with pytest.raises(OptionError) as info:
            call()
        assert shown in str(info.value) and "size" in str(info.value)


def test_a_size_beyond_the_pixel_budget_is_refused_before_any_work():
    with pytest.raises(OptionError, match="20000×20000") as info:
        preprocess(smooth_rgb(), (20000, 20000))
    assert f"{images.MAX_PIXELS:_}" in str(info.value)


def test_read_image_and_the_limits_are_still_reachable_from_images():
    from nst_teach import image_io, validate

    assert images.read_image is image_io.read_image
    assert images.MAX_PIXELS == image_io.MAX_PIXELS
    assert images.MIN_SIDE == validate.MIN_SIDE == 32


def test_preprocess_refuses_a_path_and_points_to_load_image(tmp_path):
    with pytest.raises(ImageError, match="load_image"):
        preprocess(str(tmp_path / "x.png"))


# --------------------------------------------------------------------------- #
# noisy_image                                                                 #
# --------------------------------------------------------------------------- #


def test_pure_noise_is_uniform_in_the_noise_range():
    noise = noisy_image(np.zeros((1, 60, 80, 3), np.float32), noise_ratio=1.0, seed=0)
    assert noise.dtype == np.float32 and noise.shape == (1, 60, 80, 3)
    assert noise.min() >= -NOISE_RANGE and noise.max() <= NOISE_RANGE
    assert abs(float(noise.mean())) < 1.0  # standard error ≈ 11.5 / √14400 ≈ 0.1
    uniform_std = 2 * NOISE_RANGE / np.sqrt(12)
    assert abs(float(noise.std()) / uniform_std - 1) < 0.05


def test_noisy_image_follows_the_formula():
    x = load_image(noise_rgb(), None)
    ratio, seed = 0.6, 123
    noise = np.random.default_rng(seed).uniform(-NOISE_RANGE, NOISE_RANGE, size=x.shape)
    expected = ratio * noise + (1 - ratio) * x
    np.testing.assert_allclose(noisy_image(x, ratio, seed=seed), expected, atol=1e-4)


def test_noisy_image_mean_shrinks_the_content():
    x = np.full((1, 60, 80, 3), 50.0, np.float32)
    out = noisy_image(x, 0.6, seed=1)
    assert abs(float(out.mean()) - 0.4 * 50.0) < 1.0
    assert out.min() >= 0.4 * 50 - 0.6 * NOISE_RANGE - 1e-4
    assert out.max() <= 0.4 * 50 + 0.6 * NOISE_RANGE + 1e-4


def test_noisy_image_seeds():
    x = np.zeros((1, 40, 40, 3), np.float32)
    np.testing.assert_array_equal(noisy_image(x, seed=7), noisy_image(x, seed=7))
    assert not np.array_equal(noisy_image(x, seed=7), noisy_image(x, seed=8))


def test_noise_ratio_zero_returns_the_content():
    x = load_image(noise_rgb(), None)
    np.testing.assert_array_equal(noisy_image(x, noise_ratio=0.0, seed=3), x)


@pytest.mark.parametrize("ratio", [-0.1, 1.5, float("nan"), float("inf"), "0.5", None, True])
def test_invalid_noise_ratio_raises_option_error(ratio):
    with pytest.raises(OptionError) as info:
        noisy_image(np.zeros((1, 40, 40, 3)), noise_ratio=ratio)
    assert repr(ratio) in str(info.value)


def test_invalid_seed_raises_option_error():
    with pytest.raises(OptionError, match="seed"):
        noisy_image(np.zeros((1, 40, 40, 3)), seed=-1)


# --------------------------------------------------------------------------- #
# resize_to                                                                   #
# --------------------------------------------------------------------------- #


def test_resize_to_agrees_with_resizing_before_preprocessing():
    rgb = smooth_rgb()
    resized_late = resize_to(load_image(rgb, None), (40, 32))
    resized_early = load_image(rgb, (40, 32))
    assert resized_late.shape == (1, 32, 40, 3) and resized_late.dtype == np.float32
    assert np.abs(resized_late - resized_early).max() <= 1.0  # uint8 vs float rounding


def test_resize_to_keeps_a_constant_picture_constant_and_copies():
    x = np.full((48, 64, 3), -5.0, np.float32)  # no batch axis: one is added
    np.testing.assert_allclose(resize_to(x, (100, 80)), -5.0, atol=1e-4)
    same = resize_to(x[np.newaxis], (64, 48))
    np.testing.assert_array_equal(same, x[np.newaxis])
    assert not np.shares_memory(same, x)


def test_resize_to_refuses_a_non_picture():
    with pytest.raises(ImageError, match=r"\(1, 40, 40\)"):
        resize_to(np.zeros((1, 40, 40)), (64, 48))


# --------------------------------------------------------------------------- #
# save_image                                                                  #
# --------------------------------------------------------------------------- #


def test_save_png_round_trip_and_no_temporary_files(tmp_path):
    rgb = noise_rgb()
    target = tmp_path / "out" / "result.png"  # the folder is created
    written = save_image(preprocess(rgb, None), target)
    assert written == target
    np.testing.assert_array_equal(np.array(Image.open(target)), rgb)
    assert [p.name for p in target.parent.iterdir()] == ["result.png"]


def test_save_jpeg_is_close_and_uint8_is_saved_as_is(tmp_path):
    rgb = smooth_rgb()
    target = save_image(rgb, tmp_path / "result.JPG")
    with Image.open(target) as image:
        assert image.format == "JPEG"
        assert np.abs(np.array(image).astype(int) - rgb).mean() < 2.0


def test_save_refuses_unknown_extensions_and_writes_nothing(tmp_path):
    with pytest.raises(OptionError, match=r"\.gif"):
        save_image(smooth_rgb(), tmp_path / "result.gif")
    assert list(tmp_path.iterdir()) == []


def test_a_failing_write_leaves_the_old_file_and_no_partial_file(tmp_path, monkeypatch):
    target = tmp_path / "result.png"
    target.write_bytes(b"old content")

    def failing_save(self, fp, *args, **kwargs):
        fp.write(b"half a picture")
        raise OSError("disk full")

    monkeypatch.setattr(Image.Image, "save", failing_save)
    with pytest.raises(OSError, match="disk full"):
        save_image(smooth_rgb(), target)
    assert target.read_bytes() == b"old content"
    assert [p.name for p in tmp_path.iterdir()] == ["result.png"]


def _disk_full(self, fp, *args, **kwargs):
    fp.write(b"the first half of a picture")
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.mark.parametrize("existed", [True, False])
def test_a_full_disk_says_so_and_keeps_the_previous_file(tmp_path, monkeypatch, existed):
    target = tmp_path / "result.jpg"
    if existed:
        save_image(smooth_rgb(), target)
        previous = target.read_bytes()
    monkeypatch.setattr(Image.Image, "save", _disk_full)
    with pytest.raises(SaveError) as info:
        save_image(noise_rgb(), target)
    message = str(info.value)
    assert str(target) in message and "disk is full" in message and "No space left on device" in message
    assert ("previous result.jpg is unchanged" if existed else "Nothing was written") in message
    assert isinstance(info.value, OSError) and info.value.errno == errno.ENOSPC
    assert [p.name for p in tmp_path.iterdir()] == (["result.jpg"] if existed else [])  # no partial file left
    if existed:
        assert target.read_bytes() == previous


def test_a_read_only_folder_says_so_and_keeps_the_previous_file(tmp_path, monkeypatch):
    """A read-only folder, simulated: the tests run as root, which ignores permission bits, so ``os.access``
    (which save_image asks first) says the folder is not writable, and then the OS's own refusal (the
    ``PermissionError`` that ``open`` raises for other users) is simulated too."""
    target = tmp_path / "result.png"
    save_image(smooth_rgb(), target)
    previous = target.read_bytes()
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: False if mode & os.W_OK else real_access(p, mode, **kw))
    with pytest.raises(SaveError) as info:
        save_image(noise_rgb(), target)
    monkeypatch.setattr(os, "access", real_access)
    message = str(info.value)
    assert f"the folder '{tmp_path}' is not writable" in message and "previous result.png is unchanged" in message
    assert "folder you can write to" in message and info.value.errno == errno.EACCES

    def refused(path, *args, **kwargs):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))

    monkeypatch.setattr(images, "open", refused, raising=False)  # save_image's open, not the test's
    with pytest.raises(SaveError, match="not writable"):
        save_image(noise_rgb(), target)
    assert target.read_bytes() == previous and [p.name for p in tmp_path.iterdir()] == ["result.png"]


# ---------------------------------------------------------------------------------------------
# shuffle_tiles: the layout goes, the texture stays (notebook 04)
# ---------------------------------------------------------------------------------------------


def _tiles(array, rows, cols):
    h, w = array.shape[0] // rows, array.shape[1] // cols
    return [array[r * h : (r + 1) * h, c * w : (c + 1) * w] for r in range(rows) for c in range(cols)]


def test_shuffle_tiles_moves_every_tile_and_keeps_them_all():
    rng = np.random.default_rng(3)
    rgb = rng.integers(0, 256, (30, 41, 3), dtype=np.uint8)  # 41 is not a multiple of 4: cropped to 40
    out = images.shuffle_tiles(rgb, (3, 4), seed=5)
    assert out.shape == (30, 40, 3) and out.dtype == np.uint8
    before, after = _tiles(rgb[:, :40], 3, 4), _tiles(out, 3, 4)
    assert sorted(t.tobytes() for t in before) == sorted(t.tobytes() for t in after)  # the same tiles...
    assert all(not np.array_equal(b, a) for b, a in zip(before, after))  # ...none in its place
    np.testing.assert_array_equal(out, images.shuffle_tiles(rgb, (3, 4), seed=5))  # a seed repeats
    assert not np.array_equal(out, images.shuffle_tiles(rgb, (3, 4), seed=6))


def test_shuffle_tiles_keeps_a_batch_a_batch_and_refuses_bad_grids():
    batch = np.zeros((1, 8, 8, 3), np.float32)
    assert images.shuffle_tiles(batch, (2, 2)).shape == (1, 8, 8, 3)
    for grid in [(1, 1), (9, 1), (2, 2.5), "2x2"]:
        with pytest.raises(OptionError, match="grid"):
            images.shuffle_tiles(batch, grid)

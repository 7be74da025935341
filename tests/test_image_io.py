"""Tests of nst_teach.image_io (read_image): every picture file is made here, in tmp_path.

References are independent of the code under test: NumPy formulas (x / 257,
alpha compositing, palette lookup) and layouts worked out by hand (EXIF rotation).
"""

from __future__ import annotations

import io
import struct
import warnings
import zlib

import cv2
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays
from PIL import Image
from test_images import encoded, noise_rgb, smooth_rgb, write

from nst_teach import errors, image_io
from nst_teach.errors import ImageError, ImageNotFoundError, NSTError, NSTWarning, OptionError
from nst_teach.images import MIN_SIDE, load_image, read_image


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width × height`` pixels, with (almost) no pixel data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


# --------------------------------------------------------------------------- #
# Reading files of every kind                                                 #
# --------------------------------------------------------------------------- #


def test_grayscale_png_becomes_three_equal_channels(tmp_path):
    gray = smooth_rgb()[..., 1]
    path = write(tmp_path / "gray.png", encoded(Image.fromarray(gray, mode="L"), "PNG"))
    rgb = read_image(path)
    assert rgb.shape == (48, 64, 3) and rgb.dtype == np.uint8
    for channel in range(3):
        np.testing.assert_array_equal(rgb[..., channel], gray)


def rgba_sample() -> tuple[np.ndarray, np.ndarray]:
    """An RGBA picture and its composite on white, computed by hand for three pixels."""
    rgba = np.zeros((40, 40, 4), np.uint8)
    rgba[..., :3] = (10, 20, 30)
    rgba[..., 3] = 255
    rgba[0, 0] = (0, 0, 0, 0)  # fully transparent black -> white
    rgba[0, 1] = (0, 0, 0, 128)  # half-transparent black -> 255 * (1 - 128/255) = 127
    expected = np.zeros((40, 40, 3), np.uint8)
    expected[...] = (10, 20, 30)
    expected[0, 0] = 255
    expected[0, 1] = 127
    return rgba, expected


def test_rgba_png_is_composited_on_white_with_a_warning(tmp_path):
    rgba, expected = rgba_sample()
    path = write(tmp_path / "rgba.png", encoded(Image.fromarray(rgba, mode="RGBA"), "PNG"))
    with pytest.warns(UserWarning, match="transparen"):
        rgb = read_image(path)
    np.testing.assert_array_equal(rgb, expected)


def test_opaque_rgba_gives_no_warning(tmp_path):
    rgba = np.dstack([noise_rgb(), np.full((48, 64), 255, np.uint8)])
    path = write(tmp_path / "opaque.png", encoded(Image.fromarray(rgba, mode="RGBA"), "PNG"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(read_image(path), rgba[..., :3])


def test_gray_with_alpha_is_composited_on_white(tmp_path):
    la = np.zeros((40, 40, 2), np.uint8)
    la[..., 0] = 50
    la[..., 1] = 255
    la[:, :20, 1] = 0
    path = write(tmp_path / "la.png", encoded(Image.fromarray(la, mode="LA"), "PNG"))
    with pytest.warns(UserWarning, match="transparen"):
        rgb = read_image(path)
    assert (rgb[:, :20] == 255).all() and (rgb[:, 20:] == 50).all()


def test_palette_png_matches_a_palette_lookup_by_hand(tmp_path):
    palette_image = Image.fromarray(smooth_rgb()).quantize(colors=16)
    path = write(tmp_path / "palette.png", encoded(palette_image, "PNG"))
    palette = np.array(palette_image.getpalette(), np.uint8).reshape(-1, 3)
    expected = palette[np.array(palette_image)]
    np.testing.assert_array_equal(read_image(path), expected)


def test_palette_png_with_a_transparent_colour_is_flattened_on_white(tmp_path):
    image = Image.new("P", (40, 40), 0)
    image.putpalette([255, 0, 0, 0, 255, 0] + [0, 0, 0] * 254)
    image.paste(1, (20, 0, 40, 40))  # right half: palette entry 1 (green)
    path = write(tmp_path / "trns.png", encoded(image, "PNG", transparency=0))
    with pytest.warns(UserWarning, match="transparen"):
        rgb = read_image(path)
    assert (rgb[:, :20] == 255).all()
    assert (rgb[:, 20:] == (0, 255, 0)).all()


def test_16bit_gray_png_is_divided_by_257(tmp_path):
    gray16 = np.random.default_rng(1).integers(0, 65536, (40, 48), dtype=np.uint16)
    path = tmp_path / "gray16.png"
    assert cv2.imwrite(str(path), gray16)
    rgb = read_image(path)
    expected = np.rint(gray16 / 257.0).astype(np.uint8)
    for channel in range(3):
        np.testing.assert_array_equal(rgb[..., channel], expected)


@pytest.mark.parametrize("suffix", [".png", ".tif"])
def test_16bit_rgb_written_by_opencv_is_divided_by_257(tmp_path, suffix):
    rgb16 = np.random.default_rng(2).integers(0, 65536, (40, 48, 3), dtype=np.uint16)
    rgb16[0, 0] = (200, 65400, 65535)  # dropping the low byte would give 0 and 255, not 1 and 254
    path = tmp_path / f"rgb16{suffix}"
    assert cv2.imwrite(str(path), rgb16[..., ::-1])  # OpenCV writes BGR
    np.testing.assert_array_equal(read_image(path), np.rint(rgb16 / 257.0).astype(np.uint8))


def test_float_tiff_in_0_1_is_scaled_by_255(tmp_path):
    values = np.linspace(0.0, 1.0, 40 * 48, dtype=np.float32).reshape(40, 48)
    path = tmp_path / "float.tif"
    Image.fromarray(values, mode="F").save(path)
    rgb = read_image(path)
    np.testing.assert_array_equal(rgb[..., 0], np.rint(values.astype(np.float64) * 255).astype(np.uint8))


def test_float_tiff_beyond_255_is_stretched_with_a_warning(tmp_path):
    values = np.linspace(-100.0, 900.0, 40 * 48, dtype=np.float32).reshape(40, 48)
    path = tmp_path / "wide.tif"
    Image.fromarray(values, mode="F").save(path)
    with pytest.warns(UserWarning, match="stretched"):
        rgb = read_image(path)
    expected = np.rint((values.astype(np.float64) + 100.0) * 255.0 / 1000.0).astype(np.uint8)
    np.testing.assert_array_equal(rgb[..., 2], expected)


def test_cmyk_tiff_becomes_rgb(tmp_path):
    cmyk = np.zeros((40, 40, 4), np.uint8)
    cmyk[:, 10:20, 3] = 255  # black ink
    cmyk[:, 20:30, 0] = 255  # cyan ink
    path = tmp_path / "cmyk.tif"
    Image.fromarray(cmyk, mode="CMYK").save(path)
    rgb = read_image(path)
    assert (rgb[:, :10] == 255).all()  # no ink: white
    assert (rgb[:, 10:20] == 0).all()  # black
    assert (rgb[:, 20:30] == (0, 255, 255)).all()  # cyan


def test_exif_orientation_6_is_rotated_clockwise(tmp_path):
    stored = np.zeros((48, 64, 3), np.uint8)  # stored 64 wide, 48 high
    stored[:24] = (255, 0, 0)  # top half red
    stored[24:] = (0, 0, 255)  # bottom half blue
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    path = write(tmp_path / "phone.jpg", encoded(Image.fromarray(stored), "JPEG", exif=exif, quality=95))
    rgb = read_image(path).astype(int)
    assert rgb.shape == (64, 48, 3)  # width and height swapped
    # Turned clockwise, the stored top edge becomes the right edge.
    right, left = rgb[:, 30:], rgb[:, :18]
    assert right[..., 0].mean() > 230 and right[..., 2].mean() < 25
    assert left[..., 2].mean() > 230 and left[..., 0].mean() < 25


def test_animated_gif_gives_its_first_frame_and_a_warning(tmp_path):
    frames = [Image.new("RGB", (40, 40), "red"), Image.new("RGB", (40, 40), "blue")]
    path = tmp_path / "anim.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100, loop=0)
    with pytest.warns(UserWarning, match="2 frames"):
        rgb = read_image(path)
    assert (rgb == (255, 0, 0)).all()


def test_big_jpeg_is_decoded_smaller_when_it_exceeds_the_budget(tmp_path):
    path = write(tmp_path / "big.jpg", encoded(Image.fromarray(smooth_rgb(384, 512)), "JPEG"))
    with pytest.warns(UserWarning, match="1/2"):
        rgb = read_image(path, max_pixels=60_000)  # 512×384 = 196_608 > 60_000 >= 256×192
    assert rgb.shape == (192, 256, 3)
    with pytest.raises(ImageError, match="max_pixels"):
        read_image(path, max_pixels=1_000)  # would need 1/16: libjpeg stops at 1/8


def test_missing_file_suggests_a_close_name(tmp_path):
    write(tmp_path / "cat.png", encoded(Image.new("RGB", (40, 40)), "PNG"))
    with pytest.raises(ImageNotFoundError, match="Did you mean 'cat.png'"):
        read_image(tmp_path / "cta.png")


def test_missing_file_suggests_only_a_plausible_name(tmp_path):
    write(tmp_path / "out.jpg", encoded(Image.new("RGB", (40, 40)), "JPEG"))
    with pytest.raises(ImageNotFoundError) as info:
        read_image(tmp_path / "content.jpg")
    assert "content.jpg" in str(info.value) and "does not exist" in str(info.value)
    assert "Did you mean" not in str(info.value) and "out.jpg" not in str(info.value)


def test_the_warnings_of_read_image_are_one_line_nst_teach_warnings(capsys):
    rgba, _ = rgba_sample()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        read_image(rgba)
    assert [w.category for w in caught] == [image_io.ImageWarning]
    assert issubclass(image_io.ImageWarning, NSTWarning) and issubclass(image_io.ImageWarning, UserWarning)
    shown = io.StringIO()  # errors installs _show_warning as warnings.showwarning; pytest swaps it out in tests
    errors._show_warning(caught[0].message, caught[0].category, caught[0].filename, caught[0].lineno, file=shown)
    assert shown.getvalue() == f"nst-teach: warning: {caught[0].message}\n"
    assert "transparen" in shown.getvalue() and shown.getvalue().count("\n") == 1


def test_a_pillow_image_is_accepted():
    rgb = noise_rgb()
    np.testing.assert_array_equal(read_image(Image.fromarray(rgb)), rgb)


# --------------------------------------------------------------------------- #
# Bad inputs: one table                                                       #
# --------------------------------------------------------------------------- #


def _valid_jpeg() -> bytes:
    return encoded(Image.fromarray(noise_rgb()), "JPEG")


def _corrupted_png() -> bytes:
    data = bytearray(encoded(Image.fromarray(noise_rgb()), "PNG"))
    middle = len(data) // 2
    data[middle : middle + 50] = b"\x00" * 50  # inside the compressed pixel data
    return bytes(data)


BAD_FILES = {
    # id: (file name, content or None for "do not create", max_pixels, error class, fragments)
    "missing": ("missing.jpg", None, None, ImageNotFoundError, ["does not exist"]),
    "empty": ("empty.png", b"", None, ImageError, ["empty", "0 bytes"]),
    "text-as-jpg": ("notes.jpg", b"shopping list: eggs, milk\n", None, ImageError, ["not an image", "text"]),
    "pdf-as-png": ("doc.png", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj", None, ImageError, ["not an image", "%PDF"]),
    "html-as-jpg": ("page.jpg", b"<!DOCTYPE html><html><body>", None, ImageError, ["not an image", "web page"]),
    "binary-junk": ("junk.png", bytes(range(200, 256)) * 4, None, ImageError, ["not an image"]),
    "heic": ("photo.jpg", b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", None, ImageError, ["HEIC"]),
    "svg": (
        "drawing.png",
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>',
        None,
        ImageError,
        ["SVG"],
    ),
    "truncated-jpeg": ("half.jpg", _valid_jpeg()[: len(_valid_jpeg()) // 2], None, ImageError, ["truncated"]),
    "corrupted-png": ("broken.png", _corrupted_png(), None, ImageError, ["damaged"]),
    "1x1": ("dot.png", encoded(Image.new("RGB", (1, 1)), "PNG"), None, ImageError, ["1×1", f"{MIN_SIDE}×{MIN_SIDE}"]),
    "10x500": ("strip.png", encoded(Image.new("RGB", (10, 500)), "PNG"), None, ImageError, ["10×500", "32"]),
    "huge-header": ("huge.png", png_header_only(20000, 20000), None, ImageError, ["20000×20000", "max_pixels"]),
    "over-budget": (
        "small.png",
        encoded(Image.new("RGB", (64, 48)), "PNG"),
        1000,
        ImageError,
        ["64×48", "max_pixels=1_000"],
    ),
}


@pytest.mark.parametrize("case", list(BAD_FILES), ids=list(BAD_FILES))
def test_bad_files_raise_a_clear_image_error(tmp_path, case):
    name, content, max_pixels, error, fragments = BAD_FILES[case]
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    kwargs = {} if max_pixels is None else {"max_pixels": max_pixels}
    with pytest.raises(error) as info:
        load_image(path, **kwargs)
    message = str(info.value)
    assert name in message
    for fragment in fragments:
        assert fragment in message


def test_a_directory_is_refused(tmp_path):
    folder = tmp_path / "holiday"
    folder.mkdir()
    with pytest.raises(ImageError, match="directory") as info:
        read_image(folder)
    assert "holiday" in str(info.value)


@pytest.mark.parametrize(
    "src, fragment",
    [
        ("ftp://example.com/cat.jpg", "ftp"),
        ("file:///tmp/cat.jpg", "file"),
        ("data:image/png;base64,iVBORw0KGgo=", "data"),
        (42, "int"),
        (None, "NoneType"),
    ],
)
def test_unsupported_sources_are_refused_without_network(src, fragment):
    with pytest.raises(ImageError) as info:
        read_image(src)
    assert fragment in str(info.value)


@pytest.mark.parametrize("max_pixels", [0, -5, 1.5, True, "many"])
def test_bad_max_pixels_raises_option_error(max_pixels):
    with pytest.raises(OptionError, match="max_pixels"):
        read_image(smooth_rgb(), max_pixels=max_pixels)


def test_max_pixels_is_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("NST_TEACH_MAX_PIXELS", "1_000")
    assert image_io._max_pixels_from_env(default=7) == 1000
    monkeypatch.setenv("NST_TEACH_MAX_PIXELS", "lots")
    with pytest.warns(UserWarning, match="NST_TEACH_MAX_PIXELS"):
        assert image_io._max_pixels_from_env(default=7) == 7
    monkeypatch.delenv("NST_TEACH_MAX_PIXELS")
    assert image_io._max_pixels_from_env(default=7) == 7


# --------------------------------------------------------------------------- #
# Arrays                                                                      #
# --------------------------------------------------------------------------- #


def test_uint8_rgb_array_is_copied_not_viewed():
    rgb = noise_rgb()
    out = read_image(rgb)
    np.testing.assert_array_equal(out, rgb)
    out[0, 0] = 0
    assert not np.shares_memory(out, rgb)


@pytest.mark.parametrize(
    "make, expected",
    [
        (lambda g: g, lambda g: g),  # (H, W) gray uint8
        (lambda g: g[..., None], lambda g: g),  # (H, W, 1)
        (lambda g: g.astype(np.uint16) * 257, lambda g: g),  # uint16: / 257
        (lambda g: g.astype(np.float32) / 255, lambda g: g),  # floats in 0..1: * 255
        (lambda g: g.astype(np.int64), lambda g: g),  # other integers in 0..255
        (lambda g: g > 127, lambda g: np.where(g > 127, 255, 0).astype(np.uint8)),  # bool
    ],
    ids=["gray", "gray-1-channel", "uint16", "float-0-1", "int64", "bool"],
)
def test_gray_arrays_of_each_kind(make, expected):
    gray = smooth_rgb()[..., 0]
    rgb = read_image(make(gray))
    assert rgb.shape == (48, 64, 3) and rgb.dtype == np.uint8
    for channel in range(3):
        np.testing.assert_array_equal(rgb[..., channel], expected(gray))


def test_rgba_array_is_composited_on_white():
    rgba, expected = rgba_sample()
    with pytest.warns(UserWarning, match="transparen"):
        np.testing.assert_array_equal(read_image(rgba), expected)


def test_float_rgb_array_in_0_1():
    rgb = noise_rgb()
    np.testing.assert_array_equal(read_image(rgb / 255.0), rgb)


BAD_ARRAYS = {
    "float-beyond-1": (np.full((40, 40, 3), 2.0), ["0..1", "to_rgb"]),
    "nan": (np.full((40, 40, 3), np.nan, np.float32), ["NaN"]),
    "rank-4": (np.zeros((2, 40, 40, 3), np.uint8), ["(2, 40, 40, 3)"]),
    "prepared-batch": (np.zeros((1, 40, 40, 3), np.float32), ["to_rgb"]),
    "two-channels": (np.zeros((40, 40, 2), np.uint8), ["(40, 40, 2)"]),
    "rank-1": (np.zeros(40, np.uint8), ["(40,)"]),
    "zero-size": (np.zeros((0, 40, 3), np.uint8), ["empty"]),
    "int-beyond-255": (np.full((40, 40), 300, np.int32), ["300", "0..255"]),
    "complex": (np.zeros((40, 40, 3), np.complex64), ["complex64"]),
    "object": (np.empty((40, 40, 3), dtype=object), ["object"]),
    "too-small": (np.zeros((8, 20, 3), np.uint8), ["20×8", "32"]),
}


@pytest.mark.parametrize("case", list(BAD_ARRAYS), ids=list(BAD_ARRAYS))
def test_bad_arrays_raise_image_error_naming_shape_or_dtype(case):
    array, fragments = BAD_ARRAYS[case]
    with pytest.raises(ImageError) as info:
        load_image(array)
    for fragment in fragments:
        assert fragment in str(info.value)


# --------------------------------------------------------------------------- #
# Properties: anything in, a picture or an NSTError out                       #
# --------------------------------------------------------------------------- #

_VALID_FILES = [
    encoded(Image.fromarray(noise_rgb(40, 40, seed=3)), "PNG"),
    encoded(Image.fromarray(noise_rgb(40, 40, seed=4)), "JPEG"),
    encoded(Image.fromarray(noise_rgb(40, 40, seed=5)).quantize(8), "GIF"),
    encoded(Image.fromarray(noise_rgb(40, 40, seed=6)), "TIFF"),
    encoded(Image.fromarray(noise_rgb(40, 40, seed=7)), "BMP"),
]


@st.composite
def damaged_files(draw) -> bytes:
    """A valid small picture file with a few bytes changed and perhaps cut short."""
    data = bytearray(draw(st.sampled_from(_VALID_FILES)))
    for position, value in draw(st.lists(st.tuples(st.integers(0, len(data) - 1), st.integers(0, 255)), max_size=6)):
        data[position] = value
    return bytes(data[: draw(st.integers(0, len(data)))])


file_contents = st.one_of(
    st.binary(max_size=600),
    st.tuples(
        st.sampled_from([b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF89a", b"II*\x00", b"BM"]), st.binary(max_size=400)
    ).map(lambda parts: parts[0] + parts[1]),
    damaged_files(),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=file_contents, suffix=st.sampled_from([".png", ".jpg", ".gif", ".tif", ".bmp", ".webp"]))
def test_any_file_content_gives_a_picture_or_an_nst_error(tmp_path, content, suffix):
    path = tmp_path / f"random{suffix}"
    path.write_bytes(content)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            x = load_image(path, size=(40, 32))
        except NSTError:
            return
    assert x.shape == (1, 32, 40, 3) and x.dtype == np.float32 and np.isfinite(x).all()


_dtypes = st.sampled_from([np.uint8, np.uint16, np.int16, np.float32, np.float64, np.bool_])
_shapes = st.one_of(
    array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=5),
    st.tuples(st.integers(30, 36), st.integers(30, 36)),
    st.tuples(st.integers(30, 36), st.integers(30, 36), st.sampled_from([1, 2, 3, 4])),
)
array_inputs = st.one_of(
    arrays(_dtypes, _shapes),
    arrays(np.float32, _shapes, elements=st.floats(0, 1, width=32)),
)


@settings(max_examples=60, deadline=None)
@given(array=array_inputs)
def test_any_array_gives_a_picture_or_an_nst_error(array):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            rgb = read_image(array)
        except NSTError:
            return
    assert rgb.dtype == np.uint8 and rgb.shape == (array.shape[0], array.shape[1], 3)


def test_a_bundled_picture_is_read_by_its_name(tmp_path, monkeypatch):
    from nst_teach.samples import load_sample, sample_names

    monkeypatch.chdir(tmp_path)
    for name in sample_names():
        np.testing.assert_array_equal(read_image(name), load_sample(name))
    Image.fromarray(np.zeros((40, 50, 3), np.uint8)).save(tmp_path / "cottage", format="PNG")
    assert read_image("cottage").shape == (40, 50, 3)  # a file of that name in the folder comes first


def test_a_name_that_is_neither_a_file_nor_a_sample_lists_the_samples(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ImageNotFoundError) as info:
        read_image("cotage")
    message = str(info.value)
    assert "the file does not exist" in message and "no bundled sample has that name" in message
    assert "Did you mean 'cottage'?" in message and "swirls" in message
    with pytest.raises(ImageNotFoundError) as info:
        read_image(tmp_path / "sub" / "cottage.jpg")  # a path in a folder: a file was meant, not a sample
    assert "sample" not in str(info.value)

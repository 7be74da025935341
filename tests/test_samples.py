"""Tests for nst_teach.samples: the bundled images, their provenance, regeneration and the gallery.

The gallery tests never touch the internet: they serve tiny generated files from
a local HTTP server on 127.0.0.1 and point the gallery records at it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import http.server
import io
import re
import socket
import threading
from pathlib import Path
from types import MappingProxyType

import matplotlib
import numpy as np
import pytest
from PIL import Image
from scipy import ndimage

from nst_teach import samples
from nst_teach.download import DownloadError
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
    for item in samples.GALLERY.values():
        assert f"`{item.name}`" in text
    shipped = {p.name for p in samples.DATA_DIR.iterdir() if p.suffix.lower() in (".jpg", ".png")}
    assert shipped == {s.filename for s in samples.SAMPLES.values() if s.origin == "package"}


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> dict[str, Path]:
    return samples.regenerate(tmp_path_factory.mktemp("regenerated"))


def test_regenerate_writes_every_generated_sample(regenerated):
    assert sorted(regenerated) == sorted(GENERATED)
    assert len(GENERATED) >= 4    # all style images and the two generated photos
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


@pytest.mark.parametrize("name", ["swirls", "mosaic", "waves", "cubist"])
def test_painters_are_deterministic_and_follow_their_seed(name):
    make = samples.SAMPLES[name].make
    a = make(96, 64, seed=5)
    b = make(96, 64, seed=5)
    c = make(96, 64, seed=6)
    assert a.shape == (64, 96, 3) and a.dtype == np.uint8
    np.testing.assert_array_equal(a, b)
    assert np.abs(a.astype(int) - c.astype(int)).mean() > 1


def test_the_shipped_file_is_the_painter_output_up_to_jpeg_compression():
    painted = samples.make_mosaic()
    shipped = _decode(samples.sample_path("mosaic"))
    assert painted.shape == shipped.shape
    assert _psnr(painted, shipped) > 28
    # and it is not just any image of the right size: another seed is far off
    assert _psnr(samples.make_mosaic(seed=80), shipped) < 20


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
    coarse_colours = np.unique(pixels // 32, axis=0)      # colours on an 8x8x8 grid
    assert len(coarse_colours) >= 40
    chroma = pixels.max(axis=1) - pixels.min(axis=1)
    assert chroma.mean() > 20    # coloured, not grey


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


# ---------------------------------------------------------------------------------------------
# The gallery records
# ---------------------------------------------------------------------------------------------


def test_gallery_has_the_classic_inputs_with_provenance():
    assert set(samples.gallery_names()) >= {"tubingen", "starry_night", "the_scream", "golden_gate"}
    assert set(samples.gallery_names("style")) >= {"starry_night", "the_scream"}
    for item in samples.GALLERY.values():
        assert item.url.startswith("https://raw.githubusercontent.com/jcjohnson/neural-style/")
        assert item.url.endswith("/" + item.filename)
        assert re.fullmatch(r"[0-9a-f]{64}", item.sha256)
        for field in ("title", "author", "date", "license"):
            assert getattr(item, field).strip(), field
        assert samples.SAMPLES[item.fallback].kind == item.kind
    assert "CC BY" in samples.GALLERY["tubingen"].license
    assert "public domain" in samples.GALLERY["starry_night"].license.lower()
    assert "not stated" in samples.GALLERY["golden_gate"].license


def test_unknown_gallery_name_suggests_the_closest():
    with pytest.raises(OptionError, match="Did you mean 'starry_night'"):
        samples.fetch_gallery("stary_night")


# ---------------------------------------------------------------------------------------------
# Fetching, with a local server instead of the internet
# ---------------------------------------------------------------------------------------------


def _tiny_png(seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    buffer = io.BytesIO()
    Image.fromarray(rng.integers(0, 256, (40, 48, 3), dtype=np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()


class _Server:
    """A local HTTP server that serves ``files`` and counts the requests it answers."""

    def __init__(self, files: dict[str, bytes]):
        self.files = files
        self.requests: list[str] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's naming)
                server.requests.append(self.path)
                body = server.files.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def _unused_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def tiny() -> bytes:
    return _tiny_png(0)


@pytest.fixture
def server(tiny):
    srv = _Server({"/tiny.png": tiny})
    yield srv
    srv.close()


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """A private cache, no gallery folder, and no proxy between us and 127.0.0.1."""
    monkeypatch.setenv("NST_TEACH_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv(samples.GALLERY_DIR_ENV, raising=False)
    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("no_proxy", "*")
    monkeypatch.setenv("NO_PROXY", "*")
    return tmp_path


def _point_record(monkeypatch, name: str, url: str, sha256: str, filename: str = "tiny.png") -> None:
    records = dict(samples.GALLERY)
    records[name] = dataclasses.replace(records[name], url=url, sha256=sha256, filename=filename)
    monkeypatch.setattr(samples, "GALLERY", MappingProxyType(records))


def test_fetch_gallery_downloads_verifies_and_caches(isolated, server, tiny, monkeypatch):
    _point_record(monkeypatch, "starry_night", server.url + "/tiny.png", hashlib.sha256(tiny).hexdigest())
    first = samples.fetch_gallery("starry_night", timeout=5)
    assert first.read_bytes() == tiny
    assert server.requests == ["/tiny.png"]
    second = samples.fetch_gallery("starry_night", timeout=5)
    assert second == first
    assert server.requests == ["/tiny.png"]       # served from the cache the second time


def test_fetch_gallery_refuses_a_file_with_the_wrong_checksum(isolated, server, monkeypatch):
    wrong = hashlib.sha256(_tiny_png(1)).hexdigest()
    _point_record(monkeypatch, "the_scream", server.url + "/tiny.png", wrong)
    with pytest.raises(DownloadError, match="SHA-256"):
        samples.fetch_gallery("the_scream", timeout=5)
    downloads = isolated / "cache" / "downloads"
    assert not downloads.exists() or not any(downloads.iterdir())   # nothing wrong was kept


def test_gallery_or_fallback_uses_the_download_when_it_works(isolated, server, tiny, monkeypatch):
    _point_record(monkeypatch, "tubingen", server.url + "/tiny.png", hashlib.sha256(tiny).hexdigest())
    path, message = samples.gallery_or_fallback("tubingen", timeout=5)
    assert path.read_bytes() == tiny
    assert "Neckarfront" in message and "Praefcke" in message and "CC BY" in message


def test_gallery_or_fallback_offline_uses_a_bundled_sample_and_says_so(isolated, tiny, monkeypatch):
    url = f"http://127.0.0.1:{_unused_port()}/tiny.png"
    _point_record(monkeypatch, "starry_night", url, hashlib.sha256(tiny).hexdigest())
    with pytest.raises(DownloadError):
        samples.fetch_gallery("starry_night", timeout=2)
    path, message = samples.gallery_or_fallback("starry_night", timeout=2)
    assert path == samples.sample_path("swirls")
    assert "starry_night" in message and "Could not" in message
    assert "'swirls'" in message and "instead" in message
    path, message = samples.gallery_or_fallback("starry_night", fallback="mosaic", timeout=2)
    assert path == samples.sample_path("mosaic") and "'mosaic'" in message


def test_gallery_or_fallback_reports_mistakes_instead_of_hiding_them(isolated, monkeypatch):
    _point_record(monkeypatch, "starry_night", f"http://127.0.0.1:{_unused_port()}/x.png", "0" * 64)
    with pytest.raises(OptionError, match="Did you mean 'swirls'"):
        samples.gallery_or_fallback("starry_night", fallback="swirl")
    with pytest.raises(OptionError, match="the_scream"):
        samples.gallery_or_fallback("the_screem")


def test_gallery_dir_is_used_first_and_verified(isolated, server, tiny, monkeypatch):
    folder = isolated / "classroom"
    folder.mkdir()
    (folder / "tiny.png").write_bytes(tiny)
    monkeypatch.setenv(samples.GALLERY_DIR_ENV, str(folder))
    _point_record(monkeypatch, "golden_gate", server.url + "/tiny.png", hashlib.sha256(tiny).hexdigest())
    assert samples.fetch_gallery("golden_gate") == folder / "tiny.png"
    path, message = samples.gallery_or_fallback("golden_gate")
    assert path == folder / "tiny.png" and "Golden Gate" in message
    assert server.requests == []                  # no download needed


def test_gallery_dir_with_a_wrong_file_is_refused(isolated, server, tiny, monkeypatch):
    folder = isolated / "classroom"
    folder.mkdir()
    (folder / "tiny.png").write_bytes(_tiny_png(2))     # not the file the record expects
    monkeypatch.setenv(samples.GALLERY_DIR_ENV, str(folder))
    _point_record(monkeypatch, "the_scream", server.url + "/tiny.png", hashlib.sha256(tiny).hexdigest())
    with pytest.raises(DownloadError) as info:
        samples.fetch_gallery("the_scream")
    assert samples.GALLERY_DIR_ENV in str(info.value) and hashlib.sha256(tiny).hexdigest() in str(info.value)
    path, message = samples.gallery_or_fallback("the_scream")
    assert path == samples.sample_path("waves") and samples.GALLERY_DIR_ENV in message
    assert server.requests == []


def test_gallery_dir_without_the_file_falls_through_to_the_download(isolated, server, tiny, monkeypatch):
    folder = isolated / "classroom"
    folder.mkdir()
    monkeypatch.setenv(samples.GALLERY_DIR_ENV, str(folder))
    _point_record(monkeypatch, "tubingen", server.url + "/tiny.png", hashlib.sha256(tiny).hexdigest())
    assert samples.fetch_gallery("tubingen", timeout=5).read_bytes() == tiny
    assert server.requests == ["/tiny.png"]


def test_gallery_dir_that_is_not_a_folder_is_named_in_the_error(isolated, tiny, monkeypatch):
    monkeypatch.setenv(samples.GALLERY_DIR_ENV, str(isolated / "no" / "such" / "folder"))
    _point_record(monkeypatch, "tubingen", f"http://127.0.0.1:{_unused_port()}/t.png",
                  hashlib.sha256(tiny).hexdigest())
    with pytest.raises(ImageNotFoundError, match=samples.GALLERY_DIR_ENV):
        samples.fetch_gallery("tubingen")
    path, message = samples.gallery_or_fallback("tubingen")
    assert path == samples.sample_path("cottage") and samples.GALLERY_DIR_ENV in message


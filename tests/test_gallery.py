"""Tests for nst_teach.gallery: the records of the classic images, fetching, checksums and the fallback.

The tests never touch the internet: they serve tiny generated files from a local HTTP
server on 127.0.0.1 and point the gallery records at it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import http.server
import io
import re
import socket
import threading
from types import MappingProxyType

import numpy as np
import pytest
from PIL import Image

from nst_teach import gallery, samples
from nst_teach.download import DownloadError
from nst_teach.errors import ImageNotFoundError, OptionError

# ---------------------------------------------------------------------------------------------
# The gallery records
# ---------------------------------------------------------------------------------------------


def test_gallery_has_the_classic_inputs_with_provenance():
    assert set(gallery.gallery_names()) >= {"tubingen", "starry_night", "the_scream", "golden_gate"}
    assert set(gallery.gallery_names("style")) >= {"starry_night", "the_scream"}
    for item in gallery.GALLERY.values():
        assert item.url.startswith("https://raw.githubusercontent.com/jcjohnson/neural-style/")
        assert item.url.endswith("/" + item.filename)
        assert re.fullmatch(r"[0-9a-f]{64}", item.sha256)
        for field in ("title", "author", "date", "license"):
            assert getattr(item, field).strip(), field
        assert samples.SAMPLES[item.fallback].kind == item.kind
    assert "CC BY" in gallery.GALLERY["tubingen"].license
    assert "public domain" in gallery.GALLERY["starry_night"].license.lower()
    assert "not stated" in gallery.GALLERY["golden_gate"].license


def test_unknown_gallery_name_suggests_the_closest():
    with pytest.raises(OptionError, match="Did you mean 'starry_night'"):
        gallery.fetch_gallery("stary_night")


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
    monkeypatch.delenv(gallery.GALLERY_DIR_ENV, raising=False)
    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("no_proxy", "*")
    monkeypatch.setenv("NO_PROXY", "*")
    return tmp_path


def _point_record(monkeypatch, name: str, url: str, sha256: str, filename: str = "tiny.png") -> None:
    records = dict(gallery.GALLERY)
    records[name] = dataclasses.replace(records[name], url=url, sha256=sha256, filename=filename)
    monkeypatch.setattr(gallery, "GALLERY", MappingProxyType(records))


def test_fetch_gallery_downloads_verifies_and_caches(isolated, server, tiny, monkeypatch):
    _point_record(monkeypatch, "starry_night", server.url + "/tiny.png", hashlib.sha256(tiny).hexdigest())
    first = gallery.fetch_gallery("starry_night", timeout=5)
    assert first.read_bytes() == tiny
    assert server.requests == ["/tiny.png"]
    second = gallery.fetch_gallery("starry_night", timeout=5)
    assert second == first
    assert server.requests == ["/tiny.png"]  # served from the cache the second time


def test_fetch_gallery_refuses_a_file_with_the_wrong_checksum(isolated, server, monkeypatch):
    wrong = hashlib.sha256(_tiny_png(1)).hexdigest()
    _point_record(monkeypatch, "the_scream", server.url + "/tiny.png", wrong)
    with pytest.raises(DownloadError, match="SHA-256"):
        gallery.fetch_gallery("the_scream", timeout=5)
    downloads = isolated / "cache" / "downloads"
    assert not downloads.exists() or not any(downloads.iterdir())  # nothing wrong was kept


def test_gallery_or_fallback_uses_the_download_when_it_works(isolated, server, tiny, monkeypatch):
    _point_record(monkeypatch, "tubingen", server.url + "/tiny.png", hashlib.sha256(tiny).hexdigest())
    path, message = gallery.gallery_or_fallback("tubingen", timeout=5)
    assert path.read_bytes() == tiny
    assert "Neckarfront" in message and "Praefcke" in message and "CC BY" in message


def test_gallery_or_fallback_offline_uses_a_bundled_sample_and_says_so(isolated, tiny, monkeypatch):
    url = f"http://127.0.0.1:{_unused_port()}/tiny.png"
    _point_record(monkeypatch, "starry_night", url, hashlib.sha256(tiny).hexdigest())
    with pytest.raises(DownloadError):
        gallery.fetch_gallery("starry_night", timeout=2)
    path, message = gallery.gallery_or_fallback("starry_night", timeout=2)
    assert path == samples.sample_path("swirls")
    assert "starry_night" in message and "Could not" in message
    assert "'swirls'" in message and "instead" in message
    path, message = gallery.gallery_or_fallback("starry_night", fallback="mosaic", timeout=2)
    assert path == samples.sample_path("mosaic") and "'mosaic'" in message


def test_gallery_or_fallback_reports_mistakes_instead_of_hiding_them(isolated, monkeypatch):
    _point_record(monkeypatch, "starry_night", f"http://127.0.0.1:{_unused_port()}/x.png", "0" * 64)
    with pytest.raises(OptionError, match="Did you mean 'swirls'"):
        gallery.gallery_or_fallback("starry_night", fallback="swirl")
    with pytest.raises(OptionError, match="the_scream"):
        gallery.gallery_or_fallback("the_screem")


def test_gallery_dir_is_used_first_and_verified(isolated, server, tiny, monkeypatch):
    folder = isolated / "classroom"
    folder.mkdir()
    (folder / "tiny.png").write_bytes(tiny)
    monkeypatch.setenv(gallery.GALLERY_DIR_ENV, str(folder))
    _point_record(monkeypatch, "golden_gate", server.url + "/tiny.png", hashlib.sha256(tiny).hexdigest())
    assert gallery.fetch_gallery("golden_gate") == folder / "tiny.png"
    path, message = gallery.gallery_or_fallback("golden_gate")
    assert path == folder / "tiny.png" and "Golden Gate" in message
    assert server.requests == []  # no download needed


def test_gallery_dir_with_a_wrong_file_is_refused(isolated, server, tiny, monkeypatch):
    folder = isolated / "classroom"
    folder.mkdir()
    (folder / "tiny.png").write_bytes(_tiny_png(2))  # not the file the record expects
    monkeypatch.setenv(gallery.GALLERY_DIR_ENV, str(folder))
    _point_record(monkeypatch, "the_scream", server.url + "/tiny.png", hashlib.sha256(tiny).hexdigest())
    with pytest.raises(DownloadError) as info:
        gallery.fetch_gallery("the_scream")
    assert gallery.GALLERY_DIR_ENV in str(info.value) and hashlib.sha256(tiny).hexdigest() in str(info.value)
    path, message = gallery.gallery_or_fallback("the_scream")
    assert path == samples.sample_path("waves") and gallery.GALLERY_DIR_ENV in message
    assert server.requests == []


def test_gallery_dir_without_the_file_falls_through_to_the_download(isolated, server, tiny, monkeypatch):
    folder = isolated / "classroom"
    folder.mkdir()
    monkeypatch.setenv(gallery.GALLERY_DIR_ENV, str(folder))
    _point_record(monkeypatch, "tubingen", server.url + "/tiny.png", hashlib.sha256(tiny).hexdigest())
    assert gallery.fetch_gallery("tubingen", timeout=5).read_bytes() == tiny
    assert server.requests == ["/tiny.png"]


def test_gallery_dir_that_is_not_a_folder_is_named_in_the_error(isolated, tiny, monkeypatch):
    monkeypatch.setenv(gallery.GALLERY_DIR_ENV, str(isolated / "no" / "such" / "folder"))
    _point_record(monkeypatch, "tubingen", f"http://127.0.0.1:{_unused_port()}/t.png", hashlib.sha256(tiny).hexdigest())
    with pytest.raises(ImageNotFoundError, match=gallery.GALLERY_DIR_ENV):
        gallery.fetch_gallery("tubingen")
    path, message = gallery.gallery_or_fallback("tubingen")
    assert path == samples.sample_path("cottage") and gallery.GALLERY_DIR_ENV in message

"""Tests of nst_teach.download (and of read_image on web addresses).

Nothing here touches the network: a small HTTP server runs on 127.0.0.1 in a
thread, and every download goes to it.
"""

from __future__ import annotations

import collections
import hashlib
import http.server
import io
import socket
import threading
import time

import numpy as np
import pytest
from PIL import Image

from nst_teach import download
from nst_teach.download import DownloadError, cache_dir, fetch
from nst_teach.errors import ImageError, NSTError, OptionError
from nst_teach.images import read_image


def _png(colour: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 40), colour).save(buffer, format="PNG")
    return buffer.getvalue()


CAT = _png((200, 100, 50))
DOG = _png((10, 20, 30))
PAGE = b"<!DOCTYPE html><html><body><img src='cat.png'></body></html>"
BIG = bytes(5000)


class _Handler(http.server.BaseHTTPRequestHandler):
    """Serves a few fixed routes; counts the requests per path."""

    def do_GET(self) -> None:  # noqa: N802 (the name http.server expects)
        path = self.path.split("?")[0]
        self.server.hits[path] += 1
        if path == "/cat.png":
            self._send(CAT, "image/png")
        elif path == "/dog.png":
            self._send(DOG, "image/png")
        elif path == "/page.html":
            self._send(PAGE, "text/html")
        elif path == "/big.bin":
            self._send(BIG, "application/octet-stream")
        elif path == "/stream.bin":  # no Content-Length: the size is only known while reading
            self.send_response(200)
            self.end_headers()
            self.wfile.write(BIG)
        elif path == "/short.bin":  # promises 1000 bytes, sends 10
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b"0123456789")
        elif path == "/slow.png":
            time.sleep(1.5)
            self._send(CAT, "image/png")
        elif path == "/to-cat":
            self._redirect("/cat.png")
        elif path == "/to-ftp":
            self._redirect("ftp://127.0.0.1/cat.png")
        else:
            self.send_error(404, "Not Found")

    def _send(self, body: bytes, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:  # keep the test output quiet
        pass


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:  # a client that gave up (timeout test)
        pass


@pytest.fixture(scope="module")
def server():
    httpd = _Server(("127.0.0.1", 0), _Handler)
    httpd.hits = collections.Counter()
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def base(server, tmp_path, monkeypatch):
    """The server's base address, with a fresh cache folder and no proxy in the way."""
    server.hits.clear()
    monkeypatch.setenv("NST_TEACH_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("no_proxy", "*")
    monkeypatch.setenv("NO_PROXY", "*")
    return f"http://127.0.0.1:{server.server_address[1]}"


def downloads_folder():
    return cache_dir() / "downloads"


def leftover_files():
    folder = downloads_folder()
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


# --------------------------------------------------------------------------- #
# cache_dir                                                                   #
# --------------------------------------------------------------------------- #


def test_cache_dir_follows_the_environment_variable(tmp_path, monkeypatch):
    monkeypatch.setenv("NST_TEACH_CACHE", str(tmp_path / "my cache"))
    assert cache_dir() == tmp_path / "my cache"
    assert cache_dir().is_dir()


def test_cache_dir_defaults_to_the_home_cache(tmp_path, monkeypatch):
    monkeypatch.delenv("NST_TEACH_CACHE", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert cache_dir() == tmp_path / ".cache" / "nst-teach"
    assert cache_dir().is_dir()


def test_cache_dir_that_cannot_be_created_says_how_to_fix(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("NST_TEACH_CACHE", str(blocker / "cache"))
    with pytest.raises(DownloadError, match="NST_TEACH_CACHE"):
        cache_dir()


# --------------------------------------------------------------------------- #
# fetch                                                                       #
# --------------------------------------------------------------------------- #


def test_fetch_downloads_into_the_cache_with_a_url_key(base):
    url = f"{base}/cat.png"
    path = fetch(url)
    assert path.read_bytes() == CAT
    assert path.parent == downloads_folder()
    assert path.name == hashlib.sha256(url.encode()).hexdigest()[:16] + "-cat.png"
    assert leftover_files() == [path.name]  # no temporary file left behind


def test_second_fetch_uses_the_cache_without_the_server(base, server):
    url = f"{base}/cat.png"
    first = fetch(url)
    second = fetch(url)
    assert first == second
    assert server.hits["/cat.png"] == 1


def test_different_urls_with_the_same_name_do_not_clash(base):
    assert fetch(f"{base}/cat.png") != fetch(f"{base}/cat.png?v=2")


def test_filename_is_used_but_cannot_leave_the_cache(base):
    path = fetch(f"{base}/cat.png", filename="../../evil name.png")
    assert path.parent == downloads_folder()
    assert path.name.endswith("-evil_name.png")
    assert path.read_bytes() == CAT


def test_redirects_to_http_are_followed(base):
    assert fetch(f"{base}/to-cat").read_bytes() == CAT


def test_redirects_to_other_schemes_are_refused(base):
    with pytest.raises(DownloadError, match="ftp://"):
        fetch(f"{base}/to-ftp")
    assert leftover_files() == []


def test_content_length_above_the_cap_is_refused(base):
    with pytest.raises(DownloadError, match="max_bytes=1_000") as info:
        fetch(f"{base}/big.bin", max_bytes=1000)
    assert "5_000 bytes" in str(info.value)
    assert leftover_files() == []


def test_a_stream_above_the_cap_is_cut_off(base):
    with pytest.raises(DownloadError, match="max_bytes"):
        fetch(f"{base}/stream.bin", max_bytes=1000)
    assert leftover_files() == []
    assert fetch(f"{base}/stream.bin", max_bytes=5000).read_bytes() == BIG  # exactly at the cap is fine


def test_a_download_that_stops_early_is_not_kept(base):
    with pytest.raises(DownloadError, match="10 of 1_000"):
        fetch(f"{base}/short.bin")
    assert leftover_files() == []


def test_matching_checksum_is_accepted(base):
    digest = hashlib.sha256(CAT).hexdigest().upper()  # case does not matter
    assert fetch(f"{base}/cat.png", expected_sha256=digest).read_bytes() == CAT


def test_checksum_mismatch_deletes_the_file_and_explains(base):
    wrong = hashlib.sha256(b"another file").hexdigest()
    with pytest.raises(DownloadError) as info:
        fetch(f"{base}/cat.png", expected_sha256=wrong)
    message = str(info.value)
    assert wrong in message and hashlib.sha256(CAT).hexdigest() in message
    assert "changed" in message and "expected_sha256" in message
    assert leftover_files() == []


def test_a_cached_file_with_another_checksum_is_downloaded_again(base, server):
    url = f"{base}/cat.png"
    fetch(url)
    with pytest.raises(DownloadError, match="changed"):
        fetch(url, expected_sha256=hashlib.sha256(b"something else").hexdigest())
    assert server.hits["/cat.png"] == 2
    assert leftover_files() == []  # the copy that did not match was removed


def test_http_errors_name_the_status(base):
    with pytest.raises(DownloadError, match="404"):
        fetch(f"{base}/nothing-here.png")


def test_unreachable_port_raises_download_error(base):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(DownloadError, match="are you offline") as info:
        fetch(f"http://127.0.0.1:{port}/cat.png", timeout=5)
    assert isinstance(info.value, OSError) and isinstance(info.value, NSTError)
    assert f"127.0.0.1:{port}" in str(info.value)


def test_a_slow_server_times_out(base):
    with pytest.raises(DownloadError, match="timed out"):
        fetch(f"{base}/slow.png", timeout=0.2)
    assert leftover_files() == []


@pytest.mark.parametrize(
    "url",
    ["ftp://127.0.0.1/cat.png", "file:///etc/passwd", "data:image/png;base64,AAAA", "http://", "cat.png", 42],
)
def test_only_http_addresses_are_fetched(base, url):
    with pytest.raises(OptionError) as info:
        fetch(url)
    assert repr(url) in str(info.value) or type(url).__name__ in str(info.value)


@pytest.mark.parametrize(
    "options, name",
    [
        ({"max_bytes": 0}, "max_bytes"),
        ({"max_bytes": 1.5}, "max_bytes"),
        ({"timeout": 0}, "timeout"),
        ({"timeout": float("nan")}, "timeout"),
        ({"expected_sha256": "abc"}, "expected_sha256"),
    ],
)
def test_bad_options_raise_option_error(base, server, options, name):
    with pytest.raises(OptionError, match=name):
        fetch(f"{base}/cat.png", **options)
    assert server.hits["/cat.png"] == 0


# --------------------------------------------------------------------------- #
# read_image on web addresses                                                 #
# --------------------------------------------------------------------------- #


def test_read_image_downloads_once_and_decodes(base, server):
    url = f"{base}/dog.png"
    first = read_image(url)
    assert first.shape == (40, 40, 3)
    assert (first == (10, 20, 30)).all()
    np.testing.assert_array_equal(read_image(url), first)
    assert server.hits["/dog.png"] == 1


def test_read_image_of_a_web_page_explains_and_forgets_it(base, server):
    with pytest.raises(ImageError) as info:
        read_image(f"{base}/page.html")
    message = str(info.value)
    assert "not an image" in message and "web page" in message and "page.html" in message
    assert leftover_files() == []  # the page is not kept in the cache
    with pytest.raises(ImageError):
        read_image(f"{base}/page.html")
    assert server.hits["/page.html"] == 2


def test_read_image_when_offline_raises_download_error(base):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(DownloadError, match="pass the file path instead"):
        read_image(f"http://127.0.0.1:{port}/cat.png")


def test_module_exports():
    assert set(download.__all__) >= {"fetch", "cache_dir", "DownloadError"}


def test_offline_mode_refuses_remote_hosts_at_once_but_not_localhost(monkeypatch, tmp_path):
    from nst_teach import download
    from nst_teach.errors import DownloadError

    monkeypatch.setenv("NST_TEACH_CACHE", str(tmp_path))
    monkeypatch.setenv("NST_TEACH_OFFLINE", "1")

    class WentOnline(Exception):
        pass

    def download_called(*args, **kwargs):
        raise WentOnline

    monkeypatch.setattr(download, "_download", download_called)
    with pytest.raises(DownloadError, match="NST_TEACH_OFFLINE"):
        download.fetch("https://example.org/picture.jpg")
    with pytest.raises(WentOnline):  # localhost is not "online"
        download.fetch("http://127.0.0.1:9/picture.jpg")

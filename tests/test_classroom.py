"""Tests of nst_teach.classroom: Save's names, the counter, the URL box's address rule, the upload limit.

Only loopback traffic: refused addresses (private, link-local, loopback, multicast...) are refused before
any connection, which the tests check by making every socket ``connect`` fail the test if it goes
anywhere; host names are resolved by a stand-in ``socket.getaddrinfo``. The redirect tests serve from a
small HTTP server on 127.0.0.1, which the rule lets through only while ``_ALSO_ALLOWED`` says so.
"""

from __future__ import annotations

import asyncio
import collections
import datetime
import http.server
import io
import ipaddress
import os
import re
import socket
import threading
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

from nst_teach import classroom, download, widgets  # noqa: E402
from nst_teach.classroom import MAX_STEM, Classroom, file_name, not_public, safe_stem  # noqa: E402
from nst_teach.errors import DownloadError, OptionError, SaveError  # noqa: E402
from nst_teach.images import read_image  # noqa: E402
from nst_teach.samples import load_sample  # noqa: E402

IMAGE = np.arange(32 * 48 * 3, dtype=np.uint8).reshape(32, 48, 3)


def png(colour=(200, 100, 50), size=(48, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    """Offline, a throw-away cache, no classroom mode left on, nothing left running."""
    monkeypatch.setenv("NST_TEACH_OFFLINE", "1")
    monkeypatch.setenv("NST_TEACH_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv(classroom.CLASSROOM_ENV, raising=False)
    classroom.disable()
    yield
    classroom.disable()
    widgets.stop_all()


# ----------------------------------------------------------------------------------------------
# Save: the names the server makes
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("../../x.jpg", "x.jpg"),
        ("x", "x.jpg"),
        ("portrait.PNG", "portrait.png"),
        ("photo.jpeg", "photo.jpeg"),
        (".bashrc", "bashrc.jpg"),
        ("~/.ssh/authorized_keys", "ssh-authorized_keys.jpg"),
        ("/etc/cron.d/job.png", "etc-cron-d-job.png"),
        ("C:\\Users\\teacher\\x.jpg", "C-Users-teacher-x.jpg"),
        ("notes.txt", "notes-txt.jpg"),
        ("x.jpg.exe", "x-jpg-exe.jpg"),
        ("a\x00b\nc.png", "a-b-c.png"),
        ("Monet, water lilies!", "Monet-water-lilies.jpg"),
        ("Bäume am Fluss", "Bäume-am-Fluss.jpg"),
        ("CON", "CON-picture.jpg"),
    ],
)
def test_the_file_name_keeps_only_a_plain_stem_and_a_picture_extension(typed, name):
    assert file_name(typed) == name


@pytest.mark.parametrize("typed", ["", "   ", "..", "../..", "/", ".", "...", "\\\\"])
def test_a_name_with_nothing_left_gets_a_time_stamp(typed):
    name = file_name(typed)
    stamp = datetime.datetime.strptime(name.removesuffix(".jpg").removeprefix("nst-teach-"), "%Y%m%d-%H%M%S")
    assert abs((datetime.datetime.now() - stamp).total_seconds()) < 60


NASTY = [
    "../" * 40 + "etc/passwd",
    "..\\..\\windows\\system32\\x.png",
    "....//....//x.jpg",
    ".hidden.png",
    "-rf.jpg",
    "x" * 500 + ".png",
    "é" * 300,
    "a/../../b.jpg",
    "\u202e\u200bgpj.exe",
    "%2e%2e%2fx.jpg",
]


@pytest.mark.parametrize("typed", NASTY)
def test_no_name_leaves_the_folder_hides_or_grows_long(typed, tmp_path):
    name = file_name(typed)
    stem, suffix = os.path.splitext(name)
    assert suffix in (".jpg", ".jpeg", ".png")
    assert "/" not in name and "\\" not in name and ".." not in name and "\x00" not in name
    assert not name.startswith((".", "-")) and len(stem) <= MAX_STEM
    assert (tmp_path / name).resolve().parent == tmp_path.resolve()  # the path stays where it was put
    assert safe_stem(stem) == stem  # the stem is a fixed point: nothing left to clean


def test_save_never_replaces_a_file_it_adds_a_counter(tmp_path):
    room = Classroom(tmp_path / "out")
    first, where = room.save(IMAGE, "x.jpg")
    assert first == tmp_path / "out" / "x.jpg" and "x.jpg" in where and str(room.output_dir) in where
    kept = first.read_bytes()
    second, where = room.save(np.zeros_like(IMAGE), "x.jpg")
    third, _ = room.save(IMAGE, "x")
    assert [second.name, third.name] == ["x-1.jpg", "x-2.jpg"]
    assert "x.jpg was taken" in where
    assert first.read_bytes() == kept  # the first picture is untouched
    assert np.array_equal(read_image(second), np.zeros_like(IMAGE))
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["x-1.jpg", "x-2.jpg", "x.jpg"]


def test_save_of_a_path_lands_in_the_output_folder_and_says_so(tmp_path):
    out = tmp_path / "a" / "b" / "out"
    room = Classroom(out)
    written, where = room.save(IMAGE, "../../x.jpg")
    assert written == out / "x.jpg" and written.is_file()
    assert "'../../x.jpg' is not a plain file name" in where
    assert not (tmp_path / "a" / "x.jpg").exists() and not (tmp_path / "a" / "b" / "x.jpg").exists()
    files = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert files == ["a/b/out/x.jpg"]


def test_save_does_not_follow_a_link_in_the_output_folder(tmp_path):
    out, victim = tmp_path / "out", tmp_path / "victim.txt"
    out.mkdir()
    victim.write_text("keep me")
    (out / "x.jpg").symlink_to(victim)
    (out / "y.jpg").symlink_to(tmp_path / "missing.jpg")  # dangling: a name that is still taken
    assert Classroom(out).save(IMAGE, "x.jpg")[0] == out / "x-1.jpg"
    assert Classroom(out).save(IMAGE, "y.jpg")[0] == out / "y-1.jpg"
    assert victim.read_text() == "keep me" and not (tmp_path / "missing.jpg").exists()


def test_a_save_that_fails_leaves_no_empty_file(tmp_path, monkeypatch):
    import nst_teach.images as images

    def full_disk(image, path):
        raise SaveError(28, "cannot save: the disk is full")

    monkeypatch.setattr(images, "save_image", full_disk)
    with pytest.raises(SaveError):
        Classroom(tmp_path).save(IMAGE, "x.jpg")
    assert list(tmp_path.iterdir()) == []


def test_two_saves_at_once_get_two_files(tmp_path):
    room = Classroom(tmp_path)
    barrier = threading.Barrier(4)
    written = []

    def save():
        barrier.wait()
        written.append(room.save(IMAGE, "same.png")[0])

    threads = [threading.Thread(target=save) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(p.name for p in written) == ["same-1.png", "same-2.png", "same-3.png", "same.png"]


# ----------------------------------------------------------------------------------------------
# Turning it on
# ----------------------------------------------------------------------------------------------


def test_classroom_mode_is_off_unless_turned_on(tmp_path, monkeypatch):
    assert classroom.current() is None and classroom.room_for(None) is None
    assert classroom.room_for(True).output_dir == Path("nst-teach-output").resolve()
    monkeypatch.setenv(classroom.CLASSROOM_ENV, str(tmp_path / "from-env"))  # what nst-teach app sets
    assert classroom.room_for(None).output_dir == tmp_path / "from-env"
    assert classroom.room_for(False) is None
    assert classroom.enable().output_dir == tmp_path / "from-env"  # the app notebook's call keeps the folder
    assert classroom.enable(tmp_path / "mine").output_dir == tmp_path / "mine"
    with pytest.raises(OptionError, match="classroom must be True, False, None"):
        classroom.room_for("yes")


# ----------------------------------------------------------------------------------------------
# The URL box: public addresses only
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("2002:7f00:1::", "loopback"),  # 6to4 carrying 127.0.0.1
        ("10.0.0.1", "private"),
        ("172.16.5.4", "private"),
        ("192.168.1.20", "private"),
        ("fd00::1", "private"),
        ("::ffff:192.168.0.1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "reserved"),
        ("100.64.0.1", "not a public address"),  # carrier-grade NAT
    ],
)
def test_addresses_that_are_not_public_are_named(address, why):
    assert why in not_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "151.101.1.69", "2606:4700::1111", "2a00:1450::1"])
def test_public_addresses_pass(address):
    assert not_public(ipaddress.ip_address(address)) is None
    classroom.check_address("http://example.test/x.png", ipaddress.ip_address(address))


class _Connections:
    """Every socket ``connect`` while it is installed: one to a non-loopback address fails the test at once."""

    def __init__(self, monkeypatch):
        self.seen: list[tuple] = []
        real = socket.socket
        seen = self.seen

        class Recording(real):
            def connect(self, address):
                seen.append(address)
                assert ipaddress.ip_address(address[0]).is_loopback, f"a connection to {address} was attempted"
                return super().connect(address)

        monkeypatch.setattr(socket, "socket", Recording)


class _Resolver:
    """A stand-in for ``socket.getaddrinfo``: host names from ``names``, literal addresses as the real one does."""

    def __init__(self, monkeypatch, names):
        self.names, self.asked = names, collections.Counter()
        real = socket.getaddrinfo

        def getaddrinfo(host, port, *args, **kwargs):
            self.asked[host] += 1
            if host not in self.names:
                return real(host, port, *args, **kwargs)
            found = self.names[host]
            answers = found(self.asked[host]) if callable(found) else found
            return [
                (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in answers
            ]

        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://10.0.0.1/x.jpg", "private"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://127.0.0.1:8866/", "loopback"),
        ("http://[::1]:8888/api/contents", "loopback"),
        ("http://224.0.0.1/", "multicast"),
        ("https://0.0.0.0/", "unspecified"),
        ("http://[::ffff:10.0.0.1]/", "private"),
        ("http://[fe80::1]/", "link-local"),
        ("http://2130706433/x.png", "loopback"),  # 127.0.0.1 written as one number
        ("http://localhost:8888/", "loopback"),
    ],
)
def test_urls_to_addresses_that_are_not_public_are_refused_before_any_connection(url, why, monkeypatch):
    connections = _Connections(monkeypatch)
    with pytest.raises(DownloadError, match=f"refused {re.escape(url)}: .*{why}") as refused:
        download.fetch(url, check_address=classroom.check_address)
    assert connections.seen == []
    assert "Upload it" in str(refused.value)


@pytest.mark.parametrize(
    ("host", "answers", "why"),
    [
        ("metadata.test", ["169.254.169.254"], "link-local"),
        ("intranet.test", ["10.1.2.3"], "private"),
        ("printer.test", ["fd12:3456::7"], "private"),
        ("mixed.test", ["93.184.216.34", "192.168.0.10"], "private"),  # one private answer is enough
        ("myself.test", ["127.0.1.1"], "loopback"),
    ],
)
def test_host_names_are_judged_by_the_addresses_they_resolve_to(host, answers, why, monkeypatch):
    _Resolver(monkeypatch, {host: answers})
    connections = _Connections(monkeypatch)
    with pytest.raises(DownloadError, match=f"{host} \\(.*\\) is .*{why}"):
        download.fetch(f"http://{host}/cat.png", check_address=classroom.check_address)
    assert connections.seen == []


def test_a_public_host_passes_the_rule_and_then_meets_the_offline_setting(monkeypatch):
    _Resolver(monkeypatch, {"pictures.test": ["93.184.216.34"]})
    connections = _Connections(monkeypatch)
    with pytest.raises(DownloadError, match="NST_TEACH_OFFLINE is set"):
        download.fetch("https://pictures.test/cat.png", check_address=classroom.check_address)
    assert connections.seen == []


def test_a_file_fetched_without_the_rule_is_never_served_under_it(monkeypatch):
    url = "http://10.0.0.1/x.png"
    unchecked = download.cache_dir() / "downloads" / download._cache_name(url, None)
    unchecked.parent.mkdir(parents=True)
    unchecked.write_bytes(png())  # as if a notebook had fetched it, free of the rule
    assert download.fetch(url) == unchecked
    with pytest.raises(DownloadError, match="private"):
        download.fetch(url, check_address=classroom.check_address)


# --- redirects, from a server on loopback ----------------------------------------------------------


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (the name http.server expects)
        self.server.hosts.append(self.headers.get("Host"))
        routes = {
            "/to-private": "http://10.0.0.1/x.png",
            "/to-metadata": "http://metadata.test/latest/meta-data/",
            "/to-myself": f"http://127.0.0.1:{self.server.server_port}/cat.png",
            "/to-file": "file:///etc/passwd",
            "/loop": "/loop",
            "/relative": "/cat.png",
        }
        if self.path in routes:
            self.send_response(302)
            self.send_header("Location", routes[self.path])
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/cat.png":
            body = png()
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif self.path == "/big.png":
            self.send_response(200)
            self.send_header("Content-Length", "5000")
            self.end_headers()
            self.wfile.write(bytes(5000))
        else:
            self.send_error(404)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.hosts = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def loopback_allowed(monkeypatch, server):
    """The rule, letting 127.0.0.0/8 through (the test-only hook), and the server's base address."""
    monkeypatch.setattr(classroom, "_ALSO_ALLOWED", (ipaddress.ip_network("127.0.0.0/8"),))
    server.hosts.clear()
    return f"http://127.0.0.1:{server.server_port}"


def test_without_the_hook_the_test_server_itself_is_refused(server, monkeypatch):
    connections = _Connections(monkeypatch)
    with pytest.raises(DownloadError, match="loopback"):
        Classroom(Path("unused")).read_url(f"http://127.0.0.1:{server.server_port}/cat.png")
    assert connections.seen == []


def test_a_picture_is_read_through_the_checked_connection(loopback_allowed):
    rgb = Classroom(Path("unused")).read_url(f"{loopback_allowed}/relative")  # one redirect, then the picture
    assert rgb.shape == (40, 48, 3) and tuple(rgb[0, 0]) == (200, 100, 50)


@pytest.mark.parametrize(
    ("path", "refusal"),
    [
        ("/to-private", "refused http://10.0.0.1/x.png: 10.0.0.1 is a private address"),
        ("/to-metadata", r"refused http://metadata.test/latest/meta-data/: metadata.test \(169.254.169.254\)"),
        ("/to-file", "redirects to file:///etc/passwd, which is not an http"),
        ("/loop", "redirects more than 5 times"),
    ],
)
def test_every_redirect_is_checked_before_it_is_followed(path, refusal, loopback_allowed, server, monkeypatch):
    _Resolver(monkeypatch, {"metadata.test": ["169.254.169.254"]})
    connections = _Connections(monkeypatch)
    with pytest.raises(DownloadError, match=refusal):
        download.fetch(f"{loopback_allowed}{path}", check_address=classroom.check_address)
    assert all(address[0] == "127.0.0.1" for address in connections.seen) and connections.seen


def test_the_download_connects_to_the_address_that_was_checked(loopback_allowed, server, monkeypatch):
    # A name that resolves to loopback once, then to the room's network: DNS rebinding.
    resolver = _Resolver(monkeypatch, {"pictures.test": lambda n: ["127.0.0.1"] if n == 1 else ["10.0.0.1"]})
    connections = _Connections(monkeypatch)
    port = server.server_port
    path = download.fetch(f"http://pictures.test:{port}/cat.png", check_address=classroom.check_address)
    assert path.read_bytes() == png()
    assert resolver.asked["pictures.test"] == 1  # resolved once: what was checked is where it connected
    assert connections.seen == [("127.0.0.1", port)]
    assert server.hosts == [f"pictures.test:{port}"]  # the request still names the host


def test_the_size_limit_holds_on_checked_downloads(loopback_allowed):
    with pytest.raises(DownloadError, match="more than max_bytes=1_000"):
        download.fetch(f"{loopback_allowed}/big.png", check_address=classroom.check_address, max_bytes=1000)


def test_a_server_error_is_named_on_checked_downloads(loopback_allowed):
    with pytest.raises(DownloadError, match="answered 404"):
        download.fetch(f"{loopback_allowed}/missing.png", check_address=classroom.check_address)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "/etc/passwd", "~/.ssh/id_rsa", "ftp://example.test/x.png"])
def test_the_url_box_takes_no_file_paths_in_classroom_mode(url, tmp_path):
    with pytest.raises(OptionError, match="only http:// and https:// addresses"):
        Classroom(tmp_path).read_url(url)


# ----------------------------------------------------------------------------------------------
# The widgets in classroom mode
# ----------------------------------------------------------------------------------------------


def _texts(box) -> str:
    """Everything a widget tree says (HTML values, placeholders), as one string."""
    found, todo = [], [box]
    while todo:
        widget = todo.pop()
        todo.extend(getattr(widget, "children", ()))
        found += [str(getattr(widget, name, "")) for name in ("value", "placeholder", "description")]
    return " ".join(found)


def test_the_classroom_picker_refuses_paths_and_private_addresses(tmp_path, monkeypatch):
    picker = widgets.ImagePicker("style", size=(64, 48), thumbnails=False, classroom=Classroom(tmp_path))
    before = picker.value
    connections = _Connections(monkeypatch)
    for url, words in [
        ("file:///etc/passwd", "only http:// and https://"),
        ("/etc/passwd", "only http:// and https://"),
        ("http://127.0.0.1:9/", "loopback"),
        ("http://192.168.0.1/router.png", "private"),
    ]:
        picker.url.value = url
        picker.load_button.click()
        assert words in picker.status and "Cannot load" in picker.status, picker.status
        assert picker.value is before
    assert connections.seen == []
    assert "a file path" not in picker.url.placeholder


def test_the_classroom_url_box_takes_a_bundled_pictures_name(tmp_path, monkeypatch):
    picker = widgets.ImagePicker("style", size=(64, 48), thumbnails=False, classroom=Classroom(tmp_path))
    connections = _Connections(monkeypatch)
    for name in ("waves", "waves"):  # the second time too: the sample is chosen again, not left as it was
        picker.url.value = f" {name} "
        picker.load_button.click()
        assert picker.sample.value == name and np.array_equal(picker.value, load_sample(name)), picker.status
        picker.value = None
    assert connections.seen == []
    with pytest.raises(OptionError, match="a bundled sample's name .*cottage"):  # the refusal says it can
        Classroom(tmp_path).read_url("swirl")


def test_a_picker_outside_classroom_mode_still_reads_file_paths(tmp_path):
    path = tmp_path / "mine.png"
    path.write_bytes(png())
    picker = widgets.ImagePicker("style", size=(64, 48), thumbnails=False)
    assert picker.room is None and "file path" in picker.url.placeholder
    assert picker.load_url(str(path)).shape == (40, 48, 3)


def _upload(picker, data, name):
    picker.upload.value = (
        {"name": name, "type": "image/png", "size": len(data), "content": memoryview(data),
         "last_modified": datetime.datetime.now(datetime.timezone.utc)},
    )  # fmt: skip


def test_the_classroom_upload_is_limited_in_bytes_before_decoding(tmp_path, monkeypatch):
    import nst_teach.images as images

    room = Classroom(tmp_path, max_upload_bytes=2000)
    picker = widgets.ImagePicker("style", size=(64, 48), thumbnails=False, classroom=room)
    before = picker.value
    assert "up to 0.002 MB" in _texts(picker.root)  # the page states the limit
    big = png(size=(200, 200), colour=(1, 2, 3)) + bytes(3000)
    decoded = []
    real = images.read_image
    monkeypatch.setattr(images, "read_image", lambda *a, **k: decoded.append(a) or real(*a, **k))
    _upload(picker, big, "huge.png")
    assert "'huge.png' is" in picker.status and "up to 0.002 MB" in picker.status
    assert decoded == [] and picker.value is before and picker.upload.value == ()
    _upload(picker, png(), "small.png")
    assert picker.value.shape == (40, 48, 3) and len(decoded) == 1


def test_the_page_states_the_default_upload_limit():
    picker = widgets.ImagePicker("style", size=(64, 48), thumbnails=False, classroom=True)
    assert "pictures up to 8 MB" in _texts(picker.root)
    assert "MB" not in _texts(widgets.ImagePicker("style", size=(64, 48), thumbnails=False).root)


def test_the_classroom_dashboard_saves_into_the_output_folder_only(tmp_path):
    from nst_teach.samples import load_sample

    out = tmp_path / "class" / "out"
    classroom.enable(out)  # as the app notebook does: the widgets created now follow the rules
    dash = widgets.StyleTransferDashboard(
        load_sample("cottage"), load_sample("swirls"), iterations=2, size=(48, 32), weights="random"
    )
    assert dash.room is not None and "out" in dash.save_path.placeholder

    async def scenario():
        dash.start()
        await dash.wait()

    asyncio.run(asyncio.wait_for(scenario(), 120))
    dash.save_path.value = "../../x.jpg"
    dash.save_button.click()
    assert (out / "x.jpg").is_file() and f"as x.jpg in the class's output folder {out}" in dash.status
    dash.save_button.click()
    assert (out / "x-1.jpg").is_file() and "x.jpg was taken" in dash.status
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.jpg")) == [
        "class/out/x-1.jpg",
        "class/out/x.jpg",
    ]
    assert np.array_equal(read_image(out / "x.jpg"), read_image(out / "x-1.jpg"))


# ----------------------------------------------------------------------------------------------
# Disk: the output folder's cap and the downloads' cap
# ----------------------------------------------------------------------------------------------


def test_save_past_the_output_folders_cap_writes_nothing_and_says_so(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "earlier.jpg").write_bytes(b"x" * 10_000)
    bound = int(IMAGE.size * 1.1) + 65_536  # what Save counts for a picture: its pixels' bytes, and a little more
    room = Classroom(out, max_output_bytes=10_000 + bound + 100)  # room for one 32×48 picture, not two
    path, _ = room.save(IMAGE, "first")
    assert path == out / "first.jpg" and classroom.folder_bytes(out) > 10_000
    before = sorted(p.name for p in out.iterdir())
    with pytest.raises(SaveError, match=r"nothing was saved: the class's output folder is full \(0\.0\d+ MB of"):
        room.save(IMAGE, "second")
    assert sorted(p.name for p in out.iterdir()) == before, "the refused Save left a file"
    assert "ask your instructor" in str(pytest.raises(SaveError, room.save, IMAGE, "third").value).lower()


def test_the_classroom_dashboards_save_past_the_cap_says_so_in_its_status_line(tmp_path, monkeypatch):
    out = tmp_path / "out"
    monkeypatch.setenv(classroom.CLASSROOM_ENV, str(out))
    monkeypatch.setenv(classroom.OUTPUT_CAP_ENV, "0.01")  # 10 kB: less than one picture may take
    room = classroom.enable()
    assert room.max_output_bytes == 10_000 and room.max_downloads_bytes is None
    dash = widgets.StyleTransferDashboard(
        load_sample("cottage"), load_sample("swirls"), iterations=2, size=(48, 32), weights="random"
    )

    async def scenario():
        dash.start()
        await dash.wait()

    asyncio.run(asyncio.wait_for(scenario(), 120))
    dash.save_path.value = "mine"
    dash.save_button.click()
    assert "nothing was saved" in dash.status and "output folder is full" in dash.status
    assert list(out.glob("*.jpg")) == []


def test_the_caps_come_from_the_environment_nst_teach_app_sets(tmp_path, monkeypatch):
    monkeypatch.setenv(classroom.CLASSROOM_ENV, str(tmp_path))
    monkeypatch.setenv(classroom.OUTPUT_CAP_ENV, "500")
    monkeypatch.setenv(classroom.DOWNLOADS_CAP_ENV, "250.5")
    room = classroom.current()
    assert (room.max_output_bytes, room.max_downloads_bytes) == (500_000_000, 250_500_000)
    monkeypatch.setenv(classroom.OUTPUT_CAP_ENV, "lots")
    with pytest.raises(OptionError, match="NST_TEACH_CLASSROOM_OUTPUT_MB='lots' is not a number of MB"):
        classroom.current()


def _downloaded(folder, name: str, size: int, age_s: float) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(b"x" * size)
    when = datetime.datetime.now().timestamp() - age_s
    os.utime(folder / name, (when, when))


def test_the_oldest_downloads_make_room_and_recent_ones_are_kept(tmp_path, monkeypatch):
    folder = download.cache_dir() / "downloads-checked"
    _downloaded(folder, "old.jpg", 30_000_000, 3600)
    _downloaded(folder, "older.jpg", 30_000_000, 7200)
    _downloaded(folder, "new.jpg", 10_000_000, 5)
    fetched = []
    monkeypatch.setattr(download, "fetch", lambda url, **kw: fetched.append(url) or (_ for _ in ()).throw(
        DownloadError("stand-in: no download in the tests")))  # fmt: skip
    room = Classroom(tmp_path / "out", max_downloads_bytes=100_000_000)  # 70 MB held, 50 MB wanted: one goes
    with pytest.raises(DownloadError, match="stand-in"):
        room.read_url("http://93.184.216.34/x.jpg")
    assert sorted(p.name for p in folder.iterdir()) == ["new.jpg", "old.jpg"] and fetched


def test_the_url_box_refuses_when_only_recent_downloads_fill_the_cap(tmp_path, monkeypatch):
    folder = download.cache_dir() / "downloads-checked"
    _downloaded(folder, "a.jpg", 40_000_000, 10)
    _downloaded(folder, "b.jpg", 40_000_000, 20)
    monkeypatch.setattr(download, "fetch", lambda url, **kw: pytest.fail("downloaded past the cap"))
    room = Classroom(tmp_path / "out", max_downloads_bytes=100_000_000)
    with pytest.raises(DownloadError, match=r"downloaded pictures are full \(80 MB of their 100 MB\): Upload"):
        room.read_url("http://93.184.216.34/x.jpg")
    assert sorted(p.name for p in folder.iterdir()) == ["a.jpg", "b.jpg"]


# ----------------------------------------------------------------------------------------------
# Errors: one line on the page, the traceback in the log
# ----------------------------------------------------------------------------------------------


class FakeShell:
    """IPython's shell as ``hide_tracebacks`` meets it: ``_showtraceback`` sends what the page gets."""

    def __init__(self) -> None:
        self.sent: list[tuple] = []

    def _showtraceback(self, etype, evalue, stb):
        self.sent.append((etype.__name__, str(evalue), stb))


@pytest.mark.parametrize(
    "error, line",
    [
        (ZeroDivisionError("division by zero"), "Something went wrong (ZeroDivisionError). Try again; if it happens"),
        (OptionError("alpha must be a finite number, got nan\nmore"), "alpha must be a finite number, got nan"),
    ],
)
def test_an_error_shows_one_line_on_the_page_and_its_traceback_in_the_log(error, line, capfd):
    shell = FakeShell()
    assert classroom.hide_tracebacks(shell) is True
    assert classroom.hide_tracebacks(shell) is True  # twice: still one hook
    traceback = ["\x1b[31mTraceback (most recent call last)\x1b[0m", '  File "/srv/nst/secret.py", line 3', "Boom"]
    shell._showtraceback(type(error), error, traceback)
    ((name, evalue, stb),) = shell.sent
    assert name == type(error).__name__ and evalue.startswith(line) and stb == [evalue] and "\n" not in evalue
    logged = capfd.readouterr().err
    assert 'Traceback (most recent call last)\n  File "/srv/nst/secret.py", line 3\nBoom' in logged  # colours gone


def test_a_widgets_caught_error_is_one_line_in_the_classroom_and_the_log_has_the_rest(tmp_path, capfd):
    from nst_teach import widgets
    from nst_teach.samples import load_sample

    dashboard = widgets.StyleTransferDashboard(load_sample("cottage"), load_sample("swirls"), size=(48, 32),
                                               weights="random")  # fmt: skip

    def broken() -> None:
        raise FileNotFoundError("/srv/nst/secret/folder/picture.jpg")

    callback = widgets._base._safe(dashboard, broken)
    callback()
    assert "/srv/nst/secret" in dashboard.status  # a notebook of one's own: the whole message helps
    classroom.enable(tmp_path)
    try:
        callback()
        assert "/srv/nst/secret" not in dashboard.status
        assert "Something went wrong (FileNotFoundError)" in dashboard.status
        assert "/srv/nst/secret/folder/picture.jpg" in capfd.readouterr().err  # the server's log has it
    finally:
        classroom.disable()


def test_without_a_kernel_there_is_no_traceback_to_hide():
    assert classroom.hide_tracebacks(None) is False  # plain Python: no IPython shell running


# ----------------------------------------------------------------------------------------------
# nst-teach app
# ----------------------------------------------------------------------------------------------


def test_the_app_is_a_classroom_whatever_its_address(tmp_path):
    from nst_teach.servers import voila_command

    local = voila_command(tmp_path / "app.ipynb", ip="127.0.0.1", output_dir=tmp_path / "out")
    assert local.env[classroom.CLASSROOM_ENV] == str(tmp_path / "out")
    assert [line for line in local.notices if "room for" not in line] == []  # on loopback: only the room's limits
    room = voila_command(tmp_path / "app.ipynb", ip="0.0.0.0", output_dir=tmp_path / "out")
    said = "\n".join(room.notices)
    for words in ("CANNOT run code", "read or write any other file", f"save into {tmp_path / 'out'}",
                  "pictures up to 8 MB", "--token", "SECURITY.md"):  # fmt: skip
        assert words in said
    assert voila_command(tmp_path / "a.ipynb").env[classroom.CLASSROOM_ENV] == str(Path("nst-teach-output").resolve())


def test_voila_does_not_serve_the_output_folder_when_it_lies_under_the_notebook(tmp_path):
    from nst_teach.servers import voila_command

    inside = voila_command(tmp_path / "app.ipynb", output_dir=tmp_path / "out" / "class 1")
    denied = [arg.split("=", 1)[1] for arg in inside.argv if arg.startswith("--VoilaConfiguration.file_denylist=")]
    assert any(re.fullmatch(p, "out/class 1/x.jpg") for p in denied)
    assert any(re.fullmatch(p, "app.ipynb") for p in denied) and any(re.fullmatch(p, "helper.py") for p in denied)
    assert not any(re.fullmatch(p, "figure.png") or re.fullmatch(p, "out/x.jpg") for p in denied)
    outside = voila_command(tmp_path / "course" / "app.ipynb", output_dir=tmp_path / "out")
    assert [a for a in outside.argv if "file_denylist" in a] == ["--VoilaConfiguration.file_denylist=.*\\.(ipynb|py)"]


@pytest.mark.parametrize("ip", ["localhost", "127.0.0.1", "127.1.2.3", "::1", "[::1]"])
def test_loopback_addresses_print_no_room_notice(ip):
    assert classroom.is_loopback_ip(ip) and classroom.notice(ip, Classroom(Path("x"))) == ()


@pytest.mark.parametrize("ip", ["0.0.0.0", "::", "192.168.1.5", "teacher-laptop.local"])
def test_other_addresses_print_it(ip):
    assert not classroom.is_loopback_ip(ip) and classroom.notice(ip, Classroom(Path("x")))


def test_the_instructor_chooses_the_token(tmp_path):
    from nst_teach.servers import voila_command

    app = voila_command(tmp_path / "app.ipynb", ip="127.0.0.1", port=8870, token="monet-1872")
    assert app.url == "http://127.0.0.1:8870/?token=monet-1872" and app.env["JUPYTER_TOKEN"] == "monet-1872"
    for bad in ("", "two words", "a&b=c", "ça"):
        with pytest.raises(OptionError, match="--token"):
            voila_command(tmp_path / "app.ipynb", token=bad)


def test_nst_teach_app_passes_the_output_folder_and_the_token(tmp_path, monkeypatch, capsys):
    from nst_teach import cli, servers

    seen = []
    monkeypatch.setattr(servers, "choose_port", lambda ip, port, usual: 8871)  # binds nothing
    monkeypatch.setattr(servers, "serve", lambda command, open_browser: seen.append(command) or 0)
    notebook = tmp_path / "lesson.ipynb"
    notebook.write_text("{}")
    out = tmp_path / "results"
    argv = ["app", str(notebook), "--ip", "0.0.0.0", "--token", "monet", "--output-dir", str(out), "--no-browser"]
    assert cli.main(argv) == 0
    (command,) = seen
    assert out.is_dir() and command.env[classroom.CLASSROOM_ENV] == str(out)
    assert command.url.endswith("?token=monet") and any("CANNOT" in line for line in command.notices)
    # A random token may begin with "-" (secrets.token_urlsafe): the "--token=VALUE" form passes it.
    assert cli.main(["app", str(notebook), "--token=-monet", "--no-browser"]) == 0
    assert seen[-1].url.endswith("?token=-monet")
    (tmp_path / "a-file").write_text("")
    assert cli.main(["app", str(notebook), "--output-dir", str(tmp_path / "a-file" / "x")]) == 2
    assert "--output-dir" in capsys.readouterr().err


def test_the_apps_page_never_times_the_machine_and_uses_the_reference_recipes_sizes(monkeypatch, tmp_path):
    """Each page's kernel would spend 5 s of CPU and 250 MB timing the machine (nst_teach.pace), as many times as
    the room has students, for sizes a shared machine's timing cannot fit: the app takes the recipe's sizes."""
    import nbformat

    from nst_teach import pace
    from nst_teach.course import modes, settings

    timed = []
    monkeypatch.setattr(pace, "measure", lambda *a, **k: timed.append(a) or pytest.fail("the app timed the machine"))
    monkeypatch.setattr(modes, "measure", pace.measure)
    monkeypatch.delenv("NST_TEACH_QUICK", raising=False)
    monkeypatch.setenv(classroom.CLASSROOM_ENV, str(tmp_path / "out"))
    notebook = nbformat.read(Path(__file__).resolve().parents[1] / "notebooks" / "app.ipynb", as_version=4)
    page: dict = {}
    try:
        for cell in notebook.cells:
            if cell.cell_type == "code":
                exec(compile(cell.source, "app.ipynb", "exec"), page)  # as the page's kernel runs them
    finally:
        classroom.disable()
    recipe = settings(full_size=True)
    assert page["dashboard"].size.value == recipe.size == (400, 300)
    assert page["grid"].size == recipe.small_size == pace.COURSE["small"].full_size
    assert timed == []

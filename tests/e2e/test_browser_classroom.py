"""The classroom rules hold through the real page: ``nst-teach app`` on 127.0.0.1, driven by headless Chromium.

What a student on the room's network could try from the page: a path in the Save box, a file or one of
the machine's own addresses in the URL box, and code sent straight to the kernel over its websocket.
Each is refused (nst_teach/classroom.py, and Voila's own filter of the kernel's messages). Every request
goes to 127.0.0.1: the refused addresses are refused before any connection is attempted.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

pytestmark = pytest.mark.e2e

RUN_TIMEOUT = 300.0  # seconds for the app's first page (it imports TensorFlow) on a slow 2-core machine


def wait_until(condition: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    value = None
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.25)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what} (last: {value!r})", pytrace=False)


@pytest.fixture(scope="module")
def app_page(voila_app: Any, new_page: Any) -> Any:
    """The classroom app, loaded once for this module's tests (each page load starts a kernel)."""
    with new_page("classroom") as page:
        page.goto(voila_app.page, timeout=RUN_TIMEOUT * 1000)
        page.locator(".nst-app").wait_for(state="visible", timeout=RUN_TIMEOUT * 1000)
        wait_until(lambda: page.get_by_text("Loading widget...").count() == 0, 60, "the widgets to load")
        yield page


@pytest.fixture(scope="module")
def output_dir(course_dir: Path) -> Path:
    """``nst-teach app``'s output folder: ``./nst-teach-output`` of the folder it was started in."""
    return course_dir / "nst-teach-output"


def test_the_url_box_refuses_files_and_this_machine(app_page: Any, voila_app: Any) -> None:
    page = app_page
    url_box = page.locator(".nst-picker-url input").first
    load = page.locator("button.nst-picker-load").first
    status = page.locator(".nst-picker-status").first
    port = voila_app.url.rsplit(":", 1)[1]
    for url, refusal in [
        ("file:///etc/passwd", "reads only http:// and https:// addresses"),
        ("/etc/passwd", "reads only http:// and https:// addresses"),
        (f"http://127.0.0.1:{port}/", "is a loopback address: this machine's own services"),
        ("http://169.254.169.254/latest/meta-data/", "is a link-local address"),
    ]:
        url_box.fill(url)
        load.click()
        wait_until(lambda url=url: f"Cannot load {url}" in status.inner_text(), 60, f"{url} to be refused")
        assert refusal in status.inner_text()


def test_save_writes_only_into_the_output_folder_under_a_sanitised_name(
    app_page: Any, course_dir: Path, output_dir: Path
) -> None:
    page = app_page
    page.locator(".nst-app .lm-TabBar-tab", has_text="Paint").click()
    dashboard = page.locator(".nst-dashboard")
    iterations = dashboard.locator(".widget-inline-hbox:has(> label:text-is('iterations')) input")
    iterations.fill("2")
    iterations.press("Enter")
    dashboard.locator("button.nst-start").click()
    status = dashboard.locator(".nst-status").first
    wait_until(lambda: "Done" in status.inner_text(), RUN_TIMEOUT, "the two iterations to run")

    save_box = dashboard.locator(".nst-save-path input")
    assert "nst-teach-output" in save_box.get_attribute("placeholder")
    for typed, name in [("../../x.jpg", "x.jpg"), ("../../x.jpg", "x-1.jpg")]:
        save_box.fill(typed)
        dashboard.locator("button.nst-save").click()
        wait_until(lambda name=name: f"as {name} in" in status.inner_text(), 60, f"the save as {name}")
        said = status.inner_text()
        assert f"the class's output folder {output_dir}" in said and "is not a plain file name" in said
    assert "x.jpg was taken" in said
    assert sorted(p.name for p in output_dir.glob("*.jpg")) == ["x-1.jpg", "x.jpg"]
    for outside in (course_dir.parent, course_dir.parent.parent, output_dir.parent):
        assert not (outside / "x.jpg").exists(), f"Save wrote outside the output folder: {outside / 'x.jpg'}"


def test_the_saved_pictures_are_not_served_by_voila(voila_app: Any, course_dir: Path, output_dir: Path) -> None:
    """Voila serves the pictures under the notebook's folder at /voila/files/, but not the output folder's."""
    Image.new("RGB", (8, 8)).save(course_dir / "figure.png")  # a lesson's own picture still is
    assert (output_dir / "x.jpg").is_file()
    saved = "nst-teach-output/x.jpg"
    for path, token in [(saved, ""), (saved, voila_app.token), ("figure.png", "")]:
        try:
            with urllib.request.urlopen(f"{voila_app.url}/voila/files/{path}?token={token}", timeout=30) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        assert status == (200 if path == "figure.png" else 403), f"/voila/files/{path}: {status}"


def _decode(frame: bytes) -> dict[str, Any]:
    """One kernel message from the page's wire format (``v1.kernel.websocket.jupyter.org``)."""
    from jupyter_server.services.kernels.connection.base import deserialize_msg_from_ws_v1

    _, parts = deserialize_msg_from_ws_v1(frame)
    header, parent, metadata, content = (json.loads(part) for part in parts[:4])
    return {"header": header, "parent_header": parent, "metadata": metadata, "content": content}


def _encode(message: dict[str, Any]) -> bytes:
    """``message`` in the page's wire format, on its channel."""
    from jupyter_server.services.kernels.connection.base import serialize_msg_to_ws_v1

    body = {key: value for key, value in message.items() if key != "channel"}
    return serialize_msg_to_ws_v1(body, message["channel"], pack=lambda part: json.dumps(part).encode())


def _message(msg_type: str, content: dict[str, Any]) -> dict[str, Any]:
    header = {"msg_id": uuid.uuid4().hex, "msg_type": msg_type, "username": "student", "session": uuid.uuid4().hex,
              "date": "", "version": "5.3"}  # fmt: skip
    return {"header": header, "parent_header": {}, "metadata": {}, "content": content, "channel": "shell"}


def test_code_sent_to_the_kernel_over_its_websocket_is_refused(
    app_page: Any, voila_app: Any, tmp_path: Path, output_dir: Path
) -> None:
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    kernel = app_page.evaluate("() => JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId")
    marker = tmp_path / "executed"
    code = f"import pathlib; pathlib.Path({str(marker)!r}).write_text('the page ran code')"
    options = {"silent": False, "store_history": False, "user_expressions": {}, "allow_stdin": False}
    execute = _message("execute_request", {"code": code, **options, "stop_on_error": True})
    info = _message("kernel_info_request", {})
    address = voila_app.url.replace("http://", "ws://")
    assert address.startswith("ws://127.0.0.1:")
    answers: list[dict[str, Any]] = []
    channels = f"{address}/api/kernels/{kernel}/channels?token={voila_app.token}"
    with pytest.raises(InvalidStatus, match="400"):  # the old protocol: refused (SECURITY.md, forged messages)
        connect(channels, open_timeout=30)
    with connect(channels, open_timeout=30, subprotocols=["v1.kernel.websocket.jupyter.org"]) as ws:
        ws.send(_encode(execute))
        ws.send(_encode(info))  # allowed: its reply proves the connection reaches the kernel
        deadline = time.monotonic() + 60
        replied = False
        while time.monotonic() < deadline and not replied:
            try:
                message = _decode(ws.recv(timeout=5))
            except TimeoutError:
                continue
            answers.append(message)
            replied = message.get("parent_header", {}).get("msg_id") == info["header"]["msg_id"] and (
                message["header"]["msg_type"] == "kernel_info_reply"
            )
        assert replied, "the kernel did not answer kernel_info_request over the websocket"
        quiet_until = time.monotonic() + 5  # time for an execute_reply that should never come
        while time.monotonic() < quiet_until:
            try:
                answers.append(_decode(ws.recv(timeout=1)))
            except TimeoutError:
                pass
    about_execute = [m for m in answers if m.get("parent_header", {}).get("msg_id") == execute["header"]["msg_id"]]
    assert about_execute == [], f"the kernel answered the execute_request: {about_execute[:3]}"
    assert not marker.exists(), "the code sent over the websocket ran"
    port = voila_app.url.rsplit(":", 1)[1]
    log = (output_dir / f"app-{port}.log").read_text(errors="replace")
    assert 'Received message of type "execute_request", which is not allowed' in log


def test_a_student_past_the_rooms_limit_sees_in_plain_words_that_it_is_full(
    course_dir: Path, serve_app: Any, new_page: Any, offline: Any, tmp_path: Path, artifacts: Path
) -> None:
    """A room for one painting: the first tab gets it; a second tab gets the page that says the room is full."""
    flags = ("--max-kernels", "1", "--warm-kernels", "0")
    with serve_app(course_dir / "app.ipynb", log=tmp_path / "app-full.log", flags=flags) as app:
        with new_page("room-first") as first:
            first.goto(app.page, timeout=RUN_TIMEOUT * 1000)
            first.locator(".nst-app").wait_for(state="visible", timeout=RUN_TIMEOUT * 1000)
            with new_page("room-full") as second:
                outside = offline(second)
                response = second.goto(app.page, timeout=60_000)
                assert response.status == 503 and response.headers.get("retry-after") == "60"
                message = second.locator("#nst-teach-room-full")
                said = message.inner_text()
                assert said.startswith("The room is full: 1 painting is running on this machine"), said
                assert "Try again in a minute (this page tries again by itself), or ask your instructor." in said
                assert second.locator("meta[http-equiv='refresh']").get_attribute("content") == "60"
                box = message.bounding_box()
                size = float(message.evaluate("e => getComputedStyle(e).fontSize").removesuffix("px"))
                assert box and box["width"] <= 1280 and size >= 20, "readable on a phone and from the back"
                assert second.locator(".nst-app").count() == 0 and not outside, outside
                second.screenshot(path=str(artifacts / "room-full.png"))
            # The first student's page is untouched: still the app, its kernel still running.
            assert first.locator(".nst-app").is_visible()
        assert "was refused: The room is full" in app.log.read_text(errors="replace")

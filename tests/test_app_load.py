"""The classroom app under a room's load: the real ``nst-teach app`` on 127.0.0.1, students over loopback.

Each test starts ``nst-teach app`` (quick mode, a temporary folder) and plays students with the load test's
client (``benchmarks/bench_app_load.py``: the page over HTTP, the widgets over the kernel's websocket, as
Voila's JavaScript does), each from a loopback address of its own (127.0.0.x), so that the app sees
separate devices. Nothing leaves 127.0.0.0/8. Each test stops the app and every process below it, also when
it fails.

- a room of three with room for two: the third student reads that the room is full, the two others keep
  painting, Stop and Save (the load test itself, N = 3, ``--max-kernels 2``);
- a page left unused loses its kernel after ``--idle-minutes``, a closed tab at once, and the seat is free;
- a traceback never reaches the page: a failing cell shows one sentence, a failing button one line, an
  asyncio task's error nothing; the log has them all;
- the kernel websocket refuses the old protocol and drops a forged frame (either filled the server's memory).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import nbformat
import psutil
import pytest
from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest
from tornado.websocket import websocket_connect

from nst_teach.servers import CELL_ERROR

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCH))
import bench_app_load  # noqa: E402  (the load test's client: one copy, in the benchmark)

sys.path.remove(str(BENCH))

pytestmark = pytest.mark.slow


def kill_all(process: subprocess.Popen, below: list[psutil.Process]) -> None:
    """Whatever of ``process`` and ``below`` still runs is killed (a test's last word, pass or fail)."""
    for child in [*below, psutil.Process(process.pid) if process.poll() is None else None]:
        if child is not None:
            with contextlib.suppress(psutil.Error):
                child.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)


@pytest.fixture
def app(tmp_path: Path) -> Iterator:
    """``start(*flags, notebook=None)``: ``nst-teach app --quick`` on 127.0.0.1 -> (URL, token, folder, process)."""
    started: list[subprocess.Popen] = []
    seen: list[psutil.Process] = []

    def start(*flags: str, notebook: Path | None = None) -> tuple[str, str, Path, subprocess.Popen]:
        args = bench_app_load.argparse.Namespace(max_kernels=None, max_kernels_per_client=None, warm_kernels=None,
                                                 idle_minutes=None, quick=True)  # fmt: skip
        env = bench_app_load.environment(tmp_path)
        extra = (*flags, *([str(notebook)] if notebook else []))
        process, base, _ = bench_app_load.start_app(tmp_path, args, env, extra)
        started.append(process)
        seen.extend(psutil.Process(process.pid).children(recursive=True))
        token = re.search(r"token=(\S+)", (tmp_path / "app.txt").read_text()).group(1)
        return base, token, tmp_path, process

    yield start
    for process in started:
        seen.extend(psutil.Process(process.pid).children(recursive=True) if process.poll() is None else [])
        bench_app_load.stop_app(process)
        kill_all(process, seen)
        assert not [p for p in seen if p.is_running() and p.status() != psutil.STATUS_ZOMBIE], "processes outlived it"


def log_of(folder: Path) -> str:
    return "".join(path.read_text(errors="replace") for path in folder.glob("nst-teach-output/app-*.log"))


async def status_of(url: str) -> int:
    try:
        return (await AsyncHTTPClient().fetch(url, request_timeout=30)).code
    except HTTPClientError as exc:
        return exc.code


# --- a room of three with room for two ---------------------------------------------------------------------


@pytest.mark.timeout(900)
def test_a_room_of_three_with_room_for_two_refuses_the_third_while_the_two_keep_painting(tmp_path):
    out = tmp_path / "figures.json"
    argv = [sys.executable, str(BENCH / "bench_app_load.py"), "--students", "3", "--max-kernels", "2",
            "--warm-kernels", "1", "--quick", "--paint-s", "3", "--iterations", "300", "--timeout-s", "400",
            "--json", str(out)]  # fmt: skip
    bench = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             env=dict(os.environ, NST_TEACH_OFFLINE="1"), start_new_session=True)  # fmt: skip
    below: list[psutil.Process] = []
    try:
        deadline = time.monotonic() + 800
        while bench.poll() is None and time.monotonic() < deadline:
            with contextlib.suppress(psutil.Error):
                below = list({p.pid: p for p in [*below, *psutil.Process(bench.pid).children(recursive=True)]}.values())
            time.sleep(1)
        printed = bench.communicate(timeout=60)[0] if bench.poll() is not None else "(still running)"
    finally:
        kill_all(bench, below)
    print(printed)
    assert bench.returncode == 0, printed
    (room,) = json.loads(out.read_text())["rooms"]
    assert room["errors"] == [], room["errors"]
    assert room["refused"] == {
        "The room is full: 2 paintings are running on this machine, as many as it has room for. Try again in a "
        "minute (this page tries again by itself), or ask your instructor.": 1
    }
    assert room["painted"] == 2 and room["saved"] == 2
    assert room["kept_painting_after_refusals"] is True, room["reports"]  # a picture after the refusal, each
    assert room["saved_files"] == ["student-0.jpg", "student-1.jpg"]
    assert room["usable_page_s"]["max"] < 300 and room["first_picture_s"]["max"] < 300
    assert room["peak_memory_total_mib"] > 0 and room["most_kernels"] >= 2
    assert not [p for p in below if p.is_running() and p.status() != psutil.STATUS_ZOMBIE], "the load test left these"


# --- idle and closed pages give their kernels back ------------------------------------------------------------


@pytest.mark.timeout(600)
def test_an_idle_page_and_a_closed_tab_give_their_kernel_and_seat_back(app):
    base, token, _, _ = app("--max-kernels", "1", "--warm-kernels", "0", "--idle-minutes", "0.1")  # 6 s

    async def scenario() -> None:
        idle = bench_app_load.Page(base, token, "127.0.0.21")
        status, body = await idle.open(300)
        assert status == 200 and 'id="nst-teach-gone"' in body  # what the page says once its kernel is gone
        await idle.load_widgets(120)
        kernel = f"{base}api/kernels/{idle.kernel_id}?token={token}"
        assert await status_of(kernel) == 200
        late = bench_app_load.Page(base, token, "127.0.0.22")
        status, body = await late.open(60)
        assert status == 503 and "The room is full: 1 painting is running" in body
        deadline = time.monotonic() + 120
        while await status_of(kernel) != 404:  # culled: 6 s without activity, checked every second
            assert time.monotonic() < deadline, "the idle kernel was not culled"
            await asyncio.sleep(1)
        again = bench_app_load.Page(base, token, "127.0.0.22")
        assert (await again.open(300))[0] == 200, "the culled kernel's seat is free"
        await again.close()  # a closed tab: Voila's page asks the server to shut its kernel down
        assert await status_of(f"{base}api/kernels/{again.kernel_id}?token={token}") == 404
        third = bench_app_load.Page(base, token, "127.0.0.23")
        assert (await third.open(300))[0] == 200, "the closed tab's seat is free"
        await third.close()

    asyncio.run(scenario())


# --- tracebacks and the kernel websocket -----------------------------------------------------------------------

FAILING = [
    """\
import asyncio, os
import ipywidgets as widgets
from nst_teach import classroom

classroom.enable()
secret = os.getcwd()

def explode(_):
    raise RuntimeError(f"a secret path: {secret}")

async def fail_later():
    raise KeyError(f"a task's secret: {secret}")

boom = widgets.Button(description="boom")
boom.on_click(explode)
later = widgets.Button(description="later")
later.on_click(lambda _: asyncio.ensure_future(fail_later()))
widgets.HBox([boom, later])
""",
    'raise ValueError(f"a cell\'s secret: {secret}")',
]


@pytest.mark.timeout(600)
def test_a_traceback_never_reaches_the_page_and_the_log_keeps_it(app, tmp_path):
    notebook = tmp_path / "failing.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in FAILING],
                                            metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                                     "language": "python"}}), notebook)  # fmt: skip
    base, token, folder, _ = app("--max-kernels", "2", "--warm-kernels", "0", notebook=notebook)
    secret = str(folder)

    async def scenario() -> str:
        page = bench_app_load.Page(base, token, "127.0.0.31")
        status, body = await page.open(300)
        assert status == 200
        assert CELL_ERROR in body.replace("&#39;", "'").replace("&#x27;", "'")  # the failing cell: one sentence
        await page.load_widgets(120)
        (boom,) = page.find("Button", description="boom")
        (later,) = page.find("Button", description="later")
        await page.click(boom, 60)
        await page.click(later, 60)
        await asyncio.sleep(2)  # the task fails on the kernel's next turn
        errors = [m["content"] for m in page.messages if m["msg_type"] == "error"]
        assert errors, "the button's error reached the page as nothing at all"
        for error in errors:
            assert error["ename"] == "RuntimeError" and error["traceback"] == [error["evalue"]]
            assert error["evalue"].startswith("Something went wrong (RuntimeError)")
        await page.close()
        return body + json.dumps(page.messages)

    seen = asyncio.run(scenario())
    for never in ("Traceback", secret, "a secret path", "a task's secret", "a cell's secret", 'File "'):
        assert never not in seen, f"{never!r} reached the page"
    log = log_of(folder)
    for kept in ("Traceback", "a secret path", "a task's secret", "a cell's secret"):
        assert kept in log, f"the log lacks {kept!r}"


@pytest.mark.timeout(600)
def test_the_kernel_websocket_refuses_the_old_protocol_and_drops_a_forged_frame(app, tmp_path):
    notebook = tmp_path / "tiny.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")],
                                            metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                                     "language": "python"}}), notebook)  # fmt: skip
    base, token, folder, process = app("--warm-kernels", "0", notebook=notebook)
    server = [p for p in psutil.Process(process.pid).children(recursive=True) if "voila_room" in " ".join(p.cmdline())]

    async def scenario() -> None:
        page = bench_app_load.Page(base, token, "127.0.0.41")
        assert (await page.open(300))[0] == 200
        channels = f"ws{base[4:]}api/kernels/{page.kernel_id}/channels?session_id=x&token={token}"
        with pytest.raises(HTTPClientError) as refused:  # no subprotocol: the old protocol
            await websocket_connect(HTTPRequest(channels))
        assert refused.value.code == 400
        before = sum(p.memory_info().rss for p in server)
        page._ws.write_message((10**12).to_bytes(8, "little"), binary=True)  # a trillion parts, in 8 bytes
        reply = await page.request("kernel_info_request", {}, 60, wait="reply")  # still served
        assert reply["content"]["status"] == "ok"
        assert sum(p.memory_info().rss for p in server) < before + 200 * 2**20
        await page.close()

    asyncio.run(scenario())
    assert "dropped a malformed message" in log_of(folder)

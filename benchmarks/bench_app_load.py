"""Benchmark: a room of N students on the classroom app (``nst-teach app``), simulated on this machine's loopback.

For each N it starts ``nst-teach app`` on 127.0.0.1 (a port of its own, a temporary folder, the room's limits
from the flags below or the app's defaults), and N students, each from a loopback address of its own
(127.0.0.10, 127.0.0.11, …: one device each, as the app sees them), do what a student does, over HTTP and
the kernel's websocket as the page's JavaScript does:

1. open the page (the token in the address) and load its widgets (``comm_info_request``, then each
   widget's state): **time to a usable page**;
2. choose a photo and a painting (the pickers' dropdowns), press **Start**, wait for the first painted
   picture: **time to the first picture**;
3. keep painting for ``--paint-s`` seconds, press **Stop**, type a name and press **Save** (what the
   status line says is kept); close the tab (Voila's page shuts its kernel down then).

The students up to ``--max-kernels`` arrive together; the others arrive once those have their first
picture, so that they meet a full room while the first ones paint: what they saw is reported, and whether
the painting students kept receiving pictures after the refusals. Meanwhile the memory of the server and of
every kernel is sampled each second: **peak memory** in all (PSS, shared pages counted once) and the
largest kernel's peak (RSS, its high-water mark `VmHWM`).

    python benchmarks/bench_app_load.py --students 1 5 10 20 30             # normal mode, the app's limits
    python benchmarks/bench_app_load.py --students 3 --max-kernels 2 --quick # what tests/test_app_load.py runs

Bounded: at most :data:`MAX_STUDENTS` students, ``--timeout-s`` seconds per N (then the room is stopped
and the students still waiting are reported as timed out), loopback only (the server listens on
127.0.0.1, the students connect from 127.0.0.0/8). It stops the app and its kernels itself. Figures go to
``--json``. Seeded random VGG-19 weights are used unless ``NST_TEACH_WEIGHTS`` names the ImageNet file (the
memory and the time per iteration are the same).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import html
import json
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import psutil
from bench_kernel_memory import peak_rss_mib  # the kernel's VmHWM: one reader, in the kernel-memory benchmark
from jupyter_server.services.kernels.connection.base import deserialize_msg_from_ws_v1, serialize_msg_to_ws_v1
from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest
from tornado.websocket import websocket_connect

HERE = Path(__file__).resolve().parent
MAX_STUDENTS = 60  #: the most students one N may simulate
PROTOCOL = "v1.kernel.websocket.jupyter.org"  #: what Voila's page speaks
FULL = re.compile(r'id="nst-teach-room-full">([^<]*)<')


# --- one student's page ------------------------------------------------------------------------------------


class Page:
    """One browser tab of the app: its HTTP page and its kernel's websocket, as Voila's JavaScript uses them.

    Args:
        base: ``http://127.0.0.1:PORT/``.
        token: the app's token.
        source: the loopback address the student connects from (its device, as the server sees it).
    """

    def __init__(self, base: str, token: str, source: str) -> None:
        self.base, self.token, self.source = base, token, source
        self.kernel_id: str | None = None
        self.states: dict[str, dict[str, Any]] = {}  # comm id -> widget state
        self.updates: list[tuple[float, str, dict[str, Any], int]] = []  # (time, comm id, state, buffers)
        self._ws: Any = None
        self._idle: dict[str, asyncio.Event] = {}  # msg id -> set when the kernel is done with it
        self._waits: dict[str, str] = {}  # msg id -> what "done" means: "idle" (status) or "reply"
        self._replies: dict[str, dict[str, Any]] = {}
        self._reader: asyncio.Task | None = None
        self.session = uuid.uuid4().hex
        self.closed = False
        self.messages: list[dict[str, Any]] = []  # every message the kernel sent the page (buffers left out)

    async def open(self, timeout: float) -> tuple[int, str]:
        """GETs the page; returns (HTTP status, the body). A page with a kernel connects to it."""
        url = f"{self.base}?token={self.token}"
        request = HTTPRequest(url, network_interface=self.source, request_timeout=timeout, connect_timeout=30)
        try:
            response = await AsyncHTTPClient().fetch(request)
            status, body = response.code, response.body.decode(errors="replace")
        except HTTPClientError as exc:
            status = exc.code
            body = exc.response.body.decode(errors="replace") if exc.response is not None else str(exc)
        found = re.search(r'"kernelId":\s*"([0-9a-f-]+)"', body) if status == 200 else None
        if found:
            self.kernel_id = found.group(1)
            await self.connect(f"{self.base}api/kernels/{self.kernel_id}/channels?token={self.token}")
        return status, body

    async def connect(self, url: str, headers: dict[str, str] | None = None) -> None:
        """Opens the kernel's websocket at ``url`` (``http://…/api/kernels/ID/channels``), as a page does."""
        ws_url = f"ws{url[4:]}{'&' if '?' in url else '?'}session_id={self.session}"
        request = HTTPRequest(ws_url, headers=headers, network_interface=self.source, connect_timeout=30)
        self._ws = await websocket_connect(request, subprotocols=[PROTOCOL])
        self._reader = asyncio.ensure_future(self._read())

    async def load_widgets(self, timeout: float) -> None:
        """What the page's widget manager does: the widgets' ids, then each one's state."""
        reply = await self.request("comm_info_request", {"target_name": "jupyter.widget"}, timeout, wait="reply")
        comms = list(reply["content"]["comms"])
        pending = [
            self.request("comm_msg", {"comm_id": c, "data": {"method": "request_state"}}, timeout) for c in comms
        ]
        await asyncio.gather(*pending)
        missing = [c for c in comms if c not in self.states]
        if missing:
            raise RuntimeError(f"{len(missing)} of {len(comms)} widgets sent no state")

    async def request(self, msg_type: str, content: dict, timeout: float, wait: str = "idle") -> dict[str, Any]:
        """Sends a shell message; waits until the kernel is idle after it (or for its reply)."""
        msg_id = uuid.uuid4().hex
        header = {"msg_id": msg_id, "msg_type": msg_type, "username": "student", "session": self.session,
                  "date": time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime()), "version": "5.3"}  # fmt: skip
        message = {"header": header, "parent_header": {}, "metadata": {}, "content": content}
        done = self._idle[msg_id] = asyncio.Event()
        self._waits[msg_id] = wait
        self._ws.write_message(serialize_msg_to_ws_v1(message, "shell", pack=lambda part: json.dumps(part).encode()),
                               binary=True)  # fmt: skip
        try:
            await asyncio.wait_for(done.wait(), timeout)
        finally:
            self._idle.pop(msg_id, None)
            self._waits.pop(msg_id, None)
        if wait == "reply":
            return self._replies.pop(msg_id)
        return {}

    async def _read(self) -> None:
        while True:
            frame = await self._ws.read_message()
            if frame is None:
                self.closed = True
                for event in self._idle.values():
                    event.set()
                return
            channel, parts = deserialize_msg_from_ws_v1(frame)
            header, parent, _, content = (json.loads(part) for part in parts[:4])
            if len(self.messages) < 20_000:  # what reached the page, less the pictures' bytes (tests read it)
                self.messages.append({"channel": channel, "msg_type": header["msg_type"], "content": content})
            buffers = len(parts) - 4
            kind, parent_id = header["msg_type"], parent.get("msg_id")
            if kind == "comm_msg" and content.get("data", {}).get("method") in ("update", "echo_update"):
                comm_id, state = content["comm_id"], content["data"].get("state", {})
                self.states.setdefault(comm_id, {}).update(state)
                self.updates.append((time.monotonic(), comm_id, state, buffers))
            elif kind.endswith("_reply") and parent_id in self._idle:
                self._replies[parent_id] = {"content": content}
                if self._waits.get(parent_id) == "reply":
                    self._idle[parent_id].set()
            elif kind == "status" and content.get("execution_state") == "idle" and self._waits.get(parent_id) == "idle":
                self._idle[parent_id].set()

    # -- the widgets, found as a student finds them: by what they show ----------------------------------

    def find(self, model: str, under: str | None = None, **shown: Any) -> list[str]:
        """The comm ids of the widgets of ``model`` (``"Button"``) under ``under`` whose state has ``shown``."""
        found = []
        for comm_id in self._subtree(under) if under else self.states:
            state = self.states.get(comm_id, {})
            if state.get("_model_name") != f"{model}Model":
                continue
            if all(state.get(key) == value for key, value in shown.items()):
                found.append(comm_id)
        return found

    def _subtree(self, root: str) -> list[str]:
        seen, todo = [], [root]
        while todo:
            comm_id = todo.pop()
            if comm_id in seen:
                continue
            seen.append(comm_id)
            for child in self.states.get(comm_id, {}).get("children", []) or []:
                todo.append(child.removeprefix("IPY_MODEL_"))
        return seen

    def with_class(self, css: str, under: str) -> str:
        """The one widget under ``under`` with the CSS class ``css`` (the app's names for its buttons)."""
        (found,) = [c for c in self._subtree(under) if css in self.states.get(c, {}).get("_dom_classes", [])]
        return found

    async def next_update(self, comm_id: str, *, after: float, timeout: float) -> float:
        """When ``comm_id`` (an Image) next got new bytes after ``after``; waits up to ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            new = [u[0] for u in self.updates if u[1] == comm_id and u[3] > 0 and u[0] > after]
            if new:
                return new[0]
            if self.closed:
                raise RuntimeError("the kernel's websocket closed")
            if time.monotonic() > deadline:
                raise asyncio.TimeoutError(f"no new picture in {timeout:.0f} s")
            await asyncio.sleep(0.1)

    def tab(self) -> list[str]:
        """The app's three tabs' contents: Pictures, Paint, Compare."""
        (app,) = [
            c
            for c, s in self.states.items()
            if s.get("_model_name") == "TabModel" and "nst-app" in s.get("_dom_classes", [])
        ]
        return [child.removeprefix("IPY_MODEL_") for child in self.states[app]["children"]]

    async def set(self, comm_id: str, timeout: float, **state: Any) -> None:
        """Changes a widget's value as the page does (a dropdown's index, a text's value)."""
        self.states[comm_id].update(state)
        content = {"comm_id": comm_id, "data": {"method": "update", "state": state, "buffer_paths": []}}
        await self.request("comm_msg", content, timeout)

    async def click(self, comm_id: str, timeout: float) -> None:
        content = {"comm_id": comm_id, "data": {"method": "custom", "content": {"event": "click"}}}
        await self.request("comm_msg", content, timeout)

    async def close(self, timeout: float = 30) -> None:
        """Closes the tab: Voila's page asks the server to shut its kernel down, then the socket closes."""
        if self.kernel_id is not None:
            url = f"{self.base}voila/api/shutdown/{self.kernel_id}?token={self.token}"
            with contextlib.suppress(Exception):
                await AsyncHTTPClient().fetch(
                    HTTPRequest(url, method="POST", body=b"", network_interface=self.source, request_timeout=timeout)
                )
        if self._ws is not None:
            self._ws.close()
        if self._reader is not None:
            self._reader.cancel()


# --- one student -----------------------------------------------------------------------------------------


@dataclass
class StudentReport:
    """What one student saw, and when (seconds from their arrival)."""

    student: int
    source: str
    arrived_s: float = 0.0
    page_status: int | None = None
    usable_page_s: float | None = None
    first_picture_s: float | None = None
    pictures: int = 0
    pictures_after_refusals: int | None = None
    saved: str | None = None
    refused: str | None = None
    error: str | None = None
    stage: str = "arriving"


async def student(index: int, base: str, token: str, report: StudentReport, *, painted: asyncio.Event,
                  refusals_done: asyncio.Event, paint_s: float, iterations: int | None,
                  timeout: float) -> None:  # fmt: skip
    """One student's visit (see the module's docstring); fills ``report``; never raises."""
    page = Page(base, token, report.source)
    started = report.arrived_s = time.monotonic()
    try:
        report.stage = "opening the page"
        status, body = await page.open(timeout)
        report.page_status = status
        if status != 200:
            found = FULL.search(body)
            report.refused = found.group(1) if found else f"HTTP {status}: {body[:300]}"
            return
        report.stage = "loading the widgets"
        await page.load_widgets(timeout)
        report.usable_page_s = time.monotonic() - started
        pictures_tab, paint_tab, _ = page.tab()
        report.stage = "choosing the pictures"
        for dropdown in page.find("Dropdown", pictures_tab, description="Sample"):  # the photo's, the painting's
            await page.set(dropdown, timeout, index=1 + index % (len(page.states[dropdown]["_options_labels"]) - 1))
        if iterations is not None:  # as a student types them: a longer run, the convergence rule off
            (box,) = page.find("BoundedIntText", paint_tab, description="iterations")
            await page.set(box, timeout, value=iterations)
            (rule,) = page.find("BoundedFloatText", paint_tab, description="converged below")
            await page.set(rule, timeout, value=page.states[rule].get("min", 0.0))
        start, stop, save, name, status_line, picture = (
            page.with_class(name, paint_tab)
            for name in ("nst-start", "nst-stop", "nst-save", "nst-save-path", "nst-status", "nst-app-picture")
        )
        report.stage = "painting"
        pressed = time.monotonic()
        await page.click(start, timeout)
        first = await page.next_update(picture, after=pressed, timeout=timeout)
        report.first_picture_s = first - pressed
        painted.set()
        await asyncio.sleep(paint_s)
        report.stage = "painting while the latecomers arrive"
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(refusals_done.wait(), timeout)
        refusals_at = getattr(refusals_done, "at", None)
        if refusals_at is not None and not page.closed:  # the next picture, if the run goes on
            with contextlib.suppress(asyncio.TimeoutError, RuntimeError):
                await page.next_update(picture, after=refusals_at, timeout=min(timeout, 60))
        pictures = [u[0] for u in page.updates if u[1] == picture and u[3] > 0 and u[0] >= pressed]
        report.pictures = len(pictures)
        if refusals_at is not None:
            report.pictures_after_refusals = sum(t > refusals_at for t in pictures)
        report.stage = "stopping and saving"
        await page.click(stop, timeout)
        await page.set(name, timeout, value=f"student-{index}")
        await page.click(save, timeout)
        report.saved = html.unescape(re.sub(r"<[^>]+>", "", page.states[status_line].get("value", ""))).strip(" ✔")
        report.stage = "done"
    except Exception as exc:  # noqa: BLE001 - a student's failure is a figure of the report
        report.error = f"{report.stage}: {type(exc).__name__}: {exc}"
    finally:
        await page.close()


# --- the room ----------------------------------------------------------------------------------------------


class MemorySampler:
    """Samples, every ``every`` seconds in a thread, the memory of a process and everything below it."""

    def __init__(self, pid: int, every: float = 1.0) -> None:
        self.pid, self.every = pid, every
        self.peak_pss = self.peak_rss = 0  # all processes together, bytes
        self.kernel_peaks: dict[int, int] = {}  # a kernel's pid -> its peak RSS (VmHWM), bytes
        self.most_kernels = 0
        self._stop = asyncio.Event()

    def sample(self) -> None:
        try:
            processes = [psutil.Process(self.pid), *psutil.Process(self.pid).children(recursive=True)]
        except psutil.NoSuchProcess:
            return
        pss = rss = kernels = 0
        for process in processes:
            with contextlib.suppress(psutil.Error):
                info = process.memory_full_info() if hasattr(psutil.Process, "memory_full_info") else None
                resident = process.memory_info().rss
                rss += resident
                pss += getattr(info, "pss", resident) if info is not None else resident
                if "ipykernel_launcher" in " ".join(process.cmdline()):
                    kernels += 1
                    peak = resident
                    with contextlib.suppress(OSError, RuntimeError):  # its high-water mark: between samples too
                        peak = max(peak, int(peak_rss_mib(process.pid) * 2**20))
                    self.kernel_peaks[process.pid] = max(self.kernel_peaks.get(process.pid, 0), peak)
        self.peak_pss, self.peak_rss = max(self.peak_pss, pss), max(self.peak_rss, rss)
        self.most_kernels = max(self.most_kernels, kernels)

    async def run(self) -> None:
        while not self._stop.is_set():
            await asyncio.to_thread(self.sample)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self.every)

    def stop(self) -> None:
        self._stop.set()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_app(
    folder: Path, args: argparse.Namespace, env: dict[str, str], extra: tuple[str, ...] = ()
) -> tuple[subprocess.Popen, str, int]:
    """Starts ``nst-teach app`` on 127.0.0.1 in ``folder``; returns (process, base URL, its --max-kernels).

    ``extra``: more of ``nst-teach app``'s arguments (flags, another notebook to serve).
    """
    port, token = free_port(), secrets.token_urlsafe(16)
    argv = [sys.executable, "-m", "nst_teach", "app", "--no-browser", "--ip", "127.0.0.1", "--port", str(port),
            f"--token={token}", "--output-dir", str(folder / "saved")]  # fmt: skip
    for flag in ("max_kernels", "max_kernels_per_client", "warm_kernels", "idle_minutes"):
        if getattr(args, flag) is not None:
            argv += [f"--{flag.replace('_', '-')}", str(getattr(args, flag))]
    if args.quick:
        argv.append("--quick")
    argv += extra
    log = (folder / "app.txt").open("w")
    process = subprocess.Popen(argv, cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
    deadline = time.monotonic() + 300
    while True:
        text = (folder / "app.txt").read_text(errors="replace")
        if "is ready" in text:
            break
        if process.poll() is not None or time.monotonic() > deadline:
            stop_app(process)
            raise RuntimeError(f"nst-teach app did not start:\n{text[-3000:]}")
        time.sleep(0.5)
    warm = re.search(r"(\d+) warm kernels?", text)
    log = next(folder.glob("nst-teach-output/app-*.log"), None)
    while warm and int(warm.group(1)) and log and "Kernel pool of" not in log.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:  # the warm kernels: ready before the class
            stop_app(process)
            raise RuntimeError(f"the app's warm kernels did not start:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.5)
    room = re.search(r"room for (\d+) paintings", text)
    return process, f"http://127.0.0.1:{port}/", int(room.group(1)) if room else MAX_STUDENTS


def stop_app(process: subprocess.Popen) -> None:
    """SIGTERM to nst-teach (it stops Voila and the kernels); whatever is left after a minute is killed."""
    try:
        below = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        below = []
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    for child in below:
        with contextlib.suppress(psutil.Error):
            child.kill()


async def room(n: int, base: str, token: str, app_pid: int, max_kernels: int, args: argparse.Namespace) -> dict:
    """N students on the app at ``base``: their reports and the memory, as one dict of figures."""
    # Every student's requests at once, as N browsers send them: Tornado's client otherwise queues all but
    # 10 and times them out itself ("HTTP 599: Timeout in request queue"), which no server did.
    AsyncHTTPClient.configure(None, max_clients=4 * n + 10)
    reports = [StudentReport(i, f"127.0.0.{10 + i % args.devices}") for i in range(n)]
    first = min(n, max_kernels)
    painted = [asyncio.Event() for _ in range(n)]
    refusals_done = asyncio.Event()
    sampler = MemorySampler(app_pid)
    sampling = asyncio.ensure_future(sampler.run())
    timeout = args.timeout_s

    async def visit(i: int) -> None:
        try:
            await student(i, base, token, reports[i], painted=painted[i], refusals_done=refusals_done,
                          paint_s=args.paint_s, iterations=args.iterations, timeout=timeout)  # fmt: skip
        finally:
            painted[i].set()  # a student who failed or was refused holds no one up

    async def latecomers() -> None:
        await asyncio.gather(*(event.wait() for event in painted[:first]))
        late = [asyncio.ensure_future(visit(i)) for i in range(first, n)]
        while any(reports[i].page_status is None and not late[i - first].done() for i in range(first, n)):
            await asyncio.sleep(0.05)
        refusals_done.at = time.monotonic()  # type: ignore[attr-defined]
        refusals_done.set()
        await asyncio.gather(*late)

    started = time.monotonic()
    tasks = [asyncio.ensure_future(visit(i)) for i in range(first)]
    if n > first:
        tasks.append(asyncio.ensure_future(latecomers()))
    else:
        refusals_done.set()
    done, pending = await asyncio.wait(tasks, timeout=timeout + args.paint_s + 60)
    for task in pending:
        task.cancel()
    for report in reports:
        if report.stage not in ("done",) and report.error is None and report.refused is None:
            report.error = f"timed out while {report.stage}"
    sampler.stop()
    await sampling
    return summary(n, reports, sampler, time.monotonic() - started, max_kernels)


def _spread(values: list[float]) -> dict[str, float] | None:
    if not values:
        return None
    return {"median": round(statistics.median(values), 2), "max": round(max(values), 2)}


def summary(n: int, reports: list[StudentReport], sampler: MemorySampler, wall: float, max_kernels: int) -> dict:
    """The figures of one N: times, memory, errors, refusals, and each student's report."""
    refused: dict[str, int] = {}
    for report in reports:
        if report.refused:
            refused[report.refused] = refused.get(report.refused, 0) + 1
    painting = [r for r in reports if r.first_picture_s is not None]
    kept = [r.pictures_after_refusals for r in painting if r.pictures_after_refusals is not None]
    return {
        "students": n,
        "max_kernels": max_kernels,
        "usable_page_s": _spread([r.usable_page_s for r in reports if r.usable_page_s is not None]),
        "first_picture_s": _spread([r.first_picture_s for r in painting]),
        "painted": len(painting),
        "saved": sum(bool(r.saved and r.saved.startswith("Saved")) for r in reports),
        "refused": refused,
        "kept_painting_after_refusals": (all(k > 0 for k in kept) if kept else None),
        "errors": [f"student {r.student}: {r.error}" for r in reports if r.error],
        "peak_memory_total_mib": round(sampler.peak_pss / 2**20),
        "peak_rss_total_mib": round(sampler.peak_rss / 2**20),
        "peak_kernel_rss_mib": round(max(sampler.kernel_peaks.values(), default=0) / 2**20),
        "most_kernels": sampler.most_kernels,
        "wall_s": round(wall, 1),
        "reports": [asdict(r) for r in reports],
    }


def environment(folder: Path) -> dict[str, str]:
    """The app's environment: offline, its own home and Jupyter folders, ImageNet or seeded random weights."""
    env = dict(os.environ, NST_TEACH_OFFLINE="1", PYTHONUNBUFFERED="1", TF_CPP_MIN_LOG_LEVEL="3",
               JUPYTER_RUNTIME_DIR=str(folder / "runtime"), IPYTHONDIR=str(folder / "ipython"),
               MPLCONFIGDIR=str(folder / "mpl"))  # fmt: skip
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "JUPYTER_TOKEN", "NST_TEACH_QUICK"):
        env.pop(name, None)
    from nst_teach.weights import weights_status, write_random_weights

    status = weights_status("auto")
    if not (status.kind == "imagenet" and status.path and Path(status.path).exists()):
        weights = folder / "vgg19_random.h5"
        write_random_weights(weights, seed=0)
        env["NST_TEACH_WEIGHTS"] = str(weights)
    return env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, nargs="+", default=[1, 5, 10, 20, 30], help="the values of N")
    parser.add_argument("--quick", action="store_true", help="the app in quick mode (64×48): the tests' setting")
    parser.add_argument("--max-kernels", type=int, help="the app's --max-kernels (default: the app's own)")
    parser.add_argument("--max-kernels-per-client", type=int, help="the app's --max-kernels-per-client")
    parser.add_argument("--warm-kernels", type=int, help="the app's --warm-kernels")
    parser.add_argument("--idle-minutes", type=float, help="the app's --idle-minutes")
    parser.add_argument(
        "--devices", type=int, default=MAX_STUDENTS, help="addresses the students share (default: one each)"
    )
    parser.add_argument(
        "--paint-s", type=float, default=20.0, help="seconds each student paints after the first picture"
    )
    parser.add_argument("--iterations", type=int, default=None,
                        help="iterations each student types before Start, the convergence rule off")  # fmt: skip
    parser.add_argument("--timeout-s", type=float, default=900.0, help="the most seconds one N may take")
    parser.add_argument("--json", default=str(HERE / "results" / "bench_app_load.json"))
    args = parser.parse_args(argv)
    if any(not 1 <= n <= MAX_STUDENTS for n in args.students):
        parser.error(f"--students: each N between 1 and {MAX_STUDENTS}")
    args.devices = max(1, min(args.devices, 200))
    results = []
    for n in args.students:
        with tempfile.TemporaryDirectory(prefix=f"nst-app-load-{n}-") as tmp:
            folder = Path(tmp)
            process, base, max_kernels = start_app(folder, args, environment(folder))
            try:
                token = re.search(r"token=(\S+)", (folder / "app.txt").read_text()).group(1)
                figures = asyncio.run(room(n, base, token, process.pid, max_kernels, args))
            finally:
                stop_app(process)
            figures["saved_files"] = sorted(
                p.name for p in (folder / "saved").glob("*.*") if not p.name.endswith(".log")
            )
            figures["app_log_tail"] = "\n".join((folder / "app.txt").read_text(errors="replace").splitlines()[-15:])
        results.append(figures)
        print(
            f"N={n:>2}: usable page {figures['usable_page_s']} s, first picture {figures['first_picture_s']} s, "
            f"painted {figures['painted']}, saved {figures['saved']}, refused {sum(figures['refused'].values())}, "
            f"errors {len(figures['errors'])}; peak memory {figures['peak_memory_total_mib']} MiB in all (PSS), "
            f"{figures['peak_kernel_rss_mib']} MiB the largest kernel (RSS), {figures['most_kernels']} kernels",
            flush=True,
        )
        for message, count in figures["refused"].items():
            print(f"      {count} student(s) saw: {message}")
        for error in figures["errors"]:
            print(f"      {error}")
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    mode = "quick" if args.quick else "normal"
    out.write_text(json.dumps({"mode": mode, "rooms": results}, indent=2))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

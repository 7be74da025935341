"""Fixtures of the browser tests: a JupyterLab server, a Voila server and headless Chromium.

Everything runs in a temporary folder holding copies of the notebooks (a run never
writes into the repository), in quick mode (``NST_TEACH_QUICK=1``), offline
(``NST_TEACH_OFFLINE=1``), with a seeded random VGG-19 weights file (``NST_TEACH_WEIGHTS``;
``NST_TEACH_E2E_WEIGHTS=/path/file.h5`` uses that file instead), and with JupyterLab's
settings, workspaces and runtime files in that folder too.  The browser is the system's Chromium (Debian's
``chromium`` package, installed by ``.ci/run``), driven by Python Playwright;
no browser is ever downloaded.

Without Chromium or Playwright the tests are skipped, loudly; under CI
(``CI`` set to anything but 0/false) they fail instead.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

#: Flags for Chromium in containers and CI: no sandbox (root), no /dev/shm, no GPU, no phoning home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-dev-shm-usage",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

#: What the screen of a classroom projector shows.
VIEWPORT = {"width": 1280, "height": 720}

SERVER_START_TIMEOUT = 120.0


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}


def chromium_path() -> str | None:
    """The system Chromium: ``$NST_TEACH_CHROMIUM``, else ``chromium`` on the PATH, else None."""
    given = os.environ.get("NST_TEACH_CHROMIUM")
    if given:
        return given if Path(given).is_file() else None
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _unavailable(reason: str) -> None:
    message = (
        f"BROWSER TESTS NOT RUN: {reason}. Install Debian's Chromium (`apt-get install chromium`) and "
        "`pip install playwright` (or run `bash .ci/run`, which does both)."
    )
    if _in_ci():
        pytest.fail(message + " CI must run them.", pytrace=False)
    pytest.skip(message)


# --- ports, processes ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(process: subprocess.Popen) -> None:
    """Terminates a server and everything it started: SIGTERM to its process group, then SIGKILL.

    Kernels run in sessions of their own (jupyter_client starts them so), so they are
    listed before the server goes and killed afterwards if the server left any behind.
    """
    import psutil

    try:
        children = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        children = []
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    _, alive = psutil.wait_procs(children, timeout=5)
    for child in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            child.kill()


def _log_tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _wait_for(url: str, process: subprocess.Popen, log: Path, headers: dict[str, str] | None = None) -> None:
    """Polls ``url`` until it answers 200, the server dies, or the time is up."""
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    last = ""
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with status {process.returncode}:\n{_log_tail(log)}")
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, OSError) as exc:
            last = str(exc)
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer within {SERVER_START_TIMEOUT:.0f} s ({last}):\n{_log_tail(log)}")


def _start(command: list[str], cwd: Path, env: dict[str, str], log: Path) -> subprocess.Popen:
    handle = log.open("wb")
    try:
        return subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    finally:
        handle.close()


# --- the course folder -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def course_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A temporary copy of the course (exercises solved, so "Run All" reaches the end)."""
    from nst_teach.course import copy_notebooks

    folder = tmp_path_factory.mktemp("course") / "notebooks"
    for path in copy_notebooks(folder, solutions=True, source=ROOT / "notebooks"):
        if path.suffix != ".ipynb":  # the glossary, copied beside the notebooks for their links
            continue
        notebook = json.loads(path.read_text(encoding="utf-8"))
        for cell in notebook["cells"]:  # start blank: "every cell ran" must mean this run
            if cell["cell_type"] == "code":
                cell["outputs"], cell["execution_count"] = [], None
        path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def server_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment of the servers and their kernels: quick, offline, seeded random weights, isolated."""
    from nst_teach.weights import write_random_weights

    home = tmp_path_factory.mktemp("jupyter-home")
    given = os.environ.get("NST_TEACH_E2E_WEIGHTS")  # e.g. the real ImageNet file, for the README's picture
    if given:
        weights = Path(given).expanduser().resolve()
    else:
        weights = home / "vgg19_random_seed0_notop.h5"
        write_random_weights(weights, seed=0)

    env = dict(os.environ)
    env.update(
        {
            "NST_TEACH_QUICK": "1",
            "NST_TEACH_OFFLINE": "1",
            "NST_TEACH_WEIGHTS": str(weights),
            "NST_TEACH_CACHE": str(home / "cache"),
            # A student who never opened JupyterLab: no settings or workspaces of their own (nor of this
            # machine's user), so the page shows what nst-teach's own settings give a new student.
            "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
            "JUPYTERLAB_SETTINGS_DIR": str(home / "lab-settings"),
            "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
            "IPYTHONDIR": str(home / "ipython"),
            "MPLCONFIGDIR": str(home / "matplotlib"),
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.pop("JUPYTER_TOKEN", None)
    return env


# --- servers -----------------------------------------------------------------------------------------


class Server:
    """A running server: ``url``, ``token``, ``page`` (the address to open), ``log`` and a small REST client."""

    def __init__(self, url: str, token: str, log: Path, process: subprocess.Popen) -> None:
        self.url, self.token, self.log, self.process = url, token, log, process
        self.page = f"{url}/?token={token}"  #: the address a student opens (nst-teach prints it)

    def api(self, method: str, path: str) -> Any:
        request = urllib.request.Request(
            f"{self.url}{path}", method=method, headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shut_down_kernels(self) -> None:
        """Ends every session and kernel (between tests: two cores, one kernel at a time)."""
        for session in self.api("GET", "/api/sessions"):
            with contextlib.suppress(urllib.error.URLError):
                self.api("DELETE", f"/api/sessions/{session['id']}")
        for kernel in self.api("GET", "/api/kernels"):
            with contextlib.suppress(urllib.error.URLError):
                self.api("DELETE", f"/api/kernels/{kernel['id']}")


@pytest.fixture(scope="module")
def jupyter_lab(
    course_dir: Path, server_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """``nst-teach tutorial`` on the course copy, at a free port on 127.0.0.1: what a student starts, as it is.

    No setting of the tests' own: the command line, the environment (the token in ``JUPYTER_TOKEN``,
    nst-teach's Jupyter folder with its Voila template and page settings) and the address are nst-teach's.
    ``page`` is the address it printed, at the first notebook.
    """
    log = tmp_path_factory.mktemp("logs") / "jupyter-lab.log"
    command = ["tutorial", "--no-browser", "--ip=127.0.0.1", f"--port={free_port()}", f"--dir={course_dir}"]
    with nst_teach_server(command, course_dir.parent, server_env, log) as lab:
        yield lab


PRINTED_URL = re.compile(r"http://127\.0\.0\.1:\d+/\S*\?token=(\S+)")


@contextlib.contextmanager
def nst_teach_server(command: list[str], cwd: Path, env: dict[str, str], log: Path) -> Iterator[Server]:
    """``nst-teach COMMAND`` (``tutorial`` or ``app``); ``page`` is the address it printed, token included."""
    process = _start([sys.executable, "-m", "nst_teach", *command], cwd, env, log)
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while not (found := PRINTED_URL.search(log.read_text(errors="replace"))):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"nst-teach {command[0]} printed no address (status {process.poll()}):\n"
                                   f"{_log_tail(log)}")  # fmt: skip
            time.sleep(0.5)
        parts = urllib.parse.urlsplit(found.group(0))
        server = Server(f"{parts.scheme}://{parts.netloc}", found.group(1), log, process)
        server.page = found.group(0)
        yield server
    finally:
        _stop(process)
        _keep_log(log)


@contextlib.contextmanager
def nst_teach_app(notebook: Path, env: dict[str, str], log: Path, flags: tuple[str, ...] = ()) -> Iterator[Server]:
    """``nst-teach app NOTEBOOK --no-browser [FLAGS]`` on 127.0.0.1, a free port; ``page``: the address it printed."""
    command = ["app", str(notebook), "--no-browser", "--ip=127.0.0.1", f"--port={free_port()}", *flags]
    with nst_teach_server(command, notebook.parent, env, log) as app:
        yield app


@pytest.fixture(scope="module")
def serve_app(server_env: dict[str, str]) -> Any:
    """``with serve_app(notebook, log=path[, flags=(...)]) as app:``: ``nst-teach app`` (:func:`nst_teach_app`)."""
    return functools.partial(nst_teach_app, env=server_env)


@pytest.fixture(scope="module")
def voila_app(
    course_dir: Path, server_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """The classroom app as ``nst-teach app`` serves it (Voila), from the course copy, at a free port."""
    with nst_teach_app(course_dir / "app.ipynb", server_env, tmp_path_factory.mktemp("logs") / "voila.log") as app:
        yield app


def _keep_log(log: Path) -> None:
    with contextlib.suppress(OSError):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(log, ARTIFACTS / log.name)


# --- the browser -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless system Chromium driven by Playwright (skipped loudly without it; failing under CI)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Python Playwright is not installed")
    executable = chromium_path()
    if executable is None:
        _unavailable("no Chromium found (looked at $NST_TEACH_CHROMIUM, chromium, chromium-browser)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextlib.contextmanager
def browser_page(browser: Any, name: str) -> Iterator[Any]:
    """A fresh 1280×720 page; at the end its screenshot and console errors go to ``tests/e2e/artifacts/<name>.*``."""
    context = browser.new_context(viewport=VIEWPORT, device_scale_factor=1)
    page = context.new_page()
    page.set_default_timeout(60_000)
    messages: list[str] = []
    page.on("console", lambda m: messages.append(f"{m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: messages.append(f"pageerror: {e}"))
    try:
        yield page
    finally:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(Exception):
            page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
        with contextlib.suppress(Exception):
            (ARTIFACTS / f"{name}.console.txt").write_text("\n".join(messages))
        context.close()


LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


def block_outside(page: Any) -> list[str]:
    """Aborts every request of ``page`` that would leave this machine; returns the list they are noted in.

    As in a classroom without internet, but failing at once instead of after a DNS time-out. Requests to
    127.0.0.1 (the servers) go through; ``data:`` and ``blob:`` URLs never reach the network. WebSockets
    are not routed, so one to another host is noted too.
    """
    outside: list[str] = []

    def leaves(url: str) -> bool:
        parts = urllib.parse.urlsplit(url)
        return parts.scheme not in {"data", "blob"} and parts.hostname not in LOOPBACK

    def route(route: Any) -> None:
        if leaves(route.request.url):
            outside.append(route.request.url)
            route.abort("internetdisconnected")
        else:
            route.continue_()

    page.route("**/*", route)
    page.on("websocket", lambda ws: outside.append(ws.url) if leaves(ws.url) else None)
    return outside


@pytest.fixture
def offline() -> Any:
    """``outside = offline(page)``: a request of ``page`` that would leave the machine fails (:func:`block_outside`)."""
    return block_outside


@pytest.fixture(scope="module")
def new_page(browser: Any) -> Any:
    """``with new_page(name) as page:`` a fresh page outside the per-test ``page`` fixture."""
    return functools.partial(browser_page, browser)


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh page for one test, screenshot kept as ``tests/e2e/artifacts/<test name>.png`` (pass or fail)."""
    name = re.sub(r"[^\w.-]+", "_", request.node.name)
    with browser_page(browser, name) as page:
        yield page


@pytest.fixture(scope="module")
def artifacts() -> Path:
    """The folder the screenshots go to (git-ignored)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS

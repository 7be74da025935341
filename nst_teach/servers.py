"""Starting and stopping the course's servers: JupyterLab for the notebooks, Voila for the classroom app.

``nst-teach tutorial`` and ``nst-teach app`` build a :class:`ServerCommand` with
:func:`lab_command` or :func:`voila_command` and hand it to :func:`serve`, which

- starts the server in a session of its own (so Ctrl-C in the terminal reaches nst-teach, not the server);
- writes everything the server prints into a log file it names first, and shows in the terminal only
  what a student can act on (:class:`OutputFilter`);
- prints the address to open, token included, as soon as the port answers: the first notebook, or the app;
- passes SIGINT, SIGTERM and SIGHUP on to the server, waits for it and its kernels to exit (killing them
  after a grace period) and returns 128 + the signal's number, as a shell does.

As root (containers, cloud machines) JupyterLab gets ``--allow-root``, with a one-line notice.

Used by the README's Quick start (``nst-teach tutorial``) and its classroom app (``nst-teach app``).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import webbrowser
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from . import classroom
from .defaults import OUTPUT_DIR
from .errors import OptionError

__all__ = [
    "ServerCommand",
    "lab_command",
    "voila_command",
    "serve",
    "OutputFilter",
    "is_root",
    "has_display",
    "choose_port",
    "LAB_PORT",
    "VOILA_PORT",
]

LAB_PORT = 8888  #: JupyterLab's usual port; the next free one is taken when it is busy
VOILA_PORT = 8866  #: Voila's usual port
PORT_TRIES = 50  #: how many ports after the usual one are tried
STOP_GRACE = 15.0  #: seconds the server gets to shut its kernels down before it is killed

#: nst-teach's Jupyter folder: its Voila template (``voila/templates/nst-teach``: the lab template without
#: CDN links) and, for JupyterLab, ``jupyter_server_config.json``: that template and the bundled MathJax for
#: Voila inside JupyterLab; ``labconfig/page_config.json``: no news pop-up, no update check.
#: Servers find it first on ``JUPYTER_PATH`` and ``JUPYTER_CONFIG_PATH``.
JUPYTER_DATA = Path(__file__).resolve().parent / "data" / "jupyter"
VOILA_TEMPLATE = "nst-teach"

#: The signals nst-teach passes on to the server: Ctrl-C, a process manager's stop, a closed terminal.
FORWARDED = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))

ALL_INTERFACES = {"", "0.0.0.0", "::"}


@dataclass(frozen=True)
class ServerCommand:
    """A server to start: its command line, where it listens, and the address a student opens."""

    name: str  #: "JupyterLab" or "Voila", as the messages call it
    argv: list[str]
    ip: str  #: the address the server listens on (``--ip``)
    port: int
    url: str  #: the address to open in a browser, token included
    log_name: str  #: the log file's name, in the output folder
    env: dict[str, str]  #: the server's environment: nst-teach's, the token in JUPYTER_TOKEN
    notices: tuple[str, ...] = field(default=())  #: lines printed before it starts (root)


# --- the machine -------------------------------------------------------------------------------------


def is_root() -> bool:
    """Whether nst-teach runs as root (effective user id 0): JupyterLab then needs ``--allow-root``."""
    return hasattr(os, "geteuid") and os.geteuid() == 0


def has_display() -> bool:
    """Whether a browser window could open here: on Linux, an X11 or Wayland display must be named."""
    if not sys.platform.startswith("linux"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _bind_address(ip: str) -> str:
    """The address to test a port on and to poll the server at (loopback for 'every interface')."""
    if ip == "::":
        return "::1"
    return "127.0.0.1" if ip in ALL_INTERFACES or ip == "localhost" else ip


def _port_is_free(ip: str, port: int) -> bool:
    address = _bind_address(ip)
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server will: TIME_WAIT is free
        try:
            probe.bind(("" if ip in ALL_INTERFACES else address, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise OptionError(
                f"--ip {ip!r} is not an address of this machine ({exc.strerror}); "
                "leave --ip out for localhost, or give 0.0.0.0 for every network"
            ) from None
    return True


def choose_port(ip: str, port: int | None, usual: int) -> int:
    """The port to serve on: ``port`` if given (it must be free), else ``usual`` or the next free one.

    Args:
        ip: the address the server will listen on.
        port: the port the user asked for with ``--port``, or None.
        usual: the server's usual port (:data:`LAB_PORT`, :data:`VOILA_PORT`).

    Raises:
        OptionError: the port asked for is taken, or none of the ``PORT_TRIES`` after ``usual`` is free.
    """
    if port is not None:
        if not 1 <= port <= 65535:
            raise OptionError(f"--port must be between 1 and 65535, got {port}")
        if not _port_is_free(ip, port):
            raise OptionError(
                f"--port {port} is in use (another server?); choose another port, or leave --port "
                "out to take the next free one"
            )
        return port
    for candidate in range(usual, usual + PORT_TRIES + 1):
        if _port_is_free(ip, candidate):
            return candidate
    raise OptionError(f"ports {usual}-{usual + PORT_TRIES} are all in use; choose one with --port")


def _url_host(ip: str) -> str:
    if ip in ALL_INTERFACES:
        return "localhost"
    return f"[{ip}]" if ":" in ip else ip


# --- the two commands ----------------------------------------------------------------------------------


def _environment(token: str) -> dict[str, str]:
    """nst-teach's environment, for a server: the token and nst-teach's Jupyter data folder.

    The token goes in ``JUPYTER_TOKEN`` (on the command line, every user of the machine would see it in
    ``ps``); the data folder, first on ``JUPYTER_PATH``, holds the Voila template both servers use.
    """
    return dict(os.environ, JUPYTER_TOKEN=token, JUPYTER_PATH=_first_on_path(JUPYTER_DATA, "JUPYTER_PATH"))


def _first_on_path(folder: Path, variable: str) -> str:
    """``folder``, then what the environment variable ``variable`` already lists."""
    return os.pathsep.join(p for p in (str(folder), os.environ.get(variable, "")) if p)


def _root_notice(name: str) -> tuple[str, ...]:
    return (
        f"nst-teach: running as root, so {name} gets --allow-root (fine in a container or a VM of your own; "
        "on a shared machine, use an ordinary account)",
    )


def lab_command(
    root_dir: Path,
    first: str,
    *,
    ip: str = "localhost",
    port: int = LAB_PORT,
    token: str | None = None,
    as_root: bool | None = None,
    extra: Sequence[str] = (),
) -> ServerCommand:
    """JupyterLab serving ``root_dir``, its URL opening the notebook ``first`` (a path inside ``root_dir``).

    Args:
        root_dir: the folder JupyterLab shows (the repository, so ``notebooks/`` and the README are there).
        first: the notebook to open, relative to ``root_dir`` (``"notebooks/00_welcome.ipynb"``).
        ip: the address to listen on.
        port: the port (see :func:`choose_port`).
        token: the login token (default: a new random one).
        as_root: whether to pass ``--allow-root`` (default: :func:`is_root`).
        extra: more JupyterLab options, appended as given.

    >>> lab = lab_command(Path("/course"), "notebooks/00_welcome.ipynb", port=8890, token="abc", as_root=True)
    >>> lab.url
    'http://localhost:8890/lab/tree/notebooks/00_welcome.ipynb?token=abc'
    >>> "--allow-root" in lab.argv
    True
    """
    token = token or secrets.token_urlsafe(24)
    as_root = is_root() if as_root is None else as_root
    argv = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        "--no-browser",  # nst-teach opens the browser itself, at the first notebook
        f"--ServerApp.ip={ip}",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={root_dir}",
        # No news and no update check: the server asks the internet nothing, and the page's announcements
        # plugin (which asks "Would you like to get notified about official Jupyter news?") is disabled by
        # nst-teach's labconfig/page_config.json, on JUPYTER_CONFIG_PATH below.
        "--LabApp.news_url=",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        # window.jupyterapp: the page's JupyterLab object, for a browser's console (and the browser tests, which
        # read the notebook's state through it); nothing on the page changes.
        "--LabApp.expose_app_in_browser=True",
    ]
    if as_root:
        argv.append("--allow-root")
    argv.extend(extra)
    path = "/".join(part for part in Path(first).as_posix().split("/") if part)
    url = f"http://{_url_host(ip)}:{port}/lab/tree/{path}?token={token}"
    notices = _root_notice("JupyterLab") if as_root else ()
    # Voila inside JupyterLab (/voila/render/..., Binder's link): our template, and the bundled MathJax, not a CDN's
    env = dict(_environment(token), JUPYTER_CONFIG_PATH=_first_on_path(JUPYTER_DATA, "JUPYTER_CONFIG_PATH"))
    return ServerCommand("JupyterLab", argv, ip, port, url, f"tutorial-{port}.log", env, notices)


def voila_command(
    notebook: Path,
    *,
    ip: str = "localhost",
    port: int = VOILA_PORT,
    token: str | None = None,
    quick: bool = False,
    output_dir: Path | None = None,
) -> ServerCommand:
    """Voila serving ``notebook`` as an app: no code on the page, nothing fetched from outside the machine.

    Its kernels follow the classroom rules (:mod:`nst_teach.classroom`, through ``$NST_TEACH_CLASSROOM``):
    Save writes only into ``output_dir`` (default ``./nst-teach-output``), the URL box reads only public
    http(s) addresses, uploads are limited. Listening beyond this machine, it first says what students can
    and cannot do. Voila itself refuses the page's requests to execute code (only widget messages pass).

    Voila runs as root without being asked (unlike JupyterLab). The page uses nst-teach's template
    (``nst_teach/data/jupyter/voila/templates/nst-teach``): Voila's lab template without its links to a CDN
    (Voila's own bundle carries the icon font, and MathJax 3 is bundled too).

    >>> app = voila_command(Path("/course/app.ipynb"), ip="127.0.0.1", port=8870, token="abc")
    >>> app.url
    'http://127.0.0.1:8870/?token=abc'
    >>> "--template=nst-teach" in app.argv
    True
    """
    token = secrets.token_urlsafe(24) if token is None else _check_token(token)
    argv = [
        sys.executable,
        "-m",
        "voila",
        str(Path(notebook).resolve()),
        "--no-browser",
        f"--Voila.ip={ip}",
        f"--port={port}",
        "--Voila.port_retries=0",
        "--Voila.auto_token=True",  # the token: $JUPYTER_TOKEN, set below
        f"--template={VOILA_TEMPLATE}",
        "--theme=light",
        "--strip_sources=True",  # no code on screen, only what the cells display
        "--show_tracebacks=True",  # an error says what went wrong instead of a blank page
        "--VoilaExecutor.timeout=300",  # the first cell imports TensorFlow: slow on a cold laptop
    ]
    room = classroom.Classroom(Path(output_dir or OUTPUT_DIR).expanduser().resolve())
    argv += [f"--VoilaConfiguration.file_denylist={pattern}" for pattern in _denied_files(notebook, room.output_dir)]
    env = _environment(token)
    if quick:
        env["NST_TEACH_QUICK"] = "1"
    env[classroom.CLASSROOM_ENV] = str(room.output_dir)
    url = f"http://{_url_host(ip)}:{port}/?token={token}"
    return ServerCommand("Voila", argv, ip, port, url, f"app-{port}.log", env, classroom.notice(ip, room))


def _denied_files(notebook: Path, output_dir: Path) -> list[str]:
    r"""What Voila must not serve at ``/voila/files/`` (its pictures under the notebook's folder, token or not).

    Voila's own denial (notebooks, Python files), and the output folder when it lies under the notebook's
    folder: the students' saved pictures are not anyone's to download.

    >>> for pattern in _denied_files(Path("/course/app.ipynb"), Path("/course/nst-teach-output")):
    ...     print(pattern)
    .*\.(ipynb|py)
    nst\-teach\-output[/\\].*
    """
    denied = [r".*\.(ipynb|py)"]
    served = Path(notebook).resolve().parent
    if output_dir == served or served in output_dir.parents:
        parts = output_dir.relative_to(served).parts
        denied.append("".join(re.escape(part) + r"[/\\]" for part in parts) + ".*")
    return denied


def _check_token(token: str) -> str:
    """``--token``: letters, digits and ``-._~`` (it travels in the address), not empty (that lets anyone in)."""
    if not re.fullmatch(r"[A-Za-z0-9._~-]+", token):
        raise OptionError(
            f"--token {token!r}: use letters, digits and - . _ ~ only (it is part of the address), and not "
            "an empty one (that would let anyone in); leave --token out for a random one"
        )
    return token


# --- what the terminal shows ---------------------------------------------------------------------------

# "[I 2026-01-31 12:00:00.000 ServerApp] message": Jupyter's log lines, D(ebug) I(nfo) W(arning) E(rror) C(ritical)
_JUPYTER_RECORD = re.compile(r"^\[(?P<level>[DIWEC]) \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ \S+\]")
# "[Voila] message" (info), "[IPKernelApp] WARNING | message"
_APP_RECORD = re.compile(r"^\[[A-Za-z][\w.-]*\] (?:(?P<level>DEBUG|INFO|WARNING|ERROR|CRITICAL) \| )?")
# "/path/file.py:12: DeprecationWarning: message", then the source line, indented
_PY_WARNING = re.compile(r"^\S.*:\d+: (?P<category>\w+Warning): ")
# TensorFlow's and absl's C++ start-up lines ("2026-01-31 12:00:00.000000: I tensorflow/...", "I0000 00:00:...")
_TF_LOG = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: [IW] |[IW]\d{4} \d\d:\d\d:\d\d)")
_BARE_URL = re.compile(r"^\s*https?://\S+\s*$")

#: Warnings a student cannot act on: the server's security and configuration chatter.
NOISE = (
    "is not trusted",  # a notebook from the course, not signed on this machine
    "running over TCP without encryption",  # the kernel on the same machine
    "websocket_ping_timeout",  # Voila's and JupyterLab's defaults disagree
    "Skipped non-installed server",  # language servers nobody asked for
    "No web browser found",
    "received signal 15, stopping",  # nst-teach says so itself
    "oneDNN custom operations are on",
    "This TensorFlow binary is optimized",
    "All log messages before absl::InitializeLog()",
    "No nbgrader_config.py file found",  # nbgrader's server extension, where a hub installed it
)
QUIET_WARNINGS = {"DeprecationWarning", "PendingDeprecationWarning", "FutureWarning"}


class OutputFilter:
    """Decides, line by line, whether a server's output line reaches the terminal.

    Hidden: information lines (extensions loaded, kernels started, "running at", URLs: nst-teach prints its
    own), deprecation warnings with their source line, and the warnings in :data:`NOISE`. Shown: every other
    warning, every error, tracebacks, and lines it does not recognise (a kernel's ``print`` to stderr, a
    crash). An indented line continues the record above it and is shown with it.

    >>> keep = OutputFilter()
    >>> keep("[I 2026-01-31 12:00:00.000 ServerApp] jupyterlab | extension was successfully loaded.")
    False
    >>> keep("[W 2026-01-31 12:00:01.000 ServerApp] Notebook 00_welcome.ipynb is not trusted")
    False
    >>> keep("[E 2026-01-31 12:00:02.000 ServerApp] Uncaught exception GET /api/kernels")
    True
    >>> keep("    Traceback (most recent call last):")
    True
    """

    def __init__(self) -> None:
        self._shown = True  # whether the record an indented line continues was shown

    def __call__(self, line: str) -> bool:
        text = line.rstrip("\r\n")
        if not text.strip():
            return False
        if text[0].isspace() and not _BARE_URL.match(text):
            return self._shown
        self._shown = self._keep(text)
        return self._shown

    @staticmethod
    def _keep(text: str) -> bool:
        if any(noise in text for noise in NOISE) or _BARE_URL.match(text) or _TF_LOG.match(text):
            return False
        record = _JUPYTER_RECORD.match(text)
        if record:
            return record["level"] in "WEC"
        warning = _PY_WARNING.match(text)
        if warning:
            return warning["category"] not in QUIET_WARNINGS
        record = _APP_RECORD.match(text)
        if record:
            return record["level"] in {"WARNING", "ERROR", "CRITICAL"}
        return True


# --- processes -----------------------------------------------------------------------------------------


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid``, read from /proc (kernels too: they run in sessions of their own).

    Where there is no /proc (macOS), the list is empty: the server's own process group is still ended, and
    ipykernel ends a kernel whose parent went away.
    """
    children: dict[int, list[int]] = {}
    with contextlib.suppress(OSError):
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/stat") as stat:
                    ppid = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    """Whether ``pid`` still runs (a zombie, finished but not yet collected by its parent, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with contextlib.suppress(OSError, IndexError):
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    return True


def _signal_server(process: subprocess.Popen, signum: int) -> None:
    """Sends ``signum`` to the server's whole process group (the server leads a session of its own)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        if hasattr(os, "killpg"):
            os.killpg(process.pid, signum)
        else:  # pragma: no cover - Windows
            process.send_signal(signum)


def _wait_until(condition: Callable[[], bool], timeout: float, give_up: Callable[[], bool]) -> bool:
    """Polls ``condition`` for ``timeout`` seconds, or until ``give_up()``; returns whether it came true."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not give_up():
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def _stop(process: subprocess.Popen, forced: Callable[[], bool]) -> None:
    """SIGTERM to the server, SIGKILL after :data:`STOP_GRACE` seconds (at once if ``forced()``); then its kernels.

    The server shuts its kernels down itself when it gets SIGTERM; the ones still running afterwards (the
    server was killed, or a kernel hangs) get SIGTERM, then SIGKILL.
    """
    below = _descendants(process.pid)
    _signal_server(process, signal.SIGTERM)
    if not _wait_until(lambda: process.poll() is not None, STOP_GRACE, forced):
        _signal_server(process, getattr(signal, "SIGKILL", signal.SIGTERM))
        process.wait()
    left = [pid for pid in below if _alive(pid)]
    for signum, give_up in ((signal.SIGTERM, forced), (getattr(signal, "SIGKILL", signal.SIGTERM), lambda: False)):
        for pid in left:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signum)
        _wait_until(lambda left=left: not any(_alive(pid) for pid in left), 5.0, give_up)
        left = [pid for pid in left if _alive(pid)]


# --- serving -------------------------------------------------------------------------------------------


def _log_file(name: str) -> tuple[Path, IO[str]]:
    """Opens ``./nst-teach-output/<name>`` for writing (a temporary folder if the current one is read-only)."""
    for folder in (Path(OUTPUT_DIR), Path(tempfile.gettempdir()) / "nst-teach"):
        with contextlib.suppress(OSError):
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / name
            return path, path.open("w", encoding="utf-8")
    raise OptionError(f"cannot write the server's log {name!r} here nor in {tempfile.gettempdir()}")


def _pump(stream: IO[bytes], log: IO[str], out: IO[str], keep: OutputFilter) -> None:
    """Copies the server's output into the log, and what ``keep`` lets through onto ``out``."""
    for raw in iter(stream.readline, b""):
        line = raw.decode("utf-8", errors="replace")
        log.write(line)
        log.flush()
        if keep(line):
            with contextlib.suppress(OSError):  # the terminal is gone (SIGHUP): the log still gets everything
                out.write(line if line.endswith("\n") else line + "\n")
                out.flush()


def _answers(ip: str, port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((_bind_address(ip), port), timeout=0.5):
        return True
    return False


def _tail(path: Path, lines: int = 15) -> str:
    with contextlib.suppress(OSError):
        return "\n".join("    " + line for line in path.read_text(errors="replace").splitlines()[-lines:])
    return "    (no log)"


def _announce(command: ServerCommand, open_browser: bool, say: Callable[[str], None]) -> None:
    """The lines that tell a student where to go, printed once the port answers."""
    what = "the course's first notebook" if command.name == "JupyterLab" else "the classroom app"
    say(f"nst-teach: {command.name} is ready; open {what} at\n\n    {command.url}\n")
    if command.ip in ALL_INTERFACES:
        say(f"nst-teach: from other devices on this network: {command.url.replace('localhost', socket.gethostname())}")
    stop = f"Ctrl-C stops {command.name} and its kernels."
    if not open_browser:
        say(f"nst-teach: {stop}")
    elif not has_display():
        say(
            f"nst-teach: no display here (DISPLAY and WAYLAND_DISPLAY are unset), so no browser opens: open the "
            f"address above in a browser on this machine, or on your own computer after "
            f"`ssh -L {command.port}:localhost:{command.port} THIS-MACHINE`. Next time add --no-browser. {stop}"
        )
    else:
        say(f"nst-teach: opening it in your browser (--no-browser: don't). {stop}")
        threading.Thread(target=webbrowser.open, args=(command.url,), daemon=True).start()


def serve(command: ServerCommand, *, open_browser: bool = True, out: IO[str] | None = None) -> int:
    """Runs ``command`` until it stops or nst-teach gets SIGINT, SIGTERM or SIGHUP; returns the exit status.

    Args:
        command: from :func:`lab_command` or :func:`voila_command`.
        open_browser: open the URL in a browser once the server answers (never without a display).
        out: where the messages and the server's filtered output go (default: stderr).

    Returns:
        The server's exit status, or 128 + the signal's number when a signal stopped it (130 for Ctrl-C).
    """
    out = out or sys.stderr

    def say(text: str) -> None:
        with contextlib.suppress(OSError):  # a closed terminal must not keep the server from being stopped
            print(text, file=out, flush=True)

    for notice in command.notices:
        say(notice)
    log_path, log = _log_file(command.log_name)
    say(f"nst-teach: starting {command.name} on port {command.port}; its full log goes to {log_path}")
    received: list[int] = []
    previous = {signum: signal.signal(signum, lambda signum, frame: received.append(signum)) for signum in FORWARDED}
    try:
        process = subprocess.Popen(command.argv, env=command.env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
        pump = threading.Thread(target=_pump, args=(process.stdout, log, out, OutputFilter()), daemon=True)
        pump.start()
        announced = False
        while process.poll() is None and not received:
            if not announced and _answers(command.ip, command.port):
                _announce(command, open_browser, say)
                announced = True
            time.sleep(0.2)
        if received:
            say(f"nst-teach: stopping {command.name} and its kernels (press Ctrl-C again to force it)")
            _stop(process, forced=lambda: len(received) > 1)
        process.wait()
        pump.join(timeout=5)  # a kernel that outlived its server may still hold the pipe: then the log stays open
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if not pump.is_alive():
        log.close()
    if received:
        say(f"nst-teach: {command.name} stopped")
        return 128 + received[0]
    if process.returncode != 0:
        say(f"nst-teach: {command.name} exited with status {process.returncode}; the end of its log "
            f"({log_path}):\n{_tail(log_path)}")  # fmt: skip
    return process.returncode

"""Running a server: started in a session of its own, its output logged, stopped with its kernels.

:func:`serve` runs a :class:`~nst_teach.servers.commands.ServerCommand`:

- starts the server in a session of its own (so Ctrl-C in the terminal reaches nst-teach, not the server);
- writes everything the server prints into a log file it names first, and shows in the terminal only
  what a student can act on (:class:`~nst_teach.servers.terminal.OutputFilter`);
- prints the address to open, token included, as soon as the port answers: the first notebook, or the app;
- passes SIGINT, SIGTERM and SIGHUP on to the server, waits for it and its kernels to exit (killing them
  after a grace period) and returns 128 + the signal's number, as a shell does.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import webbrowser
from collections.abc import Callable
from pathlib import Path
from typing import IO

from ..defaults import OUTPUT_DIR
from ..errors import OptionError
from .commands import ALL_INTERFACES, ServerCommand, _bind_address, has_display
from .terminal import OutputFilter

__all__ = ["serve", "STOP_GRACE", "FORWARDED"]

STOP_GRACE = 15.0  #: seconds the server gets to shut its kernels down before it is killed

#: The signals nst-teach passes on to the server: Ctrl-C, a process manager's stop, a closed terminal.
FORWARDED = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


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

"""The commands that start the course's servers: JupyterLab for the notebooks, Voila for the classroom app.

:func:`lab_command` and :func:`voila_command` build a :class:`ServerCommand`: the command line, the address
to open (token included), the environment (the token in ``JUPYTER_TOKEN``, never on the command line) and
the lines to print first. :func:`choose_port` finds a free port. :func:`nst_teach.servers.serve` runs it.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import socket
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import classroom
from ..defaults import OUTPUT_DIR
from ..errors import OptionError
from . import room as room_limits

__all__ = [
    "ServerCommand",
    "lab_command",
    "voila_command",
    "is_root",
    "has_display",
    "choose_port",
    "LAB_PORT",
    "VOILA_PORT",
    "PORT_TRIES",
    "JUPYTER_DATA",
    "VOILA_TEMPLATE",
    "ALL_INTERFACES",
    "CELL_ERROR",
]

LAB_PORT = 8888  #: JupyterLab's usual port; the next free one is taken when it is busy
VOILA_PORT = 8866  #: Voila's usual port
PORT_TRIES = 50  #: how many ports after the usual one are tried

#: nst-teach's Jupyter folder: its Voila template (``voila/templates/nst-teach``: the lab template without
#: CDN links) and, for JupyterLab, ``jupyter_server_config.json``: that template and the bundled MathJax for
#: Voila inside JupyterLab; ``labconfig/page_config.json``: no news pop-up, no update check.
#: Servers find it first on ``JUPYTER_PATH`` and ``JUPYTER_CONFIG_PATH``.
JUPYTER_DATA = Path(__file__).resolve().parents[1] / "data" / "jupyter"
VOILA_TEMPLATE = "nst-teach"
#: Seconds Voila waits for a cell's outputs after its reply. nbclient's default, 4, lost the app's widgets of 9 pages
#: of 16 when twenty students opened the app at once on 2 cores: their kernels sent them later, the pages stayed empty.
IOPUB_TIMEOUT_S = 120

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
    limits: room_limits.RoomLimits | None = None  #: the classroom app's limits (Voila only)


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


#: What the page says where a cell of the app fails as it starts (its traceback goes to the log only).
CELL_ERROR = (
    "The app could not start on this page. Reload the page; if it happens again, ask your instructor "
    "(the app's log, in the terminal that started it, says what went wrong)."
)


def voila_command(
    notebook: Path,
    *,
    ip: str = "localhost",
    port: int = VOILA_PORT,
    token: str | None = None,
    quick: bool = False,
    output_dir: Path | None = None,
    limits: room_limits.RoomLimits | Mapping[str, Any] | None = None,
) -> ServerCommand:
    """Voila serving ``notebook`` as an app: no code on the page, nothing fetched from outside the machine.

    Its kernels follow the classroom rules (:mod:`nst_teach.classroom`, through ``$NST_TEACH_CLASSROOM``):
    Save writes only into ``output_dir`` (default ``./nst-teach-output``), the URL box reads only public
    http(s) addresses, uploads are limited, an error shows one line on the page (its traceback goes to the
    log). Listening beyond this machine, it first says what students can and cannot do. Voila itself refuses
    the page's requests to execute code (only widget messages pass).

    The room's limits (:mod:`nst_teach.servers.room`): at most ``max_kernels`` paintings at once,
    ``max_kernels_per_client`` from one device (past them the page says the room is full: Voila runs as
    :mod:`nst_teach.servers.voila_room`), warm kernels ready ahead, idle kernels shut down, disk caps.

    Voila runs as root without being asked (unlike JupyterLab). The page uses nst-teach's template
    (``nst_teach/data/jupyter/voila/templates/nst-teach``): Voila's lab template without its links to a CDN
    (Voila's own bundle carries the icon font, and MathJax 3 is bundled too).

    Args:
        limits: the room's limits, or ``{field: value}`` of the ones given (the flags; the rest are
            computed by :func:`nst_teach.servers.room.room_limits`).

    >>> app = voila_command(Path("/course/app.ipynb"), ip="127.0.0.1", port=8870, token="abc",
    ...                     limits=room_limits.RoomLimits(4, 4))
    >>> app.url
    'http://127.0.0.1:8870/?token=abc'
    >>> "--template=nst-teach" in app.argv and "--Seats.max_kernels=4" in app.argv
    True
    """
    token = secrets.token_urlsafe(24) if token is None else _check_token(token)
    room = classroom.Classroom(Path(output_dir or OUTPUT_DIR).expanduser().resolve())
    if not isinstance(limits, room_limits.RoomLimits):
        limits = room_limits.room_limits(quick=quick, ip=ip, output_dir=room.output_dir, given=limits)
    argv = [
        sys.executable,
        "-m",
        "nst_teach.servers.voila_room",  # Voila, with seats: a page past the room's limits says the room is full
        str(Path(notebook).resolve()),
        "--no-browser",
        f"--Voila.ip={ip}",
        f"--port={port}",
        "--Voila.port_retries=0",
        "--Voila.auto_token=True",  # the token: $JUPYTER_TOKEN, set below
        f"--template={VOILA_TEMPLATE}",
        "--theme=light",
        "--strip_sources=True",  # no code on screen, only what the cells display
        "--show_tracebacks=False",  # a failing cell says CELL_ERROR; its traceback goes to the log
        f"--VoilaExecutor.cell_error_instruction={CELL_ERROR}",
        "--VoilaExecutor.timeout=300",  # the first cell imports TensorFlow: slow on a cold laptop
        f"--VoilaExecutor.iopub_timeout={IOPUB_TIMEOUT_S}",  # a room's pages keep their widgets under load
        *room_limits.voila_arguments(limits),
    ]
    argv += [f"--VoilaConfiguration.file_denylist={pattern}" for pattern in _denied_files(notebook, room.output_dir)]
    env = dict(_environment(token), **room_limits.kernel_environment(limits))
    if quick:
        env["NST_TEACH_QUICK"] = "1"
    env[classroom.CLASSROOM_ENV] = str(room.output_dir)
    url = f"http://{_url_host(ip)}:{port}/?token={token}"
    notices = (*classroom.notice(ip, room), room_limits.describe(limits))
    return ServerCommand("Voila", argv, ip, port, url, f"app-{port}.log", env, notices, limits)


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

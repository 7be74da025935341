"""Starting and stopping the course's servers: JupyterLab for the notebooks, Voila for the classroom app.

``nst-teach tutorial`` and ``nst-teach app`` build a :class:`ServerCommand` with :func:`lab_command` or
:func:`voila_command` and hand it to :func:`serve`. One module per idea:

- :mod:`~nst_teach.servers.commands`: the command lines, ports, token and environment (as root, JupyterLab
  gets ``--allow-root``, with a one-line notice);
- :mod:`~nst_teach.servers.processes`: running a server in a session of its own, logging its output,
  passing signals on, and stopping it with its kernels (:func:`serve`);
- :mod:`~nst_teach.servers.terminal`: what the terminal shows of the server's output (:class:`OutputFilter`);
- :mod:`~nst_teach.servers.room`: the classroom app's limits (paintings at once, per device, warm kernels,
  idle kernels, disk caps), their flags and their defaults from the machine's memory;
- :mod:`~nst_teach.servers.voila_room`: Voila as ``nst-teach app`` runs it, keeping the room's limits (a page
  past them says the room is full). It runs in the Voila server's process only: nothing here imports it.

Used by the README's Quick start (``nst-teach tutorial``) and its classroom app (``nst-teach app``).
"""

from __future__ import annotations

from .commands import (
    CELL_ERROR,
    JUPYTER_DATA,
    LAB_PORT,
    PORT_TRIES,
    VOILA_PORT,
    VOILA_TEMPLATE,
    ServerCommand,
    choose_port,
    has_display,
    is_root,
    lab_command,
    voila_command,
)
from .processes import FORWARDED, STOP_GRACE, serve
from .room import FLAGS as ROOM_FLAGS
from .room import RoomLimits, room_limits
from .terminal import NOISE, OutputFilter

__all__ = [
    "ServerCommand",
    "lab_command",
    "voila_command",
    "serve",
    "OutputFilter",
    "is_root",
    "has_display",
    "choose_port",
    "RoomLimits",
    "room_limits",
    "ROOM_FLAGS",
    "LAB_PORT",
    "VOILA_PORT",
    "PORT_TRIES",
    "STOP_GRACE",
    "FORWARDED",
    "JUPYTER_DATA",
    "VOILA_TEMPLATE",
    "CELL_ERROR",
    "NOISE",
]

"""Voila as ``nst-teach app`` runs it: a seat for every page, and a page past the room's limits says it is full.

Runs in the Voila server's process, started by :func:`nst_teach.servers.voila_command` as
``python -m nst_teach.servers.voila_room NOTEBOOK --Seats.max_kernels=N --Seats.max_kernels_per_client=M …``:
Voila itself (every option of ``voila`` works), with one change. Before a page gets a kernel, it takes a
seat (:class:`Seats`): at most ``max_kernels`` pages hold a kernel at once, at most
``max_kernels_per_client`` from one network address. Past either, the page is a short one that says, in a
student's words, that the room is full (HTTP 503, tried again by itself after a minute), and the running
kernels are not touched. A seat is free again when its kernel is gone: its tab closed (Voila's page shuts
its kernel down then), the kernel culled for being idle (``--MappingKernelManager.cull_idle_timeout``), or
it died. Voila's warm kernels (``--preheat_kernel``, ``--pool_size``) are not seats until a page takes one.

Its kernel websocket speaks only the protocol Voila's page speaks (``v1.kernel.websocket.jupyter.org``), and
drops a message whose framing does not fit in it: Voila and Jupyter Server read the number of a binary
message's parts from its first bytes and build a list that long, so one forged message of a few bytes, or a
client of the older protocol, would have the server fill the machine's memory (:class:`KernelWebsocket`).

Nothing else imports this module: Voila and Tornado load in the server's process only.
"""

from __future__ import annotations

import datetime
import html
from dataclasses import dataclass
from typing import Any

import tornado.web
from jupyter_core.utils import ensure_async
from traitlets import Integer
from traitlets.config import Configurable
from voila.app import Voila
from voila.tornado.handler import TornadoVoilaHandler
from voila.tornado.kernel_websocket_handler import VoilaKernelWebsocketHandler

__all__ = ["Seats", "Seat", "Full", "full_page", "framed", "RoomHandler", "KernelWebsocket", "RoomVoila", "main"]

RETRY_S = 60  #: the page past the limits tries again after this many seconds

#: The kernel websocket protocol of JupyterLab's and Voila's pages (binary frames, offsets of 8 bytes).
PROTOCOL = "v1.kernel.websocket.jupyter.org"


@dataclass
class Seat:
    """One page's place in the room: the device it came from, and its kernel once it has one."""

    client: str
    kernel_id: str | None = None


@dataclass(frozen=True)
class Full:
    """Why a page got no seat: the room (``"room"``) or the device (``"device"``) is at its limit."""

    reason: str
    running: int  #: the paintings running (in the room, or from the device)
    limit: int

    @property
    def message(self) -> str:
        """What the student reads."""
        paintings = f"{self.running} painting{'s' if self.running != 1 else ''}"
        if self.reason == "device":
            return (
                f"This device already has {paintings} open, as many as one device may have. Close one of its "
                "tabs (that frees its painting), then reload this page; or ask your instructor."
            )
        return (
            f"The room is full: {paintings} {'are' if self.running != 1 else 'is'} running on this machine, as "
            "many as it has room for. Try again in a minute (this page tries again by itself), or ask your instructor."
        )


class Seats(Configurable):
    """The room's seats: who holds a kernel, and whether one more page may have one.

    A seat is taken before the page's kernel starts (so that pages opened at the same moment cannot pass
    the limit together), bound to the kernel the page gets, and free again once that kernel is gone.

    >>> seats = Seats(max_kernels=2, max_kernels_per_client=1)
    >>> first = seats.take("10.0.0.5", kernels=set())
    >>> seats.take("10.0.0.5", kernels=set()).reason
    'device'
    >>> first.kernel_id = "k1"
    >>> seats.take("10.0.0.6", kernels={"k1"}).client
    '10.0.0.6'
    >>> seats.take("10.0.0.7", kernels={"k1"}).message.startswith("The room is full: 2 paintings")
    True
    """

    max_kernels = Integer(0, config=True, help="Pages holding a kernel at once (0: no limit).")
    max_kernels_per_client = Integer(0, config=True, help="Such pages from one address (0: no limit).")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._seats: list[Seat] = []

    def taken(self, kernels: Any) -> list[Seat]:
        """The seats still held: waiting for their kernel, or whose kernel is in ``kernels`` (running)."""
        self._seats = [seat for seat in self._seats if seat.kernel_id is None or seat.kernel_id in kernels]
        return list(self._seats)

    def take(self, client: str, kernels: Any) -> Seat | Full:
        """A seat for a page from ``client``, or why there is none (:class:`Full`).

        Args:
            client: the page's network address.
            kernels: the kernels running now (the kernel manager: ``kernel_id in kernels``).
        """
        held = self.taken(kernels)
        if self.max_kernels and len(held) >= self.max_kernels:
            return Full("room", len(held), self.max_kernels)
        mine = sum(seat.client == client for seat in held)
        if self.max_kernels_per_client and mine >= self.max_kernels_per_client:
            return Full("device", mine, self.max_kernels_per_client)
        seat = Seat(client)
        self._seats.append(seat)
        return seat

    def settle(self, seat: Seat) -> None:
        """The page is served: a seat that got no kernel (an error, a redirect) is free again."""
        if seat.kernel_id is None and seat in self._seats:
            self._seats.remove(seat)


def full_page(full: Full) -> str:
    """The page a student past the limits gets: the message, large, and nothing fetched from anywhere.

    >>> "try again in a minute" in full_page(Full("room", 12, 12)).lower()
    True
    """
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="{RETRY_S}">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>The room is full</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 4em auto; padding: 0 1em; font-size: 20px;
line-height: 1.5; color: #222"><h1 style="font-size: 28px">Neural Style Transfer: the room is full</h1>
<p id="nst-teach-room-full">{html.escape(full.message)}</p></body></html>
"""


class _SeatedKernels:
    """The kernel manager as one page's request sees it: the kernel the page gets is bound to its seat."""

    def __init__(self, manager: Any, seat: Seat) -> None:
        self._manager, self._seat = manager, seat

    def __getattr__(self, name: str) -> Any:
        return getattr(self._manager, name)

    async def start_kernel(self, *args: Any, **kwargs: Any) -> str:
        """A new kernel (no warm one left): it is this page's."""
        kernel_id = await ensure_async(self._manager.start_kernel(*args, **kwargs))
        self._seat.kernel_id = kernel_id
        return kernel_id

    async def get_rendered_notebook(self, *args: Any, **kwargs: Any) -> Any:
        """A warm kernel from Voila's pool, the notebook already run in it: it is this page's."""
        task, rendered, kernel_id = await self._manager.get_rendered_notebook(*args, **kwargs)
        self._seat.kernel_id = kernel_id
        # Warm since the lesson began, it looks idle: counted from now, the page has time to connect.
        self._manager.get_kernel(kernel_id).last_activity = datetime.datetime.now(datetime.timezone.utc)
        return task, rendered, kernel_id


class RoomHandler(TornadoVoilaHandler):
    """Voila's page handler, with a seat taken before the page's kernel starts (or the page that says why not)."""

    def initialize(self, seats: Seats, **kwargs: Any) -> None:
        self.seats = seats
        self.seat: Seat | None = None
        super().initialize(**kwargs)

    @property
    def kernel_manager(self) -> Any:
        manager = self.settings["kernel_manager"]
        return manager if self.seat is None else _SeatedKernels(manager, self.seat)

    @tornado.web.authenticated
    async def get(self, path: str | None = None) -> None:
        if path:  # one notebook served: any other path is a file (Voila redirects), never a kernel
            await super().get(path=path)
            return
        manager = self.settings["kernel_manager"]
        seat = self.seats.take(self.request.remote_ip, manager)
        if isinstance(seat, Full):
            self.log.warning("nst-teach: a page from %s was refused: %s", self.request.remote_ip, seat.message)
            self.set_status(503)
            self.set_header("Retry-After", str(RETRY_S))
            self.set_header("Content-Type", "text/html; charset=UTF-8")
            self.set_header("Cache-Control", "no-store")
            self.finish(full_page(seat))
            return
        self.seat = seat
        try:
            await super().get(path=path)
        finally:
            self.seats.settle(seat)
            held = len(self.seats.taken(manager))
            self.log.info("nst-teach: %d of %d seats taken (kernel %s for %s)", held, self.seats.max_kernels,
                          seat.kernel_id, seat.client)  # fmt: skip


class KernelWebsocket(VoilaKernelWebsocketHandler):
    """Voila's kernel websocket, for pages that speak :data:`PROTOCOL`, and for well-framed messages only.

    A client that offers no :data:`PROTOCOL` gets HTTP 400 (Voila parses every binary frame it sends to such
    a client as if it were one, and an older frame's first bytes read as billions of parts). A binary frame
    whose part count does not fit in the frame is dropped (Jupyter Server would build a list that long).
    """

    async def get(self, kernel_id: str) -> None:
        offered = {part.strip() for part in self.request.headers.get("Sec-WebSocket-Protocol", "").split(",")}
        if PROTOCOL not in offered:
            self.log.warning("nst-teach: refused a kernel websocket from %s without %s", self.request.remote_ip,
                             PROTOCOL)  # fmt: skip
            raise tornado.web.HTTPError(400, reason=f"this app's pages speak {PROTOCOL}")
        await super().get(kernel_id)

    def on_message(self, message: str | bytes) -> None:
        if isinstance(message, bytes) and not framed(message):
            self.log.warning("nst-teach: dropped a malformed message from %s", self.request.remote_ip)
            return
        super().on_message(message)


def framed(message: bytes) -> bool:
    """Whether a binary websocket message's part count and offsets fit in the message (:data:`PROTOCOL`).

    >>> framed((2).to_bytes(8, "little") + (24).to_bytes(8, "little") + (24).to_bytes(8, "little"))
    True
    >>> framed((10**12).to_bytes(8, "little"))
    False
    """
    count = int.from_bytes(message[:8], "little")
    if count < 1 or 8 * (count + 1) > len(message):
        return False
    offsets = [int.from_bytes(message[8 * (i + 1) : 8 * (i + 2)], "little") for i in range(count)]
    return all(a <= b <= len(message) for a, b in zip(offsets, offsets[1:])) and offsets[0] <= len(message)


class RoomVoila(Voila):
    """Voila, its page handler keeping the room's seats (:class:`Seats`, configured as ``--Seats.…``)."""

    classes = [*Voila.classes, Seats]

    def init_handlers(self) -> list:
        handlers = super().init_handlers()
        self.seats = Seats(parent=self)
        replaced = []
        for route in handlers:
            if route[1] is TornadoVoilaHandler:
                route = (route[0], RoomHandler, {**route[2], "seats": self.seats})
            elif route[1] is VoilaKernelWebsocketHandler:
                route = (route[0], KernelWebsocket, *route[2:])
            replaced.append(route)
        return replaced


main = RoomVoila.launch_instance

if __name__ == "__main__":
    main()

"""The room's limits: how many paintings the classroom app runs at once, for how long, and how much disk it fills.

Every browser tab of ``nst-teach app`` gets a kernel of its own, and a kernel that paints holds about
:data:`KERNEL_PEAK_BYTES` of memory (measured by ``benchmarks/bench_kernel_memory.py`` and
``bench_app_load.py``). A room of thirty devices, or one student who opens twelve tabs, would fill the
machine's memory. So the app keeps to limits, each one a flag of ``nst-teach app`` (:data:`FLAGS`, from
which the CLI makes its flags):

- ``--max-kernels N``: paintings at once on this machine. Default: what fits the memory available now
  (:func:`nst_teach.memory.memory_budget`, a container's limit included), less :data:`MACHINE_RESERVE_BYTES`
  for the server and the system, divided by the measured kernel peak, less the warm kernels.
- ``--max-kernels-per-client M``: paintings at once from one device (one network address). Default 2 when
  the room's network can connect; on loopback (``localhost``, ``ssh -L``) every page comes from this
  machine's own address, so the default is ``--max-kernels``.
- ``--warm-kernels P``: kernels started ahead, the notebook already run in them (Voila's pre-heated
  kernel pool), so that a page is ready in seconds. Default :data:`MAX_WARM`, fewer on a small machine.
  They are counted on top of ``--max-kernels``, and the default leaves memory for them.
- ``--idle-minutes T``: a painting unused for T minutes (no button pressed, nothing painted), or whose tab
  was closed, gives its kernel back. Default :data:`IDLE_MINUTES`; 0 keeps every kernel.
- ``--max-output-mb`` and ``--max-downloads-mb``: the size of the output folder (what Save writes) and of
  the pictures the URL box downloads. Default: :data:`OUTPUT_MB` and :data:`DOWNLOADS_MB`, at most a
  quarter of the disk's free space. Past the first, Save says so and writes nothing; past the second,
  the oldest downloads make room, and the URL box refuses when none can.

The server enforces the kernel limits (:mod:`nst_teach.servers.voila_room`: a page past them says the room
is full); the kernels enforce the disk limits (:mod:`nst_teach.classroom`, told through the environment).

Used by ``nst-teach app`` (:func:`nst_teach.servers.voila_command`).
"""

from __future__ import annotations

import math
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import classroom, memory
from ..download import cache_dir
from ..errors import OptionError

__all__ = [
    "RoomLimits",
    "RoomFlag",
    "FLAGS",
    "room_limits",
    "voila_arguments",
    "kernel_environment",
    "describe",
    "KERNEL_PEAK_BYTES",
    "NOTEBOOK_PEAK_BYTES",
    "MACHINE_RESERVE_BYTES",
    "MAX_WARM",
    "IDLE_MINUTES",
    "OUTPUT_MB",
    "DOWNLOADS_MB",
]

MiB = 2**20

#: A kernel's peak memory while it paints in the app, in bytes, rounded up to 10 MiB: the larger of two
#: measurements of 2026-12-05 (float32, 2-core AMD EPYC; benchmarks/README.md), each a peak RSS (VmHWM).
#: Normal mode: 1495 MiB with ``python benchmarks/bench_kernel_memory.py`` (the app's worst case, Paint with one
#: layer open then Compare β, each run to its end; 1499 MiB on 2026-12-06, after each run collected the earlier
#: runs' garbage), and 1370 MiB for the real page's kernel under
#: ``benchmarks/bench_app_load.py --students 1`` (the page opened, two pictures chosen, a run, Save). Quick mode:
#: 1189 MiB with ``bench_kernel_memory.py --course-mode quick`` (the sizes a student may still choose); the real
#: quick page peaked at 908 MiB.
KERNEL_PEAK_BYTES: dict[str, int] = {"normal": 1500 * MiB, "quick": 1190 * MiB}

#: A student's notebook kernel at its peak, in bytes (a JupyterHub's or Binder's memory per student): notebook 05
#: run top to bottom in one kernel, as a student does, peaked at 1871 MiB and notebook 06 at 1280 MiB (VmHWM) with
#: ``python benchmarks/bench_course.py --precision float32 --notebooks 05_style_transfer_live.ipynb
#: 06_experiments.ipynb`` on 2026-12-06 (2-core AMD EPYC; benchmarks/README.md), rounded up to 10 MiB. (Before each
#: run collected the earlier runs' garbage, nst_teach/engine.py, notebook 06's 24 runs grew to 2033 MiB.)
NOTEBOOK_PEAK_BYTES = 1880 * MiB

#: Memory kept for the Voila server, the system and the instructor's browser.
MACHINE_RESERVE_BYTES = 1024 * MiB

MAX_WARM = 2  #: the most warm kernels by default (one in five of what fits, at most this)
IDLE_MINUTES = 20.0  #: a page unused this long gives its kernel back
PER_CLIENT = 2  #: paintings per device when the room's network connects (a second tab by mistake fits)
OUTPUT_MB = 2000.0  #: the output folder's default size cap (a quarter of the free disk at most)
DOWNLOADS_MB = 1000.0  #: the downloaded pictures' default size cap (a quarter of the free disk at most)
DISK_SHARE = 0.25  #: the most of the free disk a default cap takes


@dataclass(frozen=True)
class RoomLimits:
    """The limits the classroom app keeps to (see the module's docstring for each one and its default).

    Attributes:
        max_kernels: paintings at once on this machine (kernels given to pages).
        max_kernels_per_client: paintings at once from one network address.
        warm_kernels: kernels started ahead, the app's notebook already run (Voila's pool); 0: none.
        idle_minutes: minutes after which an unused page's kernel is shut down; 0: never.
        max_output_mb: the output folder's size cap, in MB (10^6 bytes).
        max_downloads_mb: the size cap of the pictures the URL box downloads, in MB.
        basis: how the defaults were computed, in words (printed when the app starts).
    """

    max_kernels: int
    max_kernels_per_client: int
    warm_kernels: int = 0
    idle_minutes: float = IDLE_MINUTES
    max_output_mb: float = OUTPUT_MB
    max_downloads_mb: float = DOWNLOADS_MB
    basis: str = ""


@dataclass(frozen=True)
class RoomFlag:
    """One limit as a flag of ``nst-teach app``: its field of :class:`RoomLimits`, type, and help."""

    name: str  #: the field of RoomLimits (and argparse's dest)
    flag: str
    metavar: str
    kind: Callable[[str], Any]
    help: str


def _count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise ValueError(text)
    return value


def _amount(text: str) -> float:
    value = float(text)
    if not math.isfinite(value) or value < 0:
        raise ValueError(text)
    return value


_count.__name__ = "whole number (0 or more)"  # argparse's words: "invalid whole number (0 or more) value: '-1'"
_amount.__name__ = "number (0 or more)"


#: The limits' flags, in the order ``nst-teach app --help`` lists them (the CLI makes them from this table).
FLAGS: tuple[RoomFlag, ...] = (
    RoomFlag("max_kernels", "--max-kernels", "N", _count,
             "paintings (kernels) at once on this machine; past it a page says the room is full "
             "(default: what the free memory holds at the measured peak per kernel)"),
    RoomFlag("max_kernels_per_client", "--max-kernels-per-client", "M", _count,
             f"paintings at once from one device (default {PER_CLIENT} with --ip beyond this machine, "
             "else --max-kernels; behind a proxy every student shares one address: give --max-kernels)"),
    RoomFlag("warm_kernels", "--warm-kernels", "P", _count,
             f"kernels started ahead, so that a page is ready in seconds (default up to {MAX_WARM}; 0: none)"),
    RoomFlag("idle_minutes", "--idle-minutes", "T", _amount,
             f"shut down a page's kernel after T minutes unused (default {IDLE_MINUTES:g}; 0: never)"),
    RoomFlag("max_output_mb", "--max-output-mb", "MB", _amount,
             f"the output folder's size cap: past it Save writes nothing (default {OUTPUT_MB:g}, at most a "
             "quarter of the free disk)"),
    RoomFlag("max_downloads_mb", "--max-downloads-mb", "MB", _amount,
             f"the size cap of the pictures the URL box downloads (default {DOWNLOADS_MB:g}, at most a "
             "quarter of the free disk)"),
)  # fmt: skip


def _free_mb(folder: Path) -> float | None:
    """The free space of the disk that holds ``folder`` (or its nearest existing parent), in MB."""
    for place in (folder, *folder.parents):
        if place.exists():
            try:
                return shutil.disk_usage(place).free / 1e6
            except OSError:
                return None
    return None


def _disk_cap(default_mb: float, folder: Path) -> float:
    free = _free_mb(folder)
    return default_mb if free is None else round(min(default_mb, free * DISK_SHARE), 1)


def room_limits(
    *,
    quick: bool,
    ip: str,
    output_dir: Path,
    given: Mapping[str, Any] | None = None,
    budget: int | None = None,
    downloads_dir: Path | None = None,
) -> RoomLimits:
    """The limits for ``nst-teach app``: the ones ``given`` (the flags; None: not given), the rest computed.

    Args:
        quick: quick mode (``--quick``): its kernels are smaller (:data:`KERNEL_PEAK_BYTES`).
        ip: the address the app listens on: beyond loopback, one device gets at most :data:`PER_CLIENT`.
        output_dir: the output folder (its disk's free space bounds the default cap).
        given: ``{field: value}`` of :class:`RoomLimits`, None for a flag left out.
        budget: the memory to fill, in bytes (default :func:`nst_teach.memory.memory_budget`).
        downloads_dir: where the URL box's downloads go (default the download cache).

    Raises:
        OptionError: ``--max-kernels 0``, or a per-client limit above the machine's.

    >>> limits = room_limits(quick=True, ip="0.0.0.0", output_dir=Path("out"), budget=8 * 2**30)
    >>> limits.max_kernels, limits.max_kernels_per_client, limits.warm_kernels  # (8 − 1) GiB / 1190 MiB: 6 fit
    (5, 2, 1)
    """
    given = {name: value for name, value in (given or {}).items() if value is not None}
    mode = "quick" if quick else "normal"
    peak = KERNEL_PEAK_BYTES[mode]
    budget = memory.memory_budget() if budget is None else budget
    if budget is None:  # no /proc, no cgroup: a laptop's worth, said so
        budget, known = 8 * 2**30, "memory unknown, taken as 8 GiB"
    else:
        known = f"{budget / 2**30:.1f} GiB free"
    fits = max(1, int((budget - MACHINE_RESERVE_BYTES) // peak))
    warm = given.get("warm_kernels", min(MAX_WARM, fits // 5))
    max_kernels = given.get("max_kernels", max(1, fits - warm))
    if max_kernels < 1:
        raise OptionError("--max-kernels must be at least 1 (0 would refuse every page); leave it out for the default")
    local = classroom.is_loopback_ip(ip)
    per_client = given.get("max_kernels_per_client", max_kernels if local else min(PER_CLIENT, max_kernels))
    if not 1 <= per_client <= max_kernels:
        raise OptionError(
            f"--max-kernels-per-client must be between 1 and --max-kernels ({max_kernels}), got {per_client}"
        )
    basis = (
        f"{known}, {MACHINE_RESERVE_BYTES / 2**30:.0f} GiB kept for the server, about "
        f"{peak / 2**30:.2f} GiB per painting in {mode} mode"
    )
    return RoomLimits(
        max_kernels=max_kernels,
        max_kernels_per_client=per_client,
        warm_kernels=warm,
        idle_minutes=given.get("idle_minutes", IDLE_MINUTES),
        max_output_mb=given.get("max_output_mb", _disk_cap(OUTPUT_MB, output_dir)),
        max_downloads_mb=given.get("max_downloads_mb", _disk_cap(DOWNLOADS_MB, downloads_dir or _downloads())),
        basis=basis,
    )


def _downloads() -> Path:
    try:
        return cache_dir()
    except OptionError:  # the cache cannot be created: the home folder's disk stands in
        return Path.home()


def voila_arguments(limits: RoomLimits) -> list[str]:
    """The Voila options that keep ``limits``: seats (:mod:`.voila_room`), the warm pool, idle culling.

    >>> voila_arguments(RoomLimits(4, 2, warm_kernels=1, idle_minutes=10))  # doctest: +NORMALIZE_WHITESPACE
    ['--Seats.max_kernels=4', '--Seats.max_kernels_per_client=2', '--preheat_kernel=True', '--pool_size=1',
     '--MappingKernelManager.cull_idle_timeout=600', '--MappingKernelManager.cull_interval=60',
     '--MappingKernelManager.cull_connected=True']
    """
    argv = [
        f"--Seats.max_kernels={limits.max_kernels}",
        f"--Seats.max_kernels_per_client={limits.max_kernels_per_client}",
    ]
    if limits.warm_kernels > 0:
        argv += ["--preheat_kernel=True", f"--pool_size={limits.warm_kernels}"]
    idle = round(limits.idle_minutes * 60)
    if idle > 0:
        # An open tab counts as idle too (cull_connected): a page left alone gives its painting back.
        # A painting is never idle: each step's picture is kernel activity.
        argv += [
            f"--MappingKernelManager.cull_idle_timeout={idle}",
            f"--MappingKernelManager.cull_interval={max(1, min(60, idle // 5))}",
            "--MappingKernelManager.cull_connected=True",
        ]
    return argv


def kernel_environment(limits: RoomLimits) -> dict[str, str]:
    """The disk caps, as the kernels read them (:func:`nst_teach.classroom.current`)."""
    return {
        classroom.OUTPUT_CAP_ENV: f"{limits.max_output_mb:g}",
        classroom.DOWNLOADS_CAP_ENV: f"{limits.max_downloads_mb:g}",
    }


def describe(limits: RoomLimits) -> str:
    """The line ``nst-teach app`` prints: the limits, and the flag that changes each.

    >>> print(describe(RoomLimits(9, 2, warm_kernels=2, idle_minutes=20, max_output_mb=2000,
    ...                           max_downloads_mb=1000, basis="8.0 GiB free")))  # doctest: +NORMALIZE_WHITESPACE
    nst-teach: room for 9 paintings at once (--max-kernels; 8.0 GiB free), 2 per device (--max-kernels-per-client),
    2 warm kernels (--warm-kernels); an unused page gives its painting back after 20 min (--idle-minutes);
    Save stops at 2000 MB (--max-output-mb), downloads at 1000 MB (--max-downloads-mb)
    """
    idle = (
        f"an unused page gives its painting back after {limits.idle_minutes:g} min (--idle-minutes)"
        if limits.idle_minutes > 0
        else "unused pages keep their paintings (--idle-minutes 0)"
    )
    basis = f"; {limits.basis}" if limits.basis else ""
    return (
        f"nst-teach: room for {limits.max_kernels} paintings at once (--max-kernels{basis}), "
        f"{limits.max_kernels_per_client} per device (--max-kernels-per-client), {limits.warm_kernels} warm "
        f"kernel{'s' if limits.warm_kernels != 1 else ''} (--warm-kernels); {idle}; Save stops at "
        f"{limits.max_output_mb:g} MB (--max-output-mb), "
        f"downloads at {limits.max_downloads_mb:g} MB (--max-downloads-mb)"
    )

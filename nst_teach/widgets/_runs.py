"""Running on the event loop, one run at a time: what :func:`running` lists and :func:`stop_all` stops.

The dashboard and the preview grid run their optimization as an asyncio task on
the loop that is already running (the Jupyter kernel's, Colab's, or the one of
``asyncio.run``).  At most one of them runs at a time: starting one stops the
others.
"""

from __future__ import annotations

import asyncio
import warnings
import weakref
from typing import Any

from ..errors import NSTError

#: Dashboards and preview grids that are running now (weak: a forgotten widget is not kept alive).
_RUNNING: weakref.WeakSet[Any] = weakref.WeakSet()


def running() -> list[Any]:
    """Returns the dashboards and preview grids that are running (or paused) now.

    Introduced in ``notebooks/05_style_transfer_live.ipynb``.
    """
    return [runner for runner in list(_RUNNING) if runner.running]


def stop_all() -> int:
    """Stops every running dashboard and preview grid; returns how many were stopped.

    Introduced in ``notebooks/05_style_transfer_live.ipynb``.
    """
    runners = running()
    for runner in runners:
        runner.stop()
    return len(runners)


def _stop_the_others(runner: Any) -> None:
    """Stops every run but ``runner``'s: one run at a time."""
    for other in running():
        if other is not runner:
            other.stop()


def _running_loop() -> asyncio.AbstractEventLoop:
    """The event loop the run will use: the running one (Jupyter's kernel, or ``asyncio.run``)."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        pass
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            loop = asyncio.get_event_loop()
        except RuntimeError:
            loop = None
    if loop is not None and loop.is_running():  # some older kernels run the loop without marking it current
        return loop
    raise NSTError(
        "start() needs a running asyncio event loop to run in the background. In Jupyter and Colab the "
        "kernel's loop is used automatically; in a plain Python script call start() inside a coroutine "
        "run with asyncio.run(...), or use StyleTransfer(...).run() instead."
    )

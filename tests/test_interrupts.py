"""Interrupting the dashboard wherever it can happen: nothing lost, no task or thread left behind, memory returned.

The cases of a Jupyter kernel, driven from Python as in ``test_widgets.py`` (an asyncio loop of
``asyncio.run``, buttons ``.click()``-ed): a kernel interrupt that lands inside a step, an interrupted
cell that awaits the run, the page closing (the browser tab or the notebook: the frontend closes the
dashboard's comm), two dashboards in one kernel, and a second run started while one saves (also onto a
full disk).  Seeded random weights, 64×48 images, a few iterations each.
"""

from __future__ import annotations

import asyncio
import errno
import gc
import io
import os
import threading
import weakref

import comm
import numpy as np
import pytest
from PIL import Image
from test_widgets import FAST, _offline, run, until  # noqa: F401 (_offline: the widget tests' autouse fixture)

from nst_teach import widgets
from nst_teach.engine import StyleTransfer
from nst_teach.errors import SaveError
from nst_teach.images import read_image
from nst_teach.samples import load_sample


@pytest.fixture(scope="module")
def content():
    return load_sample("cottage")


@pytest.fixture(scope="module")
def style():
    return load_sample("swirls")


def _dashboard(content, style, **options):
    return widgets.StyleTransferDashboard(
        content, style, **{"every": 1, "iterations": 500, "panel_layer": None, **FAST, **options}
    )


def _iterations(dash) -> list[int]:
    return [row["iteration"] for row in dash.history]


def _shown(dash) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(dash.image_widget.value)).convert("RGB"))


async def _nothing_else_runs() -> None:
    """No task is left on the loop but this scenario (and the ``wait_for`` of ``run`` around it)."""
    await asyncio.sleep(0)
    others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task() and t.get_coro().__name__ != "wait_for"]
    assert others == [], f"tasks left running: {others}"


# --------------------------------------------------------------------------- the kernel's Interrupt


def test_a_kernel_interrupt_inside_a_step_stops_the_run_and_keeps_everything(content, style, monkeypatch):
    one_step, fired = StyleTransfer._one_step, []

    def interrupted(self, *args):  # SIGINT arrives while the 4th iteration computes
        if self.iteration == 3 and not fired:
            fired.append(True)
            raise KeyboardInterrupt
        return one_step(self, *args)

    monkeypatch.setattr(StyleTransfer, "_one_step", interrupted)
    dash = _dashboard(content, style)

    async def scenario():
        task = dash.start()
        await until(task.done)
        assert task.exception() is None  # the interrupt did not escape into the kernel's event loop
        assert not dash.running and widgets.running() == []
        assert "Interrupted" in dash.status and "The image is kept" in dash.status
        assert _iterations(dash) == [1, 2, 3]
        kept = dash.image
        assert np.array_equal(_shown(dash), kept)  # the page shows the image that is kept
        dash.start()  # Start continues from it
        await until(lambda: len(dash.history) >= 5)
        dash.stop()
        await dash.wait()
        await _nothing_else_runs()

    try:
        run(scenario())
    except KeyboardInterrupt:
        pytest.fail("the KeyboardInterrupt escaped the dashboard's task")
    assert _iterations(dash) == list(range(1, len(dash.history) + 1))  # nothing lost, nothing counted twice


def test_interrupting_the_cell_that_awaits_the_run_ends_the_run(content, style):
    dash = _dashboard(content, style)

    async def scenario():
        task = dash.start()
        cell = asyncio.ensure_future(dash.wait())  # a cell running `await dashboard.wait()`
        await until(lambda: len(dash.history) >= 2)
        cell.cancel()  # what the kernel's Interrupt does to the awaiting cell
        with pytest.raises(asyncio.CancelledError):
            await cell
        await until(task.done)
        assert not task.cancelled() and task.exception() is None
        assert not dash.running and "Interrupted" in dash.status
        done = len(dash.history)
        await asyncio.sleep(0.3)
        assert len(dash.history) == done  # it really ended
        await _nothing_else_runs()

    run(scenario())
    assert dash.image is not None and _iterations(dash) == list(range(1, len(dash.history) + 1))


# --------------------------------------------------------------------------- the page goes away


def test_closing_the_page_ends_the_task_and_returns_the_memory(content, style):
    dash = _dashboard(content, style, panel_layer="block1_conv1")
    threads = set(threading.enumerate())

    async def scenario():
        task = dash.start()
        await until(lambda: len(dash.history) >= 2)
        transfer = weakref.ref(dash._transfer)
        # The browser tab (or the notebook) closes: the frontend closes the widget's comm, and the
        # kernel's comm manager hands the message over, as ipykernel does.
        message = {"content": {"comm_id": dash.root.model_id, "data": {}}}
        comm.get_comm_manager().comm_close(None, None, message)
        await until(task.done)
        assert task.exception() is None and not dash.running and widgets.running() == []
        await _nothing_else_runs()
        return transfer

    transfer = run(scenario())
    gc.collect()
    assert transfer() is None, "the StyleTransfer (VGG-19, the images, the traced steps) is still alive"
    assert dash.root.comm is None and dash.start_button.comm is None and dash.image_widget.comm is None
    assert set(threading.enumerate()) <= threads  # no thread left behind


# --------------------------------------------------------------------------- two dashboards, one kernel


def test_two_dashboards_in_one_kernel_take_turns_and_keep_their_own_work(content, style):
    a = _dashboard(content, style)
    b = _dashboard(content, style, beta=400.0)  # created while a is idle: a is not touched

    async def scenario():
        a.start()
        await until(lambda: len(a.history) >= 2)
        b.start()  # one run at a time: a stops and keeps its image
        assert not a.running and b.running and "Stopped" in a.status
        a_image, a_done = a.image, len(a.history)
        await until(lambda: len(b.history) >= 3)
        assert np.array_equal(a.image, a_image) and len(a.history) == a_done  # b's run leaves a's work alone
        a.start()  # back to a: b stops, a continues from its own image
        assert not b.running and a.running and "Stopped" in b.status
        await until(lambda: len(a.history) >= a_done + 2)
        a.stop()
        await a.wait()
        await b.wait()
        await _nothing_else_runs()
        return a_done

    a_done = run(scenario())
    assert _iterations(a) == list(range(1, len(a.history) + 1)) and len(a.history) > a_done
    assert _iterations(b) == list(range(1, len(b.history) + 1))
    for dash, beta in ((a, 40.0), (b, 400.0)):  # each ran with its own settings throughout
        for row in dash.history:
            assert row["total"] == pytest.approx(10.0 * row["content"] + beta * row["style"], rel=1e-4)


# --------------------------------------------------------------------------- saving while running


def test_a_second_run_started_while_one_saves_loses_nothing(content, style, tmp_path, monkeypatch):
    dash = _dashboard(content, style)
    target = tmp_path / "mid-run.png"

    async def scenario():
        first = dash.start()
        await until(lambda: len(dash.history) >= 2)
        at_save = dash.image
        dash.save_path.value = str(target)
        dash.save_button.click()
        second = dash.start()  # a new run, started while the first was running and had just saved
        assert np.array_equal(read_image(target), at_save)  # the file holds the image of when Save was pressed
        await first
        assert not second.done() and dash.running
        saved = target.read_bytes()
        done = len(dash.history)

        # The disk fills up: Save says so, the run goes on, the file saved before is intact.
        def disk_full(self, fp, *args, **kwargs):
            fp.write(b"half a picture")
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        with monkeypatch.context() as patched:
            patched.setattr(Image.Image, "save", disk_full)
            dash.save_button.click()
            assert "disk is full" in dash.status and "previous mid-run.png is unchanged" in dash.status
            with pytest.raises(SaveError):
                dash.save(target)
        assert dash.running and target.read_bytes() == saved
        assert sorted(p.name for p in tmp_path.iterdir() if p.name != "cache") == ["mid-run.png"]
        await until(lambda: len(dash.history) >= done + 2)
        dash.stop()
        await dash.wait()
        await _nothing_else_runs()

    run(scenario())
    assert _iterations(dash) == list(range(1, len(dash.history) + 1))

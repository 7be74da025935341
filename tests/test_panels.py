"""The dashboard's panels (nst_teach.widgets.panels): a new panel is one class and one line in PANELS.

A toy panel of a few lines, added to a dashboard, is shown every step and the end of the run, cleared
by Reset and closed with the dashboard; a panel whose show fails is named in the status line and the
run goes on.  Short runs on tiny images with seeded random VGG-19 weights.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import ipywidgets  # noqa: E402
import pytest  # noqa: E402
from test_widgets import _offline, run  # noqa: E402, F401 (_offline: the widget tests' autouse fixture)

from nst_teach.errors import NSTError  # noqa: E402
from nst_teach.samples import load_sample  # noqa: E402
from nst_teach.widgets import StyleTransferDashboard  # noqa: E402
from nst_teach.widgets.panels import Panel  # noqa: E402

FAST = {"size": (48, 32), "weights": "random", "precision": "float32"}


class Iterations(Panel):
    """A toy panel: the iterations it was shown (None: the end of a run), as text."""

    def __init__(self, dashboard):
        self.root = ipywidgets.HTML()
        self.shown, self.cleared, self.closed = [], 0, 0

    def show(self, moment):
        self.shown.append(None if moment.step is None else moment.step.iteration)
        self.root.value = f"iteration {moment.history[-1]['iteration']}, J = {moment.history[-1]['total']:.3g}"

    def clear(self):
        self.cleared += 1
        self.root.value = ""

    def close(self):
        self.closed += 1


class Dashboard(StyleTransferDashboard):
    PANELS = (*StyleTransferDashboard.PANELS, Iterations)  # the one line


def test_a_toy_panel_receives_each_step_and_is_cleared_and_closed():
    dash = Dashboard(load_sample("cottage"), load_sample("swirls"), every=1, iterations=3, **FAST)
    toy = dash.panel(Iterations)
    assert toy in dash.panels and toy.root in dash.root.children  # placed below the live view
    assert toy.cleared == 1 and toy.shown == []  # the page before the first run

    async def scenario():
        dash.start()
        await dash.wait()

    run(scenario())
    # Each step, then the current image once the run is over; what the page shows, the last of them.
    assert toy.shown == [record["iteration"] for record in dash.history] + [None]
    assert len(dash.history) == 3 and toy.root.value.startswith("iteration 3, J = ")
    assert dash.image_widget.value[:4] == b"\x89PNG"  # the default panels are still there
    dash.reset()
    assert toy.cleared == 2 and toy.root.value == "" and toy.closed == 0
    dash.close()
    assert toy.closed == 1


class Broken(Panel):
    what = "the broken panel"

    def show(self, moment):
        raise NSTError("it cannot draw this.")


def test_a_panel_that_fails_is_named_and_the_run_goes_on():
    class WithBroken(StyleTransferDashboard):
        PANELS = (*StyleTransferDashboard.PANELS, Broken)

    dash = WithBroken(load_sample("cottage"), load_sample("swirls"), every=1, iterations=2, **FAST)
    seen = []
    dash.status_widget.observe(lambda change: seen.append(change["new"]), "value")

    async def scenario():
        dash.start()
        await dash.wait()

    run(scenario())
    assert len(dash.history) == 2 and dash.image_widget.value[:4] == b"\x89PNG"
    assert any("Cannot show the broken panel: it cannot draw this." in text for text in seen)
    dash.close()


def test_a_panel_must_say_where_it_goes():
    with pytest.raises(NSTError, match=r"Sideways.place is 'left'; choose one of \('picture', 'beside', 'below'\)"):

        class Sideways(Panel):
            place = "left"

"""The live view across all layers in a real browser: notebook 05 in JupyterLab and the classroom app (Voila).

From the first Start, every layer's column of the grid (each style layer's Gram matrices and cost,
the content layer's feature maps) renders beside the picture, inside the 1280×720 screen (the app
without any scrolling, the notebook with the dashboard's cell scrolled to the top), and every style
layer's column changes while the run goes on; a column's button opens that layer in detail.  Quick mode
and seeded random weights (``conftest.py``).  Screenshots: ``tests/e2e/artifacts/layer-grid-*.png``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

# The browser tests' helpers (this folder is on sys.path: pytest puts a test file's folder there).
from test_browser import LIVE, RUN_TIMEOUT, Dashboard, open_notebook, run_all_cells, save_shot, shot, wait_until

from nst_teach.defaults import CONTENT_LAYER, STYLE_LAYERS

pytestmark = pytest.mark.e2e

STYLE = list(STYLE_LAYERS)
COLUMNS = [*STYLE, CONTENT_LAYER]


def in_view(box: dict[str, float] | None, screen: dict[str, int]) -> bool:
    """``box`` lies inside the screen: seen without scrolling."""
    return (
        bool(box)
        and 0 <= box["x"] <= box["x"] + box["width"] <= screen["width"]
        and (0 <= box["y"] <= box["y"] + box["height"] <= screen["height"])
    )


# Every scrolled box back at its top: the page as it opens.
SCROLL_TO_TOP = "() => document.querySelectorAll('*').forEach(box => { if (box.scrollTop) box.scrollTop = 0; })"


def watch_the_grid(page: Any, dashboard: Dashboard, name: str, scroll: Any) -> None:
    """Start: the grid appears in view beside the picture and every style layer's column changes; then Stop.

    ``scroll()`` puts the page as a student sees it (typing in the settings below has scrolled it).
    """
    dashboard.set_number("iterations", "100000")  # long enough to still be running when we look...
    dashboard.set_number("converged below", "0")  # ...and never ended by the convergence rule
    dashboard.set_number("show every", "1")
    dashboard.start.click()
    grid = dashboard.root.locator(".nst-layer-grid")
    columns = grid.locator("img.widget-image")
    buttons = grid.locator("button.nst-layer-button")
    wait_until(lambda: columns.count() == len(COLUMNS) and columns.first.is_visible(), RUN_TIMEOUT, "the grid")
    assert [b.inner_text().strip() for b in buttons.all()] == COLUMNS

    scroll()
    wait_until(lambda: all(c.bounding_box()["width"] > 50 for c in columns.all()), 60, "the grid's pictures to load")
    screen = page.viewport_size  # 1280×720, a classroom projector's (conftest.VIEWPORT)
    for part in [dashboard.image, *columns.all()]:
        box = part.bounding_box()
        assert in_view(box, screen), f"{name}: {box} is not inside the {screen['width']}×{screen['height']} screen"
    image_box = dashboard.image.bounding_box()
    assert columns.first.bounding_box()["x"] >= image_box["x"] + image_box["width"]  # beside the picture
    # Every picture says what it shows, in words the page holds: its title (hover text, read by screen readers).
    titles = [part.get_attribute("title") or "" for part in [dashboard.image, dashboard.costs, *columns.all()]]
    assert all(titles) and all(t.startswith(f"{name}: ") for t, name in zip(titles[2:], COLUMNS)), titles

    first = [shot(column) for column in columns.all()]
    style = range(len(STYLE))
    wait_until(
        lambda: all(not np.array_equal(shot(columns.nth(i)), first[i]) for i in style),
        120,
        "every style layer's column to change",
    )
    save_shot(page, f"layer-grid-{name}")
    dashboard.stop.click()
    wait_until(lambda: "Stopped" in dashboard.status_text(), 60, "the status to say 'Stopped'")

    buttons.nth(2).click()  # a column's button opens that layer in detail, drawn from the current image
    layer = dashboard.root.locator(".widget-inline-hbox:has(> label:text-is('layer')) select")
    wait_until(
        lambda: layer.is_visible() and layer.evaluate("s => s.options[s.selectedIndex].text") == STYLE[2],
        30,
        f"the detail to open on {STYLE[2]}",
    )
    pictures = layer.locator("xpath=../..").locator("img.widget-image")
    wait_until(lambda: pictures.count() == 3 and all(p.is_visible() for p in pictures.all()), 60, "its 3 pictures")
    assert all(STYLE[2] in (p.get_attribute("title") or "") for p in pictures.all()), "the detail's pictures' titles"


def test_notebook_05_shows_the_grid_from_the_first_start(page, jupyter_lab):
    try:
        open_notebook(page, jupyter_lab, LIVE)
        run_all_cells(page, LIVE)
        dashboard = Dashboard(page.locator(".jp-Notebook"))
        # The student has scrolled down to the dashboard's cell: its top at the top of the notebook.
        watch_the_grid(page, dashboard, "notebook", lambda: dashboard.root.evaluate("e => e.scrollIntoView(true)"))
    finally:
        jupyter_lab.shut_down_kernels()


def test_the_app_shows_the_grid_from_the_first_start(page, voila_app):
    page.goto(voila_app.page, timeout=RUN_TIMEOUT * 1000)
    app = page.locator(".nst-app")
    app.wait_for(state="visible", timeout=RUN_TIMEOUT * 1000)
    page.locator(".nst-app .lm-TabBar-tab", has_text="Paint").click()
    watch_the_grid(page, Dashboard(app), "app", lambda: page.evaluate(SCROLL_TO_TOP))  # no scrolling at all

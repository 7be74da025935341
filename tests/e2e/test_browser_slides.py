"""A notebook presented as slides in a real browser: JupyterLab with ``jupyterlab-rise`` (``nst-teach[slides]``).

The instructor's path: open the notebook in JupyterLab, press the notebook toolbar's "Render as Reveal
Slideshow" button (``RISE:preview``); the slideshow opens beside it and shows the first slide, the
notebook's title; the right arrow goes to the second, the first section's heading. No cell is run, and
nothing is fetched from outside the machine (the notebooks' ``rise`` theme has its fonts bundled).
The slide types are the ones :mod:`nst_teach_instructor.slides` gave the committed notebook.
Screenshots: ``tests/e2e/artifacts/slides-*.png``.
"""

from __future__ import annotations

import importlib.util
import os
import re
from typing import Any

import pytest

# The browser tests' helpers (this folder is on sys.path: pytest puts a test file's folder there).
from test_browser import open_notebook, save_shot, wait_until

pytestmark = pytest.mark.e2e

NOTEBOOK = "00_welcome.ipynb"


def _rise_installed() -> None:
    """``jupyterlab-rise`` is in the ``test`` extra: missing, the test is skipped, but under CI it fails."""
    if importlib.util.find_spec("jupyterlab_rise") is not None:
        return
    message = "SLIDESHOW TEST NOT RUN: jupyterlab-rise is not installed (pip install -e '.[test]')"
    if os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}:
        pytest.fail(message + "; CI must run it.", pytrace=False)
    pytest.skip(message)


def headings(course_dir: Any) -> list[str]:
    """The heading of the notebook's first two slides, read from the file the server serves."""
    import nbformat

    notebook = nbformat.read(course_dir / NOTEBOOK, as_version=4)
    slides = [c for c in notebook.cells if c.metadata.get("slideshow", {}).get("slide_type") == "slide"]
    assert len(slides) >= 2, f"{NOTEBOOK} has {len(slides)} slide(s)"
    return [re.sub(r"^#+\s*", "", cell.source.splitlines()[0]).strip() for cell in slides[:2]]


def test_a_notebook_opens_as_a_slideshow_and_the_right_arrow_shows_the_second_slide(
    page, jupyter_lab, course_dir, offline
):
    _rise_installed()
    first, second = headings(course_dir)
    outside = offline(page)  # a classroom without internet: the slides' theme and fonts come from the server
    try:
        open_notebook(page, jupyter_lab, NOTEBOOK)
        button = page.locator('.jp-NotebookPanel-toolbar [data-command="RISE:preview"]')
        button.click()
        frame = page.frame_locator("iframe[src*='/rise/']")
        current = frame.locator(".reveal .slides section.present").last  # a slide, or its sub-slide

        def shows(text: str) -> bool:
            heading = current.get_by_role("heading", name=text)
            return heading.count() > 0 and heading.first.is_visible()

        wait_until(lambda: shows(first), 120, f"the first slide ({first!r}) to show")
        assert not current.get_by_role("heading", name=second).count(), "the second slide's heading is on the first"
        save_shot(page, "slides-first")

        frame.locator(".reveal").click(position={"x": 5, "y": 5})  # the slideshow gets the keys
        page.keyboard.press("ArrowRight")
        wait_until(lambda: shows(second), 30, f"the second slide ({second!r}) to show")
        assert not shows(first), "the first slide is still shown after the right arrow"
        save_shot(page, "slides-second")
        assert outside == [], f"the slideshow asked for resources outside this machine: {outside}"
    finally:
        jupyter_lab.shut_down_kernels()

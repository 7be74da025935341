"""What a student sees first in ``nst-teach tutorial``: the first notebook, and no pop-up over it.

JupyterLab asks every new user "Would you like to get notified about official Jupyter news?" in a
notification over the page, and checks for updates; a class of beginners reads that as something to
answer. ``nst-teach tutorial`` turns both off (``nst_teach/data/jupyter/labconfig/page_config.json``).
The ``jupyter_lab`` fixture is ``nst-teach tutorial`` itself, with no settings of the tests' own; a plain
JupyterLab in the same fresh environment shows that the pop-up is there to be seen when it is not off.
Screenshots: ``tests/e2e/artifacts/tutorial-*.png``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import SERVER_START_TIMEOUT, Server, _start, _stop, _wait_for, free_port
from test_browser import NOTEBOOK_STATE, save_shot, wait_until

pytestmark = pytest.mark.e2e

NEWS = "official Jupyter news"
FIRST = "00_welcome.ipynb"


def _notifications(page: Any) -> str:
    """The text of every notification JupyterLab shows (its toasts), as one string."""
    return " ".join(page.locator(".Toastify__toast").all_inner_texts())


def test_a_plain_jupyterlab_asks_about_news_so_the_check_below_can_see_it(
    page: Any, server_env: dict[str, str], course_dir: Path, tmp_path: Path
) -> None:
    port, token, log = free_port(), "plain-lab", tmp_path / "plain-lab.log"
    command = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ServerApp.ip=127.0.0.1",
               f"--ServerApp.port={port}", f"--ServerApp.root_dir={course_dir}", "--allow-root",
               "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]  # fmt: skip
    env = dict(server_env, JUPYTER_TOKEN=token)
    env.pop("JUPYTER_CONFIG_PATH", None)
    process = _start(command, course_dir, env, log)
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_for(f"{url}/api/status", process, log, {"Authorization": f"token {token}"})
        lab = Server(url, token, log, process)
        page.goto(f"{lab.url}/lab/tree/{FIRST}?token={token}", timeout=SERVER_START_TIMEOUT * 1000)
        wait_until(lambda: NEWS in _notifications(page), 90, "JupyterLab's news question")
        save_shot(page, "tutorial-plain-jupyterlab-news")
    finally:
        _stop(process)


def test_the_tutorial_opens_the_first_notebook_with_no_news_popup(page: Any, jupyter_lab: Any) -> None:
    page.goto(jupyter_lab.page, timeout=SERVER_START_TIMEOUT * 1000)  # the address nst-teach tutorial printed
    wait_until(lambda: (page.evaluate(NOTEBOOK_STATE) or {}).get("path") == FIRST, 120, f"{FIRST} to open")
    wait_until(lambda: page.evaluate(NOTEBOOK_STATE)["kernel"] == "idle", 120, f"the kernel of {FIRST} to start")
    time.sleep(10)  # the plain JupyterLab above asks within a second or two of the page being ready
    save_shot(page, "tutorial-first-notebook")
    assert NEWS not in _notifications(page) and NEWS not in page.inner_text("body")
    assert "update" not in _notifications(page).lower(), _notifications(page)

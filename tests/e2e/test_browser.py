"""The widgets render and work in a real browser: JupyterLab and the Voila classroom app in headless Chromium.

Python-side tests drive the widgets with ``button.click()``; these check what a
student sees: the notebooks run in JupyterLab without a widget rendering error,
the dashboard's buttons and sliders reach the kernel, and its pictures update
while the kernel keeps answering.  Quick mode, seeded random VGG-19 weights (see
``conftest.py``).  Screenshots go to ``tests/e2e/artifacts/``.
"""

from __future__ import annotations

import ast
import io
import re
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from nst_teach.course import NOTEBOOKS

pytestmark = pytest.mark.e2e

LIVE = "05_style_transfer_live.ipynb"
WIDGET_ERROR = "Error displaying widget"
VIEW_ERROR = "Click to show javascript error"  # a widget view that failed to render (e.g. ipywidgets#3860)
WIDGET_LOADING = "Loading widget..."
RUN_TIMEOUT = 300.0  # seconds for "Run All" of one notebook in quick mode on a slow 2-core machine


# --- reading the page ---------------------------------------------------------------------------


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def shot(locator: Any) -> np.ndarray:
    """What an element looks like right now, as an RGB array."""
    return pixels(locator.screenshot(animations="disabled"))


ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def save_shot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def wait_until(condition: Any, timeout: float, what: str, interval: float = 0.25) -> Any:
    """Polls ``condition()`` until it returns something truthy; fails naming ``what`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    value = None
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what} (last: {value!r})", pytrace=False)


def assert_widgets_rendered(page: Any, where: str) -> None:
    """No widget is still loading, and none failed to render."""
    wait_until(lambda: page.get_by_text(WIDGET_LOADING).count() == 0, 60, f"the widgets of {where} to load")
    for message in (WIDGET_ERROR, VIEW_ERROR):
        errors = page.get_by_text(message)
        assert errors.count() == 0, f"{where}: {errors.first.inner_text()}"


class Dashboard:
    """The parts of a :class:`~nst_teach.widgets.StyleTransferDashboard` on the page.

    Found by structure: the dashboard's root box holds a row of buttons (Start ...
    Reset) and the status line; the generated image and the cost plot by their classes.
    """

    def __init__(self, scope: Any) -> None:
        reset = scope.locator("button.jupyter-button", has_text="Reset").first
        self.root = reset.locator("xpath=../..")
        buttons = self.root.locator(":scope > .widget-hbox > button.jupyter-button")
        self.start = buttons.filter(has_text="Start")
        self.stop = buttons.filter(has_text="Stop")
        self.pause = buttons.filter(has_text="Pause")
        self.status = self.root.locator(":scope > .widget-html")
        self.image, self.costs = self.root.locator("img.nst-image"), self.root.locator("img.nst-costs")

    def status_text(self) -> str:
        return self.status.inner_text()

    def iteration(self) -> int:
        """The iteration the status line reports (0 before the first one)."""
        found = re.search(r"iteration (\d+)", self.status_text())
        return int(found.group(1)) if found else 0

    def set_number(self, label: str, value: str) -> None:
        """Types ``value`` into the text box labelled ``label`` (as a student would) and presses Enter."""
        box = self.root.locator(f".widget-inline-hbox:has(> label:text-is('{label}')) input")
        box.fill(value)
        box.press("Enter")

    def slider_readout(self, label: str) -> Any:
        return self.root.locator(f".widget-inline-hbox:has(> label:text-is('{label}')) .widget-readout")

    def run_and_watch(self, page: Any, name: str) -> None:
        """Start: the image and the cost plot change while it runs; Stop: the image stays as it is."""
        self.set_number("iterations", "100000")  # long enough to still be running when we look...
        self.set_number("converged below", "0")  # ...and never ended by the convergence rule
        self.set_number("show every", "1")
        self.start.click()
        wait_until(lambda: self.iteration() >= 2, RUN_TIMEOUT, "the run to reach iteration 2")
        first_image, first_costs, k = shot(self.image), shot(self.costs), self.iteration()
        wait_until(lambda: self.iteration() >= k + 2, 120, f"the run to go on past iteration {k + 1}")
        wait_until(lambda: not np.array_equal(shot(self.image), first_image), 30, "the generated image to change")
        assert not np.array_equal(shot(self.costs), first_costs), "the cost plot did not change while running"
        save_shot(page, f"{name}-running")

        self.stop.click()
        wait_until(lambda: "Stopped" in self.status_text(), 60, "the status to say 'Stopped'")
        stopped_at = self.iteration()
        after_stop = shot(self.image)
        time.sleep(3)
        assert np.array_equal(shot(self.image), after_stop), "the image still changes after Stop"
        assert self.iteration() == stopped_at, self.status_text()
        save_shot(page, f"{name}-stopped")


# --- JupyterLab ----------------------------------------------------------------------------------

# The notebook's state, read through ``window.jupyterapp`` (the server runs with expose_app_in_browser).
NOTEBOOK_STATE = """() => {
  const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  if (!panel || !panel.content || !panel.content.model || !panel.sessionContext) return null;
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  const cells = panel.content.model.cells;
  const state = {path: panel.context.path, kernel: kernel ? kernel.status : null, code: 0, done: 0, queued: 0,
                 errors: [], last: ''};
  for (let i = 0; i < cells.length; i++) {
    const cell = cells.get(i);
    if (cell.type !== 'code' || cell.sharedModel.getSource().trim() === '') continue;
    state.code += 1;
    if (cell.executionState === 'running') state.queued += 1;
    if (cell.executionCount !== null && cell.executionCount !== undefined) {
      state.done += 1;
      state.last = `cell ${i}: ` + panel.content.widgets[i].node.innerText.slice(-600);
    }
    for (let j = 0; j < cell.outputs.length; j++) {
      const output = cell.outputs.get(j).toJSON();
      if (output.output_type === 'error') state.errors.push(`cell ${i}: ${output.ename}: ${output.evalue}`);
    }
  }
  return state;
}"""

# Runs code in the open notebook's kernel (not in a cell) and returns what it printed.
KERNEL_EXECUTE = """async (code) => {
  const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  const future = kernel.requestExecute({code: code, silent: false, store_history: false});
  let text = '';
  future.onIOPub = (msg) => {
    if (msg.header.msg_type === 'stream') text += msg.content.text;
    if (msg.header.msg_type === 'error') text += `${msg.content.ename}: ${msg.content.evalue}`;
  };
  await future.done;
  return text;
}"""


def open_notebook(page: Any, lab: Any, name: str) -> None:
    """Opens ``name`` in a fresh JupyterLab workspace and waits for its kernel."""
    page.goto(f"{lab.url}/lab/tree/{name}?reset&token={lab.token}")
    wait_until(lambda: (page.evaluate(NOTEBOOK_STATE) or {}).get("path") == name, 120, f"{name} to open")
    wait_until(lambda: page.evaluate(NOTEBOOK_STATE)["kernel"] == "idle", 120, f"the kernel of {name} to start")
    # Fold the file browser away: the notebook gets the whole 1280 px width.
    if page.locator("#jp-left-stack").is_visible():
        page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current").click()


def run_all_cells(page: Any, name: str) -> dict[str, Any]:
    """Run > Run All Cells, through the menu; waits until every code cell ran and the kernel is idle."""
    page.locator("#jp-MainMenu .lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()

    quiet: list[dict[str, Any]] = []  # consecutive polls with nothing running or queued

    def finished() -> dict[str, Any] | None:
        state = page.evaluate(NOTEBOOK_STATE)
        if state["errors"]:
            pytest.fail(f"{name} raised: {state['errors'][0]}", pytrace=False)
        idle = state["kernel"] == "idle" and state["queued"] == 0 and state["done"] > 0
        quiet[:] = [*quiet, state] if idle else []
        return state if len(quiet) >= 3 else None

    state = wait_until(finished, RUN_TIMEOUT, f"every cell of {name} to run", interval=1.0)
    # Run All stops at a cell whose execution failed, also when nst-teach shows the error as one line.
    assert state["done"] == state["code"], (
        f"{name}: Run All stopped after {state['done']} of {state['code']} code cells; the last one that ran:\n"
        f"{state['last']}"
    )
    return state


@pytest.fixture(scope="module")
def live_page(new_page: Any, jupyter_lab: Any) -> Any:
    """``05_style_transfer_live`` open in JupyterLab, all cells run (shared by the dashboard tests below)."""
    try:
        with new_page("live-notebook-last") as page:
            open_notebook(page, jupyter_lab, LIVE)
            run_all_cells(page, LIVE)
            yield page
    finally:
        jupyter_lab.shut_down_kernels()


def test_live_notebook_runs_and_its_dashboard_renders(live_page):
    page = live_page
    assert_widgets_rendered(page, LIVE)
    dashboard = Dashboard(page.locator(".jp-Notebook"))
    dashboard.root.scroll_into_view_if_needed()
    for part in (dashboard.start, dashboard.stop, dashboard.pause, dashboard.status, dashboard.image):
        assert part.is_visible()
    assert dashboard.image.bounding_box()["width"] > 0
    save_shot(page, "live-notebook")


def test_showing_the_dashboard_in_the_page_keeps_its_settings(live_page):
    """Drawing the controls must not change the options the next Start uses (the notebook's are nst-teach's defaults).

    A slider that updates continuously snaps its value to its step when the browser draws it, and sends
    the snapped value back to the kernel (β 40 would become 39.81).
    """
    from nst_teach.defaults import ALPHA, BETA, NOISE_RATIO, STYLE_LAYERS
    from nst_teach.optimizers import LBFGS_LEARNING_RATE

    code = (
        "from nst_teach.widgets import StyleTransferDashboard\n"
        "shown = [v for v in get_ipython().user_ns.values() if isinstance(v, StyleTransferDashboard)]\n"
        "keys = ('alpha', 'beta', 'learning_rate', 'noise_ratio', 'style_layers')\n"
        "print({k: shown[-1].options()[k] for k in keys})"
    )
    seen = ast.literal_eval(live_page.evaluate(KERNEL_EXECUTE, code).strip())
    expected = {
        "alpha": ALPHA,
        "beta": BETA,
        "learning_rate": LBFGS_LEARNING_RATE,  # the dashboard opens on L-BFGS: its step length 1 (Adam's 2 is 2 px)
        "noise_ratio": NOISE_RATIO,
        "style_layers": dict(STYLE_LAYERS),
    }
    assert seen == expected


def test_start_changes_the_image_and_the_cost_plot_and_stop_freezes_them(live_page):
    page = live_page
    dashboard = Dashboard(page.locator(".jp-Notebook"))
    dashboard.root.scroll_into_view_if_needed()
    dashboard.run_and_watch(page, "live-notebook-dashboard")


def test_a_slider_moved_in_the_page_reaches_the_kernel(live_page):
    page = live_page
    dashboard = Dashboard(page.locator(".jp-Notebook"))
    readout = dashboard.slider_readout("β (style)")
    readout.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("1000")
    page.keyboard.press("Enter")
    wait_until(
        lambda: readout.inner_text().strip() in {"1000", "1.00e+3", "1000.0", "1e+3"}, 10, "the β readout to show 1000"
    )

    dashboard.start.click()  # the next run uses the new β
    wait_until(lambda: "Running" in dashboard.status_text() or dashboard.iteration() > 0, 60, "the run to start")
    seen = page.evaluate(
        KERNEL_EXECUTE,
        "from nst_teach.widgets import running\nprint([round(d.options()['beta'], 6) for d in running()])",
    )
    dashboard.stop.click()
    wait_until(lambda: "Stopped" in dashboard.status_text(), 60, "the status to say 'Stopped'")
    assert seen.strip() == "[1000.0]", seen
    save_shot(page, "live-notebook-beta")


@pytest.mark.parametrize("name", [n for n in NOTEBOOKS if n != LIVE])  # LIVE: test_live_notebook_runs...
def test_notebook_runs_in_jupyterlab_without_widget_errors(name, page, jupyter_lab):
    try:
        open_notebook(page, jupyter_lab, name)
        run_all_cells(page, name)
        assert_widgets_rendered(page, name)
    finally:
        jupyter_lab.shut_down_kernels()


# --- Voila, and everything with no internet ----------------------------------------------------------


def assert_icons_drawn(page: Any, where: str) -> None:
    """The buttons' Font Awesome icons come from the page's own bundle (not a CDN) and are drawn."""
    icon = page.locator("button.jupyter-button i.fa-play").first
    assert icon.bounding_box()["width"] > 0, f"{where}: the Start button's icon takes no room"
    assert page.evaluate("""() => document.fonts.check('900 16px "Font Awesome 5 Free"')"""), (
        f"{where}: the icon font did not load"
    )


def test_voila_app_shows_widgets_without_code_and_runs_with_every_outside_request_blocked(page, voila_app, offline):
    outside = offline(page)  # a classroom without internet
    page.goto(voila_app.page, timeout=RUN_TIMEOUT * 1000)  # the address nst-teach app printed, token included
    app = page.locator(".nst-app")
    app.wait_for(state="visible", timeout=RUN_TIMEOUT * 1000)
    assert_widgets_rendered(page, "the Voila app")
    code = page.locator(".jp-CodeCell .jp-InputArea, .jp-CodeMirrorEditor, .cm-editor, .jp-InputPrompt")
    assert code.count() == 0, f"code is on the page: {code.first.inner_text()[:200]}"
    text = page.locator("body").inner_text()
    for source in ("import ", "StyleTransferDashboard(", "ImagePicker("):
        assert source not in text, f"the page shows code: {source!r}"
    assert "Traceback" not in text
    save_shot(page, "voila-app")

    page.locator(".nst-app .lm-TabBar-tab", has_text="Paint").click()
    dashboard = Dashboard(app)
    assert dashboard.start.is_visible() and dashboard.image.is_visible()
    assert_icons_drawn(page, "the Voila app")
    dashboard.run_and_watch(page, "voila-app")
    assert outside == [], f"the app asked for resources outside this machine: {outside}"


MATH_NOTEBOOK = "03_content_cost.ipynb"  # the content cost, in LaTeX, inline and displayed


def assert_math_rendered(page: Any, where: str) -> None:
    """MathJax typeset the formulas of the page: some formulas drawn, none an error, no TeX source left."""
    formulas = page.locator("mjx-container")
    wait_until(lambda: formulas.count() >= 2, 120, f"MathJax to typeset the formulas in {where}")
    assert page.locator("mjx-merror").count() == 0, f"{where}: MathJax could not typeset a formula"
    assert formulas.first.bounding_box()["width"] > 0
    assert "\\frac{" not in page.locator("body").inner_text(), f"{where}: TeX source left on the page"


def math_notebook(folder: Path) -> Path:
    """A notebook holding the markdown cells of the course's notebook 03 that have formulas, and one code cell."""
    import nbformat

    course = nbformat.read(folder / MATH_NOTEBOOK, as_version=4)
    cells = [cell for cell in course.cells if cell.cell_type == "markdown" and "$" in cell.source]
    notebook = nbformat.v4.new_notebook(cells=[*cells, nbformat.v4.new_code_cell("print('formulas above')")])
    path = folder / "offline-math.ipynb"
    nbformat.write(notebook, path)
    return path


def test_math_renders_with_every_outside_request_blocked(page, jupyter_lab, course_dir, serve_app, offline, tmp_path):
    """JupyterLab, Voila alone (``nst-teach app``) and Voila inside JupyterLab (Binder's link) typeset offline."""
    outside = offline(page)
    try:
        open_notebook(page, jupyter_lab, MATH_NOTEBOOK)
        assert_math_rendered(page, f"{MATH_NOTEBOOK} in JupyterLab")
        save_shot(page, "offline-math-jupyterlab")
    finally:
        jupyter_lab.shut_down_kernels()

    notebook = math_notebook(course_dir)
    with serve_app(notebook, log=tmp_path / "voila-math.log") as app:
        page.goto(app.page, timeout=RUN_TIMEOUT * 1000)
        assert_math_rendered(page, "nst-teach app")
        save_shot(page, "offline-math-voila")

    try:
        page.goto(f"{jupyter_lab.url}/voila/render/{notebook.name}?token={jupyter_lab.token}")
        assert_math_rendered(page, "Voila inside JupyterLab")
    finally:
        jupyter_lab.shut_down_kernels()
    assert outside == [], f"pages asked for resources outside this machine: {outside}"

"""Regenerates the README's pictures from one live run: ``docs/dashboard.png`` and ``docs/run.gif``.

    python docs/make_readme_pictures.py                      # seeded random VGG-19 filters, offline
    python docs/make_readme_pictures.py --weights FILE.h5    # e.g. the ImageNet weights: pictures that look like art

All of it on this machine.  It writes a notebook into a temporary folder that shows the live dashboard
(:class:`nst_teach.widgets.StyleTransferDashboard`) on two pictures the course ships, the bundled
``cottage`` photo and ``swirls`` painting (:mod:`nst_teach.samples`), with the one-layer detail
("Inside the network: one layer") open; serves it with ``nst-teach app`` (Voila on 127.0.0.1 with a
random token, offline), as the browser tests do (``tests/e2e/conftest.py``); opens it in the system's
Chromium through Playwright, every request that would leave the machine blocked; and presses Start.

* When the status line reaches iteration ``--shot-at``, the dashboard is screenshotted: the buttons,
  the status line (iteration, speed, time left, weights), the picture and its costs, the grid across all
  layers and the open detail (feature maps and Gram matrices of one layer, style vs generated); the
  settings tabs below are cut off.  It is stored as a 256-colour PNG.
* Each time the dashboard shows a new picture, the kernel writes it to a folder; when the run is done,
  those of every ``--gif-every`` iterations become the GIF, each frame labelled with its iteration.

Needs the test extra (Playwright) and Debian's ``chromium`` (``$NST_TEACH_CHROMIUM`` names another).
Takes about four minutes on two busy CPU cores.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parents[1]
PICTURE = ROOT / "docs" / "dashboard.png"
ANIMATION = ROOT / "docs" / "run.gif"
#: What the README may weigh: the repository's clone, not the wheel (docs/ is not packaged).
MAX_PNG_BYTES = 600_000
MAX_GIF_BYTES = 2_000_000
FRAMES_ENV = "NST_TEACH_README_FRAMES"
SETTINGS_ENV = "NST_TEACH_README_SETTINGS"

#: The notebook Voila serves: the dashboard, and a hook that keeps every picture it shows (with its iteration).
NOTEBOOK_CODE = f"""\
import json
import os
from pathlib import Path

from nst_teach.samples import sample_path
from nst_teach.widgets import StyleTransferDashboard

settings = json.loads(os.environ["{SETTINGS_ENV}"])
frames = Path(os.environ["{FRAMES_ENV}"])
dashboard = StyleTransferDashboard(
    sample_path("cottage"),
    sample_path("swirls"),
    size=tuple(settings["size"]),
    iterations=settings["iterations"],
    every=settings["every"],
    panel_layer=settings["layer"],
)


def keep(change):
    if dashboard.history and change["new"]:
        (frames / f"{{dashboard.history[-1]['iteration']:05d}}.png").write_bytes(change["new"])


dashboard.image_widget.observe(keep, "value")
dashboard
"""


def write_notebook(folder: Path) -> Path:
    """The one-cell notebook of :data:`NOTEBOOK_CODE` in ``folder``."""
    import nbformat

    path = folder / "readme_pictures.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(NOTEBOOK_CODE)]), path)
    return path


def environment(home: Path, weights: Path | None, frames: Path, settings: dict) -> dict[str, str]:
    """The server's and its kernel's environment: offline, isolated in ``home``, normal mode (not quick)."""
    from nst_teach.weights import write_random_weights

    if weights is None:
        weights = write_random_weights(home / "vgg19_random_seed0_notop.h5", seed=0)
    env = dict(os.environ)
    for name in ("NST_TEACH_QUICK", "JUPYTER_TOKEN"):
        env.pop(name, None)
    env.update(
        {
            "NST_TEACH_OFFLINE": "1",
            "NST_TEACH_WEIGHTS": str(Path(weights).resolve()),
            "NST_TEACH_CACHE": str(home / "cache"),
            "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
            "IPYTHONDIR": str(home / "ipython"),
            "MPLCONFIGDIR": str(home / "matplotlib"),
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "PYTHONUNBUFFERED": "1",
            FRAMES_ENV: str(frames),
            SETTINGS_ENV: json.dumps(settings),
        }
    )
    return env


def wait_for(condition, timeout: float, what: str, interval: float = 0.25):
    """Polls ``condition()`` until it returns something truthy; raises naming ``what`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")


def iteration_of(status: str) -> int:
    found = re.search(r"iteration (\d+)/", status)
    return int(found.group(1)) if found else 0


def screenshot_and_run(server, args: argparse.Namespace, shots: Path) -> tuple[bytes, str, str]:
    """Opens the app, presses Start, screenshots the dashboard at ``--shot-at``; returns it, that status, the last."""
    import conftest as e2e
    from playwright.sync_api import sync_playwright

    executable = e2e.chromium_path()
    if executable is None:
        raise SystemExit("no Chromium: install Debian's `chromium` or set NST_TEACH_CHROMIUM")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=e2e.CHROMIUM_ARGS)
        try:
            # Tall enough that the whole dashboard, open detail included, is on the screen at once.
            page = browser.new_context(viewport={"width": 1280, "height": 2000}, device_scale_factor=1).new_page()
            outside = e2e.block_outside(page)
            page.goto(server.page, timeout=300_000)
            root = page.locator(".nst-dashboard")
            root.wait_for(state="visible", timeout=300_000)
            status = root.locator(":scope > .widget-html")
            root.locator("button.nst-start").click()
            wait_for(lambda: iteration_of(status.inner_text()) >= args.shot_at, 900, f"iteration {args.shot_at}")
            detail = root.locator(".nst-layer-detail")
            clip = root.bounding_box()
            bottom = detail.bounding_box()
            clip["height"] = bottom["y"] + bottom["height"] - clip["y"] + 2
            pictures = root.locator("img.widget-image")
            untitled = [i for i in range(pictures.count()) if not pictures.nth(i).get_attribute("title")]
            broken = page.get_by_text("Click to show javascript error").count()
            if untitled or broken:
                page.screenshot(path=str(shots / "readme-pictures-failed.png"), full_page=True)
                raise SystemExit(
                    f"{len(untitled)} pictures without a title, {broken} widgets that did not render "
                    f"(the page: {shots / 'readme-pictures-failed.png'})"
                )
            shot = page.screenshot(clip=clip, animations="disabled")
            shot_status = status.inner_text()
            page.screenshot(path=str(shots / "whole-page.png"))
            wait_for(lambda: "Done" in status.inner_text(), 1800, "the run to finish", interval=1.0)
            if outside:
                raise SystemExit(f"the page asked for resources outside this machine: {outside}")
            return shot, shot_status, status.inner_text()
        finally:
            browser.close()


def write_png(shot: bytes, target: Path = PICTURE) -> tuple[tuple[int, int], int]:
    """``shot`` as a 256-colour PNG at ``target``; returns its size in pixels and in bytes."""
    image = Image.open(io.BytesIO(shot)).convert("RGB")
    target.parent.mkdir(parents=True, exist_ok=True)
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(target, optimize=True)
    return image.size, target.stat().st_size


def gif_frames(frames: Path, every: int) -> list[tuple[int, bytes]]:
    """The pictures the kernel kept, ``(iteration, PNG)``: the first, every ``every``-th, and the last."""
    kept = sorted((int(path.stem), path.read_bytes()) for path in frames.glob("*.png"))
    if not kept:
        raise SystemExit(f"the kernel kept no pictures in {frames}: did the run start?")
    last = kept[-1][0]
    return [(k, png) for k, png in kept if k == kept[0][0] or k % every == 0 or k == last]


def write_gif(frames: list[tuple[int, bytes]], total: int, width: int, target: Path = ANIMATION) -> tuple[int, int]:
    """The frames, ``width`` pixels wide and labelled "iteration k/total", as a looping GIF; returns (frames, bytes).

    The last frame stays 2 s, the others 0.2 s.  One palette of 256 colours for all of them (made from
    the last frame and the first), no dithering: a small file, and no flicker between frames.
    """
    font = ImageFont.load_default(size=13)
    pictures = []
    for k, png in frames:
        image = Image.open(io.BytesIO(png)).convert("RGB")
        height = round(image.height * width / image.width)
        canvas = Image.new("RGB", (width, height + 18), "white")
        canvas.paste(image.resize((width, height), Image.Resampling.LANCZOS), (0, 0))
        ImageDraw.Draw(canvas).text((4, height + 2), f"iteration {k}/{total}", fill="black", font=font)
        pictures.append(canvas)
    both = Image.new("RGB", (width * 2, pictures[0].height))
    both.paste(pictures[-1], (0, 0))
    both.paste(pictures[0], (width, 0))
    palette = both.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    indexed = [picture.quantize(palette=palette, dither=Image.Dither.NONE) for picture in pictures]
    durations = [200] * (len(indexed) - 1) + [2000]
    target.parent.mkdir(parents=True, exist_ok=True)
    indexed[0].save(target, save_all=True, append_images=indexed[1:], duration=durations, loop=0, optimize=True)
    return len(indexed), target.stat().st_size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--weights", type=Path, help="a VGG-19 weights file (default: seeded random filters)")
    parser.add_argument("--size", default="320x240", help="the picture's width x height (default 320x240)")
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--every", type=int, default=5, help="the dashboard shows the picture every N iterations")
    parser.add_argument("--shot-at", type=int, default=60, help="the screenshot's iteration")
    parser.add_argument("--layer", default="block1_conv1", help="the layer shown in detail")
    parser.add_argument("--gif-every", type=int, default=10, help="a GIF frame every N iterations")
    parser.add_argument("--gif-width", type=int, default=240)
    args = parser.parse_args(argv)
    width, height = (int(n) for n in args.size.lower().split("x"))
    settings = {"size": [width, height], "iterations": args.iterations, "every": args.every, "layer": args.layer}

    sys.path.insert(0, str(ROOT / "tests" / "e2e"))
    import conftest as e2e  # the browser tests' server and browser helpers

    with tempfile.TemporaryDirectory(prefix="nst-teach-readme-") as folder:
        home = Path(folder)
        frames = home / "frames"
        frames.mkdir()
        notebook = write_notebook(home)
        env = environment(home, args.weights, frames, settings)
        e2e.ARTIFACTS.mkdir(parents=True, exist_ok=True)
        with e2e.nst_teach_app(notebook, env, home / "voila.log") as server:
            shot, shot_status, last_status = screenshot_and_run(server, args, e2e.ARTIFACTS)
        (size_px, png_bytes) = write_png(shot)
        n_frames, gif_bytes = write_gif(gif_frames(frames, args.gif_every), args.iterations, args.gif_width)

    print(f"wrote {PICTURE.relative_to(ROOT)}: {size_px[0]}×{size_px[1]}, {png_bytes / 1000:.0f} kB")
    print(f"  its status line: {shot_status}")
    print(f"wrote {ANIMATION.relative_to(ROOT)}: {n_frames} frames {args.gif_width} px wide, {gif_bytes / 1000:.0f} kB")
    print(f"  the run ended: {last_status}")
    too_big = [
        f"{name} is {size / 1000:.0f} kB, over {limit / 1000:.0f} kB"
        for name, size, limit in (("the PNG", png_bytes, MAX_PNG_BYTES), ("the GIF", gif_bytes, MAX_GIF_BYTES))
        if size > limit
    ]
    for message in too_big:
        print(f"warning: {message}: keep the README light", file=sys.stderr)
    return 1 if too_big else 0


if __name__ == "__main__":
    sys.exit(main())

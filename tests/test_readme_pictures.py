"""The README's pictures: ``docs/dashboard.png`` and ``docs/run.gif``, made by ``docs/make_readme_pictures.py``.

The files are checked as they are committed (readable sizes, light enough for the README, an animation),
and the script's own pieces that need no browser run here on made-up frames: which frames the GIF keeps,
and what a frame shows.  The whole script (Voila, Chromium, a 200-iteration run) takes minutes and is run
by hand when the dashboard changes.
"""

from __future__ import annotations

import ast
import importlib.util
import io
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "docs" / "make_readme_pictures.py"


@pytest.fixture(scope="module")
def script():
    spec = importlib.util.spec_from_file_location("make_readme_pictures", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def png(rgb: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="PNG")
    return buffer.getvalue()


def test_the_readme_shows_both_pictures_and_says_how_they_were_made():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in ("docs/dashboard.png", "docs/run.gif"):
        assert re.search(rf"!\[[^\]]{{40,}}\]\({re.escape(name)}\)", readme), f"{name}: no image with a real alt text"
    assert "python docs/make_readme_pictures.py" in readme
    assert "random filters" in readme  # the caption says what the pictures are not


def test_the_dashboard_picture_is_readable_and_light(script):
    with Image.open(ROOT / "docs" / "dashboard.png") as picture:
        width, height = picture.size
        assert width >= 1000 and height >= 700, picture.size  # the real dashboard, not a thumbnail of it
    assert (ROOT / "docs" / "dashboard.png").stat().st_size <= script.MAX_PNG_BYTES


def test_the_gif_is_a_short_light_animation_of_pictures_at_least_200_by_150(script):
    path = ROOT / "docs" / "run.gif"
    assert path.stat().st_size <= script.MAX_GIF_BYTES
    with Image.open(path) as gif:
        assert gif.n_frames >= 10 and gif.info.get("loop") == 0
        assert gif.width >= 200 and gif.height >= 150
        first = np.asarray(gif.convert("RGB"), np.int16)
        gif.seek(gif.n_frames - 1)
        last = np.asarray(gif.convert("RGB"), np.int16)
    assert np.abs(first - last).mean() > 10  # the picture changed over the run


def test_the_gif_keeps_the_first_every_nth_and_the_last_picture(script, tmp_path):
    for k in (1, 5, 10, 15, 20, 25, 27):
        (tmp_path / f"{k:05d}.png").write_bytes(png(np.full((6, 8, 3), k, np.uint8)))
    kept = script.gif_frames(tmp_path, every=10)
    assert [k for k, _ in kept] == [1, 10, 20, 27]
    assert kept[1][1] == (tmp_path / "00010.png").read_bytes()


def test_a_gif_frame_is_the_picture_scaled_with_its_iteration_written_under_it(script, tmp_path):
    red, blue = np.zeros((30, 40, 3), np.uint8), np.zeros((30, 40, 3), np.uint8)
    red[..., 0], blue[..., 2] = 220, 220
    target = tmp_path / "run.gif"
    frames, size = script.write_gif([(1, png(red)), (50, png(blue))], total=50, width=80, target=target)
    assert frames == 2 and size == target.stat().st_size
    with Image.open(target) as gif:
        assert gif.size == (80, 60 + 18)  # scaled to the width, a strip for the label
        durations = []
        for i in range(gif.n_frames):
            gif.seek(i)
            durations.append(gif.info["duration"])
            rgb = np.asarray(gif.convert("RGB"), np.int16)
            colour = rgb[:60].reshape(-1, 3).mean(axis=0)
            assert (colour[0] > 150) == (i == 0) and (colour[2] > 150) == (i == 1)  # the picture, in order
            strip = rgb[60:]
            assert strip.min() < 100 and np.median(strip) > 200  # dark text on white
    assert durations == [200, 2000]  # the last frame stays


def test_the_served_notebook_paints_the_course_s_bundled_pictures(script):
    code = script.NOTEBOOK_CODE
    ast.parse(code)
    assert 'sample_path("cottage")' in code and 'sample_path("swirls")' in code
    assert "/work/" not in code and "shared" not in code

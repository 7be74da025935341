"""The nst-teach command line, end to end in a temporary folder."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from nst_teach import cli

FAST = ["--size", "64x48", "--weights", "random", "--quiet"]


def _env() -> dict[str, str]:
    return dict(os.environ, NST_TEACH_OFFLINE="1", PYTHONUNBUFFERED="1")


def nst(*args: str, cwd: Path, timeout: float = 240) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nst_teach", *args], cwd=cwd, env=_env(), capture_output=True,
                          text=True, timeout=timeout)


@pytest.fixture()
def images(tmp_path: Path) -> tuple[Path, Path]:
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:60, 0:80]
    content = np.stack([x * 3, y * 4, (x + y) * 2], axis=-1).clip(0, 255).astype(np.uint8)
    style = rng.integers(0, 256, size=(50, 70, 3), dtype=np.uint8)
    Image.fromarray(content).save(tmp_path / "content.png")
    Image.fromarray(style).save(tmp_path / "style.jpg")
    return tmp_path / "content.png", tmp_path / "style.jpg"


def test_layers_prints_the_table(capsys):
    assert cli.main(["layers"]) == 0
    out = capsys.readouterr().out
    for name in ("block1_conv1", "block4_conv2", "block5_pool"):
        assert name in out


def test_stylize_writes_output_snapshots_and_gif(images, tmp_path):
    content, style = images
    done = nst("stylize", str(content), str(style), "-o", "out.jpg", "--iterations", "4", "--optimizer", "adam",
               "--save-every", "2", "snaps", "--gif", "anim.gif", *FAST, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = np.asarray(Image.open(tmp_path / "out.jpg"))
    assert out.shape == (48, 64, 3)
    assert sorted(p.name for p in (tmp_path / "snaps").iterdir()) == ["iter_00002.jpg", "iter_00004.jpg"]
    gif = Image.open(tmp_path / "anim.gif")
    assert gif.n_frames >= 2 and gif.size == (64, 48)
    assert "wrote out.jpg" in done.stderr


def test_stylize_blends_several_styles(images, tmp_path):
    content, style = images
    done = nst("stylize", str(content), str(style), str(content), "--style-weights", "0.7", "0.3",
               "-o", "blend.png", "--iterations", "2", *FAST, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert Image.open(tmp_path / "blend.png").size == (64, 48)


@pytest.mark.parametrize(
    "args, words",
    [
        (["stylize", "missing.jpg", "style.jpg", "-o", "o.jpg"], ["missing.jpg"]),
        (["stylize", "content.png", "style.jpg", "-o", "o.jpg", "--size", "big"], ["400x300"]),
        (["stylize", "content.png", "style.jpg", "-o", "o.jpg", "--alpha", "nan"], ["finite"]),
        (["stylize", "content.png", "style.jpg", "-o", "content.png"], ["overwrite", "content.png"]),
        (["stylize", "content.png", "style.jpg", "-o", "o.txt"], [".jpg"]),
        (["stylize", "content.png", "style.jpg", "-o", "o.jpg", "--style-layers", "block9_conv1=1"], ["block9_conv1"]),
        (["stylize", "content.png", "style.jpg", "style.jpg", "-o", "o.jpg", "--style-weights", "1"], ["--style-weights"]),
        (["weights", "--path", "content.png"], ["content.png"]),
    ],
)
def test_bad_input_gives_one_line_and_status_2(images, tmp_path, args, words):
    done = nst(*args, *([] if args[0] == "weights" else FAST), cwd=tmp_path)
    assert done.returncode == 2, (done.returncode, done.stderr)
    lines = [line for line in done.stderr.splitlines() if line.strip() and "warn" not in line.lower()]
    assert "Traceback" not in done.stderr
    assert any(all(w in line for w in words) for line in lines), done.stderr
    assert (tmp_path / "content.png").stat().st_size > 0  # an input is never overwritten


def test_ctrl_c_saves_the_current_image_and_exits_130(images, tmp_path):
    content, style = images
    proc = subprocess.Popen(
        [sys.executable, "-m", "nst_teach", "stylize", str(content), str(style), "-o", "out.png",
         "--iterations", "100000", "--save-every", "1", "snaps", *FAST],
        cwd=tmp_path, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 180
    snaps = tmp_path / "snaps"
    while not (snaps.exists() and any(snaps.glob("*.jpg"))):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the run never started"
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert np.asarray(Image.open(tmp_path / "out.png")).shape == (48, 64, 3)
    assert "stopped" in err


def test_weights_reports_and_checks_a_file(tmp_path, capsys):
    from nst_teach.model import write_random_weights

    path = tmp_path / "vgg.h5"
    write_random_weights(path, seed=1)
    assert cli.main(["weights", "--path", str(path)]) == 0
    assert str(path) in capsys.readouterr().out
    assert cli.main(["weights"]) == 0
    assert capsys.readouterr().out.strip()


def test_demo_runs_on_bundled_samples(tmp_path):
    done = nst("demo", "-o", "demo.jpg", "--iterations", "2", "--size", "64x48", "--weights", "random", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert Image.open(tmp_path / "demo.jpg").size == (64, 48)


def test_no_command_prints_help_and_exits_2(capsys):
    assert cli.main([]) == 2
    assert "stylize" in capsys.readouterr().out

"""The nst-teach command line, end to end in a temporary folder."""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageSequence

from nst_teach import cli

FAST = ["--size", "64x48", "--weights", "random", "--quiet"]


def _env() -> dict[str, str]:
    return dict(os.environ, NST_TEACH_OFFLINE="1", PYTHONUNBUFFERED="1")


def nst(*args: str, cwd: Path, timeout: float = 240) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "nst_teach", *args], cwd=cwd, env=_env(), capture_output=True, text=True, timeout=timeout
    )


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
    done = nst(
        "stylize",
        str(content),
        str(style),
        "-o",
        "out.jpg",
        "--iterations",
        "4",
        "--optimizer",
        "adam",
        "--save-every",
        "2",
        "snaps",
        "--gif",
        "anim.gif",
        *FAST,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    out = np.asarray(Image.open(tmp_path / "out.jpg"))
    assert out.shape == (48, 64, 3)
    assert sorted(p.name for p in (tmp_path / "snaps").iterdir()) == ["iter_00002.jpg", "iter_00004.jpg"]
    gif = Image.open(tmp_path / "anim.gif")
    assert gif.n_frames >= 2 and gif.size == (64, 48)
    assert "wrote out.jpg" in done.stderr


def test_stylize_blends_several_styles(images, tmp_path):
    content, style = images
    done = nst(
        "stylize",
        str(content),
        str(style),
        str(content),
        "--style-weights",
        "0.7",
        "0.3",
        "-o",
        "blend.png",
        "--iterations",
        "2",
        *FAST,
        cwd=tmp_path,
    )
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
        (
            ["stylize", "content.png", "style.jpg", "style.jpg", "-o", "o.jpg", "--style-weights", "1"],
            ["--style-weights"],
        ),
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


@pytest.mark.timeout(300)  # the run is told to go on until Ctrl-C: if that fails, fail, don't hang
def test_ctrl_c_saves_the_current_image_and_exits_130(images, tmp_path):
    content, style = images
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "nst_teach",
            "stylize",
            str(content),
            str(style),
            "-o",
            "out.png",
            "--iterations",
            "100000",
            "--save-every",
            "1",
            "snaps",
            *FAST,
        ],
        cwd=tmp_path,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
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


def test_demo_runs_on_the_courses_own_samples(tmp_path):
    done = nst("demo", "-o", "demo.jpg", "--iterations", "2", "--size", "64x48", "--weights", "random", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert Image.open(tmp_path / "demo.jpg").size == (64, 48)
    assert "photo 'cottage' in the style of 'swirls'" in done.stderr  # the notebooks' pair, not matplotlib's photo


@pytest.mark.parametrize(
    "args, words",
    [
        (["--optimizer", "sgd"], ["--optimizer", "'sgd'", "adam, lbfgs"]),
        (["--optimizer", "lbgfs"], ["--optimizer", "Did you mean 'lbfgs'?"]),
        (["--iterations", "0"], ["--iterations", "'0'", "> 0"]),
        (["--size", "big"], ["--size", "'big'", "400x300"]),
        (["--precision", "fp16"], ["--precision", "'fp16'", "auto, float32, bfloat16"]),
        (["--bogus"], ["--bogus"]),
    ],
)
def test_an_argparse_error_is_one_line_naming_the_option_the_value_and_what_it_takes(capsys, args, words):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["stylize", "c.jpg", "s.jpg", "-o", "o.jpg", *args])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("nst-teach: error: "), err
    assert "usage:" not in err and all(word in lines[0] for word in words), err
    assert "--help for more" in lines[0]


@pytest.mark.parametrize(
    "flag, layers",
    [
        ("block1_conv1,block3_conv1", {"block1_conv1": 0.5, "block3_conv1": 0.5}),  # a plain list: equal λ's
        ("block1_conv1=0.7, block3_conv1=0.3", {"block1_conv1": 0.7, "block3_conv1": 0.3}),
    ],
)
def test_style_layers_on_the_command_line_mean_what_they_mean_in_python(flag, layers):
    from nst_teach.options import resolve_options

    args = cli.build_parser().parse_args(["stylize", "c.jpg", "s.jpg", "-o", "o.jpg", "--style-layers", flag])
    assert resolve_options(cli._run_options(args))["style_layers"] == layers
    if "=" not in flag:  # the same list given to the engine in Python
        assert resolve_options({"style_layers": flag.split(",")})["style_layers"] == layers


def test_style_layers_with_some_coefficients_missing_are_refused_in_one_line(capsys):
    with pytest.raises(SystemExit):
        cli.main(["stylize", "c.jpg", "s.jpg", "-o", "o.jpg", "--style-layers", "block1_conv1=0.5,block3_conv1"])
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and "--style-layers" in lines[0] and "every layer its λ" in lines[0], lines


def test_a_wrong_command_is_one_line_with_the_commands_and_a_suggestion(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["stylise", "photo.jpg"])
    assert exit_.value.code == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and "'stylise' is not a command" in lines[0] and "Did you mean 'stylize'?" in lines[0]
    assert all(command in lines[0] for command in cli.COMMANDS)


#: A fresh interpreter runs these one after another and reports, for each, the exit status, stderr and
#: whether TensorFlow was imported by then: a wrong argument or file must answer before it loads.
_BEFORE_TENSORFLOW = """
import contextlib, io, json, sys
from nst_teach import cli
cases = json.loads(sys.argv[1])
report = []
for args in cases:
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        try:
            code = cli.main(args)
        except SystemExit as exc:
            code = exc.code
    report.append([code, err.getvalue(), "tensorflow" in sys.modules])
print(json.dumps(report))
"""


def test_argument_and_file_errors_answer_before_tensorflow_is_imported(images, tmp_path):
    import json

    ok = ["content.png", "style.jpg", "-o", "o.jpg"]
    cases = [
        ["stylize", *ok, "--optimizer", "sgd"],  # argparse's
        ["stylize", *ok, "--alpha", "-1"],  # the options table's
        ["stylize", *ok, "--style-layers", "block9_conv1=1"],
        ["stylize", *ok, "--content-layer", "block4_conv9"],
        ["stylize", "missing.jpg", "style.jpg", "-o", "o.jpg"],  # the files
        ["stylize", "cottge", "style.jpg", "-o", "o.jpg"],
        ["stylize", "content.png", "notes.jpg", "-o", "o.jpg"],  # a text file named .jpg
        ["stylize", *ok[:3], "content.png"],  # an output that would replace an input
        ["stylize", *ok[:3], "o.txt"],
        ["demo", "--size", "10x10"],
        ["weights", "--path", "missing.h5"],
    ]
    (tmp_path / "notes.jpg").write_text("not a picture")
    done = subprocess.run(
        [sys.executable, "-c", _BEFORE_TENSORFLOW, json.dumps(cases)],
        cwd=tmp_path,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    for args, (code, err, tensorflow) in zip(cases, json.loads(done.stdout)):
        lines = err.splitlines()
        assert code == 2 and len(lines) == 1 and lines[0].startswith("nst-teach: error: "), (args, err)
        assert not tensorflow, f"nst-teach {' '.join(args)}: TensorFlow was imported before the error: {err}"


def test_stylize_takes_the_bundled_pictures_by_name(tmp_path):
    done = nst("stylize", "cottage", "swirls", "-o", "out.png", "--iterations", "2", *FAST, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert Image.open(tmp_path / "out.png").size == (64, 48)


def test_a_name_that_is_neither_a_file_nor_a_sample_says_both(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["stylize", "swirl", "cottage", "-o", "out.png", *FAST]) == 2
    err = capsys.readouterr().err
    assert "the file does not exist" in err and "no bundled sample has that name" in err
    assert "Did you mean 'swirls'?" in err and "cubist" in err  # the suggestion, and the samples listed
    assert not (tmp_path / "out.png").exists()


def test_no_command_prints_help_and_exits_2(capsys):
    assert cli.main([]) == 2
    assert "stylize" in capsys.readouterr().out


# --- nothing of the user's is overwritten (issue 15) ---------------------------------------------

TINY = ["--size", "32x32", "--weights", "random", "--quiet"]


def _files(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (links followed) with its bytes: what a refused command must leave as it was."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize(
    "setup, extra, flag",
    [
        ("", ["-o", "./sub/../content.png"], "--output"),  # sub/ does not exist: nothing may create it
        ("", ["-o", "out.jpg", "--gif", "sub/deeper/../../content.png"], "--gif"),
        ("", ["-o", "sub/../start.png", "--init", "start.png"], "--output"),  # the init file is an input too
        ("alias", ["-o", "sub/../alias.png"], "--output"),  # a link to the content picture
        ("here", ["-o", "here/sub/../content.png"], "--output"),  # a linked folder
    ],
)
def test_an_output_that_resolves_to_an_input_is_refused_before_anything_is_made(
    images, tmp_path, monkeypatch, capsys, setup, extra, flag
):
    content, style = images
    Image.fromarray(np.full((40, 40, 3), 99, np.uint8)).save(tmp_path / "start.png")
    if setup == "alias":
        (tmp_path / "alias.png").symlink_to(content)
    if setup == "here":
        (tmp_path / "here").symlink_to(tmp_path, target_is_directory=True)
    before = _files(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["stylize", "content.png", "style.jpg", *extra, *TINY]) == 2
    err = capsys.readouterr().err
    assert any(flag in line and "overwrite" in line for line in err.splitlines()), err
    assert not (tmp_path / "sub").exists(), "a folder was made before refusing"
    assert _files(tmp_path) == before  # every input byte-identical, nothing new


def test_snapshots_never_overwrite_an_input(images, tmp_path, monkeypatch, capsys):
    content, style = images
    (tmp_path / "snaps").mkdir()
    (tmp_path / "snaps" / "iter_00002.jpg").write_bytes(style.read_bytes())
    before = _files(tmp_path)
    monkeypatch.chdir(tmp_path)
    args = ["stylize", "content.png", "snaps/iter_00002.jpg", "-o", "out.jpg", "--iterations", "2", *TINY]
    assert cli.main([*args, "--save-every", "1", "sub/../snaps"]) == 2
    assert "overwrite" in capsys.readouterr().err
    assert cli.main([*args, "--save-every", "1", "content.png"]) == 2  # a file is no folder
    assert "--save-every" in capsys.readouterr().err
    assert _files(tmp_path) == before and not (tmp_path / "sub").exists()


def test_demo_writes_into_the_output_folder_and_never_replaces_a_file(tmp_path, monkeypatch, capsys):
    from nst_teach import defaults

    assert defaults.OUTPUT_DIR == "nst-teach-output"  # the folder the README and the classroom app name
    monkeypatch.chdir(tmp_path)
    run = ["demo", "--iterations", "1", "--size", "32x32", "--weights", "random"]
    assert cli.main(run) == 0
    first = tmp_path / "nst-teach-output" / "nst-teach-demo.jpg"
    assert str(Path("nst-teach-output") / "nst-teach-demo.jpg") in capsys.readouterr().err  # says where
    kept = first.read_bytes()
    assert cli.main(run) == 0
    second = tmp_path / "nst-teach-output" / "nst-teach-demo-1.jpg"
    assert str(Path("nst-teach-output") / "nst-teach-demo-1.jpg") in capsys.readouterr().err
    assert first.read_bytes() == kept and Image.open(second).size == (32, 32)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nst-teach-output"]  # nothing else in the folder
    assert cli.main([*run, "-o", "mine.png"]) == 0 and Image.open(tmp_path / "mine.png").size == (32, 32)


def test_every_demo_option_has_help_text():
    commands = next(a for a in cli.build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    for action in commands.choices["demo"]._actions:
        assert action.help, action.option_strings


@pytest.mark.parametrize("command", [["stylize", "content.png", "style.jpg", "-o", "o.jpg"], ["demo"]])
def test_a_size_error_reads_width_by_height(images, tmp_path, monkeypatch, capsys, command):
    monkeypatch.chdir(tmp_path)
    assert cli.main([*command, "--size", "10x10", "--weights", "random"]) == 2
    err = capsys.readouterr().err
    assert "--size 10×10" in err and "(10, 10)" not in err, err


def test_weights_says_each_thing_once(tmp_path, monkeypatch, capsys):
    for name in ("NST_TEACH_OFFLINE", "NST_TEACH_WEIGHTS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))  # no weights there: the "would download" report
    assert cli.main(["weights"]) == 0
    lines = [line.strip() for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert len(lines) == len(set(lines)), lines
    assert sum("if that fails" in line for line in lines) == 1, lines


def test_main_hands_back_pythons_words(capsys):
    from nst_teach.errors import spell_option

    assert cli.main(["layers"]) == 0
    assert spell_option("weights", "random") == "weights='random'"


# --- one 30-iteration run, as a student types it (default weights: random filters offline) -----------


@pytest.fixture(scope="module")
def thirty_iterations(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    folder = tmp_path_factory.mktemp("thirty")
    rng = np.random.default_rng(1)
    Image.fromarray(rng.integers(0, 256, (40, 40, 3), dtype=np.uint8)).save(folder / "content.png")
    Image.fromarray(rng.integers(0, 256, (40, 40, 3), dtype=np.uint8)).save(folder / "style.png")
    env = _env()
    env.pop("NST_TEACH_WEIGHTS", None)
    env.update(KERAS_HOME=str(folder / "keras"), HOME=str(folder))  # no weights anywhere: the warning comes
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "nst_teach",
            "stylize",
            "content.png",
            "style.png",
            "-o",
            "out.jpg",
            "--gif",
            "anim.gif",
            "--save-every",
            "10",
            "snaps",
            "--iterations",
            "30",
            "--tolerance",
            "0",  # the convergence rule off: all 30 iterations
            "--optimizer",
            "adam",
            "--size",
            "32x32",
        ],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr
    return folder, done


def test_the_default_gif_is_a_smooth_two_second_animation(thirty_iterations):
    folder, _ = thirty_iterations
    durations = [frame.info["duration"] for frame in ImageSequence.Iterator(Image.open(folder / "anim.gif"))]
    assert 20 <= len(durations) <= 32, len(durations)  # not 3 frames: one every iteration or two
    assert 1500 <= sum(durations) <= 3000 and all(80 <= d <= 100 for d in durations), durations


def test_a_run_that_converges_says_so_and_its_gif_holds_the_frames_it_reports(images, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    run = ["stylize", "content.png", "style.jpg", "-o", "out.jpg", "--iterations", "300", "--tolerance", "0.2"]
    assert cli.main([*run, "--gif", "run.gif", *TINY]) == 0
    lines = capsys.readouterr().err.strip().splitlines()
    k = int(lines[-1].split("converged after ")[1].split()[0])
    assert k < 300 and any(f"converged at iteration {k}" in line and "tolerance=0.2" in line for line in lines)
    reported = int(lines[-1].split("run.gif (")[1].split()[0])
    assert Image.open(tmp_path / "run.gif").n_frames == reported  # what the CLI says is what Pillow reads


def test_a_gif_of_frames_that_stopped_changing_reports_the_frames_it_holds(tmp_path):
    from nst_teach.cli_run import write_gif

    rng = np.random.default_rng(0)
    moving = [rng.integers(0, 256, (16, 16, 3), dtype=np.uint8) for _ in range(5)]
    frames = moving + [moving[-1]] * 6  # the end of a run that no longer changes the picture
    count = write_gif(frames, tmp_path / "still.gif")
    assert count == Image.open(tmp_path / "still.gif").n_frames < len(frames)


def test_gif_frames_stay_between_one_and_two_dozen_however_long_the_run(tmp_path):
    from nst_teach.cli_run import GIF_FRAMES, thin_frames

    frames, every = {0: "start"}, 1
    for k in range(1, 1001):
        if k % every == 0:
            frames[k] = k
            every = thin_frames(frames, every)
        assert len(frames) <= 2 * GIF_FRAMES + 1
    assert len(frames) >= GIF_FRAMES and 0 in frames
    spacing = np.diff(sorted(frames)[1:])
    assert np.all(spacing == spacing[0])  # evenly spaced over the run


def test_gif_every_gives_a_frame_every_n_iterations_and_the_final_one(images, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run = ["stylize", "content.png", "style.jpg", "-o", "out.jpg", "--iterations", "30", "--optimizer", "adam"]
    run += ["--tolerance", "0"]
    assert cli.main([*run, "--gif", "seven.gif", "--gif-every", "7", *TINY]) == 0
    assert Image.open(tmp_path / "seven.gif").n_frames == 6  # the start, 7, 14, 21, 28 and the final 30


def test_the_final_message_names_every_file_written(thirty_iterations):
    _, done = thirty_iterations
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("nst-teach: reached the limit after 30 iterations")
    for name in ("out.jpg", "anim.gif", "snaps"):
        assert name in last, last


def test_the_progress_bar_ends_once_with_the_final_figures(thirty_iterations):
    _, done = thirty_iterations
    ends = [part for part in done.stderr.replace("\r", "\n").splitlines() if "100%" in part]
    assert len(ends) == 1 and "30/30" in ends[0], ends


def test_the_random_weights_warning_is_one_line_in_the_command_lines_words(thirty_iterations):
    _, done = thirty_iterations
    warnings = [line for line in done.stderr.splitlines() if "warning" in line.lower()]
    assert len(warnings) == 1 and warnings[0].startswith("nst-teach: warning: "), done.stderr
    assert "--weights random" in warnings[0]
    assert "weights='random'" not in done.stderr and "====" not in done.stderr
    assert not re.search(r"\.py:\d+:", done.stderr), done.stderr

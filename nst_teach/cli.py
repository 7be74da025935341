"""The ``nst-teach`` command line: stylize images, inspect VGG-19, manage weights, open the course.

Every sub-command is a thin layer over the package: ``stylize`` drives the same
:class:`~nst_teach.engine.StyleTransfer` loop the notebooks and the dashboard use.
Bad arguments give one line on stderr and exit status 2; Ctrl-C during a run
saves the current image and exits with status 130.

Introduced in ``notebooks/00_welcome.ipynb``.
"""

from __future__ import annotations

import argparse
import math
import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import defaults
from .errors import NSTError, OptionError

__all__ = ["main", "build_parser"]

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
REPO_ROOT = Path(__file__).resolve().parents[1]


# --- argument types ------------------------------------------------------------------------------


def _size(text: str) -> tuple[int, int]:
    """'400x300' -> (400, 300)."""
    try:
        w, h = (int(part) for part in text.lower().replace("×", "x").split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must look like 400x300 (width x height), got {text!r}") from None
    if w <= 0 or h <= 0:
        raise argparse.ArgumentTypeError(f"size must be positive, got {text!r}")
    return w, h


def _finite(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}")
    return value


def _style_layers(text: str) -> dict[str, float]:
    """'block1_conv1=0.5,block2_conv1=0.5' (or names alone, equal weights) -> dict."""
    items = [item.strip() for item in text.split(",") if item.strip()]
    if not items:
        raise argparse.ArgumentTypeError("give at least one style layer, e.g. block1_conv1=0.5,block3_conv1=0.5")
    layers: dict[str, float] = {}
    for item in items:
        name, _, weight = item.partition("=")
        layers[name.strip()] = _finite(weight) if weight else 1.0 / len(items)
    return layers


# --- the parser --------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nst-teach",
        description="Neural Style Transfer (Gatys et al., 2015), taught step by step.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    st = sub.add_parser("stylize", help="paint CONTENT in the style of STYLE", description="Paint CONTENT in the style of STYLE.")
    st.add_argument("content", help="content image (path or http(s) URL)")
    st.add_argument("style", nargs="+", help="style image(s); several are blended (see --style-weights)")
    st.add_argument("-o", "--output", required=True, help="where to write the result (.jpg or .png)")
    st.add_argument("--preset", choices=["seed"], help="'seed': the original recipe (Adam, lr 2, float32, 500 iterations)")
    st.add_argument("--size", type=_size, help=f"working size WxH (default {defaults.IMG_SIZE[0]}x{defaults.IMG_SIZE[1]})")
    st.add_argument("--iterations", type=_positive_int, help=f"optimisation steps (default {defaults.ITERATIONS})")
    st.add_argument("--optimizer", choices=["lbfgs", "adam"], help="default: lbfgs (reaches the seed's result soonest)")
    st.add_argument("--learning-rate", type=_finite, help=f"Adam's learning rate (default {defaults.LEARNING_RATE})")
    st.add_argument("--alpha", type=_finite, help=f"content weight (default {defaults.ALPHA:g})")
    st.add_argument("--beta", type=_finite, help=f"style weight (default {defaults.BETA:g})")
    st.add_argument("--tv-weight", type=_finite, help="total-variation (smoothness) weight (default 0)")
    st.add_argument("--content-layer", help=f"content layer (default {defaults.CONTENT_LAYER})")
    st.add_argument("--style-layers", type=_style_layers, help="style layers and coefficients: block1_conv1=0.5,block3_conv1=0.5")
    st.add_argument("--style-weights", type=_finite, nargs="+", metavar="W", help="blend weights, one per style image")
    st.add_argument("--style-scale", type=_finite, help="size of the style image relative to the content (default 1)")
    st.add_argument("--preserve-colors", action="store_true", help="keep the content's colours (luminance-only transfer)")
    st.add_argument("--pooling", choices=["avg", "max"], help="VGG-19's pooling (default avg)")
    st.add_argument("--init", help="starting image: noise (default), content, style, or an image path")
    st.add_argument("--noise-ratio", type=_finite, help=f"share of noise in the starting image (default {defaults.NOISE_RATIO})")
    st.add_argument("--weights", help="VGG-19 weights: auto (default), imagenet, random, or a .h5 file")
    st.add_argument("--precision", choices=["auto", "float32", "bfloat16"], help="network precision (default auto)")
    st.add_argument("--seed", type=int, help="random seed (default 0)")
    st.add_argument("--save-every", nargs=2, metavar=("N", "DIR"), help="write a snapshot every N iterations into DIR")
    st.add_argument("--gif", metavar="OUT.gif", help="write an animation of the optimisation")
    st.add_argument("--log-dir", help="write TensorBoard summaries here")
    st.add_argument("--quiet", action="store_true", help="no progress bar")

    sub.add_parser("layers", help="print the VGG-19 layer table")

    wt = sub.add_parser("weights", help="show where the VGG-19 weights come from; download or check them")
    group = wt.add_mutually_exclusive_group()
    group.add_argument("--download", action="store_true", help="fetch and verify the ImageNet weights into Keras' cache")
    group.add_argument("--path", metavar="FILE", help="check a local VGG-19 notop weights file")

    demo = sub.add_parser("demo", help="a short stylization of the bundled sample images")
    demo.add_argument("-o", "--output", default="nst-teach-demo.jpg", help="where to write the result")
    demo.add_argument("--iterations", type=_positive_int, default=40)
    demo.add_argument("--size", type=_size, default=(200, 150))
    demo.add_argument("--weights", default="auto")

    tut = sub.add_parser("tutorial", help="open the course in JupyterLab")
    tut.add_argument("--no-browser", action="store_true", help="start JupyterLab without opening a browser")
    tut.add_argument("--print-only", action="store_true", help="print the layer table and exit (no JupyterLab)")

    app = sub.add_parser("app", help="serve the classroom app (notebooks/app.ipynb) with Voila: no code, just the controls",
                         description="Serve the classroom app with Voila: image pickers, the live dashboard and the "
                                     "preview grid, without code. Ctrl-C stops it.")
    app.add_argument("notebook", nargs="?", help="the notebook to serve (default: the course's notebooks/app.ipynb)")
    app.add_argument("--port", type=_positive_int, default=8866, help="port to serve on (default 8866)")
    app.add_argument("--ip", default="localhost",
                     help="address to listen on (default localhost; 0.0.0.0 lets students on the room's network connect)")
    app.add_argument("--no-browser", action="store_true", help="do not open a browser window")
    app.add_argument("--quick", action="store_true", help="quick mode: tiny images and few iterations (rehearsals)")

    nb = sub.add_parser("notebooks", help="copy the course notebooks, optionally with the exercises solved")
    nb.add_argument("dest", help="folder to write the notebooks into")
    nb.add_argument("--solutions", action="store_true", help="fill every exercise with its reference solution")
    return parser


# --- sub-commands --------------------------------------------------------------------------------


def _stylize(args: argparse.Namespace) -> int:
    from .engine import StyleTransfer

    output = Path(args.output)
    if output.suffix.lower() not in {".jpg", ".jpeg", ".png"}:
        raise OptionError(f"--output must end in .jpg or .png, got {args.output!r}")
    inputs = [args.content, *args.style] + ([args.init] if args.init and Path(args.init).exists() else [])
    _refuse_overwrite(output, inputs, "--output")
    if args.gif:
        _refuse_overwrite(Path(args.gif), inputs, "--gif")

    options: dict[str, Any] = {
        key: value
        for key, value in {
            "preset": args.preset, "size": args.size, "iterations": args.iterations, "optimizer": args.optimizer,
            "learning_rate": args.learning_rate, "alpha": args.alpha, "beta": args.beta, "tv_weight": args.tv_weight,
            "content_layer": args.content_layer, "style_layers": args.style_layers, "style_scale": args.style_scale,
            "pooling": args.pooling, "init": args.init, "noise_ratio": args.noise_ratio, "weights": args.weights,
            "precision": args.precision, "seed": args.seed, "log_dir": args.log_dir,
        }.items()
        if value is not None
    }
    if args.preserve_colors:
        options["preserve_colors"] = True
    style: Any = args.style[0] if len(args.style) == 1 else list(args.style)
    if args.style_weights is not None:
        if len(args.style_weights) != len(args.style):
            raise OptionError(f"--style-weights got {len(args.style_weights)} weights for {len(args.style)} style images; give one per image")
        options["style_blend"] = list(args.style_weights)

    snapshot_every, snapshot_dir = None, None
    if args.save_every:
        snapshot_every = _positive_int_or_error(args.save_every[0], "--save-every N")
        snapshot_dir = Path(args.save_every[1])
        snapshot_dir.mkdir(parents=True, exist_ok=True)

    transfer = StyleTransfer(args.content, style, **options)
    return _run_with_progress(transfer, output, snapshot_every, snapshot_dir, args.gif, quiet=args.quiet)


def _positive_int_or_error(text: str, name: str) -> int:
    try:
        return _positive_int(text)
    except argparse.ArgumentTypeError as exc:
        raise OptionError(f"{name}: {exc}") from None


def _refuse_overwrite(output: Path, inputs: Sequence[str], flag: str) -> None:
    for src in inputs:
        if "://" in str(src):
            continue
        path = Path(src)
        if path.exists() and output.exists() and os.path.samefile(path, output):
            raise OptionError(f"{flag} {output} is one of the input images and would overwrite it; choose another file name")


def _run_with_progress(transfer: Any, output: Path, snapshot_every: int | None, snapshot_dir: Path | None,
                       gif: str | None, *, quiet: bool) -> int:
    from tqdm.auto import tqdm

    from .images import save_image

    total = transfer.iterations
    frames: list[Any] = []
    gif_every = snapshot_every or defaults.SAVE_EVERY
    bar = tqdm(total=total, unit="it", disable=quiet, dynamic_ncols=True, desc="stylize")

    def callback(step: Any) -> None:
        bar.update(step.iteration - bar.n)
        bar.set_postfix(total=f"{step.total:.4g}", content=f"{step.content:.3g}", style=f"{step.style:.3g}", refresh=False)
        if snapshot_dir is not None and step.iteration % snapshot_every == 0:
            save_image(step.image(), snapshot_dir / f"iter_{step.iteration:05d}.jpg")
        if gif and (step.iteration % gif_every == 0 or step.iteration == 1):
            frames.append(step.image())

    # First Ctrl-C: ask the loop to stop after this iteration and keep the image.
    # A second Ctrl-C interrupts at once (the engine still returns what it has).
    previous = signal.getsignal(signal.SIGINT)
    interrupted = False

    def on_sigint(signum: int, frame: Any) -> None:
        nonlocal interrupted
        if interrupted:
            signal.signal(signal.SIGINT, previous)
            raise KeyboardInterrupt
        interrupted = True
        transfer.stop()

    signal.signal(signal.SIGINT, on_sigint)
    try:
        result = transfer.run(every=1, callback=callback)
    finally:
        signal.signal(signal.SIGINT, previous)
        bar.close()

    save_image(result.image, output)
    if gif and frames:
        frames.append(result.image)
        _write_gif(frames, Path(gif))
    if result.message:
        print(f"nst-teach: {result.message}", file=sys.stderr)
    stopped = interrupted or result.stopped
    print(f"nst-teach: {'stopped' if stopped else 'done'} after {result.iterations_done} iterations; wrote {output}", file=sys.stderr)
    return EXIT_INTERRUPTED if interrupted else 0


def _write_gif(frames: Sequence[Any], path: Path) -> None:
    """Writes RGB uint8 frames as a looping GIF (atomically)."""
    from PIL import Image

    pictures = [Image.fromarray(frame) for frame in frames]
    tmp = path.with_name(f".{path.name}.tmp")
    pictures[0].save(tmp, format="GIF", save_all=True, append_images=pictures[1:], duration=120, loop=0)
    os.replace(tmp, path)


def _layers(args: argparse.Namespace) -> int:
    from .layers import layer_table

    print(layer_table())
    return 0


def _weights(args: argparse.Namespace) -> int:
    from . import weights

    if args.download:
        path = weights.download_weights()
        print(f"ImageNet VGG-19 weights verified in {path}")
        return 0
    if args.path:
        status = weights.check_weights_file(args.path)
        print(f"{args.path}: every layer's name and shape match VGG-19 (notop).")
        print(status)
        return 0
    print(weights.weights_status())
    return 0


def _demo(args: argparse.Namespace) -> int:
    from .engine import StyleTransfer
    from .samples import load_sample, sample_names

    content = load_sample(sample_names("content")[0])
    style = load_sample(sample_names("style")[0])
    transfer = StyleTransfer(content, style, size=args.size, iterations=args.iterations, weights=args.weights)
    return _run_with_progress(transfer, Path(args.output), None, None, None, quiet=False)


def _notebooks_dir() -> Path:
    folder = REPO_ROOT / "notebooks"
    if not folder.is_dir():
        raise NSTError(
            "the course notebooks are not next to this installation; clone the repository and install it with "
            "`pip install -e .` from there"
        )
    return folder


def _tutorial(args: argparse.Namespace) -> int:
    if args.print_only:
        return _layers(args)
    folder = _notebooks_dir()
    command = [sys.executable, "-m", "jupyter", "lab", str(folder / "00_welcome.ipynb"), f"--notebook-dir={REPO_ROOT}"]
    if args.no_browser:
        command.append("--no-browser")
    print("nst-teach: starting JupyterLab at notebooks/00_welcome.ipynb (Ctrl-C to stop)", file=sys.stderr)
    try:
        return subprocess.call(command)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


def _app(args: argparse.Namespace) -> int:
    if args.notebook is not None:
        notebook = Path(args.notebook)
        if notebook.suffix != ".ipynb" or not notebook.is_file():
            raise OptionError(f"notebook must be an existing .ipynb file, got {args.notebook!r}; "
                              "leave it out to serve the course's notebooks/app.ipynb")
    else:
        notebook = _notebooks_dir() / "app.ipynb"
        if not notebook.is_file():
            raise NSTError(f"the classroom app {notebook} is missing; update your copy of the repository")
    command = [
        sys.executable, "-m", "voila", str(notebook.resolve()),
        f"--port={args.port}",
        f"--Voila.ip={args.ip}",
        "--theme=light",
        "--strip_sources=True",  # no code on screen, only what the cells display
        "--show_tracebacks=True",  # an error says what went wrong instead of a blank page
        "--VoilaExecutor.timeout=300",  # the first cell imports TensorFlow: slow on a cold laptop
    ]
    if args.no_browser:
        command.append("--no-browser")
    env = dict(os.environ, NST_TEACH_QUICK="1") if args.quick else None
    print(f"nst-teach: serving {notebook.name} at http://{args.ip}:{args.port} (Ctrl-C to stop)", file=sys.stderr)
    try:
        return subprocess.call(command, env=env)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


def _notebooks(args: argparse.Namespace) -> int:
    from .course import copy_notebooks

    written = copy_notebooks(Path(args.dest), solutions=args.solutions, source=_notebooks_dir())
    for path in written:
        print(path)
    return 0


COMMANDS = {
    "stylize": _stylize,
    "layers": _layers,
    "weights": _weights,
    "demo": _demo,
    "tutorial": _tutorial,
    "notebooks": _notebooks,
    "app": _app,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``nst-teach`` console script (also ``python -m nst_teach``)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    if args.command in {"stylize", "demo", "weights"}:
        from ._quiet import import_tensorflow_quietly

        import_tensorflow_quietly()
    try:
        return COMMANDS[args.command](args)
    except NSTError as exc:
        print(f"nst-teach: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("nst-teach: interrupted before the run started; nothing to save", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

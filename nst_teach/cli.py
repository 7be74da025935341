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
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from nst_teach import __version__  # the package's one version

from . import defaults, errors, servers, weights
from .classroom import unused_path
from .cli_run import EXIT_INTERRUPTED, GIF_FRAMES, GIF_SECONDS, refuse_overwrite, run_with_progress
from .course import APP, COURSE_DIR, NOTEBOOKS, copy_course, course_files, instructor_package
from .errors import NSTError, OptionError
from .image_io import read_image
from .layers import layer_table
from .options import TABLE, Option, resolve_options
from .samples import COURSE_PAIR, load_sample, sample_path
from .servers import LAB_PORT, VOILA_PORT
from .validate import check_size, did_you_mean

__all__ = ["main", "build_parser"]

EXIT_USAGE = 2
DEMO_NAME = "nst-teach-demo.jpg"


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


def _style_layers(text: str) -> dict[str, float] | list[str]:
    """'block1_conv1=0.5,block3_conv1=0.5' -> a dict; names alone -> a list, which the option gives equal λ's.

    Only the spelling is read here: the layers and the λ's are checked by the option's row, as in Python.
    """
    items = [item.strip() for item in text.split(",") if item.strip()]
    if not items:
        raise argparse.ArgumentTypeError("give at least one style layer, e.g. block1_conv1=0.5,block3_conv1=0.5")
    weighted = [item.partition("=") for item in items if "=" in item]
    if not weighted:
        return items  # a plain list of layers: equal λ's (options.py's rule)
    if len(weighted) != len(items):
        raise argparse.ArgumentTypeError(
            f"give every layer its λ (block1_conv1=0.5,block3_conv1=0.5) or none (block1_conv1,block3_conv1 "
            f"for equal λ's), not some of them: {text!r}"
        )
    return {name.strip(): _finite(weight) for name, _, weight in weighted}


# --- the run's options: one flag per row of nst_teach/options.py --------------------------------


def _shown_default(option: Option) -> str:
    """An option's default as the command line would spell it (``400x300``, ``block1_conv1=0.2,...``)."""
    value = option.default
    if value is None:
        return option.none
    if option.kind == "switch":
        return "on" if value else "off"
    if option.kind == "size":
        return f"{value[0]}x{value[1]}"
    if option.kind == "layer_weights":
        return ",".join(f"{layer}={weight:g}" for layer, weight in value.items())
    return f"{value:g}" if isinstance(value, float) else str(value)


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    """Adds one flag per option of :data:`nst_teach.options.TABLE` (its type, choices and help from the row)."""
    types = {"number": _finite, "size": _size, "layer_weights": _style_layers, "blend": _finite, "scales": _finite}
    for option in TABLE.values():
        if not option.has_flag:  # e.g. the course's functions (content_cost=...): Python only, its row says why
            continue
        help_text = f"{option.help} (default: {_shown_default(option)})".replace("%", "%%")
        arguments: dict[str, Any] = {"dest": option.name, "default": None, "help": help_text}
        if option.kind == "switch":
            arguments["action"] = argparse.BooleanOptionalAction  # --bounded / --no-bounded
        elif option.kind == "choice":
            arguments["choices"] = list(option.choices)
        else:
            arguments["type"] = types.get(option.kind, str)
            if option.kind == "count":
                arguments["type"] = _positive_int if option.minimum >= 1 else int
            if option.kind in ("blend", "scales"):
                arguments["nargs"] = "+"
            if option.metavar:
                arguments["metavar"] = option.metavar
        parser.add_argument(option.cli_flag, **arguments)


def _run_options(args: argparse.Namespace) -> dict[str, Any]:
    """The options of :class:`~nst_teach.engine.StyleTransfer` the flags gave (the others keep their defaults)."""
    return {name: getattr(args, name) for name in TABLE if getattr(args, name, None) is not None}


# --- the parser --------------------------------------------------------------------------------

# argparse's "argument --optimizer: invalid choice: 'sgd' (choose from 'adam', 'lbfgs')"
_INVALID_CHOICE = re.compile(
    r"argument (?P<flag>[^:]+): invalid choice: '(?P<value>.*)' \(choose from (?P<choices>.*)\)"
)


class _Parser(argparse.ArgumentParser):
    """argparse whose errors are nst-teach's one line: the option, the value, what it takes, where to read more."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"nst-teach: error: {_one_line(message, self.prog)}\n")


def _one_line(message: str, prog: str) -> str:
    """argparse's ``message`` as one line naming the flag, the value and the choices, then ``PROG --help``.

    >>> _one_line("argument --optimizer: invalid choice: 'sgd' (choose from 'adam', 'lbfgs')", "nst-teach stylize")
    "--optimizer 'sgd' is not one of adam, lbfgs (nst-teach stylize --help for more)"
    >>> print(_one_line("argument COMMAND: invalid choice: 'stylise' (choose from 'stylize', 'layers')", "nst-teach"))
    'stylise' is not a command of nst-teach: choose one of stylize, layers. Did you mean 'stylize'? (...
    """
    more = f"({prog} --help for more)"
    found = _INVALID_CHOICE.fullmatch(message.strip())
    if found is None:
        text = " ".join(message.split()).removeprefix("argument ")
        return f"{text[:1].lower()}{text[1:]} {more}"
    flag, value = found["flag"].split("/")[-1], found["value"]
    choices = [choice.strip().strip("'\"") for choice in found["choices"].split(",")]
    hint = did_you_mean(value, choices)
    if flag == "COMMAND":
        return f"{value!r} is not a command of nst-teach: choose one of {', '.join(choices)}.{hint} {more}"
    return f"{flag} {value!r} is not one of {', '.join(choices)}{'.' + hint if hint else ''} {more}"


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="nst-teach",
        description="Neural Style Transfer (Gatys et al., 2015), taught step by step.",
    )
    parser.add_argument("--version", action="version", version=f"nst-teach {__version__}")
    course_dir = f"the folder to copy the course into and serve from (default: ./{COURSE_DIR}/)"
    force = "replace the notebooks you changed there with nst-teach's copies (yours are renamed NAME-yours.ipynb)"
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    st = sub.add_parser(
        "stylize", help="paint CONTENT in the style of STYLE", description="Paint CONTENT in the style of STYLE."
    )
    st.add_argument("content", help="content image (path or http(s) URL)")
    st.add_argument("style", nargs="+", help="style image(s); several are blended (see --style-weights)")
    st.add_argument("-o", "--output", required=True, help="where to write the result (.jpg or .png)")
    _add_run_options(st)  # --alpha, --beta, ...: one flag per option of nst_teach/options.py
    st.add_argument("--save-every", nargs=2, metavar=("N", "DIR"), help="write a snapshot every N iterations into DIR")
    st.add_argument("--gif", metavar="OUT.gif", help="write an animation of the optimisation")
    st.add_argument(
        "--gif-every",
        type=_positive_int,
        metavar="N",
        help=f"a GIF frame every N iterations (default: {GIF_FRAMES} to {2 * GIF_FRAMES} frames, a smooth "
        f"~{GIF_SECONDS:g}-second animation of the whole run; the first and final image always)",
    )
    st.add_argument("--quiet", action="store_true", help="no progress bar")

    sub.add_parser("layers", help="print the VGG-19 layer table")

    wt = sub.add_parser("weights", help="show where the VGG-19 weights come from; download or check them")
    group = wt.add_mutually_exclusive_group()
    group.add_argument(
        "--download", action="store_true", help="fetch and verify the ImageNet weights into Keras' cache"
    )
    group.add_argument("--path", metavar="FILE", help="check a local VGG-19 notop weights file")

    demo = sub.add_parser(
        "demo",
        help="a short stylization of the bundled sample images",
        description=f"Paints a bundled photo in the style of a bundled painting and writes the "
        f"result into ./{defaults.OUTPUT_DIR}/ (a new file each time).",
    )
    demo.add_argument(
        "-o",
        "--output",
        help=f"where to write the result, .jpg or .png (default: ./{defaults.OUTPUT_DIR}/{DEMO_NAME}, "
        "numbered so that no file is replaced)",
    )
    demo.add_argument("--iterations", type=_positive_int, default=40, help="optimisation steps (default 40)")
    demo.add_argument("--size", type=_size, default=(200, 150), help="working size WxH (default 200x150)")
    demo.add_argument(
        "--weights", default="auto", help="VGG-19 weights: auto (default), imagenet, random, or a .h5 file"
    )

    tut = sub.add_parser(
        "tutorial",
        help="open the course in JupyterLab, at its first notebook",
        description="Start JupyterLab on the course and print the address of its first notebook, "
        "token included. Ctrl-C stops it and its kernels.",
    )
    tut.add_argument(
        "--no-browser",
        action="store_true",
        help="open no browser window (no display, a remote machine): open the printed address yourself",
    )
    tut.add_argument("--port", type=_positive_int, help=f"port to serve on (default {LAB_PORT}, or the next free one)")
    tut.add_argument("--ip", default="localhost", help="address to listen on (default localhost)")
    tut.add_argument("--print-only", action="store_true", help="print the layer table and exit (no JupyterLab)")
    tut.add_argument("--dir", metavar="DIR", help=course_dir)
    tut.add_argument("--force", action="store_true", help=force)

    app = sub.add_parser(
        "app",
        help="serve the classroom app (notebooks/app.ipynb) with Voila: no code, only controls",
        description="Serve the classroom app with Voila: image pickers, the live dashboard and the "
        "preview grid, without code. Prints the app's address, token included; "
        "Ctrl-C stops it and its kernels.",
    )
    app.add_argument("notebook", nargs="?", help="the notebook to serve (default: the course's app.ipynb)")
    app.add_argument("--dir", metavar="DIR", help=course_dir.replace("the course", "the app"))
    app.add_argument(
        "--force",
        action="store_true",
        help="replace the app.ipynb you changed there with nst-teach's (yours is renamed app-yours.ipynb)",
    )
    app.add_argument(
        "--port", type=_positive_int, help=f"port to serve on (default {VOILA_PORT}, or the next free one)"
    )
    app.add_argument(
        "--ip",
        default="localhost",
        help="address to listen on (default localhost; 0.0.0.0 lets the room's network connect)",
    )
    app.add_argument(
        "--no-browser",
        action="store_true",
        help="open no browser window (no display, a remote machine): open the printed address yourself",
    )
    app.add_argument("--quick", action="store_true", help="quick mode: tiny images and few iterations (rehearsals)")
    app.add_argument(
        "--output-dir",
        metavar="DIR",
        default=defaults.OUTPUT_DIR,
        help=f"the one folder the app's Save writes into (default ./{defaults.OUTPUT_DIR}/)",
    )
    app.add_argument("--token", help="the login token students type (default: a new random one each start)")
    for limit in servers.ROOM_FLAGS:  # the room's limits: one table (nst_teach/servers/room.py), its defaults computed
        app.add_argument(limit.flag, dest=limit.name, metavar=limit.metavar, type=limit.kind, help=limit.help)

    nb = sub.add_parser(
        "notebooks",
        help="copy the course notebooks, optionally solved; or write them as an nbgrader course",
        description="Copy the course notebooks into DEST (--solutions: solved, with the model answers), "
        "and/or write the course as an nbgrader source course into --nbgrader DIR (one assignment per notebook).",
    )
    nb.add_argument("dest", nargs="?", help="folder to write the notebooks into")
    nb.add_argument("--solutions", action="store_true", help="solve every exercise, and add the model answers")
    nb.add_argument(
        "--nbgrader",
        metavar="DIR",
        help="write an nbgrader source course into DIR: DIR/nbgrader_config.py and DIR/source/<notebook>/, the "
        "checks as autograder tests, the open questions graded by hand (then: cd DIR; nbgrader generate_assignment)",
    )
    nb.add_argument("--force", action="store_true", help=f"{force}; with --nbgrader, replace the files you changed")
    return parser


# --- sub-commands --------------------------------------------------------------------------------


def _stylize(args: argparse.Namespace) -> int:
    output = _image_output(args.output, "--output")
    if args.size is not None:
        check_size(args.size, "--size")
    if args.gif_every is not None and not args.gif:
        raise OptionError(f"--gif-every {args.gif_every} needs --gif OUT.gif (the file to write the animation to)")
    snapshots = None
    if args.save_every:
        snapshots = (_positive_int_or_error(args.save_every[0], "--save-every N"), Path(args.save_every[1]))
    inputs = [args.content, *args.style]
    if args.init and args.init not in {"noise", "content", "style"}:
        inputs.append(args.init)
    if args.weights and args.weights not in {"auto", "imagenet", "random"}:
        inputs.append(args.weights)
    outputs = [("--output", output)] + ([("--gif", Path(args.gif))] if args.gif else [])
    refuse_overwrite(inputs, outputs, [("--save-every", snapshots[1])] if snapshots else [])

    options = resolve_options(_run_options(args), partial=True, caller="nst-teach stylize")
    blend = options.get("style_blend")
    if blend is not None and len(blend) != len(args.style):
        raise OptionError(
            f"--style-weights got {len(blend)} weights for {len(args.style)} style images; give one per image"
        )
    # The pictures are read (a file, a bundled sample's name, a URL) before TensorFlow's seconds of loading.
    content, styles = read_image(args.content), [read_image(style) for style in args.style]

    StyleTransfer = _engine()
    transfer = StyleTransfer(content, styles[0] if len(styles) == 1 else styles, **options)
    if snapshots:
        snapshots[1].mkdir(parents=True, exist_ok=True)
    gif = Path(args.gif) if args.gif else None
    return run_with_progress(transfer, output, snapshots=snapshots, gif=gif, gif_every=args.gif_every, quiet=args.quiet)


def _engine() -> Any:
    """:class:`~nst_teach.engine.StyleTransfer`, with TensorFlow imported without its start-up lines.

    Called once the arguments and files are checked: a wrong argument answers at once, not after the
    seconds TensorFlow takes to load.
    """
    from ._quiet import import_tensorflow_quietly  # the engine loads TensorFlow: only once a run is sure

    import_tensorflow_quietly()
    from .engine import StyleTransfer  # TensorFlow, quietly imported above

    return StyleTransfer


def _positive_int_or_error(text: str, name: str) -> int:
    try:
        return _positive_int(text)
    except argparse.ArgumentTypeError as exc:
        raise OptionError(f"{name}: {exc}") from None


def _image_output(text: str, flag: str) -> Path:
    """The ``-o`` path, refused unless it ends in .jpg, .jpeg or .png."""
    if Path(text).suffix.lower() not in {".jpg", ".jpeg", ".png"}:
        raise OptionError(f"{flag} must end in .jpg or .png, got {text!r}")
    return Path(text)


def _layers(args: argparse.Namespace) -> int:
    print(layer_table())
    return 0


def _weights(args: argparse.Namespace) -> int:
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
    check_size(args.size, "--size")
    if args.output is not None:
        output = _image_output(args.output, "--output")
    else:
        output = unused_path(Path(defaults.OUTPUT_DIR), DEMO_NAME)
    content, style = COURSE_PAIR
    inputs = [sample_path(content), sample_path(style)]
    if args.weights not in {"auto", "imagenet", "random"}:
        inputs.append(args.weights)
    refuse_overwrite(inputs, [("--output", output)])
    print(f"nst-teach: painting the sample photo {content!r} in the style of {style!r} into {output}", file=sys.stderr)
    StyleTransfer = _engine()
    transfer = StyleTransfer(
        load_sample(content), load_sample(style), size=args.size, iterations=args.iterations, weights=args.weights
    )
    return run_with_progress(transfer, output, quiet=False)


def _course(args: argparse.Namespace, names: tuple[str, ...] | None = None) -> tuple[Path, str]:
    """The folder to serve and where the course is in it: a copy the student owns (``./nst-teach-course/``).

    Also in a clone: JupyterLab saves a notebook that ran into the file it serves, so the repository's own
    ``notebooks/`` would change under git (and the next ``git pull`` conflict). Run again after an update,
    the copy takes the new notebooks and keeps the ones the student changed.
    """
    return _copy_course(Path(args.dir or COURSE_DIR), names, force=args.force).folder.resolve(), ""


def _copy_course(dest: Path, names: tuple[str, ...] | None, *, force: bool, solutions: bool = False) -> Any:
    """Copies the course into ``dest`` (:func:`~nst_teach.course.copy_course`) and says what it kept."""
    copy = copy_course(dest, names=names, solutions=solutions, replace_edited=force or _ask_to_replace)
    for line in copy.lines():
        print(f"nst-teach: {line}", file=sys.stderr)
    if copy.kept:
        print("nst-teach: --force replaces what you changed with nst-teach's copy (yours renamed NAME-yours.ipynb)",
              file=sys.stderr)  # fmt: skip
    return copy


def _ask_to_replace(path: Path) -> bool:
    """On a terminal, asks whether to replace a notebook the student changed; elsewhere it is kept."""
    if not sys.stdin.isatty():
        return False
    question = f"nst-teach: you changed {path}; replace it with nst-teach's copy (yours renamed {path.stem}-yours)?"
    try:
        return input(f"{question} [y/N] ").strip().lower() in {"y", "yes"}
    except EOFError:
        return False


def _tutorial(args: argparse.Namespace) -> int:
    if args.print_only:
        return _layers(args)
    folder, course = _course(args)
    port = servers.choose_port(args.ip, args.port, LAB_PORT)
    command = servers.lab_command(folder, f"{course}00_welcome.ipynb", ip=args.ip, port=port)
    return servers.serve(command, open_browser=not args.no_browser)


def _app(args: argparse.Namespace) -> int:
    if args.notebook is not None:
        notebook = Path(args.notebook)
        if notebook.suffix != ".ipynb" or not notebook.is_file():
            raise OptionError(
                f"notebook must be an existing .ipynb file, got {args.notebook!r}; "
                "leave it out to serve the course's app.ipynb"
            )
    else:
        folder, course = _course(args, (APP,))
        notebook = folder / course / APP
        if not notebook.is_file():
            raise NSTError(f"the classroom app {notebook} is missing; update your copy of the repository")
    output_dir = Path(args.output_dir).expanduser()
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OptionError(
            f"--output-dir {args.output_dir}: cannot create it ({exc.strerror or exc}); name a folder you can write to"
        ) from None
    port = servers.choose_port(args.ip, args.port, VOILA_PORT)
    limits = {limit.name: getattr(args, limit.name) for limit in servers.ROOM_FLAGS}  # None: computed
    command = servers.voila_command(
        notebook, ip=args.ip, port=port, quick=args.quick, token=args.token, output_dir=output_dir, limits=limits
    )
    return servers.serve(command, open_browser=not args.no_browser)


def _notebooks(args: argparse.Namespace) -> int:
    if args.dest is None and args.nbgrader is None:
        raise OptionError("name a folder to copy the notebooks into (nst-teach notebooks DEST), or --nbgrader DIR")
    if args.solutions or args.nbgrader is not None:  # the instructor's package, which imports TensorFlow
        instructor_package("nst-teach notebooks --solutions" if args.solutions else "nst-teach notebooks --nbgrader")
        from ._quiet import import_tensorflow_quietly  # TensorFlow: only for the solutions

        import_tensorflow_quietly()
    if args.dest is not None:
        copy = _copy_course(Path(args.dest), None, force=args.force, solutions=args.solutions)
        for path in copy.written:
            print(path)
    if args.nbgrader is not None:
        from nst_teach_instructor.nbgrader import write_course  # the instructor's package: only when asked

        course = write_course(args.nbgrader, course_files(), NOTEBOOKS, force=args.force)
        for path in course.written:
            print(path)
        for path in course.kept:
            print(f"nst-teach: kept {path}: it differs from nst-teach's (--force replaces it)", file=sys.stderr)
        print(f"nst-teach: the nbgrader course is in {course.folder}{os.sep}: {len(course.assignments)} assignments "
              f"({', '.join(course.assignments)}); next: cd {course.folder} && nbgrader generate_assignment "
              f"{course.assignments[0]}", file=sys.stderr)  # fmt: skip
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
    errors.set_interface("cli")  # messages name options as flags: --weights random, not weights='random'
    try:
        return COMMANDS[args.command](args)
    except NSTError as exc:
        print(f"nst-teach: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("nst-teach: interrupted before the run started; nothing to save", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        errors.set_interface("python")  # main() called from Python (tests, notebooks) hands back Python's words


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

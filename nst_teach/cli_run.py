"""What a command-line run shows and writes: the progress bar, the picture, snapshots and the GIF.

``nst-teach stylize`` and ``nst-teach demo`` run through :func:`run_with_progress`; every file they
write is first checked by :func:`refuse_overwrite`, so no output ever replaces an input picture.
The first Ctrl-C stops after the current iteration and still writes everything.

Introduced in ``notebooks/00_welcome.ipynb``.
"""

from __future__ import annotations

import math
import os
import re
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .errors import OptionError

__all__ = ["refuse_overwrite", "run_with_progress", "write_gif", "thin_frames", "SNAPSHOT_NAME"]

EXIT_INTERRUPTED = 130

#: File names of the ``--save-every`` snapshots, by iteration.
SNAPSHOT_NAME = "iter_{:05d}.jpg"
_SNAPSHOT_PATTERN = re.compile(r"iter_\d{5,}\.jpg")

#: The default GIF: this many frames to twice as many (:func:`thin_frames`), shown in about this many seconds.
GIF_FRAMES = 24
GIF_SECONDS = 2.0


# --- outputs never overwrite inputs ----------------------------------------------------------------


def resolved(path: str | Path) -> str:
    """The file the system will open for ``path``: ``~``, the current folder, ``..`` and symbolic links resolved.

    ``os.path.realpath`` works through folders that do not exist yet, so ``sub/../content.jpg``
    resolves to ``content.jpg`` even before ``sub/`` is made.
    """
    return os.path.normcase(os.path.realpath(os.path.expanduser(os.fspath(path))))


def same_file(a: str | Path, b: str | Path) -> bool:
    if resolved(a) == resolved(b):
        return True
    try:  # hard links, case-insensitive disks
        return os.path.samefile(os.path.expanduser(os.fspath(a)), os.path.expanduser(os.fspath(b)))
    except OSError:  # one of them does not exist (yet)
        return False


def refuse_overwrite(
    inputs: Sequence[str | Path], outputs: Sequence[tuple[str, Path]], folders: Sequence[tuple[str, Path]] = ()
) -> None:
    """Refuses, before anything is created, every output that would replace an input or another output.

    Used by every command that writes.  Both sides are compared as the files the system will open
    (:func:`resolved`), so ``./sub/../content.jpg`` or a link to ``content.jpg`` is caught too.

    Args:
        inputs: the pictures (and other files) the command reads; URLs are skipped.
        outputs: ``(flag, path)`` of each file the command writes.
        folders: ``(flag, folder)`` of each folder the command fills with :data:`SNAPSHOT_NAME` files.

    Raises:
        OptionError: naming the flag, the path and the input it would overwrite.
    """
    sources = [Path(os.fspath(src)) for src in inputs if "://" not in os.fspath(src)]
    for index, (flag, path) in enumerate(outputs):
        for src in sources:
            if same_file(path, src):
                raise OptionError(
                    f"{flag} {path} is the input image {src} and writing would overwrite it; choose another file name"
                )
        for other_flag, other in outputs[:index]:
            if same_file(path, other):
                raise OptionError(f"{flag} {path} is the same file as {other_flag} {other}; give them different names")
    for flag, folder in folders:
        place = os.path.expanduser(os.fspath(folder))
        if os.path.exists(place) and not os.path.isdir(place):
            raise OptionError(f"{flag} {folder} is a file; name a folder for the snapshots")
        for what, src in [("input image", src) for src in sources] + [(other_flag, p) for other_flag, p in outputs]:
            if resolved(src.parent) == resolved(folder) and _SNAPSHOT_PATTERN.fullmatch(src.name):
                raise OptionError(
                    f"{flag} folder {folder} holds the {what} {src}, which a snapshot would "
                    "overwrite; choose another folder"
                )


# --- the run -------------------------------------------------------------------------------------


def thin_frames(frames: dict[int, Any], every: int) -> int:
    """Keeps :data:`GIF_FRAMES` to twice as many frames, however long the run turns out to be.

    A run ends when it converges, which nobody knows in advance, so frames are kept every ``every``
    iterations from 1; once there are more than twice :data:`GIF_FRAMES`, every other one is dropped
    and the spacing doubles.  The start (iteration 0) stays.  Returns the spacing to use from now on.

    >>> frames = {k: None for k in range(0, 50)}
    >>> thin_frames(frames, 1), sorted(frames)[:4], len(frames)
    (2, [0, 2, 4, 6], 25)
    """
    if len(frames) <= 2 * GIF_FRAMES:
        return every
    every *= 2
    for k in [k for k in frames if k % every]:
        del frames[k]
    return every


def run_with_progress(
    transfer: Any,
    output: Path,
    *,
    snapshots: tuple[int, Path] | None = None,
    gif: Path | None = None,
    gif_every: int | None = None,
    quiet: bool,
) -> int:
    """Runs ``transfer`` with a progress bar; writes the image, the snapshots and the GIF; says what it wrote."""
    from tqdm.auto import tqdm

    from .images import save_image  # images.py loads OpenCV: only when a picture is written

    total = transfer.iterations
    fixed_spacing = gif_every is not None
    gif_every = gif_every or 1
    frames: dict[int, Any] = {0: transfer.image()} if gif else {}  # iteration -> RGB image; 0: the start
    written_snapshots = 0
    print(f"nst-teach: this run is {transfer.recipe}", file=sys.stderr)  # what ran, whenever a run is shown
    bar = tqdm(total=total, unit="it", disable=quiet, dynamic_ncols=True, desc="stylize")

    def callback(step: Any) -> None:
        nonlocal written_snapshots, gif_every
        bar.set_postfix(
            total=f"{step.total:.4g}", content=f"{step.content:.3g}", style=f"{step.style:.3g}", refresh=False
        )
        # The bar counts to where the run is expected to end: where the convergence rule is forecast to stop
        # it (the cost's trend), not to the limit; its ETA follows.
        if step.ended is not None:  # the last line is drawn once, by close(), with the final figures
            bar.total, bar.n = step.iteration, step.iteration
            bar.set_description(f"stylize ({'converged' if step.ended == 'converged' else 'limit'})", refresh=False)
        else:
            if step.expected_end != bar.total:
                bar.total = step.expected_end
            bar.update(step.iteration - bar.n)
        if snapshots is not None and step.iteration % snapshots[0] == 0:
            save_image(step.image(), snapshots[1] / SNAPSHOT_NAME.format(step.iteration))
            written_snapshots += 1
        if gif and step.iteration % gif_every == 0:
            frames[step.iteration] = step.image()
            if not fixed_spacing:
                gif_every = thin_frames(frames, gif_every)

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
    wrote = [str(output)]
    if gif:
        frames[result.iterations_done] = result.image  # the final image, as saved
        count = write_gif([frames[k] for k in sorted(frames)], gif)
        wrote.append(f"the animation {gif} ({count} frames)")
    if snapshots is not None:
        wrote.append(f"{written_snapshots} snapshots in {snapshots[1]}{os.sep}")
    if result.message:
        print(f"nst-teach: {result.message}", file=sys.stderr)
    if math.isfinite(result.saved_total):  # what the user gets: the picture as saved (0..255), and the float image's
        print(
            f"nst-teach: cost of the saved picture J = {result.saved_total:.4g} "
            f"(of the image as optimised: {result.total:.4g})",
            file=sys.stderr,
        )
    listed = wrote[0] if len(wrote) == 1 else ", ".join(wrote[:-1]) + " and " + wrote[-1]
    how = {"converged": "converged", "limit": "reached the limit"}.get(result.ended or "", "stopped")
    if interrupted:
        how = "stopped"
    spent = f" ({result.history[-1]['elapsed']:.0f} s)" if len(result.history) else ""
    print(f"nst-teach: {how} after {result.iterations_done} iterations{spent}; wrote {listed}", file=sys.stderr)
    return EXIT_INTERRUPTED if interrupted else 0


def write_gif(frames: Sequence[Any], path: Path) -> int:
    """Writes RGB uint8 frames as a looping GIF (atomically), about :data:`GIF_SECONDS` long (80-100 ms a frame).

    Returns the frames the file holds, as Pillow reads it back: Pillow merges consecutive frames that are
    the same once reduced to the GIF's colours (a run that no longer changes), so it can be fewer than given.
    """
    from PIL import Image

    pictures = [Image.fromarray(frame) for frame in frames]
    duration = min(100, max(80, round(1000 * GIF_SECONDS / len(pictures))))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    pictures[0].save(tmp, format="GIF", save_all=True, append_images=pictures[1:], duration=duration, loop=0)
    with Image.open(tmp) as written:
        count = int(getattr(written, "n_frames", 1))
    os.replace(tmp, path)
    return count

r"""How long a run takes on this machine: timed once, predicted for any size, and the size that fits.

A run's time is its set-up plus its evaluations, each one forward and backward pass of VGG-19
(cut after the deepest layer the costs use) on the generated image:

.. math:: t_{run} = t_{set-up} + t_{eval}(size, layer) \cdot (s + n_{iterations} \cdot e_{optimizer})

where ``e`` is the evaluations per iteration (Adam 1; L-BFGS a little more: its line search
sometimes tries a second step), :math:`t_{set-up}` the set-up that does not grow with the image
(building the network, tracing the step) and ``s`` the evaluations' worth of what does: the
targets' and the result's forward passes, and the first pass at a new size.  An
evaluation costs a fixed overhead plus a time per multiply-add of the forward pass
(:func:`multiply_adds`, counted from VGG-19's layer table):

.. math:: t_{eval} = t_0 + k \cdot MACs(size, layer)

:func:`measure` finds :math:`t_0`, :math:`k` and :math:`t_{set-up}` once per kernel, timing a few
iterations at two small sizes (a few seconds); :meth:`Pace.fit` then picks the largest of
:data:`SIZES` whose runs fit a budget of seconds.  VGG-19 with the ImageNet weights costs the same
per evaluation as with random filters (the same shapes), so either times the machine.

Introduced in ``notebooks/00_welcome.ipynb`` (the course fits its runs to the student's machine).
"""

from __future__ import annotations

import functools
import os
import statistics
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .defaults import CONTENT_LAYER, IMG_SIZE, STYLE_LAYERS
from .history import RUN_LOG_ENV
from .layers import VGG19_LAYERS, LayerRef, layer_index, layer_name
from .optimizers import optimizer_entry
from .precision import resolve_precision
from .samples import load_sample
from .validate import format_size

__all__ = [
    "SIZES",
    "DEEPEST",
    "Pace",
    "multiply_adds",
    "measure",
    "cpu_name",
    "Work",
    "COURSE",
    "fitted_sizes",
    "FIRST_PAINTING",
]

#: The sizes a run may be fitted to (width × height, the reference recipe's 4:3), largest first.
SIZES: tuple[tuple[int, int], ...] = (
    (400, 300), (360, 270), (320, 240), (280, 210), (240, 180), (200, 150),
    (160, 120), (128, 96), (112, 84), (96, 72), (80, 60), (64, 48),
)  # fmt: skip

#: The deepest layer of the reference recipe's costs (its style layers and content layer): where VGG-19 is cut.
DEEPEST: str = layer_name(max(layer_index(name) for name in [CONTENT_LAYER, *STYLE_LAYERS]))

#: The two sizes :func:`measure` times, and how many iterations at each (after one untimed).
CALIBRATION_SIZES: tuple[tuple[int, int], ...] = ((64, 48), (200, 150))
CALIBRATION_ITERATIONS = 5


def multiply_adds(size: tuple[int, int], deepest: LayerRef = DEEPEST, pooling: str = "avg") -> int:
    """Multiply-adds of one forward pass of VGG-19 cut after ``deepest``, on an image of ``size``.

    Each 3×3 convolution makes ``9·C_in·C_out`` of them per output pixel; pools and ReLUs are
    not counted (they cost little beside).

    >>> multiply_adds((400, 300), "block1_conv1")  # 9·3·64 per pixel
    207360000
    >>> round(multiply_adds((400, 300)) / 1e9, 1)  # the reference recipe's network, to block5_conv1
    43.6
    """
    total, channels_in = 0, 3
    for layer in VGG19_LAYERS[1 : layer_index(deepest) + 1]:
        if layer.kind == "conv":
            n_h, n_w = layer.output_size(size, pooling)
            total += 9 * channels_in * layer.channels * n_h * n_w
        channels_in = layer.channels
    return total


@dataclass(frozen=True)
class Pace:
    """How fast this machine runs style transfer, as :func:`measure` timed it.

    Attributes:
        precision: the number format VGG-19 computed in (``"float32"`` or ``"bfloat16"``).
        cpu: the processor's name.
        weights: ``"imagenet"`` (learned filters) or ``"random"``: the filters timed (either costs the same).
        overhead_s: seconds of an evaluation whatever its size (calls, copies, the costs).
        seconds_per_gmac: seconds of an evaluation per 10⁹ multiply-adds of the forward pass.
        setup_s: seconds of a run's set-up whatever its size (building the network, tracing the step).
        setup_evaluations: evaluations' worth of the set-up that grows with the size (the targets',
            the result's and the first forward passes).

    Introduced in ``notebooks/00_welcome.ipynb``.
    """

    precision: str
    cpu: str
    weights: str
    overhead_s: float
    seconds_per_gmac: float
    setup_s: float
    setup_evaluations: float = 4 / 3

    def evaluation_s(self, size: tuple[int, int], deepest: LayerRef = DEEPEST) -> float:
        """Seconds of one evaluation (forward and backward pass) at ``size``, VGG-19 cut after ``deepest``."""
        return self.overhead_s + self.seconds_per_gmac * multiply_adds(size, deepest) / 1e9

    def run_s(
        self,
        size: tuple[int, int],
        iterations: int,
        *,
        optimizer: str = "lbfgs",
        deepest: LayerRef | Sequence[LayerRef] = DEEPEST,
    ) -> float:
        """Seconds of a run of ``iterations`` at ``size``, set-up included; several runs if ``deepest`` is a list.

        >>> pace = Pace("float32", "a CPU", "random", overhead_s=0.02, seconds_per_gmac=0.025, setup_s=1.0)
        >>> round(pace.run_s((400, 300), 500, optimizer="adam"))  # 1 + 1.109·(4/3 + 500)
        557
        """
        layers = [deepest] if isinstance(deepest, (str, int)) else list(deepest)
        per_iteration = optimizer_entry(optimizer).evaluations
        return sum(
            self.setup_s + self.evaluation_s(size, layer) * (self.setup_evaluations + iterations * per_iteration)
            for layer in layers
        )

    def fit(
        self,
        budget_s: float,
        iterations: int,
        *,
        optimizer: str = "lbfgs",
        deepest: LayerRef | Sequence[LayerRef] = DEEPEST,
        runs: int = 1,
        largest: tuple[int, int] = SIZES[0],
    ) -> tuple[int, int]:
        """The largest of :data:`SIZES` (up to ``largest``) whose ``runs`` runs fit ``budget_s`` seconds.

        The smallest size when none fits.

        >>> pace = Pace("float32", "a CPU", "random", overhead_s=0.02, seconds_per_gmac=0.025, setup_s=1.0)
        >>> pace.fit(45, 500, optimizer="adam")
        (96, 72)
        """
        sizes = [size for size in SIZES if size[0] * size[1] <= largest[0] * largest[1]] or [SIZES[-1]]
        for size in sizes:
            if runs * self.run_s(size, iterations, optimizer=optimizer, deepest=deepest) <= budget_s:
                return size
        return sizes[-1]

    def forecast(
        self,
        size: tuple[int, int],
        iterations: int,
        *,
        full_size: tuple[int, int] | None = None,
        optimizer: str = "lbfgs",
        deepest: LayerRef | Sequence[LayerRef] = DEEPEST,
        runs: int = 1,
    ) -> str:
        r"""One line to print before a long cell: how long it will take here, and at the full size.

        >>> pace = Pace("float32", "a CPU", "random", overhead_s=0.02, seconds_per_gmac=0.025, setup_s=1.0)
        >>> line = pace.forecast((96, 72), 500, full_size=(400, 300), optimizer="adam")
        >>> print(*line.split("; "), sep="\n")
        this run: ~42 s at 96×72 on this machine (a CPU, float32)
        400×300 would take about 9 min: S = nst.course.settings(full_size=True)
        """
        layers = [deepest] * runs if isinstance(deepest, (str, int)) else list(deepest)
        what = "this run" if len(layers) == 1 else f"these {len(layers)} runs"
        here = _duration(self.run_s(size, iterations, optimizer=optimizer, deepest=layers))
        line = f"{what}: ~{here} at {format_size(size)} on this machine ({self.cpu}, {self.precision})"
        if full_size is not None and tuple(full_size) != tuple(size):
            full = _duration(self.run_s(full_size, iterations, optimizer=optimizer, deepest=layers))
            line += f"; {format_size(full_size)} would take about {full}: S = nst.course.settings(full_size=True)"
        return line


def _duration(seconds: float) -> str:
    """``"42 s"`` under two minutes, ``"9 min"`` above."""
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min"


def cpu_name(cpuinfo: Path = Path("/proc/cpuinfo")) -> str:
    """The processor's name (``model name`` in /proc/cpuinfo), else what :mod:`platform` says."""
    import platform

    try:
        for line in cpuinfo.read_text(errors="replace").splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name" and value.strip():
                return value.strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def _time_run(
    content, style, size: tuple[int, int], precision: str, weights: str, iterations: int = CALIBRATION_ITERATIONS
) -> tuple[float, float, str]:
    """(set-up seconds, the median iteration's seconds, the weights) of a short Adam run.

    The set-up is everything but the iterations after the first: making the run, its first
    iteration less one median iteration, and its result.
    """
    from .engine import StyleTransfer  # the loop loads TensorFlow: only when the pace is measured

    started = time.perf_counter()
    transfer = StyleTransfer(content, style, size=size, optimizer="adam", precision=precision, weights=weights)
    steps = transfer.steps(1 + iterations)
    next(steps)  # the first: tracing and one evaluation
    times, last = [], time.perf_counter()
    for _ in steps:
        times.append(time.perf_counter() - last)
        last = time.perf_counter()
    transfer.result()
    per_iteration = statistics.median(times) if times else 0.0
    setup = time.perf_counter() - started - sum(times) - per_iteration
    return setup, per_iteration, "imagenet" if transfer.weights.is_pretrained else "random"


@functools.cache
def _measure(precision: str, weights: str) -> Pace:
    content, style = load_sample("cottage"), load_sample("swirls")
    log = os.environ.pop(RUN_LOG_ENV, None)  # timing the machine paints nothing: its runs stay out of the run log
    try:
        return _timed(content, style, precision, weights)
    finally:
        if log is not None:
            os.environ[RUN_LOG_ENV] = log


def _timed(content, style, precision: str, weights: str) -> Pace:
    with warnings.catch_warnings():  # the random-filters warning is the notebook's to show, when it builds its own
        warnings.simplefilter("ignore")
        _time_run(content, style, (48, 36), precision, weights, iterations=0)  # TensorFlow's first-call costs
        (size_a, setup_a, t_a, filters), (size_b, setup_b, t_b, _) = (
            (size, *_time_run(content, style, size, precision, weights)) for size in CALIBRATION_SIZES
        )
    macs_a, macs_b = multiply_adds(size_a) / 1e9, multiply_adds(size_b) / 1e9
    slope = max((t_b - t_a) / (macs_b - macs_a), 0.0)
    overhead = max(t_a - slope * macs_a, 0.0)
    # The set-up: a part that grows with the time of an evaluation (forward passes), and one that does not.
    growing = min(max((setup_b - setup_a) / (t_b - t_a), 0.0), 8.0) if t_b > t_a else 4 / 3
    setup = setup_a - growing * t_a
    return Pace(
        precision=precision,
        cpu=cpu_name(),
        weights=filters,
        overhead_s=overhead,
        seconds_per_gmac=slope,
        setup_s=max(setup, 0.0),
        setup_evaluations=growing,
    )


def measure(precision: str = "auto", weights: str = "auto") -> Pace:
    """Times this machine once per kernel (a few seconds) and returns its :class:`Pace`.

    Short Adam runs of the reference recipe's costs on the bundled pictures: one step at 48×36 pays
    TensorFlow's first-call costs (once per kernel, which the first run would pay anyway), then a
    run at each of :data:`CALIBRATION_SIZES`.  Their times per iteration give the overhead and the
    time per multiply-add of an evaluation; the rest of their times, the set-up.  Cached per
    number format and weights.

    Args:
        precision: as the runs' ``precision`` option (``"auto"`` follows ``NST_TEACH_PRECISION``).
        weights: as the runs' ``weights`` option.

    Introduced in ``notebooks/00_welcome.ipynb``.
    """
    return _measure(resolve_precision(precision), weights)


# --------------------------------------------------------------------------------------------
# The course's long cells, and the sizes that fit them
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Work:
    """What one kind of the course's long cells runs, and the seconds it may take.

    Attributes:
        budget_s: seconds the cell may take (the course's target: no cell over 60 s), with a margin
            for drawing the pictures and for a machine busy with something else.
        full_size: the reference recipe's size (``nst.course.settings(full_size=True)``), the largest fitted.
        optimizer: the runs' optimizer.
        cells: the deepest layer of each run of the heaviest such cells; the size fits them all.
    """

    budget_s: float
    full_size: tuple[int, int]
    optimizer: str
    cells: tuple[tuple[str, ...], ...]


#: Notebook 00's first painting: a fixed size, not timed, so that the first picture comes before the machine
#: is timed (the target: 20 s from the notebook's start on a 2-core CPU in float32; ``benchmarks/bench_course.py``).
FIRST_PAINTING: tuple[int, int] = (256, 192)

#: The course's long cells: ``"run"``, notebook 05's painting with the student's functions (nst-teach's
#: defaults: L-BFGS) and its dashboard; ``"small"``, the reconstructions of notebooks 03 and 04 (five runs,
#: one per layer) and the experiments of notebook 06 (up to four runs of the defaults).
COURSE: dict[str, Work] = {
    "run": Work(50.0, IMG_SIZE, "lbfgs", ((DEEPEST,),)),
    "small": Work(
        45.0,
        (200, 150),
        "lbfgs",
        ((DEEPEST,) * 4, ("block1_conv2", "block2_conv2", "block3_conv2", "block4_conv2", "block5_conv2")),
    ),
}


@functools.cache
def fitted_sizes(pace: Pace, iterations: tuple[tuple[str, int], ...]) -> dict[str, tuple[int, int]]:
    """The size of each of :data:`COURSE`'s cells whose runs of ``iterations`` fit its budget at ``pace``.

    Args:
        pace: the machine's pace (:func:`measure`).
        iterations: ``(cell, iterations of each of its runs)`` for each cell of :data:`COURSE`.

    >>> pace = Pace("float32", "a CPU", "random", overhead_s=0.02, seconds_per_gmac=0.025, setup_s=1.0)
    >>> fitted_sizes(pace, (("run", 500), ("small", 60)))
    {'run': (96, 72), 'small': (128, 96)}
    """
    sizes = {}
    for which, count in iterations:
        work = COURSE[which]
        fits = [
            pace.fit(work.budget_s, count, optimizer=work.optimizer, deepest=cell, largest=work.full_size)
            for cell in work.cells
        ]
        sizes[which] = min(fits, key=lambda wh: wh[0] * wh[1])
    return sizes

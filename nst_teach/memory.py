"""How much memory a style-transfer run needs, and refusing runs that would not fit.

A run keeps every activation of VGG-19 up to its deepest layer for the backward
pass, so its memory grows with the number of pixels.  A class server or a Binder
pod (2 GiB) that runs out of memory kills the kernel and loses the student's
work; refusing up front, with the estimate and a size that fits, is kinder.

The estimate: a fixed part (Python, TensorFlow, the weights: measured about
0.9 GiB) plus 1.9 × the float32 bytes of the activations up to the deepest
layer (measured 1.5–1.75× on this project's benchmark machine at 400×300 and
800×600; see ``benchmarks/bench_memory.py``).

Introduced in ``notebooks/05_style_transfer_live.ipynb``.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

from .errors import OptionError
from .layers import VGG19_LAYERS, layer_index

__all__ = ["activation_bytes", "estimate_bytes", "memory_budget", "check_memory", "BUDGET_ENV"]

#: Environment variable that sets the budget in MiB (e.g. 2048 on a Binder pod).
BUDGET_ENV = "NST_TEACH_MEMORY_BUDGET_MB"

_BASE_BYTES = 950 * 2**20
_ACTIVATION_FACTOR = 1.9


def activation_bytes(size: tuple[int, int], deepest_layer: str | int) -> int:
    """float32 bytes of VGG-19's activations for an image of ``size`` = (width, height), up to a layer."""
    last = layer_index(deepest_layer)
    total = 0
    for layer in VGG19_LAYERS[1 : last + 1]:
        n_h, n_w = layer.output_size(size)  # the average pools' sizes (the larger of the two poolings)
        total += n_h * n_w * layer.channels
    return 4 * total


def estimate_bytes(size: tuple[int, int], deepest_layer: str | int, *, images: int = 1) -> int:
    """Estimated peak resident memory of a run (bytes), for ``images`` image sizes held at once."""
    return int(_BASE_BYTES + _ACTIVATION_FACTOR * activation_bytes(size, deepest_layer) * max(images, 1))


def _cgroup_limit() -> int | None:
    for path in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            text = Path(path).read_text().strip()
        except OSError:
            continue
        if text.isdigit() and int(text) < 2**60:
            return int(text)
    return None


def _available() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def memory_budget() -> int | None:
    """The memory a run may use, in bytes: ``$NST_TEACH_MEMORY_BUDGET_MB`` if set, else the smaller of the
    container's limit and the memory available now (``None`` where neither can be read)."""
    text = os.environ.get(BUDGET_ENV)
    if text:
        try:
            mib = float(text)
        except ValueError:
            message = f"{BUDGET_ENV}={text!r} is not a number of MiB; set it to e.g. 2048 or unset it."
            raise OptionError(message) from None
        if not math.isfinite(mib) or mib <= 0:
            raise OptionError(f"{BUDGET_ENV}={text!r} must be a positive number of MiB.")
        return int(mib * 2**20)
    known = [v for v in (_cgroup_limit(), _available()) if v]
    return min(known) if known else None


def check_memory(size: tuple[int, int], deepest_layer: str | int, *, images: int = 1) -> int:
    """Raises :class:`OptionError` if a run at ``size`` would not fit the budget; returns the estimate.

    The message gives the estimate, the budget and the largest size of the same
    aspect ratio that fits.
    """
    need = estimate_bytes(size, deepest_layer, images=images)
    budget = memory_budget()
    if budget is None or need <= budget:
        return need
    w, h = size
    factor = 1.0
    while factor > 0.05 and estimate_bytes((int(w * factor), int(h * factor)), deepest_layer, images=images) > budget:
        factor *= 0.9
    fits = (int(w * factor), int(h * factor))
    raise OptionError(
        f"size {w}x{h} needs about {need / 2**30:.1f} GiB of memory, more than the {budget / 2**30:.1f} GiB "
        f"available; use a smaller size (about {fits[0]}x{fits[1]} fits), or set {BUDGET_ENV} if you know "
        "the machine has more."
    )

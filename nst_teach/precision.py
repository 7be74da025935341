"""Which number format VGG-19 computes in: float32, or bfloat16 where it is fast.

bfloat16 keeps float32's range with fewer digits (8 bits of mantissa instead of
24).  On hardware with bfloat16 units — recent Intel CPUs (AMX, AVX-512 BF16),
NVIDIA GPUs from Ampere on (compute capability 8.0) — convolutions in bfloat16
run several times faster, and style transfer does not need the extra digits.
Elsewhere bfloat16 is emulated and slower, so ``"auto"`` keeps float32.

Introduced in ``notebooks/02_vgg19.ipynb``.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from .errors import OptionError
from .validate import check_choice

__all__ = ["PRECISIONS", "DEFAULT_PRECISION", "bf16_is_fast", "resolve_precision"]

#: The values ``precision`` may take.
PRECISIONS: tuple[str, ...] = ("auto", "float32", "bfloat16")

#: The default of every ``precision`` (the option's, :func:`nst_teach.model.build_extractor`'s, the explorers').
DEFAULT_PRECISION = "auto"

#: Environment variable that overrides what ``"auto"`` picks (``float32`` or ``bfloat16``).
PRECISION_ENV = "NST_TEACH_PRECISION"

#: CPU flags (as in ``/proc/cpuinfo``) of instruction sets that compute in bfloat16.
BF16_CPU_FLAGS: frozenset[str] = frozenset({"amx_bf16", "avx512_bf16"})


def _cpu_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> set[str]:
    """Returns the CPU's feature flags, or an empty set where /proc/cpuinfo does not exist."""
    try:
        text = cpuinfo.read_text(errors="replace")
    except OSError:
        return set()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("flags", "Features"):
            return set(value.split())
    return set()


def _gpu_compute_capabilities() -> list[tuple[int, int]]:
    """Returns the compute capability of each GPU TensorFlow sees (empty without GPUs)."""
    import tensorflow as tf

    capabilities = []
    for device in tf.config.list_physical_devices("GPU"):
        try:
            details = tf.config.experimental.get_device_details(device)
        except (ValueError, RuntimeError):
            continue
        capability = details.get("compute_capability")
        if capability:
            capabilities.append(tuple(capability))
    return capabilities


@functools.lru_cache(maxsize=1)
def bf16_is_fast() -> bool:
    """Tells whether this machine computes bfloat16 convolutions natively (and so fast).

    With a GPU visible to TensorFlow: True when a GPU has compute capability 8.0 or
    more (NVIDIA Ampere and later).  On CPU only: True when the CPU has AMX-BF16 or
    AVX-512 BF16 instructions.  The answer is computed once and cached.

    Returns:
        True where bfloat16 runs natively, False where it would be emulated.

    Introduced in ``notebooks/02_vgg19.ipynb``.
    """
    capabilities = _gpu_compute_capabilities()
    if capabilities:
        return any(capability >= (8, 0) for capability in capabilities)
    return bool(_cpu_flags() & BF16_CPU_FLAGS)


def resolve_precision(precision: str = DEFAULT_PRECISION) -> str:
    """Turns a ``precision`` option into the number format to compute in.

    Args:
        precision: ``"float32"``, ``"bfloat16"``, or ``"auto"``: bfloat16 where
            :func:`bf16_is_fast`, float32 elsewhere.  The environment variable
            ``NST_TEACH_PRECISION`` (``float32`` or ``bfloat16``) overrides what
            ``"auto"`` picks.

    Returns:
        ``"float32"`` or ``"bfloat16"``.

    Raises:
        OptionError: ``precision`` (or ``NST_TEACH_PRECISION``) is none of the above.

    Introduced in ``notebooks/02_vgg19.ipynb``.

    >>> resolve_precision("float32")
    'float32'
    """
    try:
        precision = check_choice("precision", precision, PRECISIONS)  # as the option's row checks it
    except OptionError as exc:
        raise OptionError(
            f"{exc} Use 'float32' for exact results, 'bfloat16' for speed on recent hardware, or 'auto'."
        ) from None
    if precision != "auto":
        return precision
    override = os.environ.get(PRECISION_ENV, "").strip()
    if override:
        try:
            return check_choice(PRECISION_ENV, override, [p for p in PRECISIONS if p != "auto"])
        except OptionError as exc:
            raise OptionError(f"{exc} Set it to 'float32' or 'bfloat16', or unset it to let 'auto' decide.") from None
    return "bfloat16" if bf16_is_fast() else "float32"

"""Tests of nst_teach/precision.py."""

from __future__ import annotations

import pytest

from nst_teach import precision
from nst_teach.errors import OptionError
from nst_teach.precision import bf16_is_fast, resolve_precision


@pytest.fixture(autouse=True)
def _no_env(monkeypatch):
    monkeypatch.delenv(precision.PRECISION_ENV, raising=False)


@pytest.mark.parametrize("value", ["float32", "bfloat16"])
def test_pass_through(value):
    assert resolve_precision(value) == value


@pytest.mark.parametrize("value", ["Float32", " bfloat16 "])
def test_spelled_as_the_option_accepts_it(value):
    assert resolve_precision(value) == value.strip().lower()  # the option's check: any case, spaces around


@pytest.mark.parametrize("value", ["float16", "fp32", "", "auto32", None, 32, ["float32"]])
def test_rejects_bad_values(value):
    with pytest.raises(OptionError, match="precision") as info:
        resolve_precision(value)
    assert repr(value) in str(info.value)


@pytest.mark.parametrize("fast, expected", [(True, "bfloat16"), (False, "float32")])
def test_auto_follows_hardware(monkeypatch, fast, expected):
    monkeypatch.setattr(precision, "bf16_is_fast", lambda: fast)
    assert resolve_precision("auto") == expected


def test_env_overrides_auto(monkeypatch):
    monkeypatch.setattr(precision, "bf16_is_fast", lambda: True)
    monkeypatch.setenv(precision.PRECISION_ENV, "float32")
    assert resolve_precision("auto") == "float32"
    assert resolve_precision("bfloat16") == "bfloat16"  # explicit choice wins over the env
    monkeypatch.setenv(precision.PRECISION_ENV, "half")
    with pytest.raises(OptionError, match="NST_TEACH_PRECISION"):
        resolve_precision("auto")


def _fresh_bf16_is_fast(monkeypatch, flags, gpus):
    monkeypatch.setattr(precision, "_cpu_flags", lambda: set(flags))
    monkeypatch.setattr(precision, "_gpu_compute_capabilities", lambda: list(gpus))
    bf16_is_fast.cache_clear()
    try:
        return bf16_is_fast()
    finally:
        bf16_is_fast.cache_clear()


@pytest.mark.parametrize(
    "flags, gpus, expected",
    [
        ({"avx2", "amx_bf16"}, [], True),
        ({"avx512f", "avx512_bf16"}, [], True),
        ({"avx2", "avx512f"}, [], False),
        (set(), [(8, 0)], True),
        (set(), [(9, 0)], True),
        ({"amx_bf16"}, [(7, 5)], False),  # a GPU decides where one is visible
        (set(), [(7, 5), (8, 6)], True),
    ],
)
def test_bf16_is_fast_rules(monkeypatch, flags, gpus, expected):
    assert _fresh_bf16_is_fast(monkeypatch, flags, gpus) is expected


def test_cpu_flags_parsing(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu sse avx512_bf16 amx_tile\n\nprocessor\t: 1\n")
    assert precision._cpu_flags(cpuinfo) == {"fpu", "sse", "avx512_bf16", "amx_tile"}
    assert precision._cpu_flags(tmp_path / "missing") == set()


def test_bf16_is_fast_is_cached():
    assert bf16_is_fast() is bf16_is_fast()
    assert bf16_is_fast.cache_info().currsize == 1

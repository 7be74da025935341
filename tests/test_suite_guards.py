"""The suite cannot hang: every test has a time limit, and Ctrl-C tests pass however the suite was started.

Each case runs a small pytest session in a subprocess (the same Python, this suite's ``conftest.py``) and
reads what it reports: a planted endless test is stopped by the time limit; a test that leaves a signal
handler changed fails; the tests that interrupt a run pass when the suite's parent ignores SIGINT, as
``bash .ci/run &`` from a script, ``nohup`` or a CI runner leave it.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent


def _pytest(*args: str, cwd: Path, ignore_sigint: bool = False, limit: float = 300) -> subprocess.CompletedProcess:
    """``python -m pytest ARGS`` in ``cwd``; with ``ignore_sigint``, started with SIGINT ignored."""

    def ignore() -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)

    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=limit,
        preexec_fn=ignore if ignore_sigint else None,
    )


def _planted(tmp_path: Path, source: str) -> Path:
    """A folder with this suite's conftest.py and ``test_planted.py`` holding ``source``."""
    shutil.copyfile(TESTS / "conftest.py", tmp_path / "conftest.py")
    (tmp_path / "test_planted.py").write_text(source, encoding="utf-8")
    return tmp_path


def test_the_suite_runs_with_a_time_limit_per_test(request):
    assert request.config.pluginmanager.hasplugin("timeout"), "pytest-timeout is not installed"
    limit = float(request.config.getini("timeout"))
    assert 0 < limit <= 1800, f"the per-test time limit is {limit} s"


def test_a_planted_endless_test_is_stopped_by_the_time_limit(tmp_path):
    folder = _planted(
        tmp_path,
        "import time\n\n\ndef test_forever():\n    while True:\n        time.sleep(0.01)\n\n\n"
        "def test_after():\n    assert True\n",
    )
    started = time.monotonic()
    done = _pytest("--timeout=2", "test_planted.py", cwd=folder, limit=120)
    output = done.stdout + done.stderr
    assert time.monotonic() - started < 60
    assert done.returncode == 1, output
    assert "Timeout" in output and "1 failed, 1 passed" in output, output  # the suite went on after it


def test_a_test_that_leaves_a_signal_handler_changed_fails(tmp_path):
    folder = _planted(
        tmp_path,
        "import signal\n\n\ndef test_leaves_sigterm_changed():\n"
        "    signal.signal(signal.SIGTERM, lambda *args: None)\n\n\n"
        "def test_next_one_finds_it_restored():\n    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL\n",
    )
    done = _pytest("test_planted.py", cwd=folder, limit=120)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "left the handler of SIGTERM changed" in output and "2 passed, 1 error" in output, output


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_the_interrupt_tests_pass_when_the_suite_was_started_with_sigint_ignored():
    """What hung CI for 30 minutes: ``interrupt_main`` does nothing while SIGINT is ignored."""
    interrupted = [
        "tests/test_hardening.py::test_a_kernel_interrupt_in_the_middle_of_run_keeps_the_image_and_the_history[adam]",
        "tests/test_hardening.py::test_a_kernel_interrupt_in_the_middle_of_run_keeps_the_image_and_the_history[lbfgs]",
        "tests/test_cli.py::test_ctrl_c_saves_the_current_image_and_exits_130",
    ]
    done = _pytest(*interrupted, "-v", cwd=ROOT, ignore_sigint=True, limit=540)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    for test in interrupted:
        assert f"{test} PASSED" in output, output[-3000:]

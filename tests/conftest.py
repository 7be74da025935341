"""What every test of the suite shares: signal handlers left as they were found.

A test that needs Ctrl-C (``_thread.interrupt_main``, a KeyboardInterrupt in the main thread) asks for
``sigint_default``: Python's own handler, installed for the test and the one found put back afterwards.
It must, because ``interrupt_main`` does nothing while SIGINT is ignored, and it is ignored whenever the
suite was started in the background (``bash .ci/run &`` from a script, ``nohup``, a CI runner). Every
test is also checked to leave the SIGINT and SIGTERM handlers as it found them, so that one test cannot
change what a later one gets. Each test has a time limit (``timeout`` in pyproject.toml, pytest-timeout):
a test that loops forever fails instead of holding CI for hours.
"""

from __future__ import annotations

import os
import signal
import tempfile
from collections.abc import Iterator

import pytest

# The checks keep each function that passes (nst_teach.kept_functions) in $NST_TEACH_HOME: never in the home
# of whoever runs the tests. The session has a folder of its own (the kernels and servers that module
# fixtures start inherit it), and each test one more (_kept_functions_of_its_own), so that what one test's
# checks kept never changes what another test's notebook 05 paints with.
os.environ["NST_TEACH_HOME"] = tempfile.mkdtemp(prefix="nst-teach-tests-home-")

#: The handlers no test may leave changed.
GUARDED = (signal.SIGINT, signal.SIGTERM)


@pytest.fixture(autouse=True)
def _signal_handlers_unchanged() -> Iterator[None]:
    found = {signum: signal.getsignal(signum) for signum in GUARDED}
    yield
    changed = [signal.Signals(signum).name for signum, handler in found.items() if signal.getsignal(signum) != handler]
    for signum, handler in found.items():  # put back first, so that the next test starts as this one did
        signal.signal(signum, handler)
    if changed:
        pytest.fail(f"the test left the handler of {', '.join(changed)} changed; restore it in the test", False)


@pytest.fixture(autouse=True)
def _kept_functions_of_its_own(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NST_TEACH_HOME", str(tmp_path_factory.mktemp("nst-teach-home")))


@pytest.fixture
def sigint_default() -> Iterator[None]:
    """Python's own SIGINT handler (KeyboardInterrupt) for the test, whatever the suite was started with."""
    found = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, found)


@pytest.fixture
def nbclient_resets_sigint() -> Iterator[None]:
    """For tests that run a notebook with nbclient in this process: SIGINT's handler put back afterwards.

    nbclient handles Ctrl-C while it sets up a kernel (``loop.add_signal_handler``), and asyncio's
    ``remove_signal_handler`` then leaves Python's default handler, whatever was there before: a suite
    started with SIGINT ignored would have it back. SIGTERM, which asyncio puts back as it found it, stays
    checked as in every test.
    """
    found = signal.getsignal(signal.SIGINT)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, found)

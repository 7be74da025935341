"""What the terminal shows of a server's output: what a student can act on, and nothing else.

:class:`OutputFilter` decides line by line; :func:`nst_teach.servers.serve` writes every line into the log
and the ones it keeps onto the terminal.
"""

from __future__ import annotations

import re

__all__ = ["OutputFilter", "NOISE", "QUIET_WARNINGS"]

# "[I 2026-01-31 12:00:00.000 ServerApp] message": Jupyter's log lines, D(ebug) I(nfo) W(arning) E(rror) C(ritical)
_JUPYTER_RECORD = re.compile(r"^\[(?P<level>[DIWEC]) \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ \S+\]")
# "[Voila] message" (info), "[IPKernelApp] WARNING | message"
_APP_RECORD = re.compile(r"^\[[A-Za-z][\w.-]*\] (?:(?P<level>DEBUG|INFO|WARNING|ERROR|CRITICAL) \| )?")
# "/path/file.py:12: DeprecationWarning: message", then the source line, indented
_PY_WARNING = re.compile(r"^\S.*:\d+: (?P<category>\w+Warning): ")
# TensorFlow's and absl's C++ start-up lines ("2026-01-31 12:00:00.000000: I tensorflow/...", "I0000 00:00:...")
_TF_LOG = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: [IW] |[IW]\d{4} \d\d:\d\d:\d\d)")
_BARE_URL = re.compile(r"^\s*https?://\S+\s*$")

#: Warnings a student cannot act on: the server's security and configuration chatter.
NOISE = (
    "is not trusted",  # a notebook from the course, not signed on this machine
    "running over TCP without encryption",  # the kernel on the same machine
    "websocket_ping_timeout",  # Voila's and JupyterLab's defaults disagree
    "Skipped non-installed server",  # language servers nobody asked for
    "No web browser found",
    "received signal 15, stopping",  # nst-teach says so itself
    "oneDNN custom operations are on",
    "This TensorFlow binary is optimized",
    "All log messages before absl::InitializeLog()",
    "No nbgrader_config.py file found",  # nbgrader's server extension, where a hub installed it
)
QUIET_WARNINGS = {"DeprecationWarning", "PendingDeprecationWarning", "FutureWarning"}


class OutputFilter:
    """Decides, line by line, whether a server's output line reaches the terminal.

    Hidden: information lines (extensions loaded, kernels started, "running at", URLs: nst-teach prints its
    own), deprecation warnings with their source line, and the warnings in :data:`NOISE`. Shown: every other
    warning, every error, tracebacks, and lines it does not recognise (a kernel's ``print`` to stderr, a
    crash). An indented line continues the record above it and is shown with it.

    >>> keep = OutputFilter()
    >>> keep("[I 2026-01-31 12:00:00.000 ServerApp] jupyterlab | extension was successfully loaded.")
    False
    >>> keep("[W 2026-01-31 12:00:01.000 ServerApp] Notebook 00_welcome.ipynb is not trusted")
    False
    >>> keep("[E 2026-01-31 12:00:02.000 ServerApp] Uncaught exception GET /api/kernels")
    True
    >>> keep("    Traceback (most recent call last):")
    True
    """

    def __init__(self) -> None:
        self._shown = True  # whether the record an indented line continues was shown

    def __call__(self, line: str) -> bool:
        text = line.rstrip("\r\n")
        if not text.strip():
            return False
        if text[0].isspace() and not _BARE_URL.match(text):
            return self._shown
        self._shown = self._keep(text)
        return self._shown

    @staticmethod
    def _keep(text: str) -> bool:
        if any(noise in text for noise in NOISE) or _BARE_URL.match(text) or _TF_LOG.match(text):
            return False
        record = _JUPYTER_RECORD.match(text)
        if record:
            return record["level"] in "WEC"
        warning = _PY_WARNING.match(text)
        if warning:
            return warning["category"] not in QUIET_WARNINGS
        record = _APP_RECORD.match(text)
        if record:
            return record["level"] in {"WARNING", "ERROR", "CRITICAL"}
        return True

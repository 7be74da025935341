"""What a notebook's first cell sets up in its kernel: Colab, and nst-teach's errors shown as one red line.

Introduced in ``notebooks/00_welcome.ipynb``.
"""

from __future__ import annotations

import html
import sys
from typing import Any

from ..errors import NSTError

__all__ = ["in_colab", "friendly_errors"]


def in_colab() -> bool:
    """True inside Google Colab."""
    return "google.colab" in sys.modules


def friendly_errors(ip: Any = None) -> bool:
    """Shows nst-teach's own errors in a notebook as one red line, not a traceback wall.

    An :class:`~nst_teach.errors.NSTError` says what was wrong and what to do; the
    forty lines of TensorFlow/Python frames above it only hide that.  Other
    exceptions (bugs in a student's own code) keep their full traceback.

    Args:
        ip: the IPython shell (default: the running one).

    Returns:
        True if installed (inside IPython), False elsewhere.

    Introduced in ``notebooks/00_welcome.ipynb``.
    """
    if ip is None:
        try:
            from IPython import get_ipython
        except ImportError:  # pragma: no cover - IPython is a Jupyter dependency
            return False
        ip = get_ipython()
    if ip is None:
        return False

    def show(shell: Any, etype: type, value: BaseException, tb: Any, tb_offset: Any = None) -> None:
        from IPython.display import HTML, display

        display(
            HTML(
                '<div style="border-left:4px solid #c0392b;background:#fdecea;padding:6px 10px;font-family:sans-serif">'
                f"<b>{html.escape(etype.__name__)}</b>: {html.escape(str(value))}</div>"
            )
        )
        return None

    ip.set_custom_exc((NSTError,), show)
    return True

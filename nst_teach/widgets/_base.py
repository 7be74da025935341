"""What every widget shares: pictures as PNG bytes, the text it shows, safe clicks, reading an image argument.

A widget here is an object with a ``root`` box (what Jupyter displays) and one
HTML box where it says things: the status line of the picker, the dashboard
and the preview grid (read back as ``status``), or the numbers of an explorer
(read back as ``text``).  Both are written by :meth:`_Widget._set_status`, so
every message looks the same: colored by its level, with ✔ ⚠ ✘ in front.
"""

from __future__ import annotations

import html
import io
import math
from collections.abc import Callable, Sequence
from typing import Any

import ipywidgets as widgets
import numpy as np
import traitlets

from .. import classroom, images
from ..errors import ImageError, LayerError, OptionError
from ..layers import layer_name
from ..validate import is_batch

# ----------------------------------------------------------------------------------------------
# Pictures and text for the page
# ----------------------------------------------------------------------------------------------


class _Titled(traitlets.HasTraits):
    """Mixed into a widget without a ``description`` (a picture, a box): its ``tooltip`` then reaches the page.

    ipywidgets 8.1's front end puts a widget's ``tooltip`` on the page (the element's ``title``: shown on
    hover, read by screen readers) only when the widget's model has an empty ``description``, and fails
    to draw a widget whose model has none at all, such as an ``Image`` or a ``GridBox``, once a tooltip is
    set ("Click to show javascript error", jupyter-widgets/ipywidgets#3860).  These models have one, empty.
    """

    description = traitlets.Unicode("", help="Empty: the front end looks for it to show the tooltip").tag(sync=True)


class _Picture(_Titled, widgets.Image):
    """An ``Image`` widget whose ``tooltip`` says what it shows, in words (an ``Image`` has no ``alt``)."""


class _TitledGridBox(_Titled, widgets.GridBox):
    """A ``GridBox`` with a ``tooltip`` that the page shows."""


def _hide_when_empty(image: widgets.Image) -> None:
    """Keeps an Image widget out of the page while it has no picture (no broken-image icon)."""

    def follow(_: Any = None) -> None:
        image.layout.display = None if image.value else "none"

    follow()
    image.observe(follow, "value")


def _png(rgb: np.ndarray) -> bytes:
    """A uint8 RGB array as PNG bytes (what an ``ipywidgets.Image`` shows)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgb)).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def _figure_png(fig: Any) -> bytes:
    """A matplotlib figure as PNG bytes; the figure is emptied afterwards."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    fig.clear()
    return buffer.getvalue()


def _placeholder(size: tuple[int, int]) -> bytes:
    """A light grey PNG of ``size`` = (width, height): "nothing here yet"."""
    width, height = size
    return _png(np.full((max(1, height), max(1, width), 3), 225, np.uint8))


def _fmt(x: float) -> str:
    """A number with 4 significant digits, as the widgets show it."""
    return f"{x:.4g}"


def _duration(seconds: float) -> str:
    """``75.2`` -> ``'1 min 15 s'``; ``'?'`` for a time not known yet."""
    if not math.isfinite(seconds):
        return "?"
    seconds = max(0, round(seconds))
    minutes, secs = divmod(seconds, 60)
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


def _status_html(text: str, level: str = "info") -> str:
    """``text`` as one status message: colored by ``level`` ("info", "ok", "warn", "error")."""
    color = {"info": "#333333", "ok": "#1a7f37", "warn": "#9a6700", "error": "#b42318"}[level]
    icon = {"info": "", "ok": "✔ ", "warn": "⚠ ", "error": "✘ "}[level]
    body = html.escape(text).replace("\n", "<br>")
    return f"<div style='color:{color};font-family:monospace;white-space:pre-wrap'>{icon}{body}</div>"


def _lines_html(lines: Sequence[str]) -> str:
    """Lines of numbers, aligned as they were written."""
    return "<pre style='margin:0;line-height:1.35'>" + html.escape("\n".join(lines)) + "</pre>"


# ----------------------------------------------------------------------------------------------
# The widget bases
# ----------------------------------------------------------------------------------------------


class _Widget:
    """Something shown through its ``root`` box, that says things in one HTML box (``_text_widget``)."""

    root: widgets.Box
    _text_widget: widgets.HTML
    _text = ""

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.root._repr_mimebundle_(**kwargs)

    def _set_status(self, text: str, level: str = "info") -> None:
        """Shows ``text`` in that box as one message of ``level`` ("info", "ok", "warn", "error")."""
        self._text = text
        self._text_widget.value = _status_html(text, level)


class _StatusLine(_Widget):
    """A widget with a status line: ``status_widget`` shows it, ``status`` reads it as plain text."""

    status_widget: widgets.HTML

    @property
    def status(self) -> str:
        """The status line as plain text (what happened, or what went wrong)."""
        return self._text

    def _make_status_line(self) -> widgets.HTML:
        """Creates ``status_widget``, the box :meth:`_set_status` writes to."""
        self.status_widget = self._text_widget = widgets.HTML()
        return self.status_widget


class _Explorer(_Widget):
    """A widget whose numbers are shown in one HTML box (``_text_widget``) and readable as ``text``."""

    @property
    def text(self) -> str:
        """What the box says, as plain text."""
        return self._text

    def _show_lines(self, lines: list[str]) -> None:
        self._text = "\n".join(lines)
        self._text_widget.value = _lines_html(lines)


def _safe(owner: _Widget, method: Callable[[], Any]) -> Callable[[Any], None]:
    """A button callback that calls ``method`` and shows any error in ``owner``'s status line."""

    def callback(_: Any = None) -> None:
        try:
            method()
        except Exception as exc:  # noqa: BLE001 - a click never raises into the browser
            owner._set_status(classroom.error_line(exc), "error")  # in the classroom app: one line, the log the rest

    return callback


# ----------------------------------------------------------------------------------------------
# Image and layer arguments
# ----------------------------------------------------------------------------------------------


def _read(src: Any, what: str) -> np.ndarray:
    """An image given as a path, URL or array: uint8 RGB, or a float batch as is."""
    if hasattr(src, "numpy") and not isinstance(src, np.ndarray):  # a TensorFlow tensor or variable
        src = np.asarray(src)
    if is_batch(src):
        return np.asarray(src, np.float32)
    try:
        return images.read_image(src)
    except ImageError as exc:
        raise type(exc)(f"{what}: {exc}") from exc


def _batch_at(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """The preprocessed (1, H, W, 3) batch of ``image`` (RGB or a batch) at ``size``."""
    if is_batch(image):
        return images.resize_to(image, size)
    return images.preprocess(image, size)


def _layer_option(layer: Any, what: str, choices: Sequence[str]) -> str:
    """The name of ``layer`` (a name or an index) if it is one of ``choices``, else an OptionError naming ``what``."""
    try:
        name = layer_name(layer)
    except LayerError as exc:
        raise OptionError(f"{what}: {exc}") from None
    if name not in choices:
        raise OptionError(f"{what} = {layer!r} cannot be shown here; choose one of {', '.join(choices)}.")
    return name

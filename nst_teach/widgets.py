"""Interactive ipywidgets for the notebooks: pick images, look inside VGG-19, run style transfer live.

Five widgets, one per notebook that introduces it:

* :class:`ImagePicker` (``notebooks/01_images.ipynb``) — a bundled sample, an
  uploaded file or a web address, and what :func:`nst_teach.images.preprocess`
  does to it.
* :class:`LayerExplorer` (``notebooks/02_vgg19.ipynb``) — the VGG-19 layer table,
  one layer's feature maps and their statistics.
* :class:`GramExplorer` (``notebooks/04_gram_and_style_cost.ipynb``) — Gram
  matrices and the parts of one layer's style cost.
* :class:`StyleTransferDashboard` (``notebooks/05_style_transfer_live.ipynb``) —
  every option of :class:`nst_teach.engine.StyleTransfer` as a control, Start /
  Pause / Stop / Reset / Save, and live pictures.
* :class:`PreviewGrid` (``notebooks/06_experiments.ipynb``) — small, quick runs
  across a range of one setting, side by side.

How the live widgets stay responsive
------------------------------------
The optimisation runs as an :mod:`asyncio` task on the event loop that is
already running: the Jupyter kernel's (Colab's too).  The task pulls one
iteration at a time from :meth:`StyleTransfer.steps` and then ``await``-s, so
the kernel handles button clicks and slider moves between iterations; the cell
that started the run returns at once.  The optimisation loop itself displays
nothing: the widget observes it.  In a plain Python script there is no running
loop; call :meth:`StyleTransferDashboard.start` from inside a coroutine run by
``asyncio.run(...)`` (the tests do this), or use :meth:`StyleTransfer.run`.

At most one dashboard or preview grid runs at a time: starting one stops the
others, and creating a new dashboard (re-running its cell) stops the old one.
:func:`running` lists what is running and :func:`stop_all` stops it.

Every widget works from Python alone (``button.click()``, ``slider.value = ...``),
so the tests drive them without a browser.  Each one displays itself when it
ends a cell (its ``root`` box is what is shown).

On Colab, ipywidgets 8 needs ``from google.colab import output;
output.enable_custom_widget_manager()`` once per session.
"""

from __future__ import annotations

import asyncio
import datetime
import difflib
import html
import io
import itertools
import math
import os
import tempfile
import time
import warnings
import weakref
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import numpy as np
import traitlets

from . import images
from .defaults import IMG_SIZE, VGG_MEANS_BGR
from .errors import ImageError, NSTError, OptionError
from .layers import VGG19_LAYERS, layer_name, layer_table

__all__ = [
    "ImagePicker",
    "LayerExplorer",
    "GramExplorer",
    "StyleTransferDashboard",
    "PreviewGrid",
    "running",
    "stop_all",
]

#: The convolution layers: the layers a style cost can use.
CONV_LAYERS: tuple[str, ...] = tuple(layer.name for layer in VGG19_LAYERS if layer.kind == "conv")

#: Image sizes offered by the dashboard, as (width, height).
SIZES: tuple[tuple[int, int], ...] = ((400, 300), (320, 240), (256, 192), (200, 150), (128, 96))

#: The size of a :class:`PreviewGrid` thumbnail, as (width, height).
PREVIEW_SIZE: tuple[int, int] = (96, 72)

_PNG_MAGIC = b"\x89PNG"


# ----------------------------------------------------------------------------------------------
# Small helpers
# ----------------------------------------------------------------------------------------------


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
    if not math.isfinite(seconds):
        return "?"
    seconds = max(0, round(seconds))
    minutes, secs = divmod(seconds, 60)
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


def _status_html(text: str, level: str = "info") -> str:
    colour = {"info": "#333333", "ok": "#1a7f37", "warn": "#9a6700", "error": "#b42318"}[level]
    icon = {"info": "", "ok": "✔ ", "warn": "⚠ ", "error": "✘ "}[level]
    body = html.escape(text).replace("\n", "<br>")
    return f"<div style='color:{colour};font-family:monospace;white-space:pre-wrap'>{icon}{body}</div>"


def _lines_html(lines: Sequence[str]) -> str:
    return "<pre style='margin:0;line-height:1.35'>" + html.escape("\n".join(lines)) + "</pre>"


def _check_size(size: Any, what: str = "size") -> tuple[int, int]:
    """``size`` as (width, height), or an OptionError naming it."""
    if (
        isinstance(size, (tuple, list))
        and len(size) == 2
        and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in size)
        and min(size) >= images.MIN_SIDE
    ):
        return int(size[0]), int(size[1])
    raise OptionError(
        f"{what} must be (width, height) in pixels, both at least {images.MIN_SIDE}, e.g. {IMG_SIZE}; got {size!r}."
    )


def _is_batch(x: Any) -> bool:
    """True for an already preprocessed (1, H, W, 3) float batch."""
    return isinstance(x, np.ndarray) and np.issubdtype(x.dtype, np.floating) and x.ndim == 4


def _read(src: Any, what: str) -> np.ndarray:
    """An image given as a path, URL or array: uint8 RGB, or a float batch as is."""
    if hasattr(src, "numpy") and not isinstance(src, np.ndarray):  # a TensorFlow tensor or variable
        src = np.asarray(src)
    if _is_batch(src):
        return np.asarray(src, np.float32)
    try:
        return images.read_image(src)
    except ImageError as exc:
        raise type(exc)(f"{what}: {exc}") from exc


def _batch_at(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """The preprocessed (1, H, W, 3) batch of ``image`` (RGB or a batch) at ``size``."""
    if _is_batch(image):
        return images.resize_to(image, size)
    return images.preprocess(image, size)


def _value_of(source: Any, what: str) -> np.ndarray:
    """The image of ``source``: an :class:`ImagePicker`'s current value, or the image itself."""
    if isinstance(source, ImagePicker):
        if source.value is None:
            raise OptionError(
                f"{what}: the ImagePicker has no image yet; choose a sample, upload a file or load a URL."
            )
        return source.value
    return source


def _inputs_on_disk(*sources: Any) -> list[Any]:
    """The inputs that may be files on disk: paths (not URLs) and ImagePickers (whose file is known at Save)."""
    found = []
    for source in sources:
        for item in source if isinstance(source, (list, tuple)) else [source]:
            if isinstance(item, ImagePicker) or (isinstance(item, (str, os.PathLike)) and "://" not in str(item)):
                found.append(item)
    return found


def _refuse_overwriting_an_input(target: Path, inputs: Sequence[Any]) -> None:
    """Raises OptionError if ``target`` is the same file as one of the input images."""
    if not target.exists():
        return
    for item in inputs:
        name = item.source if isinstance(item, ImagePicker) else item  # a picker: where its image came from
        if name and isinstance(name, (str, os.PathLike)) and os.path.isfile(name) and os.path.samefile(name, target):
            raise OptionError(f"Save: {target} is one of the input images and saving would overwrite it; "
                              "choose another file name.")


def _layer_option(layer: Any, what: str, choices: Sequence[str]) -> str:
    from .errors import LayerError

    try:
        name = layer_name(layer)
    except LayerError as exc:
        raise OptionError(f"{what}: {exc}") from None
    if name not in choices:
        raise OptionError(f"{what} = {layer!r} cannot be shown here; choose one of {', '.join(choices)}.")
    return name


def _same(a: Any, b: Any) -> bool:
    """Whether two option values are the same (arrays: the same object)."""
    if a is b:
        return True
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return False
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001 - values that cannot be compared are different
        return False


# ----------------------------------------------------------------------------------------------
# Running on the event loop, one run at a time
# ----------------------------------------------------------------------------------------------

#: Dashboards and preview grids that are running now (weak: a forgotten widget is not kept alive).
_RUNNING: weakref.WeakSet[Any] = weakref.WeakSet()


def running() -> list[Any]:
    """Returns the dashboards and preview grids that are running (or paused) now.

    Introduced in ``notebooks/05_style_transfer_live.ipynb``.
    """
    return [runner for runner in list(_RUNNING) if runner.running]


def stop_all() -> int:
    """Stops every running dashboard and preview grid; returns how many were stopped.

    Introduced in ``notebooks/05_style_transfer_live.ipynb``.
    """
    runners = running()
    for runner in runners:
        runner.stop()
    return len(runners)


def _running_loop() -> asyncio.AbstractEventLoop:
    """The event loop the run will use: the running one (Jupyter's kernel, or ``asyncio.run``)."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        pass
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            loop = asyncio.get_event_loop()
        except RuntimeError:
            loop = None
    if loop is not None and loop.is_running():  # some older kernels run the loop without marking it current
        return loop
    raise NSTError(
        "start() needs a running asyncio event loop to run in the background. In Jupyter and Colab the "
        "kernel's loop is used automatically; in a plain Python script call start() inside a coroutine "
        "run with asyncio.run(...), or use StyleTransfer(...).run() instead."
    )


class _Widget:
    """Something shown through its ``root`` box."""

    root: widgets.Box

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.root._repr_mimebundle_(**kwargs)


class _Explorer(_Widget):
    """A widget whose numbers are shown in one HTML panel (``_text_widget``) and readable as ``text``."""

    _text = ""
    _text_widget: widgets.HTML

    @property
    def text(self) -> str:
        """What the panel says, as plain text."""
        return self._text

    def _set_status(self, text: str, level: str = "info") -> None:
        self._text = text
        self._text_widget.value = _status_html(text, level)

    def _show_lines(self, lines: list[str]) -> None:
        self._text = "\n".join(lines)
        self._text_widget.value = _lines_html(lines)


def _safe(owner: Any, method: Callable[[], Any]) -> Callable[[Any], None]:
    """A button callback that calls ``method`` and shows any error in ``owner``'s status line."""

    def callback(_: Any = None) -> None:
        try:
            method()
        except Exception as exc:  # noqa: BLE001 - a click never raises into the browser
            owner._set_status(f"{type(exc).__name__}: {exc}" if not isinstance(exc, NSTError) else str(exc), "error")

    return callback


# ----------------------------------------------------------------------------------------------
# ImagePicker
# ----------------------------------------------------------------------------------------------


class ImagePicker(traitlets.HasTraits, _Widget):
    """Choose an image: a bundled sample, an uploaded file, or a web address (or file path).

    Shows what the network will see: the image resized to ``size``, its three
    BGR channels after the ImageNet means are subtracted, and the numbers of
    each step (:func:`nst_teach.images.preprocess`).  Errors (a file that is
    not an image, an address that cannot be reached) appear in the status line;
    the previous image stays chosen.

    Args:
        kind: ``"content"``, ``"style"`` or None: which bundled samples to offer.
        sample: the sample chosen at first (default: the first of ``kind``); None for none.
        size: (width, height) the preview is preprocessed to.
        thumbnails: show a row of clickable sample thumbnails.

    Attributes:
        value: the chosen image, uint8 RGB ``(H, W, 3)`` (a traitlet: ``picker.observe(f, "value")``).
        source: where ``value`` came from (``"sample 'swirls'"``, a file name, a URL).
        sample, upload, url, load_button: the controls; ``preview`` (Image) and ``stats`` (HTML) the outputs.

    Introduced in ``notebooks/01_images.ipynb``.

    >>> picker = ImagePicker("style", sample="mosaic", thumbnails=False)  # doctest: +SKIP
    >>> picker.value.shape                                                 # doctest: +SKIP
    (384, 512, 3)
    """

    value = traitlets.Any(None, allow_none=True)

    def __init__(
        self,
        kind: str | None = None,
        sample: str | None = "",
        *,
        size: tuple[int, int] = IMG_SIZE,
        thumbnails: bool = True,
    ) -> None:
        super().__init__()
        from .samples import sample_names, thumbnail

        names = sample_names(kind)
        if sample == "":
            sample = names[0] if names else None
        if sample is not None and sample not in names:
            close = difflib.get_close_matches(str(sample), names, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise OptionError(f"sample = {sample!r} is not a bundled {kind or ''} sample.{hint} Choose one of {names}.")
        self.size = _check_size(size) if size is not None else None
        self.source: str | None = None

        self.sample = widgets.Dropdown(
            options=[("—", None), *[(n, n) for n in names]], value=None, description="Sample"
        )
        self.thumb_buttons: dict[str, widgets.Button] = {}
        thumbs = []
        if thumbnails:
            for name in names:
                button = widgets.Button(description=name, layout=widgets.Layout(width="96px"))
                button.on_click(lambda _, n=name: setattr(self.sample, "value", n))
                self.thumb_buttons[name] = button
                image = widgets.Image(value=thumbnail(name, 80), format="png", layout=widgets.Layout(width="96px"))
                thumbs.append(widgets.VBox([image, button]))
        self.upload = widgets.FileUpload(accept="image/*", multiple=False, description="Upload")
        self.url = widgets.Text(
            placeholder="https://… or a file path", description="URL", layout=widgets.Layout(width="420px")
        )
        self.load_button = widgets.Button(description="Load", tooltip="read the image at this address or path")
        self.status_widget = widgets.HTML()
        self.preview = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self.stats = widgets.HTML()
        self._status = ""

        self.sample.observe(self._on_sample, "value")
        self.upload.observe(self._on_upload, "value")
        self.load_button.on_click(_safe(self, self.load_url))

        self.root = widgets.VBox([
            widgets.HBox(thumbs, layout=widgets.Layout(flex_flow="row wrap")),
            widgets.HBox([self.sample, self.upload]),
            widgets.HBox([self.url, self.load_button]),
            self.status_widget,
            self.preview,
            self.stats,
        ])
        if sample is not None:
            self.sample.value = sample

    # -- what the picker says ----------------------------------------------------------------

    @property
    def status(self) -> str:
        """The status line as plain text (what was loaded, or what went wrong)."""
        return self._status

    def _set_status(self, text: str, level: str = "info") -> None:
        self._status = text
        self.status_widget.value = _status_html(text, level)

    def on_change(self, callback: Callable[[np.ndarray], Any]) -> None:
        """Calls ``callback(image)`` each time a new image is chosen."""
        self.observe(lambda change: callback(change["new"]), "value")

    @property
    def preprocessed(self) -> np.ndarray | None:
        """The chosen image as VGG-19 sees it: float32 ``(1, H, W, 3)``, BGR minus means (or None)."""
        return None if self.value is None else images.preprocess(self.value, self.size)

    # -- the three ways in ---------------------------------------------------------------------

    def _on_sample(self, change: Mapping[str, Any]) -> None:
        name = change["new"]
        if name is None:
            return
        from .samples import load_sample

        try:
            self._choose(load_sample(name), f"sample {name!r}")
        except NSTError as exc:
            self._set_status(f"Cannot load the sample {name!r}: {exc}", "error")

    def _on_upload(self, change: Mapping[str, Any]) -> None:
        files = change["new"]
        if not files:
            return
        item = files[0]
        try:
            self.load_bytes(bytes(item["content"]), str(item.get("name") or "upload"))
        finally:
            self.upload.value = ()  # so that the same file can be uploaded again

    def load_bytes(self, data: bytes, name: str = "upload") -> np.ndarray | None:
        """Reads an uploaded file's bytes (via :func:`nst_teach.images.read_image`) and chooses it.

        Args:
            data: the file's content.
            name: the file's name (its extension helps; shown in messages).

        Returns:
            The image, or None if it could not be read (the status line says why).
        """
        safe_name = "".join(c if c.isalnum() or c in "._-" else "_" for c in Path(name).name) or "upload"
        with tempfile.TemporaryDirectory(prefix="nst-teach-upload-") as folder:
            path = Path(folder) / safe_name
            path.write_bytes(data)
            try:
                rgb = images.read_image(path)
            except NSTError as exc:
                message = str(exc).replace(f"'{path}'", f"the uploaded file {name!r}").replace(str(path), name)
                self._set_status(f"Cannot use the upload: {message}", "error")
                return None
        self._choose(rgb, f"upload {name!r}")
        return rgb

    def load_url(self, url: str | None = None) -> np.ndarray | None:
        """Reads the image at ``url`` (default: the URL box) and chooses it.

        Returns:
            The image, or None if it could not be read (the status line says why).
        """
        url = (self.url.value if url is None else url).strip()
        if not url:
            self._set_status("Type an http(s) address (or a file path) in the URL box first.", "warn")
            return None
        self._set_status(f"Loading {url} …")
        try:
            rgb = images.read_image(url)
        except (NSTError, OSError) as exc:
            self._set_status(f"Cannot load {url}: {exc}", "error")
            return None
        self._choose(rgb, url)
        return rgb

    # -- showing the choice --------------------------------------------------------------------

    def _choose(self, rgb: np.ndarray, source: str) -> None:
        try:
            self._show(rgb)
        except NSTError as exc:
            self._set_status(f"Cannot use {source}: {exc}", "error")
            return
        self.source = source
        self.value = rgb
        h, w = rgb.shape[:2]
        self._set_status(f"Using {source}: {w}×{h} pixels.", "ok")

    def _show(self, rgb: np.ndarray) -> None:
        from matplotlib.figure import Figure

        x = images.preprocess(rgb, self.size)
        shown = images.to_rgb(x)
        fig = Figure(figsize=(12.0, 2.6), dpi=80, layout="constrained")
        axes = fig.subplots(1, 4)
        axes[0].imshow(shown)
        axes[0].set_title(f"RGB, resized to {x.shape[2]}×{x.shape[1]}")
        im = None
        for ax, c, name in zip(axes[1:], range(3), "BGR"):
            im = ax.imshow(x[0, :, :, c], cmap="RdBu_r", vmin=-128, vmax=128)
            ax.set_title(f"{name} − {VGG_MEANS_BGR[c]:g}")
        for ax in axes:
            ax.set_axis_off()
        fig.colorbar(im, ax=axes[1:], shrink=0.8)
        self.preview.value = _figure_png(fig)

        h, w = rgb.shape[:2]
        lines = [
            f"read:        {h}×{w}×3 uint8, RGB order",
            f"preprocess:  RGB → BGR, resize to {x.shape[2]}×{x.shape[1]} (bicubic), float32, "
            f"subtract the ImageNet means, add a batch axis → {x.shape}",
            "",
            "channel   ImageNet mean   mean before   mean after   min after   max after",
        ]
        resized = x[0] + np.array(VGG_MEANS_BGR, np.float32)
        for c, name in enumerate("BGR"):
            after = x[0, :, :, c].astype(np.float64)
            lines.append(
                f"{name:<9} {VGG_MEANS_BGR[c]:>13.3f}   {resized[..., c].astype(np.float64).mean():>11.3f}"
                f"   {after.mean():>10.3f}   {after.min():>9.3f}   {after.max():>9.3f}"
            )
        self.stats.value = _lines_html(lines)


# ----------------------------------------------------------------------------------------------
# LayerExplorer
# ----------------------------------------------------------------------------------------------


def _layer_record(name: str) -> Any:
    return next(layer for layer in VGG19_LAYERS if layer.name == name)


class _ImageInput:
    """An explorer's input image: fixed, or following an :class:`ImagePicker`."""

    def __init__(self, source: Any, what: str, on_change: Callable[[], None]) -> None:
        self.what = what
        self.source = source
        if isinstance(source, ImagePicker):
            source.observe(lambda _: on_change(), "value")
            self._fixed = None
        else:
            self._fixed = _read(source, what)

    def get(self) -> np.ndarray:
        return _value_of(self.source, self.what) if self._fixed is None else self._fixed


class LayerExplorer(_Explorer):
    """What one VGG-19 layer sees: its feature maps and their statistics.

    Shows the layer table (:func:`nst_teach.layers.layer_table`), a layer
    dropdown, and either the ``top_k`` most active channels or one channel
    (:func:`nst_teach.viz.feature_maps`), with the activation's shape, its
    receptive field, and its mean, maximum and fraction of zeros (the ReLU sets
    every negative sum to 0).

    Args:
        image: the image (path, URL, array, preprocessed batch) or an :class:`ImagePicker` to follow.
        layer: the layer shown at first (name or index).
        size: (width, height) the image is preprocessed to.
        top_k: how many channels to show at first.
        weights, pooling, precision: as for :func:`nst_teach.model.build_extractor`.

    Attributes:
        layer (Dropdown), mode (ToggleButtons "top"/"one"), top_k (IntSlider), channel (IntSlider):
            the controls; image_widget (Image), stats_widget (HTML), table (HTML): the outputs.
        activations: the current layer's activations, float32 ``(1, n_H, n_W, n_C)``.
        stats: the numbers shown, as a dict; ``text`` the statistics as plain text.

    Introduced in ``notebooks/02_vgg19.ipynb``.
    """

    def __init__(
        self,
        image: Any,
        *,
        layer: Any = "block1_conv1",
        size: tuple[int, int] = IMG_SIZE,
        top_k: int = 16,
        weights: Any = "auto",
        pooling: str = "avg",
        precision: str = "float32",
    ) -> None:
        choices = [layer.name for layer in VGG19_LAYERS[1:]]
        first = _layer_option(layer, "layer", choices)
        if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1:
            raise OptionError(f"top_k must be a whole number >= 1, got {top_k!r}.")
        self.size = _check_size(size)
        self._build = {"weights": weights, "pooling": pooling, "precision": precision}
        self._input = _ImageInput(image, "image", self._recompute)
        self.stats: dict[str, Any] = {}
        self.activations: np.ndarray | None = None

        self.table = widgets.HTML(layer_table(self.size)._repr_html_())
        self.layer = widgets.Dropdown(
            options=[(f"{r.index:>2}  {r.name}", r.name) for r in VGG19_LAYERS[1:]], value=first, description="Layer"
        )
        self.mode = widgets.ToggleButtons(options=[("top-k channels", "top"), ("one channel", "one")], value="top")
        self.top_k = widgets.IntSlider(value=min(top_k, 64), min=1, max=64, description="top k")
        self.channel = widgets.IntSlider(value=0, min=0, max=_layer_record(first).channels - 1, description="channel")
        self.image_widget = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self.stats_widget = widgets.HTML()
        self._text_widget = self.stats_widget
        self.weights_widget = widgets.HTML()

        self.layer.observe(lambda _: self._recompute(), "value")
        for control in (self.mode, self.top_k, self.channel):
            control.observe(lambda _: self._redraw(), "value")

        table = widgets.Accordion(children=[self.table], titles=("VGG-19 layers",))
        table.selected_index = 0
        self.root = widgets.VBox([
            table,
            widgets.HBox([self.layer, self.mode]),
            widgets.HBox([self.top_k, self.channel]),
            self.stats_widget,
            self.image_widget,
            self.weights_widget,
        ])
        self._recompute()


    def _recompute(self) -> None:
        """Runs VGG-19 up to the chosen layer on the image."""
        from .model import build_extractor

        name = self.layer.value
        try:
            batch = _batch_at(self._input.get(), self.size)
            extractor = build_extractor([name], **self._build)
            self.activations = np.asarray(extractor(batch)[name], np.float32)
        except NSTError as exc:
            self.activations = None
            self._set_status(f"Cannot compute {name}: {exc}", "error")
            return
        self.weights_widget.value = _status_html(f"weights: {extractor.weights.detail}",
                                                 "info" if extractor.weights.is_pretrained else "warn")
        n_c = self.activations.shape[-1]
        with self.channel.hold_trait_notifications():
            self.channel.max = n_c - 1
            self.channel.value = min(self.channel.value, n_c - 1)
        self._redraw()

    def _redraw(self) -> None:
        """Draws the feature maps and writes the statistics of the current activations."""
        from . import viz

        a = self.activations
        if a is None:
            return
        record = _layer_record(self.layer.value)
        values = a.astype(np.float64)
        _, n_h, n_w, n_c = a.shape
        stats: dict[str, Any] = {
            "layer": record.name, "index": record.index, "kind": record.kind, "shape": tuple(a.shape),
            "receptive_field": record.receptive_field, "scale": record.scale,
            "mean": float(values.mean()), "max": float(values.max()), "zeros": float(np.mean(values == 0)),
        }
        lines = [
            f"{record.name} (index {record.index}, {record.kind}): activations {a.shape[0]}×{n_h}×{n_w}×{n_c}"
            "  (batch × n_H × n_W × n_C)",
            f"receptive field {record.receptive_field}×{record.receptive_field} input pixels; "
            f"neighbouring activations are {record.scale} input pixel(s) apart",
            f"whole layer:  mean {_fmt(stats['mean'])}   max {_fmt(stats['max'])}   "
            f"zeros {100 * stats['zeros']:.1f}%"
            + ("  (the ReLU sets negative sums to 0)" if record.kind == "conv" else ""),
        ]
        if self.mode.value == "one":
            c = min(self.channel.value, n_c - 1)
            channel = values[..., c]
            stats.update(channel=c, channel_mean=float(channel.mean()), channel_max=float(channel.max()),
                         channel_zeros=float(np.mean(channel == 0)))
            lines.append(
                f"channel {c}:  mean {_fmt(stats['channel_mean'])}   max {_fmt(stats['channel_max'])}   "
                f"zeros {100 * stats['channel_zeros']:.1f}%"
            )
            fig = viz.feature_maps(a, record.name, channels=[c])
        else:
            k = min(self.top_k.value, n_c)
            fig = viz.feature_maps(a, record.name, top_k=k)
            order = np.argsort(-values.mean(axis=(0, 1, 2)), kind="stable")[:k]
            stats["channels"] = [int(c) for c in order]
            lines.append(f"the {k} most active channels (largest mean first): {', '.join(map(str, stats['channels']))}")
        self.stats = stats
        self._show_lines(lines)
        self.image_widget.value = _figure_png(fig)


# ----------------------------------------------------------------------------------------------
# GramExplorer
# ----------------------------------------------------------------------------------------------


class GramExplorer(_Explorer):
    r"""Gram matrices of a style image (and a generated one), and what one layer's style cost is made of.

    For the chosen layer it shows :math:`G^{(S)}`, :math:`G^{(G)}` and their
    difference (:func:`nst_teach.viz.gram_heatmaps`) and the cost

    .. math:: J^{[l]}_{style} = \frac{\sum_{i,j} (G^{(S)}_{ij} - G^{(G)}_{ij})^2}{4\, n_C^2\, (n_H n_W)^2}

    term by term: ``n_C``, ``n_H·n_W``, the normalisation, the sum of squared
    differences and their ratio (the same number as
    :func:`nst_teach.costs.layer_style_cost`).

    Args:
        style: the style image (path, URL, array, batch, or an :class:`ImagePicker` to follow).
        generated: the image to compare with (same forms), or None to see the style's Gram matrix only.
        layer: the layer shown at first.
        size: (width, height) both images are preprocessed to (so ``n_H·n_W`` is the same).
        log: start with a logarithmic colour scale.
        weights, pooling, precision: as for :func:`nst_teach.model.build_extractor`.

    Attributes:
        layer (Dropdown), log (Checkbox): the controls; image_widget (Image), cost_widget (HTML): the outputs.
        a_style, a_generated: the activations at the current layer (``a_generated`` None without ``generated``).
        terms: ``{"n_C", "n_HW", "normalisation", "sum_sq", "cost"}``; ``text`` the same as plain text.

    Introduced in ``notebooks/04_gram_and_style_cost.ipynb``.
    """

    def __init__(
        self,
        style: Any,
        generated: Any = None,
        *,
        layer: Any = "block1_conv1",
        size: tuple[int, int] = IMG_SIZE,
        log: bool = False,
        weights: Any = "auto",
        pooling: str = "avg",
        precision: str = "float32",
    ) -> None:
        first = _layer_option(layer, "layer", CONV_LAYERS)
        self.size = _check_size(size)
        self._build = {"weights": weights, "pooling": pooling, "precision": precision}
        self._style = _ImageInput(style, "style", self._recompute)
        self._generated = None if generated is None else _ImageInput(generated, "generated", self._recompute)
        self.a_style: np.ndarray | None = None
        self.a_generated: np.ndarray | None = None
        self.terms: dict[str, Any] = {}

        self.layer = widgets.Dropdown(options=list(CONV_LAYERS), value=first, description="Layer")
        self.log = widgets.Checkbox(value=bool(log), description="log colour scale")
        self.image_widget = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self.cost_widget = widgets.HTML()
        self._text_widget = self.cost_widget
        self.layer.observe(lambda _: self._recompute(), "value")
        self.log.observe(lambda _: self._redraw(), "value")
        self.root = widgets.VBox([widgets.HBox([self.layer, self.log]), self.image_widget, self.cost_widget])
        self._recompute()


    def _recompute(self) -> None:
        from .model import build_extractor

        name = self.layer.value
        try:
            batches = [_batch_at(self._style.get(), self.size)]
            if self._generated is not None:
                batches.append(_batch_at(self._generated.get(), self.size))
            extractor = build_extractor([name], **self._build)
            acts = np.asarray(extractor(np.concatenate(batches, axis=0))[name], np.float32)
        except NSTError as exc:
            self.a_style = self.a_generated = None
            self._set_status(f"Cannot compute {name}: {exc}", "error")
            return
        self.a_style = acts[:1]
        self.a_generated = acts[1:] if self._generated is not None else None
        self._redraw()

    def _redraw(self) -> None:
        from . import viz
        from .costs import gram_matrix

        if self.a_style is None:
            return
        name = self.layer.value
        _, n_h, n_w, n_c = self.a_style.shape
        n_hw = n_h * n_w
        normalisation = 4 * n_c**2 * n_hw**2
        terms: dict[str, Any] = {"n_C": n_c, "n_HW": n_hw, "normalisation": float(normalisation)}
        lines = [
            f"{name}:  J_style[l] = Σ_ij (G_S − G_G)² / (4 · n_C² · (n_H·n_W)²)",
            f"n_C = {n_c} channels    n_H·n_W = {n_h}·{n_w} = {n_hw} positions    "
            f"G is {n_c}×{n_c}",
            f"4 · n_C² · (n_H·n_W)² = 4 · {n_c}² · {n_hw}² = {normalisation:.4e}",
        ]
        if self.a_generated is not None:
            g_s = np.asarray(gram_matrix(self.a_style), np.float64)
            g_g = np.asarray(gram_matrix(self.a_generated), np.float64)
            sum_sq = float(np.sum((g_s - g_g) ** 2))
            terms.update(sum_sq=sum_sq, cost=sum_sq / normalisation)
            lines += [
                f"Σ_ij (G_S − G_G)² = {sum_sq:.4e}",
                f"J_style[{name}] = {sum_sq:.4e} / {normalisation:.4e} = {terms['cost']:.4e}",
            ]
        else:
            terms.update(sum_sq=None, cost=None)
            lines.append("(give generated=... to compare with a second image and see the cost)")
        self.terms = terms
        self._show_lines(lines)
        fig = viz.gram_heatmaps(self.a_style, self.a_generated, name, log=self.log.value)
        self.image_widget.value = _figure_png(fig)


# ----------------------------------------------------------------------------------------------
# StyleTransferDashboard
# ----------------------------------------------------------------------------------------------

#: Engine options the dashboard has a control for; every other option is passed through unchanged.
_CONTROLLED = (
    "alpha", "beta", "tv_weight", "content_layer", "style_layers", "pooling", "noise_ratio", "optimizer",
    "learning_rate", "size", "precision", "seed", "iterations",
)


class _LayerPanels:
    """One layer's feature maps (style and generated, same channels) and Gram matrices, updated live."""

    def __init__(self, transfer: Any, style_batch: np.ndarray, layer: str, top_k: int = 8) -> None:
        from . import viz

        self.layer = layer
        self.transfer = transfer
        self.size = transfer.size
        a_s = transfer.activations(layer, style_batch)[layer]
        a_g = transfer.activations(layer)[layer]
        means = a_s.astype(np.float64).mean(axis=(0, 1, 2))
        self.channels = [int(c) for c in np.argsort(-means, kind="stable")[: min(top_k, a_s.shape[-1])]]
        self.style_png = _figure_png(viz.feature_maps(a_s, layer, channels=self.channels))
        # A Gram matrix sums over positions: put the style's on the generated image's scale.
        ratio = (a_g.shape[1] * a_g.shape[2]) / (a_s.shape[1] * a_s.shape[2])
        self.maps = viz.LiveFeatureMaps(a_g, layer, channels=self.channels)
        self.gram = viz.LiveGram(a_s * np.float32(math.sqrt(ratio)), a_g, layer)

    def update(self, a_g: np.ndarray) -> tuple[bytes, bytes]:
        self.maps.update(a_g)
        self.gram.update(a_g)
        return self.maps.to_png(), self.gram.to_png()

    def close(self) -> None:
        self.maps.close()
        self.gram.close()


class StyleTransferDashboard(_Widget):
    """Neural Style Transfer, live: every option as a control, Start / Pause / Stop / Reset / Save.

    The optimisation runs in the background (an asyncio task on the kernel's
    event loop), so the cell returns at once and the buttons keep working.
    Every ``every`` iterations the dashboard shows the generated image, the
    cost curves, and — for the layer chosen under "Inside the network" — the
    generated image's feature maps and Gram matrix next to the style image's.
    The status line gives the iteration, the speed, the time left, and which
    weights and number format VGG-19 runs with.

    * **Start** stops any other run, then runs ``iterations`` iterations from the
      current image (from the start the first time).  Controls changed since the
      last run take effect: the run continues from the current image with the
      new settings.  Invalid values (all style weights 0, NaN...) show a message.
    * **Pause** suspends the run; **Resume** (the same button) continues it.
    * **Stop** ends the run; the image and the cost history are kept.
    * **Reset** goes back to the start: no history, no image.
    * **Save** writes the current image (:func:`nst_teach.images.save_image`) to the
      path in the box, by default ``nst-teach-<date>-<time>.jpg``.

    Creating a new dashboard (re-running the cell) stops the previous one.

    Args:
        content: the content image (path, URL, array, batch, or an :class:`ImagePicker`, read at each Start).
        style: the style image (same forms).
        every: update the pictures every this many iterations.
        panel_layer: the layer shown under "Inside the network" (None: none).
        **options: any option of :class:`nst_teach.engine.StyleTransfer`: those with a
            control set its starting value; the others (``weights``, ``style_scale``,
            ``init``, ``preserve_colors``, ``scales``...) are passed through.

    Attributes:
        start_button, pause_button, stop_button, reset_button, save_button, save_path: the run controls.
        alpha, beta, tv_weight, learning_rate, iterations, every, optimizer, content_layer, noise_ratio,
            pooling, size, precision, seed, panel_layer: the option controls.
        style_enabled, style_weights: ``{layer: Checkbox}`` and ``{layer: FloatSlider}`` of the style layers.
        image_widget, costs_widget, style_maps_widget, generated_maps_widget, gram_widget, status_widget:
            the outputs.
        history: one dict of costs per iteration (``iteration``, ``total``, ``content``, ``style``,
            ``tv``, ``style_by_layer``, ``elapsed``); kept by Stop and Pause, cleared by Reset.
        task: the asyncio task of the current (or last) run.

    Introduced in ``notebooks/05_style_transfer_live.ipynb``.

    >>> dashboard = StyleTransferDashboard("content.jpg", "style.jpg")  # doctest: +SKIP
    >>> dashboard          # shows it; press Start, or:                   # doctest: +SKIP
    >>> task = dashboard.start()                                          # doctest: +SKIP
    """

    def __init__(
        self,
        content: Any,
        style: Any,
        *,
        every: int = 5,
        panel_layer: Any = "",
        **options: Any,
    ) -> None:
        from .engine import LBFGS_LEARNING_RATE, OPTIONS, SEED_PRESET
        from .defaults import LEARNING_RATE

        unknown = [name for name in options if name not in OPTIONS]
        if unknown:
            close = difflib.get_close_matches(unknown[0], list(OPTIONS), n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise OptionError(f"StyleTransferDashboard() got an unknown option {unknown[0]!r}.{hint} "
                              f"Valid options: {', '.join(OPTIONS)}.")
        o = dict(OPTIONS)
        if options.get("preset") == "seed":
            o.update(SEED_PRESET)
        o.update(options)
        self._passed = {k: v for k, v in o.items() if k not in _CONTROLLED and k != "preset"}
        self._lr_defaults = {"adam": LEARNING_RATE, "lbfgs": LBFGS_LEARNING_RATE}

        self._content = content if isinstance(content, ImagePicker) else _read(content, "content")
        self._style = style if isinstance(style, ImagePicker) else (
            [_read(s, f"style[{i}]") for i, s in enumerate(style)] if isinstance(style, (list, tuple))
            else _read(style, "style")
        )
        init = o.get("init")
        init = None if isinstance(init, str) and init.lower() in ("noise", "content", "style") else init
        self._inputs = _inputs_on_disk(content, style, init)  # Save never overwrites these

        self._make_controls(o, every, panel_layer)
        self._make_layout()

        self.history: list[dict[str, Any]] = []
        self.task: asyncio.Task | None = None
        self._transfer: Any = None
        self._transfer_key: dict[str, Any] | None = None
        self._continued = False  # the transfer started from an earlier transfer's image
        self._offset = 0  # iterations (and seconds) of earlier transfers since the last Reset
        self._elapsed_offset = 0.0
        self._state = "idle"
        self._run_id = 0
        self._resume_event: asyncio.Event | None = None
        self._panels: _LayerPanels | None = None
        self._costs: Any = None
        self._status = ""
        self._last_status = 0.0
        self._clock: dict[str, float] = {}
        self._show_start()
        for old in running():  # the cell was re-run: the previous dashboard stops
            if isinstance(old, StyleTransferDashboard):
                old.stop()

    # -- controls ------------------------------------------------------------------------------

    def _make_controls(self, o: dict[str, Any], every: int, panel_layer: Any) -> None:
        def set_value(widget: widgets.Widget, value: Any, name: str) -> None:
            try:
                widget.value = value
            except (traitlets.TraitError, TypeError, ValueError) as exc:
                raise OptionError(f"{name} = {value!r} cannot be shown by the dashboard's control: {exc}") from None

        wide = {"style": {"description_width": "120px"}, "layout": widgets.Layout(width="380px")}
        # continuous_update=False: a browser drawing a slider with continuous updates snaps the value to the
        # slider's step and sends it back (β 40 -> 39.81, learning rate 2 -> 1.995, λ 1/3 -> 0.33) before
        # anyone touches it; without them the value changes only when the student moves the slider.
        # (tests/e2e/test_browser.py::test_showing_the_dashboard_in_the_page_keeps_its_settings)
        settle = {"continuous_update": False}
        self.alpha = widgets.FloatLogSlider(base=10, min=-3, max=6, step=0.1, description="α (content)", **settle,
                                            **wide)
        self.beta = widgets.FloatLogSlider(base=10, min=-3, max=6, step=0.1, description="β (style)", **settle,
                                           **wide)
        self.tv_weight = widgets.FloatText(description="TV weight", **wide)
        self.optimizer = widgets.Dropdown(
            options=[("L-BFGS", "lbfgs"), ("Adam", "adam")], description="optimizer", **wide
        )
        self.learning_rate = widgets.FloatLogSlider(
            base=10, min=-2, max=2, step=0.05, description="learning rate", **settle, **wide
        )
        self.iterations = widgets.BoundedIntText(min=1, max=1_000_000, description="iterations", **wide)
        self.every = widgets.BoundedIntText(min=1, max=10_000, description="show every", **wide)
        self.content_layer = widgets.Dropdown(options=[r.name for r in VGG19_LAYERS[1:]], value=CONV_LAYERS[0],
                                             description="content layer", **wide)
        self.noise_ratio = widgets.FloatSlider(min=0, max=1, step=0.05, description="noise ratio", **settle, **wide)
        self.pooling = widgets.ToggleButtons(options=["avg", "max"], description="pooling",
                                             style={"description_width": "120px"})
        self.precision = widgets.Dropdown(options=["auto", "float32", "bfloat16"], description="precision", **wide)
        self.seed = widgets.BoundedIntText(min=-1, max=2**31 - 1, description="seed (-1: fresh)", **wide)

        set_value(self.alpha, o["alpha"], "alpha")
        set_value(self.beta, o["beta"], "beta")
        set_value(self.tv_weight, o["tv_weight"], "tv_weight")
        optimizer = "lbfgs" if str(o["optimizer"]).lower() in ("l-bfgs", "lbfgs") else str(o["optimizer"]).lower()
        set_value(self.optimizer, optimizer, "optimizer")
        lr = self._lr_defaults[optimizer] if o["learning_rate"] is None else o["learning_rate"]
        set_value(self.learning_rate, lr, "learning_rate")
        self.optimizer.observe(lambda ch: setattr(self.learning_rate, "value", self._lr_defaults[ch["new"]]), "value")
        set_value(self.iterations, o["iterations"], "iterations")
        set_value(self.every, every, "every")
        all_layers = [r.name for r in VGG19_LAYERS[1:]]
        set_value(self.content_layer, _layer_option(o["content_layer"], "content_layer", all_layers), "content_layer")
        set_value(self.noise_ratio, o["noise_ratio"], "noise_ratio")
        set_value(self.pooling, o["pooling"], "pooling")
        set_value(self.precision, o["precision"], "precision")
        set_value(self.seed, -1 if o["seed"] is None else o["seed"], "seed")

        size = IMG_SIZE if o["size"] is None else o["size"]
        if not (isinstance(size, (tuple, list)) and len(size) == 2 and all(isinstance(v, int) for v in size)):
            raise OptionError(f"size must be (width, height) in pixels, e.g. {IMG_SIZE}, got {size!r}.")
        size = (int(size[0]), int(size[1]))
        sizes = list(SIZES) if size in SIZES else [size, *SIZES]
        self.size = widgets.Dropdown(options=[(f"{w}×{h}", (w, h)) for w, h in sizes], value=size,
                                     description="size (w×h)", **wide)

        given = o["style_layers"]
        if isinstance(given, Mapping):
            pairs = list(given.items())
        elif isinstance(given, (list, tuple)) and given:
            pairs = [(layer, 1.0 / len(given)) for layer in given]
        else:
            raise OptionError(f"style_layers must be a dict {{layer: coefficient}}, got {given!r}.")
        chosen = {_layer_option(k, "style_layers", [r.name for r in VGG19_LAYERS[1:]]): v for k, v in pairs}
        names = [r.name for r in VGG19_LAYERS if r.name in CONV_LAYERS or r.name in chosen]
        self.style_enabled: dict[str, widgets.Checkbox] = {}
        self.style_weights: dict[str, widgets.FloatSlider] = {}
        for name in names:
            value = chosen.get(name, 0.2)
            self.style_enabled[name] = widgets.Checkbox(value=name in chosen, description=name, indent=False,
                                                        layout=widgets.Layout(width="140px"))
            slider = widgets.FloatSlider(min=0.0, step=0.01, description="λ", style={"description_width": "20px"},
                                         **settle)
            slider.max = max(1.0, float(value)) if isinstance(value, (int, float)) and math.isfinite(value) else 1.0
            set_value(slider, value, f"style_layers[{name!r}]")
            self.style_weights[name] = slider

        if panel_layer == "":
            panel_layer = next(iter(chosen), None)
        panel_choices = [r.name for r in VGG19_LAYERS[1:]]
        first_panel = None if panel_layer is None else _layer_option(panel_layer, "panel_layer", panel_choices)
        self.panel_layer = widgets.Dropdown(options=[("(none)", None), *[(n, n) for n in panel_choices]],
                                            value=first_panel, description="layer", **wide)

        self.start_button = widgets.Button(description="Start", button_style="success", icon="play")
        self.pause_button = widgets.Button(description="Pause", icon="pause")
        self.stop_button = widgets.Button(description="Stop", button_style="danger", icon="stop")
        self.reset_button = widgets.Button(description="Reset", icon="undo")
        self.save_button = widgets.Button(description="Save", icon="save")
        self.save_path = widgets.Text(placeholder="nst-teach-<date>-<time>.jpg", layout=widgets.Layout(width="300px"))
        self.start_button.on_click(_safe(self, self.start))
        self.pause_button.on_click(_safe(self, self._toggle_pause))
        self.stop_button.on_click(_safe(self, self.stop))
        self.reset_button.on_click(_safe(self, self.reset))
        self.save_button.on_click(_safe(self, self.save))
        self.panel_layer.observe(lambda _: self._panel_layer_changed(), "value")

    def _make_layout(self) -> None:
        self.status_widget = widgets.HTML()
        self.image_widget = widgets.Image(format="png", layout=widgets.Layout(max_width="45%"))
        self.costs_widget = widgets.Image(format="png", layout=widgets.Layout(max_width="55%"))
        self.style_maps_widget = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self.generated_maps_widget = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self.gram_widget = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        # An empty Image widget draws as a broken-picture icon: show each panel once it has a picture.
        for panel in (self.costs_widget, self.style_maps_widget, self.generated_maps_widget, self.gram_widget):
            _hide_when_empty(panel)

        rows = [widgets.HBox([self.style_enabled[n], self.style_weights[n]]) for n in self.style_weights]
        settings = widgets.Tab(children=[
            widgets.VBox([self.alpha, self.beta, self.tv_weight, self.optimizer, self.learning_rate,
                          self.iterations, self.every]),
            widgets.VBox([self.content_layer, widgets.HTML("<b>style layers</b> (checked ones count, λ = weight)"),
                          widgets.GridBox(rows, layout=widgets.Layout(grid_template_columns="repeat(2, 400px)"))]),
            widgets.VBox([self.size, self.noise_ratio, self.seed, self.pooling, self.precision]),
        ], titles=("Costs & optimiser", "Layers", "Image & network"))
        inside = widgets.VBox([
            self.panel_layer,
            widgets.HBox([
                widgets.VBox([widgets.HTML("<b>style image</b>: feature maps"), self.style_maps_widget],
                             layout=widgets.Layout(width="50%")),
                widgets.VBox([widgets.HTML("<b>generated image</b>: the same channels"), self.generated_maps_widget],
                             layout=widgets.Layout(width="50%")),
            ]),
            widgets.HTML("<b>Gram matrices</b>: style, generated, difference"),
            self.gram_widget,
        ])
        outputs = widgets.Accordion(children=[inside], titles=("Inside the network",))
        outputs.selected_index = 0
        self.root = widgets.VBox([
            widgets.HBox([self.start_button, self.pause_button, self.stop_button, self.reset_button,
                          self.save_button, self.save_path]),
            self.status_widget,
            # flex-start: each picture keeps its aspect ratio (the default, stretch, makes it as tall as the plot)
            widgets.HBox([self.image_widget, self.costs_widget], layout=widgets.Layout(align_items="flex-start")),
            settings,
            outputs,
        ])
        # Stable names for the page's CSS and for the browser tests.
        self.root.add_class("nst-dashboard")
        for name in ("start", "pause", "stop", "reset", "save"):
            getattr(self, f"{name}_button").add_class(f"nst-{name}")
        self.image_widget.add_class("nst-image")
        self.costs_widget.add_class("nst-costs")
        self.status_widget.add_class("nst-status")

    # -- what the dashboard says ---------------------------------------------------------------

    @property
    def status(self) -> str:
        """The status line as plain text."""
        return self._status

    @property
    def running(self) -> bool:
        """True while a run is going on (paused counts as running)."""
        return self._state in ("running", "paused")

    @property
    def paused(self) -> bool:
        """True while the run is paused."""
        return self._state == "paused"

    @property
    def image(self) -> np.ndarray | None:
        """The current image, uint8 RGB ``(H, W, 3)``; None before the first iteration and after Reset."""
        if self._transfer is None or not self.history:
            return None
        return self._transfer.image()

    def _set_status(self, text: str, level: str = "info") -> None:
        self._status = text
        self.status_widget.value = _status_html(text, level)

    def _engine_note(self) -> str:
        t = self._transfer
        if t is None:
            return ""
        mark = "" if t.weights.is_pretrained else " (NOT ImageNet: results will not look like art)"
        o = t.options
        return (f"α = {o['alpha']:g}, β = {o['beta']:g}, {o['optimizer']} · "
                f"weights: {t.weights.detail}{mark} · precision: {t.precision}")

    def options(self) -> dict[str, Any]:
        """The options the controls describe: what Start passes to :class:`StyleTransfer`."""
        seed = int(self.seed.value)
        opts = {
            "alpha": float(self.alpha.value),
            "beta": float(self.beta.value),
            "tv_weight": float(self.tv_weight.value),
            "content_layer": self.content_layer.value,
            "style_layers": {n: float(s.value) for n, s in self.style_weights.items() if self.style_enabled[n].value},
            "pooling": self.pooling.value,
            "noise_ratio": float(self.noise_ratio.value),
            "optimizer": self.optimizer.value,
            "learning_rate": float(self.learning_rate.value),
            "size": tuple(self.size.value),
            "precision": self.precision.value,
            "seed": None if seed < 0 else seed,
            "iterations": int(self.iterations.value),
        }
        opts.update(self._passed)
        return opts

    # -- the run ---------------------------------------------------------------------------------

    def _prepare(self) -> tuple[Any, str]:
        """The StyleTransfer to run: the current one, or a new one if the settings changed."""
        from .engine import StyleTransfer

        content = _value_of(self._content, "content")
        style = _value_of(self._style, "style")
        opts = self.options()
        key = {k: v for k, v in opts.items() if k != "iterations"}
        key["_images"] = (content, style)
        if self._transfer is not None and self._transfer_key is not None and _same(key, self._transfer_key):
            return self._transfer, ""
        note = ""
        if self._transfer is not None and self.history:
            # New settings, same picture: continue from the current image instead of starting over.
            opts["init"] = self._transfer.batch()
            transfer = StyleTransfer(content, style, **opts)
            self._offset = self.history[-1]["iteration"]
            self._elapsed_offset = self.history[-1]["elapsed"]
            self._continued = True
            note = " with the new settings, from the current image (Reset starts from the beginning)"
        else:
            transfer = StyleTransfer(content, style, **opts)
            self._continued = False
        if self._panels is not None:
            self._panels.close()
            self._panels = None
        self._transfer, self._transfer_key = transfer, key
        return transfer, note

    def start(self) -> asyncio.Task | None:
        """Starts a run of ``iterations`` iterations in the background; returns its asyncio task.

        Stops any other run first (this dashboard's or another's).  The first Start
        begins from the starting image; later ones continue from the current image.

        Returns:
            The task (``await dashboard.wait()`` waits for it), or None if the
            controls hold invalid values (the status line says which).

        Raises:
            NSTError: there is no running event loop (plain Python outside ``asyncio.run``).
        """
        loop = _running_loop()
        for other in running():
            if other is not self:
                other.stop()
        self._halt()
        self._set_status("Preparing: reading the images, building VGG-19, computing the targets …")
        try:
            transfer, note = self._prepare()
        except NSTError as exc:
            self._state = "stopped" if self.history else "idle"
            self._set_status(f"Cannot start: {exc}", "error")
            return None
        self._run_id += 1
        self._resume_event = asyncio.Event()
        self._resume_event.set()
        self._state = "running"
        self.pause_button.description, self.pause_button.icon = "Pause", "pause"
        _RUNNING.add(self)
        iterations = int(self.iterations.value)
        self._set_status(f"Running{note} ({iterations} iterations; the first one also traces the computation) · "
                         f"{self._engine_note()}")
        self.task = loop.create_task(self._run(self._run_id, transfer, iterations))
        return self.task

    async def _run(self, run_id: int, transfer: Any, iterations: int) -> None:
        generator = transfer.steps(iterations)
        first = self._offset + transfer.iteration + 1
        self._clock = {
            "start": time.perf_counter(), "paused": 0.0, "first": float(first), "end": float(first + iterations - 1)
        }
        outcome, error = "finished", None
        try:
            while True:
                await asyncio.sleep(0)  # let the kernel handle clicks and slider moves
                if run_id != self._run_id:
                    return  # stopped, reset or restarted: whoever did it has tidied up
                if not self._resume_event.is_set():
                    since = time.perf_counter()
                    await self._resume_event.wait()
                    self._clock["paused"] += time.perf_counter() - since
                    continue
                try:
                    step = next(generator)
                except StopIteration:
                    break
                record = self._record(step)
                self.history.append(record)
                k = record["iteration"]
                if k == first or k % max(1, int(self.every.value)) == 0 or step.iteration == step.iterations:
                    self._show(transfer, step)
                elif time.perf_counter() - self._last_status > 0.5:
                    self._status_running(k)
        except asyncio.CancelledError:
            if run_id == self._run_id:
                self._end(transfer, "stopped")
            raise
        except Exception as exc:  # noqa: BLE001 - shown in the status line, not lost in a task
            outcome, error = "error", exc
        finally:
            generator.close()
        if run_id == self._run_id:
            self._end(transfer, outcome, error)

    def _record(self, step: Any) -> dict[str, Any]:
        return {
            "iteration": self._offset + step.iteration,
            "total": step.total,
            "content": step.content,
            "style": step.style,
            "tv": step.tv,
            "style_by_layer": dict(step.style_by_layer),
            "elapsed": self._elapsed_offset + step.elapsed,
            "scale": step.scale,
        }

    def _status_running(self, k: int) -> None:
        c = self._clock
        spent = time.perf_counter() - c["start"] - c["paused"]
        done = k - c["first"] + 1
        rate = done / spent if spent > 0 else float("nan")
        eta = (c["end"] - k) / rate if rate > 0 else float("nan")
        self._last_status = time.perf_counter()
        self._set_status(f"iteration {k}/{int(c['end'])} · {rate:.2f} it/s · ETA {_duration(eta)} · "
                         f"J = {self.history[-1]['total']:.4g} · {self._engine_note()}")

    def _show(self, transfer: Any, step: Any = None) -> None:
        """Shows the image, the cost curves and the layer panels (of ``step``, or of the current image)."""
        from . import viz

        self.image_widget.value = _png(step.image() if step is not None else transfer.image())
        if self._costs is None or self._costs.closed:
            self._costs = viz.LiveCosts(per_layer=True)
        self._costs.update(self.history)
        self.costs_widget.value = self._costs.to_png()
        try:
            self._show_panels(transfer, step)
        except NSTError as exc:
            self.gram_widget.value = b""
            self._set_status(f"Cannot show the layer panels: {exc}", "warn")
        if self.history and self._state == "running":
            self._status_running(self.history[-1]["iteration"])

    def _show_panels(self, transfer: Any, step: Any = None) -> None:
        layer = self.panel_layer.value
        if layer is None:
            for w in (self.style_maps_widget, self.generated_maps_widget, self.gram_widget):
                w.value = b""
            return
        panels = self._panels
        if panels is None or panels.layer != layer or panels.transfer is not transfer or panels.size != transfer.size:
            if panels is not None:
                panels.close()
            style = self._style_image()
            scale = float(transfer.options["style_scale"])
            w, h = transfer.size
            style_size = (max(1, round(w * scale)), max(1, round(h * scale)))
            panels = self._panels = _LayerPanels(transfer, _batch_at(style, style_size), layer)
            self.style_maps_widget.value = panels.style_png
        a_g = step.activations(layer)[layer] if step is not None else transfer.activations(layer)[layer]
        self.generated_maps_widget.value, self.gram_widget.value = panels.update(a_g)

    def _style_image(self) -> np.ndarray:
        style = _value_of(self._style, "style")
        return style[0] if isinstance(style, list) else style

    def _panel_layer_changed(self) -> None:
        if self._transfer is not None and self.history and self._state != "running":
            try:
                self._show_panels(self._transfer)
            except NSTError as exc:
                self._set_status(f"Cannot show the layer panels: {exc}", "warn")

    def _end(self, transfer: Any, outcome: str, error: BaseException | None = None) -> None:
        """The run is over (finished, stopped or failed): keep and show the image, say why."""
        self._state = "error" if outcome == "error" else outcome
        _RUNNING.discard(self)
        self.pause_button.description, self.pause_button.icon = "Pause", "pause"
        k = self.history[-1]["iteration"] if self.history else 0
        if self.history and transfer is not None:
            try:
                self._show(transfer)
            except Exception as exc:  # noqa: BLE001 - the run's own outcome matters more
                error = error or exc
        note = self._engine_note()
        if error is not None:
            kind = "" if isinstance(error, NSTError) else f"{type(error).__name__}: "
            self._state = "error"
            self._set_status(f"The run stopped at iteration {k}: {kind}{error} · {note}", "error")
        elif outcome == "stopped":
            self._set_status(f"Stopped at iteration {k}. The image is kept: Save it, Start to continue, "
                             f"Reset to start over. · {note}")
        elif transfer is not None and transfer.stopped and transfer.message:
            self._set_status(f"Ended at iteration {k}: {transfer.message} · {note}", "warn")
        else:
            c = self._clock
            spent = time.perf_counter() - c["start"] - c["paused"] if c else 0.0
            self._set_status(f"Done: iteration {k} (this run took {_duration(spent)}). Start continues from "
                             f"this image; Reset starts over. · {note}", "ok")

    def _halt(self) -> bool:
        """Ends the current run without drawing anything; returns whether one was running."""
        if not self.running:
            return False
        self._run_id += 1
        if self._resume_event is not None:
            self._resume_event.set()  # a paused task wakes up, sees it is stale, and leaves
        self._state = "stopped"
        _RUNNING.discard(self)
        return True

    def stop(self) -> None:
        """Stops the run; the image and the cost history are kept (Start continues from them)."""
        transfer = self._transfer
        if self._halt():
            self._end(transfer, "stopped")

    def pause(self) -> None:
        """Suspends the run (the same StyleTransfer continues at :meth:`resume`)."""
        if self._state != "running":
            return
        self._state = "paused"
        self._resume_event.clear()
        self.pause_button.description, self.pause_button.icon = "Resume", "play"
        if self.history:
            self.image_widget.value = _png(self._transfer.image())
        k = self.history[-1]["iteration"] if self.history else 0
        self._set_status(f"Paused at iteration {k}. Resume continues the same run; Stop ends it (the image is kept). "
                         f"· {self._engine_note()}")

    def resume(self) -> None:
        """Continues a paused run."""
        if self._state != "paused":
            return
        self._state = "running"
        self.pause_button.description, self.pause_button.icon = "Pause", "pause"
        self._resume_event.set()
        self._set_status(f"Resumed · {self._engine_note()}")

    def _toggle_pause(self) -> None:
        if self._state == "paused":
            self.resume()
        else:
            self.pause()

    def reset(self) -> None:
        """Stops any run and goes back to the start: no cost history, no image."""
        self._halt()
        if self._transfer is not None:
            if self._continued:
                self._transfer, self._transfer_key = None, None
            else:
                self._transfer.reset()
        self._continued = False
        self._offset, self._elapsed_offset = 0, 0.0
        self.history.clear()
        if self._panels is not None:
            self._panels.close()
            self._panels = None
        self._state = "idle"
        self._show_start()

    def _show_start(self) -> None:
        """The picture before any iteration: the content image at the working size."""
        try:
            content = _value_of(self._content, "content")
            self.image_widget.value = _png(images.to_rgb(_batch_at(content, tuple(self.size.value))))
        except NSTError:
            self.image_widget.value = _placeholder(tuple(self.size.value))
        for w in (self.costs_widget, self.style_maps_widget, self.generated_maps_widget, self.gram_widget):
            w.value = b""
        from .model import weights_status

        try:
            weights = f"weights: {weights_status(self._passed['weights']).detail}"
        except NSTError as exc:
            weights = f"weights: {exc}"
        self._set_status(f"Ready: press Start (the first iteration also builds VGG-19 and traces the computation). "
                         f"· {weights}")

    async def wait(self) -> None:
        """Waits until the current run ends (a paused run waits for Resume or Stop).

        >>> await dashboard.wait()  # doctest: +SKIP
        """
        task = self.task
        if task is not None and not task.done():
            try:
                await asyncio.shield(task)
            except asyncio.CancelledError:
                if not task.cancelled():
                    raise

    def save(self, path: str | os.PathLike[str] | None = None) -> Path:
        """Saves the current image; returns the path written.

        Args:
            path: ``.jpg`` or ``.png``; default the Save box, or ``nst-teach-<date>-<time>.jpg``.

        Raises:
            NSTError: there is no image yet (press Start first).
            OptionError: ``path`` is one of the input images (it would be overwritten).
        """
        image = self.image
        if image is None:
            raise NSTError("There is no image to save yet: press Start, and Save once an iteration has run.")
        if path is None:
            path = self.save_path.value.strip() or f"nst-teach-{datetime.datetime.now():%Y%m%d-%H%M%S}.jpg"
        _refuse_overwriting_an_input(Path(path).expanduser(), self._inputs)
        written = images.save_image(image, path).resolve()
        self._set_status(f"Saved iteration {self.history[-1]['iteration']} to {written}", "ok")
        return written

    def close(self) -> None:
        """Stops the run and releases the figures."""
        self.stop()
        if self._panels is not None:
            self._panels.close()
            self._panels = None
        if self._costs is not None:
            self._costs.close()


# ----------------------------------------------------------------------------------------------
# PreviewGrid
# ----------------------------------------------------------------------------------------------


def _label(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return f"{value:g}"
    if isinstance(value, tuple) and len(value) == 2 and all(isinstance(v, int) for v in value):
        return f"{value[0]}×{value[1]}"
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "…"


def _settings(vary: Any) -> list[tuple[str, dict[str, Any]]]:
    """``[(label, {option: value})]``: every combination of the values in ``vary``."""
    from .engine import OPTIONS

    example = "{'beta': [10, 100, 1000]}"
    if not isinstance(vary, Mapping) or not vary:
        raise OptionError(f"vary must be a non-empty dict {{option: [values]}} such as {example}, got {vary!r}.")
    axes = []
    for key, values in vary.items():
        if key not in OPTIONS:
            close = difflib.get_close_matches(str(key), list(OPTIONS), n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise OptionError(f"vary: {key!r} is not an option of StyleTransfer.{hint} Valid: {', '.join(OPTIONS)}.")
        if isinstance(values, Mapping):  # named settings: {"shallow": {...}, "deep": {...}}
            pairs = [(f"{key}={name}", {key: value}) for name, value in values.items()]
        elif isinstance(values, (list, tuple)):
            pairs = [(f"{key}={_label(value)}", {key: value}) for value in values]
        else:
            raise OptionError(f"vary[{key!r}] must be a list of values (or a dict of named values), got {values!r}; "
                              f"e.g. {example}.")
        if not pairs:
            raise OptionError(f"vary[{key!r}] is empty; give at least one value.")
        axes.append(pairs)
    settings = []
    for combination in itertools.product(*axes):
        label = " · ".join(lbl for lbl, _ in combination)
        overrides: dict[str, Any] = {}
        for _, option in combination:
            overrides.update(option)
        settings.append((label, overrides))
    return settings


class PreviewGrid(_Widget):
    """Quick, small style transfers across a range of settings, so a student can choose before a long run.

    Each setting gets a thumbnail (a placeholder until its run finishes) and a
    caption; the runs go one after another in the background (an asyncio task),
    at low resolution and for few iterations.

    Args:
        content: the content image (path, URL, array, batch, or an :class:`ImagePicker`).
        style: the style image (same forms).
        vary: what to vary: ``{"beta": [1e1, 1e2, 1e3]}``, ``{"pooling": ["avg", "max"]}``,
            ``{"style_scale": [0.5, 1, 2]}``, or named values
            ``{"style_layers": {"shallow": {...}, "deep": {...}}}``.  Several keys: every
            combination.
        size: (width, height) of the thumbnails.
        iterations: iterations of each run.
        columns: thumbnails per row.
        **options: other :class:`nst_teach.engine.StyleTransfer` options, the same for every run.

    Attributes:
        settings: ``[(label, {option: value})]`` in display order.
        results: ``{label: uint8 RGB image}`` of the finished runs.
        errors: ``{label: message}`` of settings that could not run.
        cells: ``[(Image, HTML caption)]`` in display order.
        task: the asyncio task of the current (or last) run.

    Introduced in ``notebooks/06_experiments.ipynb``.

    >>> grid = PreviewGrid("content.jpg", "style.jpg", vary={"beta": [10, 100, 1000]})  # doctest: +SKIP
    >>> task = grid.start(); grid                                                        # doctest: +SKIP
    """

    def __init__(
        self,
        content: Any,
        style: Any,
        vary: Mapping[str, Any],
        *,
        size: tuple[int, int] = PREVIEW_SIZE,
        iterations: int = 30,
        columns: int = 4,
        **options: Any,
    ) -> None:
        from .engine import OPTIONS

        self.settings = _settings(vary)
        unknown = [name for name in options if name not in OPTIONS]
        if unknown:
            raise OptionError(f"PreviewGrid() got an unknown option {unknown[0]!r}; valid: {', '.join(OPTIONS)}.")
        if isinstance(iterations, bool) or not isinstance(iterations, int) or iterations < 1:
            raise OptionError(f"iterations must be a whole number >= 1, got {iterations!r}.")
        self.size = _check_size(size)
        self.iterations = iterations
        self._options = {"size": self.size, "iterations": iterations, **options}
        self._content = content if isinstance(content, ImagePicker) else _read(content, "content")
        self._style = style if isinstance(style, ImagePicker) else (
            [_read(s, f"style[{i}]") for i, s in enumerate(style)] if isinstance(style, (list, tuple))
            else _read(style, "style")
        )
        self.results: dict[str, np.ndarray] = {}
        self.errors: dict[str, str] = {}
        self.task: asyncio.Task | None = None
        self._state = "idle"
        self._run_id = 0
        self._status = ""

        blank = _placeholder(self.size)
        self.cells: list[tuple[widgets.Image, widgets.HTML]] = []
        boxes = []
        for label, _ in self.settings:
            width = f"{max(self.size[0], 96) + 24}px"
            image = widgets.Image(value=blank, format="png", layout=widgets.Layout(width=width))
            caption = widgets.HTML(_status_html(f"{label}\n(not run yet)"))
            self.cells.append((image, caption))
            boxes.append(widgets.VBox([image, caption], layout=widgets.Layout(margin="4px")))
        self.start_button = widgets.Button(description="Start", button_style="success", icon="play")
        self.stop_button = widgets.Button(description="Stop", button_style="danger", icon="stop")
        self.start_button.on_click(_safe(self, self.start))
        self.stop_button.on_click(_safe(self, self.stop))
        self.status_widget = widgets.HTML()
        columns = max(1, int(columns))
        self.root = widgets.VBox([
            widgets.HBox([self.start_button, self.stop_button]),
            self.status_widget,
            widgets.GridBox(boxes, layout=widgets.Layout(grid_template_columns=f"repeat({columns}, max-content)")),
        ])
        self._set_status(f"{len(self.settings)} settings at {self.size[0]}×{self.size[1]}, {iterations} iterations "
                         "each: press Start.")

    @property
    def status(self) -> str:
        """The status line as plain text."""
        return self._status

    @property
    def running(self) -> bool:
        """True while the runs are going on."""
        return self._state == "running"

    def _set_status(self, text: str, level: str = "info") -> None:
        self._status = text
        self.status_widget.value = _status_html(text, level)

    def start(self) -> asyncio.Task:
        """Runs every setting in the background (stopping any other run first); returns the task.

        Raises:
            NSTError: there is no running event loop (plain Python outside ``asyncio.run``).
        """
        loop = _running_loop()
        for other in running():
            if other is not self:
                other.stop()
        self.stop()
        self.results.clear()
        self.errors.clear()
        blank = _placeholder(self.size)
        for (label, _), (image, caption) in zip(self.settings, self.cells):
            image.value = blank
            caption.value = _status_html(f"{label}\n(waiting)")
        self._run_id += 1
        self._state = "running"
        _RUNNING.add(self)
        self._set_status(f"Running {len(self.settings)} settings …")
        self.task = loop.create_task(self._run(self._run_id))
        return self.task

    async def _run(self, run_id: int) -> None:
        try:
            await self._run_settings(run_id)
        except asyncio.CancelledError:
            self._finish(run_id, f"Cancelled: {len(self.results)} of {len(self.settings)} settings done.", "warn")
            raise

    async def _run_settings(self, run_id: int) -> None:
        from .engine import StyleTransfer

        try:
            content = _value_of(self._content, "content")
            style = _value_of(self._style, "style")
        except NSTError as exc:
            self._finish(run_id, str(exc), "error")
            return
        for i, ((label, overrides), (image, caption)) in enumerate(zip(self.settings, self.cells)):
            await asyncio.sleep(0)
            if run_id != self._run_id:
                return
            caption.value = _status_html(f"{label}\n(running …)")
            self._set_status(f"Setting {i + 1}/{len(self.settings)}: {label}")
            last = None
            try:
                transfer = StyleTransfer(content, style, **{**self._options, **overrides})
                generator = transfer.steps()
                try:
                    for last in generator:
                        await asyncio.sleep(0)  # let the kernel handle clicks between iterations
                        if run_id != self._run_id:
                            return
                finally:
                    generator.close()
                rgb = transfer.image()
            except NSTError as exc:
                self.errors[label] = str(exc)
                caption.value = _status_html(f"{label}\n{exc}", "error")
                continue
            self.results[label] = rgb
            image.value = _png(rgb)
            cost = f"J = {last.total:.3g}" if last is not None else "no iteration"
            caption.value = _status_html(f"{label}\n{cost}", "ok" if last is not None else "warn")
        failed = f"; {len(self.errors)} could not run (see their captions)" if self.errors else ""
        self._finish(run_id, f"Done: {len(self.results)} of {len(self.settings)} settings{failed}.",
                     "warn" if self.errors else "ok")

    def _finish(self, run_id: int, text: str, level: str) -> None:
        if run_id != self._run_id:
            return
        self._state = "finished"
        _RUNNING.discard(self)
        self._set_status(text, level)

    def stop(self) -> None:
        """Stops the runs; finished thumbnails stay."""
        if self._state != "running":
            return
        self._run_id += 1
        self._state = "stopped"
        _RUNNING.discard(self)
        for label, (_, caption) in zip([lbl for lbl, _ in self.settings], self.cells):
            if label not in self.results and label not in self.errors:
                caption.value = _status_html(f"{label}\n(stopped)", "warn")
        self._set_status(f"Stopped: {len(self.results)} of {len(self.settings)} settings done.")

    async def wait(self) -> None:
        """Waits until every setting has run (or :meth:`stop`)."""
        task = self.task
        if task is not None and not task.done():
            try:
                await asyncio.shield(task)
            except asyncio.CancelledError:
                if not task.cancelled():
                    raise

"""The image picker: a bundled sample, an uploaded file or a web address, and what preprocessing does to it.

Also how the other widgets take an image argument that may be a picker: they
keep the picker and read its current image (:func:`_value_of`) each time they
need it, so a new choice in the picker is what the next run uses; and which
inputs are files that Save must never overwrite.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import numpy as np
import traitlets

from .. import images
from ..classroom import Classroom, room_for
from ..defaults import IMG_SIZE, VGG_MEANS_BGR
from ..errors import NSTError, OptionError
from ..samples import SAMPLES, load_sample, sample_names, thumbnail
from ..validate import check_size, did_you_mean
from ._base import _figure_png, _lines_html, _Picture, _read, _safe, _StatusLine

__all__ = ["ImagePicker", "SampleView"]


class ImagePicker(traitlets.HasTraits, _StatusLine):
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
        classroom: the classroom rules (:mod:`nst_teach.classroom`): the URL box takes only public
            http(s) addresses, uploads are limited in bytes. None (default): on when the app turned
            them on (``nst-teach app``, :func:`nst_teach.classroom.enable`); True: on; False: off.

    Attributes:
        value: the chosen image, uint8 RGB ``(H, W, 3)`` (a traitlet: ``picker.observe(f, "value")``).
        source: where ``value`` came from (``"sample 'swirls'"``, a file name, a URL).
        status: the status line as plain text (what was loaded, or what went wrong).
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
        classroom: bool | Classroom | None = None,
    ) -> None:
        super().__init__()
        self.room = room_for(classroom)
        names = sample_names(kind)
        if sample == "":
            sample = names[0] if names else None
        if sample is not None and sample not in names:
            raise OptionError(
                f"sample = {sample!r} is not a bundled {kind or ''} sample."
                f"{did_you_mean(sample, names)} Choose one of {names}."
            )
        self.size = check_size(size) if size is not None else None
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
                image = _Picture(
                    value=thumbnail(name, 80),
                    format="png",
                    layout=widgets.Layout(width="96px"),
                    tooltip=f"{SAMPLES[name].title}: {SAMPLES[name].description}",
                )
                thumbs.append(widgets.VBox([image, button]))
        self.upload = widgets.FileUpload(accept="image/*", multiple=False, description="Upload")
        room = self.room
        self.url = widgets.Text(
            placeholder="https://… or a file path" if room is None else "https://… (a picture on the internet)",
            description="URL",
            layout=widgets.Layout(width="420px"),
        )
        upload_note = widgets.HTML("" if room is None else f"<small>{room.upload_note}</small>")
        self.load_button = widgets.Button(description="Load", tooltip="read the image at this address or path")
        self._make_status_line()
        self.preview = _Picture(format="png", layout=widgets.Layout(max_width="100%"), tooltip="No picture chosen yet.")
        self.stats = widgets.HTML()

        self.sample.observe(self._on_sample, "value")
        self.upload.observe(self._on_upload, "value")
        self.load_button.on_click(_safe(self, self.load_url))

        self.root = widgets.VBox(
            [
                widgets.HBox(thumbs, layout=widgets.Layout(flex_flow="row wrap")),
                widgets.HBox([self.sample, self.upload, upload_note]),
                widgets.HBox([self.url, self.load_button]),
                self.status_widget,
                self.preview,
                self.stats,
            ]
        )
        for widget, name in ((self.url, "url"), (self.load_button, "load"), (self.upload, "upload")):
            widget.add_class(f"nst-picker-{name}")  # stable names for the browser tests
        self.status_widget.add_class("nst-picker-status")
        if sample is not None:
            self.sample.value = sample

    # -- what the picker gives -----------------------------------------------------------------

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
            name = str(item.get("name") or "upload")
            if self.room is not None:  # the size first: nothing is decoded before it passes
                try:
                    self.room.check_upload(len(item["content"]), name)
                except NSTError as exc:
                    self._set_status(f"Cannot use the upload: {exc}", "error")
                    return
            self.load_bytes(bytes(item["content"]), name)
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

        The name of one of the picker's bundled samples (``"cottage"``) chooses that sample. Otherwise, in
        classroom mode, only a public http(s) address is read (:meth:`nst_teach.classroom.Classroom.read_url`).

        Returns:
            The image, or None if it could not be read (the status line says why).
        """
        url = (self.url.value if url is None else url).strip()
        if not url:
            path = " (or a file path)" if self.room is None else ""
            self._set_status(f"Type an http(s) address{path} in the URL box first.", "warn")
            return None
        if url in {name for _, name in self.sample.options if name}:  # a bundled picture by name, as the CLI takes it
            if self.sample.value == url:
                self._on_sample({"new": url})  # chosen again after an upload: the dropdown does not change
            self.sample.value = url
            return self.value
        self._set_status(f"Loading {url} …")
        try:
            rgb = images.read_image(url) if self.room is None else self.room.read_url(url)
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
        self.preview.tooltip = (
            f"{source} as VGG-19 gets it: resized (left), then its blue, green and red channels minus the "
            "ImageNet means (red: above the mean, blue: below)."
        )
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
# Image arguments that may be pickers
# ----------------------------------------------------------------------------------------------


def _value_of(source: Any, what: str) -> Any:
    """The image of ``source``: an :class:`ImagePicker`'s current value, or the image itself."""
    if isinstance(source, ImagePicker):
        if source.value is None:
            raise OptionError(
                f"{what}: the ImagePicker has no image yet; choose a sample, upload a file or load a URL."
            )
        return source.value
    return source


def _take_images(content: Any, style: Any) -> tuple[Any, Any]:
    """``content`` and ``style`` read once (a picker is kept, and read at each run); ``style`` may be a list."""
    content = content if isinstance(content, ImagePicker) else _read(content, "content")
    if isinstance(style, ImagePicker):
        return content, style
    if isinstance(style, (list, tuple)):
        return content, [_read(s, f"style[{i}]") for i, s in enumerate(style)]
    return content, _read(style, "style")


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
            raise OptionError(
                f"Save: {target} is one of the input images and saving would overwrite it; choose another file name."
            )


class SampleView:
    """A bundled sample's picture with a caption that names it: what notebook 00's drop-downs show.

    ``show(name)`` puts another sample in; the caption and the picture's tooltip (what a screen reader
    reads: an ``Image`` widget has no alt text) say which.

    Args:
        name: the sample shown at first (``"cottage"``...).
        role: what the picture is for, at the start of the caption (``"content"``, ``"style"``).
        width: the thumbnail's width in pixels.

    Attributes:
        picture (Image), caption (Label): the widgets; ``root`` the box that holds them; ``name`` the sample shown.

    Introduced in ``notebooks/00_welcome.ipynb``.
    """

    def __init__(self, name: str, role: str, width: int = 256) -> None:
        self.role, self.width = role, width
        self.picture = _Picture()
        self.caption = widgets.Label()
        self.root = widgets.VBox([self.picture, self.caption])
        self.name = ""
        self.show(name)

    def show(self, name: str) -> None:
        """Shows the sample ``name`` and names it in the caption."""
        self.picture.value = thumbnail(name, self.width)
        self.name = name
        self.caption.value = f"{self.role}: {name}"
        self.picture.tooltip = f"the {self.role} picture, the sample {name!r}: {SAMPLES[name].description}"

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.root._repr_mimebundle_(**kwargs)

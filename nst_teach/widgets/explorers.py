"""Looking inside VGG-19: a layer's feature maps (:class:`LayerExplorer`), its Gram matrices (:class:`GramExplorer`).

Both run the extractor up to the chosen layer on their image (or follow an
:class:`~nst_teach.widgets.ImagePicker`) and show a figure from
:mod:`nst_teach.viz` next to the numbers behind it.  The numbers come from the
same functions the notebooks build: the style cost is :mod:`nst_teach.costs`'s.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
import numpy as np

from .. import viz
from ..defaults import IMG_SIZE
from ..errors import NSTError, OptionError
from ..layers import CONV_LAYERS, VGG19_LAYERS, Layer, layer_table
from ..precision import DEFAULT_PRECISION
from ..validate import check_size
from ._base import (
    _batch_at,
    _Explorer,
    _figure_png,
    _fmt,
    _layer_option,
    _Picture,
    _png,
    _read,
    _safe,
    _status_html,
    _StatusLine,
)
from .picker import ImagePicker, _value_of

__all__ = ["LayerExplorer", "GramExplorer", "LayerRebuilder"]


def _layer_record(name: str) -> Layer:
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


# ----------------------------------------------------------------------------------------------
# LayerExplorer
# ----------------------------------------------------------------------------------------------


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
        precision: str = DEFAULT_PRECISION,
    ) -> None:
        choices = [layer.name for layer in VGG19_LAYERS[1:]]
        first = _layer_option(layer, "layer", choices)
        if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1:
            raise OptionError(f"top_k must be a whole number >= 1, got {top_k!r}.")
        self.size = check_size(size)
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
        self.image_widget = _Picture(format="png", layout=widgets.Layout(max_width="100%"), tooltip="Feature maps.")
        self.stats_widget = widgets.HTML()
        self._text_widget = self.stats_widget
        self.weights_widget = widgets.HTML()

        self.layer.observe(lambda _: self._recompute(), "value")
        for control in (self.mode, self.top_k, self.channel):
            control.observe(lambda _: self._redraw(), "value")

        table = widgets.Accordion(children=[self.table], titles=("VGG-19 layers",))
        table.selected_index = 0
        self.root = widgets.VBox(
            [
                table,
                widgets.HBox([self.layer, self.mode]),
                widgets.HBox([self.top_k, self.channel]),
                self.stats_widget,
                self.image_widget,
                self.weights_widget,
            ]
        )
        self._recompute()

    def _recompute(self) -> None:
        """Runs VGG-19 up to the chosen layer on the image."""
        from ..model import build_extractor  # VGG-19 loads Keras and TensorFlow: on first use

        name = self.layer.value
        try:
            batch = _batch_at(self._input.get(), self.size)
            extractor = build_extractor([name], **self._build)
            self.activations = np.asarray(extractor(batch)[name], np.float32)
        except NSTError as exc:
            self.activations = None
            self._set_status(f"Cannot compute {name}: {exc}", "error")
            return
        self.weights_widget.value = _status_html(
            f"weights: {extractor.weights.detail}", "info" if extractor.weights.is_pretrained else "warn"
        )
        n_c = self.activations.shape[-1]
        with self.channel.hold_trait_notifications():
            self.channel.max = n_c - 1
            self.channel.value = min(self.channel.value, n_c - 1)
        self._redraw()

    def _redraw(self) -> None:
        """Draws the feature maps and writes the statistics of the current activations."""
        a = self.activations
        if a is None:
            return
        record = _layer_record(self.layer.value)
        values = a.astype(np.float64)
        _, n_h, n_w, n_c = a.shape
        stats: dict[str, Any] = {
            "layer": record.name,
            "index": record.index,
            "kind": record.kind,
            "shape": tuple(a.shape),
            "receptive_field": record.receptive_field,
            "scale": record.scale,
            "mean": float(values.mean()),
            "max": float(values.max()),
            "zeros": float(np.mean(values == 0)),
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
            stats.update(
                channel=c,
                channel_mean=float(channel.mean()),
                channel_max=float(channel.max()),
                channel_zeros=float(np.mean(channel == 0)),
            )
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
        shown = (
            f"channel {stats['channel']}"
            if "channel" in stats
            else f"the {len(stats['channels'])} most active channels"
        )
        self.image_widget.tooltip = f"Feature maps of {record.name}, one map per channel: {shown}."
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
    differences and their ratio.  The cost is :func:`nst_teach.costs.layer_style_cost`'s
    number: the formula is written once, in :mod:`nst_teach.costs`.

    Args:
        style: the style image (path, URL, array, batch, or an :class:`ImagePicker` to follow).
        generated: the image to compare with (same forms), or None to see the style's Gram matrix only.
        layer: the layer shown at first.
        size: (width, height) both images are preprocessed to (so ``n_H·n_W`` is the same).
        log: start with a logarithmic color scale.
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
        precision: str = DEFAULT_PRECISION,
    ) -> None:
        conv_names = [conv.name for conv in CONV_LAYERS]
        first = _layer_option(layer, "layer", conv_names)
        self.size = check_size(size)
        self._build = {"weights": weights, "pooling": pooling, "precision": precision}
        self._style = _ImageInput(style, "style", self._recompute)
        self._generated = None if generated is None else _ImageInput(generated, "generated", self._recompute)
        self.a_style: np.ndarray | None = None
        self.a_generated: np.ndarray | None = None
        self.terms: dict[str, Any] = {}

        self.layer = widgets.Dropdown(options=conv_names, value=first, description="Layer")
        self.log = widgets.Checkbox(value=bool(log), description="log color scale")
        self.image_widget = _Picture(format="png", layout=widgets.Layout(max_width="100%"), tooltip="Gram matrices.")
        self.cost_widget = widgets.HTML()
        self._text_widget = self.cost_widget
        self.layer.observe(lambda _: self._recompute(), "value")
        self.log.observe(lambda _: self._redraw(), "value")
        self.root = widgets.VBox([widgets.HBox([self.layer, self.log]), self.image_widget, self.cost_widget])
        self._recompute()

    def _recompute(self) -> None:
        from ..model import build_extractor  # VGG-19 loads Keras and TensorFlow: on first use

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
        from ..costs import layer_style_cost  # costs.py loads TensorFlow: on first use

        if self.a_style is None:
            return
        name = self.layer.value
        _, n_h, n_w, n_c = self.a_style.shape
        n_hw = n_h * n_w
        normalisation = 4 * n_c**2 * n_hw**2  # the denominator, shown term by term
        terms: dict[str, Any] = {"n_C": n_c, "n_HW": n_hw, "normalisation": float(normalisation)}
        lines = [
            f"{name}:  J_style[l] = Σ_ij (G_S − G_G)² / (4 · n_C² · (n_H·n_W)²)",
            f"n_C = {n_c} channels    n_H·n_W = {n_h}·{n_w} = {n_hw} positions    G is {n_c}×{n_c}",
            f"4 · n_C² · (n_H·n_W)² = 4 · {n_c}² · {n_hw}² = {normalisation:.4e}",
        ]
        if self.a_generated is not None:
            cost = float(layer_style_cost(self.a_style, self.a_generated))
            # The numerator is what costs.py divides by the normalisation: Σ_ij (G_S − G_G)².
            sum_sq = cost * normalisation
            terms.update(sum_sq=sum_sq, cost=cost)
            lines += [
                f"Σ_ij (G_S − G_G)² = {sum_sq:.4e}",
                f"J_style[{name}] = {sum_sq:.4e} / {normalisation:.4e} = {cost:.4e}",
            ]
        else:
            terms.update(sum_sq=None, cost=None)
            lines.append("(give generated=... to compare with a second image and see the cost)")
        self.terms = terms
        self._show_lines(lines)
        fig = viz.gram_heatmaps(self.a_style, self.a_generated, name, log=self.log.value)
        pictures = "the style image's Gram matrix" + (
            "" if self.a_generated is None else ", the other image's, and their difference"
        )
        self.image_widget.tooltip = f"Gram matrices of {name}: {pictures}."
        self.image_widget.value = _figure_png(fig)


# ----------------------------------------------------------------------------------------------
# LayerRebuilder
# ----------------------------------------------------------------------------------------------


class LayerRebuilder(_StatusLine):
    """Rebuilds a picture from one layer alone, when its button is pressed: notebook 03's *Try it*.

    The widget only calls ``rebuild(layer, iterations)`` — a function the notebook wrote, which runs
    the optimisation and returns its :class:`~nst_teach.history.Result` — and shows the result's
    picture with a caption, and how far the content cost fell, in its status line.

    Args:
        rebuild: ``rebuild(layer, iterations)`` -> a result with ``image``, ``iterations_done`` and
            ``history.content`` (what :meth:`nst_teach.engine.StyleTransfer.run` returns).
        image: the picture shown before the first rebuild (RGB, or a preprocessed batch).
        layer: the convolution chosen at first.
        iterations: the number of iterations chosen at first; ``max_iterations`` the slider's end.

    Attributes:
        layer (Dropdown), iterations (IntSlider), button (Button): the controls; ``picture`` (Image),
            ``caption`` (Label) and ``status`` the outputs; ``result`` the last rebuild's result (None before).

    Introduced in ``notebooks/03_content_cost.ipynb``.
    """

    def __init__(
        self,
        rebuild: Callable[[str, int], Any],
        image: Any,
        *,
        layer: str = "block3_conv2",
        iterations: int = 50,
        max_iterations: int = 300,
    ) -> None:
        if not callable(rebuild):
            raise OptionError(f"rebuild must be a function rebuild(layer, iterations), got {type(rebuild).__name__}")
        names = [conv.name for conv in CONV_LAYERS]
        self.rebuild = rebuild
        self.result: Any = None
        self.layer = widgets.Dropdown(options=names, value=_layer_option(layer, "layer", names), description="layer")
        self.iterations = widgets.IntSlider(
            value=min(iterations, max_iterations), min=1, max=max_iterations, description="iterations"
        )
        self.button = widgets.Button(description="Rebuild", button_style="success", icon="play")
        self.picture = _Picture(value=_png(_rgb(image)), layout=widgets.Layout(width="400px"))
        self.picture.tooltip = "the content photo, before any rebuilding"
        self.caption = widgets.Label(self.picture.tooltip)  # what the picture shows, in words
        self.button.on_click(_safe(self, self._rebuild))
        controls = widgets.HBox([self.layer, self.iterations, self.button])
        self.root = widgets.VBox([controls, self._make_status_line(), self.picture, self.caption])
        self._set_status("Choose a layer and a number of iterations, then press Rebuild.")

    def _rebuild(self) -> None:
        layer, iterations = self.layer.value, self.iterations.value
        self._set_status(f"rebuilding from {layer} ({iterations} iterations) ...")
        result = self.rebuild(layer, iterations)
        self.result = result
        self.picture.value = _png(_rgb(result.image))
        text = f"the photo rebuilt from {layer} alone, {result.iterations_done} iterations"
        self.caption.value = self.picture.tooltip = text
        content = result.history.content
        self._set_status(
            f"{layer}: J_content {content[0]:.4g} -> {content[-1]:.4g} in {result.iterations_done} iterations", "ok"
        )


def _rgb(image: Any) -> np.ndarray:
    """A picture as uint8 RGB, to show: a preprocessed batch is turned back (:func:`nst_teach.images.to_rgb`)."""
    return viz.arrays.rgb(image, "image")

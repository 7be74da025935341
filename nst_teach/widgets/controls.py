"""The dashboard's settings: the options it is given, checked, turned into controls, and read back.

Everything :class:`~nst_teach.widgets.StyleTransferDashboard` knows about run
options is in this module: which options have a control (:data:`_CONTROLLED`),
the unknown-option check and the seed's preset (:meth:`_DashboardControls._take_options`),
the controls and their starting values — the learning rate that follows the
optimizer, the sizes offered, the style-layer checkboxes
(:meth:`_DashboardControls._make_controls`) — the settings tabs
(:meth:`_DashboardControls._settings_tabs`), the options the controls
describe (:meth:`_DashboardControls.options`, what Start runs) and whether they
changed since the last run (:func:`_same`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import ipywidgets as widgets
import numpy as np
import traitlets

from ..defaults import IMG_SIZE
from ..errors import OptionError
from ..layers import CONV_LAYERS, VGG19_LAYERS
from ..validate import check_size, did_you_mean
from ._base import _layer_option

#: Engine options the dashboard has a control for; every other option is passed through unchanged.
_CONTROLLED = (
    "alpha",
    "beta",
    "tv_weight",
    "content_layer",
    "style_layers",
    "pooling",
    "noise_ratio",
    "optimizer",
    "learning_rate",
    "size",
    "precision",
    "seed",
    "iterations",
)

#: Image sizes offered by the dashboard, as (width, height).
SIZES: tuple[tuple[int, int], ...] = ((400, 300), (320, 240), (256, 192), (200, 150), (128, 96))


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


class _DashboardControls:
    """The option controls of the dashboard (a part of :class:`~nst_teach.widgets.StyleTransferDashboard`)."""

    def _take_options(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """Every engine option: the defaults (or the seed's preset), then ``given``; unknown names are refused.

        Keeps the options without a control (``weights``, ``style_scale``, ``init``...) to pass through.
        """
        from ..defaults import LEARNING_RATE
        from ..engine import LBFGS_LEARNING_RATE, OPTIONS, SEED_PRESET

        unknown = [name for name in given if name not in OPTIONS]
        if unknown:
            raise OptionError(
                f"StyleTransferDashboard() got an unknown option {unknown[0]!r}."
                f"{did_you_mean(unknown[0], OPTIONS)} Valid options: {', '.join(OPTIONS)}."
            )
        options = dict(OPTIONS)
        if given.get("preset") == "seed":
            options.update(SEED_PRESET)
        options.update(given)
        self._passed = {k: v for k, v in options.items() if k not in _CONTROLLED and k != "preset"}
        self._lr_defaults = {"adam": LEARNING_RATE, "lbfgs": LBFGS_LEARNING_RATE}
        return options

    def _make_controls(self, options: Mapping[str, Any], every: int, panel_layer: Any) -> None:
        """One control per option in :data:`_CONTROLLED`, set to its value in ``options``; and the panel layer."""

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
        all_layers = [r.name for r in VGG19_LAYERS[1:]]
        self.alpha = widgets.FloatLogSlider(
            base=10, min=-3, max=6, step=0.1, description="α (content)", **settle, **wide
        )
        self.beta = widgets.FloatLogSlider(base=10, min=-3, max=6, step=0.1, description="β (style)", **settle, **wide)
        self.tv_weight = widgets.FloatText(description="TV weight", **wide)
        self.optimizer = widgets.Dropdown(
            options=[("L-BFGS", "lbfgs"), ("Adam", "adam")], description="optimizer", **wide
        )
        self.learning_rate = widgets.FloatLogSlider(
            base=10, min=-2, max=2, step=0.05, description="learning rate", **settle, **wide
        )
        self.iterations = widgets.BoundedIntText(min=1, max=1_000_000, description="iterations", **wide)
        self.every = widgets.BoundedIntText(min=1, max=10_000, description="show every", **wide)
        self.content_layer = widgets.Dropdown(
            options=all_layers, value=CONV_LAYERS[0].name, description="content layer", **wide
        )
        self.noise_ratio = widgets.FloatSlider(min=0, max=1, step=0.05, description="noise ratio", **settle, **wide)
        self.pooling = widgets.ToggleButtons(
            options=["avg", "max"], description="pooling", style={"description_width": "120px"}
        )
        self.precision = widgets.Dropdown(options=["auto", "float32", "bfloat16"], description="precision", **wide)
        self.seed = widgets.BoundedIntText(min=-1, max=2**31 - 1, description="seed (-1: fresh)", **wide)

        set_value(self.alpha, options["alpha"], "alpha")
        set_value(self.beta, options["beta"], "beta")
        set_value(self.tv_weight, options["tv_weight"], "tv_weight")
        name = str(options["optimizer"]).lower()
        optimizer = "lbfgs" if name in ("l-bfgs", "lbfgs") else name
        set_value(self.optimizer, optimizer, "optimizer")
        lr = self._lr_defaults[optimizer] if options["learning_rate"] is None else options["learning_rate"]
        set_value(self.learning_rate, lr, "learning_rate")
        self.optimizer.observe(lambda ch: setattr(self.learning_rate, "value", self._lr_defaults[ch["new"]]), "value")
        set_value(self.iterations, options["iterations"], "iterations")
        set_value(self.every, every, "every")
        set_value(
            self.content_layer, _layer_option(options["content_layer"], "content_layer", all_layers), "content_layer"
        )
        set_value(self.noise_ratio, options["noise_ratio"], "noise_ratio")
        set_value(self.pooling, options["pooling"], "pooling")
        set_value(self.precision, options["precision"], "precision")
        set_value(self.seed, -1 if options["seed"] is None else options["seed"], "seed")

        size = check_size(IMG_SIZE if options["size"] is None else options["size"])
        sizes = list(SIZES) if size in SIZES else [size, *SIZES]
        self.size = widgets.Dropdown(
            options=[(f"{w}×{h}", (w, h)) for w, h in sizes], value=size, description="size (w×h)", **wide
        )

        given = options["style_layers"]
        if isinstance(given, Mapping):
            pairs = list(given.items())
        elif isinstance(given, (list, tuple)) and given:
            pairs = [(layer, 1.0 / len(given)) for layer in given]
        else:
            raise OptionError(f"style_layers must be a dict {{layer: coefficient}}, got {given!r}.")
        chosen = {_layer_option(k, "style_layers", all_layers): v for k, v in pairs}
        names = [r.name for r in VGG19_LAYERS if r in CONV_LAYERS or r.name in chosen]
        self.style_enabled: dict[str, widgets.Checkbox] = {}
        self.style_weights: dict[str, widgets.FloatSlider] = {}
        for name in names:
            value = chosen.get(name, 0.2)
            self.style_enabled[name] = widgets.Checkbox(
                value=name in chosen, description=name, indent=False, layout=widgets.Layout(width="140px")
            )
            slider = widgets.FloatSlider(
                min=0.0, step=0.01, description="λ", style={"description_width": "20px"}, **settle
            )
            slider.max = max(1.0, float(value)) if isinstance(value, (int, float)) and math.isfinite(value) else 1.0
            set_value(slider, value, f"style_layers[{name!r}]")
            self.style_weights[name] = slider

        if panel_layer == "":
            panel_layer = next(iter(chosen), None)
        first_panel = None if panel_layer is None else _layer_option(panel_layer, "panel_layer", all_layers)
        self.panel_layer = widgets.Dropdown(
            options=[("(none)", None), *[(n, n) for n in all_layers]], value=first_panel, description="layer", **wide
        )

    def _settings_tabs(self) -> widgets.Tab:
        """The option controls, in three tabs."""
        rows = [widgets.HBox([self.style_enabled[n], self.style_weights[n]]) for n in self.style_weights]
        return widgets.Tab(
            children=[
                widgets.VBox(
                    [
                        self.alpha,
                        self.beta,
                        self.tv_weight,
                        self.optimizer,
                        self.learning_rate,
                        self.iterations,
                        self.every,
                    ]
                ),
                widgets.VBox(
                    [
                        self.content_layer,
                        widgets.HTML("<b>style layers</b> (checked ones count, λ = weight)"),
                        widgets.GridBox(rows, layout=widgets.Layout(grid_template_columns="repeat(2, 400px)")),
                    ]
                ),
                widgets.VBox([self.size, self.noise_ratio, self.seed, self.pooling, self.precision]),
            ],
            titles=("Costs & optimizer", "Layers", "Image & network"),
        )

    def options(self) -> dict[str, Any]:
        """The options the controls describe: what Start passes to :class:`StyleTransfer`."""
        seed = int(self.seed.value)
        options = {
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
        options.update(self._passed)
        return options

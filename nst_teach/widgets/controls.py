"""The dashboard's settings: its controls, made from the option table, and the options they describe.

Which options have a control is decided by the table, :data:`nst_teach.options.TABLE`: every row
with ``control=True`` gets one, and the others (their ``no_control`` says why) are passed to the run
as given.  What a control is follows from its row:

* a number: a number box, or a slider from 0 to ``at_most`` where the row has one;
* a whole number (``count``): a number box from ``minimum`` (one less stands for ``None`` where the row
  allows it: the random seed's -1, fresh noise);
* a choice: a dropdown of the row's ``choices``, its default first;
* a layer: a dropdown of VGG-19's layers; the style layers: a checkbox and a λ slider per conv layer;
* a size: a dropdown of :data:`SIZES`;
* a switch: a checkbox;
* a start (``init``): a dropdown of the table's keywords, and "the image given" where one was.

Every control's tooltip is its row's ``help``.  This module adds only how a control looks
(:data:`_LOOKS`: its label, its tab, a log-scale slider for α, β and the learning rate); an option
without a look gets a plain control, labelled by its name, in a tab of its own.

The options given to the dashboard are checked by :func:`nst_teach.options.resolve_options`
(:meth:`_DashboardControls._take_options`), with the reference recipe's preset from
:func:`nst_teach.options.defaults`; :meth:`_DashboardControls.options` reads the controls back
(what Start runs) and :func:`_same` says whether they changed since the last run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import ipywidgets as widgets
import numpy as np
import traitlets

from ..defaults import IMG_SIZE
from ..errors import OptionError
from ..layers import CONV_LAYERS, VGG19_LAYERS
from ..optimizers import LABELS, LEARNING_RATES, TOLERANCES
from ..options import TABLE, Option, defaults, resolve_options
from ..validate import check_size, format_size
from ._base import _layer_option, _TitledGridBox

#: Image sizes offered by the dashboard, as (width, height).
SIZES: tuple[tuple[int, int], ...] = ((400, 300), (320, 240), (256, 192), (200, 150), (128, 96))

#: The settings tabs, in order; "More" holds the controls that have no look (and shows only if there are any).
TABS: tuple[str, ...] = ("Costs & optimizer", "Layers", "Image & network", "More")


@dataclass(frozen=True)
class _Look:
    """How an option's control looks on the page; what the control is follows from the option's row."""

    label: str
    tab: str = "More"
    widget: type[widgets.Widget] | None = None  # None: the kind's own (see the module's docstring)
    args: Mapping[str, Any] = field(default_factory=dict)  # e.g. a log-scale slider's range
    names: Mapping[str, str] = field(default_factory=dict)  # how a choice reads in a dropdown
    wide: bool = True  # a 380 px row with a 120 px label (ToggleButtons keep their own width)


_GIVEN = "given"  # the start control's entry for an image given as init

_LOG_SCALE = {"base": 10, "min": -3, "max": 6, "step": 0.1}  # 10^-3 … 10^6

#: How each control looks, in the order the tabs show them.  Presentation only: whether an option has a
#: control is its row's ``control``, and a look for an option without one is not used.
_LOOKS: dict[str, _Look] = {
    "alpha": _Look("α (content)", "Costs & optimizer", widgets.FloatLogSlider, _LOG_SCALE),
    "beta": _Look("β (style)", "Costs & optimizer", widgets.FloatLogSlider, _LOG_SCALE),
    "tv_weight": _Look("TV weight", "Costs & optimizer"),
    "optimizer": _Look("optimizer", "Costs & optimizer", names=LABELS),
    "learning_rate": _Look(
        "learning rate", "Costs & optimizer", widgets.FloatLogSlider, {"base": 10, "min": -2, "max": 2, "step": 0.05}
    ),
    "iterations": _Look("iterations", "Costs & optimizer", args={"max": 1_000_000}),
    "tolerance": _Look(
        "converged below", "Costs & optimizer", widgets.BoundedFloatText, {"min": 0.0, "max": 1.0, "step": 0.001}
    ),
    "content_layer": _Look("content layer", "Layers"),
    "style_layers": _Look("style layers", "Layers"),
    "size": _Look("size (w×h)", "Image & network"),
    "init": _Look(
        "start",
        "Image & network",
        names={
            "content": "the content image",
            "noise": "noise (the reference recipe's)",
            "style": "the style image",
            _GIVEN: "the image given",
        },
    ),
    "noise_ratio": _Look("noise ratio", "Image & network"),
    "seed": _Look("seed (-1: fresh)", "Image & network"),
    "pooling": _Look("pooling", "Image & network", widgets.ToggleButtons, wide=False),
    "precision": _Look("precision", "Image & network"),
}


def _look(name: str) -> _Look:
    return _LOOKS.get(name) or _Look(name.replace("_", " "))


def _controlled() -> list[Option]:
    """The table's rows with ``control=True``, in the order the page shows them (those without a look last)."""
    order = list(_LOOKS)
    rows = [option for option in TABLE.values() if option.control]
    return sorted(rows, key=lambda option: order.index(option.name) if option.name in order else len(order))


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


# --------------------------------------------------------------------------- one control per kind


@dataclass
class _Control:
    """An option's control: the widget on the page (with a heading above it, maybe) and how to read it back."""

    widget: widgets.Widget
    read: Callable[[], Any]
    heading: widgets.Widget | None = None


@dataclass
class _LayerWeights(_Control):
    """The style layers' control: a checkbox (``enabled``) and a λ slider (``weights``) per layer."""

    enabled: dict[str, widgets.Checkbox] = field(default_factory=dict)
    weights: dict[str, widgets.FloatSlider] = field(default_factory=dict)


def _set(widget: widgets.Widget, value: Any, name: str) -> None:
    try:
        widget.value = value
    except (traitlets.TraitError, TypeError, ValueError) as exc:
        raise OptionError(f"{name} = {value!r} cannot be shown by the dashboard's control: {exc}") from None


def _make(cls: type[widgets.Widget], option: Option, look: _Look, **args: Any) -> widgets.Widget:
    """A ``cls`` widget labelled by ``look``, with the option's help as its tooltip."""
    kwargs: dict[str, Any] = {
        "description": look.label,
        "tooltip": option.help,
        "style": {"description_width": "120px"},
    }
    if look.wide:
        kwargs["layout"] = widgets.Layout(width="380px")
    # continuous_update=False: a browser drawing a slider with continuous updates snaps the value to the
    # slider's step and sends it back (β 40 -> 39.81, learning rate 2 -> 1.995, λ 1/3 -> 0.33) before
    # anyone touches it; without them the value changes only when the student moves the slider.
    # (tests/e2e/test_browser.py::test_showing_the_dashboard_in_the_page_keeps_its_settings)
    if "continuous_update" in cls.class_trait_names():
        kwargs["continuous_update"] = False
    return cls(**{**kwargs, **args, **look.args})


def _number(option: Option, value: Any, look: _Look) -> _Control:
    if value is None:
        raise ValueError(f"option {option.name!r}: the dashboard's control needs a number, not None ({option.none})")
    if look.widget is not None:
        widget = _make(look.widget, option, look)
    elif option.at_most is not None:
        widget = _make(widgets.FloatSlider, option, look, min=0.0, max=option.at_most, step=option.at_most / 20)
    else:
        widget = _make(widgets.FloatText, option, look)
    _set(widget, value, option.name)
    return _Control(widget, lambda: float(widget.value))


def _count(option: Option, value: Any, look: _Look) -> _Control:
    lowest = option.minimum - 1 if option.none else option.minimum  # one below the minimum stands for None
    widget = _make(look.widget or widgets.BoundedIntText, option, look, min=lowest, max=2**31 - 1)
    _set(widget, lowest if value is None else value, option.name)

    def read() -> int | None:
        number = int(widget.value)
        return None if option.none and number == lowest else number

    return _Control(widget, read)


def _default_first(option: Option) -> list[str]:
    return sorted(option.choices, key=lambda choice: choice != option.default)


def _choice(option: Option, value: Any, look: _Look) -> _Control:
    order = _default_first(option)
    widget = _make(look.widget or widgets.Dropdown, option, look, options=[(look.names.get(c, c), c) for c in order])
    _set(widget, value, option.name)
    return _Control(widget, lambda: widget.value)


def _switch(option: Option, value: Any, look: _Look) -> _Control:
    widget = _make(look.widget or widgets.Checkbox, option, look, indent=False)
    _set(widget, bool(value), option.name)
    return _Control(widget, lambda: bool(widget.value))


def _start(option: Option, value: Any, look: _Look) -> _Control:
    """The table's starting images (the default first), and the image given as ``value`` if it is one."""
    order = _default_first(option)
    keyword = isinstance(value, str) and value in option.choices
    entries = order if keyword else [*order, _GIVEN]
    widget = _make(look.widget or widgets.Dropdown, option, look, options=[(look.names.get(c, c), c) for c in entries])
    _set(widget, value if keyword else _GIVEN, option.name)
    return _Control(widget, lambda: value if widget.value == _GIVEN else widget.value)


def _all_layers() -> list[str]:
    return [layer.name for layer in VGG19_LAYERS[1:]]  # not the input


def _layer(option: Option, value: Any, look: _Look) -> _Control:
    widget = _make(look.widget or widgets.Dropdown, option, look, options=_all_layers())
    _set(widget, _layer_option(value, option.name, _all_layers()), option.name)
    return _Control(widget, lambda: widget.value)


def _size(option: Option, value: Any, look: _Look) -> _Control:
    size = check_size(IMG_SIZE if value is None else value, option.name)
    sizes = list(SIZES) if size in SIZES else [size, *SIZES]
    options = [(format_size(each), each) for each in sizes]
    widget = _make(look.widget or widgets.Dropdown, option, look, options=options, value=size)
    return _Control(widget, lambda: tuple(widget.value))


def _layer_weights(option: Option, value: Any, look: _Look) -> _Control:
    """A checkbox and a λ slider per conv layer (and per other layer given): checked layers count."""
    chosen = {_layer_option(layer, option.name, _all_layers()): weight for layer, weight in value.items()}
    names = [layer.name for layer in VGG19_LAYERS if layer in CONV_LAYERS or layer.name in chosen]
    enabled: dict[str, widgets.Checkbox] = {}
    weights: dict[str, widgets.FloatSlider] = {}
    for name in names:
        weight = chosen.get(name, 0.2)
        enabled[name] = widgets.Checkbox(
            value=name in chosen, description=name, indent=False, layout=widgets.Layout(width="140px")
        )
        weights[name] = widgets.FloatSlider(
            min=0.0,
            max=max(1.0, weight),
            step=0.01,
            description="λ",
            style={"description_width": "20px"},
            continuous_update=False,  # as in _make
        )
        _set(weights[name], weight, f"{option.name}[{name!r}]")
    rows = [widgets.HBox([enabled[name], weights[name]]) for name in names]
    grid = _TitledGridBox(rows, layout=widgets.Layout(grid_template_columns="repeat(2, 400px)"), tooltip=option.help)
    heading = widgets.HTML(f"<b>{look.label}</b> (checked ones count, λ = weight)")

    def read() -> dict[str, float]:
        return {name: float(slider.value) for name, slider in weights.items() if enabled[name].value}

    return _LayerWeights(grid, read, heading, enabled, weights)


#: How to make a control for each kind of option (kinds not here cannot be controls: images, files, lists).
_MAKERS: dict[str, Callable[[Option, Any, _Look], _Control]] = {
    "number": _number,
    "count": _count,
    "choice": _choice,
    "switch": _switch,
    "layer": _layer,
    "layer_weights": _layer_weights,
    "size": _size,
    "start": _start,
}


class _DashboardControls:
    """The option controls of the dashboard (a part of :class:`~nst_teach.widgets.StyleTransferDashboard`)."""

    def _take_options(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """Every option: the defaults (or the reference recipe's preset), then ``given``, checked by the table.

        Keeps the options without a control (``weights``, ``style_scale``, ``init``...) to pass to the
        run as they were given.

        Raises:
            OptionError: an unknown option (with "did you mean"), or a value the table refuses.
        """
        checked = resolve_options(given, partial=True, caller="StyleTransferDashboard()")
        values = {**defaults(checked.get("preset")), **checked}
        self._passed = {name: given.get(name, values[name]) for name, option in TABLE.items() if not option.control}
        return values

    def _make_controls(self, options: Mapping[str, Any], every: int, panel_layer: Any) -> None:
        """One control per row of the table with ``control=True``, set to its value in ``options``.

        And the dashboard's own controls, which are not run options: ``every`` and ``panel_layer`` (the layer
        that the panel "Inside the network: one layer" shows in detail).
        """
        starting = dict(options)
        if starting.get("learning_rate", 0) is None:  # None: the optimizer's own
            starting["learning_rate"] = LEARNING_RATES[starting["optimizer"]]
        if starting.get("tolerance", 0) is None:
            starting["tolerance"] = TOLERANCES[starting["optimizer"]]

        # {option: its control}, in the order the page shows them.
        self.controls: dict[str, widgets.Widget] = {}
        self._controls: dict[str, _Control] = {}
        for option in _controlled():
            if option.kind not in _MAKERS:
                raise ValueError(
                    f"option {option.name!r} (kind {option.kind!r}) has control=True, but the dashboard has no "
                    f"control for a {option.kind}; give its row control=False and a no_control reason"
                )
            if hasattr(type(self), option.name):
                raise ValueError(f"option {option.name!r} has the name of the dashboard's own {option.name!r}")
            control = _MAKERS[option.kind](option, starting[option.name], _look(option.name))
            self._controls[option.name] = control
            self.controls[option.name] = control.widget
            setattr(self, option.name, control.widget)
            if isinstance(control, _LayerWeights):  # the style layers' checkboxes and λ sliders, by layer
                self.style_enabled, self.style_weights = control.enabled, control.weights
        if "init" in self.controls:  # the noise's share and seed matter only when the start is noise
            noisy = [self.controls[name] for name in ("noise_ratio", "seed") if name in self.controls]

            def show_noise(_: Any = None) -> None:
                for widget in noisy:
                    widget.disabled = self.controls["init"].value != "noise"

            self.controls["init"].observe(show_noise, "value")
            show_noise()
        if {"optimizer", "learning_rate"} <= self.controls.keys():  # a new optimizer starts at its own rate
            self.optimizer.observe(
                lambda change: setattr(self.learning_rate, "value", LEARNING_RATES[change["new"]]), "value"
            )
        if {"optimizer", "tolerance"} <= self.controls.keys():  # ...and its own convergence tolerance
            self.optimizer.observe(lambda change: setattr(self.tolerance, "value", TOLERANCES[change["new"]]), "value")

        self.every = widgets.BoundedIntText(
            min=1,
            max=10_000,
            description="show every",
            style={"description_width": "120px"},
            layout=widgets.Layout(width="380px"),
        )
        _set(self.every, every, "every")
        all_layers = _all_layers()
        if panel_layer == "":
            panel_layer = next(iter(options.get("style_layers") or {}), None)
        first_panel = None if panel_layer is None else _layer_option(panel_layer, "panel_layer", all_layers)
        self.panel_layer = widgets.Dropdown(
            options=[("(none)", None), *[(n, n) for n in all_layers]],
            value=first_panel,
            description="layer",
            style={"description_width": "120px"},
            layout=widgets.Layout(width="380px"),
        )

    def _settings_tabs(self) -> widgets.Tab:
        """The controls, in the tabs their looks name (``every`` after the iterations)."""
        tabs: dict[str, list[widgets.Widget]] = {title: [] for title in TABS}
        for name, control in self._controls.items():
            tabs[_look(name).tab].extend([control.heading, control.widget] if control.heading else [control.widget])
        tabs[TABS[0]].append(self.every)
        shown = {title: children for title, children in tabs.items() if children}
        return widgets.Tab(children=[widgets.VBox(children) for children in shown.values()], titles=tuple(shown))

    def options(self) -> dict[str, Any]:
        """The options the controls describe: what Start passes to :class:`StyleTransfer`."""
        options = {name: control.read() for name, control in self._controls.items()}
        options.update(self._passed)
        return options

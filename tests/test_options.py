"""Tests of nst_teach/options.py: the one table of run options, and everything made from it.

The table is the single source: the engine's checks, the command line's flags (and ``--help``) and
the dashboard's controls must offer exactly its options, so that they cannot drift apart.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterable

os.environ.setdefault("NST_TEACH_OFFLINE", "1")

import numpy as np
import pytest

import nst_teach.engine as engine_module
from nst_teach import cli, optimizers, options
from nst_teach.defaults import ALPHA, CONTENT_LAYER, LEARNING_RATE, STYLE_LAYERS
from nst_teach.errors import OptionError
from nst_teach.options import TABLE, Option, check_option, resolve_options

CONTENT = np.full((40, 48, 3), 120, np.uint8)
STYLE = np.full((40, 48, 3), 30, np.uint8)
#: Flags of ``nst-teach stylize`` that are about the command, not about the run (not in the table).
CLI_OWN = {"help", "content", "style", "output", "save_every", "gif", "gif_every", "quiet"}


def assert_exactly_the_table(names: Iterable[str], where: str, rows: Iterable[str] | None = None) -> None:
    """``names`` (what ``where`` offers) are exactly the table's options: none missing, none extra.

    Reusable for every consumer of the table (the engine, the command line, the dashboard).  ``rows``:
    the table's options this consumer must offer, if not all of them (the command line: those with a flag).
    """
    names = list(names)
    rows = list(TABLE if rows is None else rows)
    missing = [name for name in rows if name not in names]
    extra = [name for name in names if name not in TABLE]
    assert not missing and not extra, f"{where}: missing {missing}, not in nst_teach/options.py {extra}"
    assert len(names) == len(set(names)), f"{where} offers an option twice: {names}"


class _Built(Exception):
    """Raised instead of building VGG-19: the options got through the engine's checks."""


@pytest.fixture()
def no_model(monkeypatch):
    def built(*args, **kwargs):
        raise _Built

    monkeypatch.setattr(engine_module, "build_extractor", built)


def _stylize_parser(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    sub = next(action for action in parser._actions if isinstance(action, argparse._SubParsersAction))
    return sub.choices["stylize"]


def _run_flags(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    """``{dest: action}`` of the stylize sub-command's flags that set a run option."""
    actions = _stylize_parser(parser)._actions
    return {action.dest: action for action in actions if action.dest not in CLI_OWN}


def _help(parser: argparse.ArgumentParser) -> str:
    return " ".join(_stylize_parser(parser).format_help().split())


# --------------------------------------------------------------------------- one table, every consumer


def test_the_engine_accepts_exactly_the_table(no_model):
    with pytest.raises(OptionError) as info:
        resolve_options({"not_an_option": 1})
    valid = str(info.value).split("Valid options: ", 1)[1].rstrip(".").split(", ")
    assert_exactly_the_table(valid, "the engine's list of valid options")
    assert_exactly_the_table(resolve_options({}, partial=False), "resolve_options")
    from nst_teach.engine import OPTIONS, StyleTransfer

    assert_exactly_the_table(OPTIONS, "nst_teach.engine.OPTIONS")
    for name, option in TABLE.items():  # every option, at its default, gets through the engine's checks
        with pytest.raises(_Built):
            StyleTransfer(CONTENT, STYLE, **{"size": (48, 40), name: option.default})


def test_the_command_line_offers_exactly_the_table():
    parser = cli.build_parser()
    flags = _run_flags(parser)
    with_flag = [name for name, option in TABLE.items() if option.has_flag]
    assert_exactly_the_table(flags, "nst-teach stylize", rows=with_flag)
    text = _help(parser)
    for name, option in TABLE.items():
        if not option.has_flag:  # the course's functions: Python only
            assert option.cli_flag == "" and option.name.replace("_", "-") not in text, name
            continue
        assert option.cli_flag in flags[name].option_strings
        assert " ".join(option.help.split()) in text, name
    assert flags["tv_weight"].option_strings == ["--tv-weight"]
    assert flags["style_blend"].option_strings == ["--style-weights"]


def test_the_command_line_turns_flags_into_the_engines_options():
    parser = cli.build_parser()
    args = parser.parse_args(
        [
            "stylize",
            "c.jpg",
            "s.jpg",
            "-o",
            "o.jpg",
            "--alpha",
            "3",
            "--size",
            "64x48",
            "--style-layers",
            "block1_conv1=0.5,block3_conv1=0.5",
            "--scales",
            "0.5",
            "1",
            "--preserve-colors",
            "--optimizer",
            "adam",
        ]
    )
    given = cli._run_options(args)
    assert given == {
        "alpha": 3.0,
        "size": (64, 48),
        "style_layers": {"block1_conv1": 0.5, "block3_conv1": 0.5},
        "scales": [0.5, 1.0],
        "preserve_colors": True,
        "optimizer": "adam",
    }
    resolve_options(given, partial=True)  # what the command line gives, the engine takes


def test_the_course_functions_are_options_without_a_control_or_a_flag():
    assert options.FUNCTIONS == (
        "content_cost",
        "gram_matrix",
        "layer_style_cost",
        "style_cost",
        "total_cost",
        "train_step",
    )
    left_off = {name for name, option in TABLE.items() if not option.has_flag}
    assert left_off == set(options.FUNCTIONS)
    for name in options.FUNCTIONS:
        option = TABLE[name]
        assert option.kind == "function" and option.default is None and not option.control
        assert "a function the student writes" in option.no_control and "command line" in option.no_flag
        assert "the package's own" in option.none
    function = options.resolve_options({"gram_matrix": len})["gram_matrix"]
    assert function is len and options.resolve_options({})["gram_matrix"] is None
    with pytest.raises(ValueError, match="not both"):
        Option("knob", "number", 1.0, "a knob", flag="--knob", no_flag="no flag")


def test_every_option_left_out_of_the_dashboard_says_why():
    left_out = {name: option.no_control for name, option in TABLE.items() if not option.control}
    assert {"log_dir", "scales", "preset"} <= set(left_out)
    assert all(len(reason) > 20 for reason in left_out.values()), left_out
    with pytest.raises(ValueError, match="no_control"):
        Option("knob", "number", 1.0, "a knob", control=False)
    with pytest.raises(ValueError, match="none"):
        Option("knob", "number", None, "a knob")


def test_an_option_added_to_the_table_reaches_the_engine_and_the_command_line(monkeypatch, no_model):
    knob = Option("throwaway_knob", "number", 1.5, "a throwaway knob, for this test only", at_most=5.0)
    monkeypatch.setitem(TABLE, knob.name, knob)
    from nst_teach.engine import OPTIONS, StyleTransfer

    # The engine: accepted, refused, filled in.
    assert resolve_options({"throwaway_knob": 2})["throwaway_knob"] == 2.0
    assert resolve_options({})["throwaway_knob"] == 1.5 and OPTIONS["throwaway_knob"] == 1.5
    with pytest.raises(_Built):
        StyleTransfer(CONTENT, STYLE, size=(48, 40), throwaway_knob=3)
    with pytest.raises(OptionError, match="throwaway_knob must be at most 5"):
        StyleTransfer(CONTENT, STYLE, size=(48, 40), throwaway_knob=9)
    with pytest.raises(OptionError, match="throwaway_knob must be a finite number"):
        StyleTransfer(CONTENT, STYLE, size=(48, 40), throwaway_knob=float("nan"))
    # The command line: a flag with its help and default, parsed into the options.
    parser = cli.build_parser()
    assert "--throwaway-knob THROWAWAY_KNOB a throwaway knob, for this test only (default: 1.5)" in _help(parser)
    args = parser.parse_args(["stylize", "c.jpg", "s.jpg", "-o", "o.jpg", "--throwaway-knob", "4"])
    assert cli._run_options(args) == {"throwaway_knob": 4.0}
    monkeypatch.delitem(TABLE, knob.name)
    assert "--throwaway-knob" not in _help(cli.build_parser())


# --------------------------------------------------------------------------- resolve_options


def test_defaults_fill_every_option():
    settings = resolve_options({})
    assert settings["alpha"] == ALPHA and settings["content_layer"] == CONTENT_LAYER
    assert settings["style_layers"] == STYLE_LAYERS and settings["style_layers"] is not STYLE_LAYERS
    assert settings["optimizer"] == "lbfgs" and settings["learning_rate"] == optimizers.LBFGS_LEARNING_RATE
    assert settings["precision"] in ("float32", "bfloat16")  # "auto", decided for this machine
    assert resolve_options({"optimizer": "adam"})["learning_rate"] == LEARNING_RATE
    assert resolve_options({"optimizer": "adam", "learning_rate": 0.5})["learning_rate"] == 0.5
    # The defaults are copies: changing what came back changes nothing in the table.
    settings["style_layers"]["block1_conv1"] = 99.0
    assert TABLE["style_layers"].default == STYLE_LAYERS and options.DEFAULTS["style_layers"] == STYLE_LAYERS


def test_the_reference_preset_sets_the_reference_recipe_and_explicit_options_win():
    seed = resolve_options({"preset": "reference"})
    assert {name: seed[name] for name in options.REFERENCE_PRESET} == {
        "bounded": False,
        "init": "noise",
        "optimizer": "adam",
        "learning_rate": 2.0,
        "precision": "float32",
        "iterations": 500,
        "tolerance": 0.0,  # the convergence rule off: all 500 iterations are the recipe
    }
    assert resolve_options({"preset": "reference", "optimizer": "lbfgs"})["optimizer"] == "lbfgs"
    assert options.defaults("reference")["optimizer"] == "adam" and options.defaults()["optimizer"] == "lbfgs"
    with pytest.raises(OptionError, match="preset"):
        resolve_options({"preset": "fast"})


def test_partial_checks_only_what_is_given_and_fills_nothing():
    assert resolve_options({}, partial=True) == {}
    given = resolve_options(
        {"optimizer": "L-BFGS", "learning_rate": None, "precision": "auto", "size": [64, 48]}, partial=True
    )
    assert given == {"optimizer": "lbfgs", "learning_rate": None, "precision": "auto", "size": (64, 48)}
    with pytest.raises(OptionError, match="beta must be a finite number"):
        resolve_options({"beta": -1}, partial=True)
    with pytest.raises(OptionError, match="Dashboard\\(\\) got an unexpected option 'betta'. Did you mean 'beta'"):
        resolve_options({"betta": 1}, partial=True, caller="Dashboard()")


def test_values_come_back_normalized():
    assert check_option("content_layer", 13) == "block4_conv2"
    assert check_option("style_layers", ["block1_conv1", "block2_conv1"]) == {"block1_conv1": 0.5, "block2_conv1": 0.5}
    assert check_option("pooling", "MAX") == "max" and check_option("init", "Content") == "content"
    assert check_option("weights", "Random") == "random" and check_option("seed", None) is None
    assert check_option("scales", np.array([0.5, 1.0])) == [0.5, 1.0]
    assert check_option("alpha", np.float32(2)) == 2.0 and type(check_option("iterations", np.int64(3))) is int
    assert options.blend_weights([1, 3], 2) == [0.25, 0.75]
    with pytest.raises(OptionError, match="style_blend has 3 weights but there are 2 style images"):
        options.blend_weights([1, 1, 1], 2)


BAD = [
    ("alpha", float("nan"), "finite"),
    ("alpha", "10", "must be a number"),
    ("beta", -3, ">= 0"),
    ("tv_weight", float("inf"), "finite"),
    ("learning_rate", 0, "> 0"),
    ("noise_ratio", 1.5, "at most 1"),
    ("style_scale", 0, "> 0"),
    ("content_layer", "block4_conv9", "Did you mean 'block4_conv"),
    ("style_layers", {"block1_conv1": 0}, "every coefficient is 0"),
    ("style_layers", "block1_conv1", "dict"),
    ("style_layers", {}, "empty"),
    ("style_layers", {"block1_conv1": -1}, ">= 0"),
    ("optimizer", "adma", "Did you mean 'adam'"),
    ("pooling", "min", "'avg', 'max'"),
    ("precision", "float16", "'float32'"),
    ("init", "nosie", "Did you mean 'noise'"),
    ("init", 3, "an image"),
    ("size", (16, 40), "16×40 is too small"),
    ("size", "big", "(width, height)"),
    ("size", (64.0, 48), "whole"),
    ("weights", "imagenett", "Did you mean 'imagenet'"),
    ("weights", 3, "weights file"),
    ("seed", -1, ">= 0"),
    ("seed", 1.5, "whole number"),
    ("iterations", 0, ">= 1"),
    ("log_dir", 3, "folder"),
    ("preserve_colors", "yes", "True or False"),
    ("scales", [1.0, 0.5], "increase"),
    ("scales", "0.5", "list"),
    ("style_blend", [0, 0], "all 0"),
    ("style_blend", 2, "one per style image"),
    ("preset", "fast", "'reference'"),
    ("gram_matrix", 3, "must be a function"),
    ("train_step", "train_step", "without calling it"),
]


@pytest.mark.parametrize("name, value, words", BAD, ids=[f"{n}={v!r}" for n, v, _ in BAD])
def test_a_bad_value_is_refused_with_a_message_naming_the_option(name, value, words):
    for partial in (False, True):
        with pytest.raises(OptionError) as info:
            resolve_options({name: value}, partial=partial)
        message = str(info.value)
        assert name in message and words in message, message


def test_an_option_that_needs_a_missing_package_says_how_to_install_it(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "tensorboard" else real(name, *a))
    with pytest.raises(OptionError, match="log_dir needs tensorboard.*pip install tensorboard"):
        resolve_options({"log_dir": "runs"}, partial=True)
    assert resolve_options({"log_dir": None}, partial=True) == {"log_dir": None}


def test_the_engines_docstring_lists_the_table():
    from nst_teach.engine import StyleTransfer

    doc = " ".join(StyleTransfer.__doc__.split())
    for name, option in TABLE.items():
        assert f"``{name}``" in doc and " ".join(option.help.split()) in doc


# --------------------------------------------------------------------------- the dashboard and the preview grid

WIDGET_FAST = {"size": (48, 40), "weights": "random", "precision": "float32"}


@pytest.fixture()
def widgets_module():
    import matplotlib

    matplotlib.use("Agg")
    from nst_teach import widgets

    yield widgets
    widgets.stop_all()


def _valid_options(message: str) -> list[str]:
    return message.split("Valid options: ", 1)[1].rstrip(".").split(", ")


def test_the_dashboards_controls_are_exactly_the_tables_control_rows(widgets_module):
    dash = widgets_module.StyleTransferDashboard(CONTENT, STYLE, **WIDGET_FAST)
    controlled = [name for name, option in TABLE.items() if option.control]
    assert sorted(dash.controls) == sorted(controlled)
    assert_exactly_the_table(dash.options(), "StyleTransferDashboard.options()")
    tabs = dash._settings_tabs()
    shown = [widget for box in tabs.children for widget in box.children]
    for name, widget in dash.controls.items():
        assert widget in shown, f"the control of {name} is in no tab"
        assert widget.tooltip == TABLE[name].help, name
    # What a control shows comes from its row: the choices, the range, the alias, the optimizer's own rate.
    assert sorted(value for _, value in dash.optimizer.options) == sorted(TABLE["optimizer"].choices)
    assert [value for _, value in dash.precision.options][0] == TABLE["precision"].default
    assert dash.noise_ratio.max == TABLE["noise_ratio"].at_most and dash.iterations.min == TABLE["iterations"].minimum
    assert [widget.description for widget in (dash.beta, dash.iterations, dash.every)] == [
        "β (style)",
        "iterations",
        "show every",
    ]  # the labels tests/e2e/test_browser.py finds them by
    lbfgs = widgets_module.StyleTransferDashboard(CONTENT, STYLE, optimizer="L-BFGS", **WIDGET_FAST)
    assert lbfgs.optimizer.value == "lbfgs" and lbfgs.learning_rate.value == optimizers.LEARNING_RATES["lbfgs"]
    lbfgs.optimizer.value = "adam"
    assert lbfgs.options()["learning_rate"] == optimizers.LEARNING_RATES["adam"]
    seed = widgets_module.StyleTransferDashboard(CONTENT, STYLE, preset="reference", **WIDGET_FAST)
    expected = {**options.defaults("reference"), **WIDGET_FAST}
    assert {name: seed.options()[name] for name in options.REFERENCE_PRESET} == {
        name: expected[name] for name in options.REFERENCE_PRESET
    }


def test_the_dashboard_and_the_preview_grid_accept_exactly_the_table(widgets_module):
    dashboard, grid = widgets_module.StyleTransferDashboard, widgets_module.PreviewGrid
    vary = {"beta": [10, 100]}
    for make, caller in (
        (lambda **o: dashboard(CONTENT, STYLE, **o), "StyleTransferDashboard()"),
        (lambda **o: grid(CONTENT, STYLE, vary, **o), "PreviewGrid()"),
    ):
        with pytest.raises(OptionError) as info:
            make(bta=1)
        assert str(info.value).startswith(f"{caller} got an unexpected option 'bta'. Did you mean 'beta'?")
        assert_exactly_the_table(_valid_options(str(info.value)), f"{caller}'s list of valid options")
    with pytest.raises(OptionError) as info:
        grid(CONTENT, STYLE, {"bta": [1, 2]})
    assert_exactly_the_table(_valid_options(str(info.value)), "PreviewGrid(vary=...)'s list of valid options")
    for name, option in TABLE.items():  # every option, at its default, is taken
        given = {**WIDGET_FAST, name: option.default}
        passed = dashboard(CONTENT, STYLE, **given).options()
        if not option.control:  # passed to the run as it was given
            assert passed[name] is given[name], name
        if name != "size":  # the grid's size is the thumbnails' (a size, not None)
            assert grid(CONTENT, STYLE, vary, **{name: option.default})._options[name] is option.default, name
        grid(CONTENT, STYLE, {name: [option.default]}, size=(48, 40))
    # A value the table refuses is refused by both, in the table's words.
    for make in (
        lambda: dashboard(CONTENT, STYLE, beta=-1),
        lambda: grid(CONTENT, STYLE, vary, beta=-1),
        lambda: grid(CONTENT, STYLE, {"beta": [10, -1]}),
    ):
        with pytest.raises(OptionError, match="beta must be a finite number >= 0, got -1"):
            make()


def test_an_option_added_to_the_table_reaches_the_dashboard_and_the_preview_grid(monkeypatch, widgets_module):
    knob = Option("throwaway_knob", "number", 1.5, "a throwaway knob, for this test only", at_most=5.0)
    mix = Option(
        "throwaway_mix",
        "blend",
        None,
        "a throwaway list, for this test only",
        none="no mix",
        control=False,
        no_control="a list with no control, for this test only",
    )
    monkeypatch.setitem(TABLE, knob.name, knob)
    monkeypatch.setitem(TABLE, mix.name, mix)
    weights = np.array([1.0, 3.0])
    dash = widgets_module.StyleTransferDashboard(CONTENT, STYLE, throwaway_knob=2, throwaway_mix=weights, **WIDGET_FAST)
    # control=True: a control (a slider up to at_most, the help as tooltip) that Start reads.
    control = dash.controls["throwaway_knob"]
    assert control is dash.throwaway_knob and control.value == 2.0 and control.max == 5.0
    assert control.tooltip == knob.help and control.description == "throwaway knob"
    assert control in [widget for box in dash._settings_tabs().children for widget in box.children]
    control.value = 4.0
    assert dash.options()["throwaway_knob"] == 4.0
    # control=False: checked, then passed to the run unchanged.
    assert "throwaway_mix" not in dash.controls and dash.options()["throwaway_mix"] is weights
    with pytest.raises(OptionError, match="throwaway_knob must be at most 5"):
        widgets_module.StyleTransferDashboard(CONTENT, STYLE, throwaway_knob=9, **WIDGET_FAST)
    with pytest.raises(OptionError, match="throwaway_mix weights are all 0"):
        widgets_module.StyleTransferDashboard(CONTENT, STYLE, throwaway_mix=[0, 0], **WIDGET_FAST)
    grid = widgets_module.PreviewGrid(CONTENT, STYLE, {"throwaway_knob": [1, 2]}, throwaway_mix=weights)
    assert [label for label, _ in grid.settings] == ["throwaway_knob=1", "throwaway_knob=2"]
    assert grid._options["throwaway_mix"] is weights
    with pytest.raises(OptionError, match="vary: throwaway_knob must be at most 5"):
        widgets_module.PreviewGrid(CONTENT, STYLE, {"throwaway_knob": [1, 9]})
    # The row decides: the same option with control=False and a reason is passed through, not shown.
    monkeypatch.setitem(
        TABLE,
        knob.name,
        Option(
            knob.name,
            "number",
            1.5,
            knob.help,
            control=False,
            no_control="kept out of the dashboard, for this test only",
        ),
    )
    dash = widgets_module.StyleTransferDashboard(CONTENT, STYLE, throwaway_knob=2, **WIDGET_FAST)
    assert "throwaway_knob" not in dash.controls and dash.options()["throwaway_knob"] == 2
    # A row asking for a control the dashboard cannot make says to give it a no_control reason.
    monkeypatch.setitem(TABLE, mix.name, Option(mix.name, "blend", None, mix.help, none="no mix"))
    with pytest.raises(ValueError, match="throwaway_mix.*no control for a blend.*no_control"):
        widgets_module.StyleTransferDashboard(CONTENT, STYLE, **WIDGET_FAST)

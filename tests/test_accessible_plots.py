"""The course's plots read on a black-and-white print and for a colour-blind student.

The figures that nst_teach draws, and those the notebooks draw themselves, are inspected as matplotlib
objects: in an axes with several lines each line has its own (dash, marker) pair, not only its own colour;
every picture of numbers (a 2-D ``imshow``) uses a colour map from :data:`UNIFORM` (never jet or rainbow);
the channel histograms say which channel is which (B, G, R) and differ by dash; bars of different colours
differ by hatching.  The notebooks' plotting cells run here on stand-in data (no VGG-19, no optimisation).
"""

from __future__ import annotations

import json
import re
import types
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.image import AxesImage  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Polygon, Rectangle  # noqa: E402

import nst_teach as nst  # noqa: E402
from nst_teach import viz  # noqa: E402
from nst_teach.viz import live  # noqa: E402
from nst_teach.viz.live_grid import LiveLayerGrid  # noqa: E402

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"

#: Perceptually uniform maps (their lightness rises steadily, so they also read in grey), and one
#: diverging map for signed differences (ColorBrewer's RdBu: red and blue stay apart for red-green
#: colour blindness, white at zero).  Listed here, not read from the package.
UNIFORM = {"viridis", "cividis", "magma", "inferno", "plasma", "gray", "RdBu_r"}
FORBIDDEN = re.compile(r"\b(jet|rainbow|gist_rainbow|hsv|nipy_spectral|gist_ncar|turbo)\b")
#: Okabe & Ito (2008), "Color Universal Design": the colour-blind-safe palette the lines take their colours from.
OKABE_ITO = {"#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000", "#f0e442"}

LAYERS = ["block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1", "block5_conv1"]
HISTORY = {
    "iteration": list(range(1, 41)),
    "total": list(np.geomspace(1e7, 1e4, 40)),
    "content": list(np.geomspace(1e3, 2e3, 40)),
    "style": list(np.geomspace(1e6, 1e3, 40)),
    "style_by_layer": {name: list(np.geomspace(10.0 ** (6 - i), 10.0 ** (2 - i), 40)) for i, name in enumerate(LAYERS)},
}


# --- what the checks look at -----------------------------------------------------------------------


def look(line: Line2D) -> tuple[object, str]:
    """A line's (dash, marker): what tells it from the others without colour (custom dashes by their pattern)."""
    dash = line.get_linestyle()
    return (dash if dash in ("-", ":", "-.", "None", "") else tuple(np.round(line._unscaled_dash_pattern[1], 2))), str(
        line.get_marker()
    )


def check_lines(fig: Figure, where: str) -> int:
    """Every axes with several lines: distinct (dash, marker) pairs and Okabe–Ito colours; returns the lines seen."""
    seen = 0
    for ax in fig.axes:
        lines = ax.get_lines()
        if len(lines) < 2:
            continue
        looks = [look(line) for line in lines]
        assert len(set(looks)) == len(looks), f"{where}: lines told apart by colour only: {looks}"
        data_lines = [line for line in lines if len(line.get_xdata()) > 2]  # not the axvline / axhline rules
        colours = {matplotlib.colors.to_hex(line.get_color()) for line in data_lines}
        assert colours <= OKABE_ITO, f"{where}: colours outside Okabe–Ito's palette: {colours - OKABE_ITO}"
        seen += len(lines)
    return seen


def check_colormaps(fig: Figure, where: str) -> int:
    """Every 2-D picture of numbers uses a uniform colour map; returns how many there are."""
    scalar = [im for ax in fig.axes for im in ax.get_images() if np.ndim(im.get_array()) == 2]
    for im in scalar:
        assert im.get_cmap().name in UNIFORM, f"{where}: colour map {im.get_cmap().name!r}"
    return len(scalar)


# --- the package's figures -------------------------------------------------------------------------


def test_the_cost_curves_differ_by_dash_and_marker_not_only_by_colour():
    fig = viz.cost_curves(HISTORY)
    assert check_lines(fig, "cost_curves") == 3 + len(LAYERS)
    assert [text.get_text() for text in fig.axes[1].get_legend().get_texts()] == LAYERS  # every layer named

    records = [
        {
            **{key: HISTORY[key][i] for key in ("iteration", "total", "content", "style")},
            # the deeper layers join later: their lines are added as they are first seen, and get looks of their own
            "style_by_layer": {name: HISTORY["style_by_layer"][name][i] for name in LAYERS[: 2 + i // 10]},
        }
        for i in range(40)
    ]
    costs = live.LiveCosts(per_layer=True)
    for k in (5, 20, 40):
        costs.update(records[:k])
    assert check_lines(costs.fig, "LiveCosts") == 3 + len(LAYERS)
    markers = {line.get_marker() for line in costs.fig.axes[0].get_lines()}
    assert "None" not in markers and len(markers) == 3
    costs.close()


def test_the_line_cycle_gives_eight_lines_eight_looks():
    fig = Figure()
    ax = fig.subplots()
    ax.set_prop_cycle(viz.LINE_CYCLE)
    for i in range(8):
        ax.plot(np.arange(10), np.arange(10) + i)
    assert check_lines(fig, "LINE_CYCLE") == 8
    assert {look(line)[0] for line in ax.get_lines()} >= {"-", ":", "-."}  # several dash patterns, not one


def test_every_picture_of_numbers_the_package_draws_uses_a_uniform_colour_map(monkeypatch):
    rng = np.random.default_rng(0)
    a_s, a_g = rng.random((1, 12, 16, 8), np.float32), rng.random((1, 12, 16, 8), np.float32)
    figures = {
        "feature_maps": viz.feature_maps(a_s, "block1_conv1", top_k=4),
        "gram_heatmaps": viz.gram_heatmaps(a_s, a_g, "block1_conv1"),
        "gram_heatmaps log": viz.gram_heatmaps(a_s, a_g, "block1_conv1", log=True),
        "LiveFeatureMaps": live.LiveFeatureMaps(a_g, "block1_conv1", top_k=4).fig,
        "LiveGram": live.LiveGram(a_s, a_g, "block1_conv1").fig,
    }
    g_s = a_s[0].reshape(-1, 8).T @ a_s[0].reshape(-1, 8)
    grid = LiveLayerGrid({"block1_conv1": g_s}, a_s, "block4_conv2")
    grid.update({"block1_conv1": a_g, "block4_conv2": a_g}, HISTORY)
    figures["LiveLayerGrid"] = grid.fig

    # The picker draws its preview into a figure of its own and keeps only the PNG: look at it on the way.
    from nst_teach.widgets import ImagePicker, picker

    drawn: list[int] = []
    original = picker._figure_png
    monkeypatch.setattr(picker, "_figure_png", lambda fig: drawn.append(check_colormaps(fig, "pick")) or original(fig))
    ImagePicker("content", size=(64, 48), thumbnails=False)

    counts = {where: check_colormaps(fig, where) for where, fig in figures.items()}
    counts["ImagePicker preview"] = drawn[-1] if drawn else 0
    assert all(counts.values()), f"a figure without any picture of numbers to check: {counts}"
    grid.close()


# --- the notebooks' own plots --------------------------------------------------------------------


def code_cells() -> list[tuple[str, str, str]]:
    """``(notebook, cell id, source)`` of every code cell of the course."""
    cells = []
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] == "code":
                cells.append((path.stem, cell.get("id", "?"), "".join(cell["source"])))
    return cells


def _run(optimizer: str = "lbfgs") -> types.SimpleNamespace:
    """A stand-in for a finished run: a falling cost history and a picture."""
    k = np.arange(1, 31)
    history = types.SimpleNamespace(iteration=k, elapsed=0.4 * k, total=1e6 / k ** (2 if optimizer == "lbfgs" else 1))
    return types.SimpleNamespace(history=history, image=np.zeros((30, 40, 3), np.uint8))


def stand_ins(notebook: str) -> dict[str, object]:
    """What a notebook's plotting cells find in its kernel by then, made here without VGG-19."""
    rng = np.random.default_rng(0)
    names: dict[str, object] = {"np": np, "plt": plt, "nst": nst, "S": types.SimpleNamespace(size=(400, 300))}
    if notebook == "01_images":
        from nst_teach.defaults import VGG_MEANS_BGR

        names.update(bgr=rng.integers(0, 256, (30, 40, 3), dtype=np.uint8), VGG_MEANS_BGR=VGG_MEANS_BGR)
    if notebook == "06_experiments":
        names.update(small_run=_run, baseline=_run())
    return names


#: The notebooks whose cells draw lines, histograms or bars themselves (a new one must be added here).
PLOTTING = re.compile(r"\.(plot|hist|bar|step|scatter|errorbar|fill_between)\(")
DRAWN_BY_HAND = {"01_images", "06_experiments"}  # 02's receptive fields are nst.viz.receptive_field_bars now


def plotting_cells() -> list[tuple[str, str, str]]:
    return [(nb, cid, src) for nb, cid, src in code_cells() if PLOTTING.search(src)]


def test_the_notebooks_name_only_uniform_colour_maps():
    cells = code_cells()
    maps = [(nb, cid, m) for nb, cid, src in cells for m in re.findall(r"cmap\s*=\s*[\"']([\w.]+)[\"']", src)]
    assert maps, "no colour map named in the notebooks: the pattern no longer matches their code"
    assert {m for _, _, m in maps} <= UNIFORM, [entry for entry in maps if entry[2] not in UNIFORM]
    for nb, cid, src in cells:
        assert not FORBIDDEN.search(src), f"{nb} {cid} names a rainbow colour map"


def test_every_plotting_cell_of_the_notebooks_is_checked_here():
    assert {nb for nb, _, _ in plotting_cells()} == DRAWN_BY_HAND


@pytest.mark.parametrize("notebook", sorted(DRAWN_BY_HAND))
def test_the_notebooks_own_plots_read_without_colour(notebook, monkeypatch, capsys):
    shown: list[Figure] = []

    def show(*_args, **_kwargs):
        shown.extend(plt.figure(n) for n in plt.get_fignums())

    monkeypatch.setattr(plt, "show", show)
    plt.close("all")
    for _, cid, source in [cell for cell in plotting_cells() if cell[0] == notebook]:
        exec(compile(source, f"{notebook}:{cid}", "exec"), stand_ins(notebook))  # noqa: S102 - the course's own code
    assert shown, f"{notebook}: its plotting cells showed no figure"
    seen = 0
    for fig in shown:
        seen += check_lines(fig, notebook) + check_colormaps(fig, notebook)
        for ax in fig.axes:
            steps = [p for p in ax.patches if isinstance(p, Polygon)]  # histtype="step" outlines
            if steps:  # channel histograms: each labelled B, G or R, each its own dash
                assert sorted(p.get_label() for p in steps) == ["B", "G", "R"], notebook
                assert len({p.get_linestyle() for p in steps}) == 3, notebook
                assert {t.get_text() for t in ax.get_legend().get_texts()} == {"B", "G", "R"}
                seen += 3
            bars = [p for p in ax.patches if isinstance(p, Rectangle)]
            colours = {matplotlib.colors.to_hex(p.get_facecolor()): p.get_hatch() or "" for p in bars}
            if len(colours) > 1:  # bars told apart by colour are told apart by hatching too
                assert len(set(colours.values())) == len(colours), f"{notebook}: {colours}"
                seen += len(colours)
    assert seen, f"{notebook}: nothing in its figures was checked"
    plt.close("all")


def test_images_shown_as_rgb_are_not_counted_as_pictures_of_numbers():
    fig = viz.show_images({"rgb": np.zeros((8, 8, 3), np.uint8)})
    assert isinstance(fig.axes[0].get_images()[0], AxesImage)
    assert check_colormaps(fig, "show_images") == 0

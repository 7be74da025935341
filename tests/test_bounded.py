"""The picture the user saves: runs stay inside the pixel box, and report the saved picture's cost.

References: SciPy's L-BFGS-B for the projected L-BFGS, NumPy clipping and Keras' Adam for Adam,
and the saved picture rebuilt by hand (means added, rounded, clipped to uint8, prepared again) and
scored by a separately built extractor with :mod:`nst_teach.costs`.
"""

from __future__ import annotations

import contextlib
import io
import re

import keras
import numpy as np
import pytest
import scipy.optimize
import tensorflow as tf
from PIL import Image
from test_engine import CONTENT, SIZE, STYLE, _make

from nst_teach import cli, costs
from nst_teach.defaults import ALPHA, BETA, CONTENT_LAYER, STYLE_LAYERS, VGG_MEANS_BGR
from nst_teach.engine import StyleTransfer
from nst_teach.images import preprocess
from nst_teach.lbfgs import LBFGS
from nst_teach.model import build_extractor

LOWER = -np.array(VGG_MEANS_BGR, np.float32)
UPPER = 255 - np.array(VGG_MEANS_BGR, np.float32)


def _outside(x: np.ndarray) -> int:
    return int(np.count_nonzero((x < LOWER) | (x > UPPER)))


def _saved_cost_by_hand(x: np.ndarray) -> float:
    """The reference recipe's total cost of the picture ``x`` would save: uint8 RGB made by hand, prepared again."""
    bgr = np.clip(np.rint(x[0] + np.array(VGG_MEANS_BGR, np.float32)), 0, 255).astype(np.uint8)
    saved = bgr.astype(np.float32)[None] - np.array(VGG_MEANS_BGR, np.float32)
    layers = dict(STYLE_LAYERS)
    extractor = build_extractor([CONTENT_LAYER, *layers], weights="random", precision="float32")  # as the run
    a_c, a_s, a_g = extractor(preprocess(CONTENT, SIZE)), extractor(preprocess(STYLE, SIZE)), extractor(saved)
    j_c = float(costs.content_cost(a_c[CONTENT_LAYER], a_g[CONTENT_LAYER]))
    j_s = float(costs.style_cost({n: a_s[n] for n in layers}, {n: a_g[n] for n in layers}, layers))
    return ALPHA * j_c + BETA * j_s


# --------------------------------------------------------------------------- projected L-BFGS


def test_projected_lbfgs_finds_scipys_box_constrained_minimum():
    rng = np.random.default_rng(0)
    n = 30
    m = rng.normal(size=(n, n))
    a = m @ m.T + 0.5 * np.eye(n)  # a convex quadratic whose free minimum lies outside the box
    b = rng.normal(scale=10, size=n)
    lower, upper = -np.ones(n), np.full(n, 2.0)

    def fun(x):
        return 0.5 * x @ a @ x - b @ x, a @ x - b

    reference = scipy.optimize.minimize(
        fun, np.zeros(n), jac=True, method="L-BFGS-B", bounds=list(zip(lower, upper)), options={"ftol": 1e-15}
    )
    free = np.linalg.solve(a, b)
    assert np.any((free < lower) | (free > upper))  # the bounds matter
    opt = LBFGS(fun, np.full(n, 5.0), bounds=(lower, upper), tolerance_grad=1e-9)
    assert np.all(opt.x <= upper)  # the start is projected into the box
    for _ in range(500):
        assert np.all((opt.x >= lower) & (opt.x <= upper))
        if not opt.step():
            break
    assert opt.converged, opt.message
    assert np.allclose(opt.x, reference.x, atol=1e-5)
    assert opt.f == pytest.approx(reference.fun, rel=1e-7)


def test_projected_lbfgs_stops_at_a_corner_with_the_projected_gradient_zero():
    # min ||x - c||² with c outside the box: the answer is c clipped, where the gradient points out of the box.
    c = np.array([3.0, -4.0, 0.5])
    opt = LBFGS(lambda x: (float((x - c) @ (x - c)), 2 * (x - c)), np.zeros(3), bounds=(-1.0, 1.0))
    while opt.step():
        pass
    assert opt.converged and "box" in opt.message
    assert np.allclose(opt.x, np.clip(c, -1, 1), atol=1e-6)


def test_unbounded_lbfgs_is_unchanged_by_the_box_code():
    c = np.array([3.0, -4.0])
    fun = lambda x: (float((x - c) @ (x - c)), 2 * (x - c))  # noqa: E731
    opt = LBFGS(fun, np.zeros(2))
    while opt.step():
        pass
    assert np.allclose(opt.x, c, atol=1e-6)


def test_bounds_must_be_ordered():
    with pytest.raises(ValueError, match="lower bound"):
        LBFGS(lambda x: (0.0, x), np.zeros(2), bounds=(1.0, 0.0))


# --------------------------------------------------------------------------- default runs stay in the box


@pytest.mark.parametrize("optimizer", ["lbfgs", "adam"])
def test_default_runs_stay_in_the_box_and_report_the_saved_pictures_cost(optimizer):
    # Adam at learning rate 40 would leave the box within a few steps if nothing held it.
    options = {"optimizer": optimizer, "learning_rate": 40.0 if optimizer == "adam" else None}
    st = _make(**options)
    assert st.options["bounded"] is True
    outside = []
    for _ in st.steps(25):
        outside.append(_outside(st.batch()))
    assert outside == [0] * 25
    result = st.result()
    assert result.total == pytest.approx(result.saved_total, rel=0.01)
    assert result.saved_total == pytest.approx(_saved_cost_by_hand(st.batch()), rel=1e-3)
    unbounded = _make(**options, bounded=False)
    unbounded.run(25)
    assert _outside(unbounded.batch()) > 0  # the same run unbounded does leave it: the test can fail


def test_adam_clips_after_keras_adams_update():
    st = _make(optimizer="adam", learning_rate=40.0, init="content")
    x0 = st.batch()
    variable = tf.Variable(x0)
    adam = keras.optimizers.Adam(40.0)
    objective = st._scales[0].objective
    for _ in range(5):
        next(st.steps(1))
        with tf.GradientTape() as tape:
            j = objective.packed_costs(variable)[0]
        adam.apply_gradients([(tape.gradient(j, variable), variable)])
        variable.assign(np.clip(variable.numpy(), LOWER, UPPER))
    assert np.allclose(st.batch(), variable.numpy(), atol=1e-3)


def test_each_step_reports_the_saved_cost_of_the_picture_it_scored():
    st = _make(preset="reference", learning_rate=60.0)
    list(st.steps(5))
    x = st.batch()  # the image the next step starts from, and scores
    step = next(st.steps(1))
    # The reference recipe is unbounded: at learning rate 60 its image leaves the box, so the picture
    # saved (clipped) is another picture, with another cost than the one the step reports.
    assert _outside(x) > 0
    assert step.saved_total() == pytest.approx(_saved_cost_by_hand(x), rel=1e-3)
    assert abs(step.saved_total() - step.total) > 0.01 * step.total
    result = st.result()
    assert result.saved_total == pytest.approx(_saved_cost_by_hand(st.batch()), rel=1e-3)
    assert abs(result.saved_total - result.total) > 0.01 * result.total


# --------------------------------------------------------------------------- the reference recipe stays itself


def test_preset_reference_is_unbounded_adam_exactly():
    st = StyleTransfer(CONTENT, STYLE, preset="reference", size=SIZE, weights="random", learning_rate=60.0)
    assert st.options["bounded"] is False
    objective = st._scales[0].objective
    variable = tf.Variable(st.batch())
    adam = keras.optimizers.Adam(60.0)
    by_hand = []
    for _ in range(6):
        with tf.GradientTape() as tape:
            j = objective.packed_costs(variable)[0]
        by_hand.append(float(j))
        adam.apply_gradients([(tape.gradient(j, variable), variable)])
    result = st.run(6)
    assert np.allclose(result.history.total, by_hand, rtol=1e-5)
    assert np.allclose(st.batch(), variable.numpy(), atol=1e-3)
    assert _outside(variable.numpy()) > 0  # unclipped, as the reference recipe


def test_bounded_is_an_option_of_the_command_line():
    parser = cli.build_parser()
    args = parser.parse_args(["stylize", "c.jpg", "s.jpg", "-o", "x.png", "--no-bounded"])
    assert args.bounded is False
    # None: not given, so the option's default (on)
    assert parser.parse_args(["stylize", "c.jpg", "s.jpg", "-o", "x.png"]).bounded is None


def test_stylize_prints_the_cost_of_the_picture_it_wrote(tmp_path):
    Image.fromarray(CONTENT).save(tmp_path / "content.png")
    Image.fromarray(STYLE).save(tmp_path / "style.png")
    out = tmp_path / "out.png"  # lossless: the file holds exactly the picture that was scored
    args = ["stylize", str(tmp_path / "content.png"), str(tmp_path / "style.png"), "-o", str(out)]
    size = f"{SIZE[0]}x{SIZE[1]}"
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = cli.main([*args, "--size", size, "--weights", "random", "--precision", "float32", "--iterations", "3"])
    assert code == 0, err.getvalue()
    printed = float(re.search(r"cost of the saved picture J = ([0-9.e+-]+)", err.getvalue()).group(1))
    written = preprocess(np.asarray(Image.open(out).convert("RGB")), None)
    assert printed == pytest.approx(_saved_cost_by_hand(written), rel=1e-3)

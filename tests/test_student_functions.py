"""Tests of nst_teach/student_functions.py: the student's own functions make the picture, or are refused first.

The run computes with the functions given (``gram_matrix=``, ``train_step=``...): a wrong but well-shaped
one changes the costs exactly as its formula predicts and the run goes on; one that cannot run (wrong
shape, NumPy inside, an exception) is refused before any weight is loaded, in the words of its check;
the package's own functions passed explicitly give the very same numbers as the defaults.

Small images (48×32), seeded random VGG-19 filters, a few iterations.
"""

from __future__ import annotations

import os
import warnings

os.environ.setdefault("NST_TEACH_OFFLINE", "1")

import numpy as np
import pytest
import tensorflow as tf

import nst_teach as nst
import nst_teach.engine as engine_module
from nst_teach.defaults import ALPHA, BETA
from nst_teach.engine import StyleTransfer
from nst_teach.errors import NSTWarning, OptionError

FAST = dict(size=(48, 32), weights="random", precision="float32", optimizer="adam", learning_rate=5.0)
RNG = np.random.default_rng(0)
CONTENT = np.clip(RNG.normal(128, 40, (32, 48, 3)), 0, 255).astype(np.uint8)
STYLE = np.clip(RNG.normal(100, 60, (32, 48, 3)), 0, 255).astype(np.uint8)
STYLE_2 = np.clip(RNG.normal(150, 30, (32, 48, 3)), 0, 255).astype(np.uint8)

#: The package's own functions, passed explicitly (layer_style_cost and style_cost take the path that
#: compares activations, not the kept Gram matrices).
PACKAGES_OWN = dict(
    content_cost=nst.content_cost,
    gram_matrix=nst.gram_matrix,
    layer_style_cost=nst.layer_style_cost,
    style_cost=nst.style_cost,
    total_cost=nst.total_cost,
)


def _make(style=STYLE, **options) -> StyleTransfer:
    return StyleTransfer(CONTENT, style, **{**FAST, **options})


def _rows(history) -> list[dict]:
    """Every iteration's costs (not its time)."""
    return [{key: value for key, value in row.items() if key != "elapsed"} for row in history.rows()]


def reference_train_step(generated, optimizer, cost_fn):
    """The contract of nst_teach.training.train_step, written out as a student would."""
    with tf.GradientTape() as tape:
        J = cost_fn(generated)
    gradient = tape.gradient(J, generated)
    optimizer.apply_gradients([(gradient, generated)])
    return J


@pytest.fixture(scope="module")
def default_runs() -> dict[str, list[dict]]:
    """Three iterations of each optimizer with the package's functions."""
    return {optimizer: _rows(_make(optimizer=optimizer).run(3).history) for optimizer in ("adam", "lbfgs")}


class _Built(Exception):
    """Raised instead of building VGG-19: the run got past its checks."""


@pytest.fixture()
def no_model(monkeypatch):
    def built(*args, **kwargs):
        raise _Built

    monkeypatch.setattr(engine_module, "build_extractor", built)


# --------------------------------------------------------------------------- the picture comes from them


@pytest.mark.parametrize("optimizer", ["adam", "lbfgs"])
def test_the_packages_functions_passed_explicitly_give_the_same_numbers(default_runs, optimizer):
    explicit = dict(PACKAGES_OWN, train_step=reference_train_step) if optimizer == "adam" else PACKAGES_OWN
    st = _make(optimizer=optimizer, **explicit)
    assert st.functions.given == tuple(explicit)
    assert _rows(st.run(3).history) == default_runs[optimizer]  # bit for bit, every cost of every iteration


def test_a_gram_matrix_twice_too_large_makes_each_layers_style_cost_four_times_and_the_run_goes_on(default_runs):
    st = _make(gram_matrix=lambda A: 2 * nst.gram_matrix(A))
    result = st.run(3)
    assert not result.stopped and result.iterations_done == 3
    first, default = _rows(result.history)[0], default_runs["adam"][0]
    # Both Gram matrices double, so each G_S − G_G doubles and its square is ×4 — exactly (a power of 2).
    assert first["style_by_layer"] == {name: 4 * value for name, value in default["style_by_layer"].items()}
    assert first["style"] == 4 * default["style"] and first["content"] == default["content"]
    assert first["total"] == pytest.approx(ALPHA * default["content"] + BETA * 4 * default["style"], rel=1e-6)
    assert _rows(result.history)[-1]["total"] != default_runs["adam"][-1]["total"]  # another picture


def test_a_total_cost_with_alpha_and_beta_swapped_is_run_as_written(default_runs):
    st = _make(total_cost=lambda j_content, j_style, alpha, beta: beta * j_content + alpha * j_style)
    first, default = _rows(st.run(1).history)[0], default_runs["adam"][0]
    assert first["content"] == default["content"] and first["style"] == default["style"]
    assert first["total"] == pytest.approx(BETA * default["content"] + ALPHA * default["style"], rel=1e-6)


def test_a_style_cost_given_is_the_runs_style_cost_and_the_layers_stay_their_own(default_runs):
    st = _make(style_cost=lambda a_s, a_g, coefficients: 0.5 * nst.style_cost(a_s, a_g, coefficients))
    first, default = _rows(st.run(1).history)[0], default_runs["adam"][0]
    assert first["style"] == pytest.approx(0.5 * default["style"], rel=1e-6)
    assert first["style_by_layer"] == pytest.approx(default["style_by_layer"], rel=1e-6)


# The exercises as a student solves them in notebooks 03 and 04, each calling the one before.
def content_cost(a_C, a_G):
    _, n_H, n_W, n_C = a_G.shape
    return tf.reduce_sum(tf.square(a_C - a_G)) / (4 * n_H * n_W * n_C)


def gram_matrix(A):
    return tf.matmul(A, tf.transpose(A))


def layer_style_cost(a_S, a_G):
    _, n_H, n_W, n_C = a_G.shape
    G_S = gram_matrix(tf.transpose(tf.reshape(a_S, (n_H * n_W, n_C))))
    G_G = gram_matrix(tf.transpose(tf.reshape(a_G, (n_H * n_W, n_C))))
    return tf.reduce_sum(tf.square(G_S - G_G)) / (4 * n_C**2 * (n_H * n_W) ** 2)


def style_cost(a_S_layers, a_G_layers, coefficients):
    J_style = 0.0
    for name, coefficient in coefficients.items():
        J_style += coefficient * layer_style_cost(a_S_layers[name], a_G_layers[name])
    return J_style


def total_cost(J_content, J_style, alpha, beta):
    return alpha * J_content + beta * J_style


def test_a_students_solutions_make_the_same_picture(default_runs):
    mine = dict(
        content_cost=content_cost,
        gram_matrix=gram_matrix,
        layer_style_cost=layer_style_cost,
        style_cost=style_cost,
        total_cost=total_cost,
        train_step=reference_train_step,
    )
    st = _make(**mine)
    assert st.functions.given == tuple(mine) and "your functions=" in repr(st)
    for row, default in zip(_rows(st.run(3).history), default_runs["adam"]):
        assert row["total"] == pytest.approx(default["total"], rel=1e-5)
        assert row["style_by_layer"] == pytest.approx(default["style_by_layer"], rel=1e-5)


def test_a_train_step_given_is_the_one_adam_calls(default_runs):
    calls = []

    def counted(generated, optimizer, cost_fn):
        calls.append(generated)
        return reference_train_step(generated, optimizer, cost_fn)

    st = _make(train_step=counted)
    before = len(calls)  # the check before the run calls it too
    assert _rows(st.run(3).history) == default_runs["adam"]
    assert len(calls) > before and all(call is st._optimizer.image for call in calls[before:])

    def forgets_to_apply(generated, optimizer, cost_fn):
        with tf.GradientTape() as tape:
            J = cost_fn(generated)
        tape.gradient(J, generated)
        return J

    lazy = _make(train_step=forgets_to_apply)
    start = lazy.batch()
    result = lazy.run(3)  # well shaped, so it runs: and the picture never changes
    assert not result.stopped and np.array_equal(lazy.batch(), start)
    assert np.all(result.history.total == result.history.total[0])


def test_a_train_step_that_cannot_be_traced_runs_eagerly():
    def prints(generated, optimizer, cost_fn):
        J = reference_train_step(generated, optimizer, cost_fn)
        J.numpy()  # a NumPy value: fine eagerly, impossible inside tf.function
        return J

    st = _make(train_step=prints)
    assert st._optimizer.traced is False
    totals = st.run(3).history.total
    assert totals[-1] < totals[0]


def _branching_content_cost(a_C, a_G):
    """The package's content cost behind a Python ``if`` on a tensor: only AutoGraph can trace it."""
    cost = nst.content_cost(a_C, a_G)
    if cost >= 0:
        return cost
    return -cost


@pytest.mark.parametrize("optimizer", ["adam", "lbfgs"])
def test_a_function_that_branches_on_a_tensor_is_traced_with_autograph(default_runs, optimizer):
    # The package's own cost is traced without AutoGraph (its source rewriting is most of the
    # first iteration's overhead); a student's `if` on a tensor needs AutoGraph, and gets it.
    plain = _make(optimizer=optimizer)
    plain.run(1)
    traced = plain._optimizer._step if optimizer == "adam" else plain._optimizer.objective.value_and_grad
    assert traced.autograph is False

    st = _make(optimizer=optimizer, content_cost=_branching_content_cost)
    # The same numbers (the branch is the identity), up to float32 round-off: the graph holds a cond.
    totals = [row["total"] for row in _rows(st.run(3).history)]
    assert totals == pytest.approx([row["total"] for row in default_runs[optimizer]], rel=1e-5)
    traced = st._optimizer._step if optimizer == "adam" else st._optimizer.objective.value_and_grad
    assert traced.autograph is True and traced.experimental_get_tracing_count() == 1


def test_a_train_step_with_lbfgs_is_not_used_and_says_so():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        st = _make(optimizer="lbfgs", train_step=reference_train_step)
    assert any(issubclass(w.category, NSTWarning) and "optimizer='adam'" in str(w.message) for w in caught)
    assert st.run(1).iterations_done == 1


# --------------------------------------------------------------------------- refused before the run


def _refusal(**options) -> str:
    with pytest.raises(OptionError) as info:
        _make(**options)
    return str(info.value)


def test_the_positions_gram_is_refused_before_the_run_with_the_checks_diagnosis(no_model):
    message = _refusal(gram_matrix=lambda A: tf.matmul(tf.transpose(A), A))
    assert message.startswith("gram_matrix: your function cannot drive the run, so it is refused before it starts")
    assert "for A of shape (3, 24) it returns shape (24, 24); the run needs (3, 3)" in message
    assert "check_gram_matrix(gram_matrix) says:" in message and "You computed Aᵀ·A" in message


def test_numpy_inside_is_refused_naming_differentiability(no_model):
    def gram_matrix(A):
        A = A.numpy()
        return tf.constant(A @ A.T)  # the right values, but TensorFlow lost track of them

    message = _refusal(gram_matrix=gram_matrix)
    assert "TensorFlow cannot differentiate it" in message and "check_gram_matrix(gram_matrix) says:" in message

    def content_cost(a_C, a_G):
        return np.sum(np.square(a_C - a_G)) / (4 * 4 * 6 * 3)

    message = _refusal(content_cost=content_cost)
    assert "not a TensorFlow tensor" in message and "cannot differentiate" in message
    assert "check_content_cost(content_cost) says:" in message


def test_a_function_that_raises_is_refused_with_its_error(no_model):
    def layer_style_cost(a_S, a_G):
        raise ValueError("my unfinished layer_style_cost")

    message = _refusal(layer_style_cost=layer_style_cost)
    assert "it raised ValueError: my unfinished layer_style_cost" in message
    assert "check_layer_style_cost(layer_style_cost) says:" in message


def test_a_cost_that_is_not_one_number_is_refused(no_model):
    message = _refusal(content_cost=lambda a_C, a_G: tf.square(a_C - a_G))
    assert "returns shape (1, 4, 6, 3); a cost is one number" in message
    message = _refusal(total_cost=lambda j_content, j_style, alpha, beta: tf.stack([j_content, j_style]))
    assert message.startswith("total_cost:") and "returns shape (2,); a cost is one number" in message


def test_a_train_step_that_cannot_drive_adam_is_refused(no_model):
    def returns_the_gradient(generated, optimizer, cost_fn):
        with tf.GradientTape() as tape:
            J = cost_fn(generated)
        gradient = tape.gradient(J, generated)
        optimizer.apply_gradients([(gradient, generated)])
        return gradient

    def tapes_outside_the_cost(generated, optimizer, cost_fn):
        J = cost_fn(generated)
        with tf.GradientTape() as tape:
            pass
        optimizer.apply_gradients([(tape.gradient(J, generated), generated)])
        return J

    def never_computes_the_cost(generated, optimizer, cost_fn):
        return tf.constant(0.0)

    assert "it must return the cost, one number (not the gradient" in _refusal(train_step=returns_the_gradient)
    assert "No gradients provided" in _refusal(train_step=tapes_outside_the_cost)
    assert "never calls cost_fn(generated)" in _refusal(train_step=never_computes_the_cost)


def test_what_is_not_a_function_is_refused_by_the_options_table(no_model):
    assert "gram_matrix must be a function" in _refusal(gram_matrix=nst.gram_matrix(tf.ones((2, 3))))


def test_a_layer_style_cost_needs_one_style_image_at_the_contents_size(no_model):
    message = _refusal(style=[STYLE, STYLE_2], layer_style_cost=nst.layer_style_cost)
    assert "2 style images" in message and "leave layer_style_cost out" in message
    message = _refusal(style_cost=nst.style_cost, style_scale=1.5)
    assert "style_scale=1.5" in message and "leave style_cost out" in message
    with pytest.raises(_Built):  # a gram_matrix alone works with both: it only makes Gram matrices
        _make(style=[STYLE, STYLE_2], gram_matrix=nst.gram_matrix, style_scale=1.5)


# --------------------------------------------------------------------------- the dashboard and the preview grid


@pytest.fixture()
def widgets_module():
    import matplotlib

    matplotlib.use("Agg")
    from nst_teach import widgets

    yield widgets
    widgets.stop_all()


def _doubled_and_counted(calls: list) -> object:
    def gram_matrix(A):
        calls.append(A)
        return 2 * nst.gram_matrix(A)

    return gram_matrix


def test_the_dashboard_runs_the_students_functions(widgets_module):
    import asyncio

    calls: list = []
    gram_matrix = _doubled_and_counted(calls)
    dash = widgets_module.StyleTransferDashboard(CONTENT, STYLE, gram_matrix=gram_matrix, iterations=1, **FAST)
    assert dash.options()["gram_matrix"] is gram_matrix  # passed through, no control

    async def one_iteration():
        dash.start()
        await dash.wait()

    asyncio.run(asyncio.wait_for(one_iteration(), 100))
    assert dash._transfer.functions.gram_matrix is gram_matrix and calls
    default = StyleTransfer(CONTENT, STYLE, **{**dash.options(), "gram_matrix": None}).run(1).history[0]
    assert dash.history[0]["style"] == 4 * default["style"]


def test_the_preview_grid_runs_the_students_functions_and_shows_a_refusal(widgets_module):
    import asyncio

    calls: list = []
    grid = widgets_module.PreviewGrid(
        CONTENT, STYLE, {"beta": [10.0, 100.0]}, gram_matrix=_doubled_and_counted(calls), iterations=1, **FAST
    )
    broken = widgets_module.PreviewGrid(
        CONTENT, STYLE, {"beta": [10.0]}, gram_matrix=lambda A: tf.matmul(tf.transpose(A), A), iterations=1, **FAST
    )

    async def both():
        grid.start()
        await grid.wait()
        broken.start()
        await broken.wait()

    asyncio.run(asyncio.wait_for(both(), 200))
    assert set(grid.results) == {"beta=10", "beta=100"} and not grid.errors and calls
    assert not broken.results and "You computed Aᵀ·A" in " ".join(broken.errors.values())

"""Tests for nst_teach.checks.total and nst_teach.checks.training: notebook 05's total_cost and train_step.

The right answers pass (also a ``@tf.function`` step, as the Coursera assignment writes it); each
typical wrong answer fails with the key of its mistake and a message that names it.  The step's
references are independent: Adam's first update from the analytic gradient of a known cost.
"""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

import nst_teach as nst
from nst_teach.checks import CheckResult, check_total_cost, check_train_step
from nst_teach.checks.hints import _forget_attempts
from nst_teach_instructor.solutions import solution


@pytest.fixture(autouse=True)
def first_attempt():
    _forget_attempts()
    yield
    _forget_attempts()


def assert_fails(result: CheckResult, mistake: str, *keywords: str) -> None:
    assert not result.passed and not result, str(result)
    assert result.mistake == mistake, (result.mistake, str(result))
    for word in keywords:
        assert word in result.message, (word, result.message)
    assert "Well done" not in result.message


def assert_passes(result: CheckResult) -> None:
    assert result.passed and result.mistake is None, str(result)
    assert "Well done" in result.message


# ------------------------------------------------------------------------ total_cost


def total_ok(J_content, J_style, alpha=10, beta=40):
    return alpha * J_content + beta * J_style


@pytest.mark.parametrize("fn", [total_ok, solution("total_cost"), tf.function(total_ok)])
def test_total_cost_passes_correct_functions(fn):
    assert_passes(check_total_cost(fn))


def test_total_cost_notes_defaults_that_are_not_the_seeds():
    result = check_total_cost(lambda J_content, J_style, alpha=1, beta=1: alpha * J_content + beta * J_style)
    assert_passes(result)
    assert "Note" in result.message and "alpha=1" in result.message


@pytest.mark.parametrize(
    "fn, mistake, keywords",
    [
        (lambda c, s, alpha=10, beta=40: beta * c + alpha * s, "swapped", ["α and β are swapped"]),
        (lambda c, s, alpha=10, beta=40: c + s, "ignores_weights", ["without their weights"]),
        (lambda c, s, alpha=10, beta=40: 10 * c + 40 * s, "ignores_arguments", ["instead of the arguments"]),
        (lambda c, s, alpha=10, beta=40: alpha * c, "one_term", ["β·J_style"]),
        (lambda c, s, alpha=10, beta=40: (alpha * c) * (beta * s), "product", ["multiply"]),
        (lambda c, s, alpha=10, beta=40: alpha * c - beta * s, "sign", ["minus sign"]),
        (lambda c, s, alpha=10, beta=40: (alpha * c + beta * s) / (alpha + beta), "normalised", ["α + β"]),
        (lambda c, s, alpha=10, beta=40: alpha * float(c) + beta * float(s), "uses_numpy", ["not a TensorFlow"]),
        (lambda c, s, alpha=10, beta=40: alpha * c + tf.stop_gradient(beta * s), "uses_numpy", ["back to J_style"]),
        (lambda c, s, alpha=10, beta=40: alpha * c + beta * s / tf.stop_gradient(s) * s, "wrong_gradient", ["β = "]),
        (lambda c, s, alpha=10, beta=40: tf.stack([alpha * c, beta * s]), "not_scalar", ["single number"]),
    ],
)
def test_total_cost_names_typical_mistakes(fn, mistake, keywords):
    assert_fails(check_total_cost(fn), mistake, *keywords)


def test_total_cost_hints_escalate_to_a_skeleton_never_the_line(monkeypatch):
    def swapped(J_content, J_style, alpha=10, beta=40):
        return beta * J_content + alpha * J_style

    monkeypatch.delenv("NST_TEACH_FULL_HINTS", raising=False)
    messages = [check_total_cost(swapped).message for _ in range(3)]
    assert ["Formula: J = α·J_content + β·J_style" in m for m in messages] == [False, True, True]
    assert ["return ____ * J_content + ____ * J_style" in m for m in messages] == [False, False, True]
    assert not any("return alpha * J_content + beta * J_style" in m for m in messages)


def test_total_cost_refuses_the_package_function():
    assert_fails(check_total_cost(nst.total_cost), "uses_reference", "nst.costs.total_cost")
    assert_fails(check_total_cost(lambda c, s, alpha=10, beta=40: nst.total_cost(c, s, alpha, beta)), "uses_reference")
    weighted = lambda c, s, alpha=10, beta=40: nst.weighted_style_cost([c, s], [alpha, beta])  # noqa: E731
    assert_fails(
        check_total_cost(weighted),
        "uses_package",
        "Your total_cost calls the package's own nst.costs.weighted_style_cost",
        "compare the package with itself",
    )


# ------------------------------------------------------------------------ train_step


def step_ok(generated, optimizer, cost_fn):
    with tf.GradientTape() as tape:
        J = cost_fn(generated)
    gradient = tape.gradient(J, generated)
    optimizer.apply_gradients([(gradient, generated)])
    return J


@tf.function
def step_decorated(generated, optimizer, cost_fn):
    with tf.GradientTape() as tape:
        J = cost_fn(generated)
    grad = tape.gradient(J, generated)
    optimizer.apply_gradients(zip([grad], [generated]))
    return J


def step_wrong_variable(generated, optimizer, cost_fn):
    with tf.GradientTape() as tape:
        J = cost_fn(generated)
    gradient = tape.gradient(generated, J)  # the arguments swapped
    optimizer.apply_gradients([(gradient, generated)])
    return J


def step_gradient_of_a_list(generated, optimizer, cost_fn):
    with tf.GradientTape() as tape:
        J = cost_fn(generated)
    gradient = tape.gradient(J, [generated])
    optimizer.apply_gradients([(gradient, generated)])
    return J


def step_other_variable(generated, optimizer, cost_fn):
    copy = tf.Variable(generated)
    with tf.GradientTape() as tape:
        J = cost_fn(copy)
    gradient = tape.gradient(J, copy)
    optimizer.apply_gradients([(gradient, copy)])
    return J


def step_no_apply(generated, optimizer, cost_fn):
    with tf.GradientTape() as tape:
        J = cost_fn(generated)
    gradient = tape.gradient(J, generated)  # noqa: F841 - computed, never used: the mistake
    return J


def step_by_hand(generated, optimizer, cost_fn):
    with tf.GradientTape() as tape:
        J = cost_fn(generated)
    generated.assign_sub(2.0 * tape.gradient(J, generated))
    return J


def step_taped_outside(generated, optimizer, cost_fn):
    J = cost_fn(generated)
    with tf.GradientTape() as tape:
        tape.watch(generated)
    gradient = tape.gradient(J, generated)
    optimizer.apply_gradients([(gradient, generated)])
    return J


def step_numpy_in_tape(generated, optimizer, cost_fn):
    with tf.GradientTape() as tape:
        J = tf.constant(np.sqrt(cost_fn(generated).numpy()) ** 2)
    gradient = tape.gradient(J, generated)
    optimizer.apply_gradients([(gradient, generated)])
    return J


def step_numpy_cost(generated, optimizer, cost_fn):
    with tf.GradientTape() as tape:
        J = np.float32(cost_fn(generated))
    gradient = tape.gradient(J, generated)
    optimizer.apply_gradients([(gradient, generated)])
    return J


def step_returns_gradient(generated, optimizer, cost_fn):
    with tf.GradientTape() as tape:
        J = cost_fn(generated)
    gradient = tape.gradient(J, generated)
    optimizer.apply_gradients([(gradient, generated)])
    return gradient


def step_ascent(generated, optimizer, cost_fn):
    with tf.GradientTape() as tape:
        J = cost_fn(generated)
    optimizer.apply_gradients([(-tape.gradient(J, generated), generated)])
    return J


def step_twice(generated, optimizer, cost_fn):
    with tf.GradientTape() as tape:
        J = cost_fn(generated)
    gradient = tape.gradient(J, generated)
    optimizer.apply_gradients([(gradient, generated)])
    optimizer.apply_gradients([(gradient, generated)])
    return J


def step_no_cost_fn(generated, optimizer, cost_fn):
    with tf.GradientTape() as tape:
        J = tf.reduce_sum(tf.square(generated))
    optimizer.apply_gradients([(tape.gradient(J, generated), generated)])
    return J


def step_returns_nothing(generated, optimizer, cost_fn):
    step_ok(generated, optimizer, cost_fn)


def step_clips(generated, optimizer, cost_fn):
    J = step_ok(generated, optimizer, cost_fn)
    generated.assign(tf.clip_by_value(generated, -5.0, 5.0))
    return J


@pytest.mark.parametrize("fn", [step_ok, step_decorated, solution("train_step")])
def test_train_step_passes_correct_functions(fn):
    assert_passes(check_train_step(fn))


@pytest.mark.parametrize(
    "fn, mistake, keywords",
    [
        (step_wrong_variable, "wrong_variable", ["is None", "with respect to something else"]),
        (step_gradient_of_a_list, "wrong_variable", ["is a list"]),
        (step_other_variable, "wrong_variable", ["another variable", "`generated` itself"]),
        (step_no_apply, "no_apply_gradients", ["never calls optimizer.apply_gradients", "did not change"]),
        (step_by_hand, "no_apply_gradients", ["move the pixels yourself"]),
        (step_taped_outside, "taped_outside", ["outside the `with tf.GradientTape() as tape:` block"]),
        (step_numpy_in_tape, "uses_numpy", ["NumPy"]),
        (step_numpy_cost, "uses_numpy", ["NumPy"]),
        (step_returns_gradient, "returns_gradient", ["returns the gradient", "cost J"]),
        (step_ascent, "sign", ["uphill"]),
        (step_twice, "applies_twice", ["2 times"]),
        (step_no_cost_fn, "no_cost_call", ["never calls cost_fn(generated)"]),
        (step_returns_nothing, "returned_none", ["returns None"]),
        (step_clips, "wrong_update", ["clip"]),
        (lambda generated, optimizer: None, "signature", ["three arguments"]),
    ],
)
def test_train_step_names_typical_mistakes(fn, mistake, keywords):
    assert_fails(check_train_step(fn), mistake, *keywords)


def test_train_step_hints_escalate_to_a_skeleton_never_the_line(monkeypatch):
    monkeypatch.delenv("NST_TEACH_FULL_HINTS", raising=False)
    messages = [check_train_step(step_no_apply).message for _ in range(3)]
    assert ["Formula:" in m for m in messages] == [False, True, True]
    assert ["optimizer.apply_gradients([(____, ____)])" in m for m in messages] == [False, False, True]
    assert not any("optimizer.apply_gradients([(gradient, generated)])" in m for m in messages)


def test_train_step_shows_the_complete_line_only_to_the_instructor(monkeypatch):
    from nst_teach_instructor.hints import HINTS

    monkeypatch.setenv("NST_TEACH_FULL_HINTS", "1")
    third = [check_train_step(step_no_apply).message for _ in range(3)][-1]
    assert HINTS["train_step_apply"] in third and "optimizer.apply_gradients([(____, ____)])" in third


class StepsWithThePackage:
    def __call__(self, generated, optimizer, cost_fn):
        return nst.train_step(generated, optimizer, cost_fn)


def _package_step_in_disguise():
    import functools

    import keras

    traced = tf.function(nst.train_step)
    variable = tf.Variable(tf.zeros((1, 4, 5, 3)))
    adam = keras.optimizers.Adam(0.5)
    adam.build([variable])
    traced(variable, adam, lambda image: tf.reduce_sum(tf.square(image - 1.0)))  # traced before the check
    return {
        "a tf.function of it": tf.function(nst.train_step),
        "a tf.function of it, traced before the check": traced,
        "a lambda through nst.training": lambda g, o, c: nst.training.train_step(g, o, c),
        "a lambda calling a tf.function of it": lambda g, o, c: tf.function(nst.train_step)(g, o, c),
        "a partial": functools.partial(nst.train_step),
        "a class with __call__": StepsWithThePackage(),
    }


def test_train_step_refuses_the_package_step():
    assert_fails(check_train_step(nst.train_step), "uses_reference", "is the package's own nst.training.train_step")
    for how, fn in _package_step_in_disguise().items():
        result = check_train_step(fn)
        assert_fails(result, "uses_reference", "nst.training.train_step", "compare the package with itself")
        assert ("calls the package's own" in result.message) == how.startswith(("a lambda", "a partial", "a class"))


def test_the_checks_own_cost_fn_and_references_are_not_refused():
    """check_train_step's cost_fn and reference step run outside the watch: the right steps pass."""
    assert_passes(check_train_step(step_ok))
    assert_passes(check_train_step(tf.function(step_ok)))
    assert not tf.config.functions_run_eagerly()


def test_notebook_05s_exercise_2_done_literally_gets_the_cost_outside_the_tape(tmp_path, monkeypatch):
    """Exercise 2: move `J = cost_fn(generated)` above the `with` line and write `pass` in its place."""
    import importlib

    from nst_teach_instructor.solutions import solution_source

    lines = solution_source("train_step").splitlines()
    cost = next(i for i, line in enumerate(lines) if line.strip() == "J = cost_fn(generated)")
    tape = next(i for i, line in enumerate(lines) if line.strip() == "with tf.GradientTape() as tape:")
    indent = lines[tape][: len(lines[tape]) - len(lines[tape].lstrip())]
    lines[cost] = lines[cost].replace("J = cost_fn(generated)", "pass")
    lines.insert(tape, indent + "J = cost_fn(generated)")
    (tmp_path / "exercise_2.py").write_text("import tensorflow as tf\n\n\n" + "\n".join(lines) + "\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    train_step = importlib.import_module("exercise_2").train_step  # with its source, as a notebook cell has it
    assert_fails(
        check_train_step(train_step),
        "taped_outside",
        "The cost is computed outside the `with tf.GradientTape() as tape:` block",
    )


def test_train_step_explains_what_it_raises():
    def raises(generated, optimizer, cost_fn):
        raise NotImplementedError("train_step is not written yet")

    assert_fails(check_train_step(raises), "not_written", "NotImplementedError")
    assert_fails(check_train_step(3), "not_callable", "check_train_step(train_step)")

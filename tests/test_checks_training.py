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


def test_total_cost_hints_escalate_to_the_code():
    def swapped(J_content, J_style, alpha=10, beta=40):
        return beta * J_content + alpha * J_style

    messages = [check_total_cost(swapped).message for _ in range(3)]
    assert ["Formula: J = α·J_content + β·J_style" in m for m in messages] == [False, True, True]
    assert ["return alpha * J_content + beta * J_style" in m for m in messages] == [False, False, True]


def test_total_cost_refuses_the_package_function():
    assert_fails(check_total_cost(nst.total_cost), "uses_reference", "nst.costs.total_cost")
    assert_fails(check_total_cost(lambda c, s, alpha=10, beta=40: nst.total_cost(c, s, alpha, beta)), "uses_reference")


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


def test_train_step_hints_escalate_to_the_code():
    messages = [check_train_step(step_no_apply).message for _ in range(3)]
    assert ["Formula:" in m for m in messages] == [False, True, True]
    assert ["optimizer.apply_gradients([(gradient, generated)])" in m for m in messages] == [False, False, True]


def test_train_step_refuses_the_package_step():
    assert_fails(check_train_step(nst.train_step), "uses_reference", "nst.training.train_step")
    wrapper = lambda g, o, c: nst.training.train_step(g, o, c)  # noqa: E731
    assert_fails(check_train_step(wrapper), "uses_reference", "calls the package's own")


def test_train_step_explains_what_it_raises():
    def raises(generated, optimizer, cost_fn):
        raise NotImplementedError("train_step is not written yet")

    assert_fails(check_train_step(raises), "not_written", "NotImplementedError")
    assert_fails(check_train_step(3), "not_callable", "check_train_step(train_step)")

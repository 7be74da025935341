"""The cost functions against independent NumPy implementations and finite differences."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from nst_teach import costs
from nst_teach.errors import OptionError

SHAPES = [(1, 4, 6, 1), (1, 5, 3, 7), (1, 8, 8, 16), (1, 3, 11, 5)]


# --- independent references, written from the formulas with plain NumPy loops/ops -------------


def np_content(a_c, a_g):
    _, h, w, c = a_c.shape
    return np.sum((a_c.astype(np.float64) - a_g) ** 2) / (4 * h * w * c)


def np_unroll(a):
    _, h, w, c = a.shape
    # A[c, p] = activation of channel c at position p (row-major over the image).
    return np.stack([a[0, :, :, k].reshape(-1) for k in range(c)]).astype(np.float64)


def np_gram(a):
    A = np_unroll(a)
    return A @ A.T


def np_layer_style(a_s, a_g):
    _, h, w, c = a_s.shape
    return np.sum((np_gram(a_s) - np_gram(a_g)) ** 2) / (4 * c**2 * (h * w) ** 2)


def np_tv(x):
    x = x[0].astype(np.float64)
    return (np.sum((x[1:] - x[:-1]) ** 2) + np.sum((x[:, 1:] - x[:, :-1]) ** 2)) / x.size


def rand(shape, seed, scale=1.0):
    return (np.random.default_rng(seed).standard_normal(shape) * scale).astype(np.float32)


def rel_close(got, want, rtol=1e-5):
    assert abs(float(got) - want) <= rtol * max(abs(want), 1e-12), (float(got), want)


@pytest.mark.parametrize("shape", SHAPES)
def test_content_cost_matches_numpy(shape):
    a_c, a_g = rand(shape, 1), rand(shape, 2)
    got = costs.content_cost(a_c, a_g)
    assert isinstance(got, tf.Tensor) and got.shape == () and got.dtype == tf.float32
    rel_close(got, np_content(a_c, a_g))


@pytest.mark.parametrize("shape", SHAPES)
def test_gram_matrix_matches_numpy_for_activations_and_unrolled(shape):
    a = rand(shape, 3)
    want = np_gram(a)
    got = costs.gram_matrix(a).numpy()
    assert got.shape == (shape[-1], shape[-1])
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(costs.gram_matrix(np_unroll(a)).numpy(), want, rtol=1e-5, atol=1e-4)
    # Without the batch axis too.
    np.testing.assert_allclose(costs.gram_matrix(a[0]).numpy(), want, rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("shape", SHAPES)
def test_layer_style_cost_matches_numpy(shape):
    a_s, a_g = rand(shape, 4), rand(shape, 5)
    rel_close(costs.layer_style_cost(a_s, a_g), np_layer_style(a_s, a_g))


def test_style_cost_is_weighted_sum_with_dicts_and_lists():
    a_s = {"l1": rand((1, 6, 4, 3), 6), "l2": rand((1, 3, 2, 8), 7)}
    a_g = {"l1": rand((1, 6, 4, 3), 8), "l2": rand((1, 3, 2, 8), 9)}
    lam = {"l1": 0.3, "l2": 0.7}
    want = sum(lam[k] * np_layer_style(a_s[k], a_g[k]) for k in lam)
    rel_close(costs.style_cost(a_s, a_g, lam), want)
    rel_close(costs.style_cost([a_s["l1"], a_s["l2"]], [a_g["l1"], a_g["l2"]], [0.3, 0.7]), want)
    # Only the layers named by the coefficients count.
    rel_close(costs.style_cost(a_s, a_g, {"l2": 1.0}), np_layer_style(a_s["l2"], a_g["l2"]))


def test_weighted_style_cost_sums_given_layer_costs_with_their_lambdas():
    # What the engine does: per-layer costs from Grams kept since the start, then the λ-sum.
    a_s = {"l1": rand((1, 6, 4, 3), 16), "l2": rand((1, 3, 2, 8), 17)}
    a_g = {"l1": rand((1, 6, 4, 3), 18), "l2": rand((1, 3, 2, 8), 19)}
    lam = {"l1": 0.25, "l2": 0.75}
    terms = [costs.gram_cost(np_gram(a_s[k]), np_gram(a_g[k]), a_s[k].shape[1] * a_s[k].shape[2]) for k in lam]
    want = sum(lam[k] * np_layer_style(a_s[k], a_g[k]) for k in lam)
    rel_close(costs.weighted_style_cost(terms, list(lam.values())), want)
    rel_close(costs.weighted_style_cost([2.0, 10.0], [0.5, 0.1]), 2.0)
    # style_cost is that same sum over layer_style_cost.
    assert float(costs.style_cost(a_s, a_g, lam)) == float(
        costs.weighted_style_cost([costs.layer_style_cost(a_s[k], a_g[k]) for k in lam], list(lam.values()))
    )


@pytest.mark.parametrize("shape", [(1, 5, 7, 3), (1, 2, 9, 1)])
def test_total_variation_matches_numpy_and_is_zero_for_constant(shape):
    x = rand(shape, 10, scale=30)
    rel_close(costs.total_variation_cost(x), np_tv(x))
    assert float(costs.total_variation_cost(np.full(shape, 7.0, np.float32))) == 0.0


def test_total_cost_is_alpha_beta_weighted():
    rel_close(costs.total_cost(3.0, 5.0), 10 * 3.0 + 40 * 5.0)
    rel_close(costs.total_cost(3.0, 5.0, alpha=1.5, beta=0.0), 4.5)


def test_identical_inputs_give_exactly_zero():
    a = rand((1, 5, 4, 6), 11, scale=100)
    assert float(costs.content_cost(a, a)) == 0.0
    assert float(costs.layer_style_cost(a, a)) == 0.0
    assert float(costs.style_cost({"x": a}, {"x": a}, {"x": 1.0})) == 0.0


def test_accepts_tensors_and_works_in_tf_function():
    a_c, a_g = rand((1, 4, 5, 3), 12), rand((1, 4, 5, 3), 13)

    @tf.function
    def both(c, g):
        return costs.content_cost(c, g) + costs.layer_style_cost(c, g) + costs.total_variation_cost(g)

    want = np_content(a_c, a_g) + np_layer_style(a_c, a_g) + np_tv(a_g)
    rel_close(both(tf.constant(a_c), tf.constant(a_g)), want)


# --- gradients against central finite differences ---------------------------------------------


def finite_difference(f, x, eps=1e-3):
    x = x.astype(np.float64)
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        plus, minus = x.copy(), x.copy()
        plus[idx] += eps
        minus[idx] -= eps
        grad[idx] = (f(plus) - f(minus)) / (2 * eps)
    return grad


def tape_gradient(fn, x):
    v = tf.Variable(x)
    with tf.GradientTape() as tape:
        y = fn(v)
    return tape.gradient(y, v).numpy()


@pytest.mark.parametrize(
    "name, numpy_fn, tf_fn",
    [
        ("content", lambda g, o: np_content(o, g), lambda g, o: costs.content_cost(o, g)),
        ("style", lambda g, o: np_layer_style(o, g), lambda g, o: costs.layer_style_cost(o, g)),
        ("tv", lambda g, o: np_tv(g), lambda g, o: costs.total_variation_cost(g)),
    ],
)
def test_gradients_agree_with_finite_differences(name, numpy_fn, tf_fn):
    g = rand((1, 3, 4, 2), 20).astype(np.float64)
    other = rand((1, 3, 4, 2), 21).astype(np.float64)
    numeric = finite_difference(lambda x: numpy_fn(x, other), g)
    analytic = tape_gradient(lambda v: tf_fn(v, other), g.astype(np.float32))
    np.testing.assert_allclose(analytic, numeric, rtol=2e-3, atol=2e-4)


def test_style_and_total_cost_gradients_agree_with_finite_differences():
    g = rand((1, 3, 3, 2), 22).astype(np.float64)
    s, c = rand((1, 3, 3, 2), 23), rand((1, 3, 3, 2), 24)

    def np_total(x):
        return 10 * np_content(c, x) + 40 * 0.5 * np_layer_style(s, x)

    def tf_total(v):
        return costs.total_cost(costs.content_cost(c, v), costs.style_cost([s], [v], [0.5]))

    np.testing.assert_allclose(
        tape_gradient(tf_total, g.astype(np.float32)), finite_difference(np_total, g), rtol=2e-3, atol=2e-3
    )


# --- errors name the argument ----------------------------------------------------------------


@pytest.mark.parametrize(
    "call, words",
    [
        (lambda: costs.content_cost(np.zeros((1, 2, 3, 4)), np.zeros((1, 3, 2, 4))), ["a_c", "a_g", "same shape"]),
        (lambda: costs.content_cost(np.zeros((2, 3)), np.zeros((2, 3))), ["a_c", "rank 2"]),
        (lambda: costs.content_cost(np.zeros((2, 2, 3, 4)), np.zeros((2, 2, 3, 4))), ["batch of 2"]),
        (lambda: costs.gram_matrix(np.zeros((5,))), ["rank 1"]),
        (lambda: costs.layer_style_cost(np.zeros((1, 2, 2, 3)), np.zeros((1, 2, 2, 4))), ["a_s", "a_g"]),
        (lambda: costs.style_cost([np.zeros((1, 2, 2, 1))], [np.zeros((1, 2, 2, 1))], [0.5, 0.5]), ["2 coefficients"]),
        (lambda: costs.style_cost([np.zeros((1, 2, 2, 1))], [np.zeros((1, 2, 2, 1))], [-1.0]), ["coefficient", ">= 0"]),
        (lambda: costs.style_cost([np.zeros((1, 2, 2, 1))], [np.zeros((1, 2, 2, 1))], [float("nan")]), ["nan"]),
        (lambda: costs.style_cost({"a": np.zeros((1, 2, 2, 1))}, {"a": np.zeros((1, 2, 2, 1))}, {"b": 1.0}), ["'b'"]),
        (lambda: costs.total_cost(1.0, 1.0, alpha=-1), ["alpha"]),
        (lambda: costs.total_cost(1.0, 1.0, beta=float("inf")), ["beta"]),
        (lambda: costs.content_cost("abc", "abc"), ["a_c"]),
        (lambda: costs.weighted_style_cost([1.0, 2.0], [0.5]), ["2 layer costs", "1 coefficients"]),
        (lambda: costs.weighted_style_cost([1.0], [-0.5]), ["coefficient", ">= 0"]),
        # λ, α and β are checked as the options check them: a string or a bool is not a number
        (lambda: costs.weighted_style_cost([1.0], ["0.5"]), ["coefficient #0", "must be a number", "'0.5'"]),
        (lambda: costs.style_cost([np.zeros((1, 2, 2, 1))], [np.zeros((1, 2, 2, 1))], [True]), ["must be a number"]),
        (lambda: costs.total_cost(1.0, 1.0, alpha="10"), ["alpha must be a number"]),
    ],
)
def test_bad_arguments_raise_clear_value_errors(call, words):
    with pytest.raises(ValueError) as info:
        call()
    assert isinstance(info.value, OptionError)
    for word in words:
        assert word in str(info.value), (word, str(info.value))

"""Tests for the checks of nst_teach.checks: right answers pass, typical mistakes are named, nothing raises.

Every check is run on a correct student function and on several wrong ones written the way
students write them; a wrong one must fail with the key of its mistake and an explanation
that names the fix.  Hints grow with repeated failures of the same mistake (what is wrong, then
the formula, then the code), and the package's own function is not accepted as an answer.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
import tensorflow as tf

import nst_teach as nst
from nst_teach import costs
from nst_teach.checks import (
    EXERCISES,
    CheckReport,
    CheckResult,
    check_all,
    check_content_cost,
    check_gram_matrix,
    check_layer_style_cost,
    check_preprocess,
    check_style_cost,
    check_total_cost,
)
from nst_teach.checks.hints import _forget_attempts
from nst_teach.defaults import STYLE_LAYERS, VGG_MEANS_BGR
from nst_teach_instructor.solutions import solution

MEANS = np.array(VGG_MEANS_BGR, np.float32)
CHECKS_FOLDER = Path(nst.__file__).parent / "checks"


@pytest.fixture(autouse=True)
def first_attempt():
    """Every test starts at the gentlest hint: the count of repeated mistakes is per process."""
    _forget_attempts()
    yield
    _forget_attempts()


def assert_fails(result: CheckResult, mistake: str | None, *keywords: str) -> None:
    assert isinstance(result, CheckResult)
    assert not result.passed and not result, str(result)
    if mistake is not None:
        assert result.mistake is not None and mistake in result.mistake.split("+"), (result.mistake, str(result))
    for word in keywords:
        assert word in result.message, (word, result.message)


def assert_passes(result: CheckResult) -> None:
    assert result.passed and result, str(result)
    assert result.mistake is None
    assert "Well done" in result.message


# ------------------------------------------------------------------------ content cost (notebook 03)


def content_ok(a_c, a_g):
    _, n_h, n_w, n_c = a_g.shape
    return tf.reduce_sum(tf.square(a_c - a_g)) / (4 * n_h * n_w * n_c)


def content_reduce_mean(a_c, a_g):
    return tf.reduce_mean(tf.square(a_c - a_g))


def content_unnormalised(a_c, a_g):
    return tf.reduce_sum(tf.square(a_c - a_g))


def content_numpy(a_c, a_g):
    _, n_h, n_w, n_c = a_g.shape
    return np.sum(np.square(a_c - a_g)) / (4 * n_h * n_w * n_c)


def content_numpy_wrapped(a_c, a_g):
    _, n_h, n_w, n_c = a_g.shape
    return tf.constant(np.sum(np.square(a_c.numpy() - a_g.numpy())) / (4 * n_h * n_w * n_c))


def content_numpy_size_only(a_c, a_g):
    n = int(tf.size(a_g).numpy())  # fine eagerly, symbolic inside tf.function
    return tf.reduce_sum(tf.square(a_c - a_g)) / (4 * n)


def content_elementwise(a_c, a_g):
    _, n_h, n_w, n_c = a_g.shape
    return tf.square(a_c - a_g) / (4 * n_h * n_w * n_c)


def content_abs(a_c, a_g):
    _, n_h, n_w, n_c = a_g.shape
    return tf.reduce_sum(tf.abs(a_c - a_g)) / (4 * n_h * n_w * n_c)


def content_batch_axis(a_c, a_g):
    n_h, n_w, n_c = a_g.shape[:3]
    return tf.reduce_sum(tf.square(a_c - a_g)) / (4 * n_h * n_w * n_c)


def content_negative(a_c, a_g):
    _, n_h, n_w, n_c = a_g.shape
    return -tf.reduce_sum(tf.square(a_c - a_g)) / (4 * n_h * n_w * n_c)


def content_sum_not_difference(a_c, a_g):
    _, n_h, n_w, n_c = a_g.shape
    return tf.reduce_sum(tf.square(a_c + a_g)) / (4 * n_h * n_w * n_c)


def content_half_and_abs(a_c, a_g):
    _, n_h, n_w, n_c = a_g.shape
    return tf.reduce_sum(tf.abs(a_c - a_g)) / (2 * n_h * n_w * n_c)


@pytest.mark.parametrize("fn", [content_ok, solution("content_cost")])
def test_content_cost_passes_correct_functions(fn):
    assert_passes(check_content_cost(fn))


@pytest.mark.parametrize(
    "fn, mistake, keywords",
    [
        (content_reduce_mean, "missing_4", ["4 × the expected", "forgot the 4", "reduce_mean"]),
        (content_unnormalised, "no_normalisation", ["4·n_H·n_W·n_C"]),
        (content_numpy, "uses_numpy", ["NumPy", "tf.reduce_sum"]),
        (content_numpy_wrapped, "uses_numpy", ["NumPy", "gradient is None"]),
        (content_numpy_size_only, "uses_numpy", ["tf.function", "NumPy", "at line", ".numpy()"]),
        (content_elementwise, "not_scalar", ["reduce_sum", "(1, 4, 6, 3)"]),
        (content_abs, "abs", ["absolute value", "tf.square"]),
        (content_batch_axis, "missing_n_C", ["batch axis", "_, n_H, n_W, n_C = a_g.shape"]),
        (content_negative, "sign", ["minus sign"]),
        (content_sum_not_difference, "not_zero", ["must be 0", "a_c − a_g"]),
        (content_half_and_abs, "abs", ["absolute value", "2·n_H·n_W·n_C"]),
    ],
)
def test_content_cost_names_typical_mistakes(fn, mistake, keywords):
    result = check_content_cost(fn)
    assert_fails(result, mistake, *keywords)
    assert "Well done" not in result.message


def test_content_cost_names_a_mean_still_divided():
    """Notebook 03's exercise 1: tf.reduce_sum replaced by tf.reduce_mean, the division kept."""

    def content_cost(a_c, a_g):
        _, n_H, n_W, n_C = a_g.shape
        return tf.reduce_mean(tf.square(a_c - a_g)) / (4 * n_H * n_W * n_C)

    result = check_content_cost(content_cost)
    assert_fails(
        result,
        "mean_and_division",
        "the mean already divides by n_H·n_W·n_C",
        "The formula sums",
        "use tf.reduce_sum, then divide by 4·n_H·n_W·n_C",
    )
    assert "not one of the typical mistakes" not in result.message


def test_layer_style_cost_names_a_mean_still_divided():
    fn = make_layer_style_cost(square=lambda d: tf.square(d) / d.shape[0] ** 2)  # tf.reduce_mean over G's entries
    assert_fails(check_layer_style_cost(fn), "mean_and_division", "the mean already divides by n_C²")


def test_content_cost_half_and_abs_names_both_mistakes():
    result = check_content_cost(content_half_and_abs)
    assert result.mistake == "abs+wrong_normalisation"


# ------------------------------------------------------------------------ Gram matrix (notebook 04)


def gram_ok(A):
    return tf.matmul(A, tf.transpose(A))


def gram_transposed(A):
    return tf.matmul(tf.transpose(A), A)


def gram_elementwise(A):
    return A * A


def gram_normalised(A):
    return tf.matmul(A, A, transpose_b=True) / A.shape[1]


def gram_numpy(A):
    return np.dot(A, np.transpose(A))


def gram_no_transpose(A):
    return tf.matmul(A, A)


def gram_covariance(A):
    centred = A - tf.reduce_mean(A, axis=1, keepdims=True)
    return tf.matmul(centred, tf.transpose(centred))


@pytest.mark.parametrize("fn", [gram_ok, solution("gram_matrix")])
def test_gram_matrix_passes_correct_functions(fn):
    assert_passes(check_gram_matrix(fn))


@pytest.mark.parametrize(
    "fn, mistake, keywords",
    [
        (gram_transposed, "transposed", ["Aᵀ·A", "second factor", "(24, 24)"]),
        (gram_elementwise, "elementwise", ["element by element", "tf.matmul"]),
        (gram_normalised, "normalised", ["n_H·n_W", "style cost does the normalisation"]),
        (gram_numpy, "uses_numpy", ["NumPy", "tf.matmul"]),
        (gram_no_transpose, "raised", ["InvalidArgumentError", "transpose"]),
        (gram_covariance, "centred", ["covariance"]),
    ],
)
def test_gram_matrix_names_typical_mistakes(fn, mistake, keywords):
    assert_fails(check_gram_matrix(fn), mistake, *keywords)


# ------------------------------------------------------------------------ style cost of a layer (notebook 04)


def unroll(a):
    _, n_h, n_w, n_c = a.shape
    return tf.transpose(tf.reshape(a, (n_h * n_w, n_c)))


def make_layer_style_cost(unroll_fn=unroll, gram=gram_ok, denominator=None, square=tf.square):
    def layer_style_cost(a_s, a_g):
        _, n_h, n_w, n_c = a_g.shape
        g_s, g_g = gram(unroll_fn(a_s)), gram(unroll_fn(a_g))
        norm = 4 * n_c**2 * (n_h * n_w) ** 2 if denominator is None else denominator(n_h * n_w, n_c)
        return tf.reduce_sum(square(g_s - g_g)) / norm

    return layer_style_cost


def reshape_only(a):
    _, n_h, n_w, n_c = a.shape
    return tf.reshape(a, (n_c, n_h * n_w))  # the classic bug: scrambles the channels


def layer_style_not_zero(a_s, a_g):
    _, n_h, n_w, n_c = a_g.shape
    return tf.reduce_sum(tf.square(gram_ok(unroll(a_s)) + gram_ok(unroll(a_g)))) / (4 * n_c**2 * (n_h * n_w) ** 2)


def layer_style_like_content(a_s, a_g):
    _, n_h, n_w, n_c = a_g.shape
    return tf.reduce_sum(tf.square(a_s - a_g)) / (4 * n_c * n_h * n_w)


@pytest.mark.parametrize("fn", [make_layer_style_cost(), solution("layer_style_cost")])
def test_layer_style_cost_passes_correct_functions(fn):
    assert_passes(check_layer_style_cost(fn))


@pytest.mark.parametrize(
    "fn, mistake, keywords",
    [
        (make_layer_style_cost(unroll_fn=reshape_only), "no_transpose", ["transpose", "(n_H·n_W, n_C)"]),
        (make_layer_style_cost(denominator=lambda n, c: c**2 * n**2), "missing_4", ["4", "4·n_C²·(n_H·n_W)²"]),
        (make_layer_style_cost(denominator=lambda n, c: 4 * c * n**2), "missing_square", ["n_C²"]),
        (make_layer_style_cost(denominator=lambda n, c: 4 * c**2 * n), "missing_square", ["(n_H·n_W)²"]),
        (make_layer_style_cost(denominator=lambda n, c: (4 * c * n) ** 2), "four_squared", ["squares the 4"]),
        (make_layer_style_cost(square=tf.abs), "abs", ["|G_S − G_G|"]),
        (layer_style_not_zero, "not_zero", ["must be 0", "G_S − G_G"]),
        (layer_style_like_content, "no_gram", ["Gram matrices"]),
    ],
)
def test_layer_style_cost_names_typical_mistakes(fn, mistake, keywords):
    assert_fails(check_layer_style_cost(fn), mistake, *keywords)


def test_layer_style_cost_names_combined_mistakes():
    fn = make_layer_style_cost(unroll_fn=reshape_only, denominator=lambda n, c: c**2 * n**2)
    result = check_layer_style_cost(fn)
    assert result.mistake == "no_transpose+missing_4"
    assert "transpose" in result.message and "forgot the 4" in result.message


def test_layer_style_cost_reports_a_wrong_gram_matrix_shape_as_an_exception():
    fn = make_layer_style_cost(gram=gram_no_transpose)
    assert_fails(check_layer_style_cost(fn), "raised", "Matrix size-incompatible", "at line")


# ------------------------------------------------------------------------ style cost over layers (notebook 04)


#: The student's own layer_style_cost, right, that their style_cost calls by name (as in notebook 04).
layer_style_cost = make_layer_style_cost()


def style_ok(a_s_layers, a_g_layers, coefficients):
    j = 0.0
    for name, coefficient in coefficients.items():
        j += coefficient * layer_style_cost(a_s_layers[name], a_g_layers[name])
    return j


def style_ignores_coefficients(a_s_layers, a_g_layers, coefficients):
    return tf.add_n([layer_style_cost(a_s_layers[n], a_g_layers[n]) for n in coefficients])


def style_average(a_s_layers, a_g_layers, coefficients):
    return style_ok(a_s_layers, a_g_layers, coefficients) / len(coefficients)


def style_last_layer(a_s_layers, a_g_layers, coefficients):
    j = 0.0
    for name, coefficient in coefficients.items():
        j = coefficient * layer_style_cost(a_s_layers[name], a_g_layers[name])
    return j


def style_global_layers(a_s_layers, a_g_layers, coefficients):
    j = 0.0
    for name, coefficient in STYLE_LAYERS.items():
        j += coefficient * layer_style_cost(a_s_layers[name], a_g_layers[name])
    return j


def style_global_coefficients(a_s_layers, a_g_layers, coefficients):
    j = 0.0
    for name in a_s_layers:
        j += STYLE_LAYERS[name] * layer_style_cost(a_s_layers[name], a_g_layers[name])
    return j


def style_with_wrong_layer_cost(a_s_layers, a_g_layers, coefficients):
    wrong = make_layer_style_cost(denominator=lambda n, c: c**2 * n**2)
    j = 0.0
    for name, coefficient in coefficients.items():
        j += coefficient * wrong(a_s_layers[name], a_g_layers[name])
    return j


@pytest.mark.parametrize("fn", [style_ok, solution("style_cost")])
def test_style_cost_passes_correct_functions(fn):
    assert_passes(check_style_cost(fn))


@pytest.mark.parametrize(
    "fn, mistake, keywords",
    [
        (style_ignores_coefficients, "ignores_coefficients", ["coefficient"]),
        (style_average, "averages", ["average", "sum"]),
        (style_last_layer, "last_layer_only", ["J_style += ..."]),
        (style_global_layers, "raised", ["KeyError", "coefficients.items()"]),
        (style_global_coefficients, "global_coefficients", ["STYLE_LAYERS", "`coefficients` argument"]),
        (style_with_wrong_layer_cost, "layer_cost_wrong", ["check_layer_style_cost"]),
    ],
)
def test_style_cost_names_typical_mistakes(fn, mistake, keywords):
    assert_fails(check_style_cost(fn), mistake, *keywords)


# ------------------------------------------------------------------------ preprocess (notebook 01)


def preprocess_ok(rgb, size):
    bgr = np.ascontiguousarray(rgb[:, :, ::-1])
    return (cv2.resize(bgr, size, interpolation=cv2.INTER_CUBIC).astype(np.float32) - MEANS)[np.newaxis]


def preprocess_float_first(rgb, size):
    bgr = rgb[:, :, ::-1].astype(np.float32)
    return (cv2.resize(bgr, size, interpolation=cv2.INTER_CUBIC) - MEANS)[np.newaxis]


def preprocess_linear(rgb, size):
    bgr = np.ascontiguousarray(rgb[:, :, ::-1])
    return (cv2.resize(bgr, size, interpolation=cv2.INTER_LINEAR).astype(np.float32) - MEANS)[np.newaxis]


def preprocess_rgb(rgb, size):
    return (cv2.resize(rgb, size, interpolation=cv2.INTER_CUBIC).astype(np.float32) - MEANS)[np.newaxis]


def preprocess_rgb_means(rgb, size):
    return preprocess_ok(rgb, size) + MEANS - MEANS[::-1]


def preprocess_no_means(rgb, size):
    return preprocess_ok(rgb, size) + MEANS


def preprocess_means_added(rgb, size):
    return preprocess_ok(rgb, size) + 2 * MEANS


def preprocess_no_batch(rgb, size):
    return preprocess_ok(rgb, size)[0]


def preprocess_swapped(rgb, size):
    width, height = size
    return preprocess_ok(rgb, (height, width))


def preprocess_uint8(rgb, size):
    return preprocess_ok(rgb, size).astype(np.uint8)


def preprocess_float64(rgb, size):
    return preprocess_ok(rgb, size).astype(np.float64)


def preprocess_in_place(rgb, size):
    rgb[...] = rgb[:, :, ::-1].copy()
    return preprocess_ok(rgb, size)


def preprocess_not_resized(rgb, size):
    return (rgb[:, :, ::-1].astype(np.float32) - MEANS)[np.newaxis]


def test_preprocess_passes_correct_functions():
    for fn in (preprocess_ok, preprocess_float_first, solution("preprocess")):
        assert_passes(check_preprocess(fn))
    assert_passes(check_preprocess(lambda rgb, size: tf.constant(preprocess_ok(rgb, size))))


def test_preprocess_accepts_another_interpolation_with_a_note():
    result = check_preprocess(preprocess_linear)
    assert_passes(result)
    assert "Note" in result.message and "INTER_LINEAR" in result.message


@pytest.mark.parametrize("interpolation", ["INTER_NEAREST", "INTER_NEAREST_EXACT"])
def test_preprocess_names_nearest_neighbour_resizing(interpolation):
    """Notebook 01's exercise 2: nearest-neighbour resizing is named, not "not one of the typical mistakes"."""

    def preprocess(rgb, size):  # the student's preprocess with its resize line changed, as the exercise asks
        bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
        bgr = cv2.resize(bgr, size, interpolation=getattr(cv2, interpolation))
        return (bgr.astype(np.float32) - MEANS)[np.newaxis]

    result = check_preprocess(preprocess)
    assert_fails(
        result,
        "nearest_resize",
        f"resizes with cv2.{interpolation}, nearest-neighbour interpolation",
        "blocky",
        "VGG-19 sees those steps as texture",
        "cv2.INTER_CUBIC",
    )
    assert "not one of the typical mistakes" not in result.message


@pytest.mark.parametrize(
    "fn, mistake, keywords",
    [
        (preprocess_rgb, "rgb_order", ["BGR", "reverse the order of the channels"]),
        (preprocess_rgb_means, "rgb_means", ["RGB order", "VGG_MEANS_BGR"]),
        (preprocess_no_means, "no_means", ["means"]),
        (preprocess_means_added, "means_added", ["subtract"]),
        (preprocess_no_batch, "no_batch", ["batch", "np.newaxis"]),
        (preprocess_swapped, "size_swapped", ["(width, height)", "swapped"]),
        (preprocess_uint8, "dtype", ["float32", "uint8"]),
        (preprocess_float64, "dtype", ["float32", "float64"]),
        (preprocess_in_place, "in_place", ["in place"]),
        (preprocess_not_resized, "not_resized", ["cv2.resize"]),
        (lambda rgb, size: (preprocess_ok(rgb, size) + MEANS) / 255.0 - MEANS, "scaled", ["255"]),
    ],
)
def test_preprocess_names_typical_mistakes(fn, mistake, keywords):
    assert_fails(check_preprocess(fn), mistake, *keywords)


def test_preprocess_combined_mistakes_are_all_named():
    result = check_preprocess(lambda rgb, size: preprocess_rgb(rgb, size) + MEANS - MEANS[::-1])
    assert result.mistake == "rgb_order+rgb_means"


# ------------------------------------------------------------------------ never raising on the student's bugs

CHECKS = {
    "preprocess": check_preprocess,
    "content_cost": check_content_cost,
    "gram_matrix": check_gram_matrix,
    "layer_style_cost": check_layer_style_cost,
    "style_cost": check_style_cost,
    "total_cost": check_total_cost,
}


def raises_value_error(*args):
    raise ValueError("boom: something the student did")


def not_written_yet(*args):
    raise NotImplementedError


def forgets_return(*args):
    _ = args


@pytest.mark.parametrize("name", list(CHECKS))
def test_exceptions_of_the_student_are_explained_not_raised(name):
    check = CHECKS[name]
    result = check(raises_value_error)
    assert_fails(result, "raised", "ValueError", "boom: something the student did", "Hint:", "at line")
    assert_fails(check(not_written_yet), "not_written", "NotImplementedError")
    assert_fails(check(forgets_return), "returned_none", "return")
    assert_fails(check(lambda *args: "a string"), "not_array")
    assert_fails(check(42), "not_callable", f"check_{name}({name})")


def layer_style_numpy_methods(a_s, a_g):
    _, n_h, n_w, n_c = a_g.shape
    return tf.reduce_sum(a_s.reshape((n_h * n_w, n_c)))


def layer_style_int_sizes(a_s, a_g):
    n = tf.shape(a_g)
    return tf.reduce_sum(tf.square(gram_ok(unroll(a_s)) - gram_ok(unroll(a_g)))) / (4 * n[3] ** 2)


def layer_style_bad_reshape(a_s, a_g):
    _, n_h, n_w, n_c = a_g.shape
    return tf.reduce_sum(tf.reshape(a_s, (n_h, n_c)))


@pytest.mark.parametrize(
    "fn, keywords",
    [
        (layer_style_numpy_methods, ["AttributeError", "tf.reshape(x, shape)"]),
        (layer_style_int_sizes, ["int32", "tf.cast"]),
        (layer_style_bad_reshape, ["number of values", "(n_H·n_W, n_C)"]),
    ],
)
def test_exceptions_get_a_hint_for_their_cause(fn, keywords):
    assert_fails(check_layer_style_cost(fn), "raised", "at line", *keywords)


def test_name_error_hints_at_globals():
    def content_cost(a_c, a_g):
        return tf.reduce_sum(tf.square(a_c - a_G)) / 4  # noqa: F821 - the typo is the test

    assert_fails(check_content_cost(content_cost), "raised", "NameError", "another cell")


# ------------------------------------------------------------------------ the package's functions are not an answer


class CallsThePackage:
    """A class with ``__call__`` that hands the work to the package."""

    def __init__(self, name):
        self.name = name

    def __call__(self, *args):
        return getattr(nst, self.name)(*args)


def handed_on(fn):
    """A decorator made with functools.wraps, as a student might write one to 'log' calls."""

    @functools.wraps(fn)
    def wrapper(*args):
        return fn(*args)

    return wrapper


def _reference_in_disguise(name):
    """The ways a student hands in the package's function instead of writing it."""
    reference = getattr(costs, name)
    alias = reference  # as after `from nst_teach import content_cost as reference_content_cost`
    traced = tf.function(reference)
    traced(*CASES[name])  # traced before the check: calling it again runs no Python code
    return {
        "itself": reference,
        "through nst": getattr(nst, name),
        "a tf.function of it": tf.function(reference),
        "a tf.function of it, traced before the check": traced,
        "a lambda through nst": lambda *args: getattr(nst, name)(*args),
        "a lambda through an alias": lambda *args: alias(*args),
        "a lambda calling a tf.function of it": lambda *args: tf.function(reference)(*args),
        "a lambda calling a tf.function of it, traced before the check": lambda *args: traced(*args),
        "a partial": functools.partial(reference),
        "a class with __call__": CallsThePackage(name),
        "a functools.wraps decorator": handed_on(reference),
    }


#: Arguments each cost takes, to trace a tf.function of it before its check.
CASES = {
    "content_cost": (tf.ones((1, 4, 6, 3)), tf.zeros((1, 4, 6, 3))),
    "gram_matrix": (tf.ones((3, 24)),),
    "layer_style_cost": (tf.ones((1, 4, 6, 3)), tf.zeros((1, 4, 6, 3))),
    "style_cost": (
        {"block1_conv1": tf.ones((1, 4, 6, 3))},
        {"block1_conv1": tf.zeros((1, 4, 6, 3))},
        {"block1_conv1": 1.0},
    ),
}


DISGUISES = list(_reference_in_disguise("content_cost"))


@pytest.mark.parametrize("how", DISGUISES)
@pytest.mark.parametrize("name", ["content_cost", "gram_matrix", "layer_style_cost", "style_cost"])
def test_the_package_function_or_a_wrapper_is_told_to_write_it(name, how):
    result = CHECKS[name](_reference_in_disguise(name)[how])
    assert_fails(result, "uses_reference", "write it yourself", f"nst.costs.{name}", "the package with itself")
    calls = how.startswith(("a lambda", "a partial", "a class", "a functools"))
    assert (f"calls the package's own nst.costs.{name}" in result.message) == calls, result.message
    assert (f"is the package's own nst.costs.{name}" in result.message) != calls, result.message


def test_a_layer_style_cost_built_from_the_package_gram_cost_is_refused():
    def layer_style_cost(a_S, a_G):
        _, n_H, n_W, n_C = a_G.shape
        return nst.gram_cost(nst.gram_matrix(a_S), nst.gram_matrix(a_G), n_H * n_W)

    result = check_layer_style_cost(layer_style_cost)
    assert_fails(
        result,
        "uses_package",
        "Your layer_style_cost calls the package's own nst.costs.gram_matrix and nst.costs.gram_cost.",
        "compare the package with itself",
        "write it yourself",
        "your own gram_matrix",
    )


def test_a_style_cost_built_from_the_package_weighted_style_cost_is_refused():
    def style_cost(a_S_layers, a_G_layers, coefficients):
        layer_costs = [nst.layer_style_cost(a_S_layers[name], a_G_layers[name]) for name in coefficients]
        return nst.weighted_style_cost(layer_costs, list(coefficients.values()))

    result = check_style_cost(style_cost)
    assert_fails(
        result,
        "uses_package",
        "calls the package's own nst.costs.layer_style_cost and nst.costs.weighted_style_cost",
        "compare the package with itself",
        "your own layer_style_cost",
    )


def test_a_content_cost_through_a_fresh_tf_function_of_the_package_is_refused():
    result = check_content_cost(lambda a_C, a_G: tf.function(nst.content_cost)(a_C, a_G))
    assert_fails(result, "uses_reference", "calls the package's own nst.costs.content_cost", "compare the package")


def test_a_package_function_called_only_after_the_first_call_is_refused():
    calls = []

    def content_cost(a_c, a_g):  # right on the first call, the package's from the second on
        calls.append(1)
        return content_ok(a_c, a_g) if len(calls) == 1 else nst.content_cost(a_c, a_g)

    assert_fails(check_content_cost(content_cost), "uses_reference", "calls the package's own nst.costs.content_cost")


def test_a_package_function_reached_only_inside_tf_function_is_refused():
    def content_cost(a_c, a_g):  # the package's only where the check runs it in graph mode
        if tf.executing_eagerly():
            return content_ok(a_c, a_g)
        return nst.content_cost(a_c, a_g)

    assert_fails(check_content_cost(content_cost), "uses_reference", "nst.costs.content_cost")


def test_the_package_preprocess_or_load_image_is_told_to_write_it():
    from nst_teach import images

    assert_fails(check_preprocess(images.preprocess), "uses_reference", "is the package's own nst.images.preprocess")
    assert_fails(
        check_preprocess(lambda rgb, size: nst.load_image(rgb, size)),
        "uses_reference",
        "calls the package's own nst.images.load_image, which runs nst.images.preprocess",
    )
    assert_fails(
        check_preprocess(functools.partial(nst.preprocess)), "uses_reference", "calls", "nst.images.preprocess"
    )


def test_another_package_cost_in_the_students_place_is_refused_by_name():
    assert_fails(check_content_cost(nst.total_cost), "uses_package", "is the package's own nst.costs.total_cost")
    assert_fails(
        check_gram_matrix(lambda A: nst.layer_style_cost(A, A) * 0 + tf.matmul(A, tf.transpose(A))),
        "uses_package",
        "calls the package's own nst.costs.layer_style_cost",
    )


def test_the_refusal_leaves_tensorflow_as_it_was():
    check_content_cost(lambda a_C, a_G: nst.content_cost(a_C, a_G))
    assert_passes(check_content_cost(content_ok))
    assert not tf.config.functions_run_eagerly()


# ------------------------------------------------------------------------ a right function, a wrong helper


def wrong_gram_matrix(A):  # the student's own, divided by n_H·n_W: check_gram_matrix names it
    return tf.matmul(A, tf.transpose(A)) / A.shape[1]


def layer_style_with_their_gram(a_s, a_g):
    """A right layer_style_cost that calls the student's gram_matrix by name, as notebook 04 asks."""
    _, n_h, n_w, n_c = a_g.shape
    g_s, g_g = gram_matrix(unroll(a_s)), gram_matrix(unroll(a_g))
    return tf.reduce_sum(tf.square(g_s - g_g)) / (4 * n_c**2 * (n_h * n_w) ** 2)


def style_with_their_layer_cost(a_s_layers, a_g_layers, coefficients):
    j = 0.0
    for name, coefficient in coefficients.items():
        j += coefficient * layer_style_cost(a_s_layers[name], a_g_layers[name])
    return j


gram_matrix = gram_ok  # the name the student's layer_style_cost calls: right, until a test puts a wrong one


def test_a_right_layer_style_cost_calling_a_wrong_gram_matrix_points_at_the_gram_matrix(monkeypatch):
    assert_passes(check_layer_style_cost(layer_style_with_their_gram))
    monkeypatch.setitem(globals(), "gram_matrix", wrong_gram_matrix)
    result = check_layer_style_cost(layer_style_with_their_gram)
    assert_fails(
        result,
        "calls_wrong_gram_matrix",
        "Your layer_style_cost itself is right",
        "The gram_matrix it calls is what is wrong",
        "does not pass check_gram_matrix yet: run check_gram_matrix(gram_matrix) first",
    )
    assert globals()["gram_matrix"] is wrong_gram_matrix  # the student's own is put back after the try
    assert_fails(check_gram_matrix(wrong_gram_matrix), "normalised")


def test_a_right_style_cost_calling_a_wrong_layer_style_cost_points_at_it(monkeypatch):
    wrong = make_layer_style_cost(denominator=lambda n, c: c**2 * n**2)
    monkeypatch.setitem(globals(), "layer_style_cost", wrong)
    result = check_style_cost(style_with_their_layer_cost)
    assert_fails(
        result,
        "calls_wrong_layer_style_cost",
        "Your style_cost itself is right",
        "run check_layer_style_cost(layer_style_cost) first",
    )
    assert globals()["layer_style_cost"] is wrong


def test_a_wrong_function_with_a_right_helper_is_diagnosed_as_before():
    def layer_style_missing_4(a_s, a_g):
        _, n_h, n_w, n_c = a_g.shape
        g_s, g_g = gram_matrix(unroll(a_s)), gram_matrix(unroll(a_g))
        return tf.reduce_sum(tf.square(g_s - g_g)) / (n_c**2 * (n_h * n_w) ** 2)

    assert_fails(check_layer_style_cost(layer_style_missing_4), "missing_4", "forgot the 4")


# ------------------------------------------------------------------------ hints that escalate, never to the answer


def test_hints_escalate_what_then_formula_then_a_skeleton_never_the_line(monkeypatch):
    monkeypatch.delenv("NST_TEACH_FULL_HINTS", raising=False)
    first, second, third = (check_content_cost(content_reduce_mean) for _ in range(3))
    for result in (first, second, third):
        assert_fails(result, "missing_4", "forgot the 4")
    assert "Formula:" not in first.message and "____" not in first.message
    assert "the hint will show the formula" in first.message
    assert "Formula: J_content = 1/(4·n_H·n_W·n_C)" in second.message and "____" not in second.message
    assert "the hint will show the code with blanks to fill" in second.message
    assert "Formula:" in third.message and "will show" not in third.message
    assert "Fill in the blanks (____): _, n_H, n_W, n_C = a_g.shape, then return tf.reduce_sum(____) / (____)" in (
        third.message
    )
    assert "/ (4 * n_H * n_W * n_C)" not in third.message and "NST_TEACH_FULL_HINTS" not in third.message


def test_the_complete_line_only_with_the_instructors_variable_and_package(monkeypatch):
    from nst_teach_instructor.hints import HINTS

    monkeypatch.setenv("NST_TEACH_FULL_HINTS", "1")
    third = [check_content_cost(content_reduce_mean) for _ in range(3)][-1]
    assert "return tf.reduce_sum(____) / (____)" in third.message
    assert f"The code (NST_TEACH_FULL_HINTS=1): {HINTS['content_cost']}" in third.message
    _forget_attempts()
    monkeypatch.setitem(sys.modules, "nst_teach_instructor.hints", None)  # as on a student's install
    third = [check_content_cost(content_reduce_mean) for _ in range(3)][-1]
    assert HINTS["content_cost"] not in third.message
    assert "the hint needs the instructor's package, nst-teach-instructor, which is not installed here" in third.message


def test_no_complete_line_is_in_the_students_checks():
    from nst_teach.checks.hints import _SKELETONS
    from nst_teach_instructor.hints import HINTS, secret_texts

    assert sorted(HINTS) == sorted(_SKELETONS), "every skeleton has its complete line on the instructor's side"
    sources = {path.name: path.read_text(encoding="utf-8") for path in CHECKS_FOLDER.glob("*.py")}
    found = [(name, line) for line in secret_texts() for name, text in sources.items() if line in text]
    assert not found, f"complete lines of code in the student's checks: {found}"
    assert len(secret_texts()) == len(HINTS) and all(secret_texts())


def test_hints_count_each_mistake_of_each_exercise_apart():
    check_content_cost(content_reduce_mean)
    check_content_cost(content_reduce_mean)
    other = check_content_cost(content_abs)  # another mistake: back to the gentlest hint
    assert other.mistake == "abs" and "Formula:" not in other.message
    gram = check_gram_matrix(gram_transposed)  # another exercise
    assert "Formula:" not in gram.message and "tf.matmul(____, ____)" not in gram.message
    gram = check_gram_matrix(gram_transposed)
    gram = check_gram_matrix(gram_transposed)
    assert "Fill in the blanks (____): return tf.matmul(____, ____)" in gram.message
    assert "tf.matmul(A, tf.transpose(A))" not in gram.message


def test_an_unknown_mistake_gets_the_formula_at_once():
    def content_cubed(a_c, a_g):
        _, n_h, n_w, n_c = a_g.shape
        return tf.reduce_sum(tf.abs(a_c - a_g) ** 3) / (4 * n_h * n_w * n_c)

    result = check_content_cost(content_cubed)
    assert_fails(result, None, "not one of the typical mistakes", "Formula:")
    assert result.mistake is None and "____" not in result.message


def test_the_unroll_skeleton_is_not_given_before_the_third_try():
    fn = make_layer_style_cost(unroll_fn=reshape_only)
    messages = [check_layer_style_cost(fn).message for _ in range(3)]
    unroll_skeleton = "tf.transpose(tf.reshape(a_s, (____, ____)))"
    assert [unroll_skeleton in m for m in messages] == [False, False, True]
    assert not any("(n_H * n_W, n_C)" in m for m in messages)


# ------------------------------------------------------------------------ CheckResult and check_all


def test_check_result_is_bool_like_and_displays_in_text_and_html():
    good = CheckResult("content_cost", True, "all fine")
    bad = CheckResult("gram_matrix", False, "G < 0 & wrong", "transposed")
    assert bool(good) and not bool(bad)
    assert str(good).startswith("✔ content_cost") and "all fine" in str(good)
    assert str(bad).startswith("✘ gram_matrix") and repr(bad) == str(bad)
    assert "#2e7d32" in good._repr_html_() and "#c62828" in bad._repr_html_()
    assert "G &lt; 0 &amp; wrong" in bad._repr_html_()


def test_check_all_checks_every_exercise_found():
    namespace = {name: solution(name) for name in EXERCISES}
    namespace["unrelated"] = 3
    report = check_all(namespace)
    assert isinstance(report, CheckReport)
    assert [r.exercise for r in report] == list(EXERCISES)
    assert report.passed, str(report)

    partial = check_all({"content_cost": content_reduce_mean, "gram_matrix": gram_ok})
    assert len(partial) == 2 and not partial
    assert [r.passed for r in partial] == [False, True]
    assert "✘ content_cost" in partial._repr_html_()

    empty = check_all({})
    assert not empty and "No exercise found" in str(empty)

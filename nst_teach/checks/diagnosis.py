"""Naming the mistake: which typical error gives exactly the student's numbers, and the cost-check recipe.

A formula is written as parts (a numerator, a normalisation, an unrolling...),
each with its right form (key ``"ok"``) and the typical mistakes students
make in it (:class:`_Variant`).  :func:`_find_mistake` tries the combinations,
fewest mistakes first, and returns the one that reproduces the student's
values on every test input: "you forgot the 4" rather than "wrong value".

:func:`_check_cost` is the recipe the three scalar costs share: one number,
0 for identical inputs, the reference's values on every case, the
reference's gradient, and the same value inside ``tf.function``.  The
reference is the package's own function (:mod:`nst_teach.costs`).  When the
values differ and the student's function calls their own function of an
earlier exercise by name (``gram_matrix``, ``layer_style_cost``), a correct
one is tried in its place first (:func:`_blame_the_helper`): "your function is
right, the helper it calls is not" points at the helper's check.

Introduced in ``notebooks/03_content_cost.ipynb``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import tensorflow as tf

from .feedback import _NUMPY_HINT, _call, _Fail, _fmt, _shape, _to_array, error_text
from .hints import _Code, not_counted
from .refusal import _unwrapped

__all__: list[str] = []


# --------------------------------------------------------------------------------------------
# Diagnosis: which combination of typical mistakes gives exactly the student's numbers?
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Variant:
    """One way to compute one part of a formula: the right one (key "ok") or a typical mistake."""

    key: str
    explanation: str
    compute: Any
    code: _Code | None = None  #: the skeleton of the code that fixes this mistake, if it has its own


def _close(got: Any, expected: Any, rtol: float = 1e-3) -> bool:
    got, expected = np.asarray(got, np.float64), np.asarray(expected, np.float64)
    if got.shape != expected.shape or not np.all(np.isfinite(got)):
        return False
    scale = max(float(np.max(np.abs(expected), initial=0.0)), 1e-12)
    return bool(np.allclose(got, expected, rtol=rtol, atol=1e-6 * scale))


def _find_mistake(
    got: Sequence[Any], cases: Sequence[Any], parts: Sequence[Sequence[_Variant]], formula: Callable[..., Any]
) -> list[_Variant] | None:
    """The mistakes (one variant per part, fewest mistakes first) that reproduce ``got`` on every case."""
    combos = sorted(itertools.product(*parts), key=lambda combo: sum(v.key != "ok" for v in combo))
    for combo in combos:
        if all(v.key == "ok" for v in combo):
            continue
        try:
            expected = [formula(case, *(v.compute for v in combo)) for case in cases]
        except (ValueError, ZeroDivisionError, FloatingPointError):
            continue
        if all(_close(g, e) for g, e in zip(got, expected)):
            return [v for v in combo if v.key != "ok"]
    return None


def _values_message(got: Sequence[float], expected: Sequence[float], describe: Sequence[str]) -> str:
    """'On every test your value is 4 × the expected one (...)' or a small table of values."""
    ratios = [g / e for g, e in zip(got, expected) if e != 0]
    first = f"For {describe[0]}: expected {_fmt(expected[0])}, got {_fmt(got[0])}"
    if len(ratios) == len(got) and all(np.isclose(r, ratios[0], rtol=1e-3) for r in ratios):
        return f"On every test your value is {_fmt(ratios[0])} × the expected one. {first}."
    rows = [f"  {d}: expected {_fmt(e)}, got {_fmt(g)}" for g, e, d in zip(got, expected, describe)]
    return "Your values:\n" + "\n".join(rows)


def _wrong_values(
    what: str,
    got: Sequence[float],
    expected: Sequence[float],
    describe: Sequence[str],
    mistakes: list[_Variant] | None,
    formula_text: str,
    code: _Code | None = None,
) -> _Fail:
    lines = [f"Your {what} gives different values than the formula.", _values_message(got, expected, describe)]
    if mistakes:
        lines.append("What went wrong:")
        lines.extend(f"- {m.explanation}" for m in mistakes)
        key = "+".join(dict.fromkeys(m.key for m in mistakes))
    else:
        lines.append(
            "This is not one of the typical mistakes the checker knows: compare your code with the "
            "formula term by term."
        )
        key = None
    own = tuple(dict.fromkeys(m.code for m in mistakes or () if m.code))
    return _Fail("\n".join(lines), key, formula=formula_text, code=own or code)


# --------------------------------------------------------------------------------------------
# The common recipe of the scalar costs: value, zero for identical inputs, gradient, tf.function
# --------------------------------------------------------------------------------------------


def _tensors(x: Any) -> Any:
    """NumPy arrays (also inside dicts/lists) -> fresh tf constants; other leaves (floats) unchanged."""
    return tf.nest.map_structure(lambda v: tf.constant(v) if isinstance(v, np.ndarray) else v, x)


def _scalar(value: Any, what: str, describe: str, input_shape: tuple[int, ...] | None) -> float:
    array = _to_array(value)
    if array.size != 1:
        if input_shape is not None and array.shape == input_shape:
            detail = (
                "the same shape as the activations: one squared difference per value. The cost is a single "
                "number: add them all up with tf.reduce_sum(...)."
            )
        else:
            detail = (
                "but a cost is a single number (a scalar): reduce over all axes with tf.reduce_sum(...) "
                "without an `axis` argument."
            )
        raise _Fail(f"For {describe} your {what} returns an array of shape {array.shape}, {detail}", "not_scalar")
    return float(array.reshape(()))


def _not_a_tensor(value: Any, what: str) -> _Fail:
    kind = "a Python number" if isinstance(value, (int, float)) else f"a NumPy value ({type(value).__name__})"
    return _Fail(
        f"Your {what} returns {kind}, not a TensorFlow tensor: the computation left TensorFlow (NumPy functions, "
        f".numpy() or float()), so TensorFlow cannot compute its gradient and the optimizer could not change the "
        f"image. {_NUMPY_HINT}",
        "uses_numpy",
    )


@dataclass(frozen=True)
class _Helper:
    """The student's function of an earlier exercise that this one calls by name (layer_style_cost → gram_matrix).

    When the student's values are wrong, the check puts ``right`` (the check's own, never the package's) in the
    helper's place in the function's globals for one more try, and restores it: right values then mean that the
    function is right and the helper is not.
    """

    name: str  #: the helper's name, e.g. "gram_matrix"
    right: Callable[..., Any]  #: a correct helper of the check's own
    check: Callable[[Callable], Any]  #: the helper's check, e.g. check_gram_matrix


@dataclass(frozen=True)
class _CostSpec:
    """What the generic scalar-cost check needs to know about one exercise."""

    exercise: str
    cases: Sequence[tuple[Any, ...]]  # argument tuples (NumPy leaves)
    identical: tuple[Any, ...]  # arguments for which the cost must be 0
    reference: Callable[..., Any]
    describe: Callable[[tuple[Any, ...]], str]
    input_shape: Callable[[tuple[Any, ...]], tuple[int, ...] | None]
    parts: Sequence[Sequence[_Variant]]
    formula: Callable[..., Any]
    formula_text: str
    not_zero_hint: str
    success: str
    extra_diagnosis: Callable[[Callable], None] | None = None
    helper: _Helper | None = None  #: the earlier exercise's function it calls, tried in its place when values differ
    code: _Code | None = None  #: the skeleton of the formula's code, the last step of an escalating hint


def _check_cost(fn: Callable, spec: _CostSpec) -> str:
    what = ex = spec.exercise
    describe = [spec.describe(case) for case in spec.cases]

    # 1. One call: does it run, and return one number?
    got = [
        _scalar(
            _call(fn, _tensors(spec.cases[0]), ex, f"on {describe[0]}"),
            what,
            describe[0],
            spec.input_shape(spec.cases[0]),
        )
    ]

    # 2. Identical inputs: nothing to change, the cost must be 0.
    zero = _scalar(
        _call(fn, _tensors(spec.identical), ex, "on identical inputs"),
        what,
        spec.describe(spec.identical),
        spec.input_shape(spec.identical),
    )
    if not abs(zero) <= 1e-6:
        raise _Fail(
            f"For identical inputs ({spec.describe(spec.identical)}, the same array twice) the cost must be 0 — "
            f"there is nothing to change — but yours gives {_fmt(zero)}. {spec.not_zero_hint}",
            "not_zero",
            formula=spec.formula_text,
            code=spec.code,
        )

    # 3. Values on every case, compared with the package's function.
    for case, text in zip(spec.cases[1:], describe[1:]):
        got.append(_scalar(_call(fn, _tensors(case), ex, f"on {text}"), what, text, spec.input_shape(case)))
    expected = [float(spec.reference(*_tensors(case))) for case in spec.cases]
    if not all(_close(g, e, rtol=1e-4) for g, e in zip(got, expected)):
        _blame_the_helper(fn, spec, expected)
        mistakes = _find_mistake(got, spec.cases, spec.parts, spec.formula)
        if mistakes is None and spec.extra_diagnosis is not None:
            spec.extra_diagnosis(fn)
        raise _wrong_values(what, got, expected, describe, mistakes, spec.formula_text, spec.code)

    # 4. The optimizer needs a gradient with respect to the generated image's activations.
    args = _tensors(spec.cases[0])
    watched = tf.nest.flatten(args[1])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(watched)
        out = _call(fn, args, ex, "under tf.GradientTape")
        ref_out = spec.reference(*args)
    if not isinstance(out, (tf.Tensor, tf.Variable)):
        raise _not_a_tensor(out, what)
    try:
        grads = tape.gradient(out, watched)
    except Exception as exc:
        raise _Fail(
            f"TensorFlow could not differentiate your {what}: {error_text(exc)}\nHint: {_NUMPY_HINT}", "no_gradient"
        ) from None
    if any(g is None for g in grads):
        raise _Fail(
            f"Your {what} gives the right value, but TensorFlow cannot differentiate it (the gradient is None): "
            f"somewhere the computation leaves TensorFlow — NumPy, .numpy(), float() or tf.stop_gradient. "
            f"{_NUMPY_HINT}",
            "uses_numpy",
        )
    ref_grads = tape.gradient(ref_out, watched)
    if not all(
        _close(tf.convert_to_tensor(g).numpy(), tf.convert_to_tensor(r).numpy(), rtol=1e-3)
        for g, r in zip(grads, ref_grads)
    ):
        raise _Fail(
            f"Your {what} gives the right value but the wrong gradient — is part of it wrapped in "
            "tf.stop_gradient or computed from a constant copy of the input?",
            "wrong_gradient",
        )

    # 5. The engine runs the costs inside tf.function.
    case = spec.cases[-1]
    out = _call(tf.function(fn), _tensors(case), ex, "inside tf.function", graph=True)
    if not _close(_scalar(out, what, describe[-1], spec.input_shape(case)), expected[-1], rtol=1e-4):
        raise _Fail(
            f"Your {what} gives a different value inside tf.function than outside it — does it depend on Python "
            "state (a global, a counter, print) rather than only on its arguments?",
            "tf_function",
        )
    return spec.success


def _blame_the_helper(fn: Callable, spec: _CostSpec, expected: Sequence[float]) -> None:
    """A _Fail if ``fn`` gives the formula's values once the helper it calls is replaced by a correct one."""
    helper, function = spec.helper, _unwrapped(fn)
    namespace = getattr(function, "__globals__", None)
    code = getattr(function, "__code__", None)
    if helper is None or namespace is None or code is None or helper.name not in code.co_names:
        return
    theirs = namespace.get(helper.name)
    if not callable(theirs) or theirs is helper.right:
        return
    namespace[helper.name] = helper.right  # for one more try only: the student's helper is put back below
    try:
        got = [_scalar(_call(fn, _tensors(case), spec.exercise, "again"), "", "", None) for case in spec.cases]
    except _Fail:
        return
    finally:
        namespace[helper.name] = theirs
    if not all(_close(g, e, rtol=1e-4) for g, e in zip(got, expected)):
        return
    check = f"check_{helper.name}"
    with not_counted():  # the student's helper checked to say so: not an attempt of theirs
        passes = bool(helper.check(theirs))
    if passes:
        status = (
            f"it passes {check}, yet it gives other values on what your {spec.exercise} passes it: compare what "
            f"you pass it with what {check} describes"
        )
    else:
        status = f"it does not pass {check} yet: run {check}({helper.name}) first, mend it"
    raise _Fail(
        f"Your {spec.exercise} itself is right: with a correct {helper.name} in the place of yours it gives the "
        f"formula's values on every test. The {helper.name} it calls is what is wrong — {status}, then check "
        f"{spec.exercise} again.",
        f"calls_wrong_{helper.name}",
    )


# --------------------------------------------------------------------------------------------
# Test inputs
# --------------------------------------------------------------------------------------------

#: Shapes of the activations the cost checks use: non-square, one and several channels.
_ACTIVATION_SHAPES: tuple[tuple[int, int, int, int], ...] = ((1, 4, 6, 3), (1, 5, 3, 1), (1, 3, 7, 8))


def _activations(seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Pairs of seeded random ReLU-like activations (non-negative float32), one pair per shape."""
    rng = np.random.default_rng(seed)
    return [
        tuple(np.maximum(rng.normal(0.5, 1.0, shape), 0.0).astype(np.float32) for _ in range(2))
        for shape in _ACTIVATION_SHAPES
    ]


def _activation_shape(case: tuple[Any, ...]) -> tuple[int, ...]:
    return _shape(case[0])


def _describe_activations(case: tuple[Any, ...]) -> str:
    return f"activations of shape {_shape(case[0])}"


def _numerators(x: str, y: str) -> tuple[_Variant, ...]:
    """The sums a cost may be built from, comparing ``x`` with ``y`` (their names, for the explanations)."""
    no_square = (
        f"You sum the differences {x} − {y} without squaring them, so positive and negative differences "
        f"cancel out: square them first, tf.square({x} − {y})."
    )
    return (
        _Variant("ok", "", lambda a, b: np.sum((a - b) ** 2)),
        _Variant(
            "abs",
            f"You take the absolute value |{x} − {y}|; the cost uses the square ({x} − {y})², tf.square({x} − {y}).",
            lambda a, b: np.sum(np.abs(a - b)),
        ),
        _Variant("no_square", no_square, lambda a, b: np.sum(a - b)),
        _Variant("no_square", no_square, lambda a, b: np.sum(b - a)),
        _Variant(
            "sqrt",
            "You take the square root of the sum (that is a distance); the cost is the sum of squares itself, no root.",
            lambda a, b: np.sqrt(np.sum((a - b) ** 2)),
        ),
        _Variant(
            "squares_subtracted",
            f"You subtract the squares, {x}² − {y}²; the cost squares the difference: ({x} − {y})².",
            lambda a, b: np.sum(a**2 - b**2),
        ),
        _Variant(
            "sign",
            "Your cost is negative: a sum of squares is ≥ 0. With a minus sign the optimizer would "
            "push the images apart instead of together — remove it.",
            lambda a, b: -np.sum((a - b) ** 2),
        ),
    )

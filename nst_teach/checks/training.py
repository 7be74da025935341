r"""The check of notebook 05's second exercise: one optimization step, ``train_step``.

``check_train_step`` runs the student's step on a small image with a cost whose gradient is known,
and an Adam whose ``apply_gradients`` is watched: it sees which gradient reaches which variable,
how often, and what the step returns, and compares the image after the step with
:func:`nst_teach.training.train_step`'s.  When the gradient is missing it reads the function's
code to say why (the cost computed before the tape, the gradient taken with respect to something
else, NumPy inside the tape).

Introduced in ``notebooks/05_style_transfer_live.ipynb``.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable
from typing import Any

import numpy as np
import tensorflow as tf

from ..training import train_step as reference_train_step
from .diagnosis import _close
from .feedback import _NUMPY_HINT, CheckResult, _call, _Fail, _fmt, _run, _shape
from .hints import _Code
from .refusal import _unwrapped

__all__ = ["check_train_step"]


# --------------------------------------------------------------------------------------------
# 05: one optimization step
# --------------------------------------------------------------------------------------------

_STEP_FORMULA = (
    "inside `with tf.GradientTape() as tape:` compute J = cost_fn(generated); then gradient = ∂J/∂generated "
    "from the tape; then the optimizer moves generated against it (apply_gradients); return J"
)
_STEP_CODE = _Code(
    "train_step",
    "with tf.GradientTape() as tape: J = ____(generated) — then gradient = tape.gradient(____, ____); "
    "optimizer.apply_gradients([(____, ____)]); return ____",
)
_TAPE_CODE = _Code("train_step_tape", "with tf.GradientTape() as tape:\n        J = ____   # inside the with block")
_GRADIENT_CODE = _Code("train_step_gradient", "gradient = tape.gradient(____, ____)")
_APPLY_CODE = _Code("train_step_apply", "optimizer.apply_gradients([(____, ____)])")
_RETURN_CODE = _Code("train_step_return", "return ____   # the cost the tape recorded")

_IMAGE_SHAPE = (1, 4, 5, 3)
_LEARNING_RATE = 0.5


class _WatchedAdam:
    """A Keras Adam whose ``apply_gradients`` records what it is given (and applies it when it can)."""

    def __init__(self, variable: tf.Variable) -> None:
        import keras

        self.variable = variable
        self.adam = keras.optimizers.Adam(_LEARNING_RATE)
        self.adam.build([variable])
        self.calls: list[list[tuple[Any, Any]]] = []

    def apply_gradients(self, grads_and_vars: Any, *args: Any, **kwargs: Any) -> Any:
        pairs = [tuple(pair) for pair in grads_and_vars]
        self.calls.append(pairs)
        usable = [g is not None and not isinstance(g, (list, tuple)) and v is self.variable for g, v in pairs]
        if pairs and all(usable):
            return self.adam.apply_gradients(pairs, *args, **kwargs)
        return None

    def apply(self, grads: Any, trainable_variables: Any = None) -> Any:  # Keras 3's other spelling
        return self.apply_gradients(zip(grads, trainable_variables or []))

    def __getattr__(self, name: str) -> Any:  # learning_rate, iterations...
        return getattr(self.adam, name)


class _Setting:
    """A fresh image, a watched Adam, and a cost with a known gradient: J = mean(w·(G − T)²)."""

    def __init__(self) -> None:
        rng = np.random.default_rng(11)
        self.start = rng.normal(0.0, 10.0, _IMAGE_SHAPE).astype(np.float32)
        self.target = tf.constant(rng.normal(0.0, 10.0, _IMAGE_SHAPE).astype(np.float32))
        self.weights = tf.constant(rng.uniform(0.5, 2.0, _IMAGE_SHAPE).astype(np.float32))
        self.generated = tf.Variable(self.start)
        self.optimizer = _WatchedAdam(self.generated)
        self.cost_calls = 0

    def cost_fn(self, image: Any) -> tf.Tensor:
        self.cost_calls += 1
        return tf.reduce_mean(self.weights * tf.square(image - self.target))

    @property
    def cost(self) -> float:
        return float(self.cost_fn(tf.constant(self.start)))

    @property
    def gradient(self) -> np.ndarray:
        return (2.0 * self.weights * (self.start - self.target) / self.start.size).numpy()

    def reference_after(self) -> np.ndarray:
        """The image after one step of :func:`nst_teach.training.train_step` from the same start."""
        import keras  # noqa: PLC0415 - Keras loads on first use, not when the checks are imported

        variable = tf.Variable(self.start)
        adam = keras.optimizers.Adam(_LEARNING_RATE)
        adam.build([variable])
        reference_train_step(
            variable, adam, lambda image: tf.reduce_mean(self.weights * tf.square(image - self.target))
        )
        return variable.numpy()


def _code_facts(fn: Callable) -> dict[str, bool] | None:
    """What the function's code does, read from its source: None if the source cannot be read."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(_unwrapped(fn))))
    except (OSError, TypeError, SyntaxError, IndentationError):
        return None
    function = next((node for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.Lambda))), None)
    if function is None or len(function.args.args) < 3:
        return None
    generated, _, cost_fn = (a.arg for a in function.args.args[:3])

    def calls(nodes: list[ast.AST], test: Callable[[ast.Call], bool]) -> bool:
        return any(isinstance(n, ast.Call) and test(n) for node in nodes for n in ast.walk(node))

    def is_tape(item: ast.withitem) -> bool:
        expr = item.context_expr
        return isinstance(expr, ast.Call) and getattr(expr.func, "attr", getattr(expr.func, "id", "")) == "GradientTape"

    tapes = [node for node in ast.walk(function) if isinstance(node, ast.With) and any(map(is_tape, node.items))]
    in_tape: list[ast.AST] = [statement for tape in tapes for statement in tape.body]
    calls_cost = lambda call: isinstance(call.func, ast.Name) and call.func.id == cost_fn  # noqa: E731

    def numpy_call(call: ast.Call) -> bool:
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr == "numpy":
            return True
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in ("np", "numpy"):
            return True
        return isinstance(func, ast.Name) and func.id in ("float", "int")

    gradient_calls = [
        node
        for node in ast.walk(function)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "gradient"
    ]
    wrt_generated = any(
        len(call.args) >= 2 and isinstance(call.args[1], ast.Name) and call.args[1].id == generated
        for call in gradient_calls
    )
    return {
        "tape": bool(tapes),
        "cost_in_tape": calls(in_tape, calls_cost),
        "numpy_in_tape": calls(in_tape, numpy_call),
        "gradient_call": bool(gradient_calls),
        "wrt_generated": wrt_generated,
    }


def _no_gradient(fn: Callable) -> _Fail:
    """Why the gradient that reached apply_gradients is None, from the function's code where it can be read."""
    facts = _code_facts(fn)
    head = (
        "The gradient your train_step gives the optimizer is None: TensorFlow found no path from J back to the image."
    )
    if facts is not None and not facts["tape"]:
        return _Fail(
            f"{head} There is no tf.GradientTape: the tape records the computation of J so that it can be "
            "differentiated.",
            "taped_outside",
            formula=_STEP_FORMULA,
            code=_TAPE_CODE,
        )
    if facts is not None and not facts["cost_in_tape"]:
        return _Fail(
            f"{head} The cost is computed outside the `with tf.GradientTape() as tape:` block: the tape only records "
            "what happens inside it. Call cost_fn(generated) inside the block.",
            "taped_outside",
            formula=_STEP_FORMULA,
            code=_TAPE_CODE,
        )
    if facts is not None and facts["numpy_in_tape"]:
        return _Fail(
            f"{head} Inside the tape the cost leaves TensorFlow (NumPy, .numpy() or float()). {_NUMPY_HINT}",
            "uses_numpy",
            formula=_STEP_FORMULA,
            code=_TAPE_CODE,
        )
    if facts is not None and facts["gradient_call"] and not facts["wrt_generated"]:
        return _Fail(
            f"{head} You take the gradient with respect to something else than the image: "
            "tape.gradient(target, source) differentiates the cost J (first) with respect to the variable the "
            "optimizer changes, the argument generated (second).",
            "wrong_variable",
            formula=_STEP_FORMULA,
            code=_GRADIENT_CODE,
        )
    return _Fail(
        f"{head} Compute J = cost_fn(generated) inside `with tf.GradientTape() as tape:`, then take "
        "tape.gradient(J, generated), of J with respect to the image.",
        "no_gradient",
        formula=_STEP_FORMULA,
        code=_STEP_CODE,
    )


def _check_update(fn: Callable, setting: _Setting) -> None:
    """What reached the optimizer: one (gradient of J, generated) pair, once."""
    calls = setting.optimizer.calls
    after = setting.generated.numpy()
    if not calls:
        moved = not np.array_equal(after, setting.start)
        how = (
            "You move the pixels yourself; let the optimizer do it, so that it is Adam's step (its per-pixel step "
            "sizes and momentum), the one the run's learning rate controls."
            if moved
            else "The image did not change: the gradient is computed but never used."
        )
        raise _Fail(
            f"Your train_step never calls optimizer.apply_gradients. {how}",
            "no_apply_gradients",
            formula=_STEP_FORMULA,
            code=_APPLY_CODE,
        )
    if len(calls) > 1:
        raise _Fail(
            f"Your train_step calls optimizer.apply_gradients {len(calls)} times: one step is one update.",
            "applies_twice",
            formula=_STEP_FORMULA,
            code=_APPLY_CODE,
        )
    pairs = calls[0]
    if len(pairs) != 1:
        raise _Fail(
            f"Your train_step gives apply_gradients {len(pairs)} (gradient, variable) pairs; there is one variable, "
            "the image: apply_gradients([(gradient, generated)]).",
            "wrong_variable",
            formula=_STEP_FORMULA,
            code=_APPLY_CODE,
        )
    gradient, variable = pairs[0]
    if variable is not setting.generated:
        raise _Fail(
            f"Your train_step applies the gradient to {_what(variable)}, not to the image it was given: the optimizer "
            "must change `generated` itself (a tf.Variable), so that the run sees the new pixels.",
            "wrong_variable",
            formula=_STEP_FORMULA,
            code=_APPLY_CODE,
        )
    if gradient is None:
        raise _no_gradient(fn)
    if isinstance(gradient, (list, tuple)):
        raise _Fail(
            "The gradient your train_step gives apply_gradients is a list: tape.gradient(J, [generated]) returns one "
            "gradient per element of the list. Take tape.gradient(J, generated), with the image itself.",
            "wrong_variable",
            formula=_STEP_FORMULA,
            code=_GRADIENT_CODE,
        )
    value = np.asarray(gradient)
    expected = setting.gradient
    if value.shape != expected.shape:
        raise _Fail(
            f"The gradient your train_step gives apply_gradients has shape {value.shape}, the image {expected.shape}: "
            "take the gradient of J with respect to the image, tape.gradient(J, generated).",
            "wrong_variable",
            formula=_STEP_FORMULA,
            code=_GRADIENT_CODE,
        )
    if _close(value, -expected):
        raise _Fail(
            "Your train_step gives the optimizer −∂J/∂G: the optimizer already moves against the gradient, so with the "
            "minus sign the step goes uphill and J grows. Pass the gradient itself.",
            "sign",
            formula=_STEP_FORMULA,
            code=_APPLY_CODE,
        )
    if not _close(value, expected):
        raise _Fail(
            "The gradient your train_step gives the optimizer is not ∂J/∂G of the cost cost_fn(generated): take "
            "tape.gradient(J, generated) of the J that cost_fn returned, unchanged.",
            "wrong_gradient",
            formula=_STEP_FORMULA,
            code=_GRADIENT_CODE,
        )


def _what(value: Any) -> str:
    if isinstance(value, tf.Variable):
        return f"another variable (shape {_shape(value)})"
    return f"a {type(value).__name__}"


def _check_returned(out: Any, setting: _Setting) -> None:
    """The step returns J of the image it started from: one number."""
    if out is None:
        raise _Fail(
            "Your train_step makes the right step but returns None: return the cost J, which the run reports.",
            "returned_none",
            code=_RETURN_CODE,
        )
    if not isinstance(out, (tf.Tensor, tf.Variable, np.ndarray, float, np.floating)):
        raise _Fail(f"Your train_step returns a {type(out).__name__}; return the cost J (one number).", "wrong_return")
    value = np.asarray(out, np.float64)
    if value.shape == _IMAGE_SHAPE:
        if _close(value, setting.gradient):
            what, key = "the gradient", "returns_gradient"
        elif _close(value, setting.generated.numpy()) or _close(value, setting.start):
            what, key = "the image", "returns_image"
        else:
            what, key = f"an array of the image's shape {_IMAGE_SHAPE}", "wrong_return"
        raise _Fail(
            f"Your train_step returns {what}; it must return the cost J = cost_fn(generated), one number, which the "
            "run reports at each iteration.",
            key,
            formula=_STEP_FORMULA,
            code=_RETURN_CODE,
        )
    if value.size != 1:
        raise _Fail(f"Your train_step returns shape {value.shape}; return the cost J, one number.", "wrong_return")
    if not _close(float(value.reshape(())), setting.cost, rtol=1e-5):
        raise _Fail(
            f"Your train_step returns {_fmt(float(value.reshape(())))}, but the cost of the image it started from is "
            f"{_fmt(setting.cost)}: return the J computed inside the tape (not a cost computed again after the step).",
            "wrong_return",
            code=_RETURN_CODE,
        )


def _check_train_step_steps(fn: Callable) -> str:
    try:
        inspect.signature(_unwrapped(fn)).bind(object(), object(), object())
    except TypeError:
        raise _Fail(
            "The run calls train_step(generated, optimizer, cost_fn) with three arguments: the image (a tf.Variable), "
            "the Adam optimizer, and the function that computes the cost of an image. Give your function these three "
            "parameters, in this order.",
            "signature",
        ) from None
    except ValueError:
        pass  # a built-in or a C function: no signature to read; calling it will tell

    # 1. Eagerly: what reaches the optimizer, what comes back.
    setting = _Setting()
    try:
        out = _call(fn, (setting.generated, setting.optimizer, setting.cost_fn), "train_step", "on a small image")
    except _Fail as fail:
        facts = _code_facts(fn) if fail.mistake == "raised" else None
        if facts is None or not facts["numpy_in_tape"]:
            raise
        where = "\n".join(line for line in fail.message.splitlines() if not line.startswith("Hint:"))
        raise _Fail(
            f"{where}\nInside the tape the cost leaves TensorFlow (NumPy, .numpy() or float()), so the tape cannot "
            f"follow it back to the image. {_NUMPY_HINT}",
            "uses_numpy",
            formula=_STEP_FORMULA,
            code=_TAPE_CODE,
        ) from None
    if setting.cost_calls == 0:
        raise _Fail(
            "Your train_step never calls cost_fn(generated): the cost of the image comes from cost_fn, the function "
            "the run gives (it computes α·J_content + β·J_style with your cost functions).",
            "no_cost_call",
            formula=_STEP_FORMULA,
            code=_TAPE_CODE,
        )
    _check_update(fn, setting)
    _check_returned(out, setting)
    if not _close(setting.generated.numpy(), setting.reference_after(), rtol=1e-5):
        raise _Fail(
            "After your train_step the image is not where one Adam step from the gradient of J takes it. Does "
            "something else change the pixels (an assign, a clip)?",
            "wrong_update",
            formula=_STEP_FORMULA,
        )

    # 2. Inside tf.function, as the run calls it: the same step.
    setting = _Setting()
    traced = tf.function(lambda: fn(setting.generated, setting.optimizer, setting.cost_fn), input_signature=[])
    out = _call(traced, (), "train_step", "inside tf.function", graph=True)
    if not _close(setting.generated.numpy(), setting.reference_after(), rtol=1e-5):
        raise _Fail(
            "Inside tf.function your train_step makes another step than outside it — does it depend on Python state "
            "(a global, a counter, print) or on .numpy()?",
            "tf_function",
        )
    try:
        inside = float(np.asarray(out).reshape(()))
    except (TypeError, ValueError):
        inside = float("nan")
    if not _close(inside, setting.cost, rtol=1e-5):
        raise _Fail("Inside tf.function your train_step returns another value than J.", "tf_function")
    return (
        "Well done — train_step is right: the cost computed under the tape, its gradient with respect to the image, "
        "one Adam update, and J returned; it runs inside tf.function.\n"
        "What it means: the image is the only thing that is trained. The tape records how J was computed from the "
        "pixels, tape.gradient runs that backwards to get ∂J/∂G for every pixel, and Adam moves each pixel a step "
        "against it. The run repeats this step."
    )


def check_train_step(train_step: Callable[..., Any]) -> CheckResult:
    """Checks a student's ``train_step(generated, optimizer, cost_fn)`` against :func:`nst_teach.training.train_step`.

    The step must compute ``J = cost_fn(generated)`` under a ``tf.GradientTape``, take the gradient
    of J with respect to ``generated``, apply it once with ``optimizer.apply_gradients`` and return
    J; it must also work inside ``tf.function``.  Typical mistakes recognised: the gradient taken of
    the wrong variable (or of a list, or given to another variable), ``apply_gradients`` forgotten
    (or the pixels moved by hand), the cost computed outside the tape, NumPy inside the tape, the
    gradient (or the image) returned instead of the cost, the gradient's sign flipped.

    Args:
        train_step: the student's function (not called: pass the name).

    Returns:
        A :class:`CheckResult`; never raises because of the student's code.

    Introduced in ``notebooks/05_style_transfer_live.ipynb``.
    """
    return _run("train_step", train_step, _check_train_step_steps, reference_train_step)

r"""The student's own functions in the run: which ones, how the engine combines them, and the check before.

The notebooks ask the student to write the costs (``content_cost`` in 03; ``gram_matrix``,
``layer_style_cost``, ``style_cost`` in 04; ``total_cost`` in 05) and the optimization step
(``train_step``, 05).  Given to :class:`~nst_teach.engine.StyleTransfer` as options of the same names,
they replace the package's functions in the run, and the picture is made by them; each one not given
stays the package's (:data:`nst_teach.exercises.RUN_FUNCTIONS` lists the six).

How the run combines them (:class:`nst_teach.objective.Objective`, each iteration, for the image G):

* :math:`J_{content}` = ``content_cost(a_C, a_G)`` at ``content_layer``;
* each style layer's :math:`J^{[l]}_{style}`:

  - with ``layer_style_cost`` given: ``layer_style_cost(a_S, a_G)``, the two images' activations;
  - otherwise the package's formula from Gram matrices made by ``gram_matrix``:
    ``gram_cost(G_S, gram_matrix(A_G), n_H·n_W)`` with ``G_S = gram_matrix(A_S)`` computed once, at set-up
    (A is the unrolled ``(n_C, n_H·n_W)`` matrix).  So a ``gram_matrix`` given alone is the one both Gram
    matrices come from: one twice too large makes every layer's style cost four times too large;

* :math:`J_{style}` = ``style_cost(a_S_layers, a_G_layers, style_layers)`` if given (dicts by layer),
  otherwise :math:`\sum_l \lambda_l J^{[l]}_{style}`; the layers' costs the run reports are the layers' own;
* :math:`J` = ``total_cost(J_content, J_style, alpha, beta)`` + ``tv_weight``·:math:`J_{TV}`;
* with Adam, ``train_step(generated, optimizer, cost_fn)`` makes the step, ``cost_fn(generated)`` being
  :math:`J` (the contract and the reference: :func:`nst_teach.training.train_step`).

A function is used as it is written: what it calls, it calls (notebook 04's ``layer_style_cost``
calls the notebook's ``gram_matrix``); the engine swaps nothing inside it.

**Refused before the run.**  A function that cannot drive the optimization — it raises, returns the
wrong shape or something that is not a number, cannot be differentiated (NumPy inside), or does not
run inside ``tf.function`` — is refused when the :class:`~nst_teach.engine.StyleTransfer` is made:
:func:`preflight` tries it on small tensors the way the run will call it, and the
:class:`~nst_teach.errors.OptionError` says what is wrong in the words of the exercise's check
(``check_gram_matrix``, ...).  A function that runs but computes other numbers is *not* refused: the
run goes on, and the picture shows the mistake.

>>> import nst_teach as nst
>>> def doubled(A):
...     return 2 * nst.gram_matrix(A)      # well shaped, but not A·Aᵀ: accepted, and the picture shows it
>>> preflight(resolve_functions({"gram_matrix": doubled}), {"style_layers": {"block1_conv1": 1.0}})
{'train_step_traced': True}
>>> def positions(A):
...     return tf.matmul(tf.transpose(A), A)   # (n_H·n_W, n_H·n_W): refused
>>> preflight(resolve_functions({"gram_matrix": positions}), {"style_layers": {"block1_conv1": 1.0}})
Traceback (most recent call last):
    ...
nst_teach.errors.OptionError: gram_matrix: your function cannot drive the run, so it is refused before it starts: ...

Introduced in ``notebooks/05_style_transfer_live.ipynb``.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import tensorflow as tf

from . import costs
from .checks.feedback import error_text
from .defaults import ALPHA, BETA, LEARNING_RATE
from .errors import OptionError
from .exercises import EXERCISES, RUN_FUNCTIONS

__all__ = ["Functions", "resolve_functions", "preflight"]


@dataclass(frozen=True)
class Functions:
    """The functions a run computes with: the student's where given, else the package's.

    Attributes:
        content_cost: ``content_cost(a_C, a_G)``.
        gram_matrix: ``gram_matrix(A)``, A the unrolled ``(n_C, n_H·n_W)`` activations.
        layer_style_cost: ``layer_style_cost(a_S, a_G)``, or None: the package's formula over the Gram
            matrices of ``gram_matrix`` (the style's kept since the start).
        style_cost: ``style_cost(a_S_layers, a_G_layers, coefficients)``, or None: the λ-weighted sum of
            the layers' costs (:func:`nst_teach.costs.weighted_style_cost`).
        total_cost: ``total_cost(J_content, J_style, alpha, beta)``.
        train_step: ``train_step(generated, optimizer, cost_fn)``, or None: Adam's own step
            (:func:`nst_teach.training.train_step`).
        given: the names of the functions the user gave, in :data:`~nst_teach.exercises.RUN_FUNCTIONS` order.
    """

    content_cost: Callable[..., Any]
    gram_matrix: Callable[..., Any]
    layer_style_cost: Callable[..., Any] | None
    style_cost: Callable[..., Any] | None
    total_cost: Callable[..., Any]
    train_step: Callable[..., Any] | None
    given: tuple[str, ...] = ()

    @property
    def needs_style_activations(self) -> bool:
        """Whether a given function compares the style image's activations themselves (not kept Grams)."""
        return self.layer_style_cost is not None or self.style_cost is not None


def resolve_functions(settings: Mapping[str, Any]) -> Functions:
    """The run's :class:`Functions` from its options (a function not given, or None, is the package's)."""
    given = {name: settings[name] for name in RUN_FUNCTIONS if settings.get(name) is not None}
    return Functions(
        content_cost=given.get("content_cost", costs.content_cost),
        gram_matrix=given.get("gram_matrix", costs.gram_matrix),
        layer_style_cost=given.get("layer_style_cost"),
        style_cost=given.get("style_cost"),
        total_cost=given.get("total_cost", costs.total_cost),
        train_step=given.get("train_step"),
        given=tuple(given),
    )


def check_style_images(functions: Functions, n_styles: int, style_scale: float) -> None:
    """Refuses what ``layer_style_cost``/``style_cost`` cannot take: several styles, or another style size.

    Both compare the style image's activations with the generated image's, of the same shape (as in
    notebook 04); a blend of styles, or a style image of another size, needs the kept Gram matrices.
    """
    if not functions.needs_style_activations:
        return
    names = " and ".join(name for name in ("layer_style_cost", "style_cost") if name in functions.given)
    if n_styles != 1:
        raise OptionError(
            f"{names} compare one style image's activations with the generated image's, but there are {n_styles} "
            f"style images, whose blend only Gram matrices can express. Give one style image, or leave {names} "
            "out (your gram_matrix, if given, is still used)."
        )
    if style_scale != 1.0:
        raise OptionError(
            f"{names} compare activations of the same shape, but style_scale={style_scale:g} makes the style image "
            f"another size than the generated one. Leave style_scale at 1, or leave {names} out (the run then "
            "compares Gram matrices, rescaled to the sizes; your gram_matrix, if given, is still used)."
        )


# --------------------------------------------------------------------------- the check before the run


def _activations(shape: tuple[int, ...], seed: int) -> tf.Tensor:
    """Seeded random ReLU-like activations (non-negative float32), as VGG-19 gives."""
    rng = np.random.default_rng(seed)
    return tf.constant(np.maximum(rng.normal(0.5, 1.0, shape), 0.0).astype(np.float32))


def _describe(value: Any) -> str:
    if isinstance(value, (tf.Tensor, tf.Variable, np.ndarray)):
        return f"shape {tuple(int(d) for d in value.shape)}"
    return type(value).__name__


def _error(exc: BaseException) -> str:
    """The checks' reading of an error (no TensorFlow noise), after its type."""
    return f"{type(exc).__name__}: {error_text(exc)}" if str(exc).strip() else type(exc).__name__


def _result_problem(out: Any, shape: tuple[int, ...] | None, what: str) -> str | None:
    """What is wrong with a result, structurally: None, not a tensor, not a float, the wrong shape."""
    if out is None:
        return f"{what} it returns None (a `return` is missing?)"
    if not isinstance(out, (tf.Tensor, tf.Variable)):
        return (
            f"{what} it returns a {type(out).__name__}, not a TensorFlow tensor: the computation left TensorFlow "
            "(NumPy, .numpy() or float()), so TensorFlow cannot differentiate it and the optimizer could not move "
            "the pixels"
        )
    if not out.dtype.is_floating:
        return f"{what} it returns {out.dtype.name} values; a cost is a float"
    got = tuple(int(d) if d is not None else -1 for d in out.shape)
    if shape is None:  # a cost: one number
        if int(np.prod(got)) != 1:
            return f"{what} it returns shape {got}; a cost is one number (a scalar)"
    elif got != shape:
        return f"{what} it returns shape {got}; the run needs {shape}"
    return None


@dataclass(frozen=True)
class _Probe:
    """How to try one function: its arguments, which of them it must be differentiable in, its result."""

    args: tuple[Any, ...]
    watched: Sequence[tf.Tensor]  # the gradient with respect to each must exist
    shape: tuple[int, ...] | None  # None: one number
    what: str  # "for activations of shape (1, 4, 6, 3)"


def _probe(name: str, settings: Mapping[str, Any]) -> _Probe:
    if name == "content_cost":
        a_c, a_g = _activations((1, 4, 6, 3), 1), _activations((1, 4, 6, 3), 2)
        return _Probe((a_c, a_g), [a_g], None, "for activations a_C, a_G of shape (1, 4, 6, 3)")
    if name == "gram_matrix":
        a = tf.transpose(tf.reshape(_activations((1, 4, 6, 3), 3), (24, 3)))
        return _Probe((a,), [a], (3, 3), "for A of shape (3, 24)")
    if name == "layer_style_cost":
        a_s, a_g = _activations((1, 4, 6, 3), 4), _activations((1, 4, 6, 3), 5)
        return _Probe((a_s, a_g), [a_g], None, "for activations a_S, a_G of shape (1, 4, 6, 3)")
    if name == "style_cost":
        layers = dict(settings["style_layers"])
        shapes = {layer: (1, 4 + i % 3, 6 - i % 2, 2 + i) for i, layer in enumerate(layers)}
        a_s = {layer: _activations(shape, 10 + i) for i, (layer, shape) in enumerate(shapes.items())}
        a_g = {layer: _activations(shape, 20 + i) for i, (layer, shape) in enumerate(shapes.items())}
        watched = [a_g[layer] for layer, coefficient in layers.items() if coefficient > 0]
        return _Probe((a_s, a_g, layers), watched, None, f"for dicts of activations of the layers {list(layers)}")
    if name == "total_cost":
        alpha, beta = float(settings.get("alpha", ALPHA)), float(settings.get("beta", BETA))
        j_content, j_style = tf.constant(2.0), tf.constant(3.0)
        watched = [j for j, weight in ((j_content, alpha), (j_style, beta)) if weight > 0]
        return _Probe(
            (j_content, j_style, alpha, beta), watched, None, f"for J_content=2, J_style=3, α={alpha:g}, β={beta:g}"
        )
    raise KeyError(name)


def _try_cost(name: str, fn: Callable[..., Any], probe: _Probe) -> str | None:
    """Calls ``fn`` as the run will — under a gradient tape, and inside ``tf.function`` — and says what failed."""
    try:
        with tf.GradientTape() as tape:
            tape.watch(probe.watched)
            out = fn(*probe.args)
    except Exception as exc:
        return f"{probe.what} it raised {_error(exc)}"
    problem = _result_problem(out, probe.shape, probe.what)
    if problem:
        return problem
    try:
        gradients = tape.gradient(out, list(probe.watched))
    except Exception as exc:
        return f"{probe.what} TensorFlow cannot differentiate it ({_error(exc)})"
    if any(gradient is None for gradient in gradients):
        return (
            f"{probe.what} TensorFlow cannot differentiate it (the gradient is None): the computation leaves "
            "TensorFlow somewhere (NumPy, .numpy(), float() or tf.stop_gradient), and the optimizer needs the gradient"
        )
    try:
        out = tf.function(lambda *args: fn(*args))(*probe.args)
    except Exception as exc:
        return f"it does not run inside tf.function, where the run computes its costs: {_error(exc)}"
    return _result_problem(out, probe.shape, f"inside tf.function, {probe.what}")


def _try_train_step(fn: Callable[..., Any], learning_rate: float) -> tuple[str | None, bool]:
    """Tries a ``train_step`` on a small image: (what failed or None, whether it runs inside ``tf.function``)."""
    import keras

    rng = np.random.default_rng(7)
    target = tf.constant(rng.normal(0.0, 10.0, (1, 6, 8, 3)).astype(np.float32))
    calls = []

    def cost_fn(image: tf.Variable) -> tf.Tensor:
        calls.append(image)
        return tf.reduce_mean(tf.square(image - target))

    def attempt(call: Callable[[], Any], where: str) -> str | None:
        calls.clear()
        try:
            out = call()
        except Exception as exc:
            return f"{where} it raised {_error(exc)}"
        if not calls:
            return f"{where} it never calls cost_fn(generated), through which the run computes its costs"
        if out is None:
            return f"{where} it returns None; it must return the cost (a `return` is missing?)"
        try:
            size = int(np.size(out))
        except Exception:
            size = -1
        if size != 1:
            return (
                f"{where} it returns {_describe(out)}; it must return the cost, one number (not the gradient or "
                "the image)"
            )
        return None

    def fresh() -> tuple[tf.Variable, Any]:
        variable = tf.Variable(rng.normal(0.0, 10.0, (1, 6, 8, 3)).astype(np.float32))
        optimizer = keras.optimizers.Adam(learning_rate)
        optimizer.build([variable])
        return variable, optimizer

    variable, optimizer = fresh()
    problem = attempt(lambda: fn(variable, optimizer, cost_fn), "on an image of shape (1, 6, 8, 3)")
    if problem:
        return problem, False
    variable, optimizer = fresh()
    traced = tf.function(lambda: fn(variable, optimizer, cost_fn), input_signature=[])
    return None, attempt(traced, "inside tf.function") is None


def _check_verdict(name: str, fn: Callable[..., Any]) -> str | None:
    """The message of the exercise's check (:data:`nst_teach.exercises.EXERCISES`) if it fails, None if it passes."""
    result = EXERCISES[name].check(fn)
    return None if result.passed else result.message


def _refuse(name: str, fn: Callable[..., Any], problem: str) -> OptionError:
    lines = [f"{name}: your function cannot drive the run, so it is refused before it starts: {problem}."]
    verdict, check = _check_verdict(name, fn), EXERCISES[name].check_name
    if verdict is not None:
        lines.append(f"{check}({name}) says:\n{verdict}")
    else:
        lines.append(f"Try it on small tensors yourself, or run {check}({name}) if the notebook has it.")
    return OptionError("\n".join(lines))


def preflight(functions: Functions, settings: Mapping[str, Any]) -> dict[str, bool]:
    """Tries each function the user gave on small tensors, as the run will call it; refuses one that cannot run.

    Refused (an :class:`~nst_teach.errors.OptionError`, with the diagnosis of the exercise's
    ``check_…`` of :mod:`nst_teach.checks` where it has one): a function that raises, returns None,
    something that is not a float tensor, or the wrong shape (a cost is one number, a Gram matrix
    ``(n_C, n_C)``), cannot be differentiated, or does not run inside ``tf.function``; a ``train_step``
    that raises (``apply_gradients`` of a None gradient does), never calls ``cost_fn`` or does not
    return one number.  Not refused: a function that runs but computes other numbers than the
    formula — the run shows what it makes.

    Args:
        functions: the run's :class:`Functions` (:func:`resolve_functions`).
        settings: the resolved options (reads ``style_layers``, ``alpha``, ``beta``, ``learning_rate``).

    Returns:
        ``{"train_step_traced": bool}``: whether the given ``train_step`` runs inside ``tf.function``
        (if not, Adam calls it eagerly, slower); True when none is given.

    Raises:
        OptionError: the first function that cannot run, naming it and what is wrong.
    """
    traced = True
    for name in functions.given:
        fn = getattr(functions, name)
        with _quiet_tracing():
            if name == "train_step":
                problem, traced = _try_train_step(fn, float(settings.get("learning_rate") or LEARNING_RATE))
            else:
                problem = _try_cost(name, fn, _probe(name, settings))
        if problem:
            raise _refuse(name, fn, problem)
    return {"train_step_traced": traced}


@contextlib.contextmanager
def _quiet_tracing() -> Iterator[None]:
    """Without TensorFlow's "triggered tf.function retracing" notice: each probe traces once, on purpose."""
    logger = logging.getLogger("tensorflow")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)

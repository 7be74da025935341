r"""The package's own functions refused in the student's place: the check compares the student's work with them.

``content_cost = nst.content_cost`` passes every test and teaches nothing; so does a function that gets
the package to do the arithmetic — a lambda, a ``functools.partial``, a class with ``__call__``, a
decorator made with ``functools.wraps``, a ``tf.function`` of it, a ``layer_style_cost`` built from
``nst.gram_cost`` and ``nst.gram_matrix``.  The check compares the student's function with the
package's, so it would only compare the package with itself.

Every call of the student's function inside a check runs :meth:`_Watch.watching`: a profile hook
looks for the code of the package's cost functions (:data:`PACKAGE_FUNCTIONS`, however they were
reached) and of the exercise's reference, and for AutoGraph's converted copies of them (a function
``tf__content_cost`` run with the package module's globals).  Meanwhile TensorFlow runs every
``tf.function`` eagerly, so that one traced before the check runs its Python code again and is
seen; the steps that test the student's function inside ``tf.function`` on purpose keep graph mode
(``graph=True``).  The checks' own computations — the references they compare with, the ``cost_fn``
a train step is given — run outside the watched calls.

Introduced in ``notebooks/01_images.ipynb``.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

import tensorflow as tf

from .. import costs, training

__all__ = ["PACKAGE_FUNCTIONS"]

#: The package's functions a student's function may not call (nor be) while its check runs: the formulas of
#: notebooks 03–05 (:mod:`nst_teach.costs`) and the step of notebook 05 (:mod:`nst_teach.training`).  Each
#: check adds its own exercise's reference (``nst.preprocess`` for ``check_preprocess``; ``nst.build_extractor``
#: and the extractor it returns for ``check_build_extractor``).
PACKAGE_FUNCTIONS: tuple[Callable, ...] = (
    costs.content_cost,
    costs.gram_matrix,
    costs.gram_cost,
    costs.layer_style_cost,
    costs.style_cost,
    costs.weighted_style_cost,
    costs.total_cost,
    training.train_step,
)

#: What doing the exercise oneself means, where it is not arithmetic.
_THE_WORK: dict[str, str] = {"build_extractor": "build the model"}

#: What each exercise is written with instead, as its notebook teaches it.
_YOUR_TOOLS: dict[str, str] = {
    "preprocess": "cv2.cvtColor, cv2.resize, .astype(np.float32), the means VGG_MEANS_BGR and np.newaxis",
    "build_extractor": "keras.Input, the layers of vgg.layers, keras.layers.AveragePooling2D and keras.Model",
    "content_cost": "the sizes from a_g.shape, tf.square and tf.reduce_sum",
    "gram_matrix": "tf.matmul and tf.transpose",
    "layer_style_cost": "tf.reshape, tf.transpose, your own gram_matrix, tf.square and tf.reduce_sum",
    "style_cost": "a loop over coefficients.items() and your own layer_style_cost",
    "total_cost": "the two costs, alpha, beta, * and +",
    "train_step": "tf.GradientTape, tape.gradient and optimizer.apply_gradients",
}


def _unwrapped(fn: Callable) -> Callable:
    """The Python function behind ``fn``: a tf.function's own, or ``fn`` itself."""
    return getattr(fn, "python_function", fn)


def _public_name(fn: Callable) -> str:
    """``nst.costs.gram_cost``, ``nst.model.Extractor.__call__``: where the student reaches the function."""
    return f"{fn.__module__.replace('nst_teach', 'nst', 1)}.{fn.__qualname__}"


class _Watch:
    """The package's functions one check refuses, and the watch over each call of the student's function.

    Args:
        exercise: the exercise's name, e.g. ``"layer_style_cost"``.
        reference: the package's function the check compares with (``None``: only :data:`PACKAGE_FUNCTIONS`).
        also: more package functions that would hand in the reference's work (``nst.load_image`` for preprocess).
    """

    def __init__(self, exercise: str, reference: Callable | None, also: tuple[Callable, ...] = ()) -> None:
        self.exercise = exercise
        self.reference = reference
        self.also = also
        functions = [*PACKAGE_FUNCTIONS, *(f for f in (reference, *also) if f is not None)]
        functions = [f for f in dict.fromkeys(functions) if hasattr(f, "__code__")]
        self._by_code = {f.__code__: f for f in functions}
        # AutoGraph converts a function it meets inside tf.function into `tf__<name>`, run with its module's globals.
        self._by_converted = {(f"tf__{f.__name__}", id(f.__globals__)): f for f in functions}
        self._converted_names = frozenset(name for name, _ in self._by_converted)

    def package_function(self, fn: Any) -> Callable | None:
        """The package's function that ``fn`` is (itself, or a tf.function of it), if it is one."""
        code = getattr(_unwrapped(fn), "__code__", None)
        return self._by_code.get(code) if code is not None else None

    @contextlib.contextmanager
    def watching(self, *, graph: bool = False) -> Iterator[list[Callable]]:
        """Yields a list that holds the package's functions called inside the ``with`` block, in order.

        Only the outermost calls count: ``nst.layer_style_cost`` is listed, not the ``gram_matrix`` it calls.
        ``graph=False``: tf.functions run eagerly meanwhile (their Python code runs, even when traced before).
        """
        by_code, by_converted, converted_names = self._by_code, self._by_converted, self._converted_names
        called: list[Callable] = []
        inside: list[FrameType] = []  # the frame of the package's function running now, if one is
        previous = sys.getprofile()

        def hook(frame: FrameType, event: str, arg: Any) -> None:
            if event == "call" and not inside:
                code = frame.f_code
                found = by_code.get(code)
                if found is None and code.co_name in converted_names:
                    found = by_converted.get((code.co_name, id(frame.f_globals)))
                if found is not None:
                    inside.append(frame)
                    if found not in called:
                        called.append(found)
            elif event == "return" and inside and frame is inside[0]:
                inside.clear()
            if previous is not None:
                previous(frame, event, arg)

        eagerly = tf.config.functions_run_eagerly()
        if not graph:
            tf.config.run_functions_eagerly(True)
        sys.setprofile(hook)
        try:
            yield called
        finally:
            sys.setprofile(previous)
            tf.config.run_functions_eagerly(eagerly)

    def refusal(self, functions: list[Callable], *, calls: bool) -> tuple[str, str]:
        """The message and the mistake's key when the student's function is (or calls) the package's ``functions``.

        The key is ``"uses_reference"`` when one of them is the exercise's own reference (or does its work, as
        ``nst.load_image`` does preprocess's), ``"uses_package"`` when they are others of the package's functions.
        """
        exercise, reference = self.exercise, self.reference
        names = " and ".join(_public_name(f) for f in functions)
        head = f"Your {exercise} {'calls' if calls else 'is'} the package's own {names}"
        own = [f for f in functions if f is reference or f in self.also]
        if own and reference is not None:
            does = "part of" if all("." in f.__qualname__ for f in own) else "which runs"  # a method of its result
            runs = "" if reference in own else f", {does} {_public_name(reference)}"
            why = f"{runs}, the function this check compares your {exercise} with: the check would only compare the "
            why += "package with itself."
        else:
            why = (
                f". This check compares your {exercise} with the package's, so with the package's arithmetic inside "
                "your function it would only compare the package with itself."
            )
        tools = _YOUR_TOOLS.get(exercise)
        how = f" with {tools}" if tools else ""
        return (
            f"{head}{why} The exercise is to write it yourself: {_THE_WORK.get(exercise, 'do the arithmetic')} in a "
            f"`def {exercise}(...)` of your "
            f"own{how}, step by step as the notebook describes, without calling {names}.",
            "uses_reference" if own else "uses_package",
        )

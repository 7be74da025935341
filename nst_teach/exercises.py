"""The course's exercises, in one table: :data:`EXERCISES`.

Each exercise is one :class:`Exercise` record, in notebook order: the function the student writes,
the notebook that asks for it, the package function that is the reference (what the check compares
with), the check (:mod:`nst_teach.checks`), and whether a run uses the student's function in the
package's place (``content_cost=`` ... ``train_step=`` of :class:`~nst_teach.engine.StyleTransfer`).
Everything else reads this table: the run's function options (:data:`nst_teach.options.TABLE`'s rows
of kind ``"function"``), which functions a run takes (:mod:`nst_teach.student_functions`), the check
each one gets, :func:`nst_teach.checks.check_all`, the solved copies and the nbgrader course.

The solutions' code, as a solved notebook shows it, is not here: it is on the instructor's side
(``nst-teach notebooks --solutions``), out of reach of what a student imports.

>>> [name for name, exercise in EXERCISES.items() if exercise.in_run]
['content_cost', 'gram_matrix', 'layer_style_cost', 'style_cost', 'total_cost', 'train_step']
>>> EXERCISES["gram_matrix"].reference_name
'nst_teach.costs.gram_matrix'

Introduced in ``notebooks/01_images.ipynb``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from .errors import OptionError
from .validate import did_you_mean

__all__ = ["Exercise", "EXERCISES", "RUN_FUNCTIONS", "exercise"]


@dataclass(frozen=True)
class Exercise:
    """One exercise of the notebooks: its check, the package function it is compared with, its part in a run.

    Iterating gives ``(check, reference)``, so ``check, reference = EXERCISES["content_cost"]`` works.

    Attributes:
        name: the function the student writes, e.g. ``"content_cost"``.
        notebook: the notebook with the exercise, e.g. ``"notebooks/03_content_cost.ipynb"``.
        signature: how it is called, e.g. ``"content_cost(a_C, a_G)"``.
        reference_name: dotted path of the package function the check compares with.
        check_name: the ``check_…`` function of :mod:`nst_teach.checks`.
        run: what a run makes of the student's function given as the option ``name=`` (its help), e.g.
            ``"the run's content cost"``; ``""``: a run does not take it.
        run_doc: when and with what the run calls it (the option's longer explanation).

    Introduced in ``notebooks/01_images.ipynb``.
    """

    name: str
    notebook: str
    signature: str
    reference_name: str
    check_name: str
    run: str = ""
    run_doc: str = ""

    @property
    def in_run(self) -> bool:
        """Whether a run takes the student's function (the option ``name=``) in the package's place."""
        return bool(self.run)

    @property
    def number(self) -> str:
        """The notebook's number, e.g. ``"03"``."""
        return PurePosixPath(self.notebook).name.split("_", 1)[0]

    @property
    def check(self) -> Callable[[Callable], Any]:
        """The ``check_…`` function (imported on first use: the checks load TensorFlow)."""
        return getattr(importlib.import_module("nst_teach.checks"), self.check_name)

    @property
    def reference(self) -> Callable:
        """The package's function (imported on first use: images.py loads OpenCV, costs.py TensorFlow)."""
        module, _, attribute = self.reference_name.rpartition(".")
        return getattr(importlib.import_module(module), attribute)

    def __iter__(self) -> Iterator[Any]:
        yield self.check
        yield self.reference


_01, _02, _03, _04, _05 = (
    "notebooks/01_images.ipynb",
    "notebooks/02_vgg19.ipynb",
    "notebooks/03_content_cost.ipynb",
    "notebooks/04_gram_and_style_cost.ipynb",
    "notebooks/05_style_transfer_live.ipynb",
)

#: Every exercise by the name of the function the student writes, in notebook order.
# fmt: off
EXERCISES: dict[str, Exercise] = {exercise.name: exercise for exercise in (
    Exercise("preprocess", _01, "preprocess(rgb, size)", "nst_teach.images.preprocess", "check_preprocess"),
    Exercise("build_extractor", _02, "build_extractor(vgg, layers)", "nst_teach.model.build_extractor",
             "check_build_extractor"),
    Exercise("content_cost", _03, "content_cost(a_C, a_G)", "nst_teach.costs.content_cost", "check_content_cost",
             "the run's content cost",
             "Called each iteration with the content image's and the generated image's activations at "
             "``content_layer``."),
    Exercise("gram_matrix", _04, "gram_matrix(A)", "nst_teach.costs.gram_matrix", "check_gram_matrix",
             "the Gram matrices of the style cost",
             "Called with the unrolled activations A (n_C, n_H·n_W): once per style image and layer for the "
             "targets, each iteration for the generated image (unless ``layer_style_cost`` is given)."),
    Exercise("layer_style_cost", _04, "layer_style_cost(a_S, a_G)", "nst_teach.costs.layer_style_cost",
             "check_layer_style_cost", "each layer's style cost",
             "Called each iteration with the style image's and the generated image's activations at each "
             "style layer; needs one style image and ``style_scale=1`` (activations of the same shape)."),
    Exercise("style_cost", _04, "style_cost(a_S_layers, a_G_layers, coefficients)", "nst_teach.costs.style_cost",
             "check_style_cost", "the run's style cost",
             "Called each iteration with dicts {layer: activations} and ``style_layers``; needs one style image "
             "and ``style_scale=1``.  The layers' costs shown are still each layer's own."),
    Exercise("total_cost", _05, "total_cost(J_content, J_style, alpha, beta)", "nst_teach.costs.total_cost",
             "check_total_cost", "the cost minimized",
             "Called each iteration with the two costs, ``alpha`` and ``beta``; ``tv_weight``·J_TV is added."),
    Exercise("train_step", _05, "train_step(generated, optimizer, cost_fn)", "nst_teach.training.train_step",
             "check_train_step", "one Adam step",
             "Called each Adam iteration (:func:`nst_teach.training.train_step` gives its contract); L-BFGS "
             "takes its own steps."),
)}
# fmt: on

#: The exercises a run takes the student's function for, in notebook order (the options ``content_cost=``...).
RUN_FUNCTIONS: tuple[str, ...] = tuple(name for name, exercise in EXERCISES.items() if exercise.in_run)


def exercise(name: str) -> Exercise:
    """``EXERCISES[name]``, or an OptionError that lists the exercises (and suggests the closest)."""
    if name not in EXERCISES:
        hint = did_you_mean(name, EXERCISES)
        raise OptionError(f"name must be one of the exercises {list(EXERCISES)}, got {name!r}.{hint}")
    return EXERCISES[name]

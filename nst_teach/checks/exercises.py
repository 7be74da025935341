"""The exercise registry: which function each notebook asks for, its check, its reference; and check_all.

Each exercise is one :class:`Exercise` record in :data:`EXERCISES`, in
notebook order.  The record names the package function that is the reference
(:mod:`nst_teach.costs`, :mod:`nst_teach.images`), which the check compares
the student's function with.  The solutions' code, as a solved notebook shows
it, is not here: it is on the instructor's side (``nst-teach notebooks
--solutions``), out of reach of what a student imports.

Introduced in ``notebooks/01_images.ipynb``.
"""

from __future__ import annotations

import html
import importlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import OptionError
from ..validate import did_you_mean
from .content import check_content_cost
from .feedback import CheckResult
from .preprocess import check_preprocess
from .style import check_gram_matrix, check_layer_style_cost, check_style_cost
from .total import check_total_cost
from .training import check_train_step

__all__ = ["Exercise", "EXERCISES", "CheckReport", "check_all"]


@dataclass(frozen=True)
class Exercise:
    """One exercise of the notebooks: its check and the package function it is compared with.

    Iterating gives ``(check, reference)``, so ``check, reference = EXERCISES["content_cost"]`` works.

    Attributes:
        name: the function the student writes, e.g. ``"content_cost"``.
        notebook: the notebook with the exercise, e.g. ``"notebooks/03_content_cost.ipynb"``.
        check: the ``check_…`` function.
        reference_name: dotted path of the package function the check compares with.

    Introduced in ``notebooks/01_images.ipynb``.
    """

    name: str
    notebook: str
    check: Callable[[Callable], CheckResult]
    reference_name: str

    @property
    def reference(self) -> Callable:
        """The package's function (imported on first use: images.py loads OpenCV)."""
        module, _, attribute = self.reference_name.rpartition(".")
        return getattr(importlib.import_module(module), attribute)

    def __iter__(self) -> Iterator[Any]:
        yield self.check
        yield self.reference


#: Every exercise by the name of the function the student writes, in notebook order.
EXERCISES: dict[str, Exercise] = {
    "preprocess": Exercise("preprocess", "notebooks/01_images.ipynb", check_preprocess, "nst_teach.images.preprocess"),
    "content_cost": Exercise(
        "content_cost", "notebooks/03_content_cost.ipynb", check_content_cost, "nst_teach.costs.content_cost"
    ),
    "gram_matrix": Exercise(
        "gram_matrix", "notebooks/04_gram_and_style_cost.ipynb", check_gram_matrix, "nst_teach.costs.gram_matrix"
    ),
    "layer_style_cost": Exercise(
        "layer_style_cost",
        "notebooks/04_gram_and_style_cost.ipynb",
        check_layer_style_cost,
        "nst_teach.costs.layer_style_cost",
    ),
    "style_cost": Exercise(
        "style_cost", "notebooks/04_gram_and_style_cost.ipynb", check_style_cost, "nst_teach.costs.style_cost"
    ),
    "total_cost": Exercise(
        "total_cost", "notebooks/05_style_transfer_live.ipynb", check_total_cost, "nst_teach.costs.total_cost"
    ),
    "train_step": Exercise(
        "train_step", "notebooks/05_style_transfer_live.ipynb", check_train_step, "nst_teach.training.train_step"
    ),
}


def exercise(name: str) -> Exercise:
    """``EXERCISES[name]``, or an OptionError that lists the exercises (and suggests the closest)."""
    if name not in EXERCISES:
        hint = did_you_mean(name, EXERCISES)
        raise OptionError(f"name must be one of the exercises {list(EXERCISES)}, got {name!r}.{hint}")
    return EXERCISES[name]


@dataclass(frozen=True, repr=False)
class CheckReport:
    """The results of :func:`check_all`: true when every checked exercise passed.

    Introduced in ``notebooks/04_gram_and_style_cost.ipynb``.
    """

    results: tuple[CheckResult, ...]

    @property
    def passed(self) -> bool:
        """Whether at least one exercise was checked and all of them passed."""
        return bool(self.results) and all(r.passed for r in self.results)

    def __bool__(self) -> bool:
        return self.passed

    def __iter__(self) -> Iterator[CheckResult]:
        return iter(self.results)

    def __len__(self) -> int:
        return len(self.results)

    def __str__(self) -> str:
        if not self.results:
            return f"No exercise found: define one of {', '.join(EXERCISES)} first."
        return "\n\n".join(str(r) for r in self.results)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        if not self.results:
            return f"<p>{html.escape(str(self))}</p>"
        return "".join(r._repr_html_() for r in self.results)


def check_all(namespace: Mapping[str, Any] | Any) -> CheckReport:
    """Checks every exercise function found in ``namespace``.

    Args:
        namespace: a dict such as a notebook's ``globals()``, or a module/object whose
            attributes are the functions.

    Returns:
        A :class:`CheckReport` with one result per exercise found (in notebook order);
        true when at least one was found and all passed.

    Introduced in ``notebooks/04_gram_and_style_cost.ipynb``.
    """
    names = namespace if isinstance(namespace, Mapping) else vars(namespace)
    results = tuple(ex.check(names[name]) for name, ex in EXERCISES.items() if callable(names.get(name)))
    return CheckReport(results)

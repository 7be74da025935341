"""Every exercise of the course checked at once: :func:`check_all` and its :class:`CheckReport`.

The exercises, their checks and their references are the table :data:`nst_teach.exercises.EXERCISES`.

Introduced in ``notebooks/01_images.ipynb``.
"""

from __future__ import annotations

import html
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..exercises import EXERCISES
from .feedback import CheckResult

__all__ = ["CheckReport", "check_all"]


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

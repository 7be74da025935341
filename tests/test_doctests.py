"""The worked examples in the docstrings are run, so what a student reads in ``help()`` is true.

Modules whose examples need files or a network mark them ``# doctest: +SKIP``; every other example runs.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import nst_teach
import nst_teach_instructor

MODULES = sorted(
    name
    for package in (nst_teach, nst_teach_instructor)  # the student's package and the instructor's
    for _, name, _ in pkgutil.walk_packages(package.__path__, package.__name__ + ".")
    if not name.endswith("__main__")
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {name} failed (see the output above)"

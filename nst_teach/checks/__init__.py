r"""Checks for the notebooks' exercises: run the student's function, explain the mistake.

Each exercise of the notebooks has a ``check_…`` function here.  It runs the
student's function on a few seeded random inputs (non-square shapes, one and
several channels), compares the results with the package's own function (the
reference solution), and when they differ it works out *which* typical mistake
would give exactly the student's numbers — a missing 4, a transposed Gram
matrix, channels in RGB order... — and says so, with the formula.  It also
checks what the optimizer needs: a single number, a gradient (NumPy breaks it),
and that the function runs inside ``tf.function``.

A check never raises because of the student's code: an exception raised by the
student's function is caught and explained.  It returns a :class:`CheckResult`,
which is true when the exercise is solved, prints as text, and shows as a
green or red box in a notebook.

>>> import tensorflow as tf
>>> from nst_teach.checks import check_content_cost
>>> def content_cost(a_c, a_g):
...     return tf.reduce_sum(tf.square(a_c - a_g))     # the normalisation is missing
>>> result = check_content_cost(content_cost)
>>> result.passed, result.mistake
(False, 'no_normalisation')

The package, one module per idea:

==============================  ==================================================
``checks.feedback``             running the student's function, explaining errors
``checks.diagnosis``            naming the mistake; the recipe of the cost checks
``checks.preprocess``           notebook 01: ``check_preprocess``
``checks.extractor``            notebook 02: ``check_build_extractor``
``checks.content``              notebook 03: ``check_content_cost``
``checks.style``                notebook 04: Gram matrix, layer and total style cost
``checks.total``                notebook 05: ``check_total_cost``
``checks.training``             notebook 05: ``check_train_step``
``checks.hints``                hints that escalate: what, the formula, the code with blanks
``checks.refusal``              the package's own functions refused in the student's place
``checks.exercises``            ``check_all``, over ``nst_teach.exercises``' table
==============================  ==================================================

The reference solutions, the short code the solved notebooks show, are not
reachable from here: they are on the instructor's side
(``nst-teach notebooks --solutions``).  Nor are the complete lines of code:
a hint that comes back a third time shows the code with blanks to fill,
and the complete line only where the instructor sets ``NST_TEACH_FULL_HINTS=1``
with the instructor's package installed (``nst_teach_instructor.hints``).
A check compares the student's function with the package's own
(:mod:`nst_teach.costs`, :mod:`nst_teach.training`, :mod:`nst_teach.images`, :mod:`nst_teach.model`),
so it refuses a student's function that is, or calls, one of the package's
cost functions or the exercise's reference — however it is reached: an
alias, a lambda, ``functools.partial``, a class, a decorator, a
``tf.function``.

Introduced in ``notebooks/01_images.ipynb``; used in every notebook with exercises.
"""

from __future__ import annotations

from ..exercises import EXERCISES, Exercise
from .content import check_content_cost
from .exercises import CheckReport, check_all
from .extractor import check_build_extractor
from .feedback import CheckResult
from .preprocess import check_preprocess
from .style import check_gram_matrix, check_layer_style_cost, check_style_cost
from .total import check_total_cost
from .training import check_train_step

__all__ = [
    "CheckResult",
    "CheckReport",
    "Exercise",
    "EXERCISES",
    "check_preprocess",
    "check_build_extractor",
    "check_content_cost",
    "check_gram_matrix",
    "check_layer_style_cost",
    "check_style_cost",
    "check_total_cost",
    "check_train_step",
    "check_all",
]

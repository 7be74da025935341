"""The instructor's side of the course: what a student's imports never reach.

``import nst_teach`` and ``import nst_teach.checks`` do not load this package,
and ``nst_teach.instructor`` is not an attribute of ``nst_teach``: the reference
solutions of the exercises (:mod:`nst_teach.instructor.solutions`) and the model
answers to the notebooks' open questions (:mod:`nst_teach.instructor.answers`) are
read by ``nst-teach notebooks --solutions`` (:func:`nst_teach.course.copy_notebooks`)
to write solved copies of the course, by ``nst-teach notebooks --nbgrader``
(:mod:`nst_teach.instructor.nbgrader`) to write it as an nbgrader course, and by the tests.
"""

from __future__ import annotations

__all__: list[str] = []

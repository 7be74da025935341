"""The instructor's side of the course: what a student's imports never reach.

``import nst_teach`` and ``import nst_teach.checks`` do not load this package,
and ``nst_teach.instructor`` is not an attribute of ``nst_teach``: the reference
solutions of the exercises (:mod:`nst_teach.instructor.solutions`) are read by
``nst-teach notebooks --solutions`` (:func:`nst_teach.course.copy_notebooks`)
to write solved copies of the course, and by the tests.
"""

from __future__ import annotations

__all__: list[str] = []

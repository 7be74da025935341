"""The course itself: notebook settings (normal and quick mode), its pictures, the student's functions, solved copies.

One module per idea; every name is reachable as ``nst_teach.course.<name>``, as the notebooks write it:

==============================  ==================================================================
``course.modes``                the notebooks' settings (``settings()``): normal and quick mode
``course.kernel``               a notebook's set-up: Colab (``in_colab``), ``friendly_errors``
``course.files``                the notebooks in the package, copied for the student or solved
``course.pictures``             the classic pictures, or their bundled stand-ins (``picture``)
``course.functions``            the student's functions in the run (``load_exercises``, ``my_functions``, ...)
==============================  ==================================================================

Introduced in ``notebooks/00_welcome.ipynb``.
"""

from __future__ import annotations

from .files import (
    APP,
    COURSE_DIR,
    GLOSSARY,
    NOTEBOOKS,
    RECORD,
    CourseCopy,
    copy_course,
    copy_notebooks,
    course_files,
    exercise_name,
    instructor_package,
    solve_notebook,
)
from .functions import MyFunctions, load_exercises, my_functions, my_preprocess
from .kernel import friendly_errors, in_colab
from .modes import CourseSettings, quick_mode, settings
from .pictures import picture

__all__ = [
    "CourseSettings",
    "quick_mode",
    "settings",
    "picture",
    "load_exercises",
    "my_functions",
    "my_preprocess",
    "MyFunctions",
    "in_colab",
    "exercise_name",
    "solve_notebook",
    "instructor_package",
    "copy_notebooks",
    "copy_course",
    "CourseCopy",
    "course_files",
    "COURSE_DIR",
    "APP",
    "GLOSSARY",
    "RECORD",
    "friendly_errors",
    "NOTEBOOKS",
]

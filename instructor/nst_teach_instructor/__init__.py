"""nst-teach-instructor: the instructor's side of the nst-teach course, kept out of the student's install.

A student installs ``nst-teach``: the package, its checks and the course's notebooks, nothing that
grades them. This package holds what would give the answers away:

==============================  ==================================================================
``solutions``                   the reference solution of every exercise, as a solved notebook shows it
``answers``                     the model answers to the open questions that close every notebook
``solve``                       the solved copies of the course (``nst-teach notebooks --solutions``)
``nbgrader``                    the course as an nbgrader course, with its hidden tests (``--nbgrader``)
``quiz``                        the quiz's keys and explanations; writes the student's sealed ``quiz.json``
``hints``                       the complete lines of code the checks' hints hold back (``NST_TEACH_FULL_HINTS``)
``secrets``                     what must never be in a student's install, and a search of a wheel for it
``slides``                      the slide types of the notebooks (presenting with RISE)
==============================  ==================================================================

``nst-teach notebooks --solutions DIR`` and ``--nbgrader DIR`` import it when asked; without it they say
to install it. It depends on ``nst-teach`` of the same version.
"""

from __future__ import annotations

__version__ = "0.2.0"  # kept equal to nst_teach.__version__ (tests/test_instructor_package.py)

__all__: list[str] = ["__version__"]

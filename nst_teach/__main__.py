"""``python -m nst_teach`` runs the ``nst-teach`` command line."""

import sys

from .cli import main

sys.exit(main())

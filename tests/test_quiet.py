"""TensorFlow's start-up chatter stays out of notebooks and the command line."""

from __future__ import annotations

import subprocess
import sys


def test_tensorflow_imports_without_start_up_lines_but_errors_still_show():
    code = (
        "import sys\n"
        "from nst_teach._quiet import import_tensorflow_quietly\n"
        "import_tensorflow_quietly()\n"
        "assert 'tensorflow' in sys.modules\n"
        "print('after', file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "absl" not in done.stderr and "oneDNN" not in done.stderr
    assert done.stderr.strip() == "after"  # fd 2 works again after the import

#!/usr/bin/env bash
# The built wheel, installed as a user (or a JupyterHub image) installs it: not editable, into a fresh
# environment, used from a folder outside the source tree. .ci/run runs it after the build; alone:
#
#     python -m build && bash .ci/wheel_smoke.sh            # the newest dist/nst_teach-*.whl
#     bash .ci/wheel_smoke.sh path/to/nst_teach-X.Y.Z-py3-none-any.whl [path/to/nst_teach_instructor-X.Y.Z-...whl]
#
# The environment is .venv-wheel (NST_TEACH_WHEEL_VENV to choose another), installed with pip from the
# same index and pip cache as the test environment (about 3 minutes); NST_TEACH_WHEEL_REUSE=1 keeps an
# existing one and reinstalls only the wheel (a developer's rerun; CI always starts fresh). Checks: `nst-teach --version` is the wheel's version,
# the package and its course come from the environment (not the clone), `nst-teach notebooks DIR` writes
# every notebook as the repository has it, `nst-teach layers` prints the table, and 02_vgg19 runs from
# that copy in quick mode (nbclient, offline, seeded random weights). With the instructor's wheel as a second
# argument: `nst-teach notebooks --solutions` first says to install it (a student's install has no solutions),
# then, with it installed, writes the solved course and the nbgrader course.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"

wheel="${1:-$(ls -t dist/nst_teach-*.whl 2>/dev/null | head -n 1)}"
if [ -z "$wheel" ] || [ ! -f "$wheel" ]; then
  echo "wheel_smoke: no wheel to install (build one with: python -m build)" >&2
  exit 1
fi
wheel="$(cd "$(dirname "$wheel")" && pwd)/$(basename "$wheel")"
version="$(basename "$wheel" | cut -d- -f2)"
instructor_wheel="${2:-}"
if [ -n "$instructor_wheel" ]; then
  [ -f "$instructor_wheel" ] || { echo "wheel_smoke: no instructor's wheel $instructor_wheel" >&2; exit 1; }
  instructor_wheel="$(cd "$(dirname "$instructor_wheel")" && pwd)/$(basename "$instructor_wheel")"
fi
venv="${NST_TEACH_WHEEL_VENV:-.venv-wheel}"

start=$SECONDS
if [ "${NST_TEACH_WHEEL_REUSE:-}" = 1 ] && [ -x "$venv/bin/python" ]; then  # a developer's rerun: the wheel only
  "$venv/bin/python" -m pip install --quiet --force-reinstall --no-deps "$wheel"
else
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --upgrade pip
  "$venv/bin/python" -m pip install --quiet "$wheel" nbclient  # nbclient: only to run a notebook below
fi
venv="$(cd "$venv" && pwd)"
echo "wheel_smoke: $(basename "$wheel") installed into $venv in $((SECONDS - start)) s" >&2

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"  # outside the source tree: nothing of the clone can be found from here
export NST_TEACH_OFFLINE=1 NST_TEACH_QUICK=1 NST_TEACH_CACHE="$work/cache"
fail() { echo "wheel_smoke: FAILED: $*" >&2; exit 1; }

shown="$("$venv/bin/nst-teach" --version)"
[ "$shown" = "nst-teach $version" ] || fail "nst-teach --version printed '$shown', expected 'nst-teach $version'"

"$venv/bin/python" - "$venv" <<'EOF' || fail "the package or its course is not the installed wheel's"
import sys
from pathlib import Path

import nst_teach
from nst_teach.course import course_files

venv = Path(sys.argv[1]).resolve()
package, course = Path(nst_teach.__file__).resolve(), course_files().resolve()
assert venv in package.parents and venv in course.parents, (package, course)
EOF

"$venv/bin/nst-teach" notebooks course >/dev/null
"$venv/bin/python" - "$repo/notebooks" course <<'EOF' || fail "nst-teach notebooks did not write the course"
import sys
from pathlib import Path

from nst_teach.course import APP, NOTEBOOKS

source, copy = Path(sys.argv[1]), Path(sys.argv[2])
for name in (*NOTEBOOKS, APP):
    assert (copy / name).read_bytes() == (source / name).read_bytes(), f"{name} differs from the repository's"
assert sorted(p.name for p in source.glob("*.ipynb")) == sorted((*NOTEBOOKS, APP)), "a notebook is not in the list"
print(f"wheel_smoke: nst-teach notebooks wrote all {len(NOTEBOOKS) + 1} notebooks", file=sys.stderr)
EOF

table="$("$venv/bin/nst-teach" layers)"
grep -q "block5_conv4" <<<"$table" || fail "nst-teach layers printed no layer table"

start=$SECONDS
"$venv/bin/python" - course/02_vgg19.ipynb <<'EOF' || fail "02_vgg19.ipynb did not run from the copy"
import sys
from pathlib import Path

import nbclient
import nbformat

path = Path(sys.argv[1])
notebook = nbformat.read(path, as_version=4)
nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3",
                        resources={"metadata": {"path": str(path.parent)}}).execute()
errors = [o for cell in notebook.cells for o in cell.get("outputs", []) if o.get("output_type") == "error"]
assert not errors, errors
EOF
echo "wheel_smoke: 02_vgg19.ipynb ran in quick mode in $((SECONDS - start)) s" >&2

if [ -n "$instructor_wheel" ]; then
  status=0
  said="$("$venv/bin/nst-teach" notebooks --solutions solved 2>&1)" || status=$?
  [ "$status" -eq 2 ] && grep -q "pip install nst-teach-instructor" <<<"$said" \
    || fail "without the instructor's package, --solutions did not say to install it (exit $status): $said"
  [ ! -e solved ] || fail "without the instructor's package, --solutions wrote solved/"
  "$venv/bin/python" -m pip install --quiet "$instructor_wheel"
  "$venv/bin/nst-teach" notebooks --solutions solved >/dev/null
  grep -q "Reference solution" solved/03_content_cost.ipynb || fail "--solutions wrote no solved 03_content_cost"
  "$venv/bin/nst-teach" notebooks --nbgrader graded >/dev/null 2>&1 || fail "--nbgrader did not write the course"
  [ -f graded/nbgrader_config.py ] && [ -d graded/source/07_quiz ] || fail "--nbgrader wrote no nbgrader course"
  echo "wheel_smoke: $(basename "$instructor_wheel"): --solutions said to install it, then wrote the solved and the nbgrader course" >&2
fi
echo "wheel_smoke: OK (nst-teach $version from the wheel, outside the source tree)" >&2

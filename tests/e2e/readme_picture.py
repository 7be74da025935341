"""Regenerates ``docs/dashboard.png``, the README's picture, from a browser-test screenshot.

    python tests/e2e/readme_picture.py            # runs the Voila browser test, then converts its screenshot
    python tests/e2e/readme_picture.py --no-run   # converts the screenshot already in tests/e2e/artifacts/

The picture is the classroom app (Voila, 1280×720) while the dashboard runs, as the
test sees it: quick mode and seeded random weights, or the weights file named by
``NST_TEACH_E2E_WEIGHTS`` (e.g. the real ImageNet file, for a picture that looks like
art).  It is stored as a 256-colour PNG to stay small.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from PIL import Image

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SCREENSHOT = HERE / "artifacts" / "voila-app-running.png"
PICTURE = ROOT / "docs" / "dashboard.png"
MAX_BYTES = 300_000


def convert(source: Path = SCREENSHOT, target: Path = PICTURE) -> int:
    """Writes ``source`` as a palette PNG at ``target``; returns its size in bytes."""
    image = Image.open(source).convert("RGB")
    target.parent.mkdir(parents=True, exist_ok=True)
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(target, optimize=True)
    return target.stat().st_size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-run", action="store_true", help="use the screenshot of the last test run")
    args = parser.parse_args(argv)
    if not args.no_run:
        test = [sys.executable, "-m", "pytest", str(HERE / "test_browser.py"), "-m", "e2e", "-k", "voila", "-q"]
        subprocess.run(test, cwd=ROOT, check=True)
    size = convert()
    print(f"wrote {PICTURE.relative_to(ROOT)} ({size / 1000:.0f} kB)")
    if size > MAX_BYTES:
        print(f"warning: larger than {MAX_BYTES // 1000} kB; keep the README light", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

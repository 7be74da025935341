"""The words a student reads: the course's recipe is "the reference recipe", and "seed" is a random seed.

The course follows a TensorFlow 1 blog post's implementation of Gatys et al.; its settings were once
called "the seed", which students read as the random-number seed that the same cells also set
(``StyleTransfer(preset=..., seed=0)``). Every notebook, every document, the package's docstrings and
messages, and its public names say "reference recipe" instead (``preset="reference"``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: "seed" meaning the recipe: the seed's X, the seed does, preset="seed", seed_recipe, SEED_PRESET; not
#: "the seed of the random filters", "seed=0", "a seed", "seeded".
RECIPE_AS_SEED = re.compile(
    r"\b[Tt]he\s+seed(?:['’]s\b|\s+(?!of\b|random\b|=|\d)\w)|\bseed\s+(?:recipe|algorithm)\b|preset\s*=\s*\\?[\"']seed"
    r"|--preset\s+seed\b|\bseed_recipe\b|\bSEED_PRESET\b|\*seed\*"
)


def _texts() -> dict[str, str]:
    """What a student or an instructor reads, by file: notebooks' cells, documents, the package's source."""
    texts = {}
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        texts[str(path.relative_to(ROOT))] = "\n".join("".join(cell["source"]) for cell in cells)
    documents = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    for path in [*documents, *sorted((ROOT / "nst_teach").rglob("*.py"))]:
        texts[str(path.relative_to(ROOT))] = path.read_text(encoding="utf-8")
    return texts


def test_the_pattern_finds_the_recipe_called_seed_and_not_a_random_seed():
    for recipe in ("the seed's Adam", "The seed uses α = 10", 'preset="seed"', "--preset seed", "the *seed*"):
        assert RECIPE_AS_SEED.search(recipe), recipe
    for random in ("the seed of random filters", "seed=0", "a fixed random seed", "seeded random weights"):
        assert not RECIPE_AS_SEED.search(random), random


@pytest.mark.parametrize("name", list(_texts()))
def test_no_text_calls_the_reference_recipe_the_seed(name):
    text = _texts()[name]
    found = [text[max(0, m.start() - 40) : m.end() + 40].replace("\n", " ") for m in RECIPE_AS_SEED.finditer(text)]
    assert not found, f"{name} calls the reference recipe 'the seed': {found}"

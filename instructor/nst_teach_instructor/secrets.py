"""What must never be in a student's install, and a search of a wheel (or an sdist) for it.

:func:`secret_texts` lists, by kind, every text of this package that would give an answer away: the model
answers to the open questions (sentence by sentence), the lines of nbgrader's hidden tests, and the quiz's
keys and explanations. :func:`search` reads every file of an
archive as text (a Python file's string constants too, so a string split over several literals is found
whole; a notebook's or a JSON file's strings) and reports where any of them occurs. ``tests/test_packaging.py``
runs it on the student's wheel that CI builds, and from the command line::

    python -m nst_teach_instructor.secrets dist/nst_teach-*.whl dist/nst_teach-*.tar.gz
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
import tarfile
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["secret_texts", "Found", "search", "main"]

#: A model answer is searched sentence by sentence: a sentence this long is unique to the answer.
SENTENCE = 40
#: A hidden test's lines this long (its imports and ``del`` lines aside) are searched one by one.
TEST_LINE = 30


def _normal(text: str) -> str:
    """Whitespace collapsed: an indented code line and the same line in a notebook's JSON compare equal."""
    return " ".join(text.split())


def _sentences(text: str) -> list[str]:
    """A model answer's sentences, less what it quotes in backticks (code, or the package's own messages)."""
    parts = re.split(r"(?<=[.;:!?])\s+|\n+", re.sub(r"`[^`]*`", " ", text))
    return [_normal(part) for part in parts if len(_normal(part)) >= SENTENCE]


def secret_texts() -> dict[str, list[str]]:
    """Every text of the instructor's package that a student's install must not hold, by kind."""
    from . import answers, nbgrader, quiz

    hidden = [
        _normal(line)
        for source in nbgrader.HIDDEN_TESTS.values()
        for line in source.splitlines()
        if len(line.strip()) >= TEST_LINE and not line.startswith(("import ", "del "))
    ]
    # The reference solutions (and the complete lines the hints hold back) are not searched: by design the
    # package's own functions (nst.content_cost...) are the reference the checks compare with, and a student
    # may read them (nst.content_cost??); the solutions compute the same arithmetic. What keeps a grade honest
    # is that the checks refuse those functions in the student's place (nst_teach.checks), and the hidden tests.
    return {
        "model answer": [s for notebook in answers.ANSWERS.values() for a in notebook.values() for s in _sentences(a)],
        "hidden test": hidden,
        "quiz key": [_normal(text) for text in quiz.secret_texts()],
    }


def _strings(value: Any) -> Iterator[str]:
    """Every string inside a JSON value; a list of strings (a notebook cell's source) also joined."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        if value and all(isinstance(item, str) for item in value):
            yield "".join(value)
        for item in value:
            yield from _strings(item)


def _texts(name: str, data: bytes) -> list[str]:
    """What a file says, as the texts to search: itself, and its string constants or JSON strings."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return []  # a picture
    found = [text]
    if name.endswith(".py"):
        try:
            found += [
                n.value for n in ast.walk(ast.parse(text)) if isinstance(n, ast.Constant) and isinstance(n.value, str)
            ]
        except SyntaxError:
            pass
    elif name.endswith((".ipynb", ".json")):
        try:
            found += list(_strings(json.loads(text)))
        except ValueError:
            pass
    return [_normal(t) for t in found]


def _files(archive: Path) -> Iterator[tuple[str, bytes]]:
    if archive.name.endswith((".tar.gz", ".tgz")):
        with tarfile.open(archive) as tar:
            for member in tar.getmembers():
                if member.isfile():
                    yield member.name, tar.extractfile(member).read()  # type: ignore[union-attr]
    else:
        with zipfile.ZipFile(archive) as wheel:
            for name in wheel.namelist():
                if not name.endswith("/"):
                    yield name, wheel.read(name)


@dataclass(frozen=True)
class Found:
    """One secret found in an archive: its kind, its first words and the file that holds it."""

    kind: str
    text: str
    file: str

    def __str__(self) -> str:
        shown = self.text if len(self.text) <= 70 else self.text[:67] + "..."
        return f"{self.file}: a {self.kind}: {shown!r}"


def search(archive: str | Path, secrets: dict[str, list[str]] | None = None) -> list[Found]:
    """Where the archive (a wheel, or an sdist ``.tar.gz``) holds any of ``secrets`` (default: :func:`secret_texts`)."""
    secrets = secret_texts() if secrets is None else secrets
    found = []
    for name, data in _files(Path(archive)):
        texts = _texts(name, data)
        for kind, items in secrets.items():
            found += [Found(kind, item, name) for item in items if any(item in text for text in texts)]
    return found


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m nst_teach_instructor.secrets ARCHIVE...``: exit 1 and list what was found, else 0."""
    parser = argparse.ArgumentParser(prog="python -m nst_teach_instructor.secrets", description=__doc__.split("\n")[0])
    parser.add_argument("archives", nargs="+", type=Path, help="the student's wheel or sdist")
    args = parser.parse_args(argv)
    secrets = secret_texts()
    status = 0
    for archive in args.archives:
        found = search(archive, secrets)
        for each in found:
            print(f"{archive.name}: {each}")
        counts = ", ".join(f"{len(items)} {kind}s" for kind, items in secrets.items())
        print(f"{archive.name}: {'FOUND ' + str(len(found)) if found else 'none'} of {counts}", file=sys.stderr)
        status = status or int(bool(found))
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

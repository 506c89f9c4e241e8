"""The word lists of attribution, standalone wording and structure, read from data files.

Each list is factcheck/text/data/<name>.txt (package data): one word or phrase per
line, blank lines ignored, "#" starts a comment. A mapping's lines read "key: value".
Each file is read once per process.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from importlib import resources


@cache
def entries(name: str) -> tuple[str, ...]:
    """The entries of data/<name>.txt, in file order."""
    text = resources.files("factcheck.text").joinpath("data", f"{name}.txt").read_text("utf-8")
    lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return tuple(line for line in lines if line)


def word_set(name: str) -> frozenset[str]:
    """The entries of data/<name>.txt as a set."""
    return frozenset(entries(name))


def mapping(name: str) -> dict[str, str]:
    """The "key: value" lines of data/<name>.txt, in file order."""
    pairs = (line.split(":", 1) for line in entries(name))
    return {key.strip(): value.strip() for key, value in pairs}


def alternation(words: Iterable[str]) -> str:
    """A regular expression alternation of the words, escaped, longest first (so that
    "South Sudan" is tried before "Sudan")."""
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))

"""What a person types in the search box, read into a safe query.

The text is never handed to the database as query syntax. It is read here into words,
"quoted phrases", a trailing `*` (prefix), words to leave out (`-word`, `NOT word`) and
`OR` between alternatives; everything else is a plain word. The database query is built
from that structure: each word or phrase becomes a quoted FTS5 string (SQLite) or a
plainto_tsquery / phraseto_tsquery call with the word as a bound parameter (PostgreSQL),
so no input can be an FTS syntax error. No Flask here, and no database.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from factcheck.errors import InvalidInput

# Bounds: a query longer than MAX_QUERY_CHARS is refused; past MAX_TERMS words, phrases
# and left-out words the rest are ignored (and the page says so); a "word" longer than
# MAX_WORD_CHARS is cut there; a phrase keeps its first MAX_TERMS words; a prefix needs
# at least MIN_PREFIX_CHARS letters (a one-letter prefix would match most of the index).
MAX_QUERY_CHARS = 300
MAX_TERMS = 12
MAX_WORD_CHARS = 64
MIN_PREFIX_CHARS = 3


@dataclass(frozen=True)
class Term:
    """One word, or the words of a quoted phrase; `prefix` matches words starting so."""

    words: tuple[str, ...]
    prefix: bool = False

    @property
    def text(self) -> str:
        return " ".join(self.words)

    def fts5(self) -> str:
        quoted = '"' + self.text.replace('"', '""') + '"'
        return quoted + "*" if self.prefix else quoted


@dataclass(frozen=True)
class SearchQuery:
    """Alternatives (OR) of terms that must all match (AND), minus the left-out terms."""

    groups: tuple[tuple[Term, ...], ...]
    excluded: tuple[Term, ...] = ()
    notes: tuple[str, ...] = field(default=(), compare=False)

    def fts5(self, column: str | None = None) -> str:
        """The FTS5 MATCH expression, every word a quoted string; optionally limited to
        one column (e.g. the claimant's name)."""
        alternatives = " OR ".join(
            "(" + " AND ".join(t.fts5() for t in group) + ")" for group in self.groups
        )
        expression = f"({alternatives})"
        if self.excluded:
            expression += " NOT (" + " OR ".join(t.fts5() for t in self.excluded) + ")"
        return f"{column} : ({expression})" if column else expression

    def describe(self) -> str:
        """The query as read, for the page ("tax AND cut OR "tax relief", not -vat")."""
        parts = [
            " ".join(f'"{t.text}"' if len(t.words) > 1 else t.text + "*" * t.prefix for t in g)
            for g in self.groups
        ]
        text = " OR ".join(parts)
        if self.excluded:
            text += ", leaving out " + ", ".join(t.text for t in self.excluded)
        return text


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    # Control characters (NUL included) and other invisible code points are separators.
    return "".join(" " if unicodedata.category(c)[0] in "CZ" else c for c in text)


def _word(raw: str) -> str | None:
    """A plain word as typed (punctuation kept: the database tokenizer splits it), or None
    when it has no letter or digit at all (`-`, `*`, `!!`, an emoji)."""
    if not any(c.isalnum() for c in raw):
        return None
    return raw[:MAX_WORD_CHARS]


def parse(text: str) -> SearchQuery:
    """Read the search box; raise InvalidInput with a message a person can act on."""
    if len(text) > MAX_QUERY_CHARS:
        raise InvalidInput(
            f"The search is {len(text):,} characters long; at most {MAX_QUERY_CHARS} are read."
        )
    text = _clean(text)
    notes: list[str] = []
    groups: list[list[Term]] = [[]]
    excluded: list[Term] = []
    count = 0
    dropped = False
    negate_next = False
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == " ":
            i += 1
            continue
        negate = negate_next
        negate_next = False
        if c == "-":
            j = i
            while j < n and text[j] == "-":
                j += 1
            if j < n and text[j] != " ":
                negate, i, c = True, j, text[j]
        if c == '"':
            end = text.find('"', i + 1)
            if end < 0:
                notes.append("A quotation mark was not closed; the rest was read as a phrase.")
                end = n
            words = [w for raw in text[i + 1 : end].split() if (w := _word(raw))]
            i = end + 1
            if len(words) > MAX_TERMS:
                notes.append(f"A phrase keeps its first {MAX_TERMS} words.")
                words = words[:MAX_TERMS]
            term = Term(tuple(words)) if words else None
        else:
            end = i
            while end < n and text[end] not in ' "':
                end += 1
            raw = text[i:end]
            i = end
            if not negate and raw == "OR":
                if groups[-1]:
                    groups.append([])
                continue
            if not negate and raw == "AND":
                continue
            if not negate and raw == "NOT":
                negate_next = True
                continue
            term = _bare(raw.lstrip("-"), notes)
        if term is None:
            continue
        if count >= MAX_TERMS:
            dropped = True
            continue
        count += 1
        (excluded if negate else groups[-1]).append(term)
    if dropped:
        notes.append(f"Only the first {MAX_TERMS} words and phrases were used.")
    kept = tuple(tuple(g) for g in groups if g)
    if not kept:
        if excluded:
            raise InvalidInput(
                "Add a word to look for: a search cannot be only words to leave out."
            )
        raise InvalidInput("Type a word or a name to search for (punctuation alone finds nothing).")
    return SearchQuery(kept, tuple(excluded), tuple(dict.fromkeys(notes)))


def _bare(raw: str, notes: list[str]) -> Term | None:
    if raw.endswith("*"):
        stem = raw.rstrip("*")
        if stem and all(c.isalnum() for c in stem) and len(stem) >= MIN_PREFIX_CHARS:
            return Term((stem[:MAX_WORD_CHARS],), prefix=True)
        if stem:
            notes.append(
                f"A * counts only after {MIN_PREFIX_CHARS} or more letters or digits "
                "(tax*); it was read as a plain word."
            )
        raw = stem
    word = _word(raw)
    return Term((word,)) if word else None

"""Countries and organisations in claim text: which names are entities rather than
people ("Iran", "NATO", "the health ministry"), which country a role names ("Iraqi Prime
Minister" -> "Iraq"), and where a text names countries and organisations.

Used by standalone wording (factcheck.text.references) and by attribution, which must not
take an entity for a person.
"""

from __future__ import annotations

import re

from factcheck.text.wordlists import alternation, mapping, word_set

# Demonym (adjective or people) -> the country's name as it reads mid-sentence.
DEMONYMS = mapping("demonyms")
# Other ways a text names a country (matched case-sensitively, as written).
_COUNTRY_ALIASES = mapping("country_aliases")
COUNTRIES = frozenset(DEMONYMS.values())
_COUNTRY_NAMES = {c.removeprefix("the "): c for c in COUNTRIES} | _COUNTRY_ALIASES
_COUNTRY_RE = re.compile(r"(?<![\w-])(?:" + alternation(_COUNTRY_NAMES) + r")(?![\w-])")
# Demonyms as words: "Iraqi", "Iranians" ("US" and "UK" are names above).
_DEMONYM_RE = re.compile(
    r"(?<![\w-])("
    + alternation(k.title() for k in DEMONYMS if k not in {"us", "u.s.", "uk"})
    + r")s?(?![\w-])"
)


def bare_word(word: str) -> str:
    """ "Ministry’s," -> "ministry": lower case, without punctuation or a possessive."""
    return re.sub(r"[’']s$", "", word.strip(',.;:()“”"').lower())


_ORG_WORDS = word_set("org_words")
_ACRONYM_RE = re.compile(r"(?<![\w-])[A-Z]{2,6}(?![\w-])")
_NAME_WORD = r"(?:[A-Z][\w'’.-]*|(?:al|el|bin|ibn)-[A-Z][\w'’-]*)"
NAME_RE = re.compile(
    _NAME_WORD + r"(?:\s+(?:(?:al|el|bin|ibn|de|da|di|van|von|der|la|le)\s+)?" + _NAME_WORD + ")*"
)

# Seats of government that stand for their country in a role ("Kremlin spokesman").
_INSTITUTIONS = mapping("institutions")
_INSTITUTION_RE = re.compile(r"(?<![\w-])(?:" + alternation(_INSTITUTIONS) + r")(?![\w-])")


def country_of(text: str | None) -> str | None:
    """The first country a role or phrase names: "Iraqi Prime Minister" -> "Iraq",
    "Kremlin spokesman" -> "Russia"."""
    found = countries_in(text or "")
    found += [(m.start(), _INSTITUTIONS[m.group(0)]) for m in _INSTITUTION_RE.finditer(text or "")]
    return min(found)[1] if found else None


def countries_in(text: str) -> list[tuple[int, str]]:
    """The countries the text names (by name or demonym), as (offset, country), in order."""
    found = []
    for match in _COUNTRY_RE.finditer(text):
        found.append((match.start(), _COUNTRY_NAMES[match.group(0)]))
    for match in _DEMONYM_RE.finditer(text):
        found.append((match.start(), DEMONYMS[match.group(1).lower()]))
    return sorted(found)


# "The Council of Kessa Basin States", "Ministry of Health": names joined by "of (the)".
_ORG_NAME_RE = re.compile(NAME_RE.pattern + r"(?:\s+of\s+(?:the\s+)?" + NAME_RE.pattern + ")*")


def organisations_in(text: str) -> list[tuple[int, str]]:
    """The organisations the text names (acronyms, names with an organisation word such as
    "Ministry"), as (offset, name), in order."""
    found = []
    for match in _ACRONYM_RE.finditer(text):
        if match.group(0) not in {"US", "UK", "USA"}:
            found.append((match.start(), match.group(0)))
    for match in _ORG_NAME_RE.finditer(text):
        name = re.sub(r"^The\s+", "", match.group(0))
        words = name.split()
        if len(words) > 1 and any(bare_word(w) in _ORG_WORDS for w in words):
            found.append((match.start(), "the " + name))
    return sorted(found)


def is_entity(name: str) -> bool:
    """Is this a country or an organisation rather than a person? "Iran", "NATO", "the
    Federal Reserve", "the health ministry" are; "the company's profits" is not."""
    bare = re.sub(r"^the\s+", "", name.strip(), flags=re.IGNORECASE)
    if not bare or bare in _COUNTRY_NAMES or bare in _INSTITUTIONS or _ACRONYM_RE.fullmatch(bare):
        return True
    if bare[0].isupper():  # a proper name: any organisation word in it
        return any(bare_word(w) in _ORG_WORDS for w in bare.split())
    return bare_word(head_word(bare)) in _ORG_WORDS


_HEAD_END = re.compile(
    r"\s+(?:of|in|on|at|for|from|with|by|near|who|that|which|whose|under|over|"
    r"across|behind|inside|outside|\w+ing)\b"
)


def head_word(phrase: str) -> str:
    """The last word before a phrase's modifiers: "groups" in "The groups leading ..."."""
    cut = _HEAD_END.search(" " + phrase)
    head = (" " + phrase)[: cut.start()] if cut else " " + phrase
    return head.split()[-1].lower() if head.split() else ""

"""Names and roles in news sentences: which capitalised words are a person's name, which
words around it are their role ("Iranian Foreign Minister", "the ministry's spokeswoman",
"Deputy mayor"), and which pronoun a role implies.

Rule-based, over the words of one sentence; the word lists are in data/ (wordlists.py).
The people an article names are collected by factcheck.text.people.
"""

from __future__ import annotations

import re

from factcheck.text.entities import DEMONYMS, is_entity
from factcheck.text.wordlists import entries, word_set

# Reporting verbs ("said", "called for"), longest first: a name or role ends before one.
VERBS = sorted(entries("reporting_verbs"), key=len, reverse=True)
VERB_ALTERNATION = "|".join(map(re.escape, VERBS))
TITLE_WORDS = word_set("title_words")
# Words that may stand in a role written before a name, with a title word among them:
# "Deputy mayor Tom Okafor", "Police chief Ana Ruiz", "senior army commander Ali Reza".
_ROLE_MODIFIERS = word_set("role_modifiers")
# The title nouns a role needs at least one of ("mayor" in "Deputy mayor").
ROLE_HEADS = word_set("role_heads")
# Words that end a description before a name ("Civil society group" Vote Watch).
_NOT_DESCRIPTIONS = word_set("not_descriptions")
_HE_WORDS = {"spokesman", "chairman", "king", "prince", "mr.", "sheikh", "pope", "cardinal"}
_SHE_WORDS = {"spokeswoman", "chairwoman", "queen", "princess", "mrs.", "ms."}
_PARTICLES = {"al", "el", "bin", "ibn", "de", "da", "di", "van", "von", "der", "la", "le"}
# Capitalised words that start sentences or name dates rather than people.
_NOT_NAMES = word_set("not_names")
DETERMINERS = {"a", "an", "the", "its", "his", "her", "their"}
_NAME_TOKEN = re.compile(r"^(?:[A-Z][\w'’.-]*|(?:al|el|bin|ibn)-[A-Z][\w'’-]*)$")


def describes_group(role: str | None) -> bool:
    """ "Environmental group", "Forestry company" describe organisations; "Police chief"
    and "the group's director" describe people."""
    words = (role or "").lower().replace("’s", " ").replace("'s", " ").split()
    return bool(role) and is_entity(role) and not set(words) & ROLE_HEADS


def implied_pronoun(words: str | None) -> str | None:
    """ "spokeswoman" -> "she", "the spokesman" -> "he", else None."""
    found = set((words or "").lower().split())
    if found & _HE_WORDS:
        return "he"
    if found & _SHE_WORDS:
        return "she"
    return None


def split_title(words: list[str]) -> tuple[str | None, str]:
    """Split "Iranian Foreign Minister Abbas Araghchi" into (role, name)."""
    i = 0
    while i < len(words) - 1:
        w = words[i].lower()
        is_title = w in TITLE_WORDS
        is_demonym = re.search(r"(ian|ean|ese|ish|i|an)$", w) and words[i + 1].lower() in (
            TITLE_WORDS
        )
        if not (is_title or is_demonym):
            break
        i += 1
    if i and not any(w.lower() in ROLE_HEADS or w.lower().endswith(".") for w in words[:i]):
        i = 0  # "Housing", "Police" alone are no title: "Police Scotland"
    if i == 0:
        # "Nueva Alcala Governor Felipe Manalo": a place before the title
        heads = [k for k, w in enumerate(words[:-2]) if w.lower() in ROLE_HEADS and k > 0]
        if heads:
            i = heads[-1] + 1
    role = " ".join(words[:i]) or None
    name = " ".join(words[i:])
    if role and role.lower() in {"dr.", "mr.", "mrs.", "ms.", "prof."}:
        role = None
    return role, name


def name_runs(text: str) -> list[tuple[int, list[str]]]:
    """Runs of capitalised words (with particles such as al-, bin); (word index, words)."""
    words = text.split()
    runs: list[tuple[int, list[str]]] = []
    current: list[str] = []
    start = 0
    for i, raw in enumerate(words):
        word = raw.strip(",;:()[]“”\"'’")
        particle = word.lower() in _PARTICLES and current
        if word and (_NAME_TOKEN.match(word) or particle or re.match(r"^(al|el)-", word)):
            if not current:
                start = i
            current.append(re.sub(r"[’']s$", "", word))
            ends_sentence = (
                word.endswith(".")
                and len(word) > 3
                and word.lower() not in TITLE_WORDS
                and not re.fullmatch(r"(?:[A-Z]\.)+", word)
            )  # "... by the end of May. Reyes said", where segmentation missed a break
            if raw.endswith((",", ";", ":", ")", "”", '"')) or ends_sentence:
                runs.append((start, current))
                current = []
        else:
            if current:
                runs.append((start, current))
            current = []
    if current:
        runs.append((start, current))
    cleaned = []
    for start, run in runs:
        while run and run[0].lower() in _NOT_NAMES:
            run, start = run[1:], start + 1
        while run and run[-1].lower() in _NOT_NAMES:
            run = run[:-1]
        if run:
            cleaned.append((start, run))
    return cleaned


def is_name_chunk(chunk: str) -> bool:
    """Is the whole chunk a (titled) name, like "Jane Smith" or "Senator Maria Lopez"?"""
    chunk = re.sub(r"^The\s+", "", chunk)  # "The Budget Review Office"
    runs = name_runs(chunk)
    return len(runs) == 1 and runs[0][0] == 0 and len(runs[0][1]) == len(chunk.split())


def looks_like_person(words: list[str]) -> bool:
    """Two or more name words, or a titled name ("Senator Lopez"): a person, not "Iran"."""
    role, name = split_title(words)
    parts = name.split()
    return bool(parts) and (len(parts) >= 2 or role is not None)


def role_before(words: list[str], start: int) -> str | None:
    """A role written before a name in any case: "Deputy mayor" Tom Okafor."""
    i = start
    while i > 0:
        word = words[i - 1]
        bare = word.lower().lstrip('“"(')
        if word.endswith((",", ";", ":", ")", "”")) or not (
            bare in TITLE_WORDS or bare in _ROLE_MODIFIERS or bare in DEMONYMS
        ):
            break
        i -= 1
    if any(w[0].islower() for w in words[i:start]):
        # a proper name before a lower-case role: "Kremlin spokesman", "White House press
        # secretary" (not "Yesterday", a date or a sentence's first word before a title)
        while (
            i > 0
            and start - i < 6
            and words[i - 1][:1].isupper()
            and words[i - 1].lower() not in _NOT_NAMES
            and not words[i - 1].endswith((",", ";", ":", ")", "”", "."))
        ):
            i -= 1
    role = words[i:start]
    if not any(w.lower() in ROLE_HEADS for w in role):
        return None
    return " ".join(role).lstrip('“"(')


def looks_like_role(chunk: str) -> bool:
    """ "the ministry's spokeswoman", "a senior official": a role standing before a name."""
    words = chunk.split()
    if not words or len(words) > 8:
        return False
    possessor = re.fullmatch(r"[A-Z][\w-]*[’']s", words[0])  # "Orima's chief operating officer"
    if not (words[0][0].islower() or words[0].lower() in DETERMINERS or possessor):
        return False
    return any(re.sub(r"[’']s$", "", w.lower()) in ROLE_HEADS for w in words)


def verbish(word: str) -> bool:
    """A word that reads as a verb ("said", "rejected", "warning"), so no part of a name."""
    word = word.lower().strip(",.;:")
    return word in VERBS or word in _NOT_DESCRIPTIONS or word.endswith(("ed", "ing"))


def is_description(words: list[str]) -> bool:
    """ "Civil society group", "Environmental group": a description written before a name."""
    return (
        2 <= len(words) <= 4
        and words[0][:1].isupper()
        and words[0].lower() not in _NOT_NAMES
        and all(w[:1].islower() and not verbish(w) for w in words[1:])
    )


def clean_role(role: str) -> str:
    """Trim a role; drop its article unless that belongs to a possessor ("the ministry's")."""
    role = role.strip().strip(",").strip()
    if re.match(r"^(?:an?|the)\s+(?:\S+\s+){0,3}?\S+[’']s\s", role, re.IGNORECASE):
        return role[0].lower() + role[1:]
    return re.sub(r"^(?:an?|the)\s+", "", role, flags=re.IGNORECASE)

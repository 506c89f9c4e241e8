"""Who the words before a reporting verb name: a person by name or title, a role mention
resolved against the article's people, a group ("Climate researchers"), or a he/she/it
resolved to the paragraph's last speaker or subject (Discourse).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from factcheck.text.names import (
    DETERMINERS,
    ROLE_HEADS,
    TITLE_WORDS,
    clean_role,
    is_description,
    is_name_chunk,
    looks_like_role,
    name_runs,
    role_before,
    split_title,
    verbish,
)
from factcheck.text.people import People, Person
from factcheck.text.wordlists import word_set

_ADVERBS = word_set("speech_adverbs")
PRONOUNS = {"he", "she"}


@dataclass
class Discourse:
    """Who the text has been about so far, for resolving "he", "she", "it" and "they":
    the article's people, and the last speaker and subject in this paragraph and before."""

    people: People
    paragraph: int = -1
    speaker: Person | None = None  # claimant of the last attributed sentence
    subject: Person | None = None  # person at the start of the last sentence
    previous_speaker: Person | None = None  # last speaker of earlier paragraphs
    # What a frame's "it" / "they" stands for in the sentence at hand ("It said ...").
    referents: dict[str, str | None] = field(default_factory=dict)

    def enter(self, paragraph: int) -> None:
        """Move to the paragraph; a new one starts without a speaker or subject."""
        if paragraph != self.paragraph:
            self.previous_speaker = self.speaker or self.previous_speaker
            self.speaker = self.subject = None
            self.paragraph = paragraph

    def resolve_pronoun(
        self, sentence_subject: Person | None, pronoun: str | None = None
    ) -> Person | None:
        """The person a he/she stands for: never one the text calls by the other pronoun."""
        for person in (sentence_subject, self.speaker, self.subject, self.previous_speaker):
            if person and (pronoun is None or person.refers_as() in (None, pronoun)):
                return person
        return None


def frame_pronoun(pre: str) -> str | None:
    """ "he" in "... he said": the pronoun a reporting frame's subject is, if it is one."""
    words = pre.strip().rstrip(".").split()
    while words and words[-1].lower().strip(",") in _ADVERBS:
        words.pop()
    last = words[-1].lower().strip(",") if words else ""
    return last if last in PRONOUNS else None


def subject_from(
    pre: str, people: People, ctx: Discourse, sentence_subject: Person | None
) -> tuple[str | None, str | None]:
    """Find (claimant, role) in the words before the reporting verb."""
    words = pre.strip().rstrip(".").split()
    while words and words[-1].lower().strip(",") in _ADVERBS:
        words.pop()
    if not words:
        return None, None
    last = words[-1].lower().strip(",")
    if last in PRONOUNS:
        person = ctx.resolve_pronoun(sentence_subject, last)
        return (person.name, person.role) if person else (None, None)
    if last in {"it", "they"}:  # "It said ...": the entity or group named before
        return ctx.referents.get(last), None
    chunks = [c.strip() for c in re.split(r"[,;:]", " ".join(words))]  # "Later: the mayor"
    chunks = [c for c in chunks if c]
    role_chunk = None
    while chunks:
        chunk = chunks.pop()
        first = chunk.split()[0]
        if first.lower() in {"who", "which", "whose", "whom", "where", "when", "while"}:
            continue
        role_first = _role_then_name(chunk)  # "deputy mayor Tom Okafor"
        if first[0].islower() and first.lower() not in DETERMINERS | {"and"} and not role_first:
            # "spokesman of the Iranian foreign ministry": a role after the name
            role_chunk = role_chunk or chunk
            continue
        if first == "The" and is_name_chunk(chunk):  # "The Budget Review Office, the ..."
            return chunk, clean_role(role_chunk) if role_chunk else None
        if first.lower() in DETERMINERS and not role_first:
            if chunks and is_name_chunk(chunks[-1]) and role_chunk is None:
                # "Jane Smith, an economist at the bank": a role after the name
                role_chunk = chunk
                continue
            # "the Iranian president", "the mayor": a role mention
            person = people.by_role(chunk)
            if person:
                return person.name, person.role
            if len(chunk.split()) <= 6:
                return chunk, None
            continue
        runs = name_runs(chunk)
        if not runs:
            continue
        cwords = chunk.split()
        if _group_mention(cwords, runs):
            # "Climate researchers", "Iranian officials", "Spain’s environment ministry"
            person = people.by_role(chunk)
            return (person.name, person.role) if person else (chunk, None)
        # The name right before the verb, else the one the clause starts with.
        start, run = runs[-1]
        if start + len(run) != len(cwords) and runs[0][0] == 0:
            start, run = runs[0]
            if len(run) == 1 and len(runs) > 1 and is_description(cwords[: runs[1][0]]):
                start, run = runs[1]  # "Civil society group Vote Watch called on ... and"
        role, name = split_title(run)
        if role is None and role_chunk is None:
            # "the ministry's spokeswoman Lena Ortiz"; "Deputy mayor Tom Okafor";
            # "the ministry's spokeswoman, Lena Ortiz"; "Environmental group Ríos Vivos"
            prefix = " ".join(cwords[:start])
            if is_description(cwords[:start]):
                role = prefix  # "Digital affairs minister", "Environmental group"
            elif role_first and looks_like_role(prefix):
                role = clean_role(prefix)
            else:
                role = role_before(cwords, start)
            if role is None and start == 0 and chunks and looks_like_role(chunks[-1]):
                role = clean_role(chunks[-1])
        person = people.by_name(name)
        if person:
            return person.name, role or (clean_role(role_chunk) if role_chunk else person.role)
        return name, role or (clean_role(role_chunk) if role_chunk else None)
    return None, None


def _group_mention(words: list[str], runs: list[tuple[int, list[str]]]) -> bool:
    """ "Climate researchers", "Iranian officials": one capitalised word, then a few
    lower-case ones, and nothing else before the verb."""
    return (
        len(runs) == 1
        and runs[0][0] == 0
        and len(runs[0][1]) == 1
        and 2 <= len(words) <= 5
        and all(w[0].islower() and not verbish(w) for w in words[1:])
    )


def _role_then_name(chunk: str) -> bool:
    """Is the chunk a role followed by a name ("the ministry's spokeswoman Lena Ortiz")?"""
    runs = name_runs(chunk)
    if not runs:
        return False
    start, run = runs[-1]
    words = chunk.split()
    if start == 0 or start + len(run) != len(words) or len(run) < 2:
        return False
    if re.sub(r"[’']s$", "", words[start - 1].lower()) not in ROLE_HEADS | TITLE_WORDS:
        return False  # "a spokesman for the Lorst Monitoring Mission": no name of a person
    return looks_like_role(" ".join(words[:start])) or (
        (role_before(words, start) or "").count(" ") + 1 == start
    )

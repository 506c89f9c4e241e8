"""The people an article names: collected once per article with the roles the text gives
them, and found again by full name, surname or role mention ("the Iranian president").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from factcheck.text.names import (
    DETERMINERS,
    VERB_ALTERNATION,
    clean_role,
    describes_group,
    implied_pronoun,
    is_description,
    is_name_chunk,
    looks_like_person,
    looks_like_role,
    name_runs,
    role_before,
    split_title,
)
from factcheck.text.segment import Span

_OPEN_QUOTES = '“"‘'


@dataclass
class Person:
    """Someone the article names, with the role it gives them (or a group named like one)."""

    name: str
    role: str | None = None
    spoke: bool = False  # has made a claim in the body

    @property
    def is_organisation(self) -> bool:
        """Learnt as a person, described as a group: "Civil society group Vote Watch"."""
        return describes_group(self.role)

    def refers_as(self) -> str | None:
        """The pronoun the role implies. A he/she the text resolves to someone is not
        remembered: one wrong guess would block every right one after it."""
        return implied_pronoun(self.role)


@dataclass
class People:
    """People named in an article, findable by full name, surname or role."""

    people: list[Person] = field(default_factory=list)

    def add(self, name: str, role: str | None) -> Person:
        for person in self.people:
            if person.name == name:
                if role and not person.role:
                    person.role = role
                return person
        person = Person(name, role)
        self.people.append(person)
        return person

    def by_name(self, mention: str) -> Person | None:
        """Match a full name or a surname (any case: "Al-Sudani" finds "al-Sudani")."""
        key = mention.lower()
        for person in self.people:
            if person.name.lower() == key:
                return person
        for person in self.people:
            if person.name.lower().split()[-1] == key and len(person.name.split()) > 1:
                return person
        return None

    def by_role(self, mention: str) -> Person | None:
        """Match "the Iranian president" to the person introduced as "Iranian President ..."."""
        words = [w for w in mention.lower().split() if w not in DETERMINERS]
        if not words:
            return None
        for person in reversed(self.people):
            if not person.role:
                continue
            role = person.role.lower().split()
            head = re.split(r"\s+(?:of|at|for|in|from|with)\s+", person.role.lower())[0].split()
            # the same head noun: "the union" is not the "Metalworkers' union leader"
            if all(w in role for w in words) and head and head[-1] == words[-1]:
                return person
        return None


def _role_prefix(words: list[str], start: int) -> str | None:
    """The role before a name at a sentence's or clause's start ("Digital affairs minister
    Petra Lund"), else the title words right before it ("... deputy mayor Tom Okafor")."""
    clause = start
    while clause > 0 and not words[clause - 1].endswith((",", ";", ":")):
        clause -= 1
    if is_description(words[clause:start]):
        return " ".join(words[clause:start])
    return role_before(words, start)


_NAME_WORDS = (
    r"(?:[A-Z][\w'’-]+|(?:al|el)-[A-Z][\w'’-]+)(?:\s+(?:[A-Z][\w'’-]+|(?:al|el)-[A-Z][\w'’-]+))+"
)


def build_people(spans: Sequence[Span]) -> People:
    """Collect the people an article names, with their roles where stated."""
    people = People()
    for span in spans:
        text = span.text
        for start, words in name_runs(text):
            if len(words) < 2:
                continue
            role, name = split_title(words)
            if len(name.split()) >= 2 or (role and name):
                people.add(name, role or _role_prefix(text.split(), start))
        # Appositives: "Esmaeil Baghaei, spokesman of the Iranian foreign ministry" (not
        # "Zodwa Mkhize, said on Wednesday that ...")
        for match in re.finditer(
            "("
            + _NAME_WORDS
            + r"),\s+(?!(?:which|who|whose|where|when|"
            + VERB_ALTERNATION
            + r")\b)"
            r"((?:an?\s+|the\s+)?[a-z][\w\s'’-]*?(?:of|at|for|in)\s+[^,]+?)(?=,|\s+(?:"
            + VERB_ALTERNATION
            + r")\b)",
            text,
        ):
            people.add(match.group(1), clean_role(match.group(2)))
        # A role before the name: "the ministry's spokeswoman, Lena Ortiz, said"
        for match in re.finditer(
            r"(?P<role>(?<![\w’'])(?:the|a|an|its|his|her|their)\s+[^,.;:“”\"]{1,60}?),\s+"
            r"(?P<name>" + _NAME_WORDS + r")(?=[,.]|\s+(?:" + VERB_ALTERNATION + r")\b)",
            text,
            re.IGNORECASE,
        ):
            if looks_like_role(match.group("role")) and is_name_chunk(match.group("name")):
                people.add(match.group("name"), clean_role(match.group("role")))
    return people


def subject_of(text: str, people: People) -> Person | None:
    """The person a sentence opens with, e.g. "Araghchi traveled to ...", if any."""
    body = text.lstrip(_OPEN_QUOTES + " ")
    runs = name_runs(body)
    if not runs or runs[0][0] != 0:
        return None
    run, described = runs[0][1], None
    if len(run) == 1 and len(runs) > 1 and is_description(body.split()[: runs[1][0]]):
        # "County health executive Peter Otieno rejected ..."
        run, described = runs[1][1], " ".join(body.split()[: runs[1][0]]).rstrip(",;:")
    role, name = split_title(run)
    person = people.by_name(name)
    if person is None and (looks_like_person(run) or described):
        person = people.add(name, role or described)
    elif person is not None and not person.role:
        person.role = role or described
    return person

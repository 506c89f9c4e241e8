"""Reporting clauses: find in one sentence the claim, who made it and the reporting verb,
in the patterns of news English ("X said that ...", "“...,” said X", "“...,” the
ministry's spokeswoman, X, said", "according to X", "..., the minister said on Monday").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from factcheck.text.names import (
    VERB_ALTERNATION,
    clean_role,
    is_name_chunk,
    looks_like_role,
    split_title,
    verbish,
)
from factcheck.text.people import People, Person
from factcheck.text.speakers import PRONOUNS, Discourse, subject_from
from factcheck.text.standalone import split_frame

_VERB_RE = re.compile(r"(?<![\w-])(" + VERB_ALTERNATION + r")(?![\w-])")
# A clause after a reporting verb has one of these; a mere setting ("on Monday") has not.
_CLAUSE_WORDS = frozenset(
    "is are was were has have had will would can could may might must should shall do does "
    "did that".split()
)
_SETTING_STARTS = frozenset(
    "in on at during via late earlier after monday tuesday wednesday thursday friday saturday "
    "sunday yesterday today".split()
)

# A speaker after a quote: no comma or full stop, except in "Dr. Faith Kimani".
_WHO = (
    r"(?P<who>(?:[^,.]|(?<=\b(?:Dr|Mr|Ms|St|Jr))\.|(?<=\b(?:Mrs|Sen|Gov|Gen|Rep))\.|"
    r"(?<=\bProf)\.){1,80}?)"
)
_NOT_AN_ABBREVIATION = "".join(
    rf"(?<!\b{a})"
    for a in ("Dr", "Mr", "Ms", "St", "Jr", "Mrs", "Sen", "Gov", "Gen", "Rep", "Prof")
)
_QUOTE = r"^\s*[“\"](?P<quote>.+)[,.!?]?[”\"]\s*,?\s*"
_QUOTE_THEN_SPEAKER = re.compile(
    _QUOTE + _WHO + r"\s+(?P<verb>" + VERB_ALTERNATION + r")\b(?P<rest>.*)$",
    re.DOTALL,
)
_QUOTE_THEN_VERB_SPEAKER = re.compile(
    _QUOTE + r"(?P<verb>said|says|added|wrote)\s+" + _WHO + _NOT_AN_ABBREVIATION + r"\s*[.,]",
    re.DOTALL,
)
# “…,” the ministry's spokeswoman, Lena Ortiz, said / “…,” said the ministry's ..., Lena Ortiz.
_QUOTE_THEN_ROLE_NAME = re.compile(
    _QUOTE
    + r"(?P<role>[^,.“”\"]{2,80}?),\s*"
    + _WHO
    + r",?\s+(?P<verb>"
    + VERB_ALTERNATION
    + r")\b(?P<rest>.*)$",
    re.DOTALL,
)
_QUOTE_THEN_VERB_ROLE_NAME = re.compile(
    _QUOTE
    + r"(?P<verb>said|says|added|wrote)\s+(?P<role>[^,.“”\"]{2,80}?),\s*"
    + _WHO
    + _NOT_AN_ABBREVIATION
    + r"\s*(?P<rest>[.,].*)?$",
    re.DOTALL,
)
# "The decision was unanimous, Governor Ruth Wanjiku told a news conference." and
# "The plan, he said on Monday, would fail."
_SAID = (
    r"said|says|told|tells|added|adds|reported|reports|stated|states|claimed|claims|insisted|"
    r"insists|warned|warns|noted|notes|estimated|estimates|confirmed|confirms|wrote|writes|"
    r"argued|argues|alleged|alleges|announced|announces|explained|explains|acknowledged|"
    r"predicted|tweeted"
)
_CLAIM_THEN_SPEAKER = re.compile(
    r"^(?P<claim>[^“”\"]+?),\s+(?P<who>[^,“”\"]{1,80}?)\s+(?P<verb>"
    + _SAID
    + r")\b(?P<rest>[^,.;:“”\"]*)[.!?]?\s*$",
    re.DOTALL,
)
_SPEAKER_INSIDE = re.compile(
    r"^(?P<a>[^“”\"]+?),\s+(?P<who>[^,“”\"]{1,60}?)\s+(?P<verb>said|says|added|argued|insisted|"
    r"claimed|noted|warned|stressed|told reporters)\b(?P<rest>[^,“”\"]{0,40}),\s+(?P<b>[^“”\"]+)$",
    re.DOTALL,
)
# "“…,” said Amina Odhiambo, chief economist at Lakeview Capital."
_ROLE_AFTER = re.compile(
    r"^\s*,\s*(?P<role>(?!(?:who|which|whose|where|whom|that|when)\b)(?:an?\s+|the\s+)?[a-z]"
    r"[^“”\"]{1,120}?)\s*\.?\s*$"
)
_ACCORDING_START = re.compile(r"^\s*According to (?P<who>[^,]{1,120}),\s*(?P<claim>.+)$", re.DOTALL)
_ACCORDING_END = re.compile(
    r"^(?P<claim>.+?),\s*according to (?P<who>[^,]{1,120}(?:,[^,]{1,120})?)\.?\s*$", re.DOTALL
)


def _resolve_named(
    who: str, people: People, ctx: Discourse, sentence_subject: Person | None
) -> tuple[str | None, str | None]:
    return subject_from(who, people, ctx, sentence_subject)


@dataclass(frozen=True)
class Found:
    """One sentence's attribution before its claim is made to stand alone."""

    claim: str
    claimant: str
    role: str | None
    verb: str
    pre: str = ""  # the frame before the claim (or the speaker after a quote)
    tail: str = ""  # the frame right after the verb ("on Monday that", "he said on Monday")


def _frame_only(rest: str, verb: str) -> bool:
    """Is what follows the verb only its setting ("on Monday", "a news conference in
    Nairobi", "in a statement"), with no clause of its own?"""
    words = [w.lower().strip(",.") for w in rest.split()]
    if not words:
        return True
    if len(words) > 10 or set(words) & _CLAUSE_WORDS:
        return False
    return words[0] in _SETTING_STARTS or verb in {"told", "tells", "tell"}


def _claim_then_speaker(
    text: str, people: People, ctx: Discourse, subject: Person | None
) -> Found | None:
    """ "Taxes rose, the minister said on Monday." and "Taxes, he said, rose." """
    for pattern in (_CLAIM_THEN_SPEAKER, _SPEAKER_INSIDE):
        match = pattern.match(text)
        if not match or not _frame_only(match.group("rest"), match.group("verb")):
            continue
        who = match.group("who")
        claimant, role = _resolve_named(who, people, ctx, subject)
        plain = who.lower() not in PRONOUNS | {"it", "they", "we", "i", "you"}
        if (
            claimant is None
            and plain
            and len(who.split()) <= 5
            and not any(map(verbish, who.split()))
        ):
            claimant = who.strip()  # "regional emergency services", "prosecutors"
        if claimant is None:
            continue
        groups = match.groupdict()
        claim = groups.get("claim")
        if claim is None:  # "Taxes, he said, rose." (but not "..., he said, blaming ...")
            after = groups["b"]
            claim = groups["a"] if after.split()[0].endswith("ing") else f"{groups['a']} {after}"
        if len(claim.split()) < 3:
            continue
        return Found(claim, claimant, role, match.group("verb"), who, match.group("rest"))
    return None


def attribute_sentence(
    text: str, people: People, ctx: Discourse, subject: Person | None
) -> Found | None:
    for pattern in (_QUOTE_THEN_ROLE_NAME, _QUOTE_THEN_VERB_ROLE_NAME):
        match = pattern.match(text)
        if (
            match
            and match.group("quote").count("”") <= match.group("quote").count("“")
            and looks_like_role(match.group("role"))
            and is_name_chunk(match.group("who"))
        ):
            name = split_title(match.group("who").split())[1]  # "Dr. Elsa Brandt"
            person = people.by_name(name)
            name = person.name if person else name
            role = clean_role(match.group("role"))
            rest = match.group("rest") or ""
            return Found(match.group("quote"), name, role, match.group("verb"), name, rest)
    for pattern in (_QUOTE_THEN_VERB_SPEAKER, _QUOTE_THEN_SPEAKER):
        match = pattern.match(text)
        if match and match.group("quote").count("”") <= match.group("quote").count("“"):
            claimant, role = _resolve_named(match.group("who"), people, ctx, subject)
            if claimant:
                rest = match.groupdict().get("rest") or text[match.end() :]
                after = _ROLE_AFTER.match(text[match.end("who") :])
                if after and not verbish(after.group("role").split()[0]):
                    role = clean_role(after.group("role"))  # "said Jane Doe, an economist"
                    rest = ""
                verb = match.group("verb")
                return Found(match.group("quote"), claimant, role, verb, match.group("who"), rest)
    for pattern in (_ACCORDING_START, _ACCORDING_END):
        match = pattern.match(text)
        if match:
            who = match.group("who")
            claimant, role = _resolve_named(who, people, ctx, subject)
            return Found(match.group("claim"), claimant or who.strip(), role, "according to", who)
    found = _claim_then_speaker(text, people, ctx, subject)
    if found:
        return found
    for match in _VERB_RE.finditer(text):
        pre = text[: match.start()]
        if not pre.strip() or pre.count("“") > pre.count("”"):
            continue  # no subject, or the verb sits inside a quotation
        claimant, role = subject_from(pre, people, ctx, subject)
        if not claimant:
            continue
        frame, claim = split_frame(text[match.end() :], match.group(1))
        quote = re.match(r"^\s*[“\"](.+?)[”\"]", pre)
        if quote and not frame and _frame_only(claim.rstrip(". "), match.group(1)):
            # “…,” the ministry's chief, Dr. Elsa Brandt, told a news conference.
            return Found(quote.group(1), claimant, role, match.group(1), pre, claim)
        if len(claim.split()) < 3:
            continue
        return Found(claim, claimant, role, match.group(1), pre, frame)
    return None

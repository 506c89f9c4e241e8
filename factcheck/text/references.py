"""What a claim's words point back to: the Context attribution knows of a sentence,
what a claim-initial "it", "its", "they", "he" or "she" stands for, and "his country".

Pure functions over explicit inputs; standalone wording (factcheck.text.standalone)
applies resolve_references to the claim text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from factcheck.text.entities import (
    NAME_RE,
    bare_word,
    countries_in,
    head_word,
    is_entity,
    organisations_in,
)
from factcheck.text.wordlists import word_set

_PERSON_WORDS = word_set("person_words")
# Finite verbs: one ends a sentence's subject; a reporting frame has none.
FINITE_VERBS = frozenset(
    """
    is are was were has have had will would can could may might must should shall do does
    did
    """.split()
)


@dataclass(frozen=True)
class Context:
    """What a claim's words may point back to; every field is optional.

    speaker: who made the claim (a person's name, or an entity such as "Iran" or "the
    health ministry"), or for a sentence nobody is said to claim, the person it opens with.
    speaker_is_person: whether speaker is a person (then "it" is never the speaker).
    speaker_country: the speaker's country, for "his country" / "her country".
    attributed: the claim is someone's statement (then "our country" is theirs too).
    he, she: the person a claim-initial "he" / "she" stands for, when attribution knows.
    frame: the sentence's words outside the claim (the reporting frame).
    previous: the previous body sentence's claim, already standalone.
    previous_text: the previous body sentence as written.
    previous_speaker: who made the previous body sentence's claim, unless a person.
    persons: the people the article names; "it" and "they" never stand for them.
    subject_first: the claim opens with its subject; not after "accused" or "urged", where
    it opens with their object ("accused it of ..."), which is left as written.
    """

    speaker: str | None = None
    speaker_is_person: bool = True
    speaker_country: str | None = None
    attributed: bool = False
    he: str | None = None
    she: str | None = None
    frame: str = ""
    previous: str | None = None
    previous_text: str | None = None
    previous_speaker: str | None = None
    persons: frozenset[str] = frozenset()
    subject_first: bool = True


_SUBJECT_END = re.compile(
    r"\s+(?:" + "|".join(FINITE_VERBS) + r"|\w+ed|said|says|told|made|took|gave|won|lost|left|"
    r"fell|rose|sent|met|kept|began|ran|saw|came|went|got|held|led|paid|struck|shot|hit)\b"
)
_NO_ANTECEDENT = frozenset(
    "it they he she we i you there this his her its their our my your".split()
)


def subject_phrase(sentence: str) -> str | None:
    """The noun phrase a sentence opens with, up to its verb ("The wall would ..." -> "The
    wall"), or None when the sentence does not open with one."""
    text = sentence.strip().lstrip('“"')
    for match in _SUBJECT_END.finditer(text):
        phrase = text[: match.start()].strip()
        words = phrase.split()
        if not words or len(words) > 12 or re.search(r"[,;:“”\"()\[\]]", phrase):
            return None
        if len(words) == 1 and words[0].lower() in {"the", "a", "an", "this", "these", "those"}:
            continue  # "The armed groups": "armed" is not the verb
        if words[0].lower() in _NO_ANTECEDENT:
            return None  # a pronoun, or "Her government": itself unresolved
        return phrase
    return None


def _is_plural(phrase: str) -> bool:
    """ "The groups leading ...", "Hamas and Israel", "Protesters": a plural noun phrase."""
    if re.search(r"\band\b", phrase) and NAME_RE.match(phrase):
        return True
    if is_entity(phrase) and not re.search(r"\band\b", phrase):
        return False
    head = head_word(phrase).strip("’'")
    if head in {"people", "police", "children", "men", "women"}:
        return True
    singular = head.endswith(("ss", "us", "is")) or head in {"news", "series", "species"}
    return head.endswith("s") and not singular


def _names_a_person(phrase: str, persons: frozenset[str]) -> bool:
    """ "Mayor Elena Ruiz", "Ruiz", "the minister" name people; "The Federal Reserve" (a
    name after "the") and "the wall" do not."""
    if any(bare_word(w) in _PERSON_WORDS for w in phrase.split()):
        return True
    if re.match(r"^(?:the|a|an)\s+", phrase, flags=re.IGNORECASE):
        return False
    return any(phrase in (name, name.split()[-1]) for name in persons)


def _definite(phrase: str) -> str:
    """ "A bomb" -> "the bomb"; "The wall" -> "the wall"; names keep their case."""
    phrase = re.sub(r"^(?:A|An|a|an)\s+", "the ", phrase)
    return re.sub(r"^The\s+", "the ", phrase)


_EXPLETIVE = re.compile(
    r"^it\s+(?:(?:is|was|has been|had been|will be|would be|may be|might be|could be|"
    r"remains|remained|became|becomes|'s|’s)"
    r"(?:\s+(?:not|still|also|now|very|so|too|increasingly|becoming|far|all|just|quite|"
    r"less|more|entirely|getting))*\s+(?:(?:a|an|the)\s+)?(?P<word>[\w-]+)"
    r"|(?:seems|seemed|appears|appeared|remains to be seen|remained to be seen|rained|rains|"
    r"snowed|snows|"
    r"takes|took|turns out|turned out|happens|happened|emerged|follows)\b)",
    re.IGNORECASE,
)
_EXPLETIVE_WORDS = word_set("expletive_words")


def _expletive(claim: str) -> bool:
    """ "It is unclear whether ...", "It is raining": an "it" that stands for nothing."""
    match = _EXPLETIVE.match(claim)
    if not match:
        return False
    word = match.group("word")
    return word is None or word.lower() in _EXPLETIVE_WORDS


def it_referent(ctx: Context) -> str | None:
    """What a claim-initial "it" stands for, in this order: an entity that made the claim
    ("Iran said it ..."); the last country, else organisation, the frame names other than
    the speaker's own ("Talking about Turkey’s role, Baghaei insisted that it ..."); the
    entity that made the previous claim ("The Fed said ... It added ..."); the singular
    subject of the previous sentence ("A bomb exploded. It killed ..."); the one country
    the previous sentence names."""
    if ctx.speaker and not ctx.speaker_is_person and ctx.attributed:
        # an organisation, a definite "the company" or a name ("Hidrosur"), never a plural
        named = re.fullmatch(r"(?i:the)\s.+|" + NAME_RE.pattern, ctx.speaker)
        if is_entity(ctx.speaker) or (named and not _is_plural(ctx.speaker)):
            return _definite(ctx.speaker)
    own = ctx.speaker_country
    frame_countries = [c for _, c in countries_in(ctx.frame) if c != own]
    if frame_countries:
        return frame_countries[-1]
    frame_orgs = [o for _, o in organisations_in(ctx.frame) if o != ctx.speaker]
    if frame_orgs:
        return frame_orgs[-1]
    if ctx.previous_speaker and is_entity(ctx.previous_speaker):
        return _definite(ctx.previous_speaker)
    if ctx.previous:
        phrase = subject_phrase(ctx.previous)
        if phrase and not _is_plural(phrase) and not _names_a_person(phrase, ctx.persons):
            return _definite(phrase)
    if ctx.previous_text:
        # Only a country, and only when the previous sentence names exactly one: "Kenya and
        # Uganda" is a guess, and "an economist at the University of Velden" no antecedent.
        named = {c for _, c in countries_in(ctx.previous_text) if c != own}
        if len(named) == 1:
            return named.pop()
    return None


_NAMED_AS = re.compile(
    r"\b(?:are|were|is|was)\s+(?:\w+\s+)?(?:organi[sz]ed|known|grouped|united|gathered)\s+as\s+"
    r"(?P<name>" + NAME_RE.pattern + r")"
)


def they_referent(ctx: Context) -> str | None:
    """What a claim-initial "they" stands for: a plural claimant ("Officials said they
    ..."), else the plural group that made the previous claim ("Critics said ... They
    ..."), else the plural subject of the previous sentence, by its name when that sentence
    gives one ("The groups ... are organized as Hayat Tahrir al-Sham")."""
    if ctx.speaker and not ctx.speaker_is_person and ctx.attributed and _is_plural(ctx.speaker):
        return _definite(ctx.speaker)
    if ctx.previous_speaker and _is_plural(ctx.previous_speaker):
        return _definite(ctx.previous_speaker)
    if ctx.previous:
        phrase = subject_phrase(ctx.previous)
        if phrase and _is_plural(phrase):  # "Smith and Jones", "the ministers": people too
            named = _NAMED_AS.search(ctx.previous)
            if named:
                return named.group("name")
            return _definite(phrase)
    return None


def _possessive(name: str, text: str) -> str:
    """ "Iran’s" (with the apostrophe the text uses), "the Philippines’"."""
    mark = "’" if "’" in text else "'"
    return name + mark if name.endswith("s") else name + mark + "s"


def resolve_references(claim: str, ctx: Context) -> str:
    """Replace claim-initial it/its/they/he/she and "his country" with what they stand for."""
    country = ctx.speaker_country
    if country:
        pattern = r"\b(?:his|her)(?:\s+own)?\s+(?:country|nation)(?P<pos>[’']s)?\b"
        if ctx.attributed:
            owners = "his|her|our" if ctx.speaker_is_person else "his|her|our|their|its"
            pattern = pattern.replace("(?:his|her)", f"(?:{owners})")

        def country_name(match: re.Match[str], text: str = claim) -> str:
            return _possessive(country, text) if match.group("pos") else country

        claim = re.sub(pattern, country_name, claim, flags=re.IGNORECASE)

    first = re.match(r"^(?P<q>[“\"]?)(?P<word>[A-Za-z]+)\b", claim)
    if not first or not ctx.subject_first:
        return claim
    word = first.group("word").lower()
    rest = claim[first.end() :]
    lead = first.group("q")
    referent = None
    if word == "it" and not _expletive(claim[len(lead) :]):
        referent = it_referent(ctx)
    elif word == "its":
        referent = it_referent(ctx)
        if referent:
            referent = _possessive(referent, claim + ctx.frame)
    elif word == "they":
        referent = they_referent(ctx)
    elif word == "he":
        referent = ctx.he
    elif word == "she":
        referent = ctx.she
    if not referent:
        return claim
    return lead + referent[0].upper() + referent[1:] + rest

"""Who claimed what: find the claimant, role, reporting verb, date and the bare claim.

Rule-based, for news English: reported speech ("X claimed that ...", "X called for ..."),
"according to X", quotes followed by "X said" or "the ministry's spokeswoman, X, said",
appositive roles ("Esmaeil Baghaei, spokesman of ..."), titles ("Iranian Foreign Minister
Abbas Araghchi", "Deputy mayor Tom Okafor"), surnames and role mentions ("the Iranian
president") resolved against the people named in the article, and he/she resolved to the
last speaker or subject in the paragraph. Transcripts give the speaker directly. The
claim text is then made to stand alone (factcheck.text.standalone). Structural text
(headlines, captions) may name people but never sets the speaker for the body.
Fact-checkers correct what this gets wrong.

This module walks an article sentence by sentence and keeps what earlier sentences said;
the parts are factcheck.text.names (name and role words), people (the people an article
names), speakers (who the words before a reporting verb name) and reporting (the
reporting-clause patterns of one sentence).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from factcheck.text.entities import country_of, is_entity
from factcheck.text.names import (
    DETERMINERS,
    ROLE_HEADS,
    describes_group,
    implied_pronoun,
    looks_like_person,
    name_runs,
    split_title,
)
from factcheck.text.people import People, Person, build_people, subject_of
from factcheck.text.references import Context, it_referent, they_referent
from factcheck.text.reporting import Found, attribute_sentence
from factcheck.text.segment import Span
from factcheck.text.speakers import Discourse, frame_pronoun
from factcheck.text.standalone import standalone
from factcheck.text.timewords import statement_date

_HEDGES = re.compile(
    r"\b(allegedly|reportedly|purportedly|supposedly|apparently|rumou?red|unconfirmed|"
    r"is said to|are said to|is believed to|are believed to|may have|might have|"
    r"according to unnamed|sources say)\b",
    re.IGNORECASE,
)

# Verbs whose claim opens with an object: "accused it of ...", "urged them to ...".
_OBJECT_FIRST = {"accused", "accuses", "urged", "urges", "denied", "denies"}
# Verbs whose claim does not stand alone without them; the claim keeps claimant and verb.
_KEEP_FRAME = _OBJECT_FIRST | {"called for", "calls for", "call for"}


@dataclass(frozen=True)
class Attribution:
    """What a sentence asserts and who asserted it."""

    claim: str
    claimant: str | None = None
    claimant_role: str | None = None
    reporting_verb: str | None = None
    hedged: bool = False
    # The day the statement was made, when the text says (see timewords.statement_date).
    claimed_on: date | None = None


def attribute(spans: Sequence[Span], *, published_on: date | None = None) -> list[Attribution]:
    """Attribute every sentence of one text, in order.

    published_on (the article's date) resolves "on Monday", "yesterday" and dates without
    a year to claimed_on. Structural spans (kind other than "body": headline, caption, ...)
    may name people but never become the speaker, subject or previous sentence the body
    looks back to, and keep a claimant only when no body sentence has one.
    """
    people = build_people(spans)
    ctx = Discourse(people)
    results: list[Attribution] = []
    unclaimed: dict[int, Attribution] = {}  # structural spans' attribution without claimant
    previous: dict = {}  # the last body sentence's claim, text and non-person claimant
    last_said: tuple[str, date | None] | None = None  # the last body claimant and date
    for index, span in enumerate(spans):
        body = span.kind == "body"
        if body:
            ctx.enter(span.paragraph)
        text = span.text
        hedged = bool(_HEDGES.search(text))
        subject = subject_of(text, people)
        base = {
            **previous,
            "persons": frozenset(
                p.name for p in people.people if not (is_entity(p.name) or p.is_organisation)
            ),
        }
        unattributed = _unattributed_context(subject, ctx, people, base)
        ctx.referents = {"it": it_referent(unattributed), "they": they_referent(unattributed)}
        plain = Attribution(standalone(text, unattributed), hedged=hedged)
        if span.speaker:  # a transcript turn: the speaker says the whole sentence
            claim = standalone(text, Context(speaker=span.speaker, attributed=True, **base))
            result = Attribution(claim, span.speaker, None, None, hedged)
        elif (found := attribute_sentence(text, people, ctx, subject)) is None:
            result = plain
        else:
            said_before = last_said if body else None
            result = _attributed(found, hedged, people, base, published_on, said_before)
            if body:
                last_said = (found.claimant, result.claimed_on)
                if _is_person(found.claimant, people):  # "Critics said" is no "he"
                    ctx.speaker = people.by_name(found.claimant) or people.add(
                        found.claimant, found.role
                    )
                    ctx.speaker.spoke = True
        if result.claimant and not body:
            unclaimed[index] = plain
        results.append(result)
        if body:
            if subject:
                ctx.subject = subject
            speaker = None if span.speaker else result.claimant  # a transcript's is a person
            previous = {
                "previous": result.claim,
                "previous_text": text,
                "previous_speaker": None if _is_person(speaker or "", people) else speaker,
            }
    if any(r.claimant for r, s in zip(results, spans, strict=True) if s.kind == "body"):
        results = [unclaimed.get(i, r) for i, r in enumerate(results)]
    return results


def _attributed(
    found: Found,
    hedged: bool,
    people: People,
    base: dict,
    published_on: date | None,
    last_said: tuple[str, date | None] | None,
) -> Attribution:
    """Finish an attributed sentence: its standalone claim and the day it was made."""
    person = None if is_entity(found.claimant) else people.by_name(found.claimant)
    if person and person.is_organisation or describes_group(found.role):
        person = None  # "Environmental group Ríos Vivos": its "it" is itself
        base = {**base, "persons": base["persons"] - {found.claimant}}
    pronoun = frame_pronoun(found.pre)
    text = found.claim
    if found.verb in _KEEP_FRAME:
        # "accused the mayor of hiding ..." or "called for a recount": without its verb and
        # claimant the claim is a fragment, so it keeps them ("Tom Okafor accused ...").
        text = f"{found.claimant} {found.verb} {found.claim}"
    claim = standalone(text, _claim_context(found, person, pronoun, base))
    claimed_on = statement_date(found.tail, published_on) or statement_date(found.pre, published_on)
    if claimed_on is None and last_said and last_said[0] == found.claimant:
        claimed_on = last_said[1]  # the same speaker again: the same occasion
    return Attribution(claim, found.claimant, found.role, found.verb, hedged, claimed_on)


def _unattributed_context(
    subject: Person | None, ctx: Discourse, people: People, base: dict
) -> Context:
    """What a sentence nobody is said to claim may point back to. Its "He" is the first
    person the previous sentence names ("Prosecutors said Mthembu faces 15 years. He
    remains free"; "The regional president, Helena Duarte, visited ... She pledged"), or
    when it names none, the speaker it quoted; never one the text calls "she"."""
    named = []
    for _, run in name_runs(base.get("previous_text") or ""):
        person = people.by_name(split_title(run)[1])
        known = person and (person.spoke or person.role) and not person.is_organisation
        if known and person not in named:  # not every capitalised pair is a person
            named.append(person)
    if not named and ctx.speaker and base.get("previous_speaker") is None:
        named = [ctx.speaker]
    he = next((p.name for p in named if p.refers_as() in (None, "he")), None)
    she = next((p.name for p in named if p.refers_as() in (None, "she")), None)
    return Context(
        speaker=subject.name if subject else None,
        speaker_country=country_of(subject.role) if subject else None,
        he=he,
        she=she,
        **base,
    )


def _is_person(claimant: str, people: People) -> bool:
    """A named or titled person ("Ana Gomez", "the minister"), not "Iran", "Critics" or
    "Iranian officials"."""
    if is_entity(claimant):
        return False
    person = people.by_name(claimant)
    if person is not None:
        return not person.is_organisation
    words = claimant.split()
    common = [w for w in words if w[:1].islower() and w.lower() not in DETERMINERS]
    if common:
        return any(w.lower() in ROLE_HEADS for w in common)
    return looks_like_person(words)


def _claim_context(found: Found, person: Person | None, pronoun: str | None, base: dict) -> Context:
    """What an attributed claim may point back to: its speaker and the frame around it."""
    claimant = found.claimant
    role = found.role or (person.role if person else None)
    is_person = person is not None or (_is_person(claimant, People()) and not describes_group(role))
    said = person.refers_as() if person else implied_pronoun(claimant)  # "the spokesman"
    name = person.name if person else claimant
    return Context(
        speaker=claimant,
        speaker_is_person=is_person,
        speaker_country=country_of(role) or country_of(claimant),
        attributed=True,
        he=name if is_person and "he" in (said, pronoun) else None,
        she=name if is_person and "she" in (said, pronoun) else None,
        frame=f"{found.pre} {found.tail}",
        subject_first=found.verb not in _OBJECT_FIRST,
        **base,
    )

"""What a verdict form holds, cleaned and checked: limits, addresses, evidence, and what
a revision needs before it is submitted. No database reads: the caller passes the ratings
a verdict may use."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlsplit

from factcheck.claims.models import CLAIM_TYPES
from factcheck.errors import InvalidInput
from factcheck.sources.fetch import lower_scheme
from factcheck.verdicts.models import SUMMARY_MAX, Rating, VerdictRevision

CLAIM_TEXT_MAX = 5000
EXPLANATION_MAX = 100_000
NAME_MAX = 200
URL_MAX = 2048
TITLE_MAX = 500
PUBLISHER_MAX = 200
NOTE_MAX = 5000
EVIDENCE_MAX = 50


@dataclass(frozen=True)
class EvidenceInput:
    url: str
    title: str | None = None
    publisher: str | None = None
    accessed_on: date | None = None
    note: str | None = None


@dataclass(frozen=True)
class VerdictInput:
    """What a verdict form holds; cleaned and checked by clean_verdict()."""

    claim_text: str
    rating_id: int | None = None
    summary: str | None = None
    explanation: str = ""
    claimant_name: str | None = None
    claimant_role: str | None = None
    claimed_on: date | None = None
    claim_type: str | None = None
    evidence: Sequence[EvidenceInput] = field(default_factory=tuple)


def clean_text(value: str | None, limit: int, label: str, *, required: bool = False) -> str | None:
    """Return the text stripped (a short one also with its spaces collapsed), or None when
    empty; raise InvalidInput when it is required and empty, or longer than `limit`."""
    value = " ".join((value or "").split()) if limit <= NAME_MAX else (value or "").strip()
    if not value:
        if required:
            raise InvalidInput(f"Enter the {label}.")
        return None
    if len(value) > limit:
        raise InvalidInput(f"The {label} is {len(value)} characters; the limit is {limit}.")
    return value


def check_url(url: str) -> str:
    """Return the URL if it is an absolute http(s) address, else raise InvalidInput."""
    url = (url or "").strip()
    if len(url) > URL_MAX:
        raise InvalidInput(f"A source address is longer than {URL_MAX} characters.")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or " " in url:
        raise InvalidInput(
            f"“{url[:80]}” is not a web address; give the full address, starting with https://."
        )
    return lower_scheme(url, parts.scheme)


def _clean_evidence(items: Sequence[EvidenceInput], today: date) -> list[EvidenceInput]:
    cleaned = []
    for item in items:
        url = check_url(item.url)
        accessed = item.accessed_on
        if accessed is not None and accessed > today:
            raise InvalidInput("A source's date accessed is in the future.")
        cleaned.append(
            EvidenceInput(
                url=url,
                title=clean_text(item.title, TITLE_MAX, "source title"),
                publisher=clean_text(item.publisher, PUBLISHER_MAX, "publisher"),
                accessed_on=accessed,
                note=clean_text(item.note, NOTE_MAX, "source note"),
            )
        )
    if len(cleaned) > EVIDENCE_MAX:
        raise InvalidInput(f"Cite at most {EVIDENCE_MAX} sources.")
    return cleaned


def clean_verdict(data: VerdictInput, today: date, *, ratings: Iterable[Rating]) -> VerdictInput:
    """Return the verdict cleaned, or raise InvalidInput; `ratings` are the ones it may use."""
    rating_id = data.rating_id
    if rating_id is not None and rating_id not in {r.id for r in ratings}:
        raise InvalidInput("Choose a rating from the scale.")
    if data.claim_type is not None and data.claim_type not in CLAIM_TYPES:
        raise InvalidInput("Choose a claim type from the list.")
    if data.claimed_on is not None and data.claimed_on > today:
        raise InvalidInput("The date claimed is in the future.")
    return VerdictInput(
        claim_text=clean_text(data.claim_text, CLAIM_TEXT_MAX, "claim text", required=True),
        rating_id=rating_id,
        summary=clean_text(data.summary, SUMMARY_MAX, "conclusion"),
        explanation=clean_text(data.explanation, EXPLANATION_MAX, "explanation") or "",
        claimant_name=clean_text(data.claimant_name, NAME_MAX, "claimant"),
        claimant_role=clean_text(data.claimant_role, NAME_MAX, "claimant's role"),
        claimed_on=data.claimed_on,
        claim_type=data.claim_type,
        evidence=_clean_evidence(data.evidence, today),
    )


def check_submittable(revision: VerdictRevision | None) -> None:
    """Refuse a revision that lacks what an editor needs to judge it."""
    if revision is None:
        raise InvalidInput("Write and save a verdict before submitting it.")
    missing = []
    if revision.rating_id is None:
        missing.append("a rating")
    if not revision.summary:
        missing.append("a short conclusion")
    if not revision.evidence:
        missing.append("at least one evidence source")
    if missing:
        raise InvalidInput("To submit, the verdict needs " + ", ".join(missing) + ".")

"""Rating scales, and verdict revisions: save (append-only, optimistic locking), submit."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import urlsplit

import sqlalchemy as sa
import sqlalchemy.exc as sa_exc
import sqlalchemy.orm as so

from factcheck.audit.services import changes_between, record
from factcheck.auth.models import User
from factcheck.auth.roles import Role
from factcheck.claims.models import CLAIM_TYPES, Claim
from factcheck.claims.priority import refresh_priority
from factcheck.claims.services import text_key
from factcheck.db import serialise_writers
from factcheck.errors import Conflict, InvalidInput
from factcheck.notifications.services import notify, notify_editors
from factcheck.review.models import Assignment
from factcheck.review.services import change_status, require_holder
from factcheck.security import ensure_role
from factcheck.sources.fetch import lower_scheme
from factcheck.verdicts.defaults import DEFAULT_SCALE
from factcheck.verdicts.models import (
    RATING_BUCKETS,
    SUMMARY_MAX,
    EvidenceSource,
    Rating,
    RatingScale,
    VerdictRevision,
)

CLAIM_TEXT_MAX = 5000
EXPLANATION_MAX = 100_000
NAME_MAX = 200
URL_MAX = 2048
TITLE_MAX = 500
PUBLISHER_MAX = 200
NOTE_MAX = 5000
EVIDENCE_MAX = 50
# Between evidence addresses in VerdictRevision.evidence_urls and in the CSV export.
EVIDENCE_SEPARATOR = " | "


def default_scale(session: so.Session) -> RatingScale | None:
    """Return the default rating scale (the initial migration creates it), or None."""
    return session.scalar(sa.select(RatingScale).where(RatingScale.is_default.is_(True)))


def ensure_default_scale(session: so.Session) -> RatingScale:
    """Return the default rating scale, creating the built-in one if there is none.

    For `factcheck demo` (and test set-up) only: the initial migration seeds the scale,
    and no request creates it (reading a page never writes)."""
    scale = default_scale(session)
    if scale is not None:
        return scale
    scale = built_in_scale()
    session.add(scale)
    session.flush()
    record(
        session,
        actor=None,
        action="rating_scale.create",
        entity_type="rating_scale",
        entity_id=scale.id,
        extra={"name": scale.name},
    )
    return scale


def built_in_scale() -> RatingScale:
    """A new default scale with the built-in ratings (verdicts.defaults), not yet added."""
    scale = RatingScale(
        name=DEFAULT_SCALE["name"],
        description=DEFAULT_SCALE["description"],
        min_value=DEFAULT_SCALE["min_value"],
        max_value=DEFAULT_SCALE["max_value"],
        is_default=True,
    )
    scale.ratings = [
        Rating(
            label=label,
            value=value,
            bucket=bucket,
            colour=colour,
            definition=definition,
            position=i,
        )
        for i, (label, value, bucket, colour, definition) in enumerate(DEFAULT_SCALE["ratings"])
    ]
    return scale


def active_ratings(session: so.Session) -> list[Rating]:
    """The ratings a verdict may use: the active ones of the default scale, in order
    (none when the database has no default scale: run the migrations)."""
    scale = default_scale(session)
    return [r for r in scale.ratings if r.is_active] if scale is not None else []


# Input ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class EvidenceInput:
    url: str
    title: str | None = None
    publisher: str | None = None
    accessed_on: date | None = None
    note: str | None = None


@dataclass(frozen=True)
class VerdictInput:
    """What a verdict form holds; cleaned and checked by save_revision()."""

    claim_text: str
    rating_id: int | None = None
    summary: str | None = None
    explanation: str = ""
    claimant_name: str | None = None
    claimant_role: str | None = None
    claimed_on: date | None = None
    claim_type: str | None = None
    evidence: Sequence[EvidenceInput] = field(default_factory=tuple)


def _text(value: str | None, limit: int, label: str, *, required: bool = False) -> str | None:
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
                title=_text(item.title, TITLE_MAX, "source title"),
                publisher=_text(item.publisher, PUBLISHER_MAX, "publisher"),
                accessed_on=accessed,
                note=_text(item.note, NOTE_MAX, "source note"),
            )
        )
    if len(cleaned) > EVIDENCE_MAX:
        raise InvalidInput(f"Cite at most {EVIDENCE_MAX} sources.")
    return cleaned


def clean_verdict(session: so.Session, data: VerdictInput, today: date) -> VerdictInput:
    rating_id = data.rating_id
    if rating_id is not None and rating_id not in {r.id for r in active_ratings(session)}:
        raise InvalidInput("Choose a rating from the scale.")
    if data.claim_type is not None and data.claim_type not in CLAIM_TYPES:
        raise InvalidInput("Choose a claim type from the list.")
    if data.claimed_on is not None and data.claimed_on > today:
        raise InvalidInput("The date claimed is in the future.")
    return VerdictInput(
        claim_text=_text(data.claim_text, CLAIM_TEXT_MAX, "claim text", required=True),
        rating_id=rating_id,
        summary=_text(data.summary, SUMMARY_MAX, "conclusion"),
        explanation=_text(data.explanation, EXPLANATION_MAX, "explanation") or "",
        claimant_name=_text(data.claimant_name, NAME_MAX, "claimant"),
        claimant_role=_text(data.claimant_role, NAME_MAX, "claimant's role"),
        claimed_on=data.claimed_on,
        claim_type=data.claim_type,
        evidence=_clean_evidence(data.evidence, today),
    )


# Revisions -----------------------------------------------------------------------------


class StaleVerdict(Conflict):
    """The verdict changed since the editor was opened; `latest` is the newer revision."""

    def __init__(self, latest: VerdictRevision) -> None:
        who = latest.author.display_name if latest.author else "someone"
        super().__init__(
            f"The verdict was changed by {who} at {latest.created_at:%Y-%m-%d %H:%M} UTC "
            f"(revision {latest.number}); review their changes. Your text is still in the "
            "form below: nothing was saved."
        )
        self.latest = latest


def latest_revision(session: so.Session, claim: Claim) -> VerdictRevision | None:
    return session.scalar(
        sa.select(VerdictRevision)
        .where(VerdictRevision.claim_id == claim.id)
        .order_by(VerdictRevision.number.desc())
        .limit(1)
    )


def revisions(session: so.Session, claim: Claim) -> list[VerdictRevision]:
    """All revisions of the claim's verdict, oldest first."""
    return list(
        session.scalars(
            sa.select(VerdictRevision)
            .where(VerdictRevision.claim_id == claim.id)
            .options(so.selectinload(VerdictRevision.evidence))
            .order_by(VerdictRevision.number)
        )
    )


CLAIM_FIELDS = ("text", "claimant_name", "claimant_role", "claimed_on", "claim_type")


def _same_as(rev: VerdictRevision | None, data: VerdictInput, claim: Claim) -> bool:
    if rev is None:
        return False
    evidence = [(e.url, e.title, e.publisher, e.accessed_on, e.note) for e in rev.evidence]
    return (
        rev.rating_id == data.rating_id
        and rev.summary == data.summary
        and rev.explanation == data.explanation
        and rev.claim_text == data.claim_text
        and rev.claimant_name == data.claimant_name
        and rev.claimant_role == data.claimant_role
        and rev.claimed_on == data.claimed_on
        and claim.claim_type == data.claim_type
        and evidence
        == [(e.url, e.title, e.publisher, e.accessed_on, e.note) for e in data.evidence]
    )


def append_revision(
    session: so.Session,
    claim: Claim,
    data: VerdictInput,
    *,
    actor: User,
    base_revision_id: int | None,
    now: datetime,
) -> VerdictRevision:
    """Add a revision on top of `base_revision_id`, or raise StaleVerdict if another came
    first; the claim's editable fields follow the revision."""
    lock_claim(session, claim)  # corrections too; after save_revision, only a re-read
    latest = latest_revision(session, claim)
    if (latest.id if latest else None) != base_revision_id:
        raise (
            StaleVerdict(latest)
            if latest
            else Conflict("The revision you started from no longer exists; reload the page.")
        )
    before = {f: getattr(claim, f) for f in CLAIM_FIELDS}
    revision = VerdictRevision(
        claim_id=claim.id,
        number=(latest.number + 1) if latest else 1,
        parent_id=latest.id if latest else None,
        rating_id=data.rating_id,
        summary=data.summary,
        explanation=data.explanation,
        claim_text=data.claim_text,
        claimant_name=data.claimant_name,
        claimant_role=data.claimant_role,
        claimed_on=data.claimed_on,
        author_id=actor.id,
        created_at=now,
        evidence_urls=EVIDENCE_SEPARATOR.join(e.url for e in data.evidence),
        evidence=[
            EvidenceSource(
                position=i,
                url=e.url,
                title=e.title,
                publisher=e.publisher,
                accessed_on=e.accessed_on,
                note=e.note,
            )
            for i, e in enumerate(data.evidence)
        ],
    )
    try:
        # The claim's fields and the new revision are written together inside one
        # savepoint: if either write loses a race, both are undone and the session stays
        # usable for saying who won (a flush failing outside the savepoint would leave a
        # session that refuses every query until the whole transaction is rolled back).
        with session.begin_nested():
            claim.text = data.claim_text
            claim.text_key = text_key(data.claim_text)
            claim.claimant_name = data.claimant_name
            claim.claimant_role = data.claimant_role
            claim.claimed_on = data.claimed_on
            claim.claim_type = data.claim_type
            if before["claimed_on"] != data.claimed_on:
                refresh_priority(claim)
            session.add(revision)
            session.flush()
    except (sa_exc.IntegrityError, so.exc.StaleDataError) as exc:
        # Another save with the same parent won the race (unique parent_id / claim version).
        session.expire(claim)
        newest = latest_revision(session, claim)
        if newest is not None:
            raise StaleVerdict(newest) from exc
        raise Conflict("Someone saved this verdict at the same moment; reload the page.") from exc
    after = {f: getattr(claim, f) for f in CLAIM_FIELDS}
    if claim_changes := changes_between(before, after):
        record(
            session,
            actor=actor,
            action="claim.edit",
            entity_type="claim",
            entity_id=claim.id,
            changes=claim_changes,
            extra={"revision": revision.number},
        )
    record(
        session,
        actor=actor,
        action="verdict.save",
        entity_type="claim",
        entity_id=claim.id,
        changes=changes_between(
            revision_values(latest) if latest else {}, revision_values(revision)
        ),
        extra={"revision": revision.number, "revision_id": revision.id},
    )
    return revision


def lock_claim(session: so.Session, claim: Claim) -> None:
    """Take the claim for writing and re-read it, before reading what a change depends on.

    PostgreSQL locks the claim's row (SELECT ... FOR UPDATE); SQLite takes its one write
    lock (BEGIN IMMEDIATE, waiting up to busy_timeout). A second save of the same verdict
    waits here until the first commits, then reads the first one's revision and is told
    who changed it, instead of failing halfway through its own writes.
    """
    serialise_writers(session)
    session.refresh(claim, with_for_update=True)


def save_revision(
    session: so.Session,
    claim: Claim,
    data: VerdictInput,
    *,
    actor: User,
    base_revision_id: int | None,
    now: datetime,
) -> tuple[VerdictRevision, bool]:
    """Save the verdict as a new revision; returns it and whether anything changed.

    `base_revision_id` is the revision the author's form started from (None for the
    first): if someone saved since, StaleVerdict is raised and nothing is written.
    """
    ensure_role(actor, Role.FACT_CHECKER)
    lock_claim(session, claim)
    if claim.status not in ("in_review", "returned"):
        raise Conflict(
            f"This claim is {claim.status.replace('_', ' ')}; its verdict cannot be edited now."
        )
    require_holder(session, claim, actor, now)
    data = clean_verdict(session, data, now.date())
    latest = latest_revision(session, claim)
    if latest is not None and _same_as(latest, data, claim):
        if latest.id == base_revision_id:
            return latest, False
        if latest.parent_id == base_revision_id and latest.author_id == actor.id:
            # The same form sent twice (a double click, a resent request): the first
            # copy saved it; the second is that same save, not a conflict.
            return latest, False
    return (
        append_revision(
            session, claim, data, actor=actor, base_revision_id=base_revision_id, now=now
        ),
        True,
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


def submit(
    session: so.Session,
    claim: Claim,
    *,
    actor: User,
    revision_id: int,
    now: datetime,
) -> VerdictRevision:
    """Send the latest revision to the editors; the fact-checker's lease ends."""
    ensure_role(actor, Role.FACT_CHECKER)
    if claim.status not in ("in_review", "returned"):
        raise Conflict(f"This claim is {claim.status.replace('_', ' ')}; it cannot be submitted.")
    lease = require_holder(session, claim, actor, now)
    revision = latest_revision(session, claim)
    if revision is None or revision.id != revision_id:
        if revision is not None:
            raise StaleVerdict(revision)
        check_submittable(None)
    check_submittable(revision)
    before = claim.status
    revision.submitted_at = now
    change_status(claim, "submitted")
    lease.released_at = max(now, lease.assigned_at)
    lease.release_reason = "submitted"
    session.flush()
    record(
        session,
        actor=actor,
        action="verdict.submit",
        entity_type="claim",
        entity_id=claim.id,
        changes={"status": [before, "submitted"]},
        extra={"revision": revision.number, "revision_id": revision.id},
    )
    _tell_editors(session, claim, lease, actor, resubmitted=before == "returned")
    return revision


def _tell_editors(
    session: so.Session, claim: Claim, lease: Assignment, actor: User, *, resubmitted: bool
) -> None:
    """Tell the editors a verdict waits for review.

    The editor who handed the claim to its author (assigned it, or returned the verdict)
    hears of it; when nobody did (the author took it from the queue), every active editor
    does. Never the submitter themselves.
    """
    text = " ".join(claim.text.split())
    what = f"“{text if len(text) <= 80 else text[:79] + '…'}”"
    handed = lease.assigned_by
    who = actor.display_name
    first = f"{who} submitted a verdict on {what} for review."
    if handed.id != actor.id and handed.is_active and handed.has_role(Role.EDITOR):
        again = f"{who} resubmitted the verdict on {what} for review after your return."
        message = again if resubmitted else first
        notify(session, user=handed, kind="submitted", message=message, claim=claim)
        return
    again = f"{who} resubmitted the verdict on {what} for review after it was returned."
    message = again if resubmitted else first
    notify_editors(session, kind="submitted", message=message, claim=claim, exclude=(actor.id,))


# Comparing revisions ---------------------------------------------------------------------

REVISION_FIELDS = {
    "rating": "Rating",
    "summary": "Conclusion",
    "explanation": "Explanation",
    "claim_text": "Claim",
    "claimant_name": "Claimant",
    "claimant_role": "Claimant's role",
    "claimed_on": "Date claimed",
    "evidence": "Evidence",
}


def _evidence_line(e: EvidenceSource) -> str:
    parts = [e.title or e.url]
    if e.publisher:
        parts.append(e.publisher)
    parts.append(e.url if e.title else "")
    if e.accessed_on:
        parts.append(f"accessed {e.accessed_on.isoformat()}")
    if e.note:
        parts.append(f"note: {e.note}")
    return " · ".join(p for p in parts if p)


def revision_values(rev: VerdictRevision) -> dict[str, object]:
    """A revision's fields as plain values, for diffs and audit entries."""
    return {
        "rating": rev.rating.label if rev.rating else None,
        "summary": rev.summary,
        "explanation": rev.explanation or None,
        "claim_text": rev.claim_text,
        "claimant_name": rev.claimant_name,
        "claimant_role": rev.claimant_role,
        "claimed_on": rev.claimed_on.isoformat() if rev.claimed_on else None,
        "evidence": [_evidence_line(e) for e in rev.evidence],
    }


# Rating scale administration ---------------------------------------------------------------

HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def add_rating(
    session: so.Session,
    scale: RatingScale,
    *,
    label: str,
    bucket: str,
    value: float | None,
    definition: str,
    colour: str | None,
    actor: User,
) -> Rating:
    """An admin adds a rating to a scale (at the end)."""
    ensure_role(actor, Role.ADMIN)
    label = _text(label, 60, "label", required=True)
    if bucket not in RATING_BUCKETS:
        raise InvalidInput("Choose a bucket: true, false, mixed or other.")
    if value is not None and not scale.min_value <= value <= scale.max_value:
        raise InvalidInput(
            f"The value must lie on the scale, {scale.min_value:g} to {scale.max_value:g}, "
            "or be left empty for a rating off the scale."
        )
    colour = (colour or "").strip() or None
    if colour is not None and not HEX_COLOUR.match(colour):
        raise InvalidInput("Give the colour as #rrggbb, e.g. #b91c1c.")
    if any(r.label.lower() == label.lower() for r in scale.ratings):
        raise Conflict(f"The scale already has a rating called {label}.")
    rating = Rating(
        scale_id=scale.id,
        label=label,
        bucket=bucket,
        value=value,
        definition=(definition or "").strip(),
        colour=colour,
        position=max((r.position for r in scale.ratings), default=-1) + 1,
    )
    session.add(rating)
    session.flush()
    record(
        session,
        actor=actor,
        action="rating.create",
        entity_type="rating",
        entity_id=rating.id,
        extra={"scale": scale.name, "label": label, "bucket": bucket, "value": value},
    )
    return rating


def set_rating_active(session: so.Session, rating: Rating, *, active: bool, actor: User) -> None:
    """Retire a rating from new verdicts (rulings that used it keep it), or bring it back."""
    ensure_role(actor, Role.ADMIN)
    if rating.is_active == active:
        return
    if not active and sum(r.is_active for r in rating.scale.ratings) <= 1:
        raise Conflict("A scale needs at least one active rating.")
    rating.is_active = active
    session.flush()
    record(
        session,
        actor=actor,
        action="rating.activate" if active else "rating.deactivate",
        entity_type="rating",
        entity_id=rating.id,
        changes={"is_active": [not active, active]},
    )

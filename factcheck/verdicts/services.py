"""Verdict revisions: save (append-only, optimistic locking), submit to the editors."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.exc as sa_exc
import sqlalchemy.orm as so

from factcheck.audit.services import changes_between, record
from factcheck.auth.models import User
from factcheck.auth.roles import Role, ensure_role
from factcheck.claims.lifecycle import WORKABLE_STATUSES, ClaimStatus, change_status
from factcheck.claims.models import Claim
from factcheck.claims.priority import refresh_priority
from factcheck.claims.services import text_key
from factcheck.db import serialise_writers
from factcheck.errors import Conflict
from factcheck.notifications.services import notify, notify_editors
from factcheck.review.leases import require_holder
from factcheck.review.models import Assignment
from factcheck.verdicts.inputs import VerdictInput, check_submittable, clean_verdict
from factcheck.verdicts.models import EVIDENCE_SEPARATOR, EvidenceSource, VerdictRevision
from factcheck.verdicts.presentation import revision_values
from factcheck.verdicts.ratings import active_ratings


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
            # What a history shows of each revision: a query each, not one per revision.
            .options(
                so.selectinload(VerdictRevision.evidence),
                so.selectinload(VerdictRevision.rating),
                so.selectinload(VerdictRevision.author),
            )
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


def claim_fields(claim: Claim) -> dict[str, object]:
    """The claim's statement (CLAIM_FIELDS) as it stands, to compare after a change."""
    return {f: getattr(claim, f) for f in CLAIM_FIELDS}


def record_claim_edit(
    session: so.Session,
    claim: Claim,
    before: dict[str, object],
    *,
    actor: User,
    revision_number: int,
) -> None:
    """Audit what set_claim_fields changed since `before`, naming the revision it follows."""
    if claim_changes := changes_between(before, claim_fields(claim)):
        record(
            session,
            actor=actor,
            action="claim.edit",
            entity_type="claim",
            entity_id=claim.id,
            changes=claim_changes,
            extra={"revision": revision_number},
        )


def set_claim_fields(
    claim: Claim,
    *,
    text: str,
    claimant_name: str | None,
    claimant_role: str | None,
    claimed_on: date | None,
    claim_type: str | None,
) -> None:
    """Put a revision's statement of the claim on the claim (its search key, and its
    priority when the date changes); the caller audits the change."""
    if claim.claimed_on != claimed_on:
        claim.claimed_on = claimed_on
        refresh_priority(claim)
    claim.text = text
    claim.text_key = text_key(text)
    claim.claimant_name = claimant_name
    claim.claimant_role = claimant_role
    claim.claim_type = claim_type


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
    before = claim_fields(claim)
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
            set_claim_fields(
                claim,
                text=data.claim_text,
                claimant_name=data.claimant_name,
                claimant_role=data.claimant_role,
                claimed_on=data.claimed_on,
                claim_type=data.claim_type,
            )
            session.add(revision)
            session.flush()
    except (sa_exc.IntegrityError, so.exc.StaleDataError) as exc:
        # Another save with the same parent won the race (unique parent_id / claim version).
        session.expire(claim)
        newest = latest_revision(session, claim)
        if newest is not None:
            raise StaleVerdict(newest) from exc
        raise Conflict("Someone saved this verdict at the same moment; reload the page.") from exc
    record_claim_edit(session, claim, before, actor=actor, revision_number=revision.number)
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
    if claim.status not in WORKABLE_STATUSES:
        raise Conflict(
            f"This claim is {claim.status.replace('_', ' ')}; its verdict cannot be edited now."
        )
    require_holder(session, claim, actor, now)
    data = clean_verdict(data, now.date(), ratings=active_ratings(session))
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
    if claim.status not in WORKABLE_STATUSES:
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
    change_status(claim, ClaimStatus.SUBMITTED)
    lease.released_at = max(now, lease.assigned_at)
    lease.release_reason = "submitted"
    session.flush()
    record(
        session,
        actor=actor,
        action="verdict.submit",
        entity_type="claim",
        entity_id=claim.id,
        changes={"status": [before, ClaimStatus.SUBMITTED]},
        extra={"revision": revision.number, "revision_id": revision.id},
    )
    _tell_editors(session, claim, lease, actor, resubmitted=before == ClaimStatus.RETURNED)
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

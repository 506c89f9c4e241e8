"""Decisions on matches: make a claim a repeat of an earlier one, undo it, accept or
reject a suggestion, attach an earlier claim's published ruling.

A repeat link ("link") is a merge that keeps its trail: the newer claim becomes MERGED
with duplicate_of set to the earlier claim (followed to the surviving claim when that one
was merged itself), its sentences are added to the earlier claim's sentences (so the
earlier claim, its ClaimReview appearances and its claimants list name the new article
and claimant), the earlier claim's article count grows by the articles it did not have,
and its priority is recomputed. The newer claim keeps its own sentences, so its page
still shows where it was said. `undo` takes exactly those sentences and articles back
and puts the newer claim back in the queue (NEW); the match becomes "rejected" so the
matcher does not link it again.

Services take the session, the acting user and the time explicitly, make one change with
its audit entries (on both claims) and flush. Callers commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from factcheck.audit.models import AuditEntry
from factcheck.audit.services import record
from factcheck.auth.models import User
from factcheck.auth.roles import Role, ensure_role
from factcheck.claims.lifecycle import OPEN_STATUSES, ClaimStatus, change_status
from factcheck.claims.models import Claim, Sentence
from factcheck.claims.priority import refresh_priority
from factcheck.editorial.lookups import ruling_of
from factcheck.editorial.models import Ruling
from factcheck.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from factcheck.matching.models import ClaimMatch, ExternalRuling
from factcheck.review.decisions import take_out_of_queue

# A duplicate chain longer than this is a data error, not something to walk forever.
MAX_CHAIN = 50

LINK = "claim.repeat_link"  # on the newer claim
LINKED_INTO = "claim.repeat_add"  # on the earlier claim
UNLINK = "claim.repeat_unlink"
UNLINKED_FROM = "claim.repeat_remove"
REJECT = "claim.match_reject"
ATTACH = "claim.ruling_attached"
CONFIRM_EXTERNAL = "claim.external_confirm"
UNCONFIRM_EXTERNAL = "claim.external_unconfirm"


def _percent(similarity: float) -> int:
    return round(similarity * 100)


def _claim(session: so.Session, match: ClaimMatch) -> Claim:
    """The match's newer claim, read by id (a match made in this transaction with ids
    only has no loaded relationships; flushing gives it its row first)."""
    session.flush()
    claim = session.get(Claim, match.claim_id)
    if claim is None:
        raise NotFound("The claim of this match no longer exists.")
    return claim


def _earlier(session: so.Session, match: ClaimMatch) -> Claim:
    earlier = session.get(Claim, match.earlier_claim_id) if match.earlier_claim_id else None
    if earlier is None:
        raise NotFound("The earlier claim of this match no longer exists.")
    return earlier


def _external(session: so.Session, match: ClaimMatch) -> ExternalRuling | None:
    if match.external_ruling_id is None:
        return None
    return session.get(ExternalRuling, match.external_ruling_id)


def _publisher(session: so.Session, match: ClaimMatch) -> str | None:
    ruling = _external(session, match)
    return ruling.publisher_name if ruling else None


def _target_words(session: so.Session, match: ClaimMatch) -> str:
    if match.earlier_claim_id is not None:
        return f"claim #{match.earlier_claim_id}"
    publisher = _publisher(session, match)
    return f"the ruling by {publisher}" if publisher else "that ruling"


def _set_state(
    session: so.Session, match: ClaimMatch, *, old: str, new: str, actor: User | None, now: datetime
) -> None:
    """Move the match from `old` to `new`, refusing if someone decided it meanwhile (the
    UPDATE matches only a row still in `old`: two people deciding at once, one wins)."""
    session.flush()  # a match made in this transaction exists before it is decided
    if match.state != old:
        raise _already(session, match)
    result = session.execute(
        sa.update(ClaimMatch)
        .where(ClaimMatch.id == match.id, ClaimMatch.state == old)
        .values(state=new, decided_by_id=getattr(actor, "id", None), decided_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        session.refresh(match)
        raise _already(session, match)
    # The ORM object says what the row now says.
    for key, value in (
        ("state", new),
        ("decided_by_id", getattr(actor, "id", None)),
        ("decided_at", now),
    ):
        so.attributes.set_committed_value(match, key, value)


def _already(session: so.Session, match: ClaimMatch) -> Conflict:
    words = {
        "linked": "is already linked",
        "rejected": "was already marked as not the same claim",
        "suggested": "is no longer linked (someone undid it)",
    }.get(match.state, f"is {match.state}")
    return Conflict(f"This match with {_target_words(session, match)} {words}; reload the page.")


def _survivor(session: so.Session, claim: Claim, earlier: Claim) -> Claim:
    """The claim a repeat of `earlier` joins: `earlier`, or the claim it was merged into
    (followed to the end of the chain). Refuses a link back into `claim` itself."""
    into, seen = earlier, {earlier.id}
    while into.status == ClaimStatus.MERGED and into.duplicate_of_id is not None:
        if len(seen) > MAX_CHAIN or into.duplicate_of_id in seen:
            raise Conflict(f"Claim #{earlier.id} is in a loop of duplicates; ask an editor.")
        seen.add(into.duplicate_of_id)
        into = session.get(Claim, into.duplicate_of_id)
    if into.id == claim.id:
        if earlier.id == claim.id:
            raise InvalidInput("A claim cannot be a repeat of itself.")
        raise InvalidInput(
            f"Claim #{earlier.id} is already a repeat of this claim; link the other way round."
        )
    if into.status in (ClaimStatus.DISMISSED, ClaimStatus.RETRACTED):
        raise Conflict(
            f"Claim #{into.id} is {into.status}; a repeat can only join a live claim. "
            "Mark the match as not the same, or merge into another claim."
        )
    return into


def _leave_queue(session: so.Session, claim: Claim, *, actor: User | None, now: datetime) -> str:
    """The newer claim leaves the queue (MERGED) as for a merge (review.decisions
    take_out_of_queue: its lease ended, held claims only by their holder or an editor,
    never automatically), with messages that speak of repeats; return its old status."""
    if claim.status == ClaimStatus.MERGED:
        raise Conflict(f"This claim is already a repeat of claim #{claim.duplicate_of_id}.")
    if claim.status not in OPEN_STATUSES:
        raise Conflict(
            f"This claim is {claim.status.replace('_', ' ')}: only a claim waiting in the "
            "queue (new, in review, returned) can become a repeat."
        )
    return take_out_of_queue(session, claim, ClaimStatus.MERGED, actor=actor, now=now)


def _articles(claim: Claim, sentences: Iterable[Sentence] | None = None) -> set[int]:
    found = {
        claim.article_id,
        *(s.article_id for s in (claim.sentences if sentences is None else sentences)),
    }
    return found - {None}


def link(
    session: so.Session,
    match: ClaimMatch,
    *,
    actor: User | None,
    now: datetime,
    automatic: bool = False,
) -> Claim:
    """Make the match's claim a repeat of its earlier claim; return the claim it joined.

    The match must be a suggestion (state "suggested": a match made in the same
    transaction has it by default). `actor` may be None only when `automatic` (the
    matcher, at or above the "same claim" threshold)."""
    if actor is None and not automatic:
        raise PermissionDenied("Only the matcher links claims without a person.")
    ensure_role(actor, Role.FACT_CHECKER)
    if match.earlier_claim_id is None:
        raise InvalidInput(
            "This match is a ruling from elsewhere: it can be confirmed or rejected, "
            "not linked as a repeat."
        )
    claim = _claim(session, match)
    if match.state != "suggested":
        raise _already(session, match)
    into = _survivor(session, claim, _earlier(session, match))
    before_status = _leave_queue(session, claim, actor=actor, now=now)
    claim.duplicate_of_id = into.id
    present = {s.id for s in into.sentences}
    added = [s for s in claim.sentences if s.id not in present]
    new_articles = _articles(claim) - _articles(into)
    before = {"article_count": into.article_count, "priority": into.priority}
    into.sentences.extend(added)
    into.article_count += len(new_articles)
    refresh_priority(into)
    _set_state(session, match, old="suggested", new="linked", actor=actor, now=now)
    match.automatic = automatic
    session.flush()
    details = {
        "match_id": match.id,
        "similarity": round(match.similarity, 4),
        "automatic": automatic,
        "sentence_ids": [s.id for s in added],
        "article_ids": sorted(new_articles),
    }
    record(
        session,
        actor=actor,
        action=LINK,
        entity_type="claim",
        entity_id=claim.id,
        changes={
            "status": [before_status, ClaimStatus.MERGED],
            "duplicate_of_id": [None, into.id],
        },
        extra={**details, "earlier_claim_id": match.earlier_claim_id},
    )
    record(
        session,
        actor=actor,
        action=LINKED_INTO,
        entity_type="claim",
        entity_id=into.id,
        changes={
            "article_count": [before["article_count"], into.article_count],
            "priority": [before["priority"], into.priority],
        },
        extra={**details, "repeat_claim_id": claim.id},
    )
    return into


def accept(session: so.Session, match: ClaimMatch, *, actor: User, now: datetime) -> Claim:
    """A person says a suggested match is the same claim: link it as a repeat (an earlier
    claim), or confirm that the ruling from elsewhere is about this claim. Returns the
    claim the repeat joined (the match's own claim for a ruling from elsewhere)."""
    ensure_role(actor, Role.FACT_CHECKER)
    if actor is None:
        raise PermissionDenied("A person accepts a match.")
    if match.earlier_claim_id is not None:
        return link(session, match, actor=actor, now=now)
    _set_state(session, match, old="suggested", new="linked", actor=actor, now=now)
    ruling = _external(session, match)
    record(
        session,
        actor=actor,
        action=CONFIRM_EXTERNAL,
        entity_type="claim",
        entity_id=match.claim_id,
        extra={
            "match_id": match.id,
            "similarity": round(match.similarity, 4),
            "external_ruling_id": match.external_ruling_id,
            "publisher": ruling.publisher_name if ruling else None,
            "rating": ruling.rating if ruling else None,
        },
    )
    return _claim(session, match)


def reject(session: so.Session, match: ClaimMatch, *, actor: User, now: datetime) -> None:
    """A person says a suggested match is not the same claim; it is not offered again."""
    ensure_role(actor, Role.FACT_CHECKER)
    if actor is None:
        raise PermissionDenied("A person rejects a match.")
    _set_state(session, match, old="suggested", new="rejected", actor=actor, now=now)
    record(
        session,
        actor=actor,
        action=REJECT,
        entity_type="claim",
        entity_id=match.claim_id,
        extra={
            "match_id": match.id,
            "similarity": round(match.similarity, 4),
            "earlier_claim_id": match.earlier_claim_id,
            "external_ruling_id": match.external_ruling_id,
            "publisher": _publisher(session, match),
        },
    )


def _link_entry(session: so.Session, match: ClaimMatch) -> AuditEntry | None:
    """The audit entry of the link this match made (it says which sentences and articles
    the link added), if recorded."""
    for entry in session.scalars(
        sa.select(AuditEntry)
        .where(
            AuditEntry.entity_type == "claim",
            AuditEntry.entity_id == match.claim_id,
            AuditEntry.action == LINK,
        )
        .order_by(AuditEntry.id.desc())
    ):
        if entry.extra.get("match_id") == match.id:
            return entry
    return None


def undo(session: so.Session, match: ClaimMatch, *, actor: User, now: datetime) -> None:
    """Undo a repeat link (automatic or a person's): the claim goes back to the queue
    (NEW), the earlier claim loses the sentences and articles the link gave it and its
    priority is recomputed, and the match becomes "rejected" so it is not linked again.

    Allowed when the earlier claim has been published since: its ruling then no longer
    lists the article among its appearances. For a ruling from elsewhere, withdraws the
    confirmation."""
    ensure_role(actor, Role.FACT_CHECKER)
    if actor is None:
        raise PermissionDenied("A person undoes a link.")
    if match.state != "linked":
        raise Conflict(
            f"This match with {_target_words(session, match)} is {match.state}, not linked: "
            "there is nothing to undo."
        )
    if match.earlier_claim_id is None:
        _set_state(session, match, old="linked", new="rejected", actor=actor, now=now)
        record(
            session,
            actor=actor,
            action=UNCONFIRM_EXTERNAL,
            entity_type="claim",
            entity_id=match.claim_id,
            extra={
                "match_id": match.id,
                "external_ruling_id": match.external_ruling_id,
                "publisher": _publisher(session, match),
            },
        )
        return
    claim = _claim(session, match)
    if claim.status != ClaimStatus.MERGED or claim.duplicate_of_id is None:
        raise Conflict(
            f"Claim #{claim.id} is {claim.status.replace('_', ' ')}, not a repeat any more: "
            "there is nothing to undo."
        )
    into = session.get(Claim, claim.duplicate_of_id)
    entry = _link_entry(session, match)
    if entry is not None:
        sentence_ids = set(entry.extra.get("sentence_ids") or ())
        articles_added = len(entry.extra.get("article_ids") or ())
    else:  # a link not made here: take back what the claim brought and into lacks otherwise
        own = {s.id for s in claim.sentences}
        sentence_ids = own
        rest = [s for s in into.sentences if s.id not in own]
        articles_added = len(_articles(claim) - {into.article_id, *(s.article_id for s in rest)})
    before = {"article_count": into.article_count, "priority": into.priority}
    removed = [s for s in into.sentences if s.id in sentence_ids]
    for sentence in removed:
        into.sentences.remove(sentence)
    into.article_count = max(1, into.article_count - articles_added)
    refresh_priority(into)
    change_status(claim, ClaimStatus.NEW)
    claim.duplicate_of_id = None
    _set_state(session, match, old="linked", new="rejected", actor=actor, now=now)
    session.flush()
    details = {
        "match_id": match.id,
        "sentence_ids": sorted(s.id for s in removed),
        "published": ruling_of(session, into) is not None,
    }
    record(
        session,
        actor=actor,
        action=UNLINK,
        entity_type="claim",
        entity_id=claim.id,
        changes={
            "status": [ClaimStatus.MERGED, ClaimStatus.NEW],
            "duplicate_of_id": [into.id, None],
        },
        extra={**details, "earlier_claim_id": into.id},
    )
    record(
        session,
        actor=actor,
        action=UNLINKED_FROM,
        entity_type="claim",
        entity_id=into.id,
        changes={
            "article_count": [before["article_count"], into.article_count],
            "priority": [before["priority"], into.priority],
        },
        extra={**details, "repeat_claim_id": claim.id},
    )


def published_ruling(session: so.Session, claim: Claim) -> Ruling | None:
    """The claim's ruling if it is published (not retracted)."""
    ruling = ruling_of(session, claim)
    return ruling if ruling is not None and ruling.status == "published" else None


def attach_ruling(session: so.Session, match: ClaimMatch, *, actor: User, now: datetime) -> Claim:
    """One step for a suggestion whose earlier claim has a published ruling: link the
    claim as a repeat, so the ruling answers it too (a repeat ruling: the ruling's
    ClaimReview lists the new article among its appearances), recorded as such. Returns
    the claim with the ruling."""
    ensure_role(actor, Role.FACT_CHECKER)
    if actor is None:
        raise PermissionDenied("A person attaches a ruling.")
    if match.earlier_claim_id is None:
        raise InvalidInput(
            "This is a ruling from elsewhere: confirm it (same claim) rather than attach it; "
            "only our own published rulings can be attached."
        )
    if match.state != "suggested":
        raise _already(session, match)
    into = _survivor(session, _claim(session, match), _earlier(session, match))
    ruling = published_ruling(session, into)
    if ruling is None:
        raise Conflict(
            f"Claim #{into.id} has no published ruling to attach; link it as the same "
            "claim instead."
        )
    into = link(session, match, actor=actor, now=now)
    revision = ruling.decision.revision
    record(
        session,
        actor=actor,
        action=ATTACH,
        entity_type="claim",
        entity_id=match.claim_id,
        extra={
            "match_id": match.id,
            "ruling_claim_id": into.id,
            "ruling_id": ruling.id,
            "rating": revision.rating.label if revision.rating else None,
            "published_at": ruling.published_at,
        },
    )
    return into

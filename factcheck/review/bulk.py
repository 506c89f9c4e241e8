"""Bulk triage: one decision (dismiss, assign, merge...) on many claims of the queue.

Each claim is decided on its own by the service that decides one claim (so each is
audited, and refused, exactly as if it had been decided from its own page), inside its
own savepoint: a refusal rolls back that claim's partial changes and nothing else, and
the caller commits everything that went through in one transaction (one commit, not
one per claim; a crash part-way leaves nothing half-done). Refusals are collected, not
raised, and summed up for the person: "Dismissed 18 claims; 2 refused: #12 is
published, #40 is held by Ana."

A selection names each claim with the version the person saw ("12:3"); a claim that
changed since (someone took, dismissed or edited it) is refused rather than decided on
what the person did not see. Services take the session, the actor and the time
explicitly and flush; callers commit.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
import sqlalchemy.orm.exc as orm_exc

from factcheck.auth.models import User
from factcheck.auth.roles import Role, ensure_role
from factcheck.claims.lifecycle import ClaimStatus
from factcheck.claims.models import DISMISS_REASONS, Claim
from factcheck.db import MAX_ID
from factcheck.errors import Conflict, DomainError, InvalidInput, NotFound, PermissionDenied
from factcheck.notifications.services import notify
from factcheck.review import decisions, leases

# The most claims one bulk action decides: four queue pages at the default page size,
# and a request that stays well under a second.
BULK_MAX = 200
# Refusals named in the summary (it travels in the session cookie); the rest are counted.
SUMMARY_NAMED = 10

_ITEM = re.compile(r"^([1-9][0-9]{0,9})(?::([1-9][0-9]{0,9}))?$")


@dataclass(frozen=True)
class Selected:
    """A claim ticked in the queue, and the version of it the person saw (if sent)."""

    claim_id: int
    version: int | None = None


def parse_selection(values: Iterable[str]) -> list[Selected]:
    """Read ticked claims ("12:3" or "12", whitespace-separated in a value too), in order,
    each once; refuse malformed items and more than BULK_MAX claims."""
    seen: dict[int, Selected] = {}
    for value in values:
        for item in value.split():
            match = _ITEM.match(item)
            if match is None or int(match.group(1)) > MAX_ID:
                raise InvalidInput(f"“{item[:30]}” is not a claim in the queue.")
            claim_id = int(match.group(1))
            version = int(match.group(2)) if match.group(2) else None
            if claim_id not in seen:
                seen[claim_id] = Selected(claim_id, version)
                if len(seen) > BULK_MAX:
                    raise InvalidInput(
                        f"Select at most {BULK_MAX} claims at a time (this was more)."
                    )
    return list(seen.values())


@dataclass
class Outcome:
    """What a bulk action did: claims decided, and claims refused with why."""

    done: list[int] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)

    def summary(self, what: str) -> str:
        """'Dismissed {claims}' -> 'Dismissed 18 claims; 2 refused: #12 is published, …'."""
        text = what.format(claims=_claims(len(self.done)))
        if not self.refused:
            return text + "."
        named = ", ".join(reason for _, reason in self.refused[:SUMMARY_NAMED])
        more = len(self.refused) - SUMMARY_NAMED
        if more > 0:
            named += f" and {more} more"
        return f"{text}; {len(self.refused)} refused: {named}."


def _claims(n: int) -> str:
    return f"{n} claim{'s' if n != 1 else ''}"


def refusal(claim_id: int, message: str) -> str:
    """A service's message, short and naming the claim: 'This claim is published and
    cannot be changed.' -> '#12 is published'; 'Ana holds this claim until …' -> '#40
    is held by Ana'."""
    text = message.strip().rstrip(".")
    if held := re.match(r"^(.+?) holds this claim until", text):
        return f"#{claim_id} is held by {held.group(1)}"
    if text.startswith("This claim "):
        # The state, not the rule that follows it ("; only claims…", ": only a claim…").
        text = re.split(r";|: ", text)[0].removesuffix(" and cannot be changed")
        return f"#{claim_id} " + text.removeprefix("This claim ")
    if text.startswith("Your account does not have permission"):
        return f"#{claim_id}: your role may not do this"
    return f"#{claim_id}: {text}"


def load(session: so.Session, selection: list[Selected]) -> dict[int, Claim]:
    """The selected claims that exist, by id, row-locked on PostgreSQL (in id order, so two
    bulk actions over overlapping claims do not deadlock)."""
    if not selection:
        return {}
    ids = [s.claim_id for s in selection]
    query = sa.select(Claim).where(Claim.id.in_(ids)).order_by(Claim.id).with_for_update()
    return {c.id: c for c in session.scalars(query)}


def apply_each(
    session: so.Session,
    selection: list[Selected],
    decide: Callable[[Claim], object],
    *,
    claims: dict[int, Claim] | None = None,
) -> Outcome:
    """Run `decide` on each selected claim in its own savepoint; collect who was refused."""
    claims = load(session, selection) if claims is None else claims
    outcome = Outcome()
    for item in selection:
        claim = claims.get(item.claim_id)
        if claim is None:
            outcome.refused.append((item.claim_id, f"#{item.claim_id} does not exist"))
            continue
        if item.version is not None and claim.version != item.version:
            outcome.refused.append((claim.id, f"#{claim.id} changed since the page was loaded"))
            continue
        try:
            with session.begin_nested():
                decide(claim)
                session.flush()
        except DomainError as exc:
            outcome.refused.append((item.claim_id, refusal(item.claim_id, exc.message)))
        except orm_exc.StaleDataError:
            # Someone else's change to this claim committed between our read and write.
            outcome.refused.append(
                (item.claim_id, f"#{item.claim_id} was changed by someone else meanwhile")
            )
        else:
            outcome.done.append(item.claim_id)
    return outcome


def dismiss(
    session: so.Session,
    selection: list[Selected],
    *,
    reason: str,
    note: str | None,
    actor: User,
    now: datetime,
) -> Outcome:
    """Dismiss each selected claim with one reason (and note), as decisions.dismiss."""
    ensure_role(actor, Role.FACT_CHECKER)
    if reason not in DISMISS_REASONS:
        raise InvalidInput("Choose why: not a claim, or not check-worthy.")
    note = (note or "").strip() or None
    if note and len(note) > decisions.DISMISS_NOTE_MAX:
        raise InvalidInput(f"Keep the note under {decisions.DISMISS_NOTE_MAX} characters.")
    return apply_each(
        session,
        selection,
        lambda c: decisions.dismiss(session, c, reason=reason, note=note, actor=actor, now=now),
    )


def assign(
    session: so.Session,
    selection: list[Selected],
    *,
    assignee: User | None,
    actor: User,
    now: datetime,
    lease_hours: float,
) -> Outcome:
    """Give each selected claim to a fact-checker. An editor assigns to anyone (as
    leases.assign, taking it from whoever held it); a fact-checker may only take the
    claims themselves (as leases.take)."""
    ensure_role(actor, Role.FACT_CHECKER)
    if assignee is None:
        raise NotFound("There is no such person.")
    if actor.has_role(Role.EDITOR):
        outcome = apply_each(
            session,
            selection,
            lambda c: leases.assign(
                session,
                c,
                assignee=assignee,
                actor=actor,
                now=now,
                lease_hours=lease_hours,
                notify_assignee=False,
            ),
        )
        # One notice (and one mail) for the whole assignment, not one per claim.
        if outcome.done and assignee.id != actor.id:
            numbers = ", ".join(f"#{claim_id}" for claim_id in outcome.done[:20])
            more = f" and {len(outcome.done) - 20} more" if len(outcome.done) > 20 else ""
            notify(
                session,
                user=assignee,
                kind="assignment",
                message=f"{actor.display_name} assigned you {len(outcome.done)} "
                f"claim{'s' if len(outcome.done) != 1 else ''}: {numbers}{more}",
                claim=session.get(Claim, outcome.done[0]) if len(outcome.done) == 1 else None,
            )
        return outcome
    if assignee.id != actor.id:
        raise PermissionDenied(
            "Only an editor can assign claims to someone else; you can take them yourself."
        )
    return apply_each(
        session,
        selection,
        lambda c: leases.take(session, c, actor=actor, now=now, lease_hours=lease_hours),
    )


# Statuses a claim cannot be merged into (decisions.merge refuses the first two, and a
# merged claim is followed to its survivor, which is then not among those selected).
_NOT_A_SURVIVOR = (ClaimStatus.DISMISSED, ClaimStatus.RETRACTED, ClaimStatus.MERGED)


def merge(
    session: so.Session,
    selection: list[Selected],
    *,
    into_id: int | None,
    actor: User,
    now: datetime,
) -> tuple[Claim, Outcome]:
    """Merge the selected claims into one: claim `into_id` when given (selected or not),
    otherwise the selected claim with the highest priority (the oldest on a tie). Each
    other claim is merged as decisions.merge; the survivor is returned."""
    ensure_role(actor, Role.FACT_CHECKER)
    claims = load(session, selection)
    if into_id is not None:
        into = claims.get(into_id) or session.get(Claim, into_id)
        if into is None:
            raise NotFound(f"There is no claim #{into_id} to merge into.")
        if into.status in (ClaimStatus.DISMISSED, ClaimStatus.RETRACTED):
            raise Conflict(f"Claim #{into.id} is {into.status}; merge into a live claim.")
    else:
        live = [c for c in claims.values() if c.status not in _NOT_A_SURVIVOR]
        if not live:
            raise Conflict("None of the selected claims can take the others in; type a number.")
        into = max(live, key=lambda c: (c.priority, -c.id))
    seen = next((s for s in selection if s.claim_id == into.id), None)
    if seen is not None and seen.version is not None and seen.version != into.version:
        raise Conflict(f"Claim #{into.id} changed since the page was loaded; reload it.")
    others = [s for s in selection if s.claim_id != into.id]
    if not others:
        raise InvalidInput("Select at least two claims to merge, or one and a claim number.")
    outcome = apply_each(
        session,
        others,
        lambda c: decisions.merge(session, c, into=into, actor=actor, now=now),
        claims=claims,
    )
    return into, outcome

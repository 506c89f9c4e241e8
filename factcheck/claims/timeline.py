"""The claim page's timeline: the audit entries about one claim, told as sentences.

The audit log keeps action codes and raw values (the admin's audit page shows them);
here each code a claim's timeline can hold becomes a sentence ("Ana Lee took the
claim"), a field change reads "rating: Mostly true → False", a long text is summarised
by its length, and comments and notes are quoted separately.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from factcheck.audit.models import AuditEntry
from factcheck.auth.models import User
from factcheck.claims.models import Claim

# How fields in audit entries are named for people, in the order they are listed.
LABELS = {
    "rating": "rating",
    "summary": "conclusion",
    "explanation": "explanation",
    "claim_text": "claim",
    "text": "claim",
    "claimant_name": "claimant",
    "claimant_role": "claimant's role",
    "claimed_on": "date claimed",
    "claim_type": "type",
    "evidence": "evidence",
    "score": "score",
    "priority": "priority",
    "article_count": "articles",
}
# A value longer than this is summarised by its length.
SHORT = 60
# An approval and a publication by the same editor this close together read as one event.
TOGETHER = timedelta(minutes=1)


@dataclass(frozen=True)
class Event:
    """One line of the timeline: when, what happened, and a comment or note if any."""

    occurred_at: datetime
    text: str
    quote: str | None = None


def claim_entries(
    session: so.Session, claim: Claim, *, hidden: tuple[str, ...] = ()
) -> list[AuditEntry]:
    """The claim's audit entries with their actors, oldest first; actions starting with
    one of `hidden` are left out (editorial.visibility: unpublished verdicts). The claim
    page tells them as sentences (claim_timeline), the API lists them as they are."""
    return [
        e
        for e in session.scalars(
            sa.select(AuditEntry)
            .options(so.joinedload(AuditEntry.actor))
            .where(AuditEntry.entity_type == "claim", AuditEntry.entity_id == claim.id)
            .order_by(AuditEntry.occurred_at, AuditEntry.id)
        )
        if not e.action.startswith(hidden)
    ]


def claim_timeline(
    session: so.Session, claim: Claim, *, hidden: tuple[str, ...] = ()
) -> list[Event]:
    """The claim's audit entries, oldest first, as sentences (see claim_entries)."""
    entries = claim_entries(session, claim, hidden=hidden)
    ids = {i for e in entries for i in _people(e) if isinstance(i, int)}
    names = dict(
        session.execute(sa.select(User.id, User.display_name).where(User.id.in_(ids))).all()
        if ids
        else []
    )
    return tell(entries, names)


def _people(entry: AuditEntry) -> Iterable[Any]:
    yield entry.extra.get("assignee_id")
    yield entry.extra.get("proposed_by_id")
    yield from entry.changes.get("assignee_id") or ()


def tell(entries: Iterable[AuditEntry], names: Mapping[int, str]) -> list[Event]:
    """Sentences for audit entries (in order); `names` maps user ids to display names."""
    entries = list(entries)
    events = []
    skip = set()
    for i, entry in enumerate(entries):
        if i in skip:
            continue
        following = entries[i + 1] if i + 1 < len(entries) else None
        if _published_at_once(entry, following):
            skip.add(i + 1)
            text, quote = _approve(entry, _who(entry), names)
            events.append(Event(entry.occurred_at, f"{text} and published the ruling", quote))
            continue
        describe = SENTENCES.get(entry.action)
        if describe is None and entry.action.startswith("claim.lease_"):
            describe = _lease_ended
        text, quote = (describe or _other)(entry, _who(entry), names)
        events.append(Event(entry.occurred_at, text, quote))
    return events


def describes(action: str) -> bool:
    """Whether the timeline has its own sentence for an action code."""
    return action in SENTENCES or action.startswith("claim.lease_")


def _published_at_once(entry: AuditEntry, following: AuditEntry | None) -> bool:
    return (
        entry.action == "verdict.approve"
        and following is not None
        and following.action == "ruling.publish"
        and following.actor_id == entry.actor_id
        and following.occurred_at - entry.occurred_at < TOGETHER
    )


def _who(entry: AuditEntry) -> str:
    return entry.actor.display_name if entry.actor is not None else "The system"


def _name(names: Mapping[int, str], user_id: Any) -> str:
    if user_id is None:
        return "nobody"
    return names.get(user_id, "a deleted user")


def value(raw: Any) -> str:
    """A stored value as people read it: no None, no brackets or quotes around lists."""
    if raw is None or raw == "" or raw == []:
        return "—"
    if isinstance(raw, bool):
        return "yes" if raw else "no"
    if isinstance(raw, float):
        return f"{raw:.3f}" if abs(raw) >= 0.001 or raw == 0 else f"{raw:.1e}"
    if isinstance(raw, list | tuple):
        return ", ".join(value(v) for v in raw)
    if isinstance(raw, dict):
        return ", ".join(f"{k}: {value(v)}" for k, v in raw.items())
    return str(raw)


def _length(field: str, raw: Any) -> tuple[int, str]:
    if isinstance(raw, list | tuple):
        return len(raw), "sources" if field == "evidence" else "items"
    return len(str(raw)), "characters"


def change(field: str, old: Any, new: Any) -> str:
    """'rating: Mostly true → False', or 'explanation changed (412 → 530 characters)'."""
    label = LABELS.get(field, field.replace("_", " "))
    if max(len(value(old)), len(value(new))) <= SHORT:
        return f"{label}: {value(old)} → {value(new)}"
    if old in (None, "", []):
        return f"{label} added ({_length(field, new)[0]:,} {_length(field, new)[1]})"
    if new in (None, "", []):
        return f"{label} removed"
    (before, unit), (after, _) = _length(field, old), _length(field, new)
    return f"{label} changed ({before:,} → {after:,} {unit})"


def changes(entry: AuditEntry, skip: Iterable[str] = ("status",)) -> str:
    """The entry's field changes, in the labels' order, joined by semicolons."""
    order = list(LABELS)
    fields = sorted(
        (f for f in entry.changes if f not in skip and not f.endswith("_id")),
        key=lambda f: (order.index(f) if f in order else len(order), f),
    )
    return "; ".join(change(f, *entry.changes[f]) for f in fields)


def _with(text: str, details: str) -> str:
    return f"{text} ({details})" if details else text


def _revision(entry: AuditEntry) -> str:
    number = entry.extra.get("revision")
    return f" (revision {number})" if number is not None else ""


def _score(entry: AuditEntry) -> str:
    score = entry.extra.get("score")
    return f"score {value(float(score))}" if isinstance(score, int | float) else ""


def _model(entry: AuditEntry) -> str:
    return entry.extra.get("model") or "the classifier"


Sentence = tuple[str, str | None]


def _flag(entry: AuditEntry, who: str, names: Mapping[int, str]) -> Sentence:
    text = _with(f"Flagged as a claim by {_model(entry)}", _score(entry))
    if entry.actor is not None:
        text += f", in an article added by {who}"
    return text, None


def _rescore(entry: AuditEntry, who: str, names: Mapping[int, str]) -> Sentence:
    return _with(f"Scored again by {_model(entry)}", changes(entry, ("priority",))), None


def _unflag(entry: AuditEntry, who: str, names: Mapping[int, str]) -> Sentence:
    return _with(
        f"Dismissed when scored again: {_model(entry)} no longer flags it", _score(entry)
    ), None


def _repeat(entry: AuditEntry, who: str, names: Mapping[int, str]) -> Sentence:
    count = (entry.changes.get("article_count") or [None, None])[1]
    return _with("Repeated in another article", f"now in {count} articles" if count else ""), None


def _promote(entry: AuditEntry, who: str, names: Mapping[int, str]) -> Sentence:
    return f"{who} made a claim of a sentence the classifier had not flagged", None


def _take(entry: AuditEntry, who: str, names: Mapping[int, str]) -> Sentence:
    return f"{who} took the claim", None


def _assign(entry: AuditEntry, who: str, names: Mapping[int, str]) -> Sentence:
    old, new = entry.changes.get("assignee_id") or [None, None]
    if entry.action == "claim.reassign":
        return (
            f"{who} reassigned the claim from {_name(names, old)} to {_name(names, new)}",
            None,
        )
    return f"{who} assigned the claim to {_name(names, new)}", None


LEASE_ENDINGS = {
    "expired": "{holder}'s lease expired",
    "reassigned": "{holder}'s lease ended: the claim was reassigned",
    "deactivated": "{holder}'s lease ended: their account was deactivated",
    "submitted": "{holder}'s lease ended: the verdict was submitted",
}


def _lease_ended(entry: AuditEntry, who: str, names: Mapping[int, str]) -> Sentence:
    reason = entry.action.removeprefix("claim.lease_")
    holder_id = entry.extra.get("assignee_id")
    holder = _name(names, holder_id)
    if reason == "released":
        if holder_id == entry.actor_id:
            return f"{who} released the claim", None
        return f"{who} released {holder}'s lease", None
    template = LEASE_ENDINGS.get(reason, "{holder}'s lease ended ({reason})")
    return template.format(holder=holder, reason=reason.replace("_", " ")), None


def _dismiss(entry: AuditEntry, who: str, names: Mapping[int, str]) -> Sentence:
    reason = (entry.changes.get("dismiss_reason") or [None, None])[1]
    text = f"{who} dismissed the claim"
    if reason:
        text += f" as {reason.replace('_', ' ')}"
    return text, entry.extra.get("note")


def _reopen(entry: AuditEntry, who: str, names: Mapping[int, str]) -> Sentence:
    return f"{who} reopened the claim", None


def _merge(entry: AuditEntry, who: str, names: Mapping[int, str]) -> Sentence:
    into = (entry.changes.get("duplicate_of_id") or [None, None])[1]
    return f"{who} merged this claim into claim #{into}", None


def _merge_into(entry: AuditEntry, who: str, names: Mapping[int, str]) -> Sentence:
    count = (entry.changes.get("article_count") or [None, None])[1]
    return _with(
        f"{who} merged claim #{entry.extra.get('merged_claim_id')} into this one",
        f"now in {count} articles" if count else "",
    ), None


def _percent(entry: AuditEntry) -> str:
    similarity = entry.extra.get("similarity")
    return f"similarity {round(similarity * 100)}%" if isinstance(similarity, int | float) else ""


def _now_in(count: Any) -> str:
    return f"now in {count} article{'' if count == 1 else 's'}" if count else ""


def _repeat_link(entry: AuditEntry, who: str, names: Mapping[int, str]) -> Sentence:
    into = (entry.changes.get("duplicate_of_id") or [None, None])[1]
    verb = "Linked automatically" if entry.extra.get("automatic") else f"{who} linked this claim"
    return _with(f"{verb} as a repeat of claim #{into}", _percent(entry)), None


def _repeat_add(entry: AuditEntry, who: str, names: Mapping[int, str]) -> Sentence:
    count = (entry.changes.get("article_count") or [None, None])[1]
    how = " automatically" if entry.extra.get("automatic") else f" by {who}"
    return _with(
        f"Claim #{entry.extra.get('repeat_claim_id')} was linked to this one as a repeat{how}",
        _now_in(count),
    ), None


def _repeat_unlink(entry: AuditEntry, who: str, names: Mapping[int, str]) -> Sentence:
    return (
        f"{who} undid the repeat link to claim #{entry.extra.get('earlier_claim_id')}; "
        "the claim is back in the queue",
        None,
    )


def _repeat_remove(entry: AuditEntry, who: str, names: Mapping[int, str]) -> Sentence:
    count = (entry.changes.get("article_count") or [None, None])[1]
    return _with(
        f"{who} undid the repeat link of claim #{entry.extra.get('repeat_claim_id')}",
        _now_in(count),
    ), None


def _match_target(entry: AuditEntry) -> str:
    if entry.extra.get("earlier_claim_id") is not None:
        return f"claim #{entry.extra['earlier_claim_id']}"
    return f"the ruling by {entry.extra.get('publisher') or 'another organisation'}"


def _match_suggest(entry: AuditEntry, who: str, names: Mapping[int, str]) -> Sentence:
    claims = entry.extra.get("earlier_claims") or {}
    rulings = entry.extra.get("external_rulings") or {}
    found = [
        f"claim #{cid} ({round(sim * 100)}%)"
        for cid, sim in claims.items()
        if isinstance(sim, int | float)
    ]
    if rulings:
        found.append(f"{len(rulings)} ruling{'' if len(rulings) == 1 else 's'} from elsewhere")
    if not found:
        return "Checked against earlier claims and rulings: nothing similar", None
    listed = ", ".join(found[:-1]) + " and " + found[-1] if len(found) > 1 else found[0]
    return f"Found similar to {listed}", None


def _match_reject(entry: AuditEntry, who: str, names: Mapping[int, str]) -> Sentence:
    return f"{who} marked {_match_target(entry)} as not the same claim", None


def _ruling_attached(entry: AuditEntry, who: str, names: Mapping[int, str]) -> Sentence:
    rating = entry.extra.get("rating")
    return _with(
        f"{who} attached the published ruling of claim #{entry.extra.get('ruling_claim_id')}",
        f"rated {rating}" if rating else "",
    ), None


def _external_confirm(entry: AuditEntry, who: str, names: Mapping[int, str]) -> Sentence:
    return f"{who} confirmed that {_match_target(entry)} is about this claim", None


def _external_unconfirm(entry: AuditEntry, who: str, names: Mapping[int, str]) -> Sentence:
    return f"{who} withdrew the confirmation of {_match_target(entry)}", None


def _edit(entry: AuditEntry, who: str, names: Mapping[int, str]) -> Sentence:
    return _with(f"{who} edited the claim", changes(entry)), None


def _save(entry: AuditEntry, who: str, names: Mapping[int, str]) -> Sentence:
    if entry.extra.get("revision") == 1:
        rating = (entry.changes.get("rating") or [None, None])[1]
        return _with(f"{who} saved a verdict draft", f"rating: {value(rating)}"), None
    return _with(f"{who} saved revision {entry.extra.get('revision')}", changes(entry)), None


def _submit(entry: AuditEntry, who: str, names: Mapping[int, str]) -> Sentence:
    before = (entry.changes.get("status") or [None, None])[0]
    verb = "resubmitted" if before == "returned" else "submitted"
    return f"{who} {verb} the verdict{_revision(entry)} for approval", None


def _approve(entry: AuditEntry, who: str, names: Mapping[int, str]) -> Sentence:
    return f"{who} approved the verdict{_revision(entry)}", entry.extra.get("comment")


def _return(entry: AuditEntry, who: str, names: Mapping[int, str]) -> Sentence:
    return f"{who} returned the verdict{_revision(entry)}", entry.extra.get("comment")


def _publish(entry: AuditEntry, who: str, names: Mapping[int, str]) -> Sentence:
    return f"{who} published the ruling", None


def _correct(entry: AuditEntry, who: str, names: Mapping[int, str]) -> Sentence:
    text = f"{who} corrected the ruling{_revision(entry)}"
    if (proposer := entry.extra.get("proposed_by_id")) is not None:
        text = f"{who} approved the correction {_name(names, proposer)} proposed{_revision(entry)}"
    return text, entry.extra.get("note")


def _propose(entry: AuditEntry, who: str, names: Mapping[int, str]) -> Sentence:
    return _with(
        f"{who} proposed a correction{_revision(entry)}, waiting for a second editor",
        changes(entry),
    ), entry.extra.get("note")


def _decline(entry: AuditEntry, who: str, names: Mapping[int, str]) -> Sentence:
    return f"{who} declined the proposed correction{_revision(entry)}", entry.extra.get("comment")


def _retract(entry: AuditEntry, who: str, names: Mapping[int, str]) -> Sentence:
    return f"{who} retracted the ruling", entry.extra.get("note")


def _other(entry: AuditEntry, who: str, names: Mapping[int, str]) -> Sentence:
    """An action without its own sentence: its words, not its code."""
    words = entry.action.replace(".", " ").replace("_", " ")
    return _with(f"{who}: {words}", changes(entry)), entry.extra.get("comment") or entry.extra.get(
        "note"
    )


SENTENCES: dict[str, Callable[[AuditEntry, str, Mapping[int, str]], Sentence]] = {
    "claim.flag": _flag,
    "claim.rescore": _rescore,
    "claim.unflag": _unflag,
    "claim.repeat": _repeat,
    "claim.promote": _promote,
    "claim.take": _take,
    "claim.assign": _assign,
    "claim.reassign": _assign,
    "claim.dismiss": _dismiss,
    "claim.reopen": _reopen,
    "claim.merge": _merge,
    "claim.merge_into": _merge_into,
    "claim.edit": _edit,
    "claim.repeat_link": _repeat_link,
    "claim.repeat_add": _repeat_add,
    "claim.repeat_unlink": _repeat_unlink,
    "claim.repeat_remove": _repeat_remove,
    "claim.match_suggest": _match_suggest,
    "claim.match_reject": _match_reject,
    "claim.ruling_attached": _ruling_attached,
    "claim.external_confirm": _external_confirm,
    "claim.external_unconfirm": _external_unconfirm,
    "verdict.save": _save,
    "verdict.submit": _submit,
    "verdict.approve": _approve,
    "verdict.return": _return,
    "ruling.publish": _publish,
    "ruling.correct": _correct,
    "ruling.correction_propose": _propose,
    "ruling.correction_decline": _decline,
    "ruling.retract": _retract,
}

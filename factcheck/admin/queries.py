"""The admin pages' reads: every account, and the audit log a page at a time. Nothing
here writes; the audit log is read-only everywhere (audit.services only appends)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so

from factcheck.audit.models import AuditEntry
from factcheck.auth.models import User


def accounts(session: so.Session) -> Sequence[User]:
    """Every account, active ones first, by email; their roles come with them (one
    statement for all, User.role_grants loads by selectin)."""
    return session.scalars(sa.select(User).order_by(User.is_active.desc(), User.email)).all()


@dataclass(frozen=True)
class AuditFilters:
    """Which audit entries to list; every field optional."""

    # Part of the actor's email, any case.
    actor: str | None = None
    # The start of the action code ("claim." for every claim action).
    action: str | None = None
    entity_type: str | None = None
    entity_id: int | None = None
    since: date | None = None
    until: date | None = None


def _at_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def audit_log(
    session: so.Session, filters: AuditFilters, *, before: int | None, limit: int
) -> Sequence[AuditEntry]:
    """Up to limit + 1 entries the filters select, newest first, with their actors (the
    extra one tells the page there is an older page), from ids below `before`."""
    query = sa.select(AuditEntry).options(so.joinedload(AuditEntry.actor))
    if filters.actor:
        query = query.join(User, User.id == AuditEntry.actor_id).where(
            User.email.ilike(f"%{filters.actor.strip().lower()}%")
        )
    if filters.action:
        query = query.where(AuditEntry.action.startswith(filters.action.strip()))
    if filters.entity_type:
        query = query.where(AuditEntry.entity_type == filters.entity_type.strip())
    if filters.entity_id is not None:
        query = query.where(AuditEntry.entity_id == filters.entity_id)
    if filters.since:
        query = query.where(AuditEntry.occurred_at >= _at_midnight(filters.since))
    if filters.until:
        query = query.where(
            AuditEntry.occurred_at < _at_midnight(filters.until + timedelta(days=1))
        )
    if before:
        query = query.where(AuditEntry.id < before)
    return session.scalars(query.order_by(AuditEntry.id.desc()).limit(limit + 1)).all()

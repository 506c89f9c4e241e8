"""The audit log: one append-only row per change or security event."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from factcheck.db import Base, utcnow


class AuditEntry(Base):
    """Who did what to which entity, when, and which fields changed from what to what."""

    __tablename__ = "audit_entries"
    __table_args__ = (
        sa.Index("ix_audit_entries_entity", "entity_type", "entity_id"),
        sa.Index("ix_audit_entries_occurred_at", "occurred_at"),
        sa.CheckConstraint("length(trim(action)) > 0", name="action_present"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    occurred_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    # None for the system itself (CLI without a user, scheduled jobs).
    actor_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # Dotted verb, e.g. "user.create", "claim.assign", "auth.login_failed".
    action: so.Mapped[str] = so.mapped_column(sa.String(64))
    entity_type: so.Mapped[str] = so.mapped_column(sa.String(40))
    entity_id: so.Mapped[int | None]
    # {field: [old, new]}
    changes: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, default=dict)
    # Anything else worth keeping: IP address, user agent, reason, counts.
    extra: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, default=dict)

    # "User" is found by name in the model registry, not imported: auth writes to the audit
    # log, so the log may not depend on auth, not even for a type hint.
    actor: so.Mapped[User | None] = so.relationship("User")  # noqa: F821

    def __repr__(self) -> str:
        return (
            f"<AuditEntry id={self.id!r} action={self.action!r} "
            f"{self.entity_type}:{self.entity_id}>"
        )

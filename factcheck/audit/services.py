"""Write audit entries; services call record() in the same transaction as their change."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from datetime import date, datetime
from typing import Any

import sqlalchemy.orm as so

from factcheck.audit.models import AuditEntry
from factcheck.db import listen_once

# Where the current request came from (IP address, user agent); set by the web layer
# so services need not know about HTTP. Empty for the CLI and background jobs.
request_context: ContextVar[Mapping[str, Any] | None] = ContextVar(
    "audit_request_context", default=None
)


class AuditLogImmutable(RuntimeError):
    """Raised when code tries to change or delete an audit entry."""


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return sorted(_jsonable(v) for v in value)
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def changes_between(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Return {field: [old, new]} for the fields whose value differs."""
    out: dict[str, list[Any]] = {}
    for field in sorted(set(old) | set(new)):
        before, after = _jsonable(old.get(field)), _jsonable(new.get(field))
        if before != after:
            out[field] = [before, after]
    return out


def snapshot(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    """Return the named attributes of obj as a plain dict, for changes_between()."""
    return {f: getattr(obj, f) for f in fields}


def record(
    session: so.Session,
    *,
    actor: Any | None,
    action: str,
    entity_type: str,
    entity_id: int | None,
    changes: Mapping[str, list[Any]] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Add an audit entry to the session (flushed with the change it describes)."""
    details = {**(request_context.get() or {}), **(extra or {})}
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        changes=dict(changes or {}),
        extra={k: _jsonable(v) for k, v in details.items()},
    )
    session.add(entry)
    session.flush()
    return entry


def _refuse_update(mapper, connection, target) -> None:  # noqa: ANN001
    raise AuditLogImmutable("audit entries cannot be changed")


def _refuse_delete(mapper, connection, target) -> None:  # noqa: ANN001
    raise AuditLogImmutable("audit entries cannot be deleted")


def register_guards() -> None:
    """Refuse updates and deletes of audit entries in the ORM (idempotent)."""
    listen_once(AuditEntry, "before_update", _refuse_update)
    listen_once(AuditEntry, "before_delete", _refuse_delete)

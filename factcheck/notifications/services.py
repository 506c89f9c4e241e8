"""In-app notifications, and optional email copies sent only after the change commits."""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Sequence
from datetime import datetime
from email.message import EmailMessage
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from factcheck.auth.models import Notification, User, UserRole
from factcheck.auth.roles import Role
from factcheck.db import listen_once
from factcheck.errors import NotFound

log = logging.getLogger(__name__)

KINDS = (
    "assignment",
    "returned",
    "approved",
    "published",
    "corrected",
    "retracted",
    "released",
    "submitted",
    "correction",
)
MESSAGE_MAX = 500
_OUTBOX = "factcheck_outbox"


def notify(
    session: so.Session, *, user: User, kind: str, message: str, claim: Any | None = None
) -> Notification:
    """Leave a notice for a user; an email copy is queued for after the commit."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    message = message if len(message) <= MESSAGE_MAX else message[: MESSAGE_MAX - 1] + "…"
    notice = Notification(
        user_id=user.id, kind=kind, message=message, claim_id=getattr(claim, "id", None)
    )
    session.add(notice)
    session.flush()
    session.info.setdefault(_OUTBOX, []).append((user.email, kind, message))
    return notice


def active_editors(session: so.Session, *, exclude: Sequence[int] = ()) -> list[User]:
    """Every active editor, but those whose ids are in `exclude`, by name."""
    query = (
        sa.select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(User.is_active, UserRole.role == Role.EDITOR.value)
        .order_by(User.display_name, User.id)
    )
    if exclude:
        query = query.where(User.id.not_in(list(exclude)))
    return list(session.scalars(query))


def notify_editors(
    session: so.Session,
    *,
    kind: str,
    message: str,
    claim: Any | None = None,
    exclude: Sequence[int] = (),
) -> list[Notification]:
    """Leave the same notice for every active editor (one row each), but the excluded."""
    return [
        notify(session, user=editor, kind=kind, message=message, claim=claim)
        for editor in active_editors(session, exclude=exclude)
    ]


def unread_count(session: so.Session, user: User) -> int:
    return session.scalar(
        sa.select(sa.func.count())
        .select_from(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
    )


def recent(session: so.Session, user: User, limit: int = 100) -> Sequence[Notification]:
    return session.scalars(
        sa.select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)
    ).all()


def mark_read(
    session: so.Session, *, user: User, now: datetime, notification_id: int | None = None
) -> int:
    """Mark one of the user's notifications (or all of them) read; returns how many."""
    query = sa.select(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    rows = session.scalars(query).all()
    if notification_id is not None and not rows:
        exists = session.get(Notification, notification_id)
        if exists is None or exists.user_id != user.id:
            raise NotFound("There is no such notification.")
    for row in rows:
        row.read_at = now
    session.flush()
    return len(rows)


# Email ---------------------------------------------------------------------------------

_SUBJECTS = {
    "assignment": "A claim was assigned to you",
    "returned": "Your verdict was returned",
    "approved": "Your verdict was approved",
    "published": "A ruling was published",
    "corrected": "A ruling was corrected",
    "retracted": "A ruling was retracted",
    "submitted": "A verdict is waiting for review",
    "correction": "A correction needs a second editor",
    "released": "Claims a deactivated colleague held are free to reassign",
}


def send_outbox(config: dict[str, Any], outbox: list[tuple[str, str, str]]) -> int:
    """Send queued notices by SMTP; failures are logged, never raised (the change stands)."""
    if not outbox or not config.get("MAIL_ENABLED"):
        return 0
    sent = 0
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], int(config["MAIL_PORT"]), timeout=10) as smtp:
            if config.get("MAIL_USE_STARTTLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            for address, kind, message in outbox:
                email = EmailMessage()
                email["From"] = config["MAIL_FROM"]
                email["To"] = address
                email["Subject"] = f"[factcheck] {_SUBJECTS.get(kind, 'Notification')}"
                email.set_content(message)
                smtp.send_message(email)
                sent += 1
    except (OSError, smtplib.SMTPException):
        log.exception("could not send %d notification email(s)", len(outbox) - sent)
    return sent


def _after_commit(session: so.Session) -> None:
    outbox = session.info.pop(_OUTBOX, None)
    if not outbox:
        return
    from flask import current_app, has_app_context

    if has_app_context():
        send_outbox(current_app.config, outbox)


def _after_rollback(session: so.Session) -> None:
    session.info.pop(_OUTBOX, None)


def register_outbox() -> None:
    """Send queued emails only after the change that caused them commits, so a rolled-back
    change never sends one. Registered once, for every session (idempotent)."""
    listen_once(so.Session, "after_commit", _after_commit)
    listen_once(so.Session, "after_rollback", _after_rollback)

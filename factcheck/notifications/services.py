"""In-app notifications, and optional email copies: queued as a "mail" job in the same
transaction as the notices (factcheck.tasks.kinds.mail sends them), so only a committed
change sends mail, and an SMTP outage is retried rather than lost."""

from __future__ import annotations

import smtplib
from collections.abc import Mapping, Sequence
from datetime import datetime
from email.message import EmailMessage
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from factcheck.auth.models import Notification, User, UserRole
from factcheck.auth.roles import Role
from factcheck.db import listen_once
from factcheck.errors import NotFound
from factcheck.jobs.models import Job
from factcheck.jobs.services import enqueue

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
# Seconds to wait for the SMTP server; tries of a mail job (the runner's backoff between
# them: 10 s, 60 s, 5 min, 30 min, so an outage of about 36 minutes is ridden out).
MAIL_TIMEOUT = 10
MAIL_ATTEMPTS = 5


def notify(
    session: so.Session, *, user: User, kind: str, message: str, claim: Any | None = None
) -> Notification:
    """Leave a notice for a user; its email copy (if mail is on) is queued at the commit."""
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


def mail_message(config: Mapping[str, Any], address: str, kind: str, message: str) -> EmailMessage:
    """The email copy of one notice."""
    email = EmailMessage()
    email["From"] = config["MAIL_FROM"]
    email["To"] = address
    email["Subject"] = f"[factcheck] {_SUBJECTS.get(kind, 'Notification')}"
    email.set_content(message)
    return email


def smtp_connection(config: Mapping[str, Any]) -> smtplib.SMTP:
    """A connection to the configured SMTP server, signed in when a user is set (use it
    in a with block). Raises OSError or smtplib.SMTPException when the server cannot be
    reached or refuses us."""
    smtp = smtplib.SMTP(config["MAIL_SERVER"], int(config["MAIL_PORT"]), timeout=MAIL_TIMEOUT)
    try:
        if config.get("MAIL_USE_STARTTLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


def queue_mail(session: so.Session, outbox: Sequence[tuple[str, str, str]]) -> Job | None:
    """Turn notices' email copies into one "mail" job in the session's transaction; flush.
    Sent only if the transaction commits, by a worker that retries an SMTP outage."""
    if not outbox:
        return None
    messages = [[address, kind, message] for address, kind, message in outbox]
    return enqueue(
        session,
        "mail",
        {"messages": messages},
        actor_id=None,
        total=len(messages),
        max_attempts=MAIL_ATTEMPTS,
    )


def _before_commit(session: so.Session) -> None:
    outbox = session.info.pop(_OUTBOX, None)
    if not outbox:
        return
    from flask import current_app, has_app_context

    if has_app_context() and current_app.config.get("MAIL_ENABLED"):
        queue_mail(session, outbox)


def _after_rollback(session: so.Session) -> None:
    session.info.pop(_OUTBOX, None)


def register_outbox() -> None:
    """Queue the email copies of a transaction's notices as a "mail" job in that same
    transaction, just before it commits, so a rolled-back change never sends one.
    Registered once, for every session (idempotent)."""
    listen_once(so.Session, "before_commit", _before_commit)
    listen_once(so.Session, "after_rollback", _after_rollback)

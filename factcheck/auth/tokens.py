"""API tokens: created per user, shown once, stored as a SHA-256 hash, revocable.

A token is "fc_" + 43 random URL-safe characters (256 bits). Its hash, not the token,
is stored; a high-entropy secret needs no slow hash. The first characters are kept as
a prefix so people can tell their tokens apart.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so

from factcheck.audit.services import record
from factcheck.auth.models import ApiToken, User
from factcheck.db import listen_once
from factcheck.errors import Conflict, InvalidInput, NotFound

TOKEN_PREFIX = "fc_"  # noqa: S105  (a prefix, not a secret)
NAME_MAX = 100
MAX_ACTIVE = 20
# last_used_at is stamped at most this often, so busy scripts do not write on every call;
# only requests that change data stamp it (reads write nothing), saved with their change.
TOUCH_EVERY = timedelta(minutes=5)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(
    session: so.Session,
    *,
    user: User,
    name: str,
    now: datetime,
    expires_in_days: int | None = None,
) -> tuple[ApiToken, str]:
    """Create a token for the user (acting for themselves); returns it and the secret."""
    name = " ".join((name or "").split())
    if not name:
        raise InvalidInput("Name the token, e.g. after the script that will use it.")
    if len(name) > NAME_MAX:
        raise InvalidInput(f"Keep the token's name under {NAME_MAX} characters.")
    if expires_in_days is not None and not 1 <= expires_in_days <= 3650:
        raise InvalidInput("A token lasts from 1 to 3,650 days.")
    active = session.scalar(
        sa.select(sa.func.count())
        .select_from(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    )
    if active >= MAX_ACTIVE:
        raise Conflict(f"You have {MAX_ACTIVE} active tokens; revoke one first.")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name,
        prefix=secret[:10],
        token_hash=_digest(secret),
        created_at=now,
        expires_at=now + timedelta(days=expires_in_days) if expires_in_days else None,
    )
    session.add(token)
    session.flush()
    record(
        session,
        actor=user,
        action="api_token.create",
        entity_type="api_token",
        entity_id=token.id,
        extra={"name": name, "prefix": token.prefix, "expires_at": token.expires_at},
    )
    return token, secret


def revoke_token(session: so.Session, *, user: User, token_id: int, now: datetime) -> ApiToken:
    """Revoke one of the user's own tokens; it stops working at once."""
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound("There is no such token.")
    if token.revoked_at is not None:
        raise Conflict("This token is already revoked.")
    token.revoked_at = now
    token.revoked_reason = OWNER_REVOKED
    session.flush()
    record(
        session,
        actor=user,
        action="api_token.revoke",
        entity_type="api_token",
        entity_id=token.id,
        extra={"name": token.name, "prefix": token.prefix},
    )
    return token


def revoke_all(
    session: so.Session, *, user: User, reason: str, actor: User | None, now: datetime
) -> int:
    """Revoke every live token of the user (an account recovery action); return how many.

    `reason` is shown to the user on their tokens page ("your password was changed").
    """
    live = session.scalars(
        sa.select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ).all()
    for token in live:
        token.revoked_at = now
        token.revoked_reason = reason
    session.flush()
    if live:
        record(
            session,
            actor=actor,
            action="api_token.revoke_all",
            entity_type="user",
            entity_id=user.id,
            extra={"reason": reason, "count": len(live), "prefixes": [t.prefix for t in live]},
        )
    return len(live)


def user_for_token(
    session: so.Session, secret: str, now: datetime, *, touch: bool = False
) -> User | None:
    """The active user a live token belongs to, or None (unknown, revoked, expired).

    With `touch`, the token's last use is stamped when the session next commits (a change
    the request makes), never by itself: the stamp waits in the session's info, so the
    session stays clean (ingest can end its read transaction before scoring) and a request
    that commits nothing writes nothing."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == _digest(secret)))
    if token is None or token.revoked_at is not None:
        return None
    if token.expires_at is not None and token.expires_at <= now:
        return None
    user = session.get(User, token.user_id)
    if user is None or not user.is_active:
        return None
    if touch and (token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY):
        session.info[_STAMP] = (token.id, now)
    return user


_STAMP = "factcheck.token_stamp"


def _apply_stamp(session: so.Session) -> None:
    if (pending := session.info.pop(_STAMP, None)) is not None:
        token = session.get(ApiToken, pending[0])
        if token is not None:
            token.last_used_at = pending[1]


def _drop_stamp(session: so.Session) -> None:
    session.info.pop(_STAMP, None)


def register_stamp() -> None:
    """Apply a waiting last-use stamp in the request's first commit; a rollback drops it.
    Registered once, for every session (idempotent)."""
    listen_once(so.Session, "before_commit", _apply_stamp)
    listen_once(so.Session, "after_rollback", _drop_stamp)


OWNER_REVOKED = "you revoked it"
RECOVERY_NOTICE_DAYS = 30


def revoked_for_recovery(tokens: list[ApiToken], *, now: datetime) -> list[ApiToken]:
    """Tokens an account recovery action revoked lately (the tokens page tells the owner)."""
    since = now - timedelta(days=RECOVERY_NOTICE_DAYS)
    return [
        t
        for t in tokens
        if t.revoked_at is not None
        and t.revoked_reason not in (None, OWNER_REVOKED)
        and t.revoked_at >= since
    ]


def tokens_of(session: so.Session, user: User) -> list[ApiToken]:
    return list(
        session.scalars(
            sa.select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc())
        )
    )

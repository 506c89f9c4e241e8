"""Failed sign-ins, throttled per email address and client address, and per email overall.

Two counters for each email address typed into the sign-in form (whether or not an
account has it, so the answers never tell an attacker which addresses exist):

- from one client address: `max_failures` failures within `lockout` shut that address out
  of that email for `lockout`. Someone guessing from elsewhere cannot lock the owner out.
- from every address together: `account_max_failures` failures within `account_window`
  (a distributed guess) shut out every browser the owner has not signed in from before.
  Browsers where the owner signed in successfully carry a signed device cookie
  (auth/views.py) and are exempt, so the counter is no switch to lock a person out of
  their own desk.

Rows are keyed by hashes, never the email or the address in clear, and old rows are
pruned as new failures arrive, so the table stays small whatever an attacker types.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.exc as sa_exc
import sqlalchemy.orm as so

from factcheck.auth.models import LoginThrottle

ALL_ADDRESSES = "*"


@dataclass(frozen=True)
class LoginPolicy:
    """How many failed sign-ins shut a client out, and for how long."""

    max_failures: int = 10
    lockout: timedelta = timedelta(minutes=15)
    account_max_failures: int = 100
    account_window: timedelta = timedelta(hours=1)


def email_digest(email: str) -> str:
    """A stable digest of an email address as the sign-in form normalises it."""
    return hashlib.sha256(email.strip().lower().encode("utf-8")).hexdigest()


def _key(email: str, address: str) -> str:
    return hashlib.sha256(f"{email_digest(email)}\x00{address}".encode()).hexdigest()


def refused_until(
    session: so.Session, email: str, address: str, *, now: datetime, trusted_device: bool
) -> datetime | None:
    """When sign-ins for this email from this client may resume, or None if they may now."""
    keys = [_key(email, address)]
    if not trusted_device:
        keys.append(_key(email, ALL_ADDRESSES))
    until = session.scalars(
        sa.select(LoginThrottle.locked_until).where(
            LoginThrottle.key.in_(keys), LoginThrottle.locked_until > now
        )
    ).all()
    return max(until) if until else None


def _bump(
    session: so.Session,
    email: str,
    key: str,
    *,
    now: datetime,
    limit: int,
    window: timedelta,
    lock: timedelta,
) -> LoginThrottle:
    row = session.get(LoginThrottle, key, with_for_update=True)
    if row is None:
        try:
            with session.begin_nested():
                row = LoginThrottle(
                    key=key, email_key=email_digest(email), failures=0, window_started_at=now
                )
                session.add(row)
                session.flush()
        except sa_exc.IntegrityError:  # a concurrent failure created it first
            row = session.get(LoginThrottle, key, with_for_update=True, populate_existing=True)
    if row.window_started_at + window <= now:
        row.failures = 0
        row.window_started_at = now
    row.failures += 1
    if row.failures >= limit:
        row.locked_until = now + lock
        row.failures = 0
        row.window_started_at = now
    return row


def count_failure(
    session: so.Session, email: str, address: str, *, now: datetime, policy: LoginPolicy
) -> datetime | None:
    """Count one failed sign-in; return when the client is shut out, if this shut it out."""
    pair = _bump(
        session,
        email,
        _key(email, address),
        now=now,
        limit=policy.max_failures,
        window=policy.lockout,
        lock=policy.lockout,
    )
    overall = _bump(
        session,
        email,
        _key(email, ALL_ADDRESSES),
        now=now,
        limit=policy.account_max_failures,
        window=policy.account_window,
        lock=policy.lockout,
    )
    _prune(session, now=now, horizon=max(policy.lockout, policy.account_window))
    session.flush()
    locks = [r.locked_until for r in (pair, overall) if r.locked_until and r.locked_until > now]
    return max(locks) if locks else None


def clear(session: so.Session, email: str, address: str | None = None) -> None:
    """Forget failures for an email: from one address (a good sign-in), or all (a reset)."""
    query = sa.delete(LoginThrottle).where(LoginThrottle.email_key == email_digest(email))
    if address is not None:
        query = query.where(LoginThrottle.key == _key(email, address))
    session.execute(query)


def _prune(session: so.Session, *, now: datetime, horizon: timedelta) -> None:
    cutoff = now - horizon
    session.execute(
        sa.delete(LoginThrottle).where(
            LoginThrottle.window_started_at < cutoff,
            sa.or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until <= now),
        )
    )

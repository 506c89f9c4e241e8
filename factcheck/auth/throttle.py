"""Failed sign-ins, throttled per email address and client address, and per email overall.

Two counters for each email address typed into the sign-in form (whether or not an
account has it, so the answers never tell an attacker which addresses exist):

- from one client: more than `max_failures` attempts without a good one within `lockout`
  shut that client out of that email for `lockout`. A client is a browser's device id
  when it carries the device cookie of a past sign-in to this email, else its address:
  someone guessing from elsewhere, or from the same office address, cannot lock the owner
  out of their own browser.
- from every client together: more than `account_max_failures` within `account_window`
  (a distributed guess) shut out every browser the owner has not signed in from before.
  Browsers with the device cookie (auth/views.py) are exempt, so the counter is no switch
  to lock a person out of their own desk.

Attempts are counted before the password is checked, under a row lock, so parallel
guesses cannot slip past the limit; a good sign-in takes its attempt back.

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
from factcheck.db import serialise_writers

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


def _bump(
    session: so.Session,
    email: str,
    key: str,
    *,
    now: datetime,
    limit: int,
    window: timedelta,
    lock: timedelta,
) -> datetime | None:
    """Count one attempt on a key; return when the key is shut out, if it is."""
    row = session.get(LoginThrottle, key, with_for_update=True)
    if row is None:
        try:
            with session.begin_nested():
                row = LoginThrottle(
                    key=key, email_key=email_digest(email), failures=0, window_started_at=now
                )
                session.add(row)
                session.flush()
        except sa_exc.IntegrityError:  # a concurrent attempt created it first
            row = session.get(LoginThrottle, key, with_for_update=True, populate_existing=True)
    if row.locked_until is not None and row.locked_until > now:
        return row.locked_until
    if row.window_started_at + window <= now:
        row.failures = 0
        row.window_started_at = now
    row.failures += 1
    if row.failures > limit:
        row.locked_until = now + lock
        row.failures = 0
        row.window_started_at = now
        return row.locked_until
    return None


def count_attempt(
    session: so.Session,
    email: str,
    client: str,
    *,
    now: datetime,
    policy: LoginPolicy,
    trusted_device: bool,
) -> datetime | None:
    """Count a sign-in attempt before its password is checked; return when the client is
    shut out, if it is (the attempt is then refused unchecked).

    `client` is the browser's device id when it carries a device cookie for this email,
    else its address: people behind one office address do not share a bucket with an
    attacker there. Counting first, under a row lock (SQLite: the write lock), bounds a
    burst of parallel guesses: attempt max + 1 is refused however many arrive at once. A
    good sign-in takes its attempt back (`forget_attempt`).
    """
    serialise_writers(session)
    pair = _bump(
        session,
        email,
        _key(email, client),
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
    locks = [u for u in (pair, None if trusted_device else overall) if u is not None]
    return max(locks) if locks else None


def forget_attempt(session: so.Session, email: str, client: str) -> None:
    """A good sign-in: this client starts again from zero, and the attempt it counted
    against the email as a whole is taken back."""
    session.execute(sa.delete(LoginThrottle).where(LoginThrottle.key == _key(email, client)))
    overall = session.get(LoginThrottle, _key(email, ALL_ADDRESSES))
    if overall is not None and overall.failures > 0:
        overall.failures -= 1


def clear(session: so.Session, email: str) -> None:
    """Forget every count and lock on an email address (an administrator's reset)."""
    session.execute(sa.delete(LoginThrottle).where(LoginThrottle.email_key == email_digest(email)))


def _prune(session: so.Session, *, now: datetime, horizon: timedelta) -> None:
    cutoff = now - horizon
    session.execute(
        sa.delete(LoginThrottle).where(
            LoginThrottle.window_started_at < cutoff,
            sa.or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until <= now),
        )
    )

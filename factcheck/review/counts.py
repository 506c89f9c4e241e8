"""Claim counts by status for the navigation and the dashboard, kept briefly.

Counting every claim by status costs more than the rest of a page once a desk has
100,000 claims (about 20 ms on PostgreSQL, on every page, for every user). Each app keeps
the counts for STATUS_COUNTS_TTL seconds (5 by default; 0 counts on every page). A commit
in this process that adds, changes or removes a claim drops the kept counts at once, so
people see their own changes immediately; other gunicorn workers catch up within the TTL.
"""

from __future__ import annotations

import threading
import time
import weakref
from itertools import chain

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Flask, current_app

from factcheck.claims.lifecycle import ClaimStatus
from factcheck.claims.models import Claim
from factcheck.db import listen_once, utcnow
from factcheck.review.queries import lapsed_leases

_EXTENSION = "factcheck.status_counts"
_kept: weakref.WeakSet[KeptCounts] = weakref.WeakSet()


class KeptCounts:
    """One app's counts and when they go stale."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, int] | None = None
        self._fresh_until = 0.0

    def get(self, session: so.Session, ttl: float) -> dict[str, int]:
        now = time.monotonic()
        with self._lock:
            if self._counts is not None and now < self._fresh_until:
                return dict(self._counts)
        counts = count_by_status(session)
        if ttl > 0:
            with self._lock:
                self._counts, self._fresh_until = counts, now + ttl
        return dict(counts)

    def drop(self) -> None:
        with self._lock:
            self._counts = None


def count_by_status(session: so.Session) -> dict[str, int]:
    """How many claims are in each status, counted now; a claim in review whose lease ran
    out counts as new (review.queries.statuses_now), though nothing has recorded it yet."""
    counts = dict(
        session.execute(sa.select(Claim.status, sa.func.count()).group_by(Claim.status)).all()
    )
    if counts.get(ClaimStatus.IN_REVIEW):
        lapsed = session.scalar(
            sa.select(sa.func.count())
            .select_from(Claim)
            .where(Claim.status == ClaimStatus.IN_REVIEW, Claim.id.in_(lapsed_leases(utcnow())))
        )
        if lapsed:
            counts[ClaimStatus.NEW] = counts.get(ClaimStatus.NEW, 0) + lapsed
            counts[ClaimStatus.IN_REVIEW] -= lapsed
            if not counts[ClaimStatus.IN_REVIEW]:
                del counts[ClaimStatus.IN_REVIEW]
    return counts


def status_counts(session: so.Session) -> dict[str, int]:
    """How many claims are in each status, at most STATUS_COUNTS_TTL seconds old."""
    kept = current_app.extensions.get(_EXTENSION)
    if kept is None:
        return count_by_status(session)
    return kept.get(session, float(current_app.config["STATUS_COUNTS_TTL"]))


def init_app(app: Flask) -> None:
    """Keep this app's counts, dropped by any commit in this process that changes a claim."""
    kept = KeptCounts()
    app.extensions[_EXTENSION] = kept
    _kept.add(kept)
    listen_once(so.Session, "before_flush", _note_claim_changes)
    listen_once(so.Session, "after_commit", _drop_kept_counts)
    listen_once(so.Session, "after_rollback", _forget_changes)


def _note_claim_changes(session: so.Session, context: object, instances: object) -> None:
    if any(isinstance(o, Claim) for o in chain(session.new, session.dirty, session.deleted)):
        session.info["claims_changed"] = True


def _drop_kept_counts(session: so.Session) -> None:
    if session.info.pop("claims_changed", False):
        for kept in list(_kept):
            kept.drop()


def _forget_changes(session: so.Session) -> None:
    session.info.pop("claims_changed", None)

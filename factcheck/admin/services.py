"""Account actions that reach beyond the account itself.

Deactivating a person ends their sessions and API tokens (auth) and frees the claims they
held (review): both in the caller's one transaction, so either all happens or nothing.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy.orm as so

from factcheck.auth.models import User
from factcheck.auth.services import set_active
from factcheck.review.leases import release_leases_of


def deactivate(session: so.Session, user: User, *, actor: User | None, now: datetime) -> int:
    """Deactivate the account and release its leases; return how many claims came free."""
    set_active(session, user, active=False, actor=actor, now=now)
    return len(release_leases_of(session, user, actor=actor, now=now))

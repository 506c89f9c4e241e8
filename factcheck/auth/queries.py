"""Reads about people that several features' pages need."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlalchemy.orm as so

from factcheck.auth.models import User, UserRole
from factcheck.auth.roles import Role


def fact_checkers(session: so.Session) -> list[User]:
    """Active people who can hold a claim (fact-checkers and editors), by name."""
    return list(
        session.scalars(
            sa.select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(User.is_active, UserRole.role.in_([Role.FACT_CHECKER, Role.EDITOR]))
            .distinct()
            .order_by(User.display_name)
        )
    )


def people_by_name(session: so.Session) -> Sequence[User]:
    """Everyone, by name: who may have checked or approved a ruling (the export page's
    fact-checker and editor filters; a deactivated account's rulings stay exportable)."""
    return session.scalars(sa.select(User).order_by(User.display_name)).all()

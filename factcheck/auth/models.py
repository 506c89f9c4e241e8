"""Users, their roles, API tokens and in-app notifications."""

from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from factcheck.auth.roles import ROLE_VALUES, Role, effective_roles
from factcheck.db import Base, enum_check, utcnow


def new_session_token() -> str:
    """Return a fresh random token that identifies a user's login generation."""
    return secrets.token_urlsafe(32)


class User(Base):
    """A person who signs in: fact-checker, editor, admin or viewer."""

    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint("email = lower(email)", name="email_lowercase"),
        sa.CheckConstraint("length(trim(display_name)) > 0", name="display_name_present"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    email: so.Mapped[str] = so.mapped_column(sa.String(254), unique=True)
    display_name: so.Mapped[str] = so.mapped_column(sa.String(120))
    password_hash: so.Mapped[str] = so.mapped_column(sa.String(255))
    is_active: so.Mapped[bool] = so.mapped_column(default=True)
    # Set for accounts created with a generated one-time password: they must choose
    # their own before doing anything else.
    must_change_password: so.Mapped[bool] = so.mapped_column(default=False)
    # Part of the login cookie; replacing it signs the user out everywhere
    # (deactivation, password change).
    session_token: so.Mapped[str] = so.mapped_column(sa.String(64), default=new_session_token)
    # When a generated one-time password stops working (ONE_TIME_PASSWORD_HOURS after it
    # was issued); None for passwords the user chose.
    password_expires_at: so.Mapped[datetime | None]
    last_login_at: so.Mapped[datetime | None]
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    role_grants: so.Mapped[list[UserRole]] = so.relationship(
        back_populates="user",
        cascade="all, delete-orphan",
        lazy="selectin",
        foreign_keys="UserRole.user_id",
    )

    def __repr__(self) -> str:
        return f"<User id={self.id!r} email={self.email!r}>"

    # Flask-Login protocol -------------------------------------------------
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    # Roles ----------------------------------------------------------------
    @property
    def roles(self) -> frozenset[Role]:
        """Roles granted to this user directly."""
        return frozenset(Role(g.role) for g in self.role_grants)

    @property
    def effective_roles(self) -> frozenset[Role]:
        """Roles granted plus those they imply (an editor is also a fact-checker)."""
        return effective_roles(self.roles)

    def has_role(self, *roles: Role | str) -> bool:
        """Tell whether the user holds, directly or by implication, any of the roles."""
        mine = self.effective_roles
        return any(Role(r) in mine for r in roles)


class UserRole(Base):
    """A role granted to a user."""

    __tablename__ = "user_roles"
    __table_args__ = (enum_check("role", ROLE_VALUES, "role_valid"),)

    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: so.Mapped[str] = so.mapped_column(sa.String(20), primary_key=True)
    granted_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    granted_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    user: so.Mapped[User] = so.relationship(back_populates="role_grants", foreign_keys=[user_id])

    def __repr__(self) -> str:
        return f"<UserRole user_id={self.user_id!r} role={self.role!r}>"


class ApiToken(Base):
    """A bearer token for the JSON API; only a hash of the secret is stored."""

    __tablename__ = "api_tokens"
    __table_args__ = (sa.CheckConstraint("length(trim(name)) > 0", name="name_present"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    name: so.Mapped[str] = so.mapped_column(sa.String(100))
    # The first characters of the token, shown in lists so users can tell tokens apart.
    prefix: so.Mapped[str] = so.mapped_column(sa.String(16))
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    expires_at: so.Mapped[datetime | None]
    last_used_at: so.Mapped[datetime | None]
    revoked_at: so.Mapped[datetime | None]
    # Why it stopped working, shown on the tokens page: revoked by its owner, or by an
    # account recovery action (password changed or reset, account deactivated).
    revoked_reason: so.Mapped[str | None] = so.mapped_column(sa.String(200))


class LoginThrottle(Base):
    """Failed sign-ins counted for one email address, from one client address or from all.

    Keyed by a hash of the email as typed (normalised) and the client address ("*" for
    all addresses), so unknown addresses are throttled exactly like real accounts and the
    response never tells the two apart.
    """

    __tablename__ = "login_throttles"
    __table_args__ = (sa.CheckConstraint("failures >= 0", name="failures_nonnegative"),)

    key: so.Mapped[str] = so.mapped_column(sa.String(64), primary_key=True)
    # Digest of the email alone, so a password reset can lift every lock on the account.
    email_key: so.Mapped[str] = so.mapped_column(sa.String(64), index=True)
    failures: so.Mapped[int] = so.mapped_column(default=0)
    window_started_at: so.Mapped[datetime]
    locked_until: so.Mapped[datetime | None] = so.mapped_column(index=True)

    def __repr__(self) -> str:
        return f"<LoginThrottle key={self.key[:8]!r} failures={self.failures!r}>"


class Notification(Base):
    """An in-app notice for one user (assignment, return, approval, publication)."""

    __tablename__ = "notifications"
    __table_args__ = (
        sa.Index("ix_notifications_user_unread", "user_id", "read_at"),
        sa.CheckConstraint("length(trim(message)) > 0", name="message_present"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    kind: so.Mapped[str] = so.mapped_column(sa.String(40))
    message: so.Mapped[str] = so.mapped_column(sa.String(500))
    claim_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("claims.id", ondelete="CASCADE")
    )
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    read_at: so.Mapped[datetime | None]

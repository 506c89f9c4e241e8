"""Accounts: create users, sign in, change passwords and roles, (de)activate.

Services take explicit inputs (the session, the acting user, a Passwords hasher),
check permissions, make one change, write its audit entry and flush. Callers commit.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from email_validator import EmailNotValidError, validate_email

from factcheck.audit.services import changes_between, record
from factcheck.auth import throttle
from factcheck.auth.models import User, UserRole, new_session_token
from factcheck.auth.passwords import PasswordPolicy, Passwords, generate_password
from factcheck.auth.roles import Role, ensure_role
from factcheck.auth.throttle import LoginPolicy
from factcheck.auth.tokens import revoke_all
from factcheck.db import utcnow
from factcheck.errors import Conflict, InvalidInput


class LoginFailed(Exception):
    """Sign-in refused; `message` is safe to show and never tells which part was wrong."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


GENERIC_LOGIN_FAILURE = "Email or password is incorrect."


def throttled_message(until: datetime, now: datetime) -> str:
    """What a shut-out client is told: the same for every email address, known or not."""
    minutes = max(1, math.ceil((until - now).total_seconds() / 60))
    return (
        "Too many failed sign-ins for this email address. "
        f"Try again in {minutes} minute{'s' if minutes != 1 else ''}, "
        "or ask an administrator to reset the password."
    )


def normalise_email(email: str) -> str:
    """Return the email address in the form it is stored, or raise InvalidInput."""
    try:
        result = validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidInput(f"Enter a valid email address ({exc}).") from exc
    return result.normalized.lower()


def _clean_name(display_name: str) -> str:
    name = " ".join(display_name.split())
    if not name:
        raise InvalidInput("Enter a display name.")
    if len(name) > 120:
        raise InvalidInput("Use at most 120 characters for the display name.")
    return name


def _clean_roles(roles: Iterable[Role | str]) -> set[Role]:
    try:
        cleaned = {Role(r) for r in roles}
    except ValueError as exc:
        raise InvalidInput(f"Unknown role: {exc}") from exc
    if not cleaned:
        raise InvalidInput("Give the user at least one role.")
    return cleaned


def get_by_email(session: so.Session, email: str) -> User | None:
    """Return the user with this email address (any case), or None."""
    return session.scalar(sa.select(User).where(User.email == email.strip().lower()))


def create_user(
    session: so.Session,
    *,
    email: str,
    display_name: str,
    password: str | None,
    roles: Iterable[Role | str],
    passwords: Passwords,
    policy: PasswordPolicy,
    actor: User | None,
    one_time_lifetime: timedelta = timedelta(hours=72),
    now: datetime | None = None,
) -> tuple[User, str | None]:
    """Create an account; with no password, generate a one-time one and return it too.

    A one-time password stops working `one_time_lifetime` after it is issued.
    """
    ensure_role(actor, Role.ADMIN)
    email = normalise_email(email)
    name = _clean_name(display_name)
    role_set = _clean_roles(roles)
    one_time = None
    if password is None:
        one_time = password = generate_password()
    else:
        policy.check(password, email=email)
    if get_by_email(session, email) is not None:
        raise Conflict(f"An account with the email {email} already exists.")
    user = User(
        email=email,
        display_name=name,
        password_hash=passwords.hash(password),
        must_change_password=one_time is not None,
        password_expires_at=(now or utcnow()) + one_time_lifetime if one_time else None,
    )
    user.role_grants = [
        UserRole(role=r.value, granted_by_id=getattr(actor, "id", None)) for r in sorted(role_set)
    ]
    session.add(user)
    session.flush()
    record(
        session,
        actor=actor,
        action="user.create",
        entity_type="user",
        entity_id=user.id,
        changes=changes_between(
            {}, {"email": email, "display_name": name, "roles": [r.value for r in role_set]}
        ),
    )
    return user, one_time


def _refused(
    session: so.Session, action: str, entity_id: int | None, message: str, **extra: object
) -> LoginFailed:
    """Audit a sign-in that is turned away (why, in `extra`); return the error to raise."""
    record(session, actor=None, action=action, entity_type="user", entity_id=entity_id, extra=extra)
    return LoginFailed(message)


def authenticate(
    session: so.Session,
    *,
    email: str,
    password: str,
    passwords: Passwords,
    policy: LoginPolicy,
    client: str,
    trusted_device: bool = False,
    now: datetime | None = None,
) -> User:
    """Return the user these credentials belong to, or raise LoginFailed.

    Attempts are counted per email address, from this client and from all
    (auth/throttle.py), before the password is checked; the answers are the same whether
    or not an account has the address. `client` is the device id of a browser that
    carries the device cookie of a past sign-in to this account (`trusted_device`), else
    the client's address. Every attempt is audited; the caller commits in both cases so
    the counters and the audit entries are kept.
    """
    now = now or utcnow()
    user = get_by_email(session, email)
    entity_id = user.id if user else None
    until = throttle.count_attempt(
        session, email, client, now=now, policy=policy, trusted_device=trusted_device
    )
    if until is not None:
        raise _refused(
            session,
            "auth.login_refused",
            entity_id,
            throttled_message(until, now),
            reason="throttled",
            until=until,
        )
    matched = passwords.verify(user.password_hash if user else None, password)
    if user is None or not matched:
        raise _refused(
            session,
            "auth.login_failed",
            entity_id,
            GENERIC_LOGIN_FAILURE,
            reason="unknown email" if user is None else "wrong password",
        )
    if not user.is_active:
        raise _refused(
            session,
            "auth.login_refused",
            user.id,
            "This account has been deactivated. Ask an administrator.",
            reason="inactive",
        )
    if (
        user.must_change_password
        and user.password_expires_at is not None
        and user.password_expires_at <= now
    ):
        raise _refused(
            session,
            "auth.login_refused",
            user.id,
            f"This one-time password expired on {user.password_expires_at:%Y-%m-%d %H:%M} "
            "UTC. Ask an administrator for a new one.",
            reason="one-time password expired",
        )
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash(password)
    throttle.forget_attempt(session, email, client)
    user.last_login_at = now
    record(session, actor=user, action="auth.login", entity_type="user", entity_id=user.id)
    return user


def sign_out(session: so.Session, *, user: User) -> None:
    """End the user's session: the login cookie stops working, even a copy of it.

    The login generation token is replaced, so every session of this account ends (a
    cookie copied before sign-out cannot be replayed after it).
    """
    user.session_token = new_session_token()
    session.flush()
    record(session, actor=user, action="auth.logout", entity_type="user", entity_id=user.id)


def change_password(
    session: so.Session,
    user: User,
    *,
    current_password: str,
    new_password: str,
    passwords: Passwords,
    policy: PasswordPolicy,
    now: datetime | None = None,
) -> int:
    """Replace the user's password after checking the current one.

    Signs out other sessions and revokes the user's API tokens (a password change is
    what people do when they fear an account is compromised); returns how many tokens.
    """
    if not passwords.verify(user.password_hash, current_password):
        raise InvalidInput("The current password is incorrect.")
    if current_password == new_password:
        raise InvalidInput("Choose a new password that differs from the current one.")
    policy.check(new_password, email=user.email)
    user.password_hash = passwords.hash(new_password)
    user.must_change_password = False
    user.password_expires_at = None
    user.session_token = new_session_token()
    session.flush()
    record(
        session, actor=user, action="user.password_change", entity_type="user", entity_id=user.id
    )
    return revoke_all(
        session, user=user, reason="your password was changed", actor=user, now=now or utcnow()
    )


def _active_admin_ids(session: so.Session) -> set[int]:
    rows = session.scalars(
        sa.select(User.id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.ADMIN.value, User.is_active.is_(True))
    )
    return set(rows)


def _refuse_losing_last_admin(session: so.Session, user: User) -> None:
    if _active_admin_ids(session) == {user.id}:
        raise Conflict(
            "This is the only active admin. Make someone else an admin first, "
            "so the installation is not left without one."
        )


def update_user(
    session: so.Session,
    user: User,
    *,
    display_name: str,
    roles: Iterable[Role | str],
    actor: User | None,
) -> dict[str, list]:
    """Change a user's display name and roles; return the audited changes."""
    ensure_role(actor, Role.ADMIN)
    name = _clean_name(display_name)
    role_set = _clean_roles(roles)
    before = {"display_name": user.display_name, "roles": sorted(r.value for r in user.roles)}
    if Role.ADMIN in user.roles and Role.ADMIN not in role_set:
        _refuse_losing_last_admin(session, user)
    current = {g.role: g for g in user.role_grants}
    user.role_grants = [
        current.get(r.value) or UserRole(role=r.value, granted_by_id=getattr(actor, "id", None))
        for r in sorted(role_set)
    ]
    user.display_name = name
    session.flush()
    changes = changes_between(
        before, {"display_name": name, "roles": sorted(r.value for r in role_set)}
    )
    if changes:
        record(
            session,
            actor=actor,
            action="user.update",
            entity_type="user",
            entity_id=user.id,
            changes=changes,
        )
    return changes


def set_active(
    session: so.Session,
    user: User,
    *,
    active: bool,
    actor: User | None,
    now: datetime | None = None,
) -> None:
    """Activate or deactivate an account.

    Deactivation signs the user out at once and revokes their API tokens for good, so
    reactivating the account does not bring old tokens back. Activation lifts sign-in
    throttles.
    """
    ensure_role(actor, Role.ADMIN)
    now = now or utcnow()
    if user.is_active == active:
        return
    if not active:
        if actor is not None and actor.id == user.id:
            raise Conflict("You cannot deactivate your own account.")
        if Role.ADMIN in user.roles:
            _refuse_losing_last_admin(session, user)
        user.session_token = new_session_token()
    user.is_active = active
    if active:
        throttle.clear(session, user.email)
    session.flush()
    record(
        session,
        actor=actor,
        action="user.activate" if active else "user.deactivate",
        entity_type="user",
        entity_id=user.id,
        changes={"is_active": [not active, active]},
    )
    if not active:
        revoke_all(session, user=user, reason="your account was deactivated", actor=actor, now=now)


def reset_password(
    session: so.Session,
    user: User,
    *,
    passwords: Passwords,
    actor: User | None,
    one_time_lifetime: timedelta = timedelta(hours=72),
    now: datetime | None = None,
) -> str:
    """Give the user a new one-time password (returned once), valid `one_time_lifetime`.

    Signs the user out everywhere, revokes their API tokens and lifts sign-in throttles.
    """
    ensure_role(actor, Role.ADMIN)
    now = now or utcnow()
    one_time = generate_password()
    user.password_hash = passwords.hash(one_time)
    user.must_change_password = True
    user.password_expires_at = now + one_time_lifetime
    user.session_token = new_session_token()
    throttle.clear(session, user.email)
    session.flush()
    record(
        session,
        actor=actor,
        action="user.password_reset",
        entity_type="user",
        entity_id=user.id,
        extra={"one_time_password_expires_at": user.password_expires_at},
    )
    revoke_all(
        session,
        user=user,
        reason="an administrator reset your password",
        actor=actor,
        now=now,
    )
    return one_time

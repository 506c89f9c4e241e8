"""`factcheck users ...`: manage accounts from the shell."""

from __future__ import annotations

import sys

import click
import sqlalchemy as sa

from factcheck.admin.services import deactivate as deactivate_account
from factcheck.auth.config import one_time_lifetime, password_policy, passwords
from factcheck.auth.models import User
from factcheck.auth.roles import Role
from factcheck.auth.services import create_user, get_by_email, reset_password
from factcheck.db import utcnow
from factcheck.errors import DomainError
from factcheck.extensions import db

ROLE_NAMES = [r.value for r in Role]


def _fail(message: str) -> None:
    db.session.rollback()
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


def _find(email: str) -> User:
    user = get_by_email(db.session, email)
    if user is None:
        _fail(f"no account with the email {email.strip().lower()}")
    return user


@click.group()
def users() -> None:
    """Create and manage user accounts."""


@users.command("create")
@click.argument("email")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice(ROLE_NAMES),
    help="Role to grant; repeat for several.",
)
@click.option("--name", "display_name", help="Display name (default: the part before @).")
@click.option(
    "--one-time-password",
    is_flag=True,
    help="Generate a one-time password instead of prompting for one.",
)
def create_command(
    email: str, roles: tuple[str, ...], display_name: str | None, one_time_password: bool
) -> None:
    """Create an account for EMAIL, prompting for its password."""
    password = None
    if not one_time_password:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user, one_time = create_user(
            db.session,
            email=email,
            display_name=display_name or email.split("@", 1)[0],
            password=password,
            roles=roles,
            passwords=passwords(),
            policy=password_policy(),
            actor=None,
            one_time_lifetime=one_time_lifetime(),
        )
    except DomainError as exc:
        _fail(exc.message)
    db.session.commit()
    click.echo(f"Created {user.email} with roles: {', '.join(sorted(roles))}.")
    if one_time:
        click.echo(f"One-time password (must be changed at first sign-in): {one_time}")


@users.command("list")
def list_command() -> None:
    """List accounts with their roles."""
    for user in db.session.scalars(sa.select(User).order_by(User.email)):
        state = "active" if user.is_active else "inactive"
        roles = ",".join(sorted(r.value for r in user.roles))
        click.echo(f"{user.id}\t{user.email}\t{user.display_name}\t{roles}\t{state}")


@users.command("reset-password")
@click.argument("email")
def reset_password_command(email: str) -> None:
    """Give EMAIL a new one-time password (also unlocks the account)."""
    user = _find(email)
    one_time = reset_password(
        db.session, user, passwords=passwords(), actor=None, one_time_lifetime=one_time_lifetime()
    )
    db.session.commit()
    click.echo(f"One-time password for {user.email} (must be changed at sign-in): {one_time}")


@users.command("deactivate")
@click.argument("email")
def deactivate_command(email: str) -> None:
    """Deactivate EMAIL's account and sign it out everywhere."""
    user = _find(email)
    try:
        freed = deactivate_account(db.session, user, actor=None, now=utcnow())
    except DomainError as exc:
        _fail(exc.message)
    db.session.commit()
    click.echo(
        f"Deactivated {user.email}; API tokens revoked"
        + (f"; {freed} claim(s) they held released to the queue." if freed else ".")
    )


@users.command("token")
@click.argument("email")
@click.option("--name", required=True, help="What will use the token.")
@click.option("--days", type=int, default=None, help="Expire after this many days.")
def token_command(email: str, name: str, days: int | None) -> None:
    """Create an API token for a user and print it (shown once)."""
    from factcheck.auth.tokens import create_token
    from factcheck.db import utcnow

    user = _find(email)
    try:
        _, secret = create_token(
            db.session, user=user, name=name, now=utcnow(), expires_in_days=days
        )
    except DomainError as exc:
        _fail(exc.message)
    db.session.commit()
    click.echo(secret)

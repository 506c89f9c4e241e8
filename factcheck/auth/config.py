"""The auth settings bound to an app: the password hasher, password and sign-in rules,
and one-time password lifetime, read from the current app's config."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, current_app

from factcheck.auth.passwords import PasswordPolicy, Passwords

_KEY = "factcheck.passwords"


def init_app(app: Flask) -> None:
    """Build the password hasher once per app from its settings."""
    cfg = app.config
    app.extensions[_KEY] = Passwords(
        cfg["PASSWORD_PEPPER"],
        time_cost=cfg["ARGON2_TIME_COST"],
        memory_cost=cfg["ARGON2_MEMORY_COST"],
        parallelism=cfg["ARGON2_PARALLELISM"],
    )


def passwords() -> Passwords:
    """Return the current app's password hasher."""
    return current_app.extensions[_KEY]


def password_policy() -> PasswordPolicy:
    """Return the password rules configured for the current app."""
    cfg = current_app.config
    return PasswordPolicy(cfg["PASSWORD_MIN_LENGTH"], cfg["PASSWORD_MAX_LENGTH"])


def login_policy():  # noqa: ANN201
    """Return the sign-in throttling rules configured for the current app."""
    from factcheck.auth.throttle import LoginPolicy

    cfg = current_app.config
    return LoginPolicy(
        max_failures=cfg["LOGIN_MAX_FAILURES"],
        lockout=timedelta(minutes=cfg["LOGIN_LOCKOUT_MINUTES"]),
        account_max_failures=cfg["LOGIN_ACCOUNT_MAX_FAILURES"],
        account_window=timedelta(minutes=cfg["LOGIN_ACCOUNT_WINDOW_MINUTES"]),
    )


def one_time_lifetime() -> timedelta:
    """How long a generated one-time password works (ONE_TIME_PASSWORD_HOURS)."""
    return timedelta(hours=current_app.config["ONE_TIME_PASSWORD_HOURS"])

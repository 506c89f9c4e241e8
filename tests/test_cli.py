"""The `factcheck` command line: users and the first-run demo."""

from __future__ import annotations

import re

import sqlalchemy as sa

from factcheck.auth.models import User
from factcheck.auth.roles import Role
from factcheck.extensions import db
from factcheck.sources.models import Article
from factcheck.verdicts.models import RatingScale
from tests.conftest import STRONG_PASSWORD, login, make_app


def test_users_create_prompts_for_the_password(app, runner, client):
    result = runner.invoke(
        args=["users", "create", "--role", "editor", "--name", "Ed Itor", "ed@example.com"],
        input=f"{STRONG_PASSWORD}\n{STRONG_PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.email == "ed@example.com"))
    assert user.roles == {Role.EDITOR} and user.display_name == "Ed Itor"
    assert STRONG_PASSWORD not in user.password_hash
    assert user.password_hash.startswith("$argon2id$")
    from tests.conftest import Account

    login(client, Account(user.id, user.email, STRONG_PASSWORD, ("editor",)))


def test_users_create_refuses_bad_input(app, runner):
    result = runner.invoke(
        args=["users", "create", "--role", "editor", "x@example.com"], input="short\nshort\n"
    )
    assert result.exit_code == 1
    assert "at least 12 characters" in result.output
    result = runner.invoke(args=["users", "create", "--role", "wizard", "x@example.com"])
    assert result.exit_code == 2
    runner.invoke(
        args=["users", "create", "--role", "viewer", "--one-time-password", "x@example.com"]
    )
    result = runner.invoke(
        args=["users", "create", "--role", "viewer", "--one-time-password", "X@example.com"]
    )
    assert result.exit_code == 1
    assert "already exists" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_users_list_reset_and_deactivate(app, runner, make_user):
    account = make_user(Role.FACT_CHECKER, email="fc@example.com")
    result = runner.invoke(args=["users", "list"])
    assert "fc@example.com" in result.output and "fact-checker" in result.output
    result = runner.invoke(args=["users", "reset-password", "fc@example.com"])
    assert result.exit_code == 0 and "One-time password" in result.output
    result = runner.invoke(args=["users", "deactivate", "fc@example.com"])
    assert result.exit_code == 0
    assert not db.session.get(User, account.id).is_active
    result = runner.invoke(args=["users", "deactivate", "nobody@example.com"])
    assert result.exit_code == 1 and "no account" in result.output


def test_demo_sets_up_an_empty_database_once(empty_database, backend_name):
    app = make_app(empty_database(backend_name))
    runner = app.test_cli_runner()
    with app.app_context():
        result = runner.invoke(args=["demo"])
        assert result.exit_code == 0, result.output
        assert "http://127.0.0.1:5000/" in result.output
        password = re.search(r"one-time password: (\S+)", result.output).group(1)
        admin = db.session.scalar(sa.select(User).where(User.email == "admin@example.com"))
        assert admin.has_role(Role.ADMIN) and admin.must_change_password
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Article)) == 1
        assert db.session.scalar(sa.select(RatingScale).where(RatingScale.is_default)) is not None

        again = runner.invoke(args=["demo"])
        assert again.exit_code == 0, again.output
        assert "already" in again.output
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Article)) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1

        client = app.test_client()
        from tests.conftest import Account

        login(client, Account(admin.id, admin.email, password, ("admin",)))
        db.session.remove()
        db.engine.dispose()

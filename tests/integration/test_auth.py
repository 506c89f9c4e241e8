"""Signing in and out, lockout, one-time passwords, password changes."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from factcheck.audit.models import AuditEntry
from factcheck.auth.models import LoginThrottle, User
from factcheck.auth.roles import Role
from factcheck.extensions import db
from tests.conftest import STRONG_PASSWORD, csrf_token, login, post_form, server_answers


def _audit_actions(user_id=None) -> list[str]:
    query = sa.select(AuditEntry.action).order_by(AuditEntry.id)
    if user_id is not None:
        query = query.where(AuditEntry.entity_id == user_id)
    return list(db.session.scalars(query))


def test_pages_other_than_login_redirect_anonymous_users(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_login_page_renders_form(client):
    response = client.get("/login")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert 'name="email"' in body and 'name="password"' in body


def test_login_and_logout(client, make_user):
    account = make_user(Role.FACT_CHECKER)
    response = login(client, account)
    assert response.headers["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert "Fact-checker" in home.get_data(as_text=True)

    response = post_form(client, "/logout", token_from="/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302  # signed out
    assert _audit_actions(account.id) == ["user.create", "auth.login", "auth.logout"]
    user = db.session.get(User, account.id)
    assert user.last_login_at is not None


def test_logout_needs_post_with_csrf(client, make_user):
    login(client, make_user())
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400  # no CSRF token
    assert client.get("/").status_code == 200  # still signed in


def test_wrong_password_is_refused_with_generic_message(client, make_user):
    account = make_user()
    response = post_form(client, "/login", {"email": account.email, "password": "wrong password!!"})
    assert response.status_code == 401
    assert "Email or password is incorrect." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    assert db.session.scalar(sa.select(LoginThrottle.failures).limit(1)) == 1
    assert _audit_actions(account.id)[-1] == "auth.login_failed"


def test_unknown_email_gets_the_same_message(client):
    response = post_form(
        client, "/login", {"email": "nobody@example.com", "password": "whatever12345"}
    )
    assert response.status_code == 401
    assert "Email or password is incorrect." in response.get_data(as_text=True)
    entry = db.session.scalars(sa.select(AuditEntry)).one()
    assert entry.action == "auth.login_failed" and entry.entity_id is None
    assert entry.extra["reason"] == "unknown email"


def test_email_is_matched_case_insensitively(client, make_user):
    account = make_user()
    response = post_form(
        client, "/login", {"email": account.email.upper(), "password": account.password}
    )
    assert response.status_code == 302


def test_inactive_user_cannot_sign_in(client, make_user):
    account = make_user(active=False)
    response = post_form(client, "/login", {"email": account.email, "password": account.password})
    assert response.status_code == 401
    assert "deactivated" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_missing_fields_are_reported_on_the_form(client):
    response = post_form(client, "/login", {"email": "", "password": ""})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "Enter your email address." in body and "Enter your password." in body


def test_login_without_csrf_token_is_refused(client, make_user):
    account = make_user()
    response = client.post("/login", data={"email": account.email, "password": account.password})
    assert response.status_code == 400
    assert "form expired" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


class TestLockout:
    def test_client_is_shut_out_after_repeated_failures(self, app, client, make_user):
        app.config["LOGIN_MAX_FAILURES"] = 3
        account = make_user()
        for _ in range(3):
            post_form(client, "/login", {"email": account.email, "password": "not the password"})
        # Even the right password is refused while shut out, with a message naming the wait.
        response = post_form(
            client, "/login", {"email": account.email, "password": account.password}
        )
        assert response.status_code == 401
        assert "Too many failed sign-ins for this email address" in response.get_data(as_text=True)
        assert "auth.login_refused" in _audit_actions(account.id)

    def test_successful_login_resets_the_counter(self, client, make_user):
        account = make_user()
        post_form(client, "/login", {"email": account.email, "password": "not the password"})
        login(client, account)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginThrottle)) == 1
        # Only the all-addresses count is left; this address starts again from zero.
        assert db.session.scalar(sa.select(LoginThrottle.failures)) == 1


class TestRedirectAfterLogin:
    def test_local_next_is_followed(self, client, make_user):
        account = make_user(Role.ADMIN)
        token = csrf_token(client)
        response = client.post(
            "/login?next=/admin/users",
            data={"email": account.email, "password": account.password, "csrf_token": token},
        )
        assert response.headers["Location"] == "/admin/users"

    def test_foreign_next_is_ignored(self, client, make_user):
        account = make_user()
        for target in (
            "//evil.example",
            "https://evil.example/",
            "/\\evil.example",
            "javascript:alert(1)",
            "http:/evil.example",
        ):
            c = client.application.test_client()
            token = csrf_token(c)
            response = c.post(
                "/login",
                query_string={"next": target},
                data={"email": account.email, "password": account.password, "csrf_token": token},
            )
            assert response.status_code == 302
            assert response.headers["Location"] == "/", target


class TestOneTimePassword:
    def test_user_must_choose_a_password_first(self, app, client, runner):
        result = runner.invoke(
            args=["users", "create", "--role", "viewer", "--one-time-password", "new@example.com"]
        )
        assert result.exit_code == 0, result.output
        one_time = result.output.strip().rsplit(" ", 1)[-1]
        response = post_form(client, "/login", {"email": "new@example.com", "password": one_time})
        assert response.status_code == 302
        response = client.get("/")
        assert response.status_code == 302
        assert response.headers["Location"] == "/account/password"
        response = post_form(
            client,
            "/account/password",
            {
                "current_password": one_time,
                "new_password": STRONG_PASSWORD,
                "confirm": STRONG_PASSWORD,
            },
            token_from="/account/password",
        )
        assert response.status_code == 302
        assert client.get("/").status_code == 200


class TestChangePassword:
    def _change(self, client, current, new, confirm=None):
        return post_form(
            client,
            "/account/password",
            {
                "current_password": current,
                "new_password": new,
                "confirm": new if confirm is None else confirm,
            },
            token_from="/account/password",
        )

    def test_wrong_current_password(self, client, make_user):
        account = make_user()
        login(client, account)
        response = self._change(client, "not my password", "another long passphrase 7")
        assert response.status_code == 422
        assert "current password is incorrect" in response.get_data(as_text=True)

    def test_weak_new_password(self, client, make_user):
        account = make_user()
        login(client, account)
        for weak, message in (
            ("short", "at least 12 characters"),
            ("password1234", "too common"),
            ("a" * 129, "at most 128 characters"),
        ):
            response = self._change(client, account.password, weak)
            assert response.status_code == 422
            assert message in response.get_data(as_text=True)
        user = db.session.get(User, account.id)
        assert client.application.extensions["factcheck.passwords"].verify(
            user.password_hash, account.password
        )

    def test_mismatched_confirmation(self, client, make_user):
        login(client, make_user())
        response = self._change(client, STRONG_PASSWORD, "another long passphrase 7", "different")
        assert response.status_code == 400
        assert "do not match" in response.get_data(as_text=True)

    def test_change_signs_out_other_sessions(self, app, make_user):
        account = make_user()
        first, second = app.test_client(), app.test_client()
        login(first, account)
        login(second, account)
        response = self._change(first, account.password, "another long passphrase 7")
        assert response.status_code == 302
        assert first.get("/").status_code == 200
        assert second.get("/").status_code == 302
        assert _audit_actions(account.id)[-1] == "user.password_change"


@pytest.mark.parametrize("app_overrides", [{"LOGIN_RATE_LIMIT": "3 per minute"}])
def test_sign_in_attempts_are_rate_limited_per_address_and_logged(app, client, make_user, caplog):
    account = make_user()
    for _ in range(3):
        post_form(client, "/login", {"email": account.email, "password": "wrong password 123"})
    entries = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    with caplog.at_level("WARNING", logger="factcheck.auth.security"):
        limited = post_form(
            client, "/login", {"email": account.email, "password": account.password}
        )
    assert limited.status_code == 429
    assert "Too many sign-in attempts" in limited.get_data(as_text=True)
    # A security event in the log, not a row: the error handler writes nothing (issue 15).
    logged = [r.getMessage() for r in caplog.records if r.name == "factcheck.auth.security"]
    assert any("sign-in rate limited: 3 per 1 minute from 127.0.0.1" in m for m in logged)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == entries
    assert client.get("/login").status_code == 200  # reading the form is not limited


@pytest.mark.real_commits  # a second app (worker) on the same database
@pytest.mark.skipif(not server_answers(6379), reason="needs Redis on 127.0.0.1:6379")
def test_redis_rate_limit_counters_are_shared_by_every_worker(app, database_url, make_user):
    """With RATELIMIT_STORAGE_URI on Redis, a second worker (a second app) sees the count."""
    import redis

    from tests.conftest import make_app

    storage = "redis://127.0.0.1:6379/15"  # a database of its own
    # Keys of this run only: parallel workers (and the other backend's run) share the db.
    prefix = f"factcheck-test-{uuid.uuid4().hex}"
    settings = {
        "LOGIN_RATE_LIMIT": "2 per minute",
        "RATELIMIT_STORAGE_URI": storage,
        "RATELIMIT_KEY_PREFIX": prefix,
    }
    account = make_user()
    wrong = {"email": account.email, "password": "wrong password 123"}
    first = make_app(database_url, **settings)
    with first.app_context():
        client = first.test_client()
        for _ in range(2):
            assert post_form(client, "/login", wrong).status_code == 401
    second = make_app(database_url, **settings)  # a fresh process would start from zero
    with second.app_context():
        refused = post_form(second.test_client(), "/login", wrong)
        assert refused.status_code == 429
        db.session.remove()
    for worker in (first, second):
        with worker.app_context():
            db.engine.dispose()
    store = redis.Redis.from_url(storage)
    for key in store.scan_iter(match=f"*{prefix}*"):
        store.delete(key)

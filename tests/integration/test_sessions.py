"""Sessions, tokens, sign-in throttling and leases of deactivated people (issue 14, 1-4, 14).

Each test here failed before its fix: a cookie copied before sign-out kept working, the
"absolute" lifetime was an idle timeout, recovery actions left API tokens alive, an
account that existed answered "locked" where an unknown one did not (and anyone could lock
anyone out), one-time passwords never expired, and a deactivated person's claims stayed
locked until their leases ran out.
"""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from factcheck.audit.models import AuditEntry
from factcheck.auth.models import ApiToken, Notification, User
from factcheck.auth.roles import Role
from factcheck.auth.tokens import create_token
from factcheck.db import utcnow
from factcheck.extensions import db
from factcheck.review.models import Assignment
from tests.conftest import STRONG_PASSWORD, csrf_token, login, post_form
from tests.workflow import add_claim, user

COOKIE = "factcheck_session"


def _actions(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)))


# 1. Sign-out ends the session; absolute and idle lifetimes -------------------------------


def test_a_cookie_copied_before_sign_out_is_dead_after_it(app, make_user):
    account = make_user(Role.FACT_CHECKER)
    browser, thief = app.test_client(), app.test_client()
    login(browser, account)
    thief.set_cookie(COOKIE, browser.get_cookie(COOKIE).value)
    assert thief.get("/").status_code == 200  # the copy works while the session lives

    assert post_form(browser, "/logout", token_from="/").status_code == 302

    assert thief.get("/").status_code == 302
    assert thief.get("/account/tokens").headers["Location"].startswith("/login")
    # Nor can the copy mint an API token (the defect the outside test found).
    thief.post("/account/tokens", data={"name": "stolen"})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0


def _set_clocks(client, *, signed_in_ago: float, seen_ago: float) -> None:  # noqa: ANN001
    now = int(time.time())
    with client.session_transaction() as session:
        session["signed_in_at"] = now - int(signed_in_ago)
        session["last_seen"] = now - int(seen_ago)


def test_a_busy_session_still_ends_at_its_absolute_lifetime(app, make_user):
    client = app.test_client()
    login(client, make_user())
    lifetime = app.config["PERMANENT_SESSION_LIFETIME"]
    _set_clocks(client, signed_in_ago=lifetime + 5, seen_ago=1)  # used a second ago
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert "Your session has ended" in client.get("/login").get_data(as_text=True)


def test_an_idle_session_ends_after_the_idle_timeout(app, make_user):
    client = app.test_client()
    login(client, make_user())
    _set_clocks(client, signed_in_ago=3600, seen_ago=app.config["SESSION_IDLE_TIMEOUT"] + 5)
    assert client.get("/").status_code == 302


def test_a_session_within_both_limits_goes_on_and_its_idle_clock_moves(app, make_user):
    client = app.test_client()
    login(client, make_user())
    _set_clocks(client, signed_in_ago=3600, seen_ago=600)
    assert client.get("/").status_code == 200
    with client.session_transaction() as session:
        assert int(time.time()) - session["last_seen"] < 5
        assert int(time.time()) - session["signed_in_at"] >= 3600  # never moves


def test_a_session_cookie_without_clocks_is_refused(app, make_user):
    """A cookie issued before the lifetimes were enforced cannot live for ever."""
    client = app.test_client()
    login(client, make_user())
    with client.session_transaction() as session:
        del session["signed_in_at"]
    assert client.get("/").status_code == 302


# 2. Recovery actions revoke API tokens ----------------------------------------------------


def _token(account) -> dict[str, str]:  # noqa: ANN001
    _, secret = create_token(db.session, user=user(account), name="script", now=utcnow())
    db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    return headers


def _works(client, headers) -> bool:  # noqa: ANN001
    return client.get("/api/v1/claims", headers=headers).status_code == 200


def test_changing_the_password_revokes_the_users_tokens(app, make_user):
    account = make_user(Role.VIEWER)
    headers = _token(account)
    client = app.test_client()
    login(client, account)
    assert _works(client, headers)
    response = post_form(
        client,
        "/account/password",
        {
            "current_password": account.password,
            "new_password": "another long passphrase 7",
            "confirm": "another long passphrase 7",
        },
        token_from="/account/password",
        follow_redirects=True,
    )
    assert "Your 1 API token was revoked" in response.get_data(as_text=True)
    assert not _works(client, headers)
    token = db.session.scalars(sa.select(ApiToken)).one()
    assert token.revoked_reason == "your password was changed"
    entry = _actions("api_token.revoke_all")[0]
    assert entry.entity_id == account.id and entry.extra["count"] == 1
    page = client.get("/account/tokens").get_data(as_text=True)
    assert "1 token was revoked for you: your password was changed" in page


def test_an_admin_reset_revokes_the_users_tokens(app, make_user, login_as):
    account = make_user(Role.VIEWER)
    headers = _token(account)
    admin = login_as(Role.ADMIN)
    assert _works(admin, headers)
    response = post_form(
        admin, f"/admin/users/{account.id}/reset-password", token_from="/admin/users"
    )
    assert response.status_code == 200
    assert not _works(admin, headers)
    token = db.session.scalars(sa.select(ApiToken)).one()
    assert token.revoked_reason == "an administrator reset your password"
    assert _actions("api_token.revoke_all")[0].actor_id == admin.account.id


def test_tokens_stay_dead_after_deactivation_and_reactivation(app, make_user, login_as):
    account = make_user(Role.VIEWER)
    headers = _token(account)
    admin = login_as(Role.ADMIN)
    post_form(admin, f"/admin/users/{account.id}/deactivate", token_from="/admin/users")
    post_form(admin, f"/admin/users/{account.id}/activate", token_from="/admin/users")
    assert db.session.get(User, account.id).is_active
    assert not _works(admin, headers)
    assert db.session.scalars(sa.select(ApiToken)).one().revoked_reason == (
        "your account was deactivated"
    )


def test_a_token_the_owner_revoked_is_not_reported_as_a_recovery(app, login_as):
    client = login_as(Role.VIEWER)
    headers = _token(client.account)
    token = db.session.scalars(sa.select(ApiToken)).one()
    post_form(client, f"/account/tokens/{token.id}/revoke", token_from="/account/tokens")
    assert not _works(client, headers)
    page = client.get("/account/tokens").get_data(as_text=True)
    assert "revoked for you" not in page and "you revoked it" in page


# 3. Throttling without enumeration or a lock-out switch -----------------------------------


def _attempt(client, email: str, password: str, address: str):  # noqa: ANN001
    return post_form(
        client,
        "/login",
        {"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def _visible(response) -> str:  # noqa: ANN001
    """The page without its per-session CSRF token."""
    return re.sub(
        r'(name="csrf-token" content|name="csrf_token" type="hidden" value)="[^"]*"',
        "",
        response.get_data(as_text=True),
    )


@pytest.mark.parametrize("app_overrides", [{"LOGIN_MAX_FAILURES": 3}])
def test_an_existing_and_an_unknown_email_get_the_same_answers(app, make_user):
    account = make_user()
    answers = {}
    for email in (account.email, "nobody@example.com"):
        client = app.test_client()
        seen = []
        for _ in range(5):
            response = _attempt(client, email, "wrong password 123", "10.0.0.9")
            seen.append((response.status_code, _visible(response).replace(email, "EMAIL")))
        answers[email] = seen
    assert answers[account.email] == answers["nobody@example.com"]
    assert "Too many failed sign-ins" in answers[account.email][-1][1]
    assert "locked" not in answers[account.email][-1][1]


@pytest.mark.parametrize("app_overrides", [{"LOGIN_MAX_FAILURES": 3}])
def test_failures_from_one_address_do_not_shut_the_owner_out(app, make_user):
    account = make_user()
    attacker, owner = app.test_client(), app.test_client()
    for _ in range(6):
        _attempt(attacker, account.email, "guess guess guess", "203.0.113.7")
    refused = _attempt(attacker, account.email, account.password, "203.0.113.7")
    assert refused.status_code == 401  # the guessing address is shut out, right or wrong
    allowed = _attempt(owner, account.email, account.password, "198.51.100.20")
    assert allowed.status_code == 302


@pytest.mark.parametrize(
    "app_overrides", [{"LOGIN_MAX_FAILURES": 50, "LOGIN_ACCOUNT_MAX_FAILURES": 5}]
)
def test_a_distributed_guess_shuts_out_new_browsers_but_not_the_owners(app, make_user):
    account = make_user()
    owner = app.test_client()
    assert _attempt(owner, account.email, account.password, "198.51.100.20").status_code == 302
    post_form(owner, "/logout", token_from="/")
    for n in range(5):
        _attempt(app.test_client(), account.email, "guess guess guess", f"203.0.113.{n}")
    stranger = _attempt(app.test_client(), account.email, account.password, "192.0.2.1")
    assert stranger.status_code == 401
    assert "Too many failed sign-ins" in stranger.get_data(as_text=True)
    # The owner's browser carries the device cookie of its last sign-in: it gets in, even
    # from a new address.
    assert _attempt(owner, account.email, account.password, "192.0.2.99").status_code == 302


def test_a_forged_device_cookie_is_ignored(app, make_user):
    """A cookie naming the account, with the device id of nobody's past sign-in, but not
    signed with this installation's key, earns no exemption."""
    from itsdangerous import URLSafeTimedSerializer

    from factcheck.auth.throttle import email_digest

    app.config.update(LOGIN_MAX_FAILURES=50, LOGIN_ACCOUNT_MAX_FAILURES=2)
    account = make_user()
    for n in range(3):
        _attempt(app.test_client(), account.email, "guess guess guess", f"203.0.113.{n}")
    payload = {"d": "forged-device", "a": [email_digest(account.email)[:32]]}
    for key in ("not-the-secret-key", app.config["SECRET_KEY"]):
        forger = app.test_client()
        value = URLSafeTimedSerializer(key, salt="factcheck.device").dumps(payload)
        forger.set_cookie("factcheck_device", value)
        response = _attempt(forger, account.email, account.password, "192.0.2.1")
        # Only the genuinely signed cookie (which the app itself would have issued) gets in.
        assert response.status_code == (302 if key == app.config["SECRET_KEY"] else 401)


@pytest.mark.parametrize("app_overrides", [{"LOGIN_MAX_FAILURES": 3}])
def test_an_attacker_behind_the_same_office_address_cannot_lock_the_owner_out(app, make_user):
    account = make_user()
    owner = app.test_client()
    assert _attempt(owner, account.email, account.password, "198.51.100.7").status_code == 302
    post_form(owner, "/logout", token_from="/")
    attacker = app.test_client()
    for _ in range(6):
        _attempt(attacker, account.email, "guess guess guess", "198.51.100.7")
    assert _attempt(attacker, account.email, account.password, "198.51.100.7").status_code == 401
    # Same address, but the owner's browser has its own bucket (its device cookie).
    assert _attempt(owner, account.email, account.password, "198.51.100.7").status_code == 302


@pytest.mark.real_commits  # threads, each with its own connection
@pytest.mark.parametrize("app_overrides", [{"LOGIN_MAX_FAILURES": 3}])
def test_parallel_guesses_cannot_slip_past_the_limit(app, make_user):
    """Attempts are counted before the password is checked, under a lock: of eight
    guesses sent at once from one address, at most three are checked."""
    import threading

    account = make_user()
    clients = [app.test_client() for _ in range(8)]
    tokens = [csrf_token(c) for c in clients]
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []

    def guess(client, token) -> None:  # noqa: ANN001
        barrier.wait()
        with app.app_context():
            response = client.post(
                "/login",
                data={"email": account.email, "password": "guess guess", "csrf_token": token},
                environ_base={"REMOTE_ADDR": "203.0.113.50"},
            )
        statuses.append(response.status_code)

    threads = [
        threading.Thread(target=guess, args=pair) for pair in zip(clients, tokens, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(statuses) == [401] * 8
    checked = [e for e in _actions("auth.login_failed")]
    assert len(checked) == 3
    assert len(_actions("auth.login_refused")) == 5


@pytest.mark.parametrize("app_overrides", [{"LOGIN_MAX_FAILURES": 2}])
def test_an_admin_reset_lifts_the_throttle(app, make_user, runner):
    account = make_user()
    client = app.test_client()
    for _ in range(2):
        _attempt(client, account.email, "guess guess guess", "10.1.1.1")
    assert _attempt(client, account.email, account.password, "10.1.1.1").status_code == 401
    result = runner.invoke(args=["users", "reset-password", account.email])
    one_time = result.output.rsplit(": ", 1)[1].strip()
    assert _attempt(client, account.email, one_time, "10.1.1.1").status_code == 302


@pytest.mark.parametrize(
    "app_overrides", [{"TRUSTED_PROXIES": 1, "LOGIN_RATE_LIMIT": "2 per minute"}]
)
def test_behind_a_trusted_proxy_each_client_has_its_own_bucket_and_audit_address(app, make_user):
    account = make_user()
    client = app.test_client()
    wrong = {"email": account.email, "password": "wrong password 123"}
    for address in ("198.51.100.1", "198.51.100.1"):
        post_form(client, "/login", wrong, headers={"X-Forwarded-For": address})
    limited = post_form(client, "/login", wrong, headers={"X-Forwarded-For": "198.51.100.1"})
    assert limited.status_code == 429
    other = post_form(client, "/login", wrong, headers={"X-Forwarded-For": "198.51.100.2"})
    assert other.status_code == 401  # another client behind the same proxy
    addresses = {e.extra["ip"] for e in _actions("auth.login_failed")}
    assert addresses == {"198.51.100.1", "198.51.100.2"}


@pytest.mark.parametrize("app_overrides", [{"LOGIN_RATE_LIMIT": "2 per minute"}])
def test_without_trusted_proxies_a_forwarded_header_is_ignored(app, make_user):
    account = make_user()
    client = app.test_client()
    wrong = {"email": account.email, "password": "wrong password 123"}
    for n in range(2):
        post_form(client, "/login", wrong, headers={"X-Forwarded-For": f"198.51.100.{n}"})
    limited = post_form(client, "/login", wrong, headers={"X-Forwarded-For": "198.51.100.9"})
    assert limited.status_code == 429
    assert {e.extra["ip"] for e in _actions("auth.login_failed")} == {"127.0.0.1"}


# 4. One-time passwords expire ------------------------------------------------------------


def _one_time_account(runner) -> tuple[str, str]:  # noqa: ANN001
    result = runner.invoke(
        args=["users", "create", "--role", "viewer", "--one-time-password", "otp@example.com"]
    )
    assert result.exit_code == 0, result.output
    return "otp@example.com", result.output.rsplit(": ", 1)[1].strip()


def test_a_one_time_password_works_within_its_lifetime(app, runner):
    email, password = _one_time_account(runner)
    expires = db.session.scalar(sa.select(User.password_expires_at))
    assert timedelta(hours=71) < expires - utcnow() <= timedelta(hours=72)
    client = app.test_client()
    response = post_form(client, "/login", {"email": email, "password": password})
    assert response.status_code == 302


def test_an_expired_one_time_password_is_refused(app, runner):
    email, password = _one_time_account(runner)
    account = db.session.scalars(sa.select(User)).one()
    account.password_expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    response = post_form(app.test_client(), "/login", {"email": email, "password": password})
    assert response.status_code == 401
    assert "This one-time password expired" in response.get_data(as_text=True)
    assert _actions("auth.login_refused")[0].extra["reason"] == "one-time password expired"


@pytest.mark.parametrize("app_overrides", [{"ONE_TIME_PASSWORD_HOURS": 1}])
def test_the_one_time_lifetime_is_a_setting_and_a_chosen_password_never_expires(app, runner):
    email, password = _one_time_account(runner)
    account = db.session.scalars(sa.select(User)).one()
    assert account.password_expires_at - utcnow() <= timedelta(hours=1)
    client = app.test_client()
    post_form(client, "/login", {"email": email, "password": password})
    post_form(
        client,
        "/account/password",
        {
            "current_password": password,
            "new_password": STRONG_PASSWORD,
            "confirm": STRONG_PASSWORD,
        },
        token_from="/account/password",
    )
    db.session.refresh(account)
    assert account.password_expires_at is None and not account.must_change_password


# 14. Deactivation releases leases ---------------------------------------------------------


def _take(client, claim_id: int):  # noqa: ANN001
    return post_form(client, f"/claims/{claim_id}/take", token_from=f"/claims/{claim_id}")


def test_deactivating_a_fact_checker_frees_their_claims_and_tells_the_editors(
    app, make_user, login_as
):
    checker = login_as(Role.FACT_CHECKER)
    editor = make_user(Role.EDITOR)
    idle_editor = make_user(Role.EDITOR, active=False)
    claims = [add_claim(), add_claim()]
    db.session.commit()
    for claim in claims:
        assert _take(checker, claim.id).status_code == 302
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Assignment)
            .where(Assignment.released_at.is_(None))
        )
        == 2
    )

    admin = login_as(Role.ADMIN)
    response = post_form(
        admin, f"/admin/users/{checker.account.id}/deactivate", token_from="/admin/users"
    )
    assert response.status_code == 302

    leases = db.session.scalars(sa.select(Assignment)).all()
    assert all(a.released_at is not None and a.release_reason == "deactivated" for a in leases)
    for claim in claims:
        db.session.refresh(claim)
        assert claim.status == "new"
    assert len(_actions("claim.lease_deactivated")) == 2
    notices = db.session.scalars(sa.select(Notification)).all()
    assert [n.user_id for n in notices] == [editor.id]  # not the inactive editor
    assert "account was deactivated; 2 claims they held" in notices[0].message
    assert idle_editor.id not in {n.user_id for n in notices}
    # Someone else can take the claims at once.
    other = login_as(Role.FACT_CHECKER)
    assert _take(other, claims[0].id).status_code == 302
    assert (
        db.session.scalar(sa.select(Assignment.assignee_id).where(Assignment.released_at.is_(None)))
        == other.account.id
    )


def test_the_cli_deactivation_frees_claims_too(app, make_user, login_as, runner):
    checker = login_as(Role.FACT_CHECKER)
    make_user(Role.EDITOR)
    claim = add_claim()
    db.session.commit()
    _take(checker, claim.id)
    result = runner.invoke(args=["users", "deactivate", checker.account.email])
    assert result.exit_code == 0, result.output
    assert "1 claim(s) they held released to the queue" in result.output
    assert db.session.scalars(sa.select(Assignment)).one().release_reason == "deactivated"

"""The database goes away: every kind of request gets a 503 that names the outage, with
Retry-After, and the error page itself touches nothing that needs the database (issue 14,
item 10). Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from factcheck.auth.roles import Role
from factcheck.auth.tokens import create_token
from factcheck.db import utcnow
from factcheck.extensions import db
from tests.conftest import csrf_token
from tests.workflow import add_claim, user

# The outage is staged on the engine's connections, which the test's own one would bypass.
pytestmark = pytest.mark.real_commits


@pytest.fixture
def dead_database(app) -> Iterator[None]:  # noqa: ANN001
    """From now on the database cannot be reached: pooled connections are gone and every
    new one is refused with the driver's own OperationalError, as when the server is down."""
    engine = db.engine
    refused = engine.dialect.loaded_dbapi.OperationalError

    def refuse(*args: object) -> None:
        raise refused("connection refused: the database server is down (test)")

    def go_down() -> None:
        db.session.remove()
        engine.dispose()
        sa.event.listen(engine, "do_connect", refuse)

    yield go_down
    if sa.event.contains(engine, "do_connect", refuse):
        sa.event.remove(engine, "do_connect", refuse)


def _is_outage_page(response) -> str:  # noqa: ANN001
    body = response.get_data(as_text=True)
    assert response.status_code == 503, (response.status_code, body[:2000])
    # 2 s, or the end of the rate-limit window where a limit applies (Flask-Limiter).
    assert int(response.headers["Retry-After"]) >= 2
    assert "briefly unreachable" in body and "Traceback" not in body
    return body


def test_a_signed_in_user_gets_503_when_the_database_is_down(app, login_as, dead_database):
    add_claim("Rents rose 12% in 2025")
    db.session.commit()
    client = login_as(Role.FACT_CHECKER)
    assert client.get("/claims/").status_code == 200
    dead_database()
    body = _is_outage_page(client.get("/claims/"))
    assert "Sign out" not in body  # the page did not try to show who is signed in
    _is_outage_page(client.get(f"/claims/{1}"))


def test_a_signed_in_post_gets_503_when_the_database_is_down(app, login_as, dead_database):
    client = login_as(Role.FACT_CHECKER)
    token = csrf_token(client, "/claims/")
    dead_database()
    _is_outage_page(client.post("/claims/next", data={"csrf_token": token}))


def test_an_anonymous_visitor_gets_503_when_the_database_is_down(
    app, client, make_user, dead_database
):
    account = make_user(Role.VIEWER)
    token = csrf_token(client, "/login")
    dead_database()
    response = client.post(
        "/login", data={"csrf_token": token, "email": account.email, "password": "wrong"}
    )
    _is_outage_page(response)


def test_the_api_answers_json_503_when_the_database_is_down(app, make_user, dead_database):
    owner = user(make_user(Role.VIEWER))
    _, secret = create_token(db.session, user=owner, name="script", now=utcnow())
    db.session.commit()
    dead_database()
    response = app.test_client().get(
        "/api/v1/claims", headers={"Authorization": f"Bearer {secret}"}
    )
    assert response.status_code == 503, response.get_data(as_text=True)[:2000]
    assert response.mimetype == "application/json"
    assert int(response.headers["Retry-After"]) >= 2
    error = response.get_json()["error"]
    assert error["status"] == 503 and "briefly unreachable" in error["message"]

"""Concurrent requests through the real views, on both backends.

Each thread is one browser: its own signed-in client, its own app context and database
connection. A barrier releases them together.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
import sqlalchemy as sa

from factcheck.auth.roles import Role
from factcheck.editorial.models import EditorialDecision
from factcheck.extensions import db
from factcheck.review.models import Assignment
from factcheck.verdicts.models import VerdictRevision
from factcheck.verdicts.services import ensure_default_scale
from tests.conftest import csrf_token, login
from tests.workflow import add_claim, user, verdict

CLIENTS = 10


def _together(app, jobs: list[Callable[[], object]]) -> list[object]:  # noqa: ANN001
    """Run the jobs in threads released at the same instant; return their results."""
    barrier = threading.Barrier(len(jobs))
    results: list[object] = [None] * len(jobs)

    def run(i: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                results[i] = jobs[i]()
            except Exception as exc:  # noqa: BLE001  (reported by the assertion below)
                results[i] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def _signed_in(app, account):  # noqa: ANN001, ANN202
    client = app.test_client()
    login(client, account)
    return client, csrf_token(client, "/")


@pytest.mark.parametrize("app_overrides", [{"LOGIN_RATE_LIMIT": "1000 per minute"}])
def test_ten_fact_checkers_pressing_next_get_different_claims(app, make_user):
    claims = [add_claim(f"Claim number {n} rose 5%", score=0.5 + n / 100).id for n in range(12)]
    db.session.commit()
    clients = [_signed_in(app, make_user(Role.FACT_CHECKER)) for _ in range(CLIENTS)]

    def press(client, token):  # noqa: ANN001, ANN202
        response = client.post("/claims/next", data={"csrf_token": token})
        response.close()
        return response.status_code, response.headers.get("Location", "")

    results = _together(app, [lambda c=c, t=t: press(c, t) for c, t in clients])
    assert not [r for r in results if isinstance(r, Exception)], results
    statuses = [status for status, _ in results]
    # Every press is answered with a claim of its own: PostgreSQL skips rows another
    # transaction has locked, SQLite makes the presses take turns on its write lock.
    assert statuses == [302] * CLIENTS, results
    taken = [int(loc.rsplit("/", 1)[1]) for _, loc in results]
    assert len(taken) == len(set(taken)), f"a claim was handed out twice: {taken}"
    assert set(taken) <= set(claims)
    open_leases = db.session.scalars(
        sa.select(Assignment.claim_id).where(Assignment.released_at.is_(None))
    ).all()
    assert sorted(open_leases) == sorted(taken)
    assert len(taken) == CLIENTS


@pytest.mark.parametrize("app_overrides", [{"LOGIN_RATE_LIMIT": "1000 per minute"}])
def test_two_editors_deciding_at_once_one_wins_the_other_is_told(app, make_user):
    from factcheck.review import services as review
    from factcheck.verdicts import services as verdicts
    from tests.workflow import NOW

    ensure_default_scale(db.session)
    fc = user(make_user(Role.FACT_CHECKER))
    claim = add_claim("Exports doubled in 2025")
    review.take(db.session, claim, actor=fc, now=NOW, lease_hours=10_000)
    rev, _ = verdicts.save_revision(
        db.session, claim, verdict(), actor=fc, base_revision_id=None, now=NOW
    )
    verdicts.submit(db.session, claim, actor=fc, revision_id=rev.id, now=NOW)
    db.session.commit()
    cid, rev_id = claim.id, rev.id
    editors = [_signed_in(app, make_user(Role.EDITOR)) for _ in range(2)]
    actions = [
        {"approve": "1"},
        {"send_back": "1", "comment": "Cite the primary source."},
    ]

    def decide(client, token, action):  # noqa: ANN001, ANN202
        data = {"csrf_token": token, "revision_id": str(rev_id), **action}
        response = client.post(f"/claims/{cid}/review", data=data, follow_redirects=True)
        return response.status_code, response.get_data(as_text=True)

    results = _together(
        app, [lambda e=e, a=a: decide(e[0], e[1], a) for e, a in zip(editors, actions, strict=True)]
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    codes = sorted(code for code, _ in results)
    assert codes[0] == 200, codes  # the winner lands on the claim page
    loser = next(body for code, body in results if code != 200) if codes[1] != 200 else None
    assert codes[1] in (409, 503), codes
    # Told why: the other decision came first (caught by the claim's version, or read
    # after it committed: the claim is no longer submitted).
    assert loser is not None and (
        "at the same moment" in loser or "only submitted verdicts can be" in loser
    ), loser[:2000]
    decisions = db.session.scalars(
        sa.select(EditorialDecision.decision).where(EditorialDecision.revision_id == rev_id)
    ).all()
    assert len(decisions) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(VerdictRevision)) == 1


@pytest.mark.postgres_only
def test_a_connection_cut_mid_request_gives_a_clean_error_and_the_next_request_works(
    app, make_user, backend_name
):
    """pg_terminate_backend on the request's own connection, after it started using it."""
    if backend_name != "postgresql":
        pytest.skip("PostgreSQL only")
    add_claim("Rents rose 12% in 2025")
    db.session.commit()
    admin = sa.create_engine(db.engine.url)
    cut = {"done": False}

    @app.before_request
    def _cut_my_connection() -> None:
        if cut["done"] or not app.config.get("CUT_CONNECTION"):
            return
        cut["done"] = True
        pid = db.session.scalar(sa.text("SELECT pg_backend_pid()"))
        with admin.begin() as conn:
            conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})

    client = app.test_client()  # its first request comes after the hook is in place
    login(client, make_user(Role.VIEWER))
    app.config["CUT_CONNECTION"] = True
    try:
        broken = client.get("/claims/")
        assert broken.status_code == 503
        body = broken.get_data(as_text=True)
        assert "briefly unreachable" in body and "Traceback" not in body
        assert broken.headers["Retry-After"] == "2"
        again = client.get("/claims/")  # the pool threw the dead connection away
        assert again.status_code == 200 and "Rents rose 12%" in again.get_data(as_text=True)
    finally:
        app.config["CUT_CONNECTION"] = False
        admin.dispose()

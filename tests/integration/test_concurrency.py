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
from factcheck.verdicts.ratings import ensure_default_scale
from tests.conftest import csrf_token, login
from tests.workflow import add_claim, user, verdict

# Threads, each with its own connection and transaction.
pytestmark = pytest.mark.real_commits

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
    from factcheck.review import leases
    from factcheck.verdicts import services as verdicts
    from tests.workflow import NOW

    ensure_default_scale(db.session)
    fc = user(make_user(Role.FACT_CHECKER))
    claim = add_claim("Exports doubled in 2025")
    leases.take(db.session, claim, actor=fc, now=NOW, lease_hours=10_000)
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


# Two saves of the same verdict at once (issue 14, item 9) ---------------------------------


def _reads_meet(monkeypatch) -> None:  # noqa: ANN001
    """Each request's first look at the latest revision waits (up to 2 s) for the other's:
    both saves then start from the same state before either writes, as in the report.
    A request held back by the other's lock finds the barrier broken and goes on."""
    from factcheck.verdicts import services

    barrier = threading.Barrier(2)
    local = threading.local()
    real = services.latest_revision

    def latest_revision(session, claim):  # noqa: ANN001, ANN202
        if not getattr(local, "met", False):
            local.met = True
            try:
                barrier.wait(timeout=2)
            except threading.BrokenBarrierError:
                pass
        return real(session, claim)

    monkeypatch.setattr(services, "latest_revision", latest_revision)


@pytest.fixture
def verdict_race(app, make_user):
    """A claim held by a fact-checker with revision 1 saved, and that fact-checker signed
    in twice (two tabs, or two browsers)."""
    from factcheck.review import leases
    from factcheck.verdicts import services as verdicts
    from tests.workflow import NOW

    ensure_default_scale(db.session)
    account = make_user(Role.FACT_CHECKER, name="Fiona Checker")
    fc = user(account)
    claim = add_claim("Exports doubled in 2025")
    leases.take(db.session, claim, actor=fc, now=NOW, lease_hours=10_000)
    rev, _ = verdicts.save_revision(
        db.session, claim, verdict(), actor=fc, base_revision_id=None, now=NOW
    )
    db.session.commit()
    tabs = [_signed_in(app, account) for _ in range(2)]
    return {"claim": claim.id, "base": rev.id, "tabs": tabs}


def _verdict_post(claim_id: int, base: int, token: str, **fields: str) -> dict[str, str]:
    from factcheck.verdicts.ratings import active_ratings

    data = {
        "csrf_token": token,
        "base_revision": str(base),
        "claim_text": "Exports doubled in 2025, the minister said",
        "claimant_name": "Jane Doe",
        "claimant_role": "Trade minister",
        "claimed_on": "2026-11-01",
        "rating": str(active_ratings(db.session)[1].id),
        "summary": "Exports rose by a third, not doubled.",
        "explanation": "The customs office counts 33% more.",
        "evidence-0-url": "https://customs.example.org/2025",
        "evidence-0-title": "Customs annual report",
        "save": "1",
    }
    data.update(fields)
    return data


def _revision_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(VerdictRevision))


@pytest.mark.parametrize("app_overrides", [{"LOGIN_RATE_LIMIT": "1000 per minute"}])
def test_two_saves_of_one_verdict_at_once_the_loser_gets_the_conflict_page_with_its_text(
    app, verdict_race, monkeypatch
):
    cid, base = verdict_race["claim"], verdict_race["base"]
    posts = [
        _verdict_post(
            cid,
            base,
            token,
            explanation=f"Tab {n}: the customs office counts 33% more, not 100%.",
            summary=f"Tab {n} conclusion: exports rose by a third.",
        )
        for n, (_, token) in enumerate(verdict_race["tabs"])
    ]
    _reads_meet(monkeypatch)

    def save(client, data):  # noqa: ANN001, ANN202
        response = client.post(f"/claims/{cid}/verdict", data=data)
        return response.status_code, response.get_data(as_text=True)

    results = _together(
        app,
        [
            lambda c=c, d=d: save(c, d)
            for (c, _), d in zip(verdict_race["tabs"], posts, strict=True)
        ],
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    codes = [code for code, _ in results]
    assert sorted(codes) == [302, 409], codes
    loser = codes.index(409)
    body = results[loser][1]
    assert "The verdict was changed by Fiona Checker at" in body, body[:3000]
    assert "(revision 2)" in body and "Your text is still in the form below" in body
    # The loser's text is in the form, to save again on top of the winner's revision.
    assert f"Tab {loser}: the customs office counts 33% more, not 100%." in body
    assert f"Tab {loser} conclusion: exports rose by a third." in body
    assert "https://customs.example.org/2025" in body
    assert _revision_count() == 2
    winner_text = f"Tab {1 - loser}: the customs office counts 33% more, not 100%."
    assert (
        db.session.scalar(sa.select(VerdictRevision.explanation).where(VerdictRevision.number == 2))
        == winner_text
    )


@pytest.mark.parametrize("app_overrides", [{"LOGIN_RATE_LIMIT": "1000 per minute"}])
def test_a_double_submit_of_the_verdict_form_saves_it_once(app, verdict_race, monkeypatch):
    """The same form sent twice (a double click, a re-sent request): one revision, and
    neither answer is an error."""
    cid, base = verdict_race["claim"], verdict_race["base"]
    _reads_meet(monkeypatch)

    def save(client, token):  # noqa: ANN001, ANN202
        response = client.post(f"/claims/{cid}/verdict", data=_verdict_post(cid, base, token))
        return response.status_code, response.headers.get("Location", "")

    results = _together(app, [lambda c=c, t=t: save(c, t) for c, t in verdict_race["tabs"]])
    assert not [r for r in results if isinstance(r, Exception)], results
    assert [code for code, _ in results] == [302, 302], results
    assert _revision_count() == 2
    page = verdict_race["tabs"][0][0].get(f"/claims/{cid}/verdict").get_data(as_text=True)
    assert "The customs office counts 33% more." in page


@pytest.mark.parametrize("app_overrides", [{"LOGIN_RATE_LIMIT": "1000 per minute"}])
def test_a_save_refused_by_a_locked_database_after_another_save_shows_whose_it_was(
    app, verdict_race, monkeypatch
):
    """SQLite's write lock stayed busy past busy_timeout ("database is locked") because
    another tab's save held it: the loser is told who saved, not "try again", and keeps
    its text."""
    cid, base = verdict_race["claim"], verdict_race["base"]
    (first, first_token), (second, second_token) = verdict_race["tabs"]
    assert first.post(f"/claims/{cid}/verdict", data=_verdict_post(cid, base, first_token))
    assert _revision_count() == 2

    def locked(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise sa.exc.OperationalError("BEGIN IMMEDIATE", {}, Exception("database is locked"))

    monkeypatch.setattr("factcheck.verdicts.services.require_holder", locked)
    data = _verdict_post(cid, base, second_token, explanation="Written in the second tab.")
    response = second.post(f"/claims/{cid}/verdict", data=data)
    body = response.get_data(as_text=True)
    assert response.status_code == 409, body[:2000]
    assert "The verdict was changed by Fiona Checker at" in body
    assert "Written in the second tab." in body
    assert _revision_count() == 2


@pytest.mark.parametrize("app_overrides", [{"LOGIN_RATE_LIMIT": "1000 per minute"}])
def test_a_double_click_on_submit_for_approval_submits_once_and_keeps_the_text(
    app, verdict_race, monkeypatch
):
    cid, base = verdict_race["claim"], verdict_race["base"]
    _reads_meet(monkeypatch)

    def submit(client, token):  # noqa: ANN001, ANN202
        data = _verdict_post(cid, base, token, submit_for_approval="1")
        del data["save"]
        response = client.post(f"/claims/{cid}/verdict", data=data)
        return response.status_code, response.get_data(as_text=True)

    results = _together(app, [lambda c=c, t=t: submit(c, t) for c, t in verdict_race["tabs"]])
    assert not [r for r in results if isinstance(r, Exception)], results
    codes = sorted(code for code, _ in results)
    assert codes == [302, 409], codes
    body = next(body for code, body in results if code == 409)
    assert "This claim is submitted; its verdict cannot be edited now." in body
    assert "The customs office counts 33% more." in body
    assert _revision_count() == 2
    submitted = db.session.scalars(
        sa.select(VerdictRevision.submitted_at).where(VerdictRevision.claim_id == cid)
    ).all()
    assert sum(s is not None for s in submitted) == 1

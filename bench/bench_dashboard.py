"""Benchmark the dashboard on a desk of 100k claims over two years; prints figures.

    .venv/bin/python bench/bench_dashboard.py [--claims 100000] [--runs 15]
        [--database-url URL [--reuse] | --pg-server URL] [--explain]

Builds a throwaway database through the real migrations (a SQLite file by default;
PostgreSQL with --database-url naming an empty database, or --pg-server naming a server
where a database `factcheck_bench_*` is created and dropped afterwards, as tests/conftest.py
does), fills it with bulk inserts: --claims claims spread evenly over the last 730 days on
1/5 as many articles of 50 outlets, each with its path through the workflow (status, the
audit entries of its status changes and a flag entry, a lease, a verdict revision, an
approval and a ruling as far as it got) and three scored sentences. Then it times:

- the whole dashboard page (GET /dashboard/ as an editor, every chart) for the last 30
  days, one year and two years (the longest range allowed), p50 and p95 of --runs runs;
- each aggregate read alone for the same ranges, p50 and p95.

--explain prints the plan of each read for the two-year range (SQLite: EXPLAIN QUERY PLAN;
PostgreSQL: EXPLAIN ANALYZE).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from throwaway import analyse, migrated_db

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DAYS = 730
CHUNK = 10_000
FACT_CHECKERS = 20
PASSWORD = "bench password that is long enough 42"  # noqa: S105  (a throwaway database)

# Where claims end up (weights); each path's status changes follow CLAIM_TRANSITIONS.
PATHS = [
    ("new", 22),
    ("in_review", 4),
    ("returned", 2),
    ("submitted", 3),
    ("approved", 1),
    ("published", 18),
    ("retracted", 1),
    ("dismissed", 44),
    ("merged", 5),
]
# The status changes (with their audit action) on the way to each end.
STEPS = {
    "new": [],
    "in_review": [],
    "submitted": [("verdict.submit", "in_review", "submitted")],
    "returned": [
        ("verdict.submit", "in_review", "submitted"),
        ("verdict.return", "submitted", "returned"),
    ],
    "approved": [
        ("verdict.submit", "in_review", "submitted"),
        ("verdict.approve", "submitted", "approved"),
    ],
    "published": [
        ("verdict.submit", "in_review", "submitted"),
        ("verdict.approve", "submitted", "approved"),
        ("ruling.publish", "approved", "published"),
    ],
    "retracted": [
        ("verdict.submit", "in_review", "submitted"),
        ("verdict.approve", "submitted", "approved"),
        ("ruling.publish", "approved", "published"),
        ("ruling.retract", "published", "retracted"),
    ],
    "dismissed": [("claim.dismiss", "new", "dismissed")],
    "merged": [("claim.merge", "new", "merged")],
}
TAKEN = {"in_review", "returned", "submitted", "approved", "published", "retracted"}


def percentiles(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return statistics.median(ordered), p95


CPU: list[float] = []  # this process's CPU time of each run of the last timed() call


def timed(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    """p50 and p95 wall time of `runs` runs in ms; CPU holds each run's process CPU time
    (on SQLite all of the work, so a figure a busy machine does not inflate)."""
    fn()  # warm caches once
    times = []
    CPU.clear()
    for _ in range(runs):
        start, cpu = time.perf_counter(), time.process_time()
        fn()
        times.append((time.perf_counter() - start) * 1000)
        CPU.append((time.process_time() - cpu) * 1000)
    return percentiles(times)


def insert(conn, table, rows: list[dict]) -> None:  # noqa: ANN001
    import sqlalchemy as sa

    for i in range(0, len(rows), CHUNK):
        conn.execute(sa.insert(table), rows[i : i + CHUNK])


def fill(db, n_claims: int, now: datetime) -> dict[str, int]:  # noqa: ANN001, C901
    """Bulk-insert the desk; returns row counts."""
    import sqlalchemy as sa

    from factcheck.audit.models import AuditEntry
    from factcheck.auth.config import password_policy, passwords
    from factcheck.auth.roles import Role
    from factcheck.auth.services import create_user
    from factcheck.claims.models import Claim, Sentence, SentenceScore
    from factcheck.editorial.models import EditorialDecision, Ruling
    from factcheck.review.models import Assignment
    from factcheck.sources.models import Article, Outlet
    from factcheck.verdicts.models import Rating, VerdictRevision

    rng = random.Random(16)  # noqa: S311  (synthetic data)
    session = db.session
    people = []
    for i in range(FACT_CHECKERS + 2):
        role = Role.FACT_CHECKER if i < FACT_CHECKERS else Role.EDITOR
        user, _ = create_user(
            session,
            email=f"person{i}@example.org",
            display_name=f"Person {i:02d}",
            password=PASSWORD,
            roles=[role],
            passwords=passwords(),
            policy=password_policy(),
            actor=None,
        )
        people.append(user.id)
    session.commit()
    checkers, editor = people[:FACT_CHECKERS], people[-1]
    ratings = session.scalars(sa.select(Rating.id)).all()
    conn = session.connection()
    start = now - timedelta(days=DAYS)
    insert(
        conn, Outlet.__table__, [{"name": f"Outlet {i}", "created_at": start} for i in range(50)]
    )
    n_articles = max(1, n_claims // 5)
    article_times = sorted(
        start + timedelta(seconds=rng.uniform(0, DAYS * 86400)) for _ in range(n_articles)
    )
    insert(
        conn,
        Article.__table__,
        [
            {
                "id": i + 1,
                "title": f"Article {i}",
                "text": f"Body {i}",
                "content_hash": f"{i:064d}",
                "outlet_id": 1 + rng.randrange(50) if i % 10 else None,
                "source_kind": "text",
                "ingested_at": t,
            }
            for i, t in enumerate(article_times)
        ],
    )
    claims, audits, assignments, revisions, decisions_, rulings = [], [], [], [], [], []
    sentences, scores = [], []
    weights = [w for _, w in PATHS]
    ends = [p for p, _ in PATHS]
    for i in range(n_claims):
        claim_id = i + 1
        article = i // 5 + 1 if i // 5 < n_articles else n_articles
        created = article_times[article - 1] + timedelta(minutes=rng.uniform(1, 30))
        end = rng.choices(ends, weights)[0]
        age = (now - created).total_seconds()
        if age < 14 * 86400 and end not in ("new", "in_review", "dismissed"):
            end = rng.choice(["new", "in_review", "submitted", "dismissed"])
        claims.append(
            {
                "id": claim_id,
                "text": f"Claim {claim_id} about the budget rose by {rng.randint(1, 99)} percent",
                "text_key": f"{claim_id:064d}",
                "claimant_name": f"Speaker {int(rng.paretovariate(1.2)) % 400}",
                "article_id": article,
                "status": end,
                "dismiss_reason": "not_check_worthy" if end == "dismissed" else None,
                "duplicate_of_id": max(1, claim_id - 7)
                if end == "merged" and claim_id > 1
                else None,
                "score": rng.uniform(0.5, 1.0),
                "priority": 0.0,
                "hedged": False,
                "article_count": 1,
                "created_at": created,
                "updated_at": created,
                "version": 1,
            }
        )
        if end == "merged" and claim_id == 1:
            claims[-1].update(status="new", duplicate_of_id=None)
            end = "new"
        audits.append(
            {"occurred_at": created, "action": "claim.flag", "entity_type": "claim",
             "entity_id": claim_id, "changes": {}, "extra": {"score": 0.7}}
        )  # fmt: skip
        t = created
        checker = rng.choice(checkers)

        def later(t: datetime, hours: float) -> datetime:
            return min(now - timedelta(seconds=1), t + timedelta(hours=hours))

        if end in TAKEN:
            t = later(t, rng.uniform(1, 72))
            assignments.append(
                {"claim_id": claim_id, "assignee_id": checker, "assigned_by_id": checker,
                 "assigned_at": t, "lease_expires_at": t + timedelta(hours=48),
                 "released_at": None if end == "in_review" else t + timedelta(hours=1),
                 "release_reason": None if end == "in_review" else "submitted"}
            )  # fmt: skip
            audits.append(
                {"occurred_at": t, "action": "claim.take", "entity_type": "claim",
                 "entity_id": claim_id, "actor_id": checker, "changes": {}, "extra": {}}
            )  # fmt: skip
        revision_id = decision_id = None
        for action, old, new in STEPS[end]:
            t = later(t, rng.uniform(1, 48))
            actor = editor if action.startswith(("verdict.a", "verdict.r", "ruling")) else checker
            audits.append(
                {"occurred_at": t, "action": action, "entity_type": "claim", "entity_id": claim_id,
                 "actor_id": actor, "changes": {"status": [old, new]}, "extra": {}}
            )  # fmt: skip
            if action == "verdict.submit":
                revision_id = len(revisions) + 1
                revisions.append(
                    {"id": revision_id, "claim_id": claim_id, "number": 1,
                     "rating_id": rng.choice(ratings), "summary": "Checked.", "explanation": "",
                     "claim_text": "Claim", "author_id": checker, "evidence_urls": "",
                     "created_at": t, "submitted_at": t}
                )  # fmt: skip
            elif action == "verdict.approve":
                decision_id = len(decisions_) + 1
                decisions_.append(
                    {"id": decision_id, "revision_id": revision_id, "decision": "approved",
                     "editor_id": editor, "decided_at": t}
                )  # fmt: skip
            elif action == "ruling.publish":
                rulings.append(
                    {"claim_id": claim_id, "decision_id": decision_id, "published_by_id": editor,
                     "fact_checker_id": checker, "published_at": t, "updated_at": t,
                     "status": "published", "retracted_at": None, "retraction_note": None}
                )  # fmt: skip
            elif action == "ruling.retract":
                rulings[-1].update(status="retracted", retracted_at=t, retraction_note="Wrong.")
        for position in range(3):
            sentence_id = len(sentences) + 1
            sentences.append(
                {"id": sentence_id, "article_id": article, "position": (i % 5) * 3 + position,
                 "kind": "body", "paragraph": 0, "start_offset": 0, "end_offset": 10,
                 "text": "A sentence."}
            )  # fmt: skip
            scores.append(
                {"sentence_id": sentence_id, "score": rng.betavariate(1.2, 3.0),
                 "model_name": "bench-model", "model_version": "1", "scored_at": created}
            )  # fmt: skip
    insert(conn, Claim.__table__, claims)
    insert(conn, Sentence.__table__, sentences)
    insert(conn, SentenceScore.__table__, scores)
    insert(conn, VerdictRevision.__table__, revisions)
    insert(conn, EditorialDecision.__table__, decisions_)
    # As a running desk writes them: in time order (the table's row order follows time).
    for row in audits:
        row.setdefault("actor_id", None)
    audits.sort(key=lambda row: row["occurred_at"])
    assignments.sort(key=lambda row: row["assigned_at"])
    rulings.sort(key=lambda row: row["published_at"])
    insert(conn, AuditEntry.__table__, audits)
    insert(conn, Assignment.__table__, assignments)
    insert(conn, Ruling.__table__, rulings)
    if db.engine.dialect.name == "postgresql":
        for table in (
            "claims",
            "articles",
            "sentences",
            "verdict_revisions",
            "editorial_decisions",
        ):
            sequence = f"pg_get_serial_sequence('{table}', 'id')"
            conn.exec_driver_sql(f"SELECT setval({sequence}, (SELECT max(id) FROM {table}))")  # noqa: S608
    session.commit()
    analyse(db)
    return {
        "claims": len(claims),
        "audit entries": len(audits),
        "assignments": len(assignments),
        "revisions": len(revisions),
        "rulings": len(rulings),
        "sentence scores": len(scores),
    }


def explain(db, label: str, fn: Callable[[], object]) -> None:  # noqa: ANN001
    """Print the plan of every statement fn() sends."""
    import sqlalchemy as sa

    statements: list[tuple[str, object]] = []

    def note(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001, ANN202, PLR0913
        statements.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", note)
    try:
        fn()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", note)
    raw = db.session.connection().connection.dbapi_connection
    print(f"\n--- {label}")
    for statement, parameters in statements:
        prefix = "EXPLAIN QUERY PLAN " if db.engine.dialect.name == "sqlite" else "EXPLAIN ANALYZE "
        cursor = raw.cursor()
        cursor.execute(prefix + statement, parameters)
        for row in cursor.fetchall():
            print("   ", row[-1] if db.engine.dialect.name == "sqlite" else row[0])
        cursor.close()


def run(database_url: str, args: argparse.Namespace) -> None:
    from flask import current_app

    from factcheck.dashboard import queries
    from factcheck.dashboard.figures import Dashboard, Model
    from factcheck.dashboard.queries import Period
    from factcheck.db import utcnow

    now = utcnow()
    with migrated_db(database_url, "dashboard") as db:
        backend = db.engine.dialect.name
        if args.reuse:
            print(f"backend: {backend}; reusing the data already in {database_url}")
        else:
            began = time.perf_counter()
            counts = fill(db, args.claims, now)
            print(
                f"backend: {backend}; filled in {time.perf_counter() - began:.0f} s: "
                + ", ".join(f"{n:,} {what}" for what, n in counts.items())
            )
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        app.config.update(WTF_CSRF_ENABLED=False, STATUS_COUNTS_TTL=0)
        client = app.test_client()
        response = client.post(
            "/login", data={"email": f"person{FACT_CHECKERS + 1}@example.org", "password": PASSWORD}
        )
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
        today = now.date()
        ranges = {
            "30 days": Period(today - timedelta(days=29), today),
            "1 year": Period(today - timedelta(days=364), today),
            "2 years": Period(today - timedelta(days=queries.MAX_DAYS - 1), today),
        }
        print(f"\nwhole page, GET /dashboard/ as an editor ({args.runs} runs, ms):")
        print(f"  (machine load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
        for label, period in ranges.items():
            url = f"/dashboard/?since={period.since}&until={period.until}"

            def page(url: str = url) -> None:
                r = client.get(url)
                assert r.status_code == 200, r.status_code

            p50, p95 = timed(page, args.runs)
            cpu = statistics.median(CPU)
            print(f"  {label:<10} p50 {p50:7.1f}   p95 {p95:7.1f}   (process CPU p50 {cpu:.1f})")

        model = Model("bench-model", "1", 0.5)
        session = db.session
        reads: dict[str, Callable[[Period], object]] = {
            "claims created by day": lambda p: queries.claims_created_by_day(session, p.start),
            "stored status counts": lambda p: queries.stored_status_counts(session),
            "status changes by day (audit)": lambda p: queries.status_changes_by_day(
                session, p.start
            ),
            "rulings by rating": lambda p: queries.rulings_by_rating(session, p),
            "publish times (median, p90)": lambda p: queries.publish_times(session, p),
            "publish time bands": lambda p: queries.publish_time_bands(session, p),
            "work by person": lambda p: queries.work_by_person(session, p),
            "top claimants, flagged": lambda p: queries.top_claimants_flagged(session, p),
            "top claimants, rulings": lambda p: queries.top_claimants_ruled(session, p),
            "top outlets, flagged": lambda p: queries.top_outlets_flagged(session, p),
            "top outlets, rulings": lambda p: queries.top_outlets_ruled(session, p),
            "score histogram": lambda p: queries.score_histogram(
                session, p, model_name=model.name, model_version=model.version
            ),
        }
        print(f"\neach read alone ({args.runs} runs, ms: p50 / p95):")
        print(f"  {'read':<32}" + "".join(f"{label:>20}" for label in ranges))
        for name, read in reads.items():
            cells = []
            for period in ranges.values():
                p50, p95 = timed(lambda read=read, period=period: read(period), args.runs)
                cells.append(f"{p50:8.1f} / {p95:7.1f}")
            print(f"  {name:<32}" + "".join(f"{c:>20}" for c in cells))
        board = Dashboard(session, ranges["2 years"], now=now, model=model)
        p50, p95 = timed(
            lambda: [
                Dashboard(session, ranges["2 years"], now=now, model=model).figures(Dashboard.KEYS)
            ],
            5,
        )
        print(
            f"\nall figures without HTTP or templates, 2 years: p50 {p50:.1f} ms, p95 {p95:.1f} ms"
        )
        if args.explain:
            for name, read in reads.items():
                explain(db, name, lambda read=read: read(ranges["2 years"]))
        del board


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--pg-server", default="", help="create (and drop) a database there")
    parser.add_argument("--explain", action="store_true")
    parser.add_argument(
        "--reuse", action="store_true", help="time a --database-url this script filled before"
    )
    args = parser.parse_args()
    if not args.pg_server:
        run(args.database_url, args)
        return
    import sqlalchemy as sa

    server = sa.create_engine(args.pg_server, isolation_level="AUTOCOMMIT")
    name = f"factcheck_bench_{uuid.uuid4().hex[:10]}"
    with server.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        run(server.url.set(database=name).render_as_string(hide_password=False), args)
    finally:
        with server.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.dispose()


if __name__ == "__main__":
    main()

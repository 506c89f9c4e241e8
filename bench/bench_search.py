"""Benchmark the search page's queries at 100,000 claims, on SQLite and PostgreSQL.

    .venv/bin/python bench/bench_search.py [--claims 100000] [--backend sqlite|postgresql|both]
        [--server-url postgresql+psycopg://postgres@127.0.0.1:5432/test] [--runs 40]

For each backend: a throwaway database through the real migrations (a SQLite file in a
temporary folder; on PostgreSQL a database `fc_bench_search_<pid>` created on the
server and dropped afterwards), filled with bulk INSERTs: --claims claims (12-20 words
drawn from a 5,000-word vocabulary with a Zipf-like spread, so the commonest word is in
about a tenth of the claims), one article per ten claims (about 250 words each), a
ruling on one claim in twenty (revision, approval, ruling) and one imported ruling per
five claims, 2,000 claimant names, 50 outlets; 384-dimension unit vectors for the claims
and imported rulings for the similar-meaning mode. The FTS5 triggers (SQLite) and GIN
indexes (PostgreSQL) are in place while it fills, as in use.

Then it times the page's own reads (factcheck.search.queries), each case --runs times
with a different word each run, and prints p50 and p95 in milliseconds: the
"everything" page (five kinds, best five of each, with highlights), one kind's first and
tenth page, common and rare words, two words, a phrase, a prefix, a claimant's name,
filters, and the similar-meaning mode (nearest() over the cached vectors, warm; the
query's embedding by the model is not included).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import sqlalchemy as sa
from throwaway import analyse, migrated_db

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SYLLABLES = "ba be bi bo bu da de di do ka ke ki ko ku la le li lo lu ma me mi mo mu na ne ni no ra re ri ro sa se si so ta te ti to va ve vi vo".split()  # noqa: E501
COMMON = (
    "tax crime jobs housing border prices energy schools hospital budget wages rent "
    "inflation vaccine pensions emissions deficit growth exports police"
).split()
FIRST = "Ann Ben Cara Dev Eli Fay Gus Hana Ivo Jo Kit Lev Mia Ned Ola Pia Raj Sol Tia Uma".split()


def vocabulary(rng: random.Random, size: int = 5000) -> list[str]:
    words = list(COMMON)
    seen = set(words)
    while len(words) < size:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


def zipf_weights(n: int) -> list[float]:
    return [1.0 / (rank + 8) for rank in range(n)]


def sentence(rng: random.Random, words: list[str], weights: list[float], lo: int, hi: int) -> str:
    return " ".join(rng.choices(words, weights, k=rng.randint(lo, hi)))


def unit_rows(rng: np.random.Generator, n: int, dims: int = 384) -> np.ndarray:
    rows = rng.standard_normal((n, dims)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def fill(db, n_claims: int) -> dict:  # noqa: ANN001
    import sqlalchemy as sa

    from factcheck.auth.models import User
    from factcheck.claims.models import Claim, ClaimEmbedding
    from factcheck.editorial.models import EditorialDecision, Ruling
    from factcheck.matching.models import ExternalRuling
    from factcheck.sources.models import Article, Outlet
    from factcheck.verdicts.models import Rating, VerdictRevision
    from factcheck.verdicts.ratings import ensure_default_scale

    data = corpus()
    words, names = data["words"], data["names"]
    weights = zipf_weights(len(words))
    rng = random.Random(17)  # noqa: S311  (synthetic data)
    vrng = np.random.default_rng(16)
    now = datetime(2026, 11, 1, tzinfo=UTC)
    session = db.session
    ensure_default_scale(session)
    user = User(email="bench@example.org", display_name="Bench", password_hash="x")  # noqa: S106  (no one signs in)
    session.add(user)
    session.flush()
    rating_ids = list(session.scalars(sa.select(Rating.id)))
    conn = session.connection()
    conn.execute(sa.insert(Outlet), [{"name": f"Outlet {i}", "created_at": now} for i in range(50)])
    n_articles = max(1, n_claims // 10)
    batch = 5000
    for start in range(0, n_articles, batch):
        conn.execute(
            sa.insert(Article),
            [
                {
                    "title": sentence(rng, words, weights, 5, 10).capitalize(),
                    "text": ". ".join(sentence(rng, words, weights, 10, 20) for _ in range(15)),
                    "content_hash": f"{i:064d}",
                    "outlet_id": 1 + i % 50,
                    "published_on": date(2026, 1, 1) + timedelta(days=i % 300),
                    "source_kind": "text",
                    "ingested_at": now,
                }
                for i in range(start, min(start + batch, n_articles))
            ],
        )
    statuses = ["new"] * 14 + ["in_review", "dismissed", "submitted"] + ["published"] * 3
    for start in range(0, n_claims, batch):
        rows = []
        for i in range(start, min(start + batch, n_claims)):
            status = "published" if i % 20 == 0 else rng.choice(statuses[:-3])
            rows.append(
                {
                    "text": sentence(rng, words, weights, 12, 20).capitalize(),
                    "claimant_name": names[i % len(names)],
                    "article_id": 1 + i % n_articles,
                    "status": status,
                    "dismiss_reason": "not_a_claim" if status == "dismissed" else None,
                    "priority": rng.random(),
                    "score": rng.random(),
                    "hedged": False,
                    "article_count": 1,
                    "version": 1,
                    "created_at": now - timedelta(days=i % 365),
                    "updated_at": now,
                }
            )
        conn.execute(sa.insert(Claim), rows)
    claim_rows = conn.execute(
        sa.select(Claim.id, Claim.text, Claim.claimant_name).where(Claim.status == "published")
    ).all()
    for start in range(0, len(claim_rows), batch):
        chunk = claim_rows[start : start + batch]
        revisions = [
            {
                "claim_id": cid,
                "number": 1,
                "rating_id": rng.choice(rating_ids),
                "summary": sentence(rng, words, weights, 8, 15),
                "explanation": sentence(rng, words, weights, 80, 160),
                "claim_text": text,
                "claimant_name": name,
                "author_id": user.id,
                "evidence_urls": "",
                "created_at": now,
            }
            for cid, text, name in chunk
        ]
        conn.execute(sa.insert(VerdictRevision), revisions)
    revision_ids = conn.execute(
        sa.select(VerdictRevision.id, VerdictRevision.claim_id).order_by(VerdictRevision.id)
    ).all()
    conn.execute(
        sa.insert(EditorialDecision),
        [
            {"revision_id": rid, "decision": "approved", "editor_id": user.id, "decided_at": now}
            for rid, _ in revision_ids
        ],
    )
    decisions = dict(
        conn.execute(sa.select(EditorialDecision.revision_id, EditorialDecision.id)).all()
    )
    conn.execute(
        sa.insert(Ruling),
        [
            {
                "claim_id": cid,
                "decision_id": decisions[rid],
                "published_by_id": user.id,
                "fact_checker_id": user.id,
                "published_at": now - timedelta(days=n % 300),
                "updated_at": now,
                "status": "published",
            }
            for n, (rid, cid) in enumerate(revision_ids)
        ],
    )
    labels = ["False", "Mostly false", "True", "Misleading", "Half true"]
    n_external = n_claims // 5
    for start in range(0, n_external, batch):
        count = min(start + batch, n_external) - start
        vectors = unit_rows(vrng, count)
        conn.execute(
            sa.insert(ExternalRuling),
            [
                {
                    "record_key": f"{start + j:064d}",
                    "publisher_name": f"Desk {(start + j) % 40}",
                    "claim_reviewed": sentence(rng, words, weights, 10, 18).capitalize(),
                    "claimant": names[(start + j * 7) % len(names)],
                    "rating": labels[(start + j) % len(labels)],
                    "reviewed_on": date(2026, 1, 1) + timedelta(days=(start + j) % 300),
                    "raw": {},
                    "imported_at": now,
                    "model_name": "bench",
                    "model_version": "1",
                    "dimensions": 384,
                    "vector": vectors[j].tobytes(),
                }
                for j in range(count)
            ],
        )
    claim_ids = list(conn.execute(sa.select(Claim.id).order_by(Claim.id)).scalars())
    for start in range(0, len(claim_ids), batch):
        chunk = claim_ids[start : start + batch]
        vectors = unit_rows(vrng, len(chunk))
        conn.execute(
            sa.insert(ClaimEmbedding),
            [
                {
                    "claim_id": cid,
                    "model_name": "bench",
                    "model_version": "1",
                    "dimensions": 384,
                    "vector": vectors[j].tobytes(),
                    "created_at": now,
                }
                for j, cid in enumerate(chunk)
            ],
        )
    session.commit()
    return data


def corpus() -> dict:
    """The vocabulary and claimant names (the same every run)."""
    rng = random.Random(16)  # noqa: S311  (synthetic data)
    words = vocabulary(rng)
    names = [f"{rng.choice(FIRST)} {w.capitalize()}" for w in rng.sample(words[100:], 2000)]
    return {"words": words, "names": names}


def percentiles(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def run(db, data: dict, runs: int) -> list[tuple[str, float, float, float, float]]:  # noqa: ANN001
    from factcheck.search.queries import SearchFilters, search_all, search_kind, similar
    from factcheck.search.syntax import parse

    rng = random.Random(3)  # noqa: S311
    words, names = data["words"], data["names"]
    common, mid, rare = words[:20], words[100:400], words[3000:]
    session = db.session

    def pick(pool: list[str]) -> str:
        return rng.choice(pool)

    everything = SearchFilters()
    cases = {
        "all kinds, common word": lambda: search_all(session, parse(pick(common)), everything),
        "all kinds, mid word": lambda: search_all(session, parse(pick(mid)), everything),
        "all kinds, rare word": lambda: search_all(session, parse(pick(rare)), everything),
        "all kinds, two words": lambda: search_all(
            session, parse(f"{pick(common)} {pick(mid)}"), everything
        ),
        "all kinds, phrase": lambda: search_all(
            session, parse(f'"{pick(common)} {pick(common)}"'), everything
        ),
        "all kinds, prefix": lambda: search_all(session, parse(pick(mid)[:4] + "*"), everything),
        "all kinds, claimant name": lambda: search_all(
            session, parse(pick(names).split()[1]), everything
        ),
        "claims page 1, common word": lambda: search_kind(
            session, "claims", parse(pick(common)), everything
        ),
        "claims page 10, common word": lambda: search_kind(
            session, "claims", parse(pick(common)), everything, page=10
        ),
        "claims, word + status + outlet": lambda: search_kind(
            session,
            "claims",
            parse(pick(common)),
            SearchFilters(statuses=("new",), outlet_id=rng.randint(1, 50)),
        ),
        "all kinds, word + date range": lambda: search_all(
            session,
            parse(pick(mid)),
            SearchFilters(date_from=date(2026, 3, 1), date_to=date(2026, 6, 30)),
        ),
        "rulings, word + rating": lambda: search_kind(
            session, "rulings", parse(pick(common)), SearchFilters(rating="False")
        ),
        "articles, common word": lambda: search_kind(
            session, "articles", parse(pick(common)), everything
        ),
    }
    vrng = np.random.default_rng(5)
    similar(session, unit_rows(vrng, 1))  # loads the vectors into the process cache once
    cases["similar meaning (warm)"] = lambda: similar(session, unit_rows(vrng, 1))
    results = []
    for name, fn in cases.items():
        fn()  # warm
        session.rollback()
        times, cpu = [], []
        for _ in range(runs):
            start, start_cpu = time.perf_counter(), time.process_time()
            fn()
            times.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
            session.rollback()
        results.append((name, *percentiles(times), *percentiles(cpu)))
    return results


def explain(db, data: dict) -> None:  # noqa: ANN001
    """Print the plan of each kind's ranked query for the commonest word."""
    from sqlalchemy.dialects import postgresql, sqlite

    from factcheck.search import queries
    from factcheck.search.syntax import parse

    session = db.session
    pg = db.engine.dialect.name == "postgresql"
    captured = []
    real_execute = session.execute

    def capture(statement, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        captured.append(statement)
        return real_execute(statement, *args, **kwargs)

    session.execute = capture
    session.scalar = lambda statement, *a, **k: capture(statement, *a, **k).scalar()  # noqa: ARG005
    try:
        for kind in ("claims", "articles", "rulings", "external"):
            captured.clear()
            queries._ranked(  # noqa: SLF001
                session, kind, parse(data["words"][0]), queries.SearchFilters(), offset=0, limit=6
            )
            for statement in captured:  # the rank window's edge, then the ranked page
                sql = statement.compile(
                    dialect=postgresql.dialect() if pg else sqlite.dialect(),
                    compile_kwargs={"literal_binds": True},
                )
                prefix = "EXPLAIN ANALYZE " if pg else "EXPLAIN QUERY PLAN "
                print(f"--- {kind}")
                for row in real_execute(sa.text(prefix + str(sql))):
                    print("   ", " | ".join(str(v) for v in row))
    finally:
        del session.execute, session.scalar


def bench(
    backend: str, url: str, n_claims: int, runs: int, show_plans: bool, reuse: bool = False
) -> None:
    if reuse:  # a database an earlier run filled (--reuse)
        from factcheck.app import create_app
        from factcheck.extensions import db

        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-" + "x" * 40})
        with app.app_context():
            print(f"\n{backend}: reusing {url}")
            if show_plans:
                explain(db, corpus())
            report(run(db, corpus(), runs))
        return
    with migrated_db(url, "search") as db:
        start = time.perf_counter()
        data = fill(db, n_claims)
        analyse(db)
        filled = time.perf_counter() - start
        print(f"\n{backend}: {n_claims:,} claims filled in {filled:.0f} s ({db.engine.url})")
        if show_plans:
            explain(db, data)
        report(run(db, data, runs))


def report(results: list[tuple[str, float, float, float, float]]) -> None:
    # cpu: this process's CPU time (the whole cost on SQLite, which runs in-process; on
    # PostgreSQL the server's work is not in it). On a busy machine wall time is longer.
    print(f"{'case':38} {'p50 ms':>8} {'p95 ms':>8} {'cpu p50':>8} {'cpu p95':>8}")
    for name, p50, p95, cpu50, cpu95 in results:
        flag = "" if p95 <= 100 else "  over 100 ms"
        print(f"{name:38} {p50:8.1f} {p95:8.1f} {cpu50:8.1f} {cpu95:8.1f}{flag}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--explain", action="store_true", help="print each kind's plan")
    parser.add_argument(
        "--reuse", default="", help="time an earlier --keep run's database (a URL) again"
    )
    parser.add_argument("--keep", action="store_true", help="keep the databases filled")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--server-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    if args.reuse:
        backend = "postgresql" if args.reuse.startswith("postgresql") else "sqlite"
        bench(backend, args.reuse, args.claims, args.runs, args.explain, reuse=True)
        return
    if args.backend in ("sqlite", "both"):
        bench("sqlite", "", args.claims, args.runs, args.explain)
    if args.backend in ("postgresql", "both"):
        import sqlalchemy as sa

        server = sa.create_engine(args.server_url, isolation_level="AUTOCOMMIT")
        name = f"fc_bench_search_{os.getpid()}"
        with server.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            url = server.url.set(database=name).render_as_string(hide_password=False)
            bench("postgresql", url, args.claims, args.runs, args.explain)
        finally:
            if args.keep:
                print(f"kept {url}")
            else:
                with server.connect() as conn:
                    conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            server.dispose()


if __name__ == "__main__":
    main()

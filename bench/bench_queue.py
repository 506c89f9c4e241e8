"""Benchmark the review queue with many claims; prints figures.

    .venv/bin/python bench/bench_queue.py [--claims 100000] [--database-url URL]

Builds a throwaway database (SQLite file by default; PostgreSQL with --database-url
naming an empty database) through the real migrations, fills it with --claims claims
spread over 2,000 articles and 50 outlets, then times the queries the queue page runs:
the first page, a page deep in the queue by keyset, the last page, filters (claimant,
score range, outlet, holder), a text search, and the per-status counts of the navigation.
Each figure is the median of several runs, in milliseconds.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from throwaway import analyse, migrated_db

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

WORDS = (
    "unemployment inflation crime taxes exports wages border hospital schools energy "
    "prices vaccine budget deficit growth jobs housing rent pensions emissions"
).split()


def median_ms(fn, repeat: int = 7) -> float:  # noqa: ANN001
    fn()  # warm the caches once
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def fill(db, n_claims: int) -> None:  # noqa: ANN001
    import sqlalchemy as sa

    from factcheck.claims.models import Claim
    from factcheck.claims.priority import priority_of
    from factcheck.claims.services import text_key
    from factcheck.sources.models import Article, Outlet

    rng = random.Random(7)  # noqa: S311  (synthetic data, not security)
    now = datetime(2026, 11, 1, tzinfo=UTC)
    conn = db.session.connection()
    conn.execute(sa.insert(Outlet), [{"name": f"Outlet {i}", "created_at": now} for i in range(50)])
    conn.execute(
        sa.insert(Article),
        [
            {
                "title": f"Article {i}",
                "text": f"Body {i}",
                "content_hash": f"{i:064d}",
                "outlet_id": 1 + i % 50,
                "published_on": date(2026, 1, 1) + timedelta(days=i % 300),
                "source_kind": "text",
                "ingested_at": now,
            }
            for i in range(2000)
        ],
    )
    statuses = (
        ["new"] * 70
        + ["in_review"] * 10
        + ["submitted"] * 5
        + ["published"] * 10
        + ["dismissed"] * 5
    )
    batch = []
    for i in range(n_claims):
        words = rng.sample(WORDS, 5)
        text = f"The {words[0]} {words[1]} rose by {rng.randint(1, 99)} percent in {words[2]}"
        score = rng.random()
        claimed = date(2026, 1, 1) + timedelta(days=rng.randint(0, 300))
        status = rng.choice(statuses)
        batch.append(
            {
                "text": text,
                "text_key": text_key(text),
                "claimant_name": f"Speaker {rng.randint(1, 500)}",
                "claimed_on": claimed,
                "article_id": 1 + i % 2000,
                "status": status,
                "dismiss_reason": "not_a_claim" if status == "dismissed" else None,
                "score": score,
                "priority": priority_of(score, 1, claimed, now),
                "hedged": False,
                "article_count": 1,
                "created_at": now,
                "updated_at": now,
                "version": 1,
            }
        )
        if len(batch) == 10_000:
            conn.execute(sa.insert(Claim), batch)
            batch = []
    if batch:
        conn.execute(sa.insert(Claim), batch)
    db.session.commit()
    analyse(db)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    from factcheck.claims.lifecycle import OPEN_STATUSES
    from factcheck.claims.models import Claim
    from factcheck.review.counts import count_by_status
    from factcheck.review.queries import QueueFilters, queue_page

    now = datetime(2026, 11, 24, tzinfo=UTC)
    with migrated_db(args.database_url, "queue") as db:
        start = time.perf_counter()
        fill(db, args.claims)
        print(
            f"backend: {db.engine.dialect.name}; {args.claims:,} claims inserted in "
            f"{time.perf_counter() - start:.1f} s"
        )

        import sqlalchemy as sa

        waiting = db.session.scalar(
            sa.select(sa.func.count()).select_from(Claim).where(Claim.status.in_(OPEN_STATUSES))
        )
        deep_row = db.session.execute(
            sa.select(Claim.priority, Claim.id)
            .where(Claim.status.in_(OPEN_STATUSES))
            .order_by(Claim.priority.desc(), Claim.id.desc())
            .offset(waiting // 2)
            .limit(1)
        ).one()
        last_row = db.session.execute(
            sa.select(Claim.priority, Claim.id)
            .where(Claim.status.in_(OPEN_STATUSES))
            .order_by(Claim.priority.desc(), Claim.id.desc())
            .offset(max(waiting - 51, 0))
            .limit(1)
        ).one()

        def page(filters: QueueFilters, after=None):  # noqa: ANN001, ANN202
            def run() -> None:
                db.session.rollback()
                queue_page(db.session, filters, now=now, after=after, limit=50)

            return run

        cases = [
            ("first page (waiting claims)", page(QueueFilters())),
            (
                f"page in the middle (row {waiting // 2:,}, keyset)",
                page(QueueFilters(), tuple(deep_row)),
            ),
            ("last page (keyset)", page(QueueFilters(), tuple(last_row))),
            ("filter: claimant contains 'Speaker 42'", page(QueueFilters(claimant="Speaker 42"))),
            ("filter: score 0.90-0.95", page(QueueFilters(min_score=0.9, max_score=0.95))),
            ("filter: outlet", page(QueueFilters(outlet_id=7))),
            ("filter: nobody holds it", page(QueueFilters(assignee="none"))),
            ("search: 'inflation housing'", page(QueueFilters(search="inflation housing"))),
            ("search, any status", page(QueueFilters(statuses=(), search="pensions"))),
            ("status counts (navigation, uncached)", lambda: count_by_status(db.session)),
        ]
        print(f"{waiting:,} waiting claims; median of 7 runs, 50 rows per page")
        for label, fn in cases:
            print(f"  {label:<48} {median_ms(fn):8.1f} ms")


if __name__ == "__main__":
    main()

"""Benchmark the CSV export of rulings; prints rows per second and peak memory.

    .venv/bin/python bench/bench_export.py [--rulings 1000000] [--database-url URL]

Fills a throwaway database (SQLite file by default; PostgreSQL with --database-url naming
an empty database) through the real migrations with --rulings published rulings (each a
claim found in a scored sentence, a revision with two evidence sources, an approval and
the ruling), then streams the export to
/dev/null, printing the rate and this process's resident memory after 10k, 100k and 1M
rows. Peak memory should stay flat: the export never holds more than one batch.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from throwaway import analyse, migrated_db

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

CHUNK = 20_000
PER_ARTICLE = 1000


def rss_mib() -> float:
    """Current resident set size (Linux /proc), in MiB."""
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def fill(db, n: int) -> None:  # noqa: ANN001
    import sqlalchemy as sa

    from factcheck.auth.models import User
    from factcheck.claims.models import Claim, Sentence, SentenceScore, claim_sentences
    from factcheck.editorial.models import EditorialDecision, Ruling
    from factcheck.sources.models import Article, Outlet
    from factcheck.verdicts.models import EvidenceSource, Rating, VerdictRevision

    conn = db.session.connection()
    now = datetime(2026, 11, 1, tzinfo=UTC)
    conn.execute(sa.insert(Outlet), [{"name": "Wire", "created_at": now}])
    conn.execute(
        sa.insert(User),
        [
            {
                "email": f"{who}@example.org",
                "display_name": who.title(),
                "password_hash": "x",
                "session_token": who,
                "created_at": now,
            }
            for who in ("checker", "editor")
        ],
    )
    # A thousand claims per article, each found in a sentence scored by the model.
    conn.execute(
        sa.insert(Article),
        [
            {
                "id": a,
                "title": f"Article {a}",
                "text": "Body",
                "content_hash": f"{a:064d}",
                "outlet_id": 1,
                "source_kind": "text",
                "ingested_at": now,
                "url": f"https://news.example.org/{a}",
            }
            for a in range(1, (n - 1) // PER_ARTICLE + 2)
        ],
    )
    rating_ids = list(conn.execute(sa.select(Rating.id)).scalars())
    # The transition guard allows new -> ... -> published only step by step; bulk rows
    # are inserted directly as published (the guard fires on UPDATE, not INSERT).
    for start in range(0, n, CHUNK):
        ids = range(start + 1, min(start + CHUNK, n) + 1)
        conn.execute(
            sa.insert(Sentence),
            [
                {
                    "id": i,
                    "article_id": (i - 1) // PER_ARTICLE + 1,
                    "position": (i - 1) % PER_ARTICLE,
                    "paragraph": 0,
                    "start_offset": 0,
                    "end_offset": 40,
                    "text": f"The minister said exports rose by {i % 97}% in région {i % 13}.",
                }
                for i in ids
            ],
        )
        conn.execute(
            sa.insert(SentenceScore),
            [
                {
                    "id": i,
                    "sentence_id": i,
                    "score": 0.9,
                    "model_name": "factcheck-minilm",
                    "model_version": "bench",
                    "scored_at": now,
                }
                for i in ids
            ],
        )
        conn.execute(
            sa.insert(Claim),
            [
                {
                    "id": i,
                    "text": f"Claim {i}: exports rose by {i % 97}% in région {i % 13}",
                    "text_key": None,
                    "claimant_name": f"Speaker {i % 500}",
                    "article_id": (i - 1) // PER_ARTICLE + 1,
                    "status": "published",
                    "score": 0.9,
                    "priority": 1.0,
                    "hedged": False,
                    "article_count": 1,
                    "created_at": now,
                    "updated_at": now,
                    "version": 1,
                    "claimed_on": date(2026, 1, 1) + timedelta(days=i % 300),
                    "score_id": i,
                }
                for i in ids
            ],
        )
        conn.execute(sa.insert(claim_sentences), [{"claim_id": i, "sentence_id": i} for i in ids])
        conn.execute(
            sa.insert(VerdictRevision),
            [
                {
                    "id": i,
                    "claim_id": i,
                    "number": 1,
                    "parent_id": None,
                    "rating_id": rating_ids[i % len(rating_ids)],
                    "summary": f"Conclusion {i}",
                    "explanation": "Explanation with accents: café, naïve, Zürich.",
                    "claim_text": f"Claim {i}",
                    "claimant_name": f"Speaker {i % 500}",
                    "claimant_role": "minister",
                    "author_id": 1,
                    "evidence_urls": f"https://src.example.org/{i}/0 | https://src.example.org/{i}/1",
                    "created_at": now,
                    "submitted_at": now,
                }
                for i in ids
            ],
        )
        conn.execute(
            sa.insert(EvidenceSource),
            [
                {
                    "revision_id": i,
                    "position": p,
                    "url": f"https://src.example.org/{i}/{p}",
                    "title": f"Source {p}",
                }
                for i in ids
                for p in (0, 1)
            ],
        )
        conn.execute(
            sa.insert(EditorialDecision),
            [
                {
                    "id": i,
                    "revision_id": i,
                    "decision": "approved",
                    "editor_id": 2,
                    "decided_at": now,
                }
                for i in ids
            ],
        )
        conn.execute(
            sa.insert(Ruling),
            [
                {
                    "id": i,
                    "claim_id": i,
                    "decision_id": i,
                    "published_by_id": 2,
                    "fact_checker_id": 1,
                    "published_at": now + timedelta(seconds=i),
                    "updated_at": now,
                    "status": "published",
                }
                for i in ids
            ],
        )
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        for table in (
            "articles",
            "sentences",
            "sentence_scores",
            "claims",
            "verdict_revisions",
            "evidence_sources",
            "editorial_decisions",
            "rulings",
        ):
            db.session.execute(
                sa.text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                    f"(SELECT max(id) FROM {table}))"
                )
            )
    analyse(db)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rulings", type=int, default=1_000_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    from factcheck.export.services import ExportFilters, rulings_csv

    with migrated_db(args.database_url, "export") as db:
        start = time.perf_counter()
        fill(db, args.rulings)
        print(
            f"backend: {db.engine.dialect.name}; {args.rulings:,} rulings inserted in "
            f"{time.perf_counter() - start:.1f} s; RSS {rss_mib():.0f} MiB"
        )
        marks = sorted({10_000, 100_000, 1_000_000, args.rulings})
        rows = -1  # the header line
        written = 0
        start = time.perf_counter()
        with open(os.devnull, "wb") as sink:
            # The export as the app serves it. Rows are counted by line ends: the
            # synthetic data has none inside cells.
            for chunk in rulings_csv(db.session, ExportFilters(), base_url="https://x.example/"):
                sink.write(chunk)
                written += len(chunk)
                rows += chunk.count(b"\n")
                while marks and rows >= marks[0]:
                    elapsed = time.perf_counter() - start
                    print(
                        f"  {marks[0]:>9,} rows  {elapsed:6.1f} s  {rows / elapsed:9,.0f} rows/s  "
                        f"RSS {rss_mib():5.0f} MiB"
                    )
                    marks.pop(0)
        elapsed = time.perf_counter() - start
        print(
            f"exported {rows:,} rows ({written / 2**20:.0f} MiB of CSV) in {elapsed:.1f} s: "
            f"{rows / elapsed:,.0f} rows/s; peak RSS of the process {peak_mib():.0f} MiB"
        )


if __name__ == "__main__":
    main()

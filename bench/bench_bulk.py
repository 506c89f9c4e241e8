"""Benchmark bulk triage: one action on the most claims it takes (200); prints figures.

    .venv/bin/python bench/bench_bulk.py [--claims 200] [--rounds 5] [--database-url URL]

Builds a throwaway database (SQLite file by default; PostgreSQL with --database-url
naming an empty database) through the real migrations, then, per round, adds --claims
new claims and times factcheck.review.bulk on all of them and the commit: a dismissal
(a savepoint, a status change and an audit entry per claim) and an editor's assignment
to a fact-checker (a lease, an audit entry and a notification per claim). Prints the
median and the slowest round, in milliseconds, and per claim.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from throwaway import migrated_db

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=200, help="Claims per bulk action.")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--database-url", default="", help="An empty database (PostgreSQL).")
    args = parser.parse_args()

    with migrated_db(args.database_url, "bulk") as db:
        from factcheck.auth.config import password_policy, passwords
        from factcheck.auth.roles import Role
        from factcheck.auth.services import create_user
        from factcheck.db import utcnow
        from factcheck.review import bulk
        from tests.workflow import add_claim

        def person(email: str, role: Role):  # noqa: ANN202
            user, _ = create_user(
                db.session,
                email=email,
                display_name=email.split("@")[0],
                password="correct horse battery staple 42",  # noqa: S106  (a throwaway db)
                roles=[role],
                passwords=passwords(),
                policy=password_policy(),
                actor=None,
            )
            return user

        checker = person("fiona@example.com", Role.FACT_CHECKER)
        editor = person("edna@example.com", Role.EDITOR)
        db.session.commit()

        def fresh() -> list[bulk.Selected]:
            made = [add_claim(score=0.8) for _ in range(args.claims)]
            db.session.commit()
            return [bulk.Selected(c.id, c.version) for c in made]

        actions = {
            "dismiss": lambda sel: bulk.dismiss(
                db.session, sel, reason="not_a_claim", note=None, actor=checker, now=utcnow()
            ),
            "assign": lambda sel: bulk.assign(
                db.session, sel, assignee=checker, actor=editor, now=utcnow(), lease_hours=48
            ),
        }
        print(f"{db.engine.dialect.name}: {args.claims} claims per action, {args.rounds} rounds")
        for name, action in actions.items():
            times = []
            for _ in range(args.rounds):
                selection = fresh()
                db.session.expire_all()
                start = time.perf_counter()
                outcome = action(selection)
                db.session.commit()
                times.append((time.perf_counter() - start) * 1000)
                assert len(outcome.done) == args.claims, outcome.summary("{claims}")
            median = statistics.median(times)
            print(
                f"  bulk {name:8s} median {median:7.1f} ms, slowest {max(times):7.1f} ms, "
                f"{median / args.claims:.2f} ms per claim"
            )


if __name__ == "__main__":
    main()

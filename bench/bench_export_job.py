"""Benchmark the "export" job beside the direct (streamed) export of the same rulings.

    .venv/bin/python bench/bench_export_job.py [--rulings 200000] [--database-url URL]

Fills a throwaway database as bench_export.py does, then: counts the export's rows, checks
whether there are more than 10,000 (what every web download now asks, against
EXPORT_DIRECT_MAX_ROWS), streams the CSV to
/dev/null as a direct download does, and runs an "export" job through the job runner (it
writes the file into the job's row), printing each one's time, the file's size and the
process's memory after each (the job holds the whole file in memory once: the reason for
EXPORT_JOB_MAX_ROWS).
"""

from __future__ import annotations

import argparse
import os
import time

from bench_export import fill, peak_mib, rss_mib
from throwaway import migrated_db


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rulings", type=int, default=200_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    import sqlalchemy as sa
    from flask import current_app

    from factcheck.export.files import export_chunks
    from factcheck.export.services import ExportFilters, export_name, export_rows
    from factcheck.jobs.models import Job, JobFile
    from factcheck.jobs.runner import run_job
    from factcheck.jobs.services import NEW_JOBS, enqueue, utc_now
    from factcheck.tasks import kinds  # noqa: F401  (registers the job kinds)

    with migrated_db(args.database_url, "export-job") as db:
        start = time.perf_counter()
        fill(db, args.rulings)
        print(
            f"backend: {db.engine.dialect.name}; {args.rulings:,} rulings inserted in "
            f"{time.perf_counter() - start:.1f} s; RSS {rss_mib():.0f} MiB"
        )
        filters = ExportFilters()
        start = time.perf_counter()
        rows = export_rows(db.session, filters, "rulings")
        print(f"count:  {rows:,} rows in {1000 * (time.perf_counter() - start):.0f} ms")
        start = time.perf_counter()
        export_rows(db.session, filters, "rulings", at_most=10_000)
        print(
            f"bound:  over 10,000 rows? (a web download's check) "
            f"{1000 * (time.perf_counter() - start):.0f} ms"
        )
        db.session.rollback()

        start = time.perf_counter()
        written = 0
        with open(os.devnull, "wb") as sink:
            for chunk in export_chunks(db.session, filters, "rulings", current_app.config):
                sink.write(chunk)
                written += len(chunk)
        direct = time.perf_counter() - start
        db.session.rollback()
        print(
            f"direct: {written / 2**20:.1f} MiB streamed in {direct:.1f} s "
            f"({rows / direct:,.0f} rows/s); RSS {rss_mib():.0f} MiB"
        )

        payload = {
            "format": "rulings",
            "filters": {"statuses": ["published"]},
            "name": export_name("rulings", utc_now()),
        }
        job = enqueue(db.session, "export", payload, actor_id=None, total=rows)
        db.session.info.pop(NEW_JOBS, None)  # run here, not by the configured runner
        db.session.commit()
        start = time.perf_counter()
        outcome = run_job(db.session, job.id, worker="bench", lease_seconds=600)
        elapsed = time.perf_counter() - start
        job = db.session.get(Job, job.id, populate_existing=True)
        size = db.session.scalar(sa.select(JobFile.size).where(JobFile.job_id == job.id))
        print(
            f"job:    {outcome}, {job.result['rows']:,} rows, {size / 2**20:.1f} MiB stored in "
            f"{elapsed:.1f} s ({rows / elapsed:,.0f} rows/s); RSS {rss_mib():.0f} MiB, "
            f"peak {peak_mib():.0f} MiB"
        )


if __name__ == "__main__":
    main()

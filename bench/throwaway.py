"""The throwaway database the query benchmarks fill (bench_queue, bench_export).

Each benchmark times the app's own queries on many rows, so its database goes through
the real migrations first, like a deployment's; this is that setup, written once.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


@contextmanager
def migrated_db(database_url: str, name: str) -> Iterator[Any]:
    """Yield the app's `db`, inside an app context, on a migrated database.

    `database_url` names an empty database to use (PostgreSQL); when it is empty a new
    SQLite file `<name>.db` in a temporary folder is used. The connections are closed
    when the block ends.
    """
    os.environ.setdefault("FACTCHECK_INSTANCE_PATH", tempfile.mkdtemp(prefix="fc-bench-"))
    from flask_migrate import upgrade

    from factcheck.app import create_app
    from factcheck.extensions import db

    workdir = Path(tempfile.mkdtemp(prefix=f"fc-{name}-"))
    url = database_url or f"sqlite:///{workdir / f'{name}.db'}"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-" + "x" * 40, "TESTING": True})
    with app.app_context():
        upgrade()
        try:
            yield db
        finally:
            db.session.remove()
            db.engine.dispose()


def analyse(db: Any) -> None:
    """After a bulk fill, refresh PostgreSQL's planner statistics, so the queries timed
    are planned as on a database that grew to this size (SQLite needs nothing)."""
    if db.engine.dialect.name == "postgresql":
        import sqlalchemy as sa

        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()

"""Backup and restore on PostgreSQL, as the README's "Production" section does it:
pg_dump -Fc of a database filled through the app, createdb, pg_restore into the fresh
database, and every table's rows identical (all columns, ordered by primary key), the
sequences carrying on (the next insert gets a new id), and `flask db current` naming the
same Alembic revision."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from factcheck.audit.models import AuditEntry
from factcheck.auth.config import password_policy, passwords
from factcheck.auth.models import User
from factcheck.auth.roles import Role
from factcheck.auth.services import create_user
from factcheck.claims.models import Claim
from factcheck.classifier.loader import set_classifier
from factcheck.extensions import db
from factcheck.jobs.models import Job
from factcheck.settings import ROOT
from factcheck.sources.models import Article
from factcheck.verdicts.models import VerdictRevision
from tests.conftest import STRONG_PASSWORD, Account, login, make_app, post_form
from tests.fakes import KeywordClassifier
from tests.workflow import publish

ARTICLE = (
    "The council voted 7 to 2 to raise the transit budget by 12 percent in 2026. "
    "The mayor said ridership grew 30 percent last year. "
    "Officials said the new line will open in 2027. The weather was pleasant."
)


def libpq(url: str) -> str:
    """The SQLAlchemy URL as pg_dump and pg_restore take it (no +psycopg)."""
    return sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def run(*command: str, password: str | None = None) -> str:
    env = {**os.environ, **({"PGPASSWORD": password} if password else {})}
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, (command[0], done.stdout[-2000:], done.stderr[-2000:])
    return done.stdout


def account(email: str, *roles: Role) -> Account:
    user, _ = create_user(
        db.session,
        email=email,
        display_name=email.split("@")[0].title(),
        password=STRONG_PASSWORD,
        roles=roles,
        passwords=passwords(),
        policy=password_policy(),
        actor=None,
    )
    db.session.commit()
    return Account(user.id, user.email, STRONG_PASSWORD, tuple(r.value for r in roles))


def fill(url: str) -> str:
    """Migrate an empty database and fill it through the app; return `flask db current`."""
    app = make_app(url)  # the test settings: jobs run eagerly, in the request's thread
    set_classifier(app, KeywordClassifier())
    with app.app_context():
        cli = app.test_cli_runner()
        result = cli.invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output
        checker = account("checker@example.com", Role.FACT_CHECKER)
        editor = account("editor@example.com", Role.EDITOR)
        account("admin@example.com", Role.ADMIN)

        client = app.test_client()
        login(client, checker)
        # A pasted article and an uploaded file (the file goes through a job).
        for fields in (
            {"text": ARTICLE, "title": "Transit budget"},
            {"file": (io.BytesIO(b"Crime rose 20% in 2024, the mayor said."), "notes.txt")},
        ):
            data = {"text": "", "url": "", "title": "", "language": "en", **fields}
            response = post_form(
                client,
                "/articles/ingest",
                data,
                token_from="/articles/ingest",
                content_type="multipart/form-data",
            )
            assert response.status_code in (302, 303), response.get_data(as_text=True)[:2000]

        claim = db.session.scalars(sa.select(Claim).order_by(Claim.id)).first()
        assert claim is not None, "the fake classifier flagged nothing"
        publish(claim, db.session.get(User, checker.id), db.session.get(User, editor.id))
        db.session.commit()
        for model, least in ((User, 3), (Article, 2), (Claim, 2), (VerdictRevision, 1)):
            assert db.session.scalar(sa.select(sa.func.count()).select_from(model)) >= least
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Job)) >= 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) >= 5
        db.session.remove()
        db.engine.dispose()
    return flask_db_current(url)


def flask_db_current(url: str) -> str:
    """`flask db current` on the database at `url`, as an operator runs it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FACTCHECK_")}
    env.update(FACTCHECK_DATABASE_URL=url, FACTCHECK_JOB_RUNNER="off")
    flask = Path(sys.executable).parent / "flask"
    done = subprocess.run(
        [str(flask), "--app", "wsgi", "db", "current"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def snapshot(url: str) -> tuple[dict[str, list[tuple]], dict[str, int | None]]:
    """Every table's rows (all columns, by primary key) and every sequence's last value."""
    engine = sa.create_engine(url)
    inspector = sa.inspect(engine)
    tables: dict[str, list[tuple]] = {}
    with engine.connect() as conn:
        for table in inspector.get_table_names():
            key = inspector.get_pk_constraint(table)["constrained_columns"]
            order = ", ".join(f'"{c}"' for c in key) if key else f'"{table}"::text'
            rows = conn.execute(sa.text(f'SELECT * FROM "{table}" ORDER BY {order}'))  # noqa: S608
            tables[table] = [tuple(row) for row in rows]
        sequences = dict(
            conn.execute(
                sa.text(
                    "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'"
                )
            ).all()
        )
    engine.dispose()
    return tables, sequences


@pytest.mark.postgres_only
@pytest.mark.slow  # a migrated database, pg_dump and pg_restore: several seconds
def test_pg_dump_and_pg_restore_give_the_same_database(pg_databases, tmp_path: Path):
    if pg_databases is None:
        pytest.skip("PostgreSQL only (set FACTCHECK_TEST_DATABASE_URL)")
    source = pg_databases.create()
    revision = fill(source)
    assert re.search(r"[0-9a-f]{12} \(head\)", revision), revision

    dump = tmp_path / "factcheck.dump"
    run("pg_dump", "--format=custom", "--no-owner", f"--file={dump}", f"--dbname={libpq(source)}")
    name = f"factcheck_restore_{uuid.uuid4().hex[:10]}"
    server = sa.make_url(source)
    target = server.set(database=name).render_as_string(hide_password=False)
    where = ["--host", server.host or "127.0.0.1", "--port", str(server.port or 5432)]
    where += ["--username", server.username or "postgres"]
    run("createdb", *where, name, password=server.password)
    try:
        run(
            "pg_restore",
            "--no-owner",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={libpq(target)}",
            str(dump),
        )
        before, after = snapshot(source), snapshot(target)
        assert sorted(after[0]) == sorted(before[0])  # the same tables
        for table, rows in before[0].items():
            assert after[0][table] == rows, table
        assert {t for t, rows in before[0].items() if rows} >= {
            "alembic_version",
            "users",
            "articles",
            "claims",
            "verdict_revisions",
            "rulings",
            "audit_entries",
            "jobs",
        }
        assert after[1] == before[1]  # every sequence at the same place

        # The restored database works: the migration state is the same, and new rows get
        # new ids (the sequences carry on past the restored rows).
        assert flask_db_current(target) == revision
        app = make_app(target)
        with app.app_context():
            newest = db.session.scalar(sa.select(sa.func.max(User.id)))
            newcomer = account("newcomer@example.com", Role.VIEWER)
            assert newcomer.id > newest
            assert db.session.scalar(sa.select(sa.func.max(AuditEntry.id))) > max(
                row[0] for row in before[0]["audit_entries"]
            )
            db.session.remove()
            db.engine.dispose()
    finally:
        with pg_databases.server.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

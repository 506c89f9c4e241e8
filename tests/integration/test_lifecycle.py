"""The claim lifecycle: one status vocabulary, one transition table, one trigger."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from factcheck.claims.lifecycle import CLAIM_STATUSES, ClaimStatus, transition_guard_ddl
from factcheck.extensions import db
from tests.conftest import make_app


def test_statuses_store_the_same_strings():
    """The database keeps the strings it always kept; the enum compares equal to them."""
    assert [str(s) for s in CLAIM_STATUSES] == [
        "new",
        "in_review",
        "submitted",
        "returned",
        "approved",
        "published",
        "retracted",
        "dismissed",
        "merged",
    ]
    assert ClaimStatus.IN_REVIEW == "in_review" and f"{ClaimStatus.IN_REVIEW}" == "in_review"


def _trigger_source(conn: sa.Connection, backend_name: str) -> str:
    if backend_name == "sqlite":
        return conn.scalar(
            sa.text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :n"),
            {"n": "claims_status_transition"},
        )
    return conn.scalar(
        sa.text("SELECT prosrc FROM pg_proc WHERE proname = 'claims_status_transition'")
    )


def _expected(backend_name: str) -> str:
    statement = transition_guard_ddl(backend_name)[0]
    # PostgreSQL keeps the function body (between the dollar quotes), SQLite the statement.
    return statement.split("$$")[1] if backend_name == "postgresql" else statement


def test_migrated_trigger_is_the_lifecycle_table(empty_database, backend_name):
    """The migrations leave the trigger the transition table generates, as create_all
    does: a change to the table fails here until a migration replaces the trigger."""
    app = make_app(empty_database(backend_name))
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            assert _trigger_source(conn, backend_name) == _expected(backend_name)
        db.engine.dispose()


@pytest.mark.real_commits  # reads through its own connection
def test_created_trigger_is_the_lifecycle_table(app, backend_name):
    with db.engine.connect() as conn:
        assert _trigger_source(conn, backend_name) == _expected(backend_name)

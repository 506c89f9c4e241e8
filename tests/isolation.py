"""How a test's database writes are undone: a rolled-back transaction, or a wipe.

By default a test's app runs inside one transaction on one connection that the test
rolls back at the end (SQLAlchemy's "join a session into an external transaction"
recipe): every session the app opens (one per request, the CLI's, the test body's) is
bound to that connection with join_transaction_mode="create_savepoint", so the app's
commit releases a savepoint and its rollback rolls back to one. Nothing is written for
good, and there is nothing to delete afterwards (PostgreSQL's TRUNCATE of every table
cost more than most tests).

A test whose commits must be seen by another connection (a thread, a live server, a
subprocess, a second app or engine, `db.engine.connect()` in the test) or that checks
the transaction itself is marked `real_commits`: its app commits for real and the tables
are wiped after it. In the rolled-back mode a second connection from the app's engine is
an error that says so, rather than a test that quietly sees a different database.

What differs in the rolled-back mode: everything runs on one connection, so a session
sees what another has flushed but not committed, and PostgreSQL's sequences are not
rolled back (ids keep counting up from test to test).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from flask import Flask, current_app
from flask_sqlalchemy.session import Session

from factcheck.db import Base
from factcheck.extensions import db

REAL_COMMITS = "real_commits"


def wants_real_commits(request: pytest.FixtureRequest) -> bool:
    return request.node.get_closest_marker(REAL_COMMITS) is not None


@contextmanager
def rolled_back(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Run the app (its app context pushed) inside a transaction undone at the end."""
    engine = db.engine
    connection = engine.connect()
    outer = connection.begin()
    original = Session.get_bind
    thread = threading.get_ident()

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):  # noqa: ANN001, ANN003, ANN202
        if bind is None and current_app._get_current_object() is app:
            if threading.get_ident() != thread:
                _refuse("a session in another thread")
            return connection
        return original(self, mapper=mapper, clause=clause, bind=bind, **kwargs)

    def refuse(*args: object) -> None:
        _refuse("a second connection from the app's engine")

    monkeypatch.setattr(Session, "get_bind", get_bind)
    monkeypatch.setitem(db.session.session_factory.kw, "join_transaction_mode", "create_savepoint")
    sa.event.listen(engine, "checkout", refuse)
    try:
        yield
    finally:
        sa.event.remove(engine, "checkout", refuse)
        try:
            db.session.remove()
            outer.rollback()
        finally:
            connection.close()  # a connection left open would keep SQLite's write lock
            engine.dispose()


def _refuse(what: str) -> None:
    raise AssertionError(
        f"{what}, beside the test's transaction: mark the test "
        f"@pytest.mark.{REAL_COMMITS} so its app commits for real"
    )


@contextmanager
def wiped_after(app: Flask) -> Iterator[None]:
    """Let the app commit for real, and empty every table afterwards."""
    try:
        yield
    finally:
        db.session.remove()
        wipe(db.engine)
        db.engine.dispose()


def wipe(engine: sa.Engine) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql(
                "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"
            )
        else:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            for table in tables:
                conn.exec_driver_sql(f'DELETE FROM "{table}"')
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")

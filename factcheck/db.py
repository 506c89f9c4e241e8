"""Declarative base, column types and time helpers shared by every feature's models."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names, so migrations can refer to them on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Row ids are 32-bit integers on PostgreSQL (and SQLite refuses anything over 64 bits): a
# number from a URL, form or query string outside 1..MAX_ID names no row and must not
# reach the database.
MAX_ID = 2**31 - 1


def bounded_int(raw: str | None, *, default: int | None = None, upper: int = MAX_ID) -> int | None:
    """A positive integer from a query string, or `default` when absent, malformed or
    outside 1..upper (a hand-edited link)."""
    try:
        value = int(raw) if raw is not None else None
    except ValueError:
        return default
    return value if value is not None and 1 <= value <= upper else default


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator):
    """Store aware datetimes in UTC and always read them back as aware UTC values.

    SQLite keeps no time zone, PostgreSQL does; this type makes both behave the same
    and refuses naive datetimes, which are the usual source of silent clock bugs.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; pass an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """Base class of every model (plain SQLAlchemy; Flask-SQLAlchemy only binds it)."""

    registry = so.registry(
        metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )

    def __repr__(self) -> str:
        ident = getattr(self, "id", None)
        return f"<{type(self).__name__} id={ident!r}>"


def listen_once(target: Any, identifier: str, fn: Any) -> None:
    """Register an SQLAlchemy event listener unless it is registered already, so that
    each app's init_app may call it (several apps in one process, as in the tests)."""
    if not sa.event.contains(target, identifier, fn):
        sa.event.listen(target, identifier, fn)


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def unstorable_character(text: str) -> str | None:
    """Say what in `text` no text column can hold (U+0000, which PostgreSQL refuses, or a
    lone surrogate, which is not a character and cannot be encoded), or None."""
    found = _UNSTORABLE.search(text)
    if found is None:
        return None
    if found.group() == "\x00":
        return "a NUL character"
    return f"a lone surrogate (U+{ord(found.group()):04X}), which is not a character"


def enum_check(column: str, values: tuple[str, ...], name: str) -> sa.CheckConstraint:
    """Build a CHECK constraint limiting a text column to the listed values."""
    quoted = ", ".join(f"'{v}'" for v in values)
    return sa.CheckConstraint(f"{column} IN ({quoted})", name=name)


def serialise_writers(session: so.Session) -> None:
    """On SQLite, take the database's write lock now (BEGIN IMMEDIATE), before reading
    what is about to be changed: writers then queue (busy_timeout) instead of reading the
    same state and failing at commit. PostgreSQL locks rows instead (FOR UPDATE)."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    raw = connection.connection.dbapi_connection
    if raw is not None and not raw.in_transaction:
        raw.execute("BEGIN IMMEDIATE")


def end_read_transaction(session: so.Session) -> None:
    """End the session's transaction if it has only read, before slow work that needs no
    database (scoring a text): no connection then sits "idle in transaction" holding a
    snapshot (and on PostgreSQL, locks that block DDL and vacuum) meanwhile.

    A transaction that has written (pending objects, or a flushed change the database
    knows of) is left open: its writes must commit together with what follows.
    """
    if isinstance(session, so.scoped_session):
        session = session()  # the request's own session (db.session is its registry)
    if not session.in_transaction() or session.new or session.dirty or session.deleted:
        return
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        # The sqlite3 module begins a database transaction only before a write.
        raw = connection.connection.dbapi_connection
        wrote = raw is not None and raw.in_transaction
    else:
        wrote = connection.scalar(sa.text("SELECT txid_current_if_assigned()")) is not None
    if not wrote:
        session.commit()  # nothing to write: this only ends the read transaction

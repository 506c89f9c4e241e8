"""Listeners on an engine for the statements that change data (INSERT, UPDATE, DELETE...).

recorded_writes notes every such statement run, committed or not: a GET must not even try
to write. CommittedWrites keeps only the writes whose transaction commits: a refused form
may start a write and roll it back, and then nothing was written.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import sqlalchemy as sa

WRITE = re.compile(
    r"^\s*(INSERT|UPDATE|DELETE|MERGE|REPLACE|TRUNCATE)\b"
    r"(?:\s+OR\s+\w+)?(?:\s+(?:INTO|FROM|TABLE))?\s+\"?(\w+)",
    re.IGNORECASE,
)


def _short(statement: str) -> str:
    return " ".join(statement.split())[:200]


@contextmanager
def recorded_writes(engine: sa.Engine) -> Iterator[list[str]]:
    """Yield a list that fills with each data-changing statement run on the engine."""
    writes: list[str] = []

    def _note(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        if WRITE.match(statement):
            writes.append(_short(statement))

    sa.event.listen(engine, "before_cursor_execute", _note)
    try:
        yield writes
    finally:
        sa.event.remove(engine, "before_cursor_execute", _note)


@dataclass(frozen=True)
class Write:
    """One data-changing statement: its verb (INSERT...), its table and its text."""

    verb: str
    table: str
    sql: str


class CommittedWrites:
    """Counts the data-changing statements an engine commits.

    Each connection's writes wait in its open transaction and savepoints: a commit adds them
    to `committed`, a rollback drops them, a released savepoint hands them to the level
    below and a savepoint rolled back drops its own. A connection whose transaction began
    before the listener did (a test that runs the app inside a savepoint of its own
    transaction) has no level below its savepoints: what they release counts as committed,
    as the app sees it, and so does a write outside any savepoint.
    """

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.committed: list[Write] = []
        self._open: dict[int, list[list[Write]]] = {}
        self._listeners = {
            "before_cursor_execute": self._note,
            "begin": self._begin,
            "commit": lambda conn: self._end(conn, keep=True),
            "rollback": lambda conn: self._end(conn, keep=False),
            "savepoint": self._savepoint,
            "release_savepoint": lambda conn, name, ctx: self._end_savepoint(conn, keep=True),
            "rollback_savepoint": lambda conn, name, ctx: self._end_savepoint(conn, keep=False),
        }

    def __enter__(self) -> CommittedWrites:
        for name, listener in self._listeners.items():
            sa.event.listen(self.engine, name, listener)
        return self

    def __exit__(self, *exc: object) -> None:
        for name, listener in self._listeners.items():
            sa.event.remove(self.engine, name, listener)

    def since(self, mark: int) -> list[Write]:
        """The writes committed after `len(self.committed)` was `mark`."""
        return self.committed[mark:]

    def _note(self, conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        match = WRITE.match(statement)
        if match:
            levels = self._open.get(id(conn))
            target = levels[-1] if levels else self.committed
            target.append(Write(match.group(1).upper(), match.group(2), _short(statement)))

    def _begin(self, conn: sa.Connection) -> None:
        self._open[id(conn)] = [[]]

    def _savepoint(self, conn: sa.Connection, name: str) -> None:
        self._open.setdefault(id(conn), []).append([])

    def _end(self, conn: sa.Connection, *, keep: bool) -> None:
        """Commit or roll back the whole transaction, savepoints left open included."""
        levels = self._open.pop(id(conn), [])
        if keep:
            self.committed.extend(write for level in levels for write in level)

    def _end_savepoint(self, conn: sa.Connection, *, keep: bool) -> None:
        levels = self._open.get(id(conn))
        if not levels:
            return
        ended = levels.pop()
        if keep:
            (levels[-1] if levels else self.committed).extend(ended)
        if not levels:
            del self._open[id(conn)]


# What a refused request may still write: a new audit entry (a failed sign-in is recorded;
# existing entries never change) and the refused sign-in counters (factcheck/auth/throttle.py).
AUDIT = "audit_entries"
REFUSAL_BOOKKEEPING = frozenset({"login_throttles"})


def unexpected_writes(
    writes: list[Write], *, allowed: Callable[[Write], bool] = lambda write: False
) -> list[str]:
    """The writes a refused request must not have committed: all but new audit entries,
    refusal counters and those `allowed` (a bookkeeping write every request may make)."""
    return [
        w.sql
        for w in writes
        if not (
            w.table in REFUSAL_BOOKKEEPING
            or (w.table == AUDIT and w.verb == "INSERT")
            or allowed(w)
        )
    ]

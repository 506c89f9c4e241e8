"""Count the statements that change data (INSERT, UPDATE, DELETE...) an engine runs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|MERGE|REPLACE|TRUNCATE)\b", re.IGNORECASE)


@contextmanager
def recorded_writes(engine: sa.Engine) -> Iterator[list[str]]:
    """Yield a list that fills with each data-changing statement run on the engine."""
    writes: list[str] = []

    def _note(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        if WRITE.match(statement):
            writes.append(" ".join(statement.split())[:200])

    sa.event.listen(engine, "before_cursor_execute", _note)
    try:
        yield writes
    finally:
        sa.event.remove(engine, "before_cursor_execute", _note)

"""The export on PostgreSQL: one COPY (query) TO STDOUT, streamed.

The server runs the query and encodes the CSV itself; Python passes the bytes on. COPY
takes no bind parameters, so the query is rendered with its values inlined by
SQLAlchemy's PostgreSQL literal rendering (strings quoted and escaped).
"""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


def copy_chunks(connection: sa.Connection, query: sa.Select) -> Iterator[bytes]:
    """The CSV rows (no header) as UTF-8 chunks, straight from COPY."""
    sql = str(query.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
    raw = connection.connection.dbapi_connection
    with raw.cursor() as cursor, cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)") as copy:
        for data in copy:
            yield bytes(data)

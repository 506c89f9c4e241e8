"""SQL expressions that format export cells in the database, so Python writes rows as-is.

Formatting a million timestamps in Python (type conversion, then isoformat) costs more
than reading them; these render ISO 8601 text directly on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

# OWASP "CSV injection": cells a spreadsheet would evaluate start with one of these, or
# with their full-width and small-form look-alikes, which some spreadsheets also read as
# operators ("＝1+1", "﹦1+1").
FORMULA_START = (
    "=", "+", "-", "@", "\t", "\r",
    "\uff1d", "\ufe66", "\uff0b", "\ufe62", "\uff0d", "\ufe63", "\uff20", "\ufe6b",
)  # fmt: skip
# Invisible characters that can hide a formula start ("\u200b=1+1"): looked past.
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"


class iso_timestamp(FunctionElement):  # noqa: N801  (SQL function naming)
    """A UTC timestamp column as text: 2026-11-20T13:00:00Z."""

    type = sa.String()
    inherit_cache = True


class iso_date(FunctionElement):  # noqa: N801
    """A date column as text: 2026-11-20."""

    type = sa.String()
    inherit_cache = True


@compiles(iso_timestamp, "sqlite")
def _ts_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    # Stored as UTC text "YYYY-MM-DD HH:MM:SS.ffffff" (factcheck.db.UTCDateTime).
    column = compiler.process(element.clauses, **kw)
    return f"strftime('%Y-%m-%dT%H:%M:%SZ', {column})"


@compiles(iso_timestamp, "postgresql")
def _ts_postgresql(element: Any, compiler: Any, **kw: Any) -> str:
    column = compiler.process(element.clauses, **kw)
    return f"""to_char(({column}) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')"""


@compiles(iso_date, "sqlite")
def _date_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)  # already stored as YYYY-MM-DD


@compiles(iso_date, "postgresql")
def _date_postgresql(element: Any, compiler: Any, **kw: Any) -> str:
    column = compiler.process(element.clauses, **kw)
    return f"to_char({column}, 'YYYY-MM-DD')"


def safe_text(column: Any) -> sa.ColumnElement:
    """The column's text, prefixed with ' when a spreadsheet would read it as a formula."""
    visible = sa.func.ltrim(column, sa.literal(ZERO_WIDTH, sa.String))
    return sa.case(
        (sa.func.substr(visible, 1, 1).in_(FORMULA_START), sa.literal("'") + column),
        else_=column,
    )


def in_ids(column: Any, ids: list[int], dialect: str) -> sa.ColumnElement:
    """`column IN ids` with the ids in one bound parameter (a JSON array on SQLite, an
    array on PostgreSQL): thousands of ids cost one parameter, not thousands."""
    if dialect == "postgresql":
        return column == sa.any_(sa.bindparam(None, ids, type_=postgresql.ARRAY(sa.Integer)))
    values = sa.func.json_each(sa.bindparam(None, json.dumps(ids), type_=sa.String))
    return column.in_(sa.select(sa.literal_column("value")).select_from(values))

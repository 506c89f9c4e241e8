"""Every row of every table, to show that a refused request changed nothing.

The audit log is the one table a refusal may add to (a failed sign-in is recorded); its
existing entries must still never change.
"""

from __future__ import annotations

from functools import cache

from factcheck.db import Base
from factcheck.extensions import db

AUDIT = "audit_entries"


def database_rows(ignore: frozenset[tuple[str, str]] = frozenset()) -> dict[str, list]:
    """Each table's rows in primary-key order, leaving out the (table, column) pairs in
    `ignore` (a column every request touches). Meant for small test databases."""
    db.session.rollback()
    connection = db.session.connection()
    rows = {name: connection.exec_driver_sql(sql).fetchall() for name, sql in _dumps(ignore)}
    db.session.rollback()
    return rows


# Tables that record refused requests by design: a refused sign-in is counted there as it
# is audited (factcheck/auth/throttle.py).
REFUSAL_BOOKKEEPING = ("login_throttles",)


def changed_tables(before: dict[str, list], after: dict[str, list]) -> list[str]:
    """Tables whose rows differ, the audit log's new entries and refusal counters apart."""
    changed = [
        name
        for name in before
        if name != AUDIT and name not in REFUSAL_BOOKKEEPING and before[name] != after[name]
    ]
    if after[AUDIT][: len(before[AUDIT])] != before[AUDIT]:
        changed.append(AUDIT + " (an existing entry changed)")
    return changed


@cache
def _dumps(ignore: frozenset[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    queries = []
    for table in Base.metadata.sorted_tables:
        columns = ", ".join(
            f'"{c.name}"' for c in table.columns if (table.name, c.name) not in ignore
        )
        order = ", ".join(f'"{c.name}"' for c in table.primary_key.columns)
        queries.append((table.name, f'SELECT {columns} FROM "{table.name}" ORDER BY {order}'))
    return tuple(queries)

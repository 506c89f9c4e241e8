"""priority half-life: recompute every claim's stored queue key

Queue priority used to add the claim date's days since 2024-01-01 / 140 to the score, so
the date outweighed any score. It is now the claim's value (score × articles ** 0.3)
halved every 14 days of age; claims.priority stores the time-invariant key
log2(value) + days(claim date − 2024-01-01) / 14, whose order is the order of the current
priorities at any moment (factcheck/claims/priority.py). No schema change: every claim's
key is recomputed, in batches, in Python (SQLite may lack ln/log2). The formulas are
written out here, not imported, so this revision keeps meaning what it meant when the
app's formula changes again. Downgrade puts back the old formula.

Revision ID: b2d4f6a8c0e2
Revises: a1c3e5d7f901
Create Date: 2026-11-30 05:00:00+00:00

"""

import math
from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b2d4f6a8c0e2"
down_revision = "a1c3e5d7f901"
branch_labels = None
depends_on = None

EPOCH = date(2024, 1, 1)
BATCH = 1000

claims = sa.table(
    "claims",
    sa.column("id", sa.Integer),
    sa.column("score", sa.Float),
    sa.column("article_count", sa.Integer),
    sa.column("claimed_on", sa.Date),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("priority", sa.Float),
)


def _day(value: datetime) -> date:
    """The UTC day of a stored timestamp (aware on PostgreSQL, naive UTC on SQLite)."""
    return (value.astimezone(UTC) if value.tzinfo else value).date()


def half_life_key(score, article_count, claimed_on, created_at) -> float:  # noqa: ANN001
    """log2(score × articles ** 0.3) + days since 2024-01-01 / 14 (date ≤ day found)."""
    found = _day(created_at)
    day = min(claimed_on, found) if claimed_on else found
    value = max(score or 0.0, 0.01) * max(article_count or 1, 1) ** 0.3
    return round(math.log2(value) + (day - EPOCH).days / 14.0, 6)


def linear_priority(score, article_count, claimed_on, created_at) -> float:  # noqa: ANN001
    """The formula before this revision: score + 0.15 ln(articles) + days / 140."""
    day = claimed_on or _day(created_at)
    repeats = 0.15 * math.log(max(article_count or 1, 1))
    return round((score or 0.0) + repeats + (day - EPOCH).days / 140.0, 6)


def _recompute(formula) -> None:  # noqa: ANN001
    bind = op.get_bind()
    columns = ("id", "score", "article_count", "claimed_on", "created_at")
    rows_after = sa.select(*(claims.c[name] for name in columns)).order_by(claims.c.id)
    update = (
        sa.update(claims)
        .where(claims.c.id == sa.bindparam("row_id"))
        .values(priority=sa.bindparam("new_priority"))
    )
    last_id = 0
    while rows := bind.execute(rows_after.where(claims.c.id > last_id).limit(BATCH)).all():
        last_id = rows[-1].id
        bind.execute(update, [{"row_id": r.id, "new_priority": formula(*r[1:])} for r in rows])


def upgrade():
    _recompute(half_life_key)


def downgrade():
    _recompute(linear_priority)

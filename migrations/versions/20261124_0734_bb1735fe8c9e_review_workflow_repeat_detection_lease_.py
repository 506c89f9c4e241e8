"""review workflow: repeat detection, lease expiry index, claim search, status transition guard

Revision ID: bb1735fe8c9e
Revises: 6765746a6618
Create Date: 2026-11-24 07:34:36.736956+00:00

"""

import hashlib
import re

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "bb1735fe8c9e"
down_revision = "6765746a6618"
branch_labels = None
depends_on = None

# The claim status changes allowed when this revision was written, and the trigger built
# from them: a copy, not an import, so that this migration keeps doing what it did when the
# app's transition table (factcheck.claims.statuses) changes.
_TRANSITIONS = (
    ("new", "in_review"),
    ("new", "dismissed"),
    ("new", "merged"),
    ("in_review", "new"),
    ("in_review", "submitted"),
    ("in_review", "dismissed"),
    ("in_review", "merged"),
    ("returned", "submitted"),
    ("returned", "dismissed"),
    ("returned", "merged"),
    ("submitted", "approved"),
    ("submitted", "returned"),
    ("approved", "published"),
    ("published", "retracted"),
    ("dismissed", "new"),
)
_ALLOWED = " OR ".join(
    f"(OLD.status = '{old}' AND NEW.status = '{new}')" for old, new in _TRANSITIONS
)
GUARD = {
    "sqlite": [
        "CREATE TRIGGER claims_status_transition BEFORE UPDATE OF status ON claims "
        f"FOR EACH ROW WHEN OLD.status <> NEW.status AND NOT ({_ALLOWED}) "
        "BEGIN SELECT RAISE(ABORT, 'claim status transition not allowed'); END"
    ],
    "postgresql": [
        "CREATE FUNCTION claims_status_transition() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN IF OLD.status <> NEW.status AND NOT ({_ALLOWED}) THEN "
        "RAISE EXCEPTION USING ERRCODE = 'check_violation', MESSAGE = "
        "'claim status transition not allowed: ' || OLD.status || ' -> ' || NEW.status; "
        "END IF; "
        "RETURN NEW; END $$",
        "CREATE TRIGGER claims_status_transition BEFORE UPDATE OF status ON claims "
        "FOR EACH ROW EXECUTE FUNCTION claims_status_transition()",
    ],
}
DROP_GUARD = {
    "sqlite": ["DROP TRIGGER IF EXISTS claims_status_transition"],
    "postgresql": [
        "DROP TRIGGER IF EXISTS claims_status_transition ON claims",
        "DROP FUNCTION IF EXISTS claims_status_transition()",
    ],
}


def _text_key(text: str) -> str:
    # Same normalisation as factcheck.claims.services.text_key at the time of writing.
    words = " ".join(re.findall(r"[a-z0-9]+", text.lower()))
    return hashlib.sha256(words.encode("utf-8")).hexdigest()[:40]


def upgrade():
    dialect = op.get_bind().dialect.name
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.create_index("ix_assignments_lease_expires_at", ["lease_expires_at"], unique=False)

    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.add_column(sa.Column("text_key", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("article_count", sa.Integer(), nullable=False, server_default="1")
        )
        batch_op.create_index(batch_op.f("ix_claims_text_key"), ["text_key"], unique=False)
        batch_op.create_index(
            "ix_claims_waiting_priority",
            ["priority", "id"],
            unique=False,
            sqlite_where=sa.text("status IN ('new', 'in_review', 'returned')"),
            postgresql_where=sa.text("status IN ('new', 'in_review', 'returned')"),
        )

    bind = op.get_bind()
    claims = sa.table(
        "claims",
        sa.column("id", sa.Integer),
        sa.column("text", sa.Text),
        sa.column("text_key", sa.String),
    )
    for claim_id, text in bind.execute(sa.select(claims.c.id, claims.c.text)).all():
        bind.execute(
            claims.update().where(claims.c.id == claim_id).values(text_key=_text_key(text))
        )

    if dialect == "postgresql":
        op.create_index(
            "ix_claims_text_search",
            "claims",
            [sa.text("to_tsvector('english', text)")],
            postgresql_using="gin",
        )
    # After the batch operations: on SQLite they rebuild the table, which drops triggers.
    for statement in GUARD.get(dialect, []):
        op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    for statement in DROP_GUARD.get(dialect, []):
        op.execute(statement)
    if dialect == "postgresql":
        op.drop_index("ix_claims_text_search", table_name="claims")
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.drop_index("ix_claims_waiting_priority")
        batch_op.drop_index(batch_op.f("ix_claims_text_key"))
        batch_op.drop_column("article_count")
        batch_op.drop_column("text_key")

    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.drop_index("ix_assignments_lease_expires_at")

"""export columns: claim flag score, ruling byline, revision evidence addresses

Three values the export used to compute per row with correlated subqueries, stored once
when they come to exist: the sentence score that flagged a claim (claims.score_id), the
fact-checker a ruling is credited to (rulings.fact_checker_id) and a revision's evidence
addresses (verdict_revisions.evidence_urls; revisions never change). Existing rows are
filled from the data they summarise.

Revision ID: 5e1f0c2a9d47
Revises: acac5b16c1df
Create Date: 2026-11-24 10:30:00.000000+00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5e1f0c2a9d47"
down_revision = "acac5b16c1df"
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
# The SQLite trigger as bb1735fe8c9e made it, to put back after a batch rebuild drops it.
SQLITE_GUARD = (
    "CREATE TRIGGER claims_status_transition BEFORE UPDATE OF status ON claims "
    f"FOR EACH ROW WHEN OLD.status <> NEW.status AND NOT ({_ALLOWED}) "
    "BEGIN SELECT RAISE(ABORT, 'claim status transition not allowed'); END"
)

FK_SCORE = "fk_claims_score_id_sentence_scores"
FK_CHECKER = "fk_rulings_fact_checker_id_users"

# The claim's source sentence (earliest article, earliest position), its latest score.
FILL_SCORE = """
UPDATE claims SET score_id = (
    SELECT sc.id FROM sentence_scores sc
    WHERE sc.sentence_id = (
        SELECT s.id FROM sentences s
        JOIN claim_sentences cs ON cs.sentence_id = s.id
        WHERE cs.claim_id = claims.id
        ORDER BY s.article_id, s.position LIMIT 1
    )
    ORDER BY sc.scored_at DESC, sc.id DESC LIMIT 1
)
"""
# The author of the claim's first approved revision.
FILL_CHECKER = """
UPDATE rulings SET fact_checker_id = (
    SELECT v.author_id FROM editorial_decisions d
    JOIN verdict_revisions v ON v.id = d.revision_id
    WHERE v.claim_id = rulings.claim_id AND d.decision = 'approved'
    ORDER BY d.decided_at, d.id LIMIT 1
)
"""


def _fill_evidence_urls(dialect: str) -> str:
    joined = (
        "string_agg(url, ' | ' ORDER BY position)"
        if dialect == "postgresql"
        else "group_concat(url, ' | ')"
    )
    source = (
        "evidence_sources WHERE revision_id = verdict_revisions.id"
        if dialect == "postgresql"
        else "(SELECT url FROM evidence_sources WHERE revision_id = verdict_revisions.id "
        "ORDER BY position)"
    )
    return f"UPDATE verdict_revisions SET evidence_urls = coalesce((SELECT {joined} FROM {source}), '')"  # noqa: S608, E501


def upgrade():
    dialect = op.get_bind().dialect.name
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.add_column(sa.Column("score_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            FK_SCORE, "sentence_scores", ["score_id"], ["id"], ondelete="SET NULL"
        )
    if dialect == "sqlite":
        # The batch rebuilt the table, which drops triggers: put the status guard back.
        op.execute(SQLITE_GUARD)
    op.execute(FILL_SCORE)

    with op.batch_alter_table("verdict_revisions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("evidence_urls", sa.Text(), nullable=False, server_default="")
        )
    op.execute(_fill_evidence_urls(dialect))

    with op.batch_alter_table("rulings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fact_checker_id", sa.Integer(), nullable=True))
    op.execute(FILL_CHECKER)
    with op.batch_alter_table("rulings", schema=None) as batch_op:
        batch_op.alter_column("fact_checker_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(FK_CHECKER, "users", ["fact_checker_id"], ["id"])


def downgrade():
    with op.batch_alter_table("rulings", schema=None) as batch_op:
        batch_op.drop_constraint(FK_CHECKER, type_="foreignkey")
        batch_op.drop_column("fact_checker_id")
    with op.batch_alter_table("verdict_revisions", schema=None) as batch_op:
        batch_op.drop_column("evidence_urls")
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        # SQLite cannot drop a referencing column in place: rebuild the table, then put
        # back the status trigger the rebuild drops (as bb1735fe8c9e made it).
        with op.batch_alter_table("claims", schema=None) as batch_op:
            batch_op.drop_column("score_id")  # its reference goes with it
        op.execute(SQLITE_GUARD)
    else:
        op.drop_constraint(FK_SCORE, "claims", type_="foreignkey")
        op.drop_column("claims", "score_id")

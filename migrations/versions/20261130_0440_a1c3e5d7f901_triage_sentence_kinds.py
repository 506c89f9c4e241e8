"""triage: sentence kinds and claimants, claim reasons, claim embeddings

Revision ID: a1c3e5d7f901
Revises: 5e1f0c2a9d47
Create Date: 2026-11-30 04:40:00+00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a1c3e5d7f901"
down_revision = "5e1f0c2a9d47"
branch_labels = None
depends_on = None

# As in factcheck.claims.models.SENTENCE_KINDS when this revision was written.
SENTENCE_KINDS = (
    "body",
    "headline",
    "standfirst",
    "subhead",
    "section",
    "byline",
    "dateline",
    "update",
    "caption",
    "credit",
)


def upgrade():
    with op.batch_alter_table("sentences", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=20), nullable=False, server_default="body")
        )
        batch_op.add_column(sa.Column("claimant", sa.String(length=200), nullable=True))
        batch_op.create_check_constraint(
            batch_op.f("ck_sentences_kind_valid"),
            "kind IN (" + ", ".join(f"'{k}'" for k in SENTENCE_KINDS) + ")",
        )

    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reason", sa.String(length=200), nullable=True))

    op.create_table(
        "claim_embeddings",
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("model_name", sa.String(length=100), nullable=False),
        sa.Column("model_version", sa.String(length=64), nullable=False),
        sa.Column("dimensions", sa.Integer(), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["claims.id"],
            name=op.f("fk_claim_embeddings_claim_id_claims"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("claim_id", name=op.f("pk_claim_embeddings")),
    )


def downgrade():
    op.drop_table("claim_embeddings")
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.drop_column("reason")
    with op.batch_alter_table("sentences", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_sentences_kind_valid"), type_="check")
        batch_op.drop_column("claimant")
        batch_op.drop_column("kind")

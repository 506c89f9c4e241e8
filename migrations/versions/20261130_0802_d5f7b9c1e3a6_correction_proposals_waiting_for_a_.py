"""correction proposals waiting for a second editor

A correction that changes a published rating is saved as a proposal that another editor
approves or declines (issue 14, item 13); at most one is open per claim (a partial unique
index). The ruling keeps pointing at the published revision until approval.

Revision ID: d5f7b9c1e3a6
Revises: c3e5a7b9d1f4
Create Date: 2026-11-30 08:02:44.029750+00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d5f7b9c1e3a6"
down_revision = "c3e5a7b9d1f4"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "correction_proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("proposed_by_id", sa.Integer(), nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("previous_claim_type", sa.String(length=20), nullable=True),
        sa.Column("outcome", sa.String(length=10), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "outcome IN ('approved', 'declined')",
            name=op.f("ck_correction_proposals_outcome_valid"),
        ),
        sa.CheckConstraint(
            "(outcome IS NULL) = (decided_at IS NULL) AND (outcome IS NULL) = (decided_by_id IS NULL)",
            name=op.f("ck_correction_proposals_decision_complete"),
        ),
        sa.CheckConstraint(
            "length(trim(note)) > 0", name=op.f("ck_correction_proposals_note_present")
        ),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["claims.id"],
            name=op.f("fk_correction_proposals_claim_id_claims"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_correction_proposals_decided_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["proposed_by_id"],
            ["users.id"],
            name=op.f("fk_correction_proposals_proposed_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["revision_id"],
            ["verdict_revisions.id"],
            name=op.f("fk_correction_proposals_revision_id_verdict_revisions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_correction_proposals")),
        sa.UniqueConstraint("revision_id", name=op.f("uq_correction_proposals_revision_id")),
    )
    with op.batch_alter_table("correction_proposals", schema=None) as batch_op:
        batch_op.create_index(
            "uq_correction_proposals_open_claim",
            ["claim_id"],
            unique=True,
            sqlite_where=sa.text("decided_at IS NULL"),
            postgresql_where=sa.text("decided_at IS NULL"),
        )


def downgrade():
    with op.batch_alter_table("correction_proposals", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_correction_proposals_open_claim",
            sqlite_where=sa.text("decided_at IS NULL"),
            postgresql_where=sa.text("decided_at IS NULL"),
        )

    op.drop_table("correction_proposals")

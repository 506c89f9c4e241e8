"""The claim statuses, the changes allowed between them, and the trigger that enforces it.

Import these through factcheck.claims.lifecycle; this module holds no model, so that
claims.models can build its constraints and trigger from the same table.
"""

from __future__ import annotations

from enum import StrEnum


class ClaimStatus(StrEnum):
    """Where a claim stands; the value is what the database stores."""

    # new → in_review → submitted → approved → published, with returned (back to the
    # fact-checker), dismissed, merged (a duplicate of another claim) and retracted.
    NEW = "new"
    IN_REVIEW = "in_review"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    APPROVED = "approved"
    PUBLISHED = "published"
    RETRACTED = "retracted"
    DISMISSED = "dismissed"
    MERGED = "merged"


CLAIM_STATUSES: tuple[ClaimStatus, ...] = tuple(ClaimStatus)
# The claims waiting for a fact-checker: the default view of the queue.
OPEN_STATUSES = (ClaimStatus.NEW, ClaimStatus.IN_REVIEW, ClaimStatus.RETURNED)
# Claims a fact-checker can take: waiting in the queue, or returned and left unheld.
TAKEABLE_STATUSES = (ClaimStatus.NEW, ClaimStatus.RETURNED)
# Claims a fact-checker can work on (write revisions, submit) while holding them.
WORKABLE_STATUSES = (ClaimStatus.IN_REVIEW, ClaimStatus.RETURNED)

# Every status change a claim may make. The service layer checks it first (with a
# message a person can act on); a trigger in the database refuses anything else.
CLAIM_TRANSITIONS: dict[ClaimStatus, tuple[ClaimStatus, ...]] = {
    ClaimStatus.NEW: (ClaimStatus.IN_REVIEW, ClaimStatus.DISMISSED, ClaimStatus.MERGED),
    ClaimStatus.IN_REVIEW: (
        ClaimStatus.NEW,
        ClaimStatus.SUBMITTED,
        ClaimStatus.DISMISSED,
        ClaimStatus.MERGED,
    ),
    ClaimStatus.RETURNED: (ClaimStatus.SUBMITTED, ClaimStatus.DISMISSED, ClaimStatus.MERGED),
    ClaimStatus.SUBMITTED: (ClaimStatus.APPROVED, ClaimStatus.RETURNED),
    ClaimStatus.APPROVED: (ClaimStatus.PUBLISHED,),
    ClaimStatus.PUBLISHED: (ClaimStatus.RETRACTED,),
    ClaimStatus.DISMISSED: (ClaimStatus.NEW,),
    # A repeat link (merge) can be undone: the claim goes back to the queue.
    ClaimStatus.MERGED: (ClaimStatus.NEW,),
    ClaimStatus.RETRACTED: (),
}

TRIGGER_NAME = "claims_status_transition"


def may_become(old: str, new: str) -> bool:
    """Whether a claim may go from status `old` to `new` (staying put always may)."""
    return old == new or new in CLAIM_TRANSITIONS.get(ClaimStatus(old), ())


def transition_guard_ddl(dialect: str) -> list[str]:
    """SQL that makes the database refuse a claim status change not in CLAIM_TRANSITIONS.

    A migration that creates the trigger keeps its own copy of the SQL it ran; when the
    table above changes, write a migration that replaces the trigger with this SQL.
    """
    allowed = " OR ".join(
        f"(OLD.status = '{old}' AND NEW.status = '{new}')"
        for old, targets in CLAIM_TRANSITIONS.items()
        for new in targets
    )
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER {TRIGGER_NAME} BEFORE UPDATE OF status ON claims "
            f"FOR EACH ROW WHEN OLD.status <> NEW.status AND NOT ({allowed}) "
            "BEGIN SELECT RAISE(ABORT, 'claim status transition not allowed'); END"
        ]
    if dialect == "postgresql":
        return [
            f"CREATE FUNCTION {TRIGGER_NAME}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN IF OLD.status <> NEW.status AND NOT ({allowed}) THEN "
            "RAISE EXCEPTION USING ERRCODE = 'check_violation', MESSAGE = "
            "'claim status transition not allowed: ' || OLD.status || ' -> ' || NEW.status; "
            "END IF; "
            "RETURN NEW; END $$",
            f"CREATE TRIGGER {TRIGGER_NAME} BEFORE UPDATE OF status ON claims "
            f"FOR EACH ROW EXECUTE FUNCTION {TRIGGER_NAME}()",
        ]
    return []


def drop_transition_guard_ddl(dialect: str) -> list[str]:
    """SQL that removes the trigger made by transition_guard_ddl()."""
    if dialect == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {TRIGGER_NAME}"]
    if dialect == "postgresql":
        return [
            f"DROP TRIGGER IF EXISTS {TRIGGER_NAME} ON claims",
            f"DROP FUNCTION IF EXISTS {TRIGGER_NAME}()",
        ]
    return []

"""The database itself refuses rows that break the product's invariants (both backends)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from factcheck.audit.models import AuditEntry
from factcheck.audit.services import AuditLogImmutable, record
from factcheck.auth.models import LoginThrottle, Notification, User, UserRole
from factcheck.claims.models import Claim, Sentence, SentenceScore
from factcheck.db import utcnow
from factcheck.editorial.models import Correction, EditorialDecision, Ruling
from factcheck.extensions import db
from factcheck.jobs.models import Job
from factcheck.review.models import Assignment
from factcheck.sources.models import Article
from factcheck.sources.services import content_hash
from factcheck.verdicts.models import EvidenceSource, Rating, RatingScale, VerdictRevision
from factcheck.verdicts.ratings import ensure_default_scale


@dataclass
class Base:
    """Ids of one valid row of each kind, committed before each bad insert."""

    user: int
    editor: int
    article: int
    sentence: int
    claim: int
    scale: int
    rating: int
    revision: int
    decision: int
    ruling: int


@pytest.fixture
def base(app) -> Base:
    s = db.session
    scale = ensure_default_scale(s)
    user = User(email="fc@example.com", display_name="FC", password_hash="x")
    editor = User(email="ed@example.com", display_name="Ed", password_hash="x")
    s.add_all([user, editor])
    s.flush()
    article = Article(title="A", text="Some text.", content_hash=content_hash("Some text."))
    s.add(article)
    s.flush()
    sentence = Sentence(
        article_id=article.id, position=0, start_offset=0, end_offset=10, text="Some text."
    )
    s.add(sentence)
    s.flush()
    claim = Claim(text="Some text.", status="published")
    s.add(claim)
    s.flush()
    revision = VerdictRevision(
        claim_id=claim.id,
        number=1,
        claim_text=claim.text,
        author_id=user.id,
        rating_id=scale.ratings[0].id,
    )
    s.add(revision)
    s.flush()
    decision = EditorialDecision(revision_id=revision.id, decision="approved", editor_id=editor.id)
    s.add(decision)
    s.flush()
    ruling = Ruling(
        claim_id=claim.id,
        decision_id=decision.id,
        published_by_id=editor.id,
        fact_checker_id=user.id,
    )
    s.add(ruling)
    s.commit()
    return Base(
        user.id,
        editor.id,
        article.id,
        sentence.id,
        claim.id,
        scale.id,
        scale.ratings[0].id,
        revision.id,
        decision.id,
        ruling.id,
    )


def _claim(b: Base, **kw) -> Claim:
    return Claim(**{"text": "A claim.", **kw})


BAD_ROWS = {
    "user email not lower-case": lambda b: User(
        email="Upper@Example.com", display_name="U", password_hash="x"
    ),
    "user duplicate email": lambda b: User(
        email="fc@example.com", display_name="U", password_hash="x"
    ),
    "user blank display name": lambda b: User(
        email="u@example.com", display_name="  ", password_hash="x"
    ),
    "sign-in throttle negative failure count": lambda b: LoginThrottle(
        key="k" * 64, email_key="e" * 64, failures=-1, window_started_at=utcnow()
    ),
    "role not in the list": lambda b: UserRole(user_id=b.user, role="superuser"),
    "article duplicate content": lambda b: Article(
        title="B", text="Some text.", content_hash=content_hash("Some text.")
    ),
    "article javascript url": lambda b: Article(
        title="B", text="t", url="javascript:alert(1)", content_hash="a" * 64
    ),
    "article short hash": lambda b: Article(title="B", text="t", content_hash="abc"),
    "article unknown source kind": lambda b: Article(
        title="B", text="t", content_hash="b" * 64, source_kind="fax"
    ),
    "article blank title": lambda b: Article(title=" ", text="t", content_hash="c" * 64),
    "sentence empty span": lambda b: Sentence(
        article_id=b.article, position=1, start_offset=5, end_offset=5, text="x"
    ),
    "sentence negative position": lambda b: Sentence(
        article_id=b.article, position=-1, start_offset=0, end_offset=1, text="x"
    ),
    "sentence duplicate position": lambda b: Sentence(
        article_id=b.article, position=0, start_offset=0, end_offset=1, text="x"
    ),
    "sentence empty text": lambda b: Sentence(
        article_id=b.article, position=1, start_offset=0, end_offset=1, text=""
    ),
    "score above one": lambda b: SentenceScore(
        sentence_id=b.sentence, score=1.5, model_name="m", model_version="1"
    ),
    "score below zero": lambda b: SentenceScore(
        sentence_id=b.sentence, score=-0.1, model_name="m", model_version="1"
    ),
    "claim unknown status": lambda b: _claim(b, status="archived"),
    "claim dismissed without reason": lambda b: _claim(b, status="dismissed"),
    "claim reason without dismissal": lambda b: _claim(
        b, status="new", dismiss_reason="not_a_claim"
    ),
    "claim unknown dismiss reason": lambda b: _claim(
        b, status="dismissed", dismiss_reason="boring"
    ),
    "claim merged without target": lambda b: _claim(b, status="merged"),
    "claim target without merge": lambda b: _claim(b, status="new", duplicate_of_id=b.claim),
    "claim unknown type": lambda b: _claim(b, claim_type="gossip"),
    "claim score out of range": lambda b: _claim(b, score=2.0),
    "claim blank text": lambda b: _claim(b, text="   "),
    "rating scale empty range": lambda b: RatingScale(name="S", min_value=5, max_value=1),
    "second default scale": lambda b: RatingScale(
        name="S", min_value=1, max_value=5, is_default=True
    ),
    "rating unknown bucket": lambda b: Rating(scale_id=b.scale, label="Maybe", bucket="maybe"),
    "rating colour not hex": lambda b: Rating(
        scale_id=b.scale, label="Red", bucket="false", colour="red"
    ),
    "rating duplicate label": lambda b: Rating(scale_id=b.scale, label="False", bucket="false"),
    "revision number zero": lambda b: VerdictRevision(
        claim_id=b.claim, number=0, claim_text="c", author_id=b.user
    ),
    "revision duplicate number": lambda b: VerdictRevision(
        claim_id=b.claim, number=1, claim_text="c", author_id=b.user
    ),
    "second revision without parent": lambda b: VerdictRevision(
        claim_id=b.claim, number=2, claim_text="c", author_id=b.user
    ),
    "first revision with parent": lambda b: VerdictRevision(
        claim_id=b.claim, number=1, parent_id=b.revision, claim_text="c", author_id=b.user
    ),
    "summary over 280 characters": lambda b: VerdictRevision(
        claim_id=b.claim,
        number=2,
        parent_id=b.revision,
        claim_text="c",
        author_id=b.user,
        summary="x" * 281,
    ),
    "evidence ftp url": lambda b: EvidenceSource(revision_id=b.revision, url="ftp://x.org/a"),
    "evidence javascript archive": lambda b: EvidenceSource(
        revision_id=b.revision, url="https://x.org/", archived_url="javascript:alert(1)"
    ),
    "decision unknown value": lambda b: EditorialDecision(
        revision_id=b.revision, decision="maybe", editor_id=b.editor
    ),
    "second decision on a revision": lambda b: EditorialDecision(
        revision_id=b.revision, decision="returned", editor_id=b.editor, comment="again"
    ),
    "approval without editor": lambda b: EditorialDecision(
        revision_id=b.revision, decision="approved", editor_id=None
    ),
    "approval without time": lambda b: EditorialDecision(
        revision_id=b.revision, decision="approved", editor_id=b.editor, decided_at=None
    ),
    "second published ruling for a claim": lambda b: Ruling(
        claim_id=b.claim, decision_id=b.decision, published_by_id=b.editor, fact_checker_id=b.user
    ),
    "notification blank message": lambda b: Notification(user_id=b.user, kind="x", message=" "),
    "job unknown status": lambda b: Job(kind="ingest", status="zombie"),
    "job negative attempts": lambda b: Job(kind="ingest", attempts=-1),
}


@pytest.mark.parametrize("case", sorted(BAD_ROWS))
def test_bad_row_is_refused(base, case):
    db.session.add(BAD_ROWS[case](base))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def _new_revision_2(b: Base) -> VerdictRevision:
    revision = VerdictRevision(
        claim_id=b.claim, number=2, parent_id=b.revision, claim_text="c", author_id=b.user
    )
    db.session.add(revision)
    db.session.flush()
    return revision


def test_returned_decision_needs_a_comment(base):
    revision = _new_revision_2(base)
    db.session.add(
        EditorialDecision(
            revision_id=revision.id, decision="returned", editor_id=base.editor, comment="  "
        )
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_revisions_form_one_chain(base):
    _new_revision_2(base)
    # A second child of revision 1 would fork the history.
    db.session.add(
        VerdictRevision(
            claim_id=base.claim,
            number=3,
            parent_id=base.revision,
            claim_text="c",
            author_id=base.user,
        )
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_only_one_open_assignment_per_claim(base):
    now = utcnow()
    lease = now + timedelta(hours=48)
    db.session.add(
        Assignment(
            claim_id=base.claim,
            assignee_id=base.user,
            assigned_by_id=base.editor,
            assigned_at=now,
            lease_expires_at=lease,
        )
    )
    db.session.flush()
    db.session.add(
        Assignment(
            claim_id=base.claim,
            assignee_id=base.editor,
            assigned_by_id=base.editor,
            assigned_at=now,
            lease_expires_at=lease,
        )
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    # Released assignments are history and do not count.
    db.session.add_all(
        [
            Assignment(
                claim_id=base.claim,
                assignee_id=base.user,
                assigned_by_id=base.editor,
                assigned_at=now,
                lease_expires_at=lease,
                released_at=now,
                release_reason="released",
            ),
            Assignment(
                claim_id=base.claim,
                assignee_id=base.editor,
                assigned_by_id=base.editor,
                assigned_at=now,
                lease_expires_at=lease,
            ),
        ]
    )
    db.session.flush()


def test_lease_must_end_after_it_starts(base):
    now = utcnow()
    db.session.add(
        Assignment(
            claim_id=base.claim,
            assignee_id=base.user,
            assigned_by_id=base.editor,
            assigned_at=now,
            lease_expires_at=now - timedelta(hours=1),
        )
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize(
    "status, retracted, note",
    [
        ("retracted", False, "Withdrawn"),  # retraction without a date
        ("published", True, None),  # a date on a live ruling
        ("retracted", True, " "),  # retraction without a note
    ],
)
def test_retraction_rules(base, status, retracted, note):
    ruling = db.session.get(Ruling, base.ruling)
    ruling.status = status
    ruling.retracted_at = utcnow() if retracted else None
    ruling.retraction_note = note
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_correction_needs_a_note(base):
    db.session.add(
        Correction(
            ruling_id=base.ruling, decision_id=base.decision, note="", created_by_id=base.editor
        )
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_foreign_keys_are_enforced(base):
    db.session.add(Sentence(article_id=987654, position=0, start_offset=0, end_offset=1, text="x"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.real_commits  # two sessions, two connections
def test_claim_edits_are_version_checked(base):
    """Two sessions that loaded the same claim cannot both save: the second is stale."""
    from sqlalchemy.orm import Session
    from sqlalchemy.orm.exc import StaleDataError

    with Session(db.engine) as first, Session(db.engine) as second:
        a, b = first.get(Claim, base.claim), second.get(Claim, base.claim)
        a.claimant_name = "First"
        first.commit()
        b.claimant_name = "Second"
        with pytest.raises(StaleDataError):
            second.commit()
    db.session.expire_all()
    assert db.session.get(Claim, base.claim).claimant_name == "First"


def test_audit_entries_cannot_be_changed_or_deleted(base):
    entry = record(
        db.session, actor=None, action="test.event", entity_type="claim", entity_id=base.claim
    )
    db.session.commit()
    entry.action = "tampered"
    with pytest.raises(AuditLogImmutable):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEntry, entry.id))
    with pytest.raises(AuditLogImmutable):
        db.session.flush()
    db.session.rollback()
    assert db.session.scalar(sa.select(AuditEntry.action).where(AuditEntry.id == entry.id)) == (
        "test.event"
    )

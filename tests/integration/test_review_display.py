"""What editors and readers see of the review loop: the review page's comparison, and the
claim timeline written for people."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from factcheck.audit.models import AuditEntry
from factcheck.auth.roles import Role
from factcheck.claims.timeline import describes, tell
from factcheck.editorial import approval, publication
from factcheck.extensions import db
from factcheck.review import leases
from factcheck.verdicts import services as verdicts
from factcheck.verdicts.ratings import active_ratings, ensure_default_scale
from tests.conftest import login
from tests.workflow import NOW, add_claim, later, user, verdict


@pytest.fixture
def people(app, make_user):
    """A fact-checker, two editors (with signed-in clients) and a claim in the queue."""
    ensure_default_scale(db.session)
    accounts = {
        "fc": make_user(Role.FACT_CHECKER, name="Ana Lee"),
        "ed": make_user(Role.EDITOR, name="Ed Itor"),
        "ed2": make_user(Role.EDITOR, name="Sam Second"),
    }
    clients = {}
    for key, account in accounts.items():
        clients[key] = app.test_client()
        login(clients[key], account)
    claim = add_claim("Unemployment fell to 3.5% last year")
    db.session.commit()
    return {"claim": claim, "clients": clients, **{k: user(a) for k, a in accounts.items()}}


def submit(p, *, base=None, now=NOW, **fields):  # noqa: ANN001, ANN003, ANN201
    rev, _ = verdicts.save_revision(
        db.session, p["claim"], verdict(**fields), actor=p["fc"], base_revision_id=base, now=now
    )
    verdicts.submit(db.session, p["claim"], actor=p["fc"], revision_id=rev.id, now=now)
    return rev


def text_of(page: str, pattern: str) -> str:
    match = re.search(pattern, page, re.S)
    assert match, pattern
    return html.unescape(re.sub(r"<[^>]+>", " ", match.group(0)))


# Item 20: the review page compares with what an editor last decided on ------------------


def test_first_review_shows_the_whole_verdict_with_a_plain_statement(people):
    leases.take(db.session, people["claim"], actor=people["fc"], now=NOW, lease_hours=48)
    submit(people)
    db.session.commit()
    page = people["clients"]["ed"].get(f"/claims/{people['claim'].id}/review")
    page = page.get_data(as_text=True)
    assert "since nothing" not in page
    assert "This is the first review" in page
    assert "The statistics office reports 4.1%." in page  # the whole text, shown once
    assert '<table class="table diff">' not in page


def test_second_review_after_a_return_shows_what_changed_since_the_returned_version(people):
    cid = people["claim"].id
    leases.take(db.session, people["claim"], actor=people["fc"], now=NOW, lease_hours=48)
    rev1 = submit(people)
    approval.return_verdict(
        db.session,
        people["claim"],
        revision_id=rev1.id,
        comment="Name the table.",
        actor=people["ed"],
        now=datetime(2026, 11, 21, 9, 30, tzinfo=UTC),
        lease_hours=48,
    )
    submit(
        people,
        base=rev1.id,
        now=later(30),
        explanation="The statistics office reports 4.1% in table 4.",
    )
    db.session.commit()

    mine = people["clients"]["ed"].get(f"/claims/{cid}/review").get_data(as_text=True)
    heading = text_of(mine, r'<h2 id="changes-since">.*?</h2>')
    assert "Changes since the version you returned on 2026-11-21 (revision 1)" in heading
    diff = re.search(r'<table class="table diff">.*?</table>', mine, re.S).group(0)
    assert re.search(r"<ins>[^<]*table 4\.</ins>", diff), diff
    assert ">Explanation<" in diff and ">Rating<" not in diff  # only what changed

    other = people["clients"]["ed2"].get(f"/claims/{cid}/review").get_data(as_text=True)
    heading = text_of(other, r'<h2 id="changes-since">.*?</h2>')
    assert "Changes since the version Ed Itor returned on 2026-11-21 (revision 1)" in heading


# Item 21: the claim timeline is written for people ---------------------------------------


def timeline_of(client, claim_id: int) -> str:  # noqa: ANN001
    page = client.get(f"/claims/{claim_id}").get_data(as_text=True)
    return text_of(page, r'<ol class="timeline">.*?</ol>')


def test_timeline_of_the_whole_workflow_reads_as_sentences(people):
    claim, fc, ed = people["claim"], people["fc"], people["ed"]
    ratings = active_ratings(db.session)
    leases.assign(db.session, claim, assignee=fc, actor=ed, now=NOW, lease_hours=48)
    leases.release(db.session, claim, actor=fc, now=later(1))
    leases.take(db.session, claim, actor=fc, now=later(2), lease_hours=48)
    rev1, _ = verdicts.save_revision(
        db.session,
        claim,
        verdict(rating_id=ratings[0].id),
        actor=fc,
        base_revision_id=None,
        now=later(2),
    )
    rev2 = submit(
        people,
        base=rev1.id,
        now=later(3),
        rating_id=ratings[1].id,
        claimant_name="John Roe",
        explanation="The labour force survey shows 4.1%. " * 20,
    )
    approval.return_verdict(
        db.session,
        claim,
        revision_id=rev2.id,
        comment="Name the table.",
        actor=ed,
        now=later(4),
        lease_hours=48,
    )
    rev3 = submit(
        people,
        base=rev2.id,
        now=later(5),
        rating_id=ratings[1].id,
        claimant_name="John Roe",
        explanation="The labour force survey (table 4) shows 4.1%. " * 20,
    )
    approval.approve(db.session, claim, revision_id=rev3.id, actor=people["ed2"], now=later(6))
    publication.publish(db.session, claim, actor=people["ed2"], now=later(6))
    db.session.commit()

    timeline = " ".join(timeline_of(people["clients"]["fc"], claim.id).split())
    first, second = ratings[0].label, ratings[1].label
    for sentence in (
        "Ed Itor assigned the claim to Ana Lee",
        "Ana Lee released the claim",
        "Ana Lee took the claim",
        f"Ana Lee saved a verdict draft (rating: {first})",
        "Ana Lee edited the claim (claimant: Jane Doe → John Roe)",
        f"Ana Lee saved revision 2 (rating: {first} → {second}; "
        "explanation changed (35 → 719 characters); claimant: Jane Doe → John Roe)",
        "Ana Lee submitted the verdict (revision 2) for approval",
        "Ed Itor returned the verdict (revision 2): Name the table.",
        "Ana Lee saved revision 3 (explanation changed (719 → 919 characters))",
        "Ana Lee resubmitted the verdict (revision 3) for approval",
        "Sam Second approved the verdict (revision 3) and published the ruling",
    ):
        assert sentence in timeline, (sentence, timeline)
    assert not re.search(r"\b(claim|verdict|ruling)\.[a-z_]+", timeline), timeline
    assert "None" not in timeline and "['" not in timeline and "=" not in timeline


def test_every_claim_action_in_the_code_has_a_sentence():
    source = "\n".join(p.read_text(encoding="utf-8") for p in Path("factcheck").rglob("*.py"))
    codes = set(re.findall(r"\"((?:claim|verdict|ruling)\.[a-z_]*[a-z])\"", source))
    reasons = set(re.findall(r"end_lease\([^)]*reason=\"([a-z_]+)\"", source, re.S))
    assert {"claim.take", "verdict.save", "ruling.publish"} <= codes and "expired" in reasons
    missing = sorted(c for c in codes if not describes(c))
    assert missing == []
    for reason in reasons:
        [event] = tell([entry(f"claim.lease_{reason}", extra={"assignee_id": 1})], {1: "Ana"})
        assert "lease" in event.text and "_" not in event.text


def entry(action: str, changes=None, extra=None, actor=None) -> AuditEntry:  # noqa: ANN001
    return AuditEntry(
        action=action,
        entity_type="claim",
        entity_id=1,
        occurred_at=NOW,
        actor=actor,
        actor_id=getattr(actor, "id", None),
        changes=changes or {},
        extra=extra or {},
    )


@pytest.mark.parametrize(
    "action, changes, extra, expected",
    [
        (
            "claim.flag",
            {},
            {"score": 0.9123, "model": "keyword-fake 1", "sentences": 1},
            "Flagged as a claim by keyword-fake 1 (score 0.912)",
        ),
        (
            "claim.rescore",
            {"score": [0.8, 0.9], "priority": [0.1, 0.2]},
            {"model": "m 2"},
            "Scored again by m 2 (score: 0.800 → 0.900)",
        ),
        (
            "claim.dismiss",
            {"status": ["new", "dismissed"], "dismiss_reason": [None, "not_check_worthy"]},
            {"note": None},
            "The system dismissed the claim as not check worthy",
        ),
        (
            "claim.merge",
            {"status": ["new", "merged"], "duplicate_of_id": [None, 7]},
            {},
            "The system merged this claim into claim #7",
        ),
        (
            "claim.repeat",
            {"article_count": [1, 2], "priority": [0.1, 0.3]},
            {"article_id": 3, "sentence_ids": [4, 5]},
            "Repeated in another article (now in 2 articles)",
        ),
        (
            "verdict.save",
            {"evidence": [["https://a.example.org"], ["https://a.example.org", "https://b.org"]]},
            {"revision": 4},
            "The system saved revision 4 (evidence: https://a.example.org → "
            "https://a.example.org, https://b.org)",
        ),
        ("claim.something_new", {"claim_type": [None, "statistic"]}, {}, "type: — → statistic"),
    ],
)
def test_each_entry_reads_as_a_sentence_without_reprs(action, changes, extra, expected):
    [event] = tell([entry(action, changes, extra)], {})
    assert expected in event.text
    assert "None" not in event.text and "['" not in event.text and action not in event.text


def test_admin_audit_log_keeps_codes_but_shows_values_without_reprs(people, login_as):
    claim = people["claim"]
    leases.take(db.session, claim, actor=people["fc"], now=NOW, lease_hours=48)
    rev = submit(people)  # first save: every field from nothing; evidence is a list
    approval.approve(db.session, claim, revision_id=rev.id, actor=people["ed"], now=later(1))
    db.session.commit()  # the approval has no comment
    page = login_as(Role.ADMIN).get("/admin/audit?action=verdict.").get_data(as_text=True)
    table = re.search(r'<table class="table audit">.*?</table>', page, re.S).group(0)
    assert "verdict.save" in table and "verdict.approve" in table  # an audit tool: codes stay
    assert "Labour force survey" in table  # the evidence line, as text
    assert "None" not in table and "['" not in table and "[]" not in table

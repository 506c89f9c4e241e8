"""Upper-case URL schemes (issue 14, item 11): "HTTPS://..." passed the app's check but broke
the case-sensitive `url LIKE 'https://%'` constraint on PostgreSQL (a 500 on ingest; an
evidence source that could never be saved). The scheme is now stored in lower case."""

from __future__ import annotations

import pytest

from factcheck.auth.roles import Role
from factcheck.extensions import db
from factcheck.intake import ingest
from factcheck.review import leases
from factcheck.sources.document import Document
from factcheck.sources.fetch import check_url
from factcheck.verdicts import inputs
from factcheck.verdicts import services as verdicts
from factcheck.verdicts.inputs import EvidenceInput
from tests.workflow import NOW, add_claim, user, verdict


@pytest.mark.parametrize("url", ["HTTPS://Example.org/Path?Q=1", "Http://example.org/"])
def test_checks_lower_the_scheme_and_nothing_else(url):
    scheme, rest = url.split("://", 1)
    assert check_url(url) == f"{scheme.lower()}://{rest}"
    assert inputs.check_url(url) == f"{scheme.lower()}://{rest}"


def test_an_article_with_an_upper_case_scheme_is_stored(app, fake_classifier):
    result = ingest(
        db.session,
        Document(text="The deficit rose 40 percent in 2025.", url="HTTPS://News.example.org/a"),
        actor=None,
        classifier=fake_classifier,
    )
    db.session.commit()
    assert result.article.url == "https://News.example.org/a"


def test_an_evidence_source_with_an_upper_case_scheme_is_saved(app, make_user):
    checker = user(make_user(Role.FACT_CHECKER))
    claim = add_claim()
    db.session.commit()
    leases.take(db.session, claim, actor=checker, now=NOW, lease_hours=48)
    source = EvidenceInput(url="HTTPS://Stats.example.org/x", title="Survey", publisher="Office")
    revision, _ = verdicts.save_revision(
        db.session,
        claim,
        verdict(evidence=[source]),
        actor=checker,
        base_revision_id=None,
        now=NOW,
    )
    db.session.commit()
    assert [e.url for e in revision.evidence] == ["https://Stats.example.org/x"]

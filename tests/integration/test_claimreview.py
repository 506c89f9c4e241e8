"""ClaimReview JSON-LD: checked against schema.org types and Google's field list.

The checks are written from Google's ClaimReview structured-data documentation: required
claimReviewed, reviewRating (with alternateName) and url; recommended author, datePublished,
itemReviewed (a Claim with author, datePublished, appearance or firstAppearance), and
ratingValue/bestRating/worstRating for numeric ratings, with worst <= value <= best.
"""

from __future__ import annotations

import json
import re
from datetime import date

import pytest

from factcheck.auth.roles import Role
from factcheck.export.claimreview import claim_reviews
from factcheck.export.services import ExportFilters
from factcheck.extensions import db
from factcheck.verdicts.ratings import active_ratings
from tests.workflow import add_claim, publish, user

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def check_claim_review(doc: dict) -> None:
    """Fail with a message naming the first field that breaks the documented shape."""
    assert doc["@context"] == "https://schema.org"
    assert doc["@type"] == "ClaimReview"
    assert isinstance(doc["claimReviewed"], str) and doc["claimReviewed"].strip()
    assert doc["url"].startswith(("http://", "https://"))
    assert ISO_DATE.match(doc["datePublished"])
    assert doc["author"]["@type"] == "Organization" and doc["author"]["name"]
    rating = doc["reviewRating"]
    assert rating["@type"] == "Rating"
    assert rating["alternateName"].strip()
    if "ratingValue" in rating:
        assert rating["worstRating"] <= rating["ratingValue"] <= rating["bestRating"]
        assert all(
            isinstance(rating[k], int | float) for k in ("ratingValue", "bestRating", "worstRating")
        )
    if "ratingExplanation" in rating:
        assert len(rating["ratingExplanation"]) <= 280
    item = doc["itemReviewed"]
    assert item["@type"] == "Claim"
    if "author" in item:
        assert item["author"]["@type"] in ("Person", "Organization") and item["author"]["name"]
    if "datePublished" in item:
        assert ISO_DATE.match(item["datePublished"])
    for appearance in item.get("appearance", []):
        assert appearance["@type"] == "CreativeWork"
        assert appearance.get("url") or appearance.get("headline")
    assert re.match(r"^[a-z]{2,3}(-[A-Za-z0-9]+)*$", doc["inLanguage"])
    allowed = {
        "@context",
        "@type",
        "url",
        "claimReviewed",
        "reviewRating",
        "itemReviewed",
        "author",
        "datePublished",
        "dateModified",
        "inLanguage",
    }
    assert set(doc) <= allowed, set(doc) - allowed


@pytest.fixture
def published(app, make_user):
    fc = user(make_user(Role.FACT_CHECKER, name="Fiona Checker"))
    ed = user(make_user(Role.EDITOR, name="Edna Editor"))
    claim = add_claim("Israel and the US supported terrorist groups", outlet="IPS")
    claim.article.url = "https://www.ipsnews.net/2024/12/syria"
    claim.article.language = "en"
    publish(
        claim,
        fc,
        ed,
        claim_text="Israel and the US supported terrorist groups in Syria",
        claimant_name="Esmaeil Baghaei",
        claimant_role="spokesman of the Iranian foreign ministry",
        claimed_on=date(2024, 12, 2),
    )
    db.session.commit()
    return claim


def reviews(**kw):  # noqa: ANN003, ANN201
    return list(
        claim_reviews(
            db.session,
            ExportFilters(**kw),
            organisation="Desk",
            organisation_url="https://d.example/",
            base_url="https://d.example/",
        )
    )


def test_claim_review_has_the_documented_fields(published):
    [doc] = reviews()
    check_claim_review(doc)
    assert doc["claimReviewed"] == "Israel and the US supported terrorist groups in Syria"
    assert doc["reviewRating"] == {
        "@type": "Rating",
        "alternateName": "False",
        "ratingValue": 1,
        "bestRating": 5,
        "worstRating": 1,
        "ratingExplanation": "Official statistics show unemployment rose.",
    }
    item = doc["itemReviewed"]
    assert item["author"] == {
        "@type": "Person",
        "name": "Esmaeil Baghaei",
        "jobTitle": "spokesman of the Iranian foreign ministry",
    }
    assert item["datePublished"] == "2024-12-02"
    assert item["appearance"][0]["url"] == "https://www.ipsnews.net/2024/12/syria"
    assert doc["url"] == f"https://d.example/rulings/{published.id}"


def test_off_scale_rating_has_no_numbers(app, make_user):
    fc = user(make_user(Role.FACT_CHECKER))
    ed = user(make_user(Role.EDITOR))
    misleading = next(r for r in active_ratings(db.session) if r.value is None)
    claim = add_claim()
    publish(claim, fc, ed, rating_id=misleading.id)
    db.session.commit()
    [doc] = reviews()
    check_claim_review(doc)
    assert "ratingValue" not in doc["reviewRating"]
    assert doc["reviewRating"]["alternateName"] == misleading.label


def test_ruling_page_embeds_the_json_ld(published, login_as):
    html = login_as(Role.VIEWER).get(f"/rulings/{published.id}").get_data(as_text=True)
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    doc = json.loads(block)
    check_claim_review(doc)
    assert doc["claimReviewed"].startswith("Israel and the US")


def test_script_closing_tags_cannot_escape_the_json_block(app, make_user, login_as):
    fc = user(make_user(Role.FACT_CHECKER))
    ed = user(make_user(Role.EDITOR))
    claim = add_claim()
    publish(claim, fc, ed, claim_text="</script><script>alert(1)</script> taxes rose")
    db.session.commit()
    html = login_as(Role.VIEWER).get(f"/rulings/{claim.id}").get_data(as_text=True)
    assert "</script><script>alert(1)" not in html


def test_cli_and_web_downloads(published, runner, tmp_path, login_as):
    out = tmp_path / "rulings.jsonl"
    result = runner.invoke(args=["export", "claimreview", "-o", str(out)])
    assert result.exit_code == 0, result.output
    lines = out.read_text("utf-8").splitlines()
    assert len(lines) == 1
    check_claim_review(json.loads(lines[0]))
    response = login_as(Role.VIEWER).get("/export/claimreview.jsonl")
    assert response.status_code == 200 and response.mimetype == "application/x-ndjson"
    [line] = response.get_data(as_text=True).splitlines()
    check_claim_review(json.loads(line))
    assert reviews(since=date(2099, 1, 1)) == []

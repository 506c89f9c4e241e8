"""`factcheck import claimreview`: rulings from elsewhere read from JSON-LD / JSON Lines,
malformed records reported with their line, re-imports updating, bounds, matching."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from factcheck.audit.models import AuditEntry
from factcheck.errors import InvalidInput
from factcheck.extensions import db
from factcheck.matching import index
from factcheck.matching.imports import ImportLimits, parse_file
from factcheck.matching.models import ClaimMatch, ExternalRuling
from tests.integration.test_match_index import embed
from tests.workflow import add_claim

CLAIM = "Police arrested 312 protesters in Kavel on Saturday"


def review(claim: str = CLAIM, **overrides) -> dict:  # noqa: ANN003
    """A ClaimReview shaped like `factcheck export`'s and Google Fact Check Tools'."""
    value = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": "https://checks.example.net/rulings/7",
        "claimReviewed": claim,
        "reviewRating": {
            "@type": "Rating",
            "alternateName": "False",
            "ratingValue": 1,
            "bestRating": 5,
            "worstRating": 1,
        },
        "itemReviewed": {
            "@type": "Claim",
            "author": {"@type": "Person", "name": "Interior Ministry"},
            "datePublished": "2026-02-28",
            "appearance": [{"@type": "CreativeWork", "url": "https://news.example.com/a"}],
        },
        "author": {"@type": "Organization", "name": "Other Desk", "url": "https://other.example"},
        "datePublished": "2026-03-02",
        "inLanguage": "en",
    }
    value.update(overrides)
    return value


def write(tmp_path: Path, lines: list[str], name: str = "reviews.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def rulings() -> list[ExternalRuling]:
    return list(db.session.scalars(sa.select(ExternalRuling).order_by(ExternalRuling.id)))


@pytest.fixture(autouse=True)
def _fresh_cache():
    index.forget()
    yield
    index.forget()


def test_jsonl_import_reports_bad_lines_and_imports_the_rest(app, runner, tmp_path) -> None:
    path = write(
        tmp_path,
        [
            json.dumps(review()),
            "{not json",
            json.dumps({"@type": "NewsArticle", "headline": "x"}),
            json.dumps(review(claimReviewed="  ")),
            json.dumps(review(claim="Another claim", author=None)),
            json.dumps(review(claim="Long", itemReviewed={"author": {"name": "x" * 201}})),
            json.dumps(review(claim="Dated", datePublished="2 March")),
            json.dumps(review(claim="Script", url="javascript:alert(1)")),
            "",
            json.dumps(review(claim="Prices rose 9% in March", url="https://o.example/2")),
        ],
    )
    result = runner.invoke(args=["import", "claimreview", str(path)])
    assert result.exit_code == 0, result.output
    assert "2 imported, 0 updated, 0 unchanged, 7 refused" in result.output
    out = result.output
    assert "line 2, record 2: not valid JSON" in out
    assert "line 3, record 3: not a ClaimReview (@type NewsArticle)" in out
    assert "line 4, record 4: no claimReviewed" in out
    assert "line 5, record 5: no publisher" in out
    assert "line 6, record 6: itemReviewed.author is over 200 characters" in out
    assert "line 7, record 7: datePublished is not a date" in out
    assert "line 8, record 8: url is not an http(s) address" in out
    first, second = rulings()
    assert first.claim_reviewed == CLAIM and first.publisher_name == "Other Desk"
    assert first.publisher_url == "https://other.example"
    assert (first.rating, first.rating_value, first.best_rating) == ("False", 1.0, 5.0)
    assert first.claimant == "Interior Ministry" and str(first.reviewed_on) == "2026-03-02"
    assert first.appearance_url == "https://news.example.com/a"
    assert (first.source_file, first.source_line) == ("reviews.jsonl", 1)
    assert second.source_line == 10
    assert first.vector is not None and first.model_name == "keyword-fake"
    (entry,) = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "external_ruling.import")
    )
    assert entry.extra["imported"] == 2 and entry.extra["refused"] == 7


def test_reimport_updates_instead_of_duplicating(app, runner, tmp_path) -> None:
    path = write(tmp_path, [json.dumps(review())])
    assert "1 imported" in runner.invoke(args=["import", "claimreview", str(path)]).output
    again = runner.invoke(args=["import", "claimreview", str(path)])
    assert "0 imported, 0 updated, 1 unchanged, 0 refused" in again.output
    changed = review()
    changed["reviewRating"]["alternateName"] = "Misleading"
    path = write(tmp_path, [json.dumps(changed)])
    third = runner.invoke(args=["import", "claimreview", str(path)])
    assert "0 imported, 1 updated" in third.output
    (row,) = rulings()
    assert row.rating == "Misleading"


@pytest.mark.parametrize(
    "document",
    [
        [review(), review(claim="Second claim here")],
        {"@context": "https://schema.org", "@graph": [review(), review(claim="Second claim")]},
        {
            "@type": "WebPage",
            "mainEntity": [review(), {"@type": "Article", "hasPart": review(claim="Nested")}],
        },
    ],
    ids=["array", "graph", "page"],
)
def test_json_ld_documents(app, runner, tmp_path, document) -> None:  # noqa: ANN001
    path = tmp_path / "reviews.json"
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    result = runner.invoke(args=["import", "claimreview", str(path)])
    assert "2 imported" in result.output and "0 refused" in result.output, result.output


def test_html_page_json_ld_and_array_line_numbers() -> None:
    page = (
        "<html><head>\n<script type='application/ld+json'>"
        + json.dumps(review())
        + '</script>\n<script type="application/ld+json">{broken</script></head></html>'
    )
    parsed, refused = parse_file(page.encode(), limits=ImportLimits())
    assert [p.claim_reviewed for p in parsed] == [CLAIM]
    assert [(r.line, r.record) for r in refused] == [(3, 2)]
    array = "[\n" + json.dumps(review()) + ",\n" + json.dumps({"@type": "Thing"}) + "\n]"
    parsed, refused = parse_file(array.encode(), limits=ImportLimits())
    assert len(parsed) == 1 and [(r.line, r.record) for r in refused] == [(3, 2)]


def test_bounds_and_unreadable_files(app, runner, tmp_path) -> None:
    with pytest.raises(InvalidInput, match="over 100 bytes"):
        parse_file(b" " * 101, limits=ImportLimits(max_bytes=100))
    with pytest.raises(InvalidInput, match="more than 2"):
        parse_file(
            "\n".join(json.dumps(review(claim=f"c{i}")) for i in range(3)).encode(),
            limits=ImportLimits(max_records=2),
        )
    with pytest.raises(InvalidInput, match="not UTF-8"):
        parse_file(b"\xff\xfe{", limits=ImportLimits())
    with pytest.raises(InvalidInput, match="nothing imported"):
        parse_file(b'[{"a": 1},', limits=ImportLimits())
    with pytest.raises(InvalidInput, match="empty"):
        parse_file(b"  \n", limits=ImportLimits())
    long_claim = json.dumps(review(claim="x" * 5001))
    _, refused = parse_file(long_claim.encode(), limits=ImportLimits())
    assert "claimReviewed is over 5,000 characters" in refused[0].reason
    path = write(tmp_path, ["{broken"])
    result = runner.invoke(args=["import", "claimreview", str(path)])
    assert result.exit_code == 1 and "line 1, record 1: not valid JSON" in result.output
    app.config["IMPORT_CLAIMREVIEW_MAX_BYTES"] = 10
    big = runner.invoke(args=["import", "claimreview", str(write(tmp_path, ["{}" * 10]))])
    assert big.exit_code == 1 and "over the limit of 10" in big.output
    assert rulings() == []


def test_an_imported_ruling_is_suggested_for_a_matching_claim(
    app, runner, tmp_path, fake_classifier
) -> None:
    claim = add_claim(text=CLAIM)
    embed(claim, fake_classifier.embed([CLAIM])[0], ("keyword-fake", "test-1", 64))
    unrelated = add_claim(text="Wheat harvest on the plains was the worst in a decade")
    embed(unrelated, fake_classifier.embed([unrelated.text])[0], ("keyword-fake", "test-1", 64))
    path = write(tmp_path, [json.dumps(review())])
    result = runner.invoke(args=["import", "claimreview", str(path)])
    assert "1 new matches with claims" in result.output, result.output
    (match,) = db.session.scalars(sa.select(ClaimMatch))
    (ruling,) = rulings()
    assert (match.claim_id, match.external_ruling_id) == (claim.id, ruling.id)
    assert match.state == "suggested" and match.similarity == pytest.approx(1.0, abs=1e-5)
    # Importing again matches nothing twice.
    again = runner.invoke(args=["import", "claimreview", str(path)])
    assert "0 new matches" in again.output

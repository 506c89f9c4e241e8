"""CSV export of rulings: columns, filters, streaming, spreadsheet safety, encoding."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest

from factcheck.auth.roles import Role
from factcheck.editorial import corrections, publication
from factcheck.errors import InvalidInput
from factcheck.export.services import (
    EVIDENCE_COLUMNS,
    RULING_COLUMNS,
    ExportFilters,
    cell,
    evidence_csv,
    rulings_csv,
    safe_text,
)
from factcheck.extensions import db
from factcheck.intake import ingest
from factcheck.sources.document import Document
from factcheck.verdicts.inputs import EvidenceInput
from factcheck.verdicts.services import latest_revision
from tests.workflow import add_claim, later, publish, user, verdict

BASE = "https://checks.example.org/"


@pytest.fixture
def desk(make_user):
    return (
        user(make_user(Role.FACT_CHECKER, name="Fiona Checker")),
        user(make_user(Role.EDITOR, name="Edna Editor")),
    )


def read(chunks) -> list[dict]:  # noqa: ANN001
    """The export's rows, after checking it opens with the UTF-8 byte-order mark."""
    data = b"".join(chunks)
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(data[3:].decode("utf-8"))))


def test_one_row_per_ruling_with_every_column(app, desk):
    fc, ed = desk
    claim = add_claim("Crime fell by 20% in Zürich", outlet="Le Monde diplomatique")
    publish(claim, fc, ed, claim_text="Crime fell by 20% in Zürich", claimant_name="José Müller")
    add_claim("Never published")
    db.session.commit()
    rows = read(rulings_csv(db.session, ExportFilters(), base_url=BASE))
    assert len(rows) == 1
    row = rows[0]
    assert list(row) == list(RULING_COLUMNS)
    assert row["claim_text"] == "Crime fell by 20% in Zürich"
    assert row["claimant"] == "José Müller" and row["claimant_role"] == "minister"
    assert row["outlet"] == "Le Monde diplomatique"
    assert row["rating"] == "False" and float(row["rating_value"]) == 1
    assert (float(row["scale_min"]), float(row["scale_max"])) == (1, 5)
    assert row["evidence_urls"] == "https://stats.example.org/unemployment"
    assert row["fact_checker"] == "Fiona Checker" and row["approving_editor"] == "Edna Editor"
    assert row["approved_at"] == "2026-11-20T13:00:00Z"
    assert row["published_at"] == "2026-11-20T14:00:00Z"
    assert row["ruling_url"] == f"https://checks.example.org/rulings/{claim.id}"
    assert row["date_claimed"] == "2026-11-01" and row["ruling_status"] == "published"


def test_corrections_and_retractions(app, desk):
    fc, ed = desk
    claim = add_claim()
    publish(claim, fc, ed)
    rev = latest_revision(db.session, claim)
    corrections.correct(
        db.session,
        claim,
        verdict(summary="Corrected."),
        note="Fixed the month.",
        base_revision_id=rev.id,
        actor=ed,
        now=later(3),
    )
    db.session.commit()
    row = read(rulings_csv(db.session, ExportFilters(), base_url=BASE))[0]
    assert row["conclusion"] == "Corrected." and row["correction_notes"] == "Fixed the month."
    assert row["fact_checker"] == "Fiona Checker"  # who wrote the verdict, not the corrector
    publication.retract(db.session, claim, note="Withdrawn.", actor=ed, now=later(4))
    db.session.commit()
    assert read(rulings_csv(db.session, ExportFilters(), base_url=BASE)) == []
    both = ExportFilters(statuses=("published", "retracted"))
    assert read(rulings_csv(db.session, both, base_url=BASE))[0]["ruling_status"] == "retracted"


AWKWARD = [
    'He said "no", then "yes"',
    "Commas, commas, commas",
    "Two lines\r\nof text\nand a lone\rreturn",
    '"',
    'ends with a quote"',
]


# A control character in a cell (the old batch encoder's separator byte) is just text.
@pytest.mark.parametrize("also", [[], ["a control \x01 character"]])
def test_awkward_cells_come_back_exactly(app, desk, also):
    fc, ed = desk
    awkward = AWKWARD + also
    for n, text in enumerate(awkward):
        claim = add_claim(f"Claim {n}")
        publish(claim, fc, ed, claim_text=text, claimant_name=f"Speaker, {n}")
    db.session.commit()
    rows = read(rulings_csv(db.session, ExportFilters(), base_url=BASE))
    assert [r["claim_text"] for r in rows] == awkward
    assert [r["claimant"] for r in rows] == [f"Speaker, {n}" for n in range(len(awkward))]
    assert rows[0]["correction_notes"] == "" and float(rows[0]["rating_value"]) == 1


@pytest.mark.parametrize(
    "evil",
    ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\uff1d1+1", "\u200b=1+1"],
)
def test_formula_cells_are_neutralised(app, desk, evil):
    fc, ed = desk
    claim = add_claim(f"{evil} said the minister")
    publish(claim, fc, ed, claim_text=f"{evil} rose", claimant_name=evil, summary=evil)
    db.session.commit()
    row = read(rulings_csv(db.session, ExportFilters(), base_url=BASE))[0]
    assert row["claim_text"] == f"'{evil} rose"
    assert row["claimant"] == f"'{evil}" and row["conclusion"] == f"'{evil}"


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("Crime fell", "Crime fell"),
        ("-5 degrees", "'-5 degrees"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("a=b", "a=b"),
        ("", ""),
        # Full-width and small-form look-alikes, and a formula behind a zero-width
        # character (issue 14, item 18).
        ("\uff1d1+1", "'\uff1d1+1"),
        ("\ufe661+1", "'\ufe661+1"),
        ("\uff0bcmd", "'\uff0bcmd"),
        ("\uff0d2", "'\uff0d2"),
        ("\u200b=1+1", "'\u200b=1+1"),
        ("\ufeff\u200d@SUM(A1)", "'\ufeff\u200d@SUM(A1)"),
        ("\u200bplain", "\u200bplain"),
    ],
)
def test_safe_text(cell, expected):
    """The neutralising function itself (the export tests above run it on each backend)."""
    assert safe_text(cell) == expected


def test_cells():
    """Query values as cells: NULL empty, UTC times and dates in ISO 8601, numbers as is."""
    assert cell(None) == "" and cell(2.5) == 2.5 and cell(7) == 7
    assert cell(datetime(2026, 11, 20, 13, 0, 5, 123456, tzinfo=UTC)) == "2026-11-20T13:00:05Z"
    assert cell(date(2026, 11, 1)) == "2026-11-01"
    assert cell("=1+1") == "'=1+1" and cell("plain") == "plain"


def test_streamed_a_batch_at_a_time_with_crlf_and_minimal_quoting(app, desk, monkeypatch):
    """The header is its own chunk, then one chunk per batch; RFC 4180 with CRLF line ends,
    quotes only where a cell needs them."""
    fc, ed = desk
    for n in range(5):
        publish(add_claim(f"Claim {n}"), fc, ed, claim_text=f"Claim {n}, quoted")
    db.session.commit()
    monkeypatch.setattr("factcheck.export.services.BATCH", 2)
    chunks = list(rulings_csv(db.session, ExportFilters(), base_url=BASE))
    assert len(chunks) == 1 + 3
    assert chunks[0] == ("\ufeff" + ",".join(RULING_COLUMNS) + "\r\n").encode()
    assert all(c.endswith(b"\r\n") for c in chunks)
    assert b"".join(chunks[1:]).count(b"\r\n") == 5
    assert b',"Claim 0, quoted",' in chunks[1] and b",published," in chunks[1]
    no_bom = next(rulings_csv(db.session, ExportFilters(), base_url=BASE, bom=False))
    assert no_bom == chunks[0].removeprefix(b"\xef\xbb\xbf")


def test_sentence_score_evidence_and_corrections_in_order(app, desk, fake_classifier):
    fc, ed = desk
    result = ingest(
        db.session,
        Document(text="The mayor said crime fell by 20% in 2025. It rained.", title="Crime"),
        actor=fc,
        classifier=fake_classifier,
    )
    claim = result.claims[0]
    sources = [
        EvidenceInput(url=f"https://src.example.org/{n}", title=f"Source {n}") for n in "ZAM"
    ]
    publish(claim, fc, ed, evidence=sources)
    rev = latest_revision(db.session, claim)
    for n, note in enumerate(("Second note.", "Third note.")):
        corrections.correct(
            db.session,
            claim,
            verdict(evidence=sources),
            note=note,
            base_revision_id=rev.id,
            actor=ed,
            now=later(3 + n),
        )
        rev = latest_revision(db.session, claim)
    db.session.commit()
    row = read(rulings_csv(db.session, ExportFilters(), base_url=BASE))[0]
    assert row["sentence"] == "The mayor said crime fell by 20% in 2025."
    expected = fake_classifier.score([row["sentence"]])[0]
    assert float(row["classifier_score"]) == pytest.approx(expected)
    assert row["model_version"] == "keyword-fake test-1"
    assert row["evidence_urls"] == " | ".join(f"https://src.example.org/{n}" for n in "ZAM")
    assert row["correction_notes"] == "Second note. | Third note."
    evidence = read(evidence_csv(db.session, ExportFilters(), base_url=BASE))
    assert [e["url"] for e in evidence] == [s.url for s in sources]
    assert [e["position"] for e in evidence] == ["0", "1", "2"]


def test_filters(app, desk, make_user):
    fc, ed = desk
    other_fc = user(make_user(Role.FACT_CHECKER, name="Frank Second"))
    a = add_claim("Exports rose", claimant="Ann Lee", outlet="Daily")
    b = add_claim("Imports fell", claimant="Bo Chan")
    publish(a, fc, ed)
    publish(b, other_fc, ed, claimant_name="Bo Chan")
    db.session.commit()

    def claims(**kw) -> list[str]:  # noqa: ANN003
        rows = read(rulings_csv(db.session, ExportFilters(**kw), base_url=BASE))
        return sorted(r["claim_id"] for r in rows)

    assert claims() == sorted([str(a.id), str(b.id)])
    assert claims(fact_checker_id=other_fc.id) == [str(b.id)]
    assert claims(claimant="bo ch") == [str(b.id)]
    assert claims(outlet_id=a.article.outlet_id) == [str(a.id)]
    assert claims(since=date(2026, 11, 21)) == []
    assert claims(until=date(2026, 11, 20)) == sorted([str(a.id), str(b.id)])
    assert claims(editor_id=fc.id) == []
    with pytest.raises(InvalidInput):
        ExportFilters(statuses=("draft",))
    with pytest.raises(InvalidInput):
        ExportFilters(since=date(2026, 2, 1), until=date(2026, 1, 1))


def test_evidence_export_has_one_row_per_source(app, desk):
    fc, ed = desk
    claim = add_claim()
    publish(
        claim,
        fc,
        ed,
        evidence=[
            EvidenceInput(url="https://a.example/1", title="Première source"),
            EvidenceInput(
                url="https://b.example/2", publisher="=cmd", accessed_on=date(2026, 11, 2)
            ),
        ],
    )
    db.session.commit()
    rows = read(evidence_csv(db.session, ExportFilters(), base_url=BASE))
    assert list(rows[0]) == list(EVIDENCE_COLUMNS)
    assert [(r["position"], r["url"]) for r in rows] == [
        ("0", "https://a.example/1"),
        ("1", "https://b.example/2"),
    ]
    assert rows[0]["title"] == "Première source" and rows[1]["publisher"] == "'=cmd"
    assert rows[1]["accessed_on"] == "2026-11-02"


def test_web_download_streams_csv(app, desk, login_as):
    fc, ed = desk
    claim = add_claim("Prices fell in Malmö")
    publish(claim, fc, ed, claim_text="Prices fell in Malmö", claimant_name="Åsa Öberg")
    db.session.commit()
    viewer = login_as(Role.VIEWER)
    assert "Download CSV" in viewer.get("/export/").get_data(as_text=True)
    response = viewer.get("/export/rulings.csv?status=published&since=2026-11-01")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.is_streamed
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0]["claim_text"] == "Prices fell in Malmö" and rows[0]["claimant"] == "Åsa Öberg"
    # PUBLIC_BASE_URL is empty in the tests: the development address, never the Host header.
    assert rows[0]["ruling_url"] == f"http://127.0.0.1:5000/rulings/{claim.id}"
    evidence = viewer.get("/export/rulings.csv?kind=evidence").get_data().decode("utf-8-sig")
    assert evidence.splitlines()[0] == ",".join(EVIDENCE_COLUMNS)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("since=2026-13-45", "Not a valid date"),
        ("since=2026-02-01&until=2026-01-01", "start date is after the end date"),
        ("status=draft", "Not a valid choice"),
    ],
)
def test_bad_export_filters_get_a_clear_page(app, desk, login_as, query, message):
    viewer = login_as(Role.VIEWER)
    response = viewer.get(f"/export/rulings.csv?{query}")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_cli_export_to_a_file_and_stdout(app, desk, runner, tmp_path):
    fc, ed = desk
    claim = add_claim()
    publish(claim, fc, ed, claimant_name="Zoë Ångström")
    db.session.commit()
    out = tmp_path / "rulings.csv"
    result = runner.invoke(
        args=["export", "csv", "--since", "2026-01-01", "--status", "published", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["claimant"] for r in rows] == ["Zoë Ångström"]
    stdout = runner.invoke(args=["export", "csv", "--evidence", "--no-bom"])
    assert stdout.exit_code == 0 and stdout.output.startswith("ruling_id,claim_id,position")
    bad = runner.invoke(args=["export", "csv", "--since", "yesterday"])
    assert bad.exit_code == 2 and "not a date like 2026-01-31" in bad.output

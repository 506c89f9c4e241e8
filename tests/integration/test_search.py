"""The search page: every kind found, ranked, highlighted safely, filtered, paged, kept
current by the triggers (SQLite) and expression indexes (PostgreSQL), and never a 500
whatever is typed. Runs on both backends."""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa

from factcheck.auth.roles import Role
from factcheck.editorial import corrections
from factcheck.errors import InvalidInput
from factcheck.extensions import db
from factcheck.matching.models import ExternalRuling
from factcheck.search.queries import (
    MAX_PAGE,
    PAGE_SIZE,
    SearchFilters,
    search_all,
    search_kind,
)
from factcheck.search.syntax import parse
from factcheck.sources.models import Article
from factcheck.verdicts.ratings import active_ratings
from factcheck.verdicts.services import latest_revision
from tests.workflow import add_claim, later, publish, user, verdict

NAME = "Rosalind Quist"


def _external(key: str, claim: str, **values) -> ExternalRuling:  # noqa: ANN003
    row = ExternalRuling(
        record_key=key,
        publisher_name=values.pop("publisher", "Other Desk"),
        claim_reviewed=claim,
        url=f"https://elsewhere.example.org/{key}",
        **values,
    )
    db.session.add(row)
    db.session.flush()
    return row


def _ids(kind: str, text: str, filters: SearchFilters | None = None, **kw) -> list:  # noqa: ANN003
    page = search_kind(db.session, kind, parse(text), filters or SearchFilters(), **kw)
    return [hit.key for hit in page.hits]


@pytest.fixture
def desk(app, make_user):  # noqa: ANN001, ANN201
    """One of each kind naming the same claimant, and some that do not."""
    fc, ed = user(make_user(Role.FACT_CHECKER)), user(make_user(Role.EDITOR))
    ruled = add_claim("Bridge tolls doubled in 2025", claimant=NAME, outlet="Daily Post")
    publish(ruled, fc, ed, claim_text="Bridge tolls doubled in 2025", claimant_name=NAME)
    plain = add_claim(f"{NAME} says ferry fares fell by half", claimant=None, outlet="Evening Star")
    other = add_claim("Rail fares rose 9% this year", claimant="Tom Ash", outlet="Daily Post")
    external = _external(
        "x1",
        "Tolls on the bridge were doubled",
        claimant=NAME,
        rating="False",
        reviewed_on=date(2026, 10, 3),
    )
    _external("x2", "Ferries are free on Sundays", claimant="Ann Lee", rating="True")
    db.session.commit()
    return {
        "ruled": ruled,
        "plain": plain,
        "other": other,
        "external": external,
        "fc": fc,
        "ed": ed,
    }


def test_every_kind_is_found_by_the_claimants_name(desk, login_as):
    hits = {
        p.kind: [h.key for h in p.hits]
        for p in search_all(db.session, parse("Quist"), SearchFilters())
    }
    ruling_id = db.session.scalar(sa.text("SELECT id FROM rulings"))
    assert hits["rulings"] == [ruling_id]
    assert hits["external"] == [desk["external"].id]
    assert hits["claimants"] == [NAME]
    # The claimant's name as claimant, and in another claim's text and its article's.
    assert set(hits["claims"]) == {desk["ruled"].id, desk["plain"].id}
    assert hits["articles"] == [desk["plain"].article_id]

    page = login_as(Role.VIEWER).get("/search", query_string={"q": "quist"})
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    for heading in ("Our rulings", "Rulings from elsewhere", "Claimants", "Claims", "Articles"):
        assert f">{heading}</h2>" in body
    assert "Rosalind <mark>Quist</mark>" in body
    assert "Tolls on the bridge were doubled" in body and "Other Desk" in body


def test_claimants_counts_claims_and_rulings_from_elsewhere(desk):
    page = search_kind(db.session, "claimants", parse("rosalind"), SearchFilters())
    (hit,) = page.hits
    assert (hit.key, hit.counts) == (NAME, {"claims": 1, "external": 1})
    assert str(hit.marked["name"]) == "<mark>Rosalind</mark> Quist"


def test_ranking_puts_the_closer_match_first(app):
    weak = add_claim(
        "The council report covers roads, schools, parks, libraries, water and housing budgets",
        claimant="A",
    )
    strong = add_claim("Housing budgets: housing costs doubled", claimant="B")
    named = add_claim("Crime fell in the harbour district", claimant="Housing Minister")
    add_claim("Nothing to see here", claimant="C")
    ids = _ids("claims", "housing")
    assert set(ids) == {weak.id, strong.id, named.id}
    # Twice in a short text beats once in a long one.
    assert ids.index(strong.id) < ids.index(weak.id)
    # Every word must appear (AND); a phrase needs its words side by side.
    assert set(_ids("claims", "housing budgets")) == {weak.id, strong.id}
    assert _ids("claims", '"housing costs"') == [strong.id]
    assert _ids("claims", "housing -budgets") == [named.id]
    assert set(_ids("claims", "harbour OR costs")) == {named.id, strong.id}
    assert set(_ids("claims", "hous*")) == {weak.id, strong.id, named.id}


def test_highlights_escape_the_stored_text(app, login_as):
    claim = add_claim('Tax <script>alert("x")</script> & <b>rose</b> 5%', claimant="<i>Eve</i>")
    _external("x3", "Tax <img src=x onerror=alert(1)> rose", claimant="Eve")
    db.session.commit()
    (hit,) = search_kind(db.session, "claims", parse("tax"), SearchFilters()).hits
    assert hit.key == claim.id
    text = str(hit.marked["text"])
    assert "<script>" not in text and "&lt;script&gt;" in text and "<mark>Tax</mark>" in text
    assert "&lt;b&gt;" in text and "&amp;" in text
    body = login_as(Role.VIEWER).get("/search", query_string={"q": "tax"}).get_data(as_text=True)
    assert "<script>alert" not in body and "<img src=x" not in body and "<i>Eve" not in body
    assert "&lt;script&gt;" in body and "&lt;img src=x onerror=alert(1)&gt;" in body
    assert re.search(r"<mark>Tax</mark> &lt;script&gt;alert\(&#34;x&#34;\)", body)


def test_filters(desk):
    ruled, plain, other = desk["ruled"], desk["plain"], desk["other"]
    daily = ruled.article.outlet_id
    assert set(_ids("claims", "fares")) == {plain.id, other.id}
    assert _ids("claims", "fares", SearchFilters(outlet_id=daily)) == [other.id]
    assert _ids("claims", "fares", SearchFilters(claimant="ash")) == [other.id]
    assert _ids("claims", "tolls", SearchFilters(statuses=("published",))) == [ruled.id]
    assert _ids("claims", "tolls", SearchFilters(statuses=("new",))) == []
    later_day = SearchFilters(date_from=date(2099, 1, 1))
    assert _ids("claims", "fares", later_day) == []
    # Rating: our rulings by their label, imported ones by their rating text.
    false = active_ratings(db.session)[0].label
    assert len(_ids("rulings", "tolls", SearchFilters(rating=false))) == 1
    assert _ids("rulings", "tolls", SearchFilters(rating="True")) == []
    assert _ids("external", "tolls", SearchFilters(rating="false")) == [desk["external"].id]
    assert _ids("external", "ferries", SearchFilters(rating="false")) == []
    assert _ids("external", "tolls", SearchFilters(date_to=date(2026, 10, 2))) == []
    # A filter that means nothing for a kind leaves that kind out (rating: no articles).
    assert SearchFilters(rating="False").kinds() == ("rulings", "external")
    assert _ids("articles", "tolls", SearchFilters(rating="False")) == []


def test_filters_on_the_page(desk, login_as):
    client = login_as(Role.FACT_CHECKER)
    body = client.get(
        "/search", query_string={"q": "fares", "claimant": "ash", "kind": "claims"}
    ).get_data(as_text=True)
    assert "Rail fares rose 9% this year".replace("fares", "<mark>fares</mark>") in body
    assert "ferry" not in body
    bad = client.get(
        "/search", query_string={"q": "fares", "date_from": "2026-12-01", "date_to": "2026-01-01"}
    )
    assert bad.status_code == 200 and "The start date is after the end date." in bad.get_data(
        as_text=True
    )
    assert client.get("/search", query_string={"q": "x", "kind": "nope"}).status_code == 400
    left_out = client.get("/search", query_string={"q": "fares", "rating": "False"})
    assert "claimants, claims, articles are not searched" in left_out.get_data(as_text=True)


def test_the_index_follows_inserts_updates_and_deletes(desk):
    claim = add_claim("Lighthouse keepers earn 90,000 a year", claimant="Pat Ray")
    assert _ids("claims", "lighthouse") == [claim.id]
    claim.text = "Harbour pilots earn 90,000 a year"
    claim.claimant_name = "Sam Ray"
    db.session.flush()
    assert _ids("claims", "lighthouse") == [] and _ids("claims", "pilots") == [claim.id]
    assert _ids("claimants", "ray") == ["Sam Ray"]
    claim.status = "dismissed"  # a change to another column leaves the index as it was
    claim.dismiss_reason = "not_a_claim"
    db.session.flush()
    assert _ids("claims", "pilots") == [claim.id]

    article = db.session.get(Article, claim.article_id)
    article.title = "Wages at sea"
    db.session.flush()
    assert _ids("articles", "wages") == [article.id]

    external = desk["external"]
    external.claim_reviewed = "Canal fees were doubled"
    db.session.flush()
    assert _ids("external", "canal") == [external.id] and _ids("external", "bridge") == []
    db.session.delete(external)
    db.session.flush()
    assert _ids("external", "canal") == []

    # A correction points the ruling at a new revision: its text is what is found.
    ruled = desk["ruled"]
    ruling_id = db.session.scalar(sa.text("SELECT id FROM rulings"))
    rev = latest_revision(db.session, ruled)
    corrections.correct(
        db.session,
        ruled,
        verdict(
            claim_text="Bridge tolls tripled in 2025",
            claimant_name=NAME,
            summary="Tolls went up threefold.",
        ),
        note="Fixed the figure.",
        base_revision_id=rev.id,
        actor=desk["ed"],
        now=later(3),
    )
    db.session.flush()
    assert _ids("rulings", "tripled") == [ruling_id]
    assert _ids("rulings", "threefold") == [ruling_id]
    assert _ids("rulings", "doubled") == []

    db.session.delete(claim)
    db.session.flush()
    assert _ids("claims", "pilots") == []


def test_paging_is_bounded(app, login_as):
    for n in range(PAGE_SIZE + 3):
        add_claim(f"Orchard output {n} grew", claimant=f"Grower {n}")
    db.session.commit()
    first = search_kind(db.session, "claims", parse("orchard"), SearchFilters())
    second = search_kind(db.session, "claims", parse("orchard"), SearchFilters(), page=2)
    assert first.has_more and len(first.hits) == PAGE_SIZE
    assert not second.has_more and len(second.hits) == 3
    assert not {h.key for h in first.hits} & {h.key for h in second.hits}

    client = login_as(Role.VIEWER)
    body = client.get("/search", query_string={"q": "orchard", "kind": "claims"}).get_data(
        as_text=True
    )
    assert "page=2" in body and 'rel="next"' in body
    for page in ("2",):
        body = client.get(
            "/search", query_string={"q": "orchard", "kind": "claims", "page": page}
        ).get_data(as_text=True)
        assert 'rel="prev"' in body and 'rel="next"' not in body
    # A page past the bound (or not a number) is read as the first page, never a 500.
    for page in (str(MAX_PAGE + 1), "0", "-3", "x", "9" * 30):
        response = client.get(
            "/search", query_string={"q": "orchard", "kind": "claims", "page": page}
        )
        assert response.status_code == 200 and "Page 1" in response.get_data(as_text=True)
    with pytest.raises(Exception, match="Pages go from 1"):
        search_kind(db.session, "claims", parse("orchard"), SearchFilters(), page=MAX_PAGE + 1)


NASTY = [
    '"',
    '""',
    '"unclosed phrase',
    "*",
    "**",
    "tax**",
    "*tax",
    "NEAR",
    "NEAR(tax rose)",
    "tax NEAR/2 rose",
    "-",
    "--",
    "- tax",
    "-tax",
    "tax -",
    "AND",
    "OR",
    "NOT",
    "tax AND OR NOT rose",
    "tax OR",
    "OR tax",
    "(tax",
    "tax)",
    "{tax}",
    "text:tax",
    "claimant_name : tax",
    "^tax",
    "tax + rose",
    "'; DROP TABLE claims; --",
    "%_\\",
    "tax & rose | !fell",
    "tax:*",
    "tax:A",
    "<->",
    "!!tax",
    "🙂",
    "🙂 tax 🙂",
    "\u200b\u200btax",
    "\ue000tax\ue001",
    "ｔａｘ",  # full-width letters
    "x" * 299,
    " ".join(["tax"] * 40),
    ".,;:!?",
    "\t\n\r",
]


def test_nasty_queries_give_a_page_never_a_500(app, login_as):
    """Table-driven: each string gets a normal page (hits or a message), and every kind's
    query runs on the database without an error."""
    add_claim("Tax rose 5% near the border", claimant="Tax Office")
    db.session.commit()
    client = login_as(Role.VIEWER)
    failures = []
    for text in NASTY:
        response = client.get("/search", query_string={"q": text})
        body = response.get_data(as_text=True)
        answered = 'class="form-errors"' in body or "Searched for:" in body or not text.strip()
        if response.status_code != 200 or not answered:
            failures.append((text, response.status_code))
            continue
        try:
            query = parse(text)
        except InvalidInput:
            continue
        for kind in ("rulings", "external", "claimants", "claims", "articles"):
            search_kind(db.session, kind, query, SearchFilters())  # raises on a DB error
    assert failures == []
    # The parsed words reach the index: the claim is found through the noise.
    assert "<mark>Tax</mark> <mark>rose</mark>" in client.get(
        "/search", query_string={"q": "🙂 {tax} (rose -\x27\x27 NEAR"}
    ).get_data(as_text=True)


def test_refused_queries_say_why(app, login_as):
    client = login_as(Role.VIEWER)
    cases = {
        "*": "Type a word",
        "-tax": "cannot be only words to leave out",
        "x" * 301: "At most 300 characters",
        " ".join(f"w{n}" for n in range(20)): "Only the first 12",
        '"open phrase': "was not closed",
        "ta*": "A * counts only after 3",
    }
    for text, message in cases.items():
        response = client.get("/search", query_string={"q": text})
        assert response.status_code in (200, 400), text
        assert message in response.get_data(as_text=True), text
    nul = client.get("/search", query_string={"q": "tax\x00"})
    assert nul.status_code == 400 and "NUL" in nul.get_data(as_text=True)
    empty = client.get("/search", query_string={"q": "   "})
    assert empty.status_code == 200 and "form-errors" not in empty.get_data(as_text=True)


def test_similar_meaning_lists_claims_and_rulings_from_elsewhere(app, login_as, make_user):
    from factcheck.intake import ingest
    from factcheck.sources.document import Document
    from tests.fakes import KeywordClassifier

    fc = user(make_user(Role.FACT_CHECKER))
    classifier = KeywordClassifier()
    result = ingest(
        db.session,
        Document(text="The mayor said crime fell by 20% in 2025.", title="Crime"),
        actor=fc,
        classifier=classifier,
    )
    vector = classifier.embed(["crime fell by 20% in 2025"])
    row = _external("x9", "Crime fell by 20% in 2025", rating="False")
    row.model_name, row.model_version = classifier.name, classifier.version
    row.dimensions, row.vector = 64, vector[0].astype("<f4").tobytes()
    db.session.commit()
    client = login_as(Role.VIEWER)
    body = client.get(
        "/search", query_string={"q": "crime fell by 20 percent in 2025", "mode": "similar"}
    ).get_data(as_text=True)
    assert "Similar in meaning" in body
    assert f"/claims/{result.claims[0].id}" in body
    assert "elsewhere.example.org/x9" in body
    refused = client.get(
        "/search", query_string={"q": "crime", "mode": "similar", "kind": "articles"}
    )
    assert "Similar meaning finds claims" in refused.get_data(as_text=True)


def test_the_nav_has_a_search_box_that_works_without_script(app, login_as):
    body = login_as(Role.VIEWER).get("/").get_data(as_text=True)
    assert re.search(r'<form method="get" action="/search"[^>]*role="search"', body)
    assert 'name="q"' in body


def test_migration_builds_the_same_index_as_create_all(empty_database, backend_name):
    """The migration's copy of the DDL equals what the models make (and works)."""
    from flask_migrate import upgrade

    from tests.conftest import make_app

    def schema(url: str, migrate: bool) -> list:
        app = make_app(url)
        with app.app_context():
            if migrate:
                upgrade()
            else:
                db.metadata.create_all(db.engine)
            with db.engine.connect() as conn:
                if backend_name == "sqlite":
                    query = (
                        "SELECT type, name, sql FROM sqlite_master WHERE name LIKE '%fts%' "
                        "OR name = 'rulings_search' ORDER BY name"
                    )
                else:
                    query = (
                        "SELECT indexname, indexdef FROM pg_indexes "
                        "WHERE indexname LIKE 'ix_%search' UNION ALL "
                        "SELECT table_name, generation_expression FROM information_schema.columns "
                        "WHERE column_name = 'search_vector' ORDER BY 1"
                    )
                rows = [tuple(r) for r in conn.execute(sa.text(query))]
            db.engine.dispose()
        return rows

    migrated = schema(empty_database(backend_name), True)
    created = schema(empty_database(backend_name), False)
    assert migrated == created
    assert len(migrated) == (33 if backend_name == "sqlite" else 11)


def test_past_the_rank_window_the_newest_matches_are_ranked(app, login_as, monkeypatch):
    from factcheck.search import queries

    monkeypatch.setattr(queries, "RANK_WINDOW", 3)
    old = add_claim("Quarry quarry quarry dust", claimant="Old")
    newer = [add_claim(f"Quarry dust {n} fell", claimant=f"New {n}") for n in range(4)]
    db.session.commit()
    page = search_kind(db.session, "claims", parse("quarry"), SearchFilters())
    assert page.capped and {h.key for h in page.hits} == {c.id for c in newer[-3:]}
    assert old.id not in _ids("claims", "quarry")
    # With a filter the window counts the filtered matches.
    filtered = search_kind(db.session, "claims", parse("quarry"), SearchFilters(claimant="old"))
    assert not filtered.capped and [h.key for h in filtered.hits] == [old.id]
    body = (
        login_as(Role.VIEWER)
        .get("/search", query_string={"q": "quarry", "kind": "claims"})
        .get_data(as_text=True)
    )
    assert "Over 3 claims match: the newest 3 are ranked." in body

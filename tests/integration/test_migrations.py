"""The migrations build exactly the models' schema, and undo it, on both backends."""

from __future__ import annotations

import warnings

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from factcheck.extensions import db
from factcheck.search.models import include_object
from factcheck.verdicts.defaults import DEFAULT_SCALE
from tests.conftest import STRONG_PASSWORD, make_app


def _diff(connection: sa.Connection) -> list:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "include_object": include_object}
    )
    with warnings.catch_warnings():
        # Expression indexes (the claim full-text index) cannot be reflected by Alembic;
        # test_search_index_and_transition_guard_are_migrated checks that one directly.
        warnings.filterwarnings("ignore", message=".*expression-based index")
        return compare_metadata(context, db.metadata)


def test_upgrade_matches_models_and_downgrade_empties(empty_database, backend_name):
    app = make_app(empty_database(backend_name))
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            assert _diff(conn) == []
            # Less the search index's FTS5 tables (SQLite), made by DDL beside the models.
            tables = {
                t
                for t in sa.inspect(conn).get_table_names()
                if include_object(None, t, "table", True, None)
            }
        assert set(db.metadata.tables) | {"alembic_version"} == tables

        # The built-in rating scale is seeded, identical to the one the code defines.
        rows = db.session.execute(
            sa.text(
                "SELECT r.label, r.value, r.bucket, r.colour, r.definition FROM ratings r "
                "JOIN rating_scales s ON s.id = r.scale_id WHERE s.is_default ORDER BY r.position"
            )
        ).all()
        assert [tuple(r) for r in rows] == [tuple(r) for r in DEFAULT_SCALE["ratings"]]
        db.session.remove()

        downgrade(revision="base")
        with db.engine.connect() as conn:
            assert set(sa.inspect(conn).get_table_names()) <= {"alembic_version"}

        upgrade()  # and back again, from base
        with db.engine.connect() as conn:
            assert _diff(conn) == []
        db.engine.dispose()


def _scripts():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from factcheck.settings import ROOT

    config = Config(str(ROOT / "migrations" / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    return ScriptDirectory.from_config(config)


def test_single_head():
    assert len(_scripts().get_heads()) == 1


def test_file_names_sort_in_revision_order():
    """Listing migrations/versions shows the revisions in the order they apply: each file
    is named date_time_revision_slug (alembic.ini's file_template)."""
    import re
    from pathlib import Path

    scripts = _scripts()
    chain = [s for s in scripts.walk_revisions("base", "heads")][::-1]  # base first
    names = [Path(s.path).name for s in chain]
    assert names == sorted(names)
    for script, name in zip(chain, names, strict=True):
        assert re.fullmatch(rf"\d{{8}}_\d{{4}}_{script.revision}_\w+\.py", name), name
    on_disk = sorted(p.name for p in Path(scripts.versions).glob("*.py"))
    assert on_disk == names  # no file outside the chain
    assert "%%(hour).2d%%(minute).2d" in Path(scripts.dir, "alembic.ini").read_text()


def test_search_index_and_transition_guard_are_migrated(empty_database, backend_name):
    app = make_app(empty_database(backend_name))
    with app.app_context():
        upgrade()
        with db.engine.begin() as conn:
            if backend_name == "postgresql":
                names = {i["name"] for i in sa.inspect(conn).get_indexes("claims")}
                assert "ix_claims_text_search" in names
            conn.execute(
                sa.text(
                    "INSERT INTO claims (text, status, hedged, priority, version, "
                    "article_count, created_at, updated_at) VALUES ('x', 'new', false, 0, 1,"
                    " 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                )
            )
            conn.execute(sa.text("UPDATE claims SET status = 'in_review'"))  # allowed
        with pytest.raises(sa.exc.DatabaseError, match="transition not allowed"):
            with db.engine.begin() as conn:
                conn.execute(sa.text("UPDATE claims SET status = 'published'"))
        with db.engine.connect() as conn:
            assert conn.scalar(sa.text("SELECT status FROM claims")) == "in_review"
        downgrade(revision="6765746a6618")
        with db.engine.begin() as conn:  # the guard goes with the migration
            conn.execute(sa.text("UPDATE claims SET status = 'published'"))
        db.engine.dispose()


def test_export_columns_are_filled_from_existing_data(empty_database, backend_name):
    """5e1f0c2a9d47 adds claims.score_id, rulings.fact_checker_id and
    verdict_revisions.evidence_urls: a database that had rulings before it gets them
    filled with what the services would have stored."""
    from factcheck.auth.config import password_policy, passwords
    from factcheck.auth.roles import Role
    from factcheck.auth.services import create_user
    from factcheck.editorial import corrections
    from factcheck.intake import ingest
    from factcheck.sources.document import Document
    from factcheck.verdicts.inputs import EvidenceInput
    from factcheck.verdicts.services import latest_revision
    from tests.fakes import KeywordClassifier
    from tests.workflow import later, publish, verdict

    app = make_app(empty_database(backend_name))
    with app.app_context():
        upgrade()
        fc, ed = (
            create_user(
                db.session,
                email=f"{role.name.lower()}@example.org",
                display_name=role.label,
                password=STRONG_PASSWORD,
                roles=[role],
                passwords=passwords(),
                policy=password_policy(),
                actor=None,
            )[0]
            for role in (Role.FACT_CHECKER, Role.EDITOR)
        )
        text = "It rained. The mayor said crime fell by 20% in 2025. Taxes rose 3% in 2024."
        result = ingest(db.session, Document(text=text), actor=fc, classifier=KeywordClassifier())
        claim = result.claims[0]
        sources = [EvidenceInput(url=f"https://s.example.org/{n}") for n in "BA"]
        publish(claim, fc, ed, evidence=sources)
        rev = latest_revision(db.session, claim)
        corrections.correct(
            db.session,
            claim,
            verdict(),
            note="Fixed.",
            base_revision_id=rev.id,
            actor=ed,
            now=later(3),
        )
        db.session.commit()
        query = {
            "claims": "SELECT id, score_id FROM claims ORDER BY id",
            "rulings": "SELECT id, fact_checker_id FROM rulings ORDER BY id",
            "revisions": "SELECT id, evidence_urls FROM verdict_revisions ORDER BY id",
        }
        stored = {k: db.session.execute(sa.text(q)).all() for k, q in query.items()}
        assert stored["revisions"][0][1] == "https://s.example.org/B | https://s.example.org/A"
        assert stored["rulings"] == [(1, fc.id)] and all(s for _, s in stored["claims"])
        db.session.remove()

        downgrade(revision="acac5b16c1df")
        upgrade()
        filled = {k: db.session.execute(sa.text(q)).all() for k, q in query.items()}
        assert filled == stored
        db.session.remove()
        db.engine.dispose()


def test_priority_half_life_recomputes_stored_priorities(empty_database, backend_name):
    """b2d4f6a8c0e2 rewrites every claim's priority as the half-life queue key, and its
    downgrade puts back the old score + 0.15 ln(articles) + days / 140."""
    import math
    from datetime import UTC, date, datetime

    app = make_app(empty_database(backend_name))
    found = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    rows = [  # score, articles, claimed_on, status
        (0.9, 1, date(2026, 11, 10), "new"),
        (0.3, 1, date(2026, 11, 20), "new"),
        (0.95, 4, date(2024, 12, 3), "published"),
        (None, 1, None, "new"),  # no score, no date: 0.01, the day it was found
        (0.0, 2, date(2031, 1, 1), "in_review"),  # a date after the day found counts as found
    ]

    def half_life(score, articles, claimed_on):  # noqa: ANN001, ANN202
        day = min(claimed_on or found.date(), found.date())
        value = max(score or 0, 0.01) * articles**0.3
        return math.log2(value) + (day - date(2024, 1, 1)).days / 14

    def linear(score, articles, claimed_on):  # noqa: ANN001, ANN202
        day = claimed_on or found.date()
        return (score or 0) + 0.15 * math.log(articles) + (day - date(2024, 1, 1)).days / 140

    claims = sa.table(
        "claims",
        *(sa.column(name) for name in ("text", "status", "hedged", "version", "priority")),
        sa.column("score"),
        sa.column("article_count"),
        sa.column("claimed_on", sa.Date),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    query = sa.text("SELECT priority FROM claims ORDER BY id")
    with app.app_context():
        upgrade(revision="5e1f0c2a9d47")
        with db.engine.begin() as conn:
            conn.execute(
                sa.insert(claims),
                [
                    {
                        "text": f"claim {n}",
                        "status": status,
                        "hedged": False,
                        "version": 1,
                        "priority": linear(score, articles, claimed_on),
                        "score": score,
                        "article_count": articles,
                        "claimed_on": claimed_on,
                        "created_at": found,
                        "updated_at": found,
                    }
                    for n, (score, articles, claimed_on, status) in enumerate(rows)
                ],
            )
        upgrade(revision="b2d4f6a8c0e2")
        with db.engine.connect() as conn:
            keys = conn.scalars(query).all()
        assert keys == pytest.approx([half_life(*r[:3]) for r in rows], abs=1e-6)
        # The strong claim from ten days before outranks the weak one of the day.
        assert keys[0] > keys[1] > keys[2]

        downgrade(revision="a1c3e5d7f901")
        with db.engine.connect() as conn:
            assert conn.scalars(query).all() == pytest.approx(
                [linear(*r[:3]) for r in rows], abs=1e-6
            )
        db.engine.dispose()

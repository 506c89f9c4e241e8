"""The `factcheck` command line: users and the first-run demo."""

from __future__ import annotations

import re

import sqlalchemy as sa

from factcheck.auth.models import User
from factcheck.auth.roles import Role
from factcheck.extensions import db
from factcheck.sources.models import Article
from factcheck.verdicts.models import RatingScale
from tests.conftest import STRONG_PASSWORD, login, make_app


def test_users_create_prompts_for_the_password(app, runner, client):
    result = runner.invoke(
        args=["users", "create", "--role", "editor", "--name", "Ed Itor", "ed@example.com"],
        input=f"{STRONG_PASSWORD}\n{STRONG_PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.email == "ed@example.com"))
    assert user.roles == {Role.EDITOR} and user.display_name == "Ed Itor"
    assert STRONG_PASSWORD not in user.password_hash
    assert user.password_hash.startswith("$argon2id$")
    from tests.conftest import Account

    login(client, Account(user.id, user.email, STRONG_PASSWORD, ("editor",)))


def test_users_create_refuses_bad_input(app, runner):
    result = runner.invoke(
        args=["users", "create", "--role", "editor", "x@example.com"], input="short\nshort\n"
    )
    assert result.exit_code == 1
    assert "at least 12 characters" in result.output
    result = runner.invoke(args=["users", "create", "--role", "wizard", "x@example.com"])
    assert result.exit_code == 2
    runner.invoke(
        args=["users", "create", "--role", "viewer", "--one-time-password", "x@example.com"]
    )
    result = runner.invoke(
        args=["users", "create", "--role", "viewer", "--one-time-password", "X@example.com"]
    )
    assert result.exit_code == 1
    assert "already exists" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_users_list_reset_and_deactivate(app, runner, make_user):
    account = make_user(Role.FACT_CHECKER, email="fc@example.com")
    result = runner.invoke(args=["users", "list"])
    assert "fc@example.com" in result.output and "fact-checker" in result.output
    result = runner.invoke(args=["users", "reset-password", "fc@example.com"])
    assert result.exit_code == 0 and "One-time password" in result.output
    result = runner.invoke(args=["users", "deactivate", "fc@example.com"])
    assert result.exit_code == 0
    assert not db.session.get(User, account.id).is_active
    result = runner.invoke(args=["users", "deactivate", "nobody@example.com"])
    assert result.exit_code == 1 and "no account" in result.output


def test_demo_sets_up_an_empty_database_once(empty_database, backend_name):
    app = make_app(empty_database(backend_name))
    runner = app.test_cli_runner()
    with app.app_context():
        result = runner.invoke(args=["demo"])
        assert result.exit_code == 0, result.output
        assert "http://127.0.0.1:5000/" in result.output
        password = re.search(r"one-time password: (\S+)", result.output).group(1)
        admin = db.session.scalar(sa.select(User).where(User.email == "admin@example.com"))
        assert admin.has_role(Role.ADMIN) and admin.must_change_password
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Article)) == 1
        assert db.session.scalar(sa.select(RatingScale).where(RatingScale.is_default)) is not None

        again = runner.invoke(args=["demo"])
        assert again.exit_code == 0, again.output
        assert "already" in again.output
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Article)) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1

        client = app.test_client()
        from tests.conftest import Account

        login(client, Account(admin.id, admin.email, password, ("admin",)))
        db.session.remove()
        db.engine.dispose()


def _count_articles() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Article))


def test_bulk_jsonl_reports_each_bad_row_by_line_and_goes_on(app, runner, tmp_path):
    """Issue 14, item 15: a non-string text or a numeric published_on crashed the whole run
    (TypeError), and a damaged line stopped the file being read at all."""
    lines = [
        b'{"text": "Crime rose 20% in 2024.", "title": "One"}',
        b'{"text": 42}',
        b"",
        b'{"text": "Taxes fell 3% in 2023.", "published_on": 20240101}',
        b'{"text": ["Rents rose."], "title": "Four"}',
        b"not json",
        b"[1, 2]",
        b'{"text": "Wages rose 4% in 2025.", "published_on": "2025-13-01"}',
        b'{"text": "Le ministre a d\xe9clar\xc3\xa9 que les prix ont augment\xc3\xa9."}',
        b'{"text": "Rents rose 9% in 2025.", "outlet": 7}',
        b'{"text": "Fares rose 5% in 2025.", "published_on": "2025-02-03"}',
    ]
    source = tmp_path / "rows.jsonl"
    source.write_bytes(b"\n".join(lines) + b"\n")
    result = runner.invoke(args=["ingest", "--bulk", str(source)])
    assert result.exit_code == 1, result.output
    errors = result.stderr
    for number, words in [
        (2, "text must be a string, not a number"),
        (4, "published_on must be a date as YYYY-MM-DD, not a number"),
        (5, "text must be a string, not a list"),
        (6, "not valid JSON"),
        (7, "each line must be a JSON object, not a list"),
        (8, "published_on is not a valid date"),
        (9, "not valid UTF-8 (byte 25 of the line)"),
        (10, "outlet must be a string, not a number"),
    ]:
        assert f"rows.jsonl, line {number}: {words}" in errors, (number, errors)
    assert "line 1:" not in errors and "line 11:" not in errors
    assert "Ingested 2, skipped 0 already present, 8 failed." in result.stdout
    assert _count_articles() == 2
    dated = db.session.scalar(sa.select(Article).where(Article.title == "Fares rose 5% in 2025."))
    assert dated is None or str(dated.published_on) == "2025-02-03"


def test_bulk_rows_with_characters_no_column_holds_are_refused_and_the_run_goes_on(
    app, runner, tmp_path
):
    """A lone surrogate (valid JSON: "\\ud800") or a NUL in any field was an uncaught
    error that ended the whole run."""
    lines = [
        b'{"text": "Crime rose 20% in 2024 \\ud800 here."}',
        b'{"text": "Taxes fell 3% in 2023.", "title": "A \\u0000 title"}',
        b'{"text": "Fares rose 5% in 2025."}',
    ]
    source = tmp_path / "rows.jsonl"
    source.write_bytes(b"\n".join(lines) + b"\n")
    result = runner.invoke(args=["ingest", "--bulk", str(source)])
    assert result.exit_code == 1, result.output
    assert "rows.jsonl, line 1: text contains a lone surrogate (U+D800)" in result.stderr
    assert "rows.jsonl, line 2: title contains a NUL character" in result.stderr
    assert "Ingested 1, skipped 0 already present, 2 failed." in result.stdout
    assert _count_articles() == 1


def test_bulk_csv_streams_long_and_multi_line_rows(app, runner, tmp_path):
    """Line numbers are those where each record starts, a field longer than the csv
    module's default 128 kB limit is taken in, and damaged UTF-8 fails its row alone."""
    long_text = "The council said rents rose by 9 percent this year. " * 4000  # 208 kB
    source = tmp_path / "rows.csv"
    source.write_bytes(
        b"title,text,published_on\n"
        b'One,"Crime rose 20% in 2024.\nIt was the largest rise.",2026-01-02\n'
        b"Two,Taxes fell 3% in 2023 and the mayor said so.,not a date\n"
        b"Three,Le ministre a d\xe9clar\xc3\xa9 une hausse.,\n"
        + f"Four,{long_text.strip()},\n".encode()
        + b"Five,Wages rose 4% in 2025.,\n"
    )
    result = runner.invoke(args=["ingest", "--bulk", str(source)])
    assert result.exit_code == 1, result.output
    assert "rows.csv, line 4: published_on is not a valid date" in result.stderr
    assert "rows.csv, line 5: not valid UTF-8" in result.stderr
    assert "Ingested 3, skipped 0 already present, 2 failed." in result.stdout
    assert _count_articles() == 3


def test_cli_ingest_refuses_damaged_utf8(app, runner, tmp_path):
    """Issue 14, item 16: UTF-8 with damaged bytes is refused with where the damage is,
    not stored as mojibake."""
    source = tmp_path / "statement.txt"
    source.write_bytes(
        "Le ministre a déclaré\nque les prix ont augmenté".encode()
        + " “de 12 %” – …".encode("cp1252")
    )
    result = runner.invoke(args=["ingest", str(source)])
    assert result.exit_code == 1, result.output
    assert "UTF-8 with invalid bytes (line 2, byte 51)" in result.output
    assert _count_articles() == 0

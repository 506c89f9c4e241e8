"""Settings load in layers and production refuses unsafe ones."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from factcheck.app import create_app
from factcheck.settings import ROOT, ConfigError

GOOD_SECRET = "k" * 8 + "0123456789abcdefghijklmnopqrstuvwxyz"


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    for key in list(os.environ):
        if key.startswith("FACTCHECK_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("FACTCHECK_INSTANCE_PATH", str(tmp_path / "instance"))


def test_defaults_come_from_config_default_toml(tmp_path):
    app = create_app()
    assert app.config["PAGE_SIZE"] == 50
    assert app.config["REVIEW_LEASE_HOURS"] == 48
    assert app.config["SQLALCHEMY_DATABASE_URI"] == (
        f"sqlite:///{tmp_path / 'instance' / 'factcheck.db'}"
    )


def test_development_secrets_are_generated_once_and_private(tmp_path):
    first = create_app()
    key_file = tmp_path / "instance" / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert (tmp_path / "instance" / "password_pepper").exists()
    second = create_app()
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) >= 32


def test_environment_overrides_files_and_parses_json(monkeypatch, tmp_path):
    extra = tmp_path / "site.toml"
    extra.write_text('PAGE_SIZE = 20\nORGANISATION_NAME = "From file"\n')
    monkeypatch.setenv("FACTCHECK_CONFIG", str(extra))
    monkeypatch.setenv("FACTCHECK_PAGE_SIZE", "7")
    monkeypatch.setenv("FACTCHECK_ALLOW_SELF_APPROVAL", "true")
    app = create_app()
    assert app.config["PAGE_SIZE"] == 7
    assert app.config["ALLOW_SELF_APPROVAL"] is True
    assert app.config["ORGANISATION_NAME"] == "From file"


def test_explicit_mapping_wins(monkeypatch):
    monkeypatch.setenv("FACTCHECK_PAGE_SIZE", "7")
    assert create_app({"PAGE_SIZE": 3}).config["PAGE_SIZE"] == 3


def test_database_url_setting(monkeypatch):
    monkeypatch.setenv("FACTCHECK_DATABASE_URL", "postgresql+psycopg://u@127.0.0.1:5432/x")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is True


def test_named_profile():
    app = create_app("testing")
    assert app.config["TESTING"] is True and app.config["ARGON2_MEMORY_COST"] == 8


def test_broken_settings_file_is_reported(monkeypatch, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("PAGE_SIZE = = 3")
    monkeypatch.setenv("FACTCHECK_CONFIG", str(bad))
    with pytest.raises(ConfigError, match="not valid TOML"):
        create_app()
    monkeypatch.setenv("FACTCHECK_CONFIG", str(tmp_path / "missing.toml"))
    with pytest.raises(ConfigError, match="not found"):
        create_app()


def test_unknown_keys_are_refused_with_the_closest_known_one(monkeypatch, tmp_path):
    with pytest.raises(ConfigError) as refused:
        create_app({"PAGE_SIZ": 3, "REVIEW_LEASE_HOURS": 1})
    message = str(refused.value)
    assert "PAGE_SIZ in the settings passed to create_app (did you mean PAGE_SIZE?)" in message
    assert "REVIEW_LEASE_HOURS" not in message  # known keys are not named

    site = tmp_path / "site.toml"
    site.write_text('ORGANISATION_NAM = "Desk"\nzzz_nothing_like_it = 1\n')
    monkeypatch.setenv("FACTCHECK_CONFIG", str(site))
    monkeypatch.setenv("FACTCHECK_LOGIN_MAX_FAILUERS", "3")
    with pytest.raises(ConfigError) as refused:
        create_app()
    message = str(refused.value)
    assert f"ORGANISATION_NAM in {site} (did you mean ORGANISATION_NAME?)" in message
    assert f"zzz_nothing_like_it in {site}" in message  # every unknown key is named,
    assert f"zzz_nothing_like_it in {site} (did" not in message  # a guess only when close
    guess = "(did you mean LOGIN_MAX_FAILURES?)"
    assert f"FACTCHECK_LOGIN_MAX_FAILUERS (environment) {guess}" in message


def test_settings_of_flask_and_its_extensions_are_known(monkeypatch, tmp_path):
    """Flask's and the extensions' own keys may be set; process variables are no settings."""
    monkeypatch.setenv("FACTCHECK_TEST_DATABASE_URL", "postgresql+psycopg://u@127.0.0.1/x")
    monkeypatch.setenv("FACTCHECK_SHARED_DIR", str(tmp_path))
    # Flask-Limiter keeps RATELIMIT_ENABLED on its one Limiter as the next app's default:
    # put it back, or rate-limit tests run after this one in the same process see no limit.
    from factcheck.extensions import limiter

    monkeypatch.setattr(limiter, "enabled", limiter.enabled)
    app = create_app(
        {
            "SERVER_NAME": "checks.example.org",
            "PREFERRED_URL_SCHEME": "https",
            "PROPAGATE_EXCEPTIONS": False,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "SQLALCHEMY_RECORD_QUERIES": True,
        }
    )
    assert app.config["SERVER_NAME"] == "checks.example.org"
    assert "TEST_DATABASE_URL" not in app.config and "SHARED_DIR" not in app.config


PRODUCTION = {
    "DEPLOYMENT": "production",
    "SECRET_KEY": GOOD_SECRET,
    "PASSWORD_PEPPER": GOOD_SECRET[::-1],
    "SESSION_COOKIE_SECURE": True,
    "DATABASE_URL": "postgresql+psycopg://u@127.0.0.1:5432/x",
    "PUBLIC_BASE_URL": "https://checks.example.org/",
}


def test_production_starts_with_proper_settings():
    app = create_app(PRODUCTION)
    assert app.config["DEPLOYMENT"] == "production"


@pytest.mark.parametrize(
    "change, message",
    [
        ({"SECRET_KEY": ""}, "FACTCHECK_SECRET_KEY"),
        ({"SECRET_KEY": "testing-secret-key-not-for-production"}, "FACTCHECK_SECRET_KEY"),
        ({"PASSWORD_PEPPER": "short"}, "FACTCHECK_PASSWORD_PEPPER"),
        ({"DEBUG": True}, "DEBUG must be off"),
        ({"SESSION_COOKIE_SECURE": False}, "SESSION_COOKIE_SECURE"),
        ({"DEPLOYMENT": "staging"}, "DEPLOYMENT must be"),
        # Ruling links would otherwise follow the request's Host header (issue 14, item 17).
        ({"PUBLIC_BASE_URL": ""}, "PUBLIC_BASE_URL"),
        ({"PUBLIC_BASE_URL": "checks.example.org"}, "PUBLIC_BASE_URL"),
    ],
)
def test_production_refuses_unsafe_settings(change, message):
    with pytest.raises(ConfigError, match=message):
        create_app({**PRODUCTION, **change})


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow  # seconds: runs under CI (tests/conftest.py RUN_SLOW)
def test_gunicorn_serves_wsgi_app(tmp_path):
    port = _free_port()
    env = {**os.environ, "FACTCHECK_DATABASE_URL": f"sqlite:///{tmp_path / 'g.db'}"}
    gunicorn = Path(sys.executable).parent / "gunicorn"
    proc = subprocess.Popen(
        [str(gunicorn), "--bind", f"127.0.0.1:{port}", "--workers", "1", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    assert r.status == 200 and b'"ok"' in r.read()
                    break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.2)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as r:
            assert r.status == 200 and b"Sign in" in r.read()
    finally:
        proc.terminate()
        proc.communicate(timeout=10)


def test_listeners_are_registered_by_create_app_not_by_import():
    """Importing the models registers no event listener; create_app does, once however
    many apps a process makes (issue 15, item 10)."""
    code = """
import sqlalchemy as sa, sqlalchemy.orm as so
import factcheck.models
from factcheck.audit.models import AuditEntry
from factcheck.audit.services import _refuse_update
from factcheck.notifications.services import _before_commit
from factcheck.review.counts import _drop_kept_counts
from factcheck.verdicts.models import VerdictRevision, _revision_append_only
hooks = [(AuditEntry, "before_update", _refuse_update),
         (VerdictRevision, "before_update", _revision_append_only),
         (so.Session, "before_commit", _before_commit),
         (so.Session, "after_commit", _drop_kept_counts)]
assert not any(sa.event.contains(*hook) for hook in hooks)
from factcheck.app import create_app
create_app(); create_app()
assert all(sa.event.contains(*hook) for hook in hooks)
guards = len(sa.orm.class_mapper(AuditEntry).dispatch.before_update)
create_app()
assert len(sa.orm.class_mapper(AuditEntry).dispatch.before_update) == guards
print("ok")
"""
    env = {**os.environ}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]

"""Load settings: config/default.toml, then FACTCHECK_CONFIG, then FACTCHECK_* variables."""

from __future__ import annotations

import os
import secrets
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = ROOT / "config"
TEMPLATE_DIR = ROOT / "templates"
DEV_SECRET_MARKERS = ("testing-", "dev-", "change-me")


class ConfigError(RuntimeError):
    """The settings are unusable; the message says which and how to fix it."""


def _load_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as exc:
        raise ConfigError(f"settings file not found: {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"settings file {path} is not valid TOML: {exc}") from exc


def _instance_secret(app: Flask, name: str) -> str:
    """Return a random secret kept in the instance folder, creating it on first use."""
    path = Path(app.instance_path) / name
    if path.exists():
        return path.read_text("utf-8").strip()
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(value + "\n")
    return value


def load_settings(app: Flask, override: Mapping[str, Any] | str | None = None) -> None:
    """Fill app.config from the layered settings and check they are usable."""
    app.config.update(_load_toml(CONFIG_DIR / "default.toml"))
    if extra := os.environ.get("FACTCHECK_CONFIG"):
        app.config.update(_load_toml(Path(extra)))
    app.config.from_prefixed_env("FACTCHECK")
    if isinstance(override, str):
        named = CONFIG_DIR / f"{override}.toml"
        app.config.update(_load_toml(named if named.exists() else Path(override)))
    elif override:
        app.config.update(override)
    _derive(app)
    _check(app)


def _derive(app: Flask) -> None:
    cfg = app.config
    production = cfg["DEPLOYMENT"] == "production"
    if not cfg.get("SECRET_KEY") and not production:
        cfg["SECRET_KEY"] = _instance_secret(app, "secret_key")
    if not cfg.get("PASSWORD_PEPPER") and not production:
        cfg["PASSWORD_PEPPER"] = _instance_secret(app, "password_pepper")
    url = cfg.get("DATABASE_URL") or ""
    if not url:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{Path(app.instance_path) / 'factcheck.db'}"
    cfg["SQLALCHEMY_DATABASE_URI"] = url
    cfg.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    if not url.startswith("sqlite"):
        cfg["SQLALCHEMY_ENGINE_OPTIONS"].setdefault("pool_pre_ping", True)


def _check(app: Flask) -> None:
    cfg = app.config
    if cfg["DEPLOYMENT"] not in ("development", "production"):
        raise ConfigError("DEPLOYMENT must be 'development' or 'production'")
    for key in ("TRUSTED_PROXIES", "SESSION_IDLE_TIMEOUT", "ONE_TIME_PASSWORD_HOURS"):
        value = cfg.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ConfigError(f"{key} must be a whole number of at least 0 (it is {value!r})")
    if cfg["DEPLOYMENT"] != "production":
        return
    problems = []
    for key in ("SECRET_KEY", "PASSWORD_PEPPER"):
        value = str(cfg.get(key) or "")
        if len(value) < 32 or value.startswith(DEV_SECRET_MARKERS):
            problems.append(f"set FACTCHECK_{key} to a random value of at least 32 characters")
    if cfg.get("DEBUG"):
        problems.append("DEBUG must be off")
    if not cfg.get("SESSION_COOKIE_SECURE"):
        problems.append("SESSION_COOKIE_SECURE must be true (serve over HTTPS)")
    if not str(cfg.get("PUBLIC_BASE_URL") or "").startswith(("https://", "http://")):
        problems.append(
            "set PUBLIC_BASE_URL to the address readers use (https://...): ruling links are "
            "built from it, never from the request's Host header"
        )
    if problems:
        raise ConfigError("refusing to start in production: " + "; ".join(problems))

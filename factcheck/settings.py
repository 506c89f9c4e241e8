"""Load settings: config/default.toml, then FACTCHECK_CONFIG, then FACTCHECK_* variables."""

from __future__ import annotations

import difflib
import os
import secrets
import tomllib
from collections.abc import Callable, Iterable, Mapping
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


# Settings read by the extensions the app initialises (besides Flask's own, which are
# Flask.default_config, and Flask-Limiter's, listed by flask_limiter.constants.ConfigVars).
# A key here may be set in any layer without appearing in config/default.toml.
EXTENSION_SETTINGS = frozenset(
    {
        # Flask-SQLAlchemy (SQLALCHEMY_DATABASE_URI is derived from DATABASE_URL)
        "SQLALCHEMY_DATABASE_URI",
        "SQLALCHEMY_ENGINE_OPTIONS",
        "SQLALCHEMY_ECHO",
        "SQLALCHEMY_BINDS",
        "SQLALCHEMY_RECORD_QUERIES",
        "SQLALCHEMY_TRACK_MODIFICATIONS",
        # Flask-WTF's CSRF protection
        "WTF_CSRF_ENABLED",
        "WTF_CSRF_CHECK_DEFAULT",
        "WTF_CSRF_SECRET_KEY",
        "WTF_CSRF_METHODS",
        "WTF_CSRF_FIELD_NAME",
        "WTF_CSRF_HEADERS",
        "WTF_CSRF_META_NAME",
        "WTF_CSRF_TIME_LIMIT",
        "WTF_CSRF_SSL_STRICT",
        # Flask-Login
        "LOGIN_DISABLED",
        "SESSION_PROTECTION",
        "USE_SESSION_FOR_NEXT",
        "FORCE_HOST_FOR_REDIRECTS",
        "REMEMBER_COOKIE_NAME",
        "REMEMBER_COOKIE_DURATION",
        "REMEMBER_COOKIE_DOMAIN",
        "REMEMBER_COOKIE_PATH",
        "REMEMBER_COOKIE_SECURE",
        "REMEMBER_COOKIE_HTTPONLY",
        "REMEMBER_COOKIE_SAMESITE",
    }
)

# FACTCHECK_* environment variables that are not settings: they choose the settings file
# and the instance folder, or steer the test suite (FACTCHECK_TEST_* included). They are
# neither loaded into app.config nor refused.
PROCESS_VARIABLES = frozenset(
    {"CONFIG", "INSTANCE_PATH", "SHARED_DIR", "SCREENSHOT_DIR", "FUZZ_EXAMPLES", "SLOW"}
)
ENV_PREFIX = "FACTCHECK"


def known_settings(defaults: Mapping[str, Any]) -> frozenset[str]:
    """Every key a settings layer may set: config/default.toml's (`defaults`), Flask's
    own, and those of the extensions the app initialises."""
    from flask_limiter.constants import ConfigVars

    limiter = {getattr(ConfigVars, n) for n in dir(ConfigVars) if n.isupper()}
    return frozenset(defaults) | frozenset(Flask.default_config) | EXTENSION_SETTINGS | limiter


def _is_process_variable(key: str) -> bool:
    return key in PROCESS_VARIABLES or key.startswith("TEST_")


def _environment_keys() -> dict[str, str]:
    """Setting key -> the variable that sets it, for each FACTCHECK_* setting variable."""
    found = {}
    for name in os.environ:
        if name.startswith(f"{ENV_PREFIX}_"):
            key = name.removeprefix(f"{ENV_PREFIX}_").split("__", 1)[0]  # __ nests a dict
            if not _is_process_variable(key):
                found[key] = name
    return found


def _unknown(keys: Iterable[str], known: frozenset[str], where: Callable[[str], str]) -> list[str]:
    problems = []
    for key in keys:
        if key in known:
            continue
        guess = difflib.get_close_matches(str(key).upper(), known, n=1, cutoff=0.6)
        hint = f" (did you mean {guess[0]}?)" if guess else ""
        problems.append(f"{where(key)}{hint}")
    return problems


def load_settings(app: Flask, override: Mapping[str, Any] | str | None = None) -> None:
    """Fill app.config from the layered settings and check they are usable.

    A key no layer may set (a typo, a setting that was renamed) stops the app with a
    ConfigError naming every such key and where it came from, with the closest known key.
    """
    defaults = _load_toml(CONFIG_DIR / "default.toml")
    known = known_settings(defaults)
    layers: list[tuple[str, Mapping[str, Any]]] = []
    if extra := os.environ.get(f"{ENV_PREFIX}_CONFIG"):
        layers.append((extra, _load_toml(Path(extra))))
    environment = _environment_keys()
    if isinstance(override, str):
        named = CONFIG_DIR / f"{override}.toml"
        path = named if named.exists() else Path(override)
        override_layer: tuple[str, Mapping[str, Any]] | None = (str(path), _load_toml(path))
    elif override:
        override_layer = ("the settings passed to create_app", override)
    else:
        override_layer = None

    problems = []
    for source, values in [*layers, *([override_layer] if override_layer else [])]:
        problems += _unknown(values, known, lambda k, source=source: f"{k} in {source}")
    problems += _unknown(environment, known, lambda k: f"{environment[k]} (environment)")
    if problems:
        raise ConfigError("unknown settings: " + "; ".join(problems))

    app.config.update(defaults)
    for _, values in layers:
        app.config.update(values)
    app.config.from_prefixed_env(ENV_PREFIX)
    for key in list(app.config):
        if _is_process_variable(key):
            del app.config[key]
    if override_layer:
        app.config.update(override_layer[1])
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

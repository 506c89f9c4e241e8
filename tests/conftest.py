"""Fixtures: an app per test on SQLite and (when asked for) PostgreSQL, clients, users of
each role, and a signed-in client.

Database tests run once per backend. PostgreSQL is used only when FACTCHECK_TEST_DATABASE_URL
names a database on a server where the suite may create databases (for instance
postgresql+psycopg://postgres@127.0.0.1:5432/postgres): throwaway databases are created
there for the run and dropped after it. A server merely answering on 5432 is not enough,
so a local run stays on SQLite unless asked. Under CI=true a missing
FACTCHECK_TEST_DATABASE_URL is an error, not a skip.
"""

from __future__ import annotations

import os
import re
import socket
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

import factcheck.models  # noqa: F401  (the whole schema)
from factcheck.app import create_app
from factcheck.auth.config import password_policy, passwords
from factcheck.auth.roles import Role
from factcheck.auth.services import create_user
from factcheck.classifier import DEFAULT_MODEL_DIR, TransformerClassifier
from factcheck.classifier.loader import set_classifier
from factcheck.db import Base
from factcheck.extensions import db
from factcheck.verdicts.ratings import built_in_scale
from tests.fakes import KeywordClassifier
from tests.isolation import rolled_back, wants_real_commits, wiped_after

STRONG_PASSWORD = "correct horse battery staple 42"

# Under pytest-xdist each worker gets its share of the cores for torch (read when torch is
# first imported): two workers each spinning two threads on two cores made a model test
# take 91 s instead of 10.
_WORKERS = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT") or 1)
if _WORKERS > 1:
    os.environ.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // _WORKERS)))


def server_answers(port: int) -> bool:
    """Whether a server listens on 127.0.0.1:port (PostgreSQL 5432, Redis 6379)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def _pg_server_url() -> str | None:
    """The PostgreSQL server the suite may create databases on, when one is named."""
    return os.environ.get("FACTCHECK_TEST_DATABASE_URL") or None


# PostgreSQL is opt-in: without FACTCHECK_TEST_DATABASE_URL the database tests run on
# SQLite alone (not listed 500 times as skipped); under CI=true it is always in, and a
# missing URL is an error there (see _pg_server_url's use below).
BACKENDS = (
    ["sqlite", "postgresql"]
    if _pg_server_url() is not None or os.environ.get("CI") == "true"
    else ["sqlite"]
)


# The folder a test file sits in (tests/unit, tests/integration, tests/e2e) is its default
# marker; a test's own fixtures decide between unit and integration, so a database test in
# unit/ is still marked integration (and the reverse). What makes a test e2e (a browser, a
# live server, a separate process) shows in no fixture, so the e2e folder decides that; e2e
# tests also get real_commits, as what they commit is read by another process or thread.
FOLDERS = ("unit", "integration", "e2e")
DATABASE_FIXTURES = frozenset({"database_url", "empty_database"})


# Tests marked slow (a 100k-row fixture, a real worker process) run under CI=true or
# FACTCHECK_SLOW=1, and are skipped (listed as such) in a plain local run, which stays fast.
RUN_SLOW = os.environ.get("CI") == "true" or os.environ.get("FACTCHECK_SLOW") == "1"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test unit, integration (it uses a database) or e2e (tests/e2e)."""
    skip_slow = pytest.mark.skip(reason="slow: runs under CI=true or FACTCHECK_SLOW=1")
    for item in items:
        if not RUN_SLOW and item.get_closest_marker("slow") is not None:
            item.add_marker(skip_slow)
        folder = item.path.parent.name
        if folder not in FOLDERS:
            raise pytest.UsageError(f"{item.path}: test files go in tests/{{{','.join(FOLDERS)}}}")
        if folder == "e2e":
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.real_commits)  # other processes and servers read them
        elif DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.integration)
        else:
            item.add_marker(pytest.mark.unit)


class PostgresDatabases:
    """Creates throwaway databases on the test server and drops them at the end."""

    def __init__(self, server_url: str) -> None:
        self.server = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
        self.created: list[str] = []

    def create(self) -> str:
        name = f"factcheck_test_{uuid.uuid4().hex[:10]}"
        with self.server.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        return self.server.url.set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        with self.server.connect() as conn:
            for name in self.created:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.server.dispose()


@pytest.fixture(scope="session")
def pg_databases() -> Iterator[PostgresDatabases | None]:
    server_url = _pg_server_url()
    if server_url is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but FACTCHECK_TEST_DATABASE_URL is not set", pytrace=False)
        yield None
        return
    dbs = PostgresDatabases(server_url)
    yield dbs
    dbs.drop_all()


@pytest.fixture(scope="session")
def empty_database(
    tmp_path_factory: pytest.TempPathFactory, pg_databases: PostgresDatabases | None
) -> Callable[[str], str]:
    """Return a factory of URLs of new, empty databases of the given backend."""

    def make(backend: str) -> str:
        if backend == "sqlite":
            path = tmp_path_factory.mktemp("db") / "factcheck.db"
            return f"sqlite:///{path}"
        if pg_databases is None:
            pytest.skip("no PostgreSQL")
        return pg_databases.create()

    return make


@pytest.fixture(scope="session", params=BACKENDS)
def backend_name(request: pytest.FixtureRequest) -> str:
    """The database backend a test runs on: "sqlite" or "postgresql"."""
    return request.param


@pytest.fixture(scope="session")
def database_url(backend_name: str, empty_database) -> str:
    """A database of one backend with the models' schema, shared by the session."""
    url = empty_database(backend_name)
    engine = sa.create_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()
    return url


class IsolatedClient(FlaskClient):
    """A test client whose every request runs in its own app context, as in production.

    The `app` fixture keeps an app context open for the test body; without this, requests
    would share its `g` (Flask-Login's cached user, Flask-WTF's CSRF token) and its
    database session. After each request the test's own session is expired, so it reads
    what the request committed.
    """

    def open(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        db.session.expire_all()
        return response


def make_app(database_url: str, **overrides: object) -> Flask:
    """Create an app on the testing profile, pointed at database_url."""
    from factcheck.settings import CONFIG_DIR, _load_toml

    config = _load_toml(CONFIG_DIR / "testing.toml")
    config.update(DATABASE_URL=database_url, **overrides)
    app = create_app(config)
    app.test_client_class = IsolatedClient
    return app


@pytest.fixture
def app_overrides() -> dict[str, object]:
    """Settings a test wants changed; override this fixture or mutate it before `app`."""
    return {}


@pytest.fixture
def fake_classifier() -> KeywordClassifier:
    return KeywordClassifier()


@pytest.fixture
def app(
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    database_url: str,
    app_overrides: dict[str, object],
    fake_classifier: KeywordClassifier,
) -> Iterator[Flask]:
    """An app on one backend, scoring with a fast fake (tests of the real model ask for it).

    Its writes are rolled back after the test, or wiped for a test marked real_commits
    (tests/isolation.py)."""
    app = make_app(database_url, **app_overrides)
    set_classifier(app, fake_classifier)
    with app.app_context():
        undo = wiped_after(app) if wants_real_commits(request) else rolled_back(app, monkeypatch)
        with undo:
            # What the initial migration seeds (create_all seeds nothing): the default
            # rating scale, without an audit entry. No request creates it.
            db.session.add(built_in_scale())
            db.session.commit()
            yield app


@pytest.fixture(scope="session")
def real() -> TransformerClassifier:
    """The shipped model, loaded once per test process (tests only read from it)."""
    classifier = TransformerClassifier(DEFAULT_MODEL_DIR)
    classifier.load()
    return classifier


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


@dataclass(frozen=True)
class Account:
    id: int
    email: str
    password: str
    roles: tuple[str, ...]


@pytest.fixture
def make_user(app: Flask) -> Callable[..., Account]:
    """Create (and commit) a user; returns its id, email and password."""
    counter = iter(range(1, 10_000))

    def make(
        *roles: Role,
        email: str | None = None,
        password: str = STRONG_PASSWORD,
        name: str | None = None,
        active: bool = True,
    ) -> Account:
        roles = roles or (Role.VIEWER,)
        n = next(counter)
        email = email or f"{roles[0].value.replace('-', '')}{n}@example.com"
        user, _ = create_user(
            db.session,
            email=email,
            display_name=name or f"{roles[0].label} {n}",
            password=password,
            roles=roles,
            passwords=passwords(),
            policy=password_policy(),
            actor=None,
        )
        user.is_active = active
        db.session.commit()
        return Account(user.id, user.email, password, tuple(r.value for r in roles))

    return make


CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    """Fetch a page and return the CSRF token it carries, as a browser form would."""
    response = client.get(path, follow_redirects=True)
    match = CSRF_META.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {path} (status {response.status_code})"
    return match.group(1)


def post_form(
    client: FlaskClient,
    path: str,
    data: dict | None = None,
    *,
    token_from: str | None = None,
    **kwargs,
):
    """POST a form with a valid CSRF token taken from a page of the same session."""
    data = dict(data or {})
    data["csrf_token"] = csrf_token(client, token_from or "/login")
    return client.post(path, data=data, **kwargs)


def login(client: FlaskClient, account: Account):
    """Sign the client in; asserts it worked."""
    response = post_form(client, "/login", {"email": account.email, "password": account.password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


@pytest.fixture
def login_as(app: Flask, make_user) -> Callable[..., FlaskClient]:
    """Return a new client signed in as a fresh user holding the given roles."""

    def sign_in(*roles: Role) -> FlaskClient:
        account = make_user(*roles)
        c = app.test_client()
        login(c, account)
        c.account = account  # type: ignore[attr-defined]
        return c

    return sign_in

"""The claim counts in the navigation and on the dashboard: kept for STATUS_COUNTS_TTL
seconds per worker, dropped at once when this worker commits a claim change."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from factcheck.auth.roles import Role
from factcheck.claims.models import Claim
from factcheck.extensions import db
from factcheck.review import counts
from tests.workflow import add_claim

# Other workers' changes are made through a connection of their own.
pytestmark = pytest.mark.real_commits


def _queue_badge(client) -> str:  # noqa: ANN001
    html = client.get("/").get_data(as_text=True)
    start = html.index('>Queue <span class="count">') + len('>Queue <span class="count">')
    return html[start : html.index("<", start)]


def _elsewhere(app, sql: str) -> None:  # noqa: ANN001
    """A change made by another worker: straight to the database, not through this
    process's sessions."""
    with db.engine.begin() as connection:
        connection.exec_driver_sql(sql)


def test_own_changes_show_at_once_and_others_within_the_ttl(app, login_as, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(counts.time, "monotonic", lambda: clock[0])
    client = login_as(Role.VIEWER)
    add_claim()
    db.session.commit()
    assert _queue_badge(client) == "1"
    add_claim()
    db.session.commit()  # a claim change committed in this process: counted again at once
    assert _queue_badge(client) == "2"

    _elsewhere(app, "UPDATE claims SET status = 'dismissed', dismiss_reason = 'not_a_claim'")
    assert _queue_badge(client) == "2"  # another worker's change: kept counts, still fresh
    clock[0] += app.config["STATUS_COUNTS_TTL"] + 0.1
    assert _queue_badge(client) == "0"
    home = client.get("/").get_data(as_text=True)
    assert "<strong>2</strong> dismissed" in home


def test_a_rolled_back_change_keeps_the_counts(app, login_as, monkeypatch):
    monkeypatch.setattr(counts.time, "monotonic", lambda: 5000.0)
    client = login_as(Role.VIEWER)
    add_claim()
    db.session.commit()
    assert _queue_badge(client) == "1"
    add_claim()
    db.session.rollback()
    _elsewhere(app, "DELETE FROM claims")
    assert _queue_badge(client) == "1"  # nothing committed here: nothing to recount


@pytest.mark.parametrize("app_overrides", [{"STATUS_COUNTS_TTL": 0}])
def test_a_zero_ttl_counts_on_every_page(app, login_as):
    client = login_as(Role.VIEWER)
    add_claim()
    db.session.commit()
    assert _queue_badge(client) == "1"
    _elsewhere(app, "DELETE FROM claims")
    assert _queue_badge(client) == "0"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Claim)) == 0

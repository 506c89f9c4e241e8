"""Paging links carry only the filter form's own fields (issue 14, item 12): url_for's
own keywords (`_method`, `_scheme`, `_external`) and unknown keys in the query string
never reach it."""

from __future__ import annotations

import re

import pytest

from factcheck.auth.roles import Role
from factcheck.extensions import db
from tests.workflow import add_claim

HOSTILE = "_method=POST&_scheme=javascript&_external=1&_anchor=x&junk=1"


@pytest.fixture
def app_overrides() -> dict[str, object]:
    return {"PAGE_SIZE": 1}


def _links(page: str) -> list[str]:
    return re.findall(r'href="([^"]*(?:after|before)=[^"]*)"', page)


def test_queue_pages_ignore_url_for_keywords_and_unknown_keys(app, login_as):
    for _ in range(3):
        add_claim()
    db.session.commit()
    client = login_as(Role.FACT_CHECKER)
    response = client.get(f"/claims/?status=open&q=Unemployment&{HOSTILE}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    (next_link,) = _links(page)
    assert next_link.startswith("/claims/?")
    assert "status=open" in next_link and "q=Unemployment" in next_link
    for key in ("_method", "_scheme", "_external", "_anchor", "junk", "javascript"):
        assert key not in next_link
    second = client.get(next_link.replace("&amp;", "&"))
    assert second.status_code == 200
    assert all(
        key not in link
        for link in _links(second.get_data(as_text=True))
        for key in ("_method", "junk")
    )


def test_audit_pages_ignore_url_for_keywords_and_unknown_keys(app, login_as):
    client = login_as(Role.ADMIN)
    for _ in range(3):
        add_claim()
    db.session.commit()
    client.get("/claims/")  # some audited activity is there already (sign-in)
    response = client.get(f"/admin/audit?{HOSTILE}")
    assert response.status_code == 200
    links = _links(response.get_data(as_text=True))
    assert links, "more audit entries than one page"
    for link in links:
        assert link.startswith("/admin/audit?")
        assert "_method" not in link and "_scheme" not in link and "junk" not in link

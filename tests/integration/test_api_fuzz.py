"""Fuzzing the JSON API, in-process, FACTCHECK_FUZZ_EXAMPLES requests per operation (20
unless set, 150 in CI: tests/fuzzing.py).

- schemathesis against the API's own OpenAPI document: no server errors, responses as
  documented, schema-invalid data refused.
- Raw requests the schema cannot describe: bodies that are not JSON, JSON with duplicate
  keys, control characters and huge strings, wrong content types, repeated and unknown
  query parameters. Every answer is the API's JSON error shape (never HTML, never a stack
  trace), and a refused request commits no write but the audit log's and the token's
  last-use stamp (tests/writes.py).
"""

from __future__ import annotations

import json
import re

import pytest
import schemathesis
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st
from schemathesis.specs.openapi.checks import positive_data_acceptance

from factcheck.auth.roles import Role
from factcheck.auth.tokens import create_token
from factcheck.claims.models import Claim
from factcheck.db import utcnow
from factcheck.extensions import db
from factcheck.jobs.models import Job
from tests.fuzzing import FUZZ
from tests.workflow import add_claim, publish, user
from tests.writes import CommittedWrites, Write, unexpected_writes

UNLIMITED = {"API_RATE_LIMIT": "100000 per minute", "API_SCORE_RATE_LIMIT": "100000 per minute"}


@pytest.fixture
def bearer(app, make_user):
    """An editor's token (every API role), with a published ruling and a job to find."""
    editor = user(make_user(Role.EDITOR))
    checker = user(make_user(Role.FACT_CHECKER))
    publish(add_claim(), checker, editor)
    db.session.add(Job(kind="ingest", payload={}, status="failed", error="Test failure."))
    _, secret = create_token(db.session, user=editor, name="fuzz", now=utcnow())
    db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


@pytest.mark.parametrize("app_overrides", [UNLIMITED])
def test_api_conforms_to_its_openapi_document(app, bearer):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    labels = {op.label for op in operations}
    assert {
        "POST /api/v1/articles",
        "GET /api/v1/claims",
        "GET /api/v1/claims/{claim_id}",
        "GET /api/v1/jobs/{job_id}",
        "GET /api/v1/rulings",
        "GET /api/v1/rulings/{claim_id}",
        "POST /api/v1/score",
    } <= labels

    for operation in operations:

        @given(case=operation.as_strategy())
        @FUZZ
        def check(case) -> None:  # noqa: ANN001
            # positive_data_acceptance is left out: a schema-valid request can still be
            # refused by rules OpenAPI cannot state (a score range whose low end is above
            # its high end, a page that does not answer, a duplicate article), with a
            # documented 409/422. Everything else runs: no server errors, documented status
            # codes and content types, responses matching their schemas, and invalid
            # data (wrong types, unknown fields) rejected.
            case.call_and_validate(headers=bearer, excluded_checks=[positive_data_acceptance])

        check()


# --- Raw requests -----------------------------------------------------------------------

_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=80)
_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    _text,
    st.builds(
        lambda c, n: c * n, st.sampled_from(["a", "é", "\x01", "\u202e"]), st.integers(1, 300_000)
    ),
)
_json = st.recursive(
    _scalar,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_text, inner, max_size=4),
    max_leaves=12,
)
_FIELDS = ["text", "url", "title", "outlet", "author", "published_on", "language", "sentences"]


def _duplicate_keys(pairs: list[tuple[str, object]]) -> bytes:
    """A JSON object text with repeated keys (json.dumps cannot write one)."""
    return ("{" + ",".join(f"{json.dumps(k)}:{json.dumps(v)}" for k, v in pairs) + "}").encode()


_body = st.one_of(
    st.binary(max_size=2048),
    _json.map(lambda v: json.dumps(v).encode()),
    st.dictionaries(st.sampled_from(_FIELDS) | _text, _json, max_size=6).map(
        lambda d: json.dumps(d).encode()
    ),
    st.lists(st.tuples(st.sampled_from(_FIELDS), _json), min_size=2, max_size=5).map(
        _duplicate_keys
    ),
    st.sampled_from([b"{", b"[]", b"null", b'{"text": "a"', b'{"text": NaN}', b"\xef\xbb\xbf{}"]),
)
_content_type = st.sampled_from(
    [
        "application/json",
        "application/json; charset=latin-1",
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "",
    ]
)
_query = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "status",
                "rating",
                "since",
                "until",
                "outlet",
                "claimant",
                "page",
                "per_page",
                "q",
                "min_score",
                "max_score",
                "fact_checker",
                "editor",
                "format",
                "nonsense",
            ]
        ),  # fmt: skip
        st.one_of(_text, st.sampled_from(["-1", "0", "1e309", "2026-02-30", "9" * 30, "NaN"])),
    ),
    max_size=6,
)


# Every authenticated request stamps its token's last use: the one column that changes.
def _token_stamp(write: Write) -> bool:
    """The token's last-use stamp, which any request with a valid token may write."""
    return re.fullmatch(r"UPDATE api_tokens SET last_used_at=\S+ WHERE .*", write.sql) is not None


def _check_error_shape(response) -> None:  # noqa: ANN001
    assert response.status_code < 500, (response.status_code, response.get_data()[:300])
    assert response.mimetype == "application/json", response.mimetype
    if response.status_code >= 400:
        error = response.get_json()["error"]
        assert error["status"] == response.status_code and error["message"]
        assert "Traceback" not in json.dumps(error)


ROUTES = [
    ("POST", "/api/v1/articles"),
    ("POST", "/api/v1/score"),
    ("GET", "/api/v1/claims"),
    ("GET", "/api/v1/rulings"),
    ("GET", "/api/v1/claims/{claim}"),
    ("GET", "/api/v1/rulings/{claim}"),
    ("GET", "/api/v1/jobs/{job}"),
]


@pytest.mark.parametrize("app_overrides", [UNLIMITED])
@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r[0]} {r[1]}")
def test_raw_api_requests_get_json_errors_and_save_nothing(app, bearer, route):
    method, path = route
    claim_id = db.session.scalar(sa.select(sa.func.max(Claim.id)))
    url = path.format(claim=claim_id, job=db.session.scalar(sa.select(sa.func.max(Job.id))))
    client = app.test_client()

    @given(body=_body, content_type=_content_type, query=_query)
    @FUZZ
    def check(body: bytes, content_type: str, query: list) -> None:
        mark = len(writes.committed)
        if method == "GET":
            response = client.get(url, query_string=query, headers=bearer)
        else:
            response = client.post(
                url, data=body, query_string=query, headers={**bearer, "Content-Type": content_type}
            )
        _check_error_shape(response)
        if method == "GET" or response.status_code >= 400:
            wrote = unexpected_writes(writes.since(mark), allowed=_token_stamp)
            assert wrote == [], f"{response.status_code}, yet it wrote {wrote}"

    with CommittedWrites(db.engine) as writes:
        check()

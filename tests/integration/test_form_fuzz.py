"""Hypothesis against every web form: random unicode, control characters, huge strings,
wrong types, missing and repeated fields, stray fields and random uploads.

Each route in FORMS is posted (or, for filter forms, queried) FACTCHECK_FUZZ_EXAMPLES
times (20 unless set, 150 in CI: tests/fuzzing.py) by a signed-in user who may use it,
with a valid CSRF token so the request reaches the form and the service behind it (CSRF
refusal has its own tests).
Every answer must be a page, not a 500 or a stack trace. When the answer is a refusal (a
4xx, a form shown again with errors, or a redirect that flashes an error), the request
must commit no INSERT, UPDATE or DELETE but a new audit entry and the refused sign-in
counters (tests/writes.py counts what each transaction commits; a write rolled back is not
one): no partial rows, no half-made change. Filter forms (GET) never change anything.

The routes come from the app's URL map: a form route missing from FORMS fails
test_every_form_route_is_fuzzed.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart
from wtforms import FieldList, FileField, FormField

from factcheck.admin.forms import ActionForm as AdminActionForm
from factcheck.admin.forms import AuditFilterForm, RatingForm, UserCreateForm, UserEditForm
from factcheck.auth.forms import ChangePasswordForm, LoginForm, LogoutForm, TokenForm
from factcheck.auth.roles import Role
from factcheck.auth.tokens import create_token
from factcheck.dashboard.forms import DateRangeForm
from factcheck.db import utcnow
from factcheck.editorial.forms import (
    CorrectionDecisionForm,
    DecisionForm,
    PublishForm,
    RetractForm,
)
from factcheck.export.forms import ExportForm
from factcheck.extensions import db
from factcheck.feeds.forms import ButtonForm, FeedEditForm, FeedForm
from factcheck.forms import ActionForm
from factcheck.matching.forms import MatchDecisionForm
from factcheck.notifications.services import notify
from factcheck.review import decisions, leases
from factcheck.review.forms import (
    AssignForm,
    BulkForm,
    DismissForm,
    MergeForm,
    QueueFilterForm,
)
from factcheck.sources.forms import BulkIngestForm, IngestForm, PromoteForm
from factcheck.tasks.forms import JobFilterForm
from factcheck.verdicts import services as verdicts
from factcheck.verdicts.forms import CorrectionForm, VerdictForm
from tests.conftest import csrf_token, login
from tests.fuzzing import FUZZ
from tests.workflow import add_claim, publish, user, verdict
from tests.writes import CommittedWrites, unexpected_writes

ED, AD, ANON = "editor", "admin", "anonymous"


@dataclass(frozen=True)
class Row:
    """Who uses the form, which form it is, and which objects fill the URL."""

    who: str
    form: type
    claim: str = "open"


# The form behind each state-changing route and each filter page. An editor can do
# everything a fact-checker can, so one editor exercises both; admin forms need an admin.
FORMS: dict[tuple[str, str], Row] = {
    ("POST", "/login"): Row(ANON, LoginForm),
    ("POST", "/logout"): Row(ED, LogoutForm),
    ("POST", "/account/password"): Row(ED, ChangePasswordForm),
    ("POST", "/account/tokens"): Row(ED, TokenForm),
    ("POST", "/account/tokens/<int:token_id>/revoke"): Row(ED, LogoutForm),
    ("POST", "/notifications/read"): Row(ED, ActionForm),
    ("POST", "/notifications/<int:notification_id>/read"): Row(ED, ActionForm),
    ("POST", "/articles/ingest"): Row(ED, IngestForm),
    ("POST", "/articles/bulk"): Row(ED, BulkIngestForm),
    ("POST", "/jobs/<int:job_id>/retry"): Row(AD, ActionForm),
    ("POST", "/jobs/<int:job_id>/cancel"): Row(AD, ActionForm),
    ("POST", "/claims/next"): Row(ED, ActionForm),
    ("POST", "/claims/<int:claim_id>/take"): Row(ED, ActionForm),
    ("POST", "/claims/<int:claim_id>/release"): Row(ED, ActionForm, claim="held"),
    ("POST", "/claims/<int:claim_id>/dismiss"): Row(ED, DismissForm),
    ("POST", "/claims/<int:claim_id>/merge"): Row(ED, MergeForm),
    ("POST", "/claims/bulk"): Row(ED, BulkForm),
    ("POST", "/claims/<int:claim_id>/matches"): Row(ED, MatchDecisionForm),
    ("POST", "/claims/promote/<int:sentence_id>"): Row(ED, PromoteForm),
    ("POST", "/claims/<int:claim_id>/verdict"): Row(ED, VerdictForm, claim="held"),
    ("POST", "/claims/<int:claim_id>/assign"): Row(ED, AssignForm),
    ("POST", "/claims/<int:claim_id>/reopen"): Row(ED, ActionForm, claim="dismissed"),
    ("POST", "/claims/<int:claim_id>/review"): Row(ED, DecisionForm, claim="submitted"),
    ("POST", "/claims/<int:claim_id>/publish"): Row(ED, PublishForm, claim="approved"),
    ("POST", "/claims/<int:claim_id>/correct"): Row(ED, CorrectionForm, claim="published"),
    ("POST", "/claims/<int:claim_id>/correction"): Row(
        ED, CorrectionDecisionForm, claim="published"
    ),
    ("POST", "/claims/<int:claim_id>/retract"): Row(ED, RetractForm, claim="published"),
    ("POST", "/admin/users/new"): Row(AD, UserCreateForm),
    ("POST", "/admin/users/<int:user_id>"): Row(AD, UserEditForm),
    ("POST", "/admin/users/<int:user_id>/activate"): Row(AD, AdminActionForm),
    ("POST", "/admin/users/<int:user_id>/deactivate"): Row(AD, AdminActionForm),
    ("POST", "/admin/users/<int:user_id>/reset-password"): Row(AD, AdminActionForm),
    ("POST", "/admin/scales"): Row(AD, RatingForm),
    ("POST", "/admin/ratings/<int:rating_id>/<any(activate, deactivate):change>"): Row(
        AD, AdminActionForm
    ),
    # Filter forms read from the query string.
    ("GET", "/claims/"): Row(ED, QueueFilterForm),
    ("GET", "/export/"): Row(ED, ExportForm),
    ("GET", "/export/rulings.csv"): Row(ED, ExportForm),
    ("GET", "/export/claimreview.jsonl"): Row(ED, ExportForm),
    ("GET", "/export/prepare"): Row(ED, ExportForm),
    ("POST", "/export/prepare"): Row(ED, ExportForm),
    ("POST", "/admin/rescore"): Row(AD, ActionForm),
    ("POST", "/admin/feeds"): Row(AD, FeedForm),
    ("POST", "/admin/feeds/<int:feed_id>"): Row(AD, FeedEditForm),
    ("POST", "/admin/feeds/<int:feed_id>/delete"): Row(AD, ButtonForm),
    ("POST", "/admin/feeds/<int:feed_id>/poll"): Row(AD, ButtonForm),
    ("GET", "/dashboard/"): Row(ED, DateRangeForm),
    ("GET", "/dashboard/work.csv"): Row(ED, DateRangeForm),
    ("GET", "/admin/audit"): Row(AD, AuditFilterForm),
    ("GET", "/jobs"): Row(ED, JobFilterForm),
}


def test_every_form_route_is_fuzzed(app):
    posts = {
        ("POST", rule.rule)
        for rule in app.url_map.iter_rules()
        if "POST" in rule.methods and not rule.rule.startswith("/api/")
    }
    assert sorted(posts - set(FORMS)) == [], "add these form routes to FORMS"
    routes = {(m, r.rule) for r in app.url_map.iter_rules() for m in r.methods}
    assert sorted(set(FORMS) - routes) == [], "these rows name routes that do not exist"


# --- What a hostile or careless client sends ------------------------------------------

_any_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=120)
_controls = st.text(
    st.one_of(st.characters(max_codepoint=0x1F), st.sampled_from("\x00\x7f\x85\u2028\u202e\ufeff")),
    min_size=1,
    max_size=40,
)
_huge = st.builds(
    lambda chunk, n: chunk * n,
    st.sampled_from(["a", "é", "😀", " ", "\x00", "Crime rose 20%. "]),
    st.integers(3_000, 50_000),
)
_wrong_types = st.sampled_from(
    [
        "-1", "0", "1e309", "NaN", "-inf", "9" * 40, "0x10", "1,5", "", " ",
        "2026-02-30", "0000-00-00", "9999-99-99", "24/11/2026", "true", "null",
        "[]", "{}", "' OR 1=1 --", "<script>alert(1)</script>", "javascript:alert(1)",
        "../../etc/passwd", "%00", "１２３", "http://127.0.0.1/", "data:text/html,x",
    ]
)  # fmt: skip
_value = st.one_of(_any_text, _controls, _wrong_types, st.integers().map(str), _huge)
# A field sent once, or repeated with different values.
_field = st.one_of(_value, st.lists(_value, min_size=2, max_size=3))
_upload = st.tuples(
    st.binary(max_size=4096),
    st.sampled_from(["a.txt", "a.pdf", "a.docx", "a.html", "a.exe", "", "../../x.txt", "é.md"]),
)


def _field_names(app, form_class: type) -> tuple[list[str], list[str]]:
    """The names a browser would post for the form (nested lists flattened), and its
    file fields."""
    names: list[str] = []
    files: list[str] = []

    def walk(fields) -> None:  # noqa: ANN001
        for field in fields:
            if isinstance(field, FieldList | FormField):
                walk(field)
            elif isinstance(field, FileField):
                files.append(field.name)
            elif field.name != "csrf_token":
                names.append(field.name)

    with app.test_request_context():
        walk(form_class(meta={"csrf": False}))
    if form_class in (VerdictForm, CorrectionForm):
        names += ["evidence-1-url", "evidence-50-url", "evidence-999999-title"]
    return names, files


def _submission(names: list[str], files: list[str]) -> st.SearchStrategy[dict]:
    optional: dict[str, st.SearchStrategy] = {name: _field for name in names}
    optional.update({name: _upload for name in files})
    return st.fixed_dictionaries(
        {},
        optional={**optional, "unexpected_field": _field, "évil\x00": _value},
    )


_FLASH_ERROR = re.compile(r'class="flash flash-(error|warning)"')


def _refused(method: str, response, client) -> bool:  # noqa: ANN001
    if response.status_code >= 400:
        return True
    if response.status_code == 302:
        with client.session_transaction() as session:
            return any(cat in ("error", "warning") for cat, _ in session.get("_flashes", []))
    body = response.get_data(as_text=True)
    shown_again = 'class="error"' in body or 'class="form-errors"' in body
    return method == "POST" and (shown_again or bool(_FLASH_ERROR.search(body)))


# --- The objects the URLs name --------------------------------------------------------


@pytest.fixture
def world(app, make_user):
    """A claim in every state the forms act on, and the people and things URLs name."""
    editor = make_user(Role.EDITOR)
    admin = make_user(Role.ADMIN)
    checker = user(make_user(Role.FACT_CHECKER))
    other_editor = user(make_user(Role.EDITOR))
    target = make_user(Role.VIEWER)
    me = user(editor)
    now = utcnow()

    claims = {"open": add_claim(), "other": add_claim()}
    held = claims["held"] = add_claim()
    leases.take(db.session, held, actor=me, now=now, lease_hours=48)
    verdicts.save_revision(db.session, held, verdict(), actor=me, base_revision_id=None, now=now)

    submitted = claims["submitted"] = add_claim()
    leases.take(db.session, submitted, actor=checker, now=now, lease_hours=48)
    rev, _ = verdicts.save_revision(
        db.session, submitted, verdict(), actor=checker, base_revision_id=None, now=now
    )
    verdicts.submit(db.session, submitted, actor=checker, revision_id=rev.id, now=now)

    from factcheck.editorial import approval

    approved = claims["approved"] = add_claim()
    leases.take(db.session, approved, actor=checker, now=now, lease_hours=48)
    rev, _ = verdicts.save_revision(
        db.session, approved, verdict(), actor=checker, base_revision_id=None, now=now
    )
    verdicts.submit(db.session, approved, actor=checker, revision_id=rev.id, now=now)
    approval.approve(db.session, approved, revision_id=rev.id, actor=other_editor, now=now)

    publish(claims.setdefault("published", add_claim()), checker, other_editor)
    dismissed = claims["dismissed"] = add_claim()
    decisions.dismiss(
        db.session, dismissed, actor=checker, reason="not_a_claim", note=None, now=now
    )

    token, _ = create_token(db.session, user=me, name="fuzz", now=now)
    note = notify(db.session, user=me, kind="assignment", message="Hi", claim=claims["open"])
    from factcheck.jobs.services import enqueue

    job = enqueue(db.session, "fuzz", {}, actor_id=me.id)
    from factcheck.feeds.services import FeedSettings, add_feed

    # A feed on a private address: a poll is refused at once, with no network.
    feed = add_feed(
        db.session,
        url="http://127.0.0.1:9/feed.xml",
        outlet="Feed Wire",
        actor=None,
        settings=FeedSettings(),
        now=now,
    )
    db.session.commit()

    from factcheck.claims.models import Sentence
    from factcheck.verdicts.models import Rating

    ids = {
        "token_id": token.id,
        "notification_id": note.id,
        "user_id": target.id,
        "rating_id": db.session.scalars(sa.select(Rating.id)).first(),
        "sentence_id": db.session.scalars(sa.select(Sentence.id)).first() or 1,
        "job_id": job.id,
        "feed_id": feed.id,
    }
    return {ED: editor, AD: admin}, {k: c.id for k, c in claims.items()}, ids


def _url(rule: str, claim_id: int, ids: dict) -> str:
    url = rule.replace("<int:claim_id>", str(claim_id))
    url = re.sub(r"<int:(\w+)>", lambda m: str(ids[m.group(1)]), url)
    return re.sub(r"<any\(([^,]+),[^)]*\):\w+>", lambda m: m.group(1).strip(), url)


def _sender(client, method: str, url: str, token: str) -> Callable[[dict], object]:  # noqa: ANN001
    def send(fields: dict):  # noqa: ANN202
        pairs: list[tuple[str, object]] = []
        for name, value in fields.items():
            if isinstance(value, tuple):
                content, filename = value
                pairs.append((name, FileStorage(io.BytesIO(content), filename)))
            else:
                pairs.extend((name, v) for v in (value if isinstance(value, list) else [value]))
        if method == "GET":
            return client.get(url, query_string=pairs)
        # Encoded here rather than by the test client, which spools big bodies to a
        # temporary file it never closes.
        boundary, body = encode_multipart(MultiDict([("csrf_token", token), *pairs]))
        return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")

    return send


@pytest.mark.parametrize(
    "app_overrides", [{"LOGIN_RATE_LIMIT": "100000 per minute", "LOGIN_MAX_FAILURES": 10**6}]
)
@pytest.mark.parametrize("route", sorted(FORMS), ids=lambda r: f"{r[0]} {r[1]}")
def test_form_survives_hostile_input(app, world, route):
    method, rule = route
    row = FORMS[route]
    accounts, claim_ids, ids = world
    names, files = _field_names(app, row.form)
    url = _url(rule, claim_ids[row.claim], ids)

    client = app.test_client()
    if row.who != ANON:
        login(client, accounts[row.who])
    token = csrf_token(client, "/login")
    send = _sender(client, method, url, token)

    @given(fields=_submission(names, files))
    @FUZZ
    def check(fields: dict) -> None:
        with client.session_transaction() as session:
            session.pop("_flashes", None)  # a redirect's message is read from a clean slate
        mark = len(writes.committed)
        response = send(fields)
        body = response.get_data(as_text=True)
        assert response.status_code < 500, f"{response.status_code} for {fields!r:.300}"
        assert "Traceback" not in body
        if method == "GET" or _refused(method, response, client):
            wrote = unexpected_writes(writes.since(mark))
            assert wrote == [], f"refused with {response.status_code}, yet it wrote {wrote}"
        if rule == "/logout" and response.status_code == 302:
            login(client, accounts[row.who])  # signed out: sign back in for the next one

    with CommittedWrites(db.engine) as writes:
        check()


@pytest.mark.parametrize(
    "token", [None, "", "forged.token.value"], ids=["no token", "empty token", "forged token"]
)
def test_every_form_refuses_a_post_without_its_csrf_token(app, world, token):
    """CSRF: every state-changing form route, posted by someone allowed to use it without
    a valid token, is refused with a clear message and changes nothing."""
    accounts, claim_ids, ids = world
    clients = {ANON: app.test_client()}
    for who in (ED, AD):
        clients[who] = app.test_client()
        login(clients[who], accounts[who])
    failures = []
    for (method, rule), row in sorted(FORMS.items()):
        if method != "POST":
            continue
        data = {"email": accounts[ED].email, "password": accounts[ED].password, "into": "1"}
        if token is not None:
            data["csrf_token"] = token
        with CommittedWrites(db.engine) as writes:
            response = clients[row.who].post(_url(rule, claim_ids[row.claim], ids), data=data)
        body = response.get_data(as_text=True)
        changed = unexpected_writes(writes.committed)
        # The verdict and correction editors check the token themselves, so a stale one
        # shows the form again with the typed text kept (422) instead of an error page.
        keeps_text = rule.endswith(("/verdict", "/correct"))
        told = "security token expired" if keeps_text else "The form expired"
        if response.status_code != (422 if keeps_text else 400) or told not in body or changed:
            failures.append(f"{rule}: {response.status_code}, changed {changed}")
    assert failures == []

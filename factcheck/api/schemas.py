"""The API's contract, once: marshmallow schemas that check what comes in, shape what
goes out, and from which flask-smorest writes the OpenAPI document (factcheck/api/openapi.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import marshmallow as ma
from flask import current_app
from marshmallow import fields, validate

from factcheck.claims.lifecycle import CLAIM_STATUSES
from factcheck.db import unstorable_character
from factcheck.export.services import public_base_url, ruling_url
from factcheck.jobs.models import JOB_STATUSES
from factcheck.sources.limits import MAX_TEXT_CHARACTERS

PAGE_MAX = 200
SENTENCE_MAX = 5000
ROW_ID_MAX = 2**31 - 1
CLAIM_CURSOR = r"^[0-9.eE+-]+_[0-9]+$"
DATE = {"invalid": "Use the form YYYY-MM-DD."}
REQUIRED = {"required": "This field is required."}
RANGE = "From {min} to {max}."


def _unstorable(value: Any) -> str | None:
    """What in a JSON value no text column can hold (NUL, lone surrogates), or None."""
    if isinstance(value, str):
        return unstorable_character(value)
    items = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else ()
    )
    for key, item in items:
        if problem := (_unstorable(key) if isinstance(key, str) else None) or _unstorable(item):
            return problem
    return None


class Input(ma.Schema):
    """A request's body or query string: unknown names and unstorable text refused."""

    class Meta:
        unknown = ma.RAISE

    @ma.pre_load
    def _refuse_unstorable(self, data: Any, **_: Any) -> Any:
        if isinstance(data, Mapping):
            errors = {
                name: [f"Contains {problem}."]
                for name, value in data.items()
                if (problem := _unstorable(value) or _unstorable(name))
            }
            if errors:
                raise ma.ValidationError(errors)
        return data


# --- Input --------------------------------------------------------------------------------


class ArticleIn(Input):
    """Ingest a text or a web page: exactly one of text and url."""

    text = fields.String(allow_none=True, validate=validate.Length(max=MAX_TEXT_CHARACTERS))
    url = fields.String(allow_none=True, validate=validate.Length(max=2048))
    title = fields.String(allow_none=True, validate=validate.Length(max=500))
    source_url = fields.String(allow_none=True, validate=validate.Length(max=2048))
    outlet = fields.String(allow_none=True, validate=validate.Length(max=200))
    author = fields.String(allow_none=True, validate=validate.Length(max=300))
    published_on = fields.Date(allow_none=True, error_messages=DATE)
    language = fields.String(allow_none=True, validate=validate.Length(max=16))

    @ma.validates_schema
    def _text_or_url(self, data: dict[str, Any], **_: Any) -> None:
        if bool(data.get("text")) == bool(data.get("url")):
            raise ma.ValidationError(["Give text or url, exactly one."], "text")


def _score() -> fields.Float:
    return fields.Float(allow_nan=False, validate=validate.Range(0, 1, error=RANGE))


def _limit() -> fields.Integer:
    return fields.Integer(
        load_default=50,
        validate=validate.Range(1, PAGE_MAX, error=RANGE),
        metadata={"description": f"1 to {PAGE_MAX}, default 50."},
    )


class Query(Input):
    """A query string: the same rules, in the words of query parameters."""

    error_messages = {"unknown": "Unknown parameter."}


class ClaimsQuery(Query):
    status = fields.String(
        load_default="open",
        validate=validate.OneOf(["open", "all", *CLAIM_STATUSES]),
        metadata={"description": "open (default), all, or one status."},
    )
    q = fields.String(metadata={"description": "Words of the claim text."})
    claimant = fields.String(metadata={"description": "Claimant name contains."})
    min_score = _score()
    max_score = _score()
    found_from = fields.Date(error_messages=DATE, metadata={"description": "Found on or after."})
    found_to = fields.Date(error_messages=DATE, metadata={"description": "Found on or before."})
    after = fields.String(
        validate=validate.Regexp(CLAIM_CURSOR, error="Use the next value given."),
        metadata={"description": "The `next` of the previous page."},
    )
    limit = _limit()


class RulingsQuery(Query):
    status = fields.String(
        load_default="published",
        validate=validate.OneOf(["published", "retracted", "both"]),
        metadata={"description": "Default published."},
    )
    since = fields.Date(error_messages=DATE, metadata={"description": "Published on or after."})
    until = fields.Date(error_messages=DATE, metadata={"description": "Published on or before."})
    claimant = fields.String(metadata={"description": "Claimant name contains."})
    after = fields.Integer(
        load_default=0,
        validate=validate.Range(0, ROW_ID_MAX, error=RANGE),
        metadata={"description": "The `next` of the previous page."},
    )
    limit = _limit()


class RulingQuery(Query):
    format = fields.String(
        load_default="json",
        validate=validate.OneOf(["json", "claimreview"]),
        metadata={"description": "json (default) or claimreview."},
    )


class NoQuery(Query):
    """An endpoint that takes no query parameters."""


class ScoreIn(Input):
    sentences = fields.List(
        fields.String(metadata={"maxLength": SENTENCE_MAX}),
        required=True,
        error_messages=REQUIRED,
    )


# --- Output -------------------------------------------------------------------------------


def _nullable_string(**kwargs: Any) -> fields.String:
    return fields.String(allow_none=True, **kwargs)


@dataclass(frozen=True)
class ClaimNow:
    """A claim as of the request: its status and queue priority now; every other
    attribute is the claim's own."""

    claim: Any
    status: str
    priority: float

    def __getattr__(self, name: str) -> Any:
        return getattr(self.claim, name)


@dataclass(frozen=True)
class ClaimDetail(ClaimNow):
    revisions: list[Any]
    timeline: list[Any]
    ruling_url: str | None


class ClaimOut(ma.Schema):
    id = fields.Integer(required=True)
    text = fields.String(required=True)
    claimant = _nullable_string(attribute="claimant_name")
    claimant_role = _nullable_string()
    reporting_verb = _nullable_string()
    hedged = fields.Boolean(required=True)
    date_claimed = fields.Date(allow_none=True, attribute="claimed_on")
    status = fields.String(required=True)
    score = fields.Float(allow_none=True)
    priority = fields.Float(
        required=True,
        metadata={
            "description": "Queue priority as of the request: score x repeats, halved for "
            "every 14 days since the claim was made."
        },
    )
    reason = _nullable_string(metadata={"description": "Why the model flagged it."})
    claim_type = _nullable_string()
    article_id = fields.Integer(allow_none=True)
    article_count = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)


class EvidenceOut(ma.Schema):
    url = fields.String(required=True)
    title = _nullable_string()
    publisher = _nullable_string()
    accessed_on = fields.Date(allow_none=True)
    note = _nullable_string()


class RevisionOut(ma.Schema):
    number = fields.Integer(required=True)
    author = fields.Function(lambda r: r.author.display_name, metadata={"type": "string"})
    created_at = fields.DateTime(required=True)
    submitted_at = fields.DateTime(allow_none=True)
    rating = fields.Function(
        lambda r: r.rating.label if r.rating else None, metadata={"type": ["string", "null"]}
    )
    conclusion = _nullable_string(attribute="summary")
    explanation = fields.String(required=True)
    claim_text = fields.String(required=True)
    evidence = fields.List(fields.Nested(EvidenceOut), required=True)


class TimelineEntryOut(ma.Schema):
    at = fields.DateTime(required=True, attribute="occurred_at")
    action = fields.String(required=True)
    actor = fields.Function(
        lambda e: e.actor.display_name if e.actor else None,
        metadata={"type": ["string", "null"]},
    )
    changes = fields.Dict(required=True)


class ClaimDetailOut(ClaimOut):
    revisions = fields.List(fields.Nested(RevisionOut), required=True)
    timeline = fields.List(fields.Nested(TimelineEntryOut), required=True)
    ruling_url = _nullable_string()


class ClaimPage(ma.Schema):
    items = fields.List(fields.Nested(ClaimOut), required=True)
    next = _nullable_string(required=True)


class ArticleOut(ma.Schema):
    id = fields.Integer(required=True)
    title = _nullable_string()
    url = _nullable_string()
    outlet = fields.Function(
        lambda a: a.outlet.name if a.outlet else None, metadata={"type": ["string", "null"]}
    )
    published_on = fields.Date(allow_none=True)
    language = _nullable_string()


class ArticleCreated(ma.Schema):
    article = fields.Nested(ArticleOut, required=True)
    claims = fields.List(fields.Nested(ClaimOut), required=True)


def _revision(ruling: Any) -> Any:
    return ruling.decision.revision


class RulingEvidenceOut(ma.Schema):
    url = fields.String(required=True)
    title = _nullable_string()
    publisher = _nullable_string()


class CorrectionOut(ma.Schema):
    date = fields.Function(lambda c: c.created_at.date().isoformat(), metadata={"type": "string"})
    note = fields.String(required=True)


class RulingOut(ma.Schema):
    claim_id = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf(["published", "retracted"]))
    claim = fields.String(required=True, attribute="decision.revision.claim_text")
    claimant = _nullable_string(attribute="decision.revision.claimant_name")
    claimant_role = _nullable_string(attribute="decision.revision.claimant_role")
    date_claimed = fields.Date(allow_none=True, attribute="decision.revision.claimed_on")
    rating = fields.Function(
        lambda r: _revision(r).rating.label if _revision(r).rating else None,
        metadata={"type": ["string", "null"]},
    )
    rating_value = fields.Function(
        lambda r: _revision(r).rating.value if _revision(r).rating else None,
        metadata={"type": ["number", "null"]},
    )
    conclusion = _nullable_string(attribute="decision.revision.summary")
    explanation = fields.String(required=True, attribute="decision.revision.explanation")
    evidence = fields.List(
        fields.Nested(RulingEvidenceOut), required=True, attribute="decision.revision.evidence"
    )
    published_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
    corrections = fields.List(fields.Nested(CorrectionOut), required=True)
    retraction_note = _nullable_string()
    url = fields.Function(
        lambda r: ruling_url(public_base_url(current_app.config), r.claim_id),
        metadata={"type": "string"},
    )


class RulingPage(ma.Schema):
    items = fields.List(fields.Nested(RulingOut), required=True)
    next = _nullable_string(required=True)


class ScoreResultOut(ma.Schema):
    sentence = fields.String(required=True)
    score = fields.Float(required=True, validate=validate.Range(0, 1, error=RANGE))
    is_claim = fields.Boolean(required=True)


class ScoreOut(ma.Schema):
    model = fields.String(required=True)
    version = fields.String(required=True)
    threshold = fields.Float(required=True)
    results = fields.List(fields.Nested(ScoreResultOut), required=True)


class JobRefOut(ma.Schema):
    """A job an answer started: where to follow it."""

    id = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf(JOB_STATUSES))
    url = fields.String(required=True, metadata={"description": "GET it for the job's state."})
    progress = fields.Integer(required=True)
    total = fields.Integer(allow_none=True)


class JobAccepted(ma.Schema):
    job = fields.Nested(JobRefOut, required=True)


class JobOut(JobRefOut):
    """A job's state; for a finished ingest, the article and its claims."""

    kind = fields.String(required=True)
    attempts = fields.Integer(required=True)
    max_attempts = fields.Integer(required=True)
    error = _nullable_string(metadata={"description": "Why the last attempt failed."})
    result = fields.Dict(
        allow_none=True,
        metadata={
            "description": "What the job recorded when it finished (by kind; an ingest: "
            "article_id, summary, claims (a count), duplicate when the text was in already)."
        },
    )
    article = fields.Nested(
        ArticleOut,
        allow_none=True,
        metadata={"description": "A finished ingest's article (or the one it duplicated)."},
    )
    article_url = _nullable_string(metadata={"description": "The article's page on the desk."})
    claims = fields.List(
        fields.Nested(ClaimOut),
        allow_none=True,
        metadata={"description": "A finished ingest's claims, as POST /articles gives them."},
    )
    created_at = fields.DateTime(required=True)
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)


class ErrorBody(ma.Schema):
    status = fields.Integer(required=True)
    title = fields.String(required=True)
    message = fields.String(required=True)
    request_id = _nullable_string()
    fields_ = fields.Dict(
        data_key="fields",
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "What is wrong with each named field or parameter."},
    )


class Error(ma.Schema):
    """An error; the same shape for every failure (factcheck.errorpages.api_error)."""

    error = fields.Nested(ErrorBody, required=True)

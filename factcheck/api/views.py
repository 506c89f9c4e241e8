"""The JSON API, /api/v1: bearer tokens, JSON in and out, the same services as the web.

Each route names its input and output schemas (factcheck/api/schemas.py): flask-smorest
checks requests and shapes responses with them, and writes the OpenAPI document from
them (factcheck/api/openapi.py); tests/integration/test_api_fuzz.py runs schemathesis against it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app, g, jsonify, request
from flask_smorest import Blueprint

from factcheck.api.openapi import spec
from factcheck.api.schemas import (
    SENTENCE_MAX,
    ArticleCreated,
    ArticleIn,
    ClaimDetail,
    ClaimDetailOut,
    ClaimNow,
    ClaimPage,
    ClaimsQuery,
    Error,
    NoQuery,
    RulingOut,
    RulingPage,
    RulingQuery,
    RulingsQuery,
    ScoreIn,
    ScoreOut,
)
from factcheck.api.validation import Parser
from factcheck.auth.roles import Role
from factcheck.auth.security import api_roles, bearer_user, public
from factcheck.claims.models import Claim
from factcheck.claims.priority import reason_of
from factcheck.claims.services import FlagPolicy
from factcheck.claims.timeline import claim_entries
from factcheck.classifier import ModelUnavailable
from factcheck.classifier.loader import get_classifier
from factcheck.db import utcnow
from factcheck.editorial.lookups import ruling_of
from factcheck.editorial.models import Ruling
from factcheck.editorial.queries import ruling_statuses, rulings_page
from factcheck.editorial.visibility import hidden_actions, visible_revisions
from factcheck.errorpages import api_error
from factcheck.errors import BadRequest, InvalidInput, NotFound
from factcheck.export.claimreview import claim_review
from factcheck.export.queries import appearances
from factcheck.export.services import ExportFilters, public_base_url, ruling_url
from factcheck.extensions import csrf, db, limiter
from factcheck.intake import ingest
from factcheck.matching.services import MatchSettings
from factcheck.review.queries import (
    QueueFilters,
    format_cursor,
    parse_cursor,
    queue_page,
    queue_statuses,
    statuses_now,
)
from factcheck.sources.document import from_text
from factcheck.sources.fetch import FetchPolicy, from_url
from factcheck.sources.limits import ExtractLimits
from factcheck.sources.services import DuplicateArticle


class ApiBlueprint(Blueprint):
    ARGUMENTS_PARSER = Parser()


bp = ApiBlueprint("api", __name__)
csrf.exempt(bp)  # bearer tokens, never cookies: nothing for a forged request to ride on


def _rate_key() -> str:
    """Count requests per user, so all of a user's tokens share one budget; requests
    without a valid token count per client address. The limiter asks before the access
    check runs, so the token is looked up here (once a request, see bearer_user)."""
    user = bearer_user()
    if user is not None:
        return f"user:{user.id}"
    return "addr:" + (request.remote_addr or "unknown")


limiter.limit(lambda: current_app.config["API_RATE_LIMIT"], key_func=_rate_key)(bp)


def _actor():  # noqa: ANN202
    return g.api_user


def _base_url() -> str:
    return public_base_url(current_app.config)


def claim_now(claim: Claim, now: datetime, status: str | None = None) -> ClaimNow:
    """The claim as the API shows it; `status` is its status now (review.statuses_now)."""
    # The priority a desk sees now: value halved every HALF_LIFE_DAYS of age.
    priority = round(reason_of(claim, now).priority, 6)
    return ClaimNow(claim, status or claim.status, priority)


@bp.route("/openapi.json")
@public
@bp.doc(
    summary="This document.",
    responses={
        "200": {
            "description": "The OpenAPI document.",
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
)
def openapi():
    """The OpenAPI 3.1 document of this API."""
    return jsonify(spec())


@bp.route("/articles", methods=["POST"])
@api_roles(Role.FACT_CHECKER)
@bp.arguments(ArticleIn)
@bp.response(201, ArticleCreated, description="The stored article and the claims flagged in it.")
@bp.alt_response(409, schema=Error, description="The same text was ingested before.")
@bp.alt_response(413, schema=Error, description="The body is over API_MAX_BODY_BYTES.")
@bp.alt_response(422, schema=Error, description="The text or page could not be used.")
@bp.alt_response(503, schema=Error, description="The claim classifier is not available.")
def post_article(data: dict[str, Any]):
    """Ingest a text or a web page and get its flagged claims (fact-checker role).

    Give exactly one of text and url."""
    if data.get("url"):
        document = from_url(
            data["url"],
            FetchPolicy.from_config(current_app.config),
            ExtractLimits.from_config(current_app.config),
        )
        kind = "url"
    else:
        document = from_text(data["text"])
        kind = "text"
    document = document.with_overrides(
        title=data.get("title"),
        url=data.get("source_url"),
        outlet=data.get("outlet"),
        author=data.get("author"),
        published_on=data.get("published_on"),
        language=data.get("language"),
    )
    try:
        result = ingest(
            db.session,
            document,
            actor=_actor(),
            classifier=get_classifier(),
            source_kind=kind,
            policy=FlagPolicy.from_config(current_app.config),
            matching=MatchSettings.from_config(current_app.config),
        )
    except DuplicateArticle as exc:
        db.session.rollback()
        response = api_error(409, exc.message)
        response.headers["Location"] = f"/articles/{exc.existing_id}"
        return response
    except ModelUnavailable:
        db.session.rollback()
        current_app.logger.exception("classifier unavailable")
        return api_error(503, "The claim classifier is not available; nothing was saved.")
    db.session.commit()
    now = utcnow()
    return {"article": result.article, "claims": [claim_now(c, now) for c in result.claims]}


def _cursor(raw: str | None) -> tuple[float, int] | None:
    try:
        return parse_cursor(raw)
    except InvalidInput as exc:
        raise BadRequest(
            "The cursor is damaged.", {"after": ["Use the next value given."]}
        ) from exc


@bp.route("/claims")
@api_roles(Role.VIEWER)
@bp.arguments(ClaimsQuery, location="query", as_kwargs=True)
@bp.response(200, ClaimPage, description="One page of claims.")
def list_claims(status: str, limit: int, after: str | None = None, **args: Any):
    """Claims by priority, with the queue's filters.

    `next` is the cursor of the next page."""
    filters = QueueFilters(
        statuses=queue_statuses(status),
        min_score=args.get("min_score"),
        max_score=args.get("max_score"),
        claimant=args.get("claimant"),
        found_from=args.get("found_from"),
        found_to=args.get("found_to"),
        search=args.get("q"),
    )
    now = utcnow()
    page = queue_page(db.session, filters, now=now, after=_cursor(after), limit=limit)
    statuses_by_id = statuses_now(db.session, page.items, now)
    return {
        "items": [claim_now(c, now, statuses_by_id[c.id]) for c in page.items],
        "next": format_cursor(page.next_cursor),
    }


@bp.route("/claims/<int:claim_id>")
@api_roles(Role.VIEWER)
@bp.arguments(NoQuery, location="query")
@bp.response(200, ClaimDetailOut, description="The claim.")
@bp.alt_response(404, schema=Error, description="No such claim.")
def get_claim(_: dict[str, Any], claim_id: int):
    """One claim with its verdict revisions and timeline.

    Unpublished verdicts only for the desk (editorial.visibility)."""
    claim = db.session.get(Claim, claim_id)
    if claim is None:
        raise NotFound("There is no such claim.")
    now = utcnow()
    timeline = claim_entries(db.session, claim, hidden=hidden_actions(_actor()))
    now_claim = claim_now(claim, now, statuses_now(db.session, [claim], now)[claim.id])
    return ClaimDetail(
        claim,
        now_claim.status,
        now_claim.priority,
        revisions=visible_revisions(db.session, claim, _actor()),
        timeline=timeline,
        ruling_url=ruling_url(_base_url(), claim.id) if ruling_of(db.session, claim) else None,
    )


def _review(ruling: Ruling) -> dict[str, Any]:
    cfg = current_app.config
    return claim_review(
        ruling,
        ruling.decision.revision,
        ruling.claim,
        ruling.claim.article,
        organisation=cfg["ORGANISATION_NAME"],
        organisation_url=cfg["ORGANISATION_URL"],
        base_url=_base_url(),
        appearances=appearances(db.session, [ruling.claim_id])[ruling.claim_id],
    )


@bp.route("/rulings")
@api_roles(Role.VIEWER)
@bp.arguments(RulingsQuery, location="query", as_kwargs=True)
@bp.response(200, RulingPage, description="One page of rulings.")
def list_rulings(status: str, after: int, limit: int, **args: Any):
    """Published rulings, oldest first, filtered like the CSV export.

    `after` pages on."""
    filters = ExportFilters(
        statuses=ruling_statuses(status),
        since=args.get("since"),
        until=args.get("until"),
        claimant=args.get("claimant"),
    )
    page = rulings_page(db.session, filters, after=after, limit=limit)
    next_after = page.next_after
    return {"items": page.items, "next": str(next_after) if next_after is not None else None}


@bp.route("/rulings/<int:claim_id>")
@api_roles(Role.VIEWER)
@bp.arguments(RulingQuery, location="query", as_kwargs=True)
@bp.response(200, RulingOut, description="The ruling.")
@bp.alt_response(404, schema=Error, description="The claim has no ruling.")
@bp.doc(
    responses={
        200: {"content": {"application/ld+json": {"schema": {"type": "object"}}}},
    }
)
def get_ruling(claim_id: int, format: str):  # noqa: A002
    """One ruling, as JSON or as schema.org ClaimReview.

    ?format=claimreview answers application/ld+json."""
    claim = db.session.get(Claim, claim_id)
    ruling = ruling_of(db.session, claim) if claim else None
    if ruling is None:
        raise NotFound("This claim has no published ruling.")
    if format == "claimreview":
        if ruling.status != "published":
            raise NotFound("A retracted ruling has no ClaimReview.")
        return current_app.response_class(
            current_app.json.dumps(_review(ruling)), mimetype="application/ld+json"
        )
    return ruling


@bp.route("/score", methods=["POST"])
@api_roles(Role.VIEWER)
# The expensive endpoint: its own, lower limit per user, on top of API_RATE_LIMIT.
@limiter.limit(
    lambda: current_app.config["API_SCORE_RATE_LIMIT"],
    key_func=_rate_key,
    override_defaults=False,
)
@bp.arguments(ScoreIn)
@bp.response(200, ScoreOut, description="A score per sentence, in order.")
@bp.alt_response(
    413,
    schema=Error,
    description="The body is over API_MAX_BODY_BYTES, or the sentences over "
    "API_SCORE_MAX_SENTENCES or API_SCORE_MAX_CHARS.",
)
@bp.alt_response(503, schema=Error, description="The claim classifier is not available.")
def score(data: dict[str, Any]):
    """Check-worthiness scores for a batch of sentences.

    At most API_SCORE_MAX_SENTENCES sentences (100 by default) and API_SCORE_MAX_CHARS
    characters in all (50,000) a request, else a 413 naming the limit. Rate-limited per
    user (all of a user's tokens together): API_SCORE_RATE_LIMIT here, within
    API_RATE_LIMIT."""
    sentences = data["sentences"]
    cap = int(current_app.config["API_SCORE_MAX_SENTENCES"])
    if len(sentences) > cap:
        return api_error(
            413,
            f"Send at most {cap} sentences a request; this one has {len(sentences)}. "
            "Split them over several requests.",
            {"sentences": [f"At most {cap} items."]},
        )
    chars, char_cap = sum(map(len, sentences)), int(current_app.config["API_SCORE_MAX_CHARS"])
    if chars > char_cap:
        return api_error(
            413,
            f"Send at most {char_cap} characters of sentences a request; this one has "
            f"{chars}. Split them over several requests.",
            {"sentences": [f"At most {char_cap} characters in all."]},
        )
    # Checked after the caps, so an oversized batch is a 413 whatever its sentences.
    too_long = [i for i, s in enumerate(sentences) if len(s) > SENTENCE_MAX]
    if too_long:
        raise BadRequest(
            "Some sentences are too long.",
            {"sentences": [f"Item {i} is over {SENTENCE_MAX} characters." for i in too_long[:10]]},
        )
    try:
        classifier = get_classifier()
        scores = classifier.score(sentences) if sentences else []
    except ModelUnavailable:
        current_app.logger.exception("classifier unavailable")
        return api_error(503, "The claim classifier is not available right now.")
    return {
        "model": classifier.name,
        "version": classifier.version,
        "threshold": classifier.threshold,
        "results": [
            {"sentence": s, "score": round(float(v), 6), "is_claim": v >= classifier.threshold}
            for s, v in zip(sentences, scores, strict=True)
        ],
    }

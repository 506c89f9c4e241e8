"""The JSON API, /api/v1: bearer tokens, JSON in and out, the same services as the web.

Every route is described in factcheck/api/openapi.py; tests/test_api.py checks the two
agree and runs schemathesis against the document.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, current_app, g, jsonify, request

from factcheck.api.openapi import spec
from factcheck.api.validation import (
    Field,
    float_arg,
    int_arg,
    json_body,
    parse_date,
    query_args,
)
from factcheck.audit.models import AuditEntry
from factcheck.auth.roles import Role
from factcheck.claims.lifecycle import CLAIM_STATUSES, OPEN_STATUSES
from factcheck.claims.models import Claim
from factcheck.claims.priority import reason_of
from factcheck.claims.services import FlagPolicy
from factcheck.classifier import ModelUnavailable, get_classifier
from factcheck.db import utcnow
from factcheck.editorial.models import Ruling
from factcheck.editorial.services import ruling_of
from factcheck.editorial.visibility import hidden_actions, visible_revisions
from factcheck.errors import BadRequest, InvalidInput, NotFound, api_error
from factcheck.export.claimreview import claim_review
from factcheck.export.queries import apply_filters
from factcheck.export.services import ExportFilters, public_base_url, ruling_url
from factcheck.extensions import csrf, db, limiter
from factcheck.review.services import (
    QueueFilters,
    format_cursor,
    parse_cursor,
    queue_page,
    statuses_now,
)
from factcheck.security import api_roles, bearer_user, public
from factcheck.sources.extract import MAX_TEXT_CHARACTERS, ExtractLimits, from_text
from factcheck.sources.fetch import FetchPolicy, from_url
from factcheck.sources.services import DuplicateArticle, ingest

bp = Blueprint("api", __name__)
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

SENTENCE_MAX = 5000
PAGE_MAX = 200


def _actor():  # noqa: ANN202
    return g.api_user


def _base_url() -> str:
    return public_base_url(current_app.config)


def claim_json(claim: Claim, status: str | None = None) -> dict[str, Any]:
    """The claim as the API shows it; `status` is its status now (review.statuses_now)."""
    return {
        "id": claim.id,
        "text": claim.text,
        "claimant": claim.claimant_name,
        "claimant_role": claim.claimant_role,
        "reporting_verb": claim.reporting_verb,
        "hedged": claim.hedged,
        "date_claimed": claim.claimed_on.isoformat() if claim.claimed_on else None,
        "status": status or claim.status,
        "score": claim.score,
        # The priority a desk sees now: value halved every HALF_LIFE_DAYS of age.
        "priority": round(reason_of(claim, utcnow()).priority, 6),
        "reason": claim.reason,
        "claim_type": claim.claim_type,
        "article_id": claim.article_id,
        "article_count": claim.article_count,
        "created_at": claim.created_at.isoformat(),
    }


@bp.route("/openapi.json")
@public
def openapi():
    """The OpenAPI 3.1 document of this API."""
    return jsonify(spec())


@bp.route("/articles", methods=["POST"])
@api_roles(Role.FACT_CHECKER)
def post_article():
    """Ingest a text or a web page; answer with the article and its flagged claims."""
    data = json_body(
        {
            "text": Field(str, max_length=MAX_TEXT_CHARACTERS),
            "url": Field(str, max_length=2048),
            "title": Field(str, max_length=500),
            "source_url": Field(str, max_length=2048),
            "outlet": Field(str, max_length=200),
            "author": Field(str, max_length=300),
            "published_on": Field(str, max_length=10),
            "language": Field(str, max_length=16),
        }
    )
    if bool(data.get("text")) == bool(data.get("url")):
        raise BadRequest(
            "Give exactly one of text or url.", {"text": ["Give text or url, not both."]}
        )
    published_on = parse_date(data.get("published_on"), "published_on")
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
        published_on=published_on,
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
    article = result.article
    return (
        jsonify(
            {
                "article": {
                    "id": article.id,
                    "title": article.title,
                    "url": article.url,
                    "outlet": article.outlet.name if article.outlet else None,
                    "published_on": (
                        article.published_on.isoformat() if article.published_on else None
                    ),
                    "language": article.language,
                },
                "claims": [claim_json(c) for c in result.claims],
            }
        ),
        201,
    )


def _cursor(raw: str | None) -> tuple[float, int] | None:
    try:
        return parse_cursor(raw)
    except InvalidInput as exc:
        raise BadRequest(
            "The cursor is damaged.", {"after": ["Use the next value given."]}
        ) from exc


@bp.route("/claims")
@api_roles(Role.VIEWER)
def list_claims():
    """Claims by priority, with the queue's filters; `next` is the cursor of the next page."""
    args = query_args(
        {
            "status",
            "q",
            "claimant",
            "min_score",
            "max_score",
            "found_from",
            "found_to",
            "after",
            "limit",
        }
    )
    status = args.get("status") or "open"
    if status not in (*CLAIM_STATUSES, "open", "all"):
        raise BadRequest(
            "Unknown status.", {"status": ["One of: open, all, " + ", ".join(CLAIM_STATUSES)]}
        )
    statuses = OPEN_STATUSES if status == "open" else () if status == "all" else (status,)
    filters = QueueFilters(
        statuses=statuses,
        min_score=float_arg(args, "min_score", low=0, high=1),
        max_score=float_arg(args, "max_score", low=0, high=1),
        claimant=args.get("claimant") or None,
        found_from=parse_date(args.get("found_from"), "found_from"),
        found_to=parse_date(args.get("found_to"), "found_to"),
        search=args.get("q") or None,
    )
    limit = int_arg(args, "limit", low=1, high=PAGE_MAX) or 50
    now = utcnow()
    page = queue_page(db.session, filters, now=now, after=_cursor(args.get("after")), limit=limit)
    statuses = statuses_now(db.session, page.items, now)
    return jsonify(
        {
            "items": [claim_json(c, statuses[c.id]) for c in page.items],
            "next": format_cursor(page.next_cursor),
        }
    )


@bp.route("/claims/<int:claim_id>")
@api_roles(Role.VIEWER)
def get_claim(claim_id: int):
    """One claim with its revisions and its timeline; unpublished verdicts only for the
    desk (editorial.visibility)."""
    query_args(set())
    claim = db.session.get(Claim, claim_id)
    if claim is None:
        raise NotFound("There is no such claim.")
    history = [
        {
            "number": r.number,
            "author": r.author.display_name,
            "created_at": r.created_at.isoformat(),
            "submitted_at": r.submitted_at.isoformat() if r.submitted_at else None,
            "rating": r.rating.label if r.rating else None,
            "conclusion": r.summary,
            "explanation": r.explanation,
            "claim_text": r.claim_text,
            "evidence": [
                {
                    "url": e.url,
                    "title": e.title,
                    "publisher": e.publisher,
                    "accessed_on": e.accessed_on.isoformat() if e.accessed_on else None,
                    "note": e.note,
                }
                for e in r.evidence
            ],
        }
        for r in visible_revisions(db.session, claim, _actor())
    ]
    hidden = hidden_actions(_actor())
    timeline = [
        {
            "at": e.occurred_at.isoformat(),
            "action": e.action,
            "actor": e.actor.display_name if e.actor else None,
            "changes": e.changes,
        }
        for e in db.session.scalars(
            sa.select(AuditEntry)
            .where(AuditEntry.entity_type == "claim", AuditEntry.entity_id == claim.id)
            .order_by(AuditEntry.occurred_at, AuditEntry.id)
        )
        if not e.action.startswith(hidden)
    ]
    ruling = ruling_of(db.session, claim)
    return jsonify(
        {
            **claim_json(claim, statuses_now(db.session, [claim], utcnow())[claim.id]),
            "revisions": history,
            "timeline": timeline,
            "ruling_url": ruling_url(_base_url(), claim.id) if ruling else None,
        }
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
    )


def ruling_json(ruling: Ruling) -> dict[str, Any]:
    rev = ruling.decision.revision
    rating = rev.rating
    return {
        "claim_id": ruling.claim_id,
        "status": ruling.status,
        "claim": rev.claim_text,
        "claimant": rev.claimant_name,
        "claimant_role": rev.claimant_role,
        "date_claimed": rev.claimed_on.isoformat() if rev.claimed_on else None,
        "rating": rating.label if rating else None,
        "rating_value": rating.value if rating else None,
        "conclusion": rev.summary,
        "explanation": rev.explanation,
        "evidence": [
            {"url": e.url, "title": e.title, "publisher": e.publisher} for e in rev.evidence
        ],
        "published_at": ruling.published_at.isoformat(),
        "updated_at": ruling.updated_at.isoformat(),
        "corrections": [
            {"date": c.created_at.date().isoformat(), "note": c.note} for c in ruling.corrections
        ],
        "retraction_note": ruling.retraction_note,
        "url": ruling_url(_base_url(), ruling.claim_id),
    }


@bp.route("/rulings")
@api_roles(Role.VIEWER)
def list_rulings():
    """Published rulings, oldest first, filtered like the CSV export; `after` pages on."""
    args = query_args({"status", "since", "until", "claimant", "after", "limit"})
    status = args.get("status") or "published"
    if status not in ("published", "retracted", "both"):
        raise BadRequest("Unknown status.", {"status": ["One of: published, retracted, both."]})
    filters = ExportFilters(
        statuses=("published", "retracted") if status == "both" else (status,),
        since=parse_date(args.get("since"), "since"),
        until=parse_date(args.get("until"), "until"),
        claimant=args.get("claimant") or None,
    )
    limit = int_arg(args, "limit", low=1, high=PAGE_MAX) or 50
    after = int_arg(args, "after", low=0, high=2**31 - 1) or 0
    from factcheck.editorial.models import EditorialDecision
    from factcheck.sources.models import Article
    from factcheck.verdicts.models import VerdictRevision

    query = apply_filters(
        sa.select(Ruling)
        .join(Claim, Claim.id == Ruling.claim_id)
        .join(EditorialDecision, EditorialDecision.id == Ruling.decision_id)
        .join(VerdictRevision, VerdictRevision.id == EditorialDecision.revision_id)
        .outerjoin(Article, Article.id == Claim.article_id)
        .where(Ruling.status.in_(filters.statuses), Ruling.id > after)
        .order_by(Ruling.id)
        .limit(limit + 1),
        filters,
    )
    rows = db.session.scalars(query).all()
    items = rows[:limit]
    return jsonify(
        {
            "items": [ruling_json(r) for r in items],
            "next": str(items[-1].id) if len(rows) > limit else None,
        }
    )


@bp.route("/rulings/<int:claim_id>")
@api_roles(Role.VIEWER)
def get_ruling(claim_id: int):
    """One ruling as JSON, or as schema.org ClaimReview with ?format=claimreview."""
    args = query_args({"format"})
    fmt = args.get("format") or "json"
    if fmt not in ("json", "claimreview"):
        raise BadRequest("Unknown format.", {"format": ["json or claimreview."]})
    claim = db.session.get(Claim, claim_id)
    ruling = ruling_of(db.session, claim) if claim else None
    if ruling is None:
        raise NotFound("This claim has no published ruling.")
    if fmt == "claimreview":
        if ruling.status != "published":
            raise NotFound("A retracted ruling has no ClaimReview.")
        return current_app.response_class(
            current_app.json.dumps(_review(ruling)), mimetype="application/ld+json"
        )
    return jsonify(ruling_json(ruling))


@bp.route("/score", methods=["POST"])
@api_roles(Role.VIEWER)
# The expensive endpoint: its own, lower limit per user, on top of API_RATE_LIMIT.
@limiter.limit(
    lambda: current_app.config["API_SCORE_RATE_LIMIT"],
    key_func=_rate_key,
    override_defaults=False,
)
def score():
    """Check-worthiness scores for up to API_SCORE_MAX_SENTENCES sentences, in order."""
    data = json_body({"sentences": Field(list, required=True, item_kind=str)})
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
    return jsonify(
        {
            "model": classifier.name,
            "version": classifier.version,
            "threshold": classifier.threshold,
            "results": [
                {"sentence": s, "score": round(float(v), 6), "is_claim": v >= classifier.threshold}
                for s, v in zip(sentences, scores, strict=True)
            ],
        }
    )

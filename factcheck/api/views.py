"""The JSON API, /api/v1: bearer tokens, JSON in and out, the same services as the web.

Each route names its input and output schemas (factcheck/api/schemas.py): flask-smorest
checks requests and shapes responses with them, and writes the OpenAPI document from
them (factcheck/api/openapi.py); tests/integration/test_api_fuzz.py runs schemathesis against it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app, g, jsonify, request, url_for
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
    JobAccepted,
    JobOut,
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
from factcheck.jobs.models import Job
from factcheck.jobs.services import enqueue
from factcheck.matching.services import MatchSettings
from factcheck.offload import ModelBusy, job_visible_to, scores_inline
from factcheck.offload import score as score_sentences
from factcheck.review.queries import (
    QueueFilters,
    format_cursor,
    parse_cursor,
    queue_page,
    queue_statuses,
    statuses_now,
)
from factcheck.sources.document import from_text
from factcheck.sources.fetch import check_url
from factcheck.sources.models import Article
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


_LOCATION = {
    "Location": {
        "description": "The job's address (GET /api/v1/jobs/{id}).",
        "schema": {"type": "string"},
    }
}


def _overrides(data: dict[str, Any]) -> dict[str, Any]:
    """What the request says about the text; it wins over what the text says of itself."""
    published = data.get("published_on")
    return {
        "title": data.get("title"),
        "url": data.get("source_url"),
        "outlet": data.get("outlet"),
        "author": data.get("author"),
        "published_on": published.isoformat() if published else None,
        "language": data.get("language"),
    }


def _job_url(job_id: int) -> str:
    return url_for("api.get_job", job_id=job_id)


def _job_ref(job: Job) -> dict[str, Any]:
    return {
        "id": job.id,
        "status": job.status,
        "url": _job_url(job.id),
        "progress": job.progress,
        "total": job.total,
    }


def _accepted(job: Job):  # noqa: ANN202
    """202 Accepted: the job's reference, and its address in Location."""
    response = jsonify(JobAccepted().dump({"job": _job_ref(job)}))
    response.status_code = 202
    response.headers["Location"] = _job_url(job.id)
    return response


@bp.route("/articles", methods=["POST"])
@api_roles(Role.FACT_CHECKER)
@bp.arguments(ArticleIn)
@bp.response(
    201,
    ArticleCreated,
    description="Text scored in the request: the stored article and the claims flagged in it.",
)
@bp.alt_response(
    202,
    schema=JobAccepted,
    success=True,
    headers=_LOCATION,
    description="A web page, or a text not scored in the request, is ingested by a job: "
    "follow it at Location (GET /api/v1/jobs/{id}) for the article and its claims.",
)
@bp.alt_response(409, schema=Error, description="The same text was ingested before.")
@bp.alt_response(413, schema=Error, description="The body is over API_MAX_BODY_BYTES.")
@bp.alt_response(422, schema=Error, description="The text is empty or the url malformed.")
@bp.alt_response(503, schema=Error, description="The claim classifier is not available.")
def post_article(data: dict[str, Any]):
    """Ingest a text or a web page and get its flagged claims (fact-checker role).

    Give exactly one of text and url. A text of at most JOB_INLINE_MAX_CHARS characters is
    scored at once (201, the claims) when the model is loaded in the serving process; a url,
    and any other text, becomes a job (202, Location: the job)."""
    text = data.get("text")
    if data.get("url"):
        payload: dict[str, Any] = {"source": "url", "url": check_url(data["url"])}
    else:
        document = from_text(text)  # an empty text is refused here, job or not
        if scores_inline(text):
            return _ingest_now(data, document)
        payload = {"source": "text", "text": text}
    payload["overrides"] = _overrides(data)
    job = enqueue(db.session, "ingest", payload, actor_id=_actor().id)
    db.session.commit()  # the dispatcher hands the job to a worker
    return _accepted(job)


def _ingest_now(data: dict[str, Any], document: Any):  # noqa: ANN202
    """Score and store pasted text in this request: 201 with its claims."""
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
            source_kind="text",
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


@bp.route("/jobs/<int:job_id>")
@api_roles(Role.FACT_CHECKER, Role.ADMIN)  # an admin may see anyone's job, like an editor
@bp.arguments(NoQuery, location="query")
@bp.response(200, JobOut, description="The job.")
@bp.alt_response(404, schema=Error, description="No such job, or one you may not see.")
def get_job(_: dict[str, Any], job_id: int):
    """A job's state: status, progress of total, attempts, error, result, times.

    Shown to the person who started it, editors and admins. A finished ingest adds its
    article and the article's claims."""
    job = db.session.get(Job, job_id)
    if job is None or not job_visible_to(job, _actor()):
        raise NotFound("There is no such job.")
    out: dict[str, Any] = {
        **_job_ref(job),
        "kind": job.kind,
        "attempts": job.attempts,
        "max_attempts": job.max_attempts,
        "error": job.error,
        "result": job.result,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "article": None,
        "article_url": None,
        "claims": None,
    }
    article_id = (job.result or {}).get("article_id")
    if job.kind == "ingest" and job.status == "done" and isinstance(article_id, int):
        article = db.session.get(Article, article_id)
        if article is not None:
            now = utcnow()
            claims = list(
                db.session.scalars(
                    sa.select(Claim).where(Claim.article_id == article.id).order_by(Claim.id)
                )
            )
            statuses = statuses_now(db.session, claims, now)
            out["article"] = article
            out["article_url"] = url_for("sources.article", article_id=article.id)
            out["claims"] = [claim_now(c, now, statuses[c.id]) for c in claims]
    return out


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
@bp.alt_response(
    503,
    schema=Error,
    headers={
        "Retry-After": {
            "description": "Seconds to wait when the scoring workers were busy.",
            "schema": {"type": "integer"},
        }
    },
    description="The claim classifier is not available, or (jobs on Celery workers) no "
    "worker scored the sentences within API_SCORE_WAIT_SECONDS.",
)
def score(data: dict[str, Any]):
    """Check-worthiness scores for a batch of sentences.

    At most API_SCORE_MAX_SENTENCES sentences (100 by default) and API_SCORE_MAX_CHARS
    characters in all (50,000) a request, else a 413 naming the limit. Rate-limited per
    user (all of a user's tokens together): API_SCORE_RATE_LIMIT here, within
    API_RATE_LIMIT. Where jobs run on Celery workers, a web process never loads the model:
    the sentences are scored by a worker while the request waits, at most
    API_SCORE_WAIT_SECONDS (then 503 with Retry-After)."""
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
        scored = score_sentences(sentences, actor_id=_actor().id)
    except ModelBusy as exc:
        response = api_error(
            503,
            f"The scoring workers are busy: no answer within {exc.waited:g} s. Nothing "
            f"was kept; try again in {exc.retry_after} s.",
        )
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except ModelUnavailable:
        current_app.logger.exception("classifier unavailable")
        return api_error(503, "The claim classifier is not available right now.")
    return {
        "model": scored.model,
        "version": scored.version,
        "threshold": scored.threshold,
        "results": [
            {"sentence": s, "score": round(v, 6), "is_claim": v >= scored.threshold}
            for s, v in zip(sentences, scored.scores, strict=True)
        ],
    }

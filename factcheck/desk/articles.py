"""The article pages: take articles in, list them, read one with its scored sentences
and the claims flagged in it."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from markupsafe import Markup

from factcheck.auth.roles import Role
from factcheck.auth.security import login_required, roles_allowed
from factcheck.claims.models import Sentence
from factcheck.claims.services import FlagPolicy
from factcheck.classifier import ModelUnavailable
from factcheck.classifier.features import SentenceInput
from factcheck.classifier.loader import get_classifier
from factcheck.db import bounded_int
from factcheck.desk.queries import article_reading, claim_counts
from factcheck.errors import DomainError
from factcheck.extensions import db
from factcheck.forms import refuse
from factcheck.intake import ingest
from factcheck.jobs.models import Job
from factcheck.jobs.services import enqueue
from factcheck.matching.services import MatchSettings
from factcheck.offload import scores_inline
from factcheck.sources import bulk
from factcheck.sources.document import Document, from_text
from factcheck.sources.extract import kind_of
from factcheck.sources.fetch import check_url
from factcheck.sources.forms import BulkIngestForm, IngestForm, PromoteForm
from factcheck.sources.limits import ExtractionError
from factcheck.sources.models import Article
from factcheck.sources.queries import newest_articles
from factcheck.sources.services import DuplicateArticle

bp = Blueprint("sources", __name__)

MAX_PAGE = 100_000  # a page past the end shows "no articles", not an overflowing OFFSET


@bp.route("/")
@login_required
def articles():
    """List articles, newest first."""
    page = db.paginate(
        newest_articles(),
        page=bounded_int(request.args.get("page"), default=1, upper=MAX_PAGE),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    counts = claim_counts(db.session, [a.id for a in page.items])
    return render_template("sources/articles.html", page=page, claim_counts=counts)


def _overrides(form: IngestForm) -> dict[str, str | None]:
    """What the form says about the text; it wins over what the text says of itself."""
    published = form.published_on.data
    return {
        "title": form.title.data,
        "url": form.source_url.data,
        "outlet": form.outlet.data,
        "author": form.author.data,
        "published_on": published.isoformat() if published else None,
        "language": form.language.data,
    }


def _ingest_job(form: IngestForm) -> Job | None:
    """Enqueue the form's ingest as a job (flushed), or None when pasted text is scored
    inline. Refuses at once, with nothing enqueued, what can be told without fetching or
    parsing: an unsupported file name, an empty file, a malformed web address."""
    actor_id = current_user.id
    payload: dict[str, object] = {"overrides": _overrides(form)}
    files: list[tuple[str, bytes]] = []
    if form.file.data:
        upload = form.file.data
        name = upload.filename or "upload.txt"
        kind_of(name)
        data = upload.read()
        if not data:
            raise ExtractionError("The file is empty.")
        payload["source"] = "file"
        files.append((name, data))
    elif form.url.data:
        payload["source"] = "url"
        payload["url"] = check_url(form.url.data)
    else:
        if scores_inline(form.text.data):  # the rule POST /api/v1/articles shares
            return None
        payload["source"] = "text"
        payload["text"] = form.text.data
    return enqueue(db.session, "ingest", payload, actor_id=actor_id, files=files)


def _document_from(form: IngestForm) -> Document:
    return from_text(form.text.data).with_overrides(
        title=form.title.data,
        url=form.source_url.data,
        outlet=form.outlet.data,
        author=form.author.data,
        published_on=form.published_on.data,
        language=form.language.data,
    )


@bp.route("/ingest", methods=["GET", "POST"])
@roles_allowed(Role.FACT_CHECKER)
def ingest_view():
    """Take in a text, page or file and flag its check-worthy claims: a web address, a
    file and a long text go to a job (the browser is sent to its page); a short pasted
    text is scored at once when the model is loaded."""
    form = IngestForm()
    status = 200
    if form.validate_on_submit():
        try:
            job = _ingest_job(form)
            if job is not None:
                db.session.commit()
                return redirect(url_for("tasks.job", job_id=job.id), code=303)
            result = ingest(
                db.session,
                _document_from(form),
                actor=current_user._get_current_object(),
                classifier=get_classifier(),
                source_kind="text",
                policy=FlagPolicy.from_config(current_app.config),
                matching=MatchSettings.from_config(current_app.config),
            )
        except DuplicateArticle as exc:
            db.session.rollback()
            link = url_for("sources.article", article_id=exc.existing_id)
            form.form_errors.append(
                Markup('{} <a href="{}">Open the existing article</a>.').format(exc.message, link)
            )
            status = 409
        except DomainError as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
            status = exc.status_code
        except ModelUnavailable:
            db.session.rollback()
            current_app.logger.exception("classifier unavailable")
            form.form_errors.append(
                "The claim classifier is not available right now; nothing "
                "was saved. Tell your administrator."
            )
            status = 503
        else:
            db.session.commit()
            flash(
                f"Ingested “{result.article.title}”: {result.summary()}",
                "success",
            )
            return redirect(url_for("sources.article", article_id=result.article.id))
    elif form.is_submitted():
        status = 400
    return render_template("sources/ingest.html", form=form), status


@bp.route("/bulk", methods=["GET", "POST"])
@roles_allowed(Role.FACT_CHECKER)
def bulk_ingest():
    """Upload a .csv or .jsonl of articles; they are ingested one by one in a job."""
    form = BulkIngestForm()
    status = 200
    if form.validate_on_submit():
        upload = form.file.data
        name = upload.filename or "upload.csv"
        data = upload.read()
        try:
            total = bulk.count_rows(
                name, data, max_rows=int(current_app.config["BULK_INGEST_MAX_ROWS"])
            )
            job = enqueue(
                db.session,
                "ingest_bulk",
                {},
                actor_id=current_user.id,
                total=total,
                files=[(name, data)],
            )
        except DomainError as exc:
            status = refuse(db.session, form, exc)
        else:
            db.session.commit()
            return redirect(url_for("tasks.job", job_id=job.id), code=303)
    elif form.is_submitted():
        status = 400
    return render_template("sources/bulk.html", form=form), status


def _get_article(article_id: int) -> Article:
    article = db.session.get(Article, article_id)
    if article is None:
        abort(404)
    return article


@bp.route("/<int:article_id>")
@login_required
def article(article_id: int):
    """Show an article with each sentence's score and the claims flagged in it."""
    item = _get_article(article_id)
    reading = article_reading(db.session, item)
    sentences, scores, claim_of = reading.sentences, reading.scores, reading.claim_of
    # Rank among the body sentences by score (1 = most check-worthy); other kinds have none.
    body = sorted(
        (s for s in sentences if s.kind == "body" and s.id in scores),
        key=lambda s: (-scores[s.id][0], s.position),
    )
    rank = {s.id: number for number, s in enumerate(body, start=1)}
    paragraphs: list[list[Sentence]] = []
    for s in sentences:
        if not paragraphs or paragraphs[-1][0].paragraph != s.paragraph:
            paragraphs.append([])
        paragraphs[-1].append(s)
    claims = list({c.id: c for c in claim_of.values()}.values())
    # A claim's rank is that of its best-ranked sentence in this article.
    claim_rank = {
        c.id: min((rank[s.id] for s in c.sentences if s.id in rank), default=None) for c in claims
    }
    classifier = get_classifier()
    return render_template(
        "sources/article.html",
        article=item,
        paragraphs=paragraphs,
        scores=scores,
        claim_of=claim_of,
        rank=rank,
        threshold=classifier.threshold_for(
            [SentenceInput(s.text, s.kind, turn=s.speaker is not None) for s in sentences]
        ),
        promote_form=PromoteForm(),
        claims=sorted(claims, key=lambda c: claim_rank.get(c.id) or len(rank) + 1),
        claim_rank=claim_rank,
    )

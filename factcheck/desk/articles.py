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
from factcheck.intake import ingest
from factcheck.matching.services import MatchSettings
from factcheck.sources.document import Document, from_text
from factcheck.sources.extract import from_file
from factcheck.sources.fetch import FetchPolicy, from_url
from factcheck.sources.forms import IngestForm, PromoteForm
from factcheck.sources.limits import ExtractLimits
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


def _document_from(form: IngestForm) -> tuple[Document, str]:
    if form.file.data:
        upload = form.file.data
        document = from_file(
            upload.filename or "upload.txt",
            upload.read(),
            ExtractLimits.from_config(current_app.config),
        )
        kind = "file"
    elif form.url.data:
        document = from_url(
            form.url.data,
            FetchPolicy.from_config(current_app.config),
            ExtractLimits.from_config(current_app.config),
        )
        kind = "url"
    else:
        document = from_text(form.text.data)
        kind = "text"
    document = document.with_overrides(
        title=form.title.data,
        url=form.source_url.data,
        outlet=form.outlet.data,
        author=form.author.data,
        published_on=form.published_on.data,
        language=form.language.data,
    )
    return document, kind


@bp.route("/ingest", methods=["GET", "POST"])
@roles_allowed(Role.FACT_CHECKER)
def ingest_view():
    """Take in a text, page or file and flag its check-worthy claims."""
    form = IngestForm()
    status = 200
    if form.validate_on_submit():
        try:
            document, kind = _document_from(form)
            result = ingest(
                db.session,
                document,
                actor=current_user._get_current_object(),
                classifier=get_classifier(),
                source_kind=kind,
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

"""The search page: one box over rulings, imported rulings, claimants, claims, articles."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Blueprint, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from factcheck.auth.security import login_required
from factcheck.classifier import ModelUnavailable
from factcheck.db import bounded_int
from factcheck.errors import InvalidInput
from factcheck.extensions import db
from factcheck.offload import ModelBusy, embed
from factcheck.paging import filter_args
from factcheck.search import queries
from factcheck.search.forms import SearchForm
from factcheck.search.queries import (
    KIND_LABELS,
    MAX_PAGE,
    SearchFilters,
    rating_labels,
    search_all,
    search_kind,
    similar,
)
from factcheck.search.syntax import parse
from factcheck.sources.queries import outlets_by_name

bp = Blueprint("search", __name__)
logger = logging.getLogger(__name__)


def _form() -> SearchForm:
    form = SearchForm(request.args)
    form.rating.choices = [SelectChoice("", "Any rating")] + [
        SelectChoice(label, label) for label in rating_labels(db.session)
    ]
    form.outlet.choices = [SelectChoice("", "Any outlet")] + [
        SelectChoice(str(o.id), o.name) for o in outlets_by_name(db.session)
    ]
    return form


def _filters(form: SearchForm) -> SearchFilters:
    return SearchFilters(
        statuses=(form.status.data,) if form.status.data else (),
        rating=form.rating.data or None,
        date_from=form.date_from.data,
        date_to=form.date_to.data,
        outlet_id=int(form.outlet.data) if form.outlet.data else None,
        claimant=(form.claimant.data or "").strip() or None,
    )


def _index_error(exc: sa.exc.DBAPIError) -> bool:
    """Whether the database refused the full-text query itself (never expected: the
    query is built from parsed words, not passed through)."""
    text = str(exc.orig).lower()
    return any(word in text for word in ("fts5", "tsquery", "text-search", "syntax error"))


@bp.route("/search")
@login_required
def search():
    """Search everything; a kind's own tab pages through its hits."""
    form = _form()
    page = {
        "form": form,
        "sections": [],
        "labels": KIND_LABELS,
        "notes": (),
        "query": None,
        "rank_window": queries.RANK_WINDOW,
    }
    if not (request.args.get("q") or "").strip():
        return render_template("search/index.html", **page)
    if not form.validate():
        return render_template("search/index.html", **page), 400
    number = bounded_int(request.args.get("page"), default=1, upper=MAX_PAGE)
    args = filter_args(form)
    try:
        filters = _filters(form)
        if form.mode.data == "similar":
            text = " ".join(form.q.data.split())
            # In the web process, or by a worker while the request waits (factcheck.offload).
            vector = embed([text], actor_id=current_user.id)
            page["similar"] = similar(db.session, vector, kind=form.kind.data)
            return render_template("search/index.html", **page)
        query = parse(form.q.data)
        page["query"], page["notes"] = query, query.notes
        if form.kind.data == "all":
            page["sections"] = search_all(db.session, query, filters)
        else:
            result = search_kind(db.session, form.kind.data, query, filters, page=number)
            page["sections"] = [result]
            page["page_number"] = number
            if result.has_more and number < MAX_PAGE:
                page["next_url"] = url_for("search.search", **args, page=number + 1)
            if number > 1:
                page["prev_url"] = url_for("search.search", **args, page=number - 1)
            page["at_limit"] = result.has_more and number >= MAX_PAGE
        page["kinds_left_out"] = [v for k, v in KIND_LABELS.items() if k not in filters.kinds()]
    except InvalidInput as exc:
        form.form_errors.append(exc.message)
        return render_template("search/index.html", **page)
    except ModelUnavailable:
        logger.exception("classifier unavailable")
        form.form_errors.append("The model is not available now; search by words instead.")
        return render_template("search/index.html", **page), 503
    except ModelBusy as exc:
        form.form_errors.append(
            "Similar-claim search is busy right now (no answer within "
            f"{exc.waited:g} s); try again in a moment, or search by words."
        )
        return (
            render_template("search/index.html", **page),
            503,
            {"Retry-After": str(exc.retry_after)},
        )
    except sa.exc.DBAPIError as exc:
        if not _index_error(exc):
            raise
        db.session.rollback()
        logger.warning("search query refused by the database: %s", exc.orig)
        form.form_errors.append(
            "The search could not be run as typed; try plain words without symbols."
        )
        return render_template("search/index.html", **page)
    page["more_url"] = {k: url_for("search.search", **{**args, "kind": k}) for k in KIND_LABELS}
    return render_template("search/index.html", **page)

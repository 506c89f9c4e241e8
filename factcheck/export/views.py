"""The export page and its CSV download (streamed)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, request, stream_with_context
from wtforms import SelectChoice

from factcheck.auth.queries import people_by_name
from factcheck.auth.security import login_required
from factcheck.db import bounded_int, utcnow
from factcheck.editorial.queries import ruling_statuses
from factcheck.errors import DomainError
from factcheck.export.forms import ExportForm
from factcheck.export.services import (
    ExportFilters,
    evidence_csv,
    public_base_url,
    rulings_csv,
)
from factcheck.extensions import db
from factcheck.sources.queries import outlets_by_name
from factcheck.verdicts.queries import every_rating

bp = Blueprint("export", __name__)


def _choices(form: ExportForm) -> None:
    anyone = [SelectChoice("", "Any")]
    ratings = every_rating(db.session)
    form.rating.choices = anyone + [SelectChoice(str(r.id), r.label) for r in ratings]
    outlets = outlets_by_name(db.session)
    form.outlet.choices = anyone + [SelectChoice(str(o.id), o.name) for o in outlets]
    people = people_by_name(db.session)
    form.fact_checker.choices = anyone + [SelectChoice(str(u.id), u.display_name) for u in people]
    form.editor.choices = anyone + [SelectChoice(str(u.id), u.display_name) for u in people]


def _int(value: str | None) -> int | None:
    return bounded_int(value)


def _filters(form: ExportForm) -> ExportFilters:
    status = form.status.data
    return ExportFilters(
        statuses=ruling_statuses(status),
        since=form.since.data,
        until=form.until.data,
        rating_id=_int(form.rating.data),
        outlet_id=_int(form.outlet.data),
        claimant=(form.claimant.data or "").strip() or None,
        fact_checker_id=_int(form.fact_checker.data),
        editor_id=_int(form.editor.data),
    )


@bp.route("/")
@login_required
def index():
    """Choose filters; the download link carries them."""
    form = ExportForm(request.args)
    _choices(form)
    errors = []
    if request.args and not form.validate():
        errors = [e for field_errors in form.errors.values() for e in field_errors]
    elif request.args:
        try:
            _filters(form)
        except DomainError as exc:
            errors = [exc.message]
    return (
        render_template("export/index.html", form=form, errors=errors, args=request.args),
        400 if errors else 200,
    )


def _requested() -> tuple[ExportForm, ExportFilters | None]:
    """The download's form and filters; None when they do not validate (index() shows why)."""
    form = ExportForm(request.args)
    _choices(form)
    if not form.validate():
        return form, None
    try:
        return form, _filters(form)
    except DomainError:
        return form, None


@bp.route("/rulings.csv")
@login_required
def download():
    """The CSV file, streamed as it is read from the database."""
    form, filters = _requested()
    if filters is None:
        return index()
    base = public_base_url(current_app.config)
    render = evidence_csv if form.kind.data == "evidence" else rulings_csv
    name = f"{form.kind.data or 'rulings'}-{utcnow():%Y%m%d-%H%M}.csv"
    # The session stays open while the response streams (stream_with_context).
    return Response(
        stream_with_context(render(db.session, filters, base_url=base)),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Content-Type": "text/csv; charset=utf-8",
        },
    )


@bp.route("/claimreview.jsonl")
@login_required
def claimreview():
    """Published rulings as ClaimReview JSON Lines, with the page's date filters."""
    from factcheck.export.claimreview import claim_reviews, jsonl_chunks

    _, filters = _requested()
    if filters is None:
        return index()
    config = current_app.config
    reviews = claim_reviews(
        db.session,
        filters,
        organisation=config["ORGANISATION_NAME"],
        organisation_url=config["ORGANISATION_URL"],
        base_url=public_base_url(config),
    )
    name = f"claimreview-{utcnow():%Y%m%d-%H%M}.jsonl"
    return Response(
        stream_with_context(jsonl_chunks(reviews)),
        mimetype="application/x-ndjson",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )

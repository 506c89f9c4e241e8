"""The export page, its downloads (streamed), and big exports prepared as a file by a
background job (the "export" job; its page offers the file)."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user
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
    export_rows,
    public_base_url,
    rulings_csv,
)
from factcheck.extensions import db
from factcheck.forms import ActionForm
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
    if (big := _too_big(filters, form.kind.data or "rulings")) is not None:
        return big
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
    if (big := _too_big(filters, "claimreview")) is not None:
        return big
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


def _too_big(filters: ExportFilters, fmt: str):  # noqa: ANN202
    """Past EXPORT_DIRECT_MAX_ROWS rows a download is prepared as a file by a job: send the
    person to the page that starts it (None: small enough to stream now)."""
    limit = current_app.config["EXPORT_DIRECT_MAX_ROWS"]
    if export_rows(db.session, filters, fmt, at_most=limit) <= limit:
        return None
    flash(
        f"This export has more than the {limit:,} rows a direct download serves: "
        "prepare it as a file.",
        "info",
    )
    args = request.args.to_dict()
    args["format"] = fmt
    return redirect(url_for("export.prepare", **args), code=303)


@bp.route("/prepare", methods=["GET", "POST"])
@login_required
def prepare():
    """Prepare an export as a file (a background job), for exports too big to download
    at once; the job's page offers the file when it is ready."""
    from factcheck.errors import InvalidInput
    from factcheck.export.files import queue_export
    from factcheck.export.services import EXPORT_FORMATS
    from factcheck.jobs.services import utc_now

    source = request.form if request.method == "POST" else request.args
    form = ExportForm(source)
    _choices(form)
    fmt = source.get("format") or form.kind.data or "rulings"
    errors: list[str] = []
    filters = None
    if fmt not in EXPORT_FORMATS:
        errors.append("Choose a CSV or ClaimReview file.")
    elif not form.validate():
        errors = [e for field_errors in form.errors.values() for e in field_errors]
    else:
        try:
            filters = _filters(form)
        except DomainError as exc:
            errors = [exc.message]
    action = ActionForm()
    max_rows = current_app.config["EXPORT_JOB_MAX_ROWS"]
    if request.method == "POST" and filters is not None and not errors:
        if not action.validate_on_submit():
            errors.append("The form expired; reload the page and try again.")
        else:
            try:
                job = queue_export(
                    db.session,
                    filters,
                    fmt,
                    actor=current_user,
                    now=utc_now(),
                    max_rows=max_rows,
                )
            except InvalidInput as exc:
                db.session.rollback()
                errors.append(exc.message)
            else:
                db.session.commit()
                return redirect(url_for("tasks.job", job_id=job.id), code=303)
    rows = None
    if filters is not None and not errors:
        rows = export_rows(db.session, filters, fmt, at_most=max_rows)
    hidden = {k: v for k, v in source.items() if k in form._fields and k != "csrf_token" and v}
    return (
        render_template(
            "export/prepare.html",
            form=form,
            action_form=action,
            errors=errors,
            rows=rows,
            fmt=fmt,
            hidden=hidden,
            max_rows=max_rows,
        ),
        422 if errors else 200,
    )

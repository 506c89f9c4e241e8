"""The dashboard page and each chart's data as CSV.

Who sees what: every role implies viewer, so everyone signed in reads the dashboard (it
only counts what the queue and the published rulings already show them). The work per
fact-checker figure is about named colleagues: editors and admins only.
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from flask import Blueprint, Response, abort, render_template, request, url_for
from flask_login import current_user

from factcheck.auth.roles import Role
from factcheck.auth.security import roles_allowed
from factcheck.classifier import ModelUnavailable
from factcheck.classifier.loader import get_classifier
from factcheck.dashboard.figures import Dashboard, Figure, Model, duration
from factcheck.dashboard.forms import PRESETS, DateRangeForm
from factcheck.dashboard.queries import Period
from factcheck.db import utcnow
from factcheck.errors import DomainError
from factcheck.export.services import UTF8_BOM, cell
from factcheck.extensions import db
from factcheck.review.counts import status_counts

bp = Blueprint("dashboard", __name__)

# The figures everyone signed in sees, in page order; WORK only editors and admins.
PUBLIC_KEYS = (
    "flagged",
    "queue",
    "ratings",
    "publish_time",
    "claimants_flagged",
    "claimants_ruled",
    "outlets_flagged",
    "outlets_ruled",
    "scores",
)
WORK = "work"
WORK_ROLES = (Role.EDITOR, Role.ADMIN)


def _model() -> tuple[Model | None, str]:
    """The classifier's name, version and threshold, read from its model.json (the weights
    are not loaded)."""
    try:
        classifier = get_classifier()
        return Model(classifier.name, classifier.version, float(classifier.threshold)), ""
    except ModelUnavailable:  # its message names server paths: not for the page
        return None, "its model files are missing or damaged."


def _dashboard() -> tuple[DateRangeForm, Dashboard | None, list[str]]:
    """The range the query string asks for and the dashboard of it, or the errors."""
    form = DateRangeForm(request.args)
    if not form.validate():
        return form, None, [e for errors in form.errors.values() for e in errors]
    now = utcnow()
    try:
        period = form.period(now.date())
    except DomainError as exc:
        return form, None, [exc.message]
    form.since.data, form.until.data = period.since, period.until  # shown in the form
    model, problem = _model()
    dashboard = Dashboard(
        db.session,
        period,
        now=now,
        model=model,
        model_problem=problem,
        status_counts=status_counts(db.session),  # kept briefly; the navigation reads them too
    )
    return form, dashboard, []


def _presets(today) -> list[tuple[str, dict[str, str]]]:  # noqa: ANN001
    return [
        (
            label,
            {"since": (today - timedelta(days=days - 1)).isoformat(), "until": today.isoformat()},
        )
        for days, label in PRESETS
    ]


def _csv_url(key: str, period: Period) -> str:
    args = {"since": period.since.isoformat(), "until": period.until.isoformat()}
    if key == WORK:
        return url_for("dashboard.download_work", **args)
    return url_for("dashboard.download", chart=key, **args)


def _page(form: DateRangeForm, dashboard: Dashboard | None, errors: list[str]):  # noqa: ANN202
    keys = list(PUBLIC_KEYS)
    if current_user.has_role(*WORK_ROLES):
        keys.insert(4, WORK)
    figures = dashboard.figures(keys) if dashboard else []
    csv_urls = {f.key: _csv_url(f.key, dashboard.period) for f in figures} if dashboard else {}
    return (
        render_template(
            "dashboard/index.html",
            form=form,
            errors=errors,
            dashboard=dashboard,
            period=dashboard.period if dashboard else None,
            summary=dashboard.summary() if dashboard else None,
            figures=figures,
            csv_urls=csv_urls,
            duration=duration,
            presets=_presets(utcnow().date()),
        ),
        400 if errors else 200,
    )


@bp.route("/")
@roles_allowed(Role.VIEWER)  # every role implies viewer: everyone signed in
def index():
    """The charts of a date range (the last 30 days unless asked)."""
    return _page(*_dashboard())


def _csv(figure: Figure, period: Period) -> Response:
    buffer = io.StringIO()
    buffer.write(UTF8_BOM)
    writer = csv.writer(buffer)
    writer.writerow(figure.columns)
    writer.writerows([cell(value) for value in row] for row in figure.rows)
    name = f"dashboard-{figure.key}-{period.since.isoformat()}-{period.until.isoformat()}.csv"
    return Response(
        buffer.getvalue().encode(),
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Content-Type": "text/csv; charset=utf-8",
        },
    )


def _download(key: str):  # noqa: ANN202
    form, dashboard, errors = _dashboard()
    if dashboard is None:
        return _page(form, dashboard, errors)
    return _csv(dashboard.figure(key), dashboard.period)


@bp.route(f"/<any({', '.join(PUBLIC_KEYS)}):chart>.csv")
@roles_allowed(Role.VIEWER)
def download(chart: str):
    """One chart's data as CSV (the same date range as the page)."""
    if chart not in PUBLIC_KEYS:  # the route allows no other, but never trust a converter
        abort(404)
    return _download(chart)


@bp.route("/work.csv")
@roles_allowed(*WORK_ROLES)
def download_work():
    """The work per fact-checker as CSV: editors and admins."""
    return _download(WORK)

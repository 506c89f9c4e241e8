"""The job pages: one job's progress, result or error (with retry and cancel), its JSON
status for the live bar, and the list of a person's jobs.

A job is shown to the person who started it and to editors and admins; anyone else gets
the same 404 as for a job that does not exist. Retry and cancel are for the person who
started it and for admins.
"""

from __future__ import annotations

from datetime import datetime
from io import BytesIO
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user

from factcheck.audit.services import record
from factcheck.auth.roles import Role
from factcheck.auth.security import login_required
from factcheck.db import bounded_int
from factcheck.errors import DomainError
from factcheck.extensions import db
from factcheck.forms import ActionForm
from factcheck.jobs import services
from factcheck.jobs.models import Job
from factcheck.jobs.runner import KINDS
from factcheck.paging import filter_args
from factcheck.sources.models import Article
from factcheck.tasks.forms import JobFilterForm
from factcheck.tasks.queries import job_file_info, jobs_for, visible_job

bp = Blueprint("tasks", __name__)

MAX_PAGE = 100_000  # a page past the end shows "no jobs", not an overflowing OFFSET
# The page reloads itself this often (seconds) while the job is queued or running, for a
# browser without JavaScript; jobs.js polls the JSON status every second instead.
REFRESH_SECONDS = 2


def kind_title(kind: str) -> str:
    """What people call a kind of job ("Ingest", "Bulk ingest")."""
    registered = KINDS.get(kind)
    return registered.title if registered else kind.replace("_", " ").capitalize()


def _job_or_404(job_id: int) -> Job:
    job = visible_job(db.session, job_id, current_user)
    if job is None:
        abort(404)
    return job


def _may_change(job: Job) -> bool:
    return job.created_by_id == current_user.id or current_user.has_role(Role.ADMIN)


def pace(job: Job, now: datetime) -> tuple[float, float] | None:
    """(units per second, seconds left) from the time since it started, when it is
    running with some progress and a known total; else None."""
    if job.status != "running" or not job.started_at or not job.total or job.progress <= 0:
        return None
    elapsed = (now - job.started_at).total_seconds()
    if elapsed <= 0:
        return None
    rate = job.progress / elapsed
    return rate, max(0.0, (job.total - job.progress) / rate)


def _pace_text(job: Job) -> str | None:
    known = pace(job, services.utc_now())
    if known is None:
        return None
    rate, left = known
    per = f"{rate:.1f} a second" if rate >= 1 else f"{rate * 60:.1f} a minute"
    if left < 60:
        eta = f"{max(1, round(left))} s"
    elif left < 3600:
        eta = f"{round(left / 60)} min"
    else:
        eta = f"{left / 3600:.1f} h"
    return f"{per}, about {eta} left"


def _result_context(job: Job) -> dict[str, Any]:
    """What the result partial needs beyond the job: the article, the download."""
    result = job.result or {}
    article = None
    article_id = bounded_int(str(result.get("article_id") or ""))
    if article_id is not None:
        article = db.session.get(Article, article_id)
    download = None
    index = result.get("download_file")
    if job.status == "done" and isinstance(index, int) and not isinstance(index, bool):
        info = job_file_info(db.session, job, index)
        if info is not None:
            download = {"index": index, "name": info[1], "size": info[2]}
    errors = result.get("errors") if isinstance(result.get("errors"), list) else []
    return {"article": article, "download": download, "row_errors": errors}


def _page_context(job: Job) -> dict[str, Any]:
    return {
        "job": job,
        "title": kind_title(job.kind),
        "pace": _pace_text(job),
        "may_change": _may_change(job),
        **_result_context(job),
    }


@bp.route("/jobs/<int:job_id>")
@login_required
def job(job_id: int):
    """A job's progress bar, then its result or error."""
    item = _job_or_404(job_id)
    return render_template(
        "tasks/job.html",
        form=ActionForm(),
        refresh=None if item.finished else REFRESH_SECONDS,
        **_page_context(item),
    )


@bp.route("/jobs/<int:job_id>.json")
@login_required
def job_status(job_id: int):
    """The job's state for the page's poller (jobs.js)."""
    item = _job_or_404(job_id)
    context = _page_context(item)
    return jsonify(
        id=item.id,
        status=item.status,
        finished=item.finished,
        progress=item.progress,
        total=item.total,
        percent=item.percent,
        attempts=item.attempts,
        error=item.error,
        pace=context["pace"],
        result_html=render_template("tasks/_result.html", **context) if item.finished else None,
    )


@bp.route("/jobs/<int:job_id>/files/<int:index>")
@login_required
def job_file(job_id: int, index: int):
    """Download a file a finished job made (an export), as its result names it."""
    item = _job_or_404(job_id)
    if (item.result or {}).get("download_file") != index or item.status != "done":
        abort(404)
    try:
        name, content = services.job_file(db.session, item, index)
    except DomainError as exc:  # deleted JOB_FILES_KEEP_DAYS after the job ended
        flash(exc.message, "error")
        return redirect(url_for("tasks.job", job_id=item.id))
    # Python's mimetypes knows .csv (text/csv) but not JSON Lines (a ClaimReview export).
    mimetype = "application/x-ndjson" if name.lower().endswith(".jsonl") else None
    return send_file(BytesIO(content), as_attachment=True, download_name=name, mimetype=mimetype)


def _change(job_id: int, action: str):
    item = _job_or_404(job_id)
    if not _may_change(item):
        abort(403)
    if not ActionForm().validate_on_submit():
        flash("The form expired; reload the page and try again.", "error")
        return redirect(url_for("tasks.job", job_id=item.id))
    before = item.status
    try:
        if action == "retry":
            services.retry(db.session, item, now=services.utc_now())
        else:
            services.cancel(db.session, item, now=services.utc_now())
        record(
            db.session,
            actor=current_user,
            action=f"job.{action}",
            entity_type="job",
            entity_id=item.id,
            changes={"status": [before, item.status]},
            extra={"kind": item.kind},
        )
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("tasks.job", job_id=job_id))
    db.session.commit()
    flash("The job is queued again." if action == "retry" else "The job was cancelled.", "success")
    return redirect(url_for("tasks.job", job_id=job_id))


@bp.route("/jobs/<int:job_id>/retry", methods=["POST"])
@login_required
def retry(job_id: int):
    """Queue a failed or cancelled job again; it resumes where it stopped."""
    return _change(job_id, "retry")


@bp.route("/jobs/<int:job_id>/cancel", methods=["POST"])
@login_required
def cancel(job_id: int):
    """Stop a queued or running job (a running one stops at its next checkpoint)."""
    return _change(job_id, "cancel")


@bp.route("/jobs")
@login_required
def jobs():
    """The signed-in person's jobs (everyone's for editors and admins), newest first."""
    form = JobFilterForm(request.args)
    status = form.status.data if form.validate() else None
    page = db.paginate(
        jobs_for(current_user, status=status or None),
        page=bounded_int(request.args.get("page"), default=1, upper=MAX_PAGE),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    return render_template(
        "tasks/jobs.html",
        page=page,
        form=form,
        filters=filter_args(form),
        kind_title=kind_title,
    )

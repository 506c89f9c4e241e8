"""Reads for the job pages: which jobs a person may see, newest first."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from factcheck.auth.roles import Role
from factcheck.jobs.models import Job, JobFile


def sees_everyones_jobs(user: Any) -> bool:
    """Editors and admins see every job; anyone else, their own."""
    return bool(user.has_role(Role.EDITOR, Role.ADMIN))


def visible_job(session: so.Session, job_id: int, user: Any) -> Job | None:
    """The job with its creator loaded, or None when it does not exist or `user` may not
    see it (the caller answers 404 either way: nobody learns that it exists)."""
    job = session.scalar(
        sa.select(Job).where(Job.id == job_id).options(so.joinedload(Job.created_by))
    )
    if job is None:
        return None
    if job.created_by_id != user.id and not sees_everyones_jobs(user):
        return None
    return job


def jobs_for(user: Any, *, status: str | None = None) -> sa.Select[tuple[Job]]:
    """The jobs `user` may see (all of them for editors and admins), newest first."""
    query = sa.select(Job).options(so.joinedload(Job.created_by))
    if not sees_everyones_jobs(user):
        query = query.where(Job.created_by_id == user.id)
    if status:
        query = query.where(Job.status == status)
    return query.order_by(Job.created_at.desc(), Job.id.desc())


def job_file_info(session: so.Session, job: Job, index: int) -> tuple[int, str, int] | None:
    """(id, name, size) of the job's `index`th file, without its bytes; None if absent."""
    if index < 0:
        return None
    row = session.execute(
        sa.select(JobFile.id, JobFile.name, JobFile.size)
        .where(JobFile.job_id == job.id)
        .order_by(JobFile.id)
        .offset(index)
        .limit(1)
    ).first()
    return None if row is None else (row.id, row.name, row.size)

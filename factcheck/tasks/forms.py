"""The job list's filter."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField

from factcheck.jobs.models import JOB_STATUSES


class JobFilterForm(FlaskForm):
    """Filter the job list by status (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    status = SelectField(
        "Status",
        choices=[
            SelectChoice("", "Any status"),
            *(SelectChoice(s, s.capitalize()) for s in JOB_STATUSES),
        ],
        default="",
    )

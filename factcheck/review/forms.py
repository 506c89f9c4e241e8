"""Queue filters and the actions on a claim in the queue."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DecimalField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from factcheck.claims.lifecycle import CLAIM_STATUSES
from factcheck.claims.models import CLAIM_TYPES, DISMISS_REASONS
from factcheck.db import MAX_ID

STATUS_CHOICES = [
    SelectChoice("open", "Waiting (new, in review, returned)"),
    SelectChoice("all", "Any status"),
] + [SelectChoice(s, s.replace("_", " ").capitalize()) for s in CLAIM_STATUSES]
DISMISS_LABELS = {"not_a_claim": "Not a claim", "not_check_worthy": "Not check-worthy"}


class QueueFilterForm(FlaskForm):
    """The queue's filters, read from the query string (GET: no CSRF token needed)."""

    class Meta:
        csrf = False

    status = SelectField("Status", choices=STATUS_CHOICES, default="open")
    q = StringField("Search claim text", validators=[Optional(), Length(max=200)])
    min_score = DecimalField("Score from", places=2, validators=[Optional(), NumberRange(0, 1)])
    max_score = DecimalField("to", places=2, validators=[Optional(), NumberRange(0, 1)])
    outlet = SelectField("Outlet", coerce=str, validators=[Optional()])
    claimant = StringField("Claimant", validators=[Optional(), Length(max=200)])
    found_from = DateField("Found from", validators=[Optional()])
    found_to = DateField("to", validators=[Optional()])
    assignee = SelectField("Held by", coerce=str, validators=[Optional()])
    claim_type = SelectField(
        "Type",
        choices=[SelectChoice("", "Any type")]
        + [SelectChoice(t, t.capitalize()) for t in CLAIM_TYPES],
        validators=[Optional()],
    )


class AssignForm(FlaskForm):
    assignee = SelectField("Assign to", coerce=int, validators=[DataRequired("Choose a person.")])
    submit = SubmitField("Assign")


class DismissForm(FlaskForm):
    reason = SelectField(
        "Reason",
        choices=[SelectChoice(r, DISMISS_LABELS[r]) for r in DISMISS_REASONS],
        validators=[DataRequired("Choose a reason.")],
    )
    note = TextAreaField("Note (optional)", validators=[Optional(), Length(max=2000)])
    submit = SubmitField("Dismiss")


class MergeForm(FlaskForm):
    into = IntegerField(
        "Duplicate of claim #",
        validators=[
            DataRequired("Give the number of the claim it duplicates."),
            NumberRange(1, MAX_ID, "No claim has that number."),
        ],
    )
    submit = SubmitField("Merge")

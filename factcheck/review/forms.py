"""Queue filters and the actions on a claim in the queue."""

from __future__ import annotations

from collections.abc import Sequence

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from factcheck.auth.models import User
from factcheck.auth.roles import Role
from factcheck.claims.lifecycle import CLAIM_STATUSES
from factcheck.claims.models import CLAIM_TYPES, DISMISS_REASONS
from factcheck.db import MAX_ID
from factcheck.errors import InvalidInput
from factcheck.review.bulk import BULK_MAX, Selected, parse_selection

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


BULK_ACTIONS = {
    "dismiss": "Dismiss",
    "assign": "Assign",
    "merge": "Merge into one",
    "accept": "Accept suggested repeats",
    "reject": "Reject suggested repeats",
}


class BulkForm(FlaskForm):
    """One action on the claims ticked in the queue (or every claim on the page).

    Each ticked row sends `claim=<id>:<version>`; "select all on this page" sends the
    page's own list (`page`), so it works without script. The pressed button names the
    action; the other fields are read only by the action that needs them."""

    claim = SelectMultipleField("Claims", validate_choice=False)
    select_all = BooleanField("Select all on this page")
    page = HiddenField(validators=[Optional(), Length(max=BULK_MAX * 22)])
    action = SelectField(
        "Action",
        choices=[SelectChoice(k, v) for k, v in BULK_ACTIONS.items()],
        validators=[DataRequired("Choose what to do with the selected claims.")],
    )
    reason = SelectField(
        "Reason",
        choices=[SelectChoice("", "Choose why…")]
        + [SelectChoice(r, DISMISS_LABELS[r]) for r in DISMISS_REASONS],
        validators=[Optional()],
    )
    note = TextAreaField("Note (optional)", validators=[Optional(), Length(max=2000)])
    assignee = SelectField("Assign to", coerce=str, validators=[Optional()])
    into = IntegerField(
        "Into claim # (optional)",
        validators=[Optional(), NumberRange(1, MAX_ID, "No claim has that number.")],
    )
    back = HiddenField(validators=[Optional(), Length(max=2000)])

    selection: list[Selected]

    def validate(self, extra_validators=None) -> bool:  # noqa: ANN001
        """The fields, then the selection (parsed and bounded) and what the action needs."""
        if not super().validate(extra_validators):
            return False
        values = list(self.claim.data or [])
        if self.select_all.data:
            values.append(self.page.data or "")
        try:
            self.selection = parse_selection(values)
        except InvalidInput as exc:
            self.claim.errors = [exc.message]
            return False
        if not self.selection:
            self.claim.errors = ["Select at least one claim."]
            return False
        if self.action.data == "dismiss" and not self.reason.data:
            self.reason.errors = ["Choose why the claims are dismissed."]
            return False
        if self.action.data == "assign" and not self.assignee.data:
            self.assignee.errors = ["Choose who to assign the claims to."]
            return False
        return True


def bulk_form(actor: User, people: Sequence[User]) -> BulkForm:
    """The queue's bulk form for this person: an editor may assign to any of `people` (the
    fact-checkers), anyone else only to themselves."""
    form = BulkForm()
    choices = people if actor.has_role(Role.EDITOR) else [actor]
    form.assignee.choices = [SelectChoice("", "Choose a person…")] + [
        SelectChoice(str(u.id), u.display_name) for u in choices
    ]
    return form

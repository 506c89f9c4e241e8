"""The form behind the decision buttons on a claim's matches."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectChoice, SelectField
from wtforms.validators import DataRequired, NumberRange

from factcheck.db import MAX_ID

# The button pressed (its name is "decision"), and what the service does.
DECISIONS = {
    "accept": "Same claim",
    "reject": "Not the same",
    "attach": "Attach this ruling",
    "undo": "Undo repeat link",
}


class MatchDecisionForm(FlaskForm):
    """One match's buttons: each is a submit button named "decision" with its value."""

    match_id = IntegerField(
        "Match",
        validators=[
            DataRequired("Say which match: reload the page and press a button again."),
            NumberRange(1, MAX_ID, "There is no such match."),
        ],
    )
    decision = SelectField(
        "Decision",
        choices=[SelectChoice(k, v) for k, v in DECISIONS.items()],
        validators=[DataRequired("Press one of the match's buttons.")],
    )

"""The search box and its filters, read from the query string (GET: no CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, SelectChoice, SelectField, StringField
from wtforms.validators import Length, Optional

from factcheck.claims.lifecycle import CLAIM_STATUSES
from factcheck.search.queries import KIND_LABELS, KINDS
from factcheck.search.syntax import MAX_QUERY_CHARS

MODES = [
    SelectChoice("words", "Words"),
    SelectChoice("similar", "Similar meaning"),
]


class SearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(
        "Search",
        validators=[
            Optional(),
            Length(max=MAX_QUERY_CHARS, message=f"At most {MAX_QUERY_CHARS} characters."),
        ],
        description='Words, "a phrase", tax* for words starting so, -word to leave out, OR.',
    )
    mode = SelectField("Match", choices=MODES, default="words")
    kind = SelectField(
        "Show",
        choices=[SelectChoice("all", "Everything")]
        + [SelectChoice(k, KIND_LABELS[k]) for k in KINDS],
        default="all",
    )
    status = SelectField(
        "Claim status",
        choices=[SelectChoice("", "Any status")]
        + [SelectChoice(s, s.replace("_", " ").capitalize()) for s in CLAIM_STATUSES],
        validators=[Optional()],
    )
    rating = SelectField("Rating", coerce=str, validators=[Optional()])
    outlet = SelectField("Outlet", coerce=str, validators=[Optional()])
    claimant = StringField("Claimant", validators=[Optional(), Length(max=200)])
    date_from = DateField("From", validators=[Optional()])
    date_to = DateField("to", validators=[Optional()])

"""The export page's filters (GET, so a filtered export is a link that can be shared)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, SelectChoice, SelectField, StringField
from wtforms.validators import Length, Optional


class ExportForm(FlaskForm):
    class Meta:
        csrf = False

    status = SelectField(
        "Rulings",
        choices=[
            SelectChoice("published", "Published"),
            SelectChoice("retracted", "Retracted"),
            SelectChoice("both", "Published and retracted"),
        ],
        default="published",
    )
    since = DateField("Published from", validators=[Optional()])
    until = DateField("to", validators=[Optional()])
    rating = SelectField("Rating", validators=[Optional()])
    outlet = SelectField("Outlet", validators=[Optional()])
    claimant = StringField("Claimant contains", validators=[Optional(), Length(max=200)])
    fact_checker = SelectField("Fact-checker", validators=[Optional()])
    editor = SelectField("Approving editor", validators=[Optional()])
    kind = SelectField(
        "File",
        choices=[
            SelectChoice("rulings", "One row per ruling"),
            SelectChoice("evidence", "One row per evidence source"),
        ],
        default="rulings",
    )

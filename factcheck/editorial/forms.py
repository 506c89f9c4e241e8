"""Editors' forms: decide on a submitted revision, publish, retract."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class DecisionForm(FlaskForm):
    """Approve (comment optional) or return (comment required) the revision named."""

    revision_id = HiddenField(validators=[DataRequired()])
    comment = TextAreaField(
        "Comment",
        description="Required when returning: say what needs fixing.",
        validators=[Optional(), Length(max=5000)],
    )
    approve = SubmitField("Approve")
    approve_publish = SubmitField("Approve and publish")
    send_back = SubmitField("Return to fact-checker")


class PublishForm(FlaskForm):
    publish = SubmitField("Publish ruling")


class RetractForm(FlaskForm):
    note = TextAreaField(
        "Why is this ruling retracted? (public)",
        validators=[DataRequired("Say why the ruling is retracted."), Length(max=5000)],
    )
    retract = SubmitField("Retract ruling")

"""Editors' forms: decide on a submitted revision or a proposed correction, publish, retract."""

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


class CorrectionDecisionForm(FlaskForm):
    """Approve a correction waiting for a second editor, or decline it with a reason."""

    revision_id = HiddenField(validators=[DataRequired()])
    comment = TextAreaField(
        "Reason",
        description="Required when declining: say why the ruling should stay as it is.",
        validators=[Optional(), Length(max=5000)],
    )
    approve = SubmitField("Approve and publish correction")
    decline = SubmitField("Decline correction")


class PublishForm(FlaskForm):
    publish = SubmitField("Publish ruling")


class RetractForm(FlaskForm):
    note = TextAreaField(
        "Why is this ruling retracted? (public)",
        validators=[DataRequired("Say why the ruling is retracted."), Length(max=5000)],
    )
    retract = SubmitField("Retract ruling")

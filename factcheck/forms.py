"""Forms every feature's pages share."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SubmitField


class ActionForm(FlaskForm):
    """A button that changes something (take, release, reopen): CSRF only."""

    submit = SubmitField("Go")

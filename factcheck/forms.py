"""Forms every feature's pages share."""

from __future__ import annotations

from typing import Protocol

from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from wtforms import SubmitField


class ActionForm(FlaskForm):
    """A button that changes something (take, release, reopen): CSRF only."""

    submit = SubmitField("Go")


class _Refusal(Protocol):
    message: str
    status_code: int


def refuse(session: Session, form: FlaskForm, exc: _Refusal) -> int:
    """A service refused the change: undo what it flushed, show why above the form (what
    was typed stays in it), and give the HTTP status to answer with."""
    session.rollback()
    form.form_errors.append(exc.message)
    return exc.status_code

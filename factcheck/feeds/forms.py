"""Forms of the feed pages: add a feed, change one, and the buttons (CSRF only)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

KINDS = {
    "auto": "Detect (RSS, Atom or sitemap)",
    "rss": "RSS",
    "atom": "Atom",
    "sitemap": "Sitemap",
}
KIND_CHOICES = [SelectChoice(value, label) for value, label in KINDS.items()]


class FeedForm(FlaskForm):
    """Register a feed of an outlet."""

    url = StringField(
        "Feed or sitemap address",
        validators=[DataRequired(), Length(max=2048)],
        description="The RSS/Atom feed or the (news) sitemap, http or https.",
    )
    outlet = StringField(
        "Outlet",
        validators=[DataRequired(), Length(max=200)],
        description="The publication it belongs to; a new name adds the outlet.",
    )
    kind = SelectField("Kind", choices=KIND_CHOICES, default="auto")
    interval = IntegerField(
        "Poll every (minutes)",
        validators=[Optional(), NumberRange(min=1, max=10080)],
        description="Left empty: the default interval.",
    )


class FeedEditForm(FlaskForm):
    """Change how a feed is polled."""

    kind = SelectField("Kind", choices=KIND_CHOICES, default="auto")
    interval = IntegerField(
        "Poll every (minutes)", validators=[DataRequired(), NumberRange(min=1, max=10080)]
    )
    active = BooleanField("Poll this feed")


class ButtonForm(FlaskForm):
    """A button that changes something (poll now, delete): CSRF only."""

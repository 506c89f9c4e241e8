"""The dashboard's date range (GET, so a range is a link that can be shared)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.widgets import DateInput

from factcheck.dashboard.queries import MAX_DAYS, Period
from factcheck.errors import InvalidInput

DEFAULT_DAYS = 30
EARLIEST = date(2000, 1, 1)
# Ranges offered as links above the form.
PRESETS = ((7, "7 days"), (30, "30 days"), (90, "90 days"), (365, "1 year"), (MAX_DAYS, "2 years"))


class DayField(StringField):
    """A date typed as YYYY-MM-DD (a date picker in browsers), with a message that says
    what was wrong rather than "Not a valid date value"."""

    widget = DateInput()

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = None
        raw = (valuelist[0] if valuelist else "").strip()
        if not raw:
            return
        try:
            if len(raw) != 10:
                raise ValueError(raw)
            self.data = datetime.strptime(raw, "%Y-%m-%d").date()
        except ValueError:
            shown = raw if len(raw) <= 24 else raw[:23] + "…"
            raise ValueError(
                f"“{shown}” is not a date: write it as year-month-day, e.g. 2026-03-01."
            ) from None

    def _value(self) -> str:
        if self.data is not None:
            return self.data.isoformat()
        return ""


class DateRangeForm(FlaskForm):
    class Meta:
        csrf = False

    since = DayField("From")
    until = DayField("To")

    def period(self, today: date) -> Period:
        """The range asked for: the last DEFAULT_DAYS days up to today when a date is left
        out; refused (InvalidInput, with what to do) outside EARLIEST..today or longer than
        MAX_DAYS days. Call after validate()."""
        until = self.until.data or today
        since = self.since.data or max(EARLIEST, until - timedelta(days=DEFAULT_DAYS - 1))
        if until > today:
            raise InvalidInput(f"The end date is after today ({today.isoformat()}).")
        if since < EARLIEST:
            raise InvalidInput(f"The start date is before {EARLIEST.isoformat()}.")
        return Period(since, until)

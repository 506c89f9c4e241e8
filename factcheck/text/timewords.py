"""Day-level time words in claims and reporting frames ("on Monday", "yesterday", "on
Wednesday 27 November"): finding them, dropping them at clause edges, and dating a
statement from them against the article's publication date.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from factcheck.text.wordlists import alternation

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTHS = {
    "january": 1,
    "february": 2,
    "march": 3,
    "april": 4,
    "may": 5,
    "june": 6,
    "july": 7,
    "august": 8,
    "september": 9,
    "october": 10,
    "november": 11,
    "december": 12,
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "sept": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_WD = r"(?P<wd>" + "|".join(w.title() for w in WEEKDAYS) + r")"
_MON = r"(?:" + alternation(m.title() for m in _MONTHS) + r")\.?"
_DATE = (
    r"(?:(?P<d1>\d{1,2})(?:st|nd|rd|th)?\s+(?P<m1>" + _MON + r")"
    r"|(?P<m2>" + _MON + r")\s+(?P<d2>\d{1,2})(?:st|nd|rd|th)?(?![\d:]))"
    r"(?:,?\s+(?P<y>\d{4}))?"
)
_PART = r"(?:\s+(?:morning|afternoon|evening|night))?"
# Day-level time adverbials. Year- and month-level ones ("last year", "in 2016") are left
# alone: they are usually what the claim is about ("crime rose 20% last year").
_TIME = (
    r"(?:(?:late|early|earlier|later)\s+)?"
    r"(?:(?P<on>on\s+)?" + _WD + _PART + r"(?:,?\s+" + _DATE + r")?"
    r"|on\s+"
    + _DATE.replace("P<", "P<x")
    + r"|(?P<last>last|this(?:\s+past)?|past)\s+(?P<lastwd>"
    + "|".join(w.title() for w in WEEKDAYS)
    + r"|week|weekend)"
    r"|(?P<rel>yesterday|today|tonight|last\s+night|this\s+(?:morning|afternoon|evening)"
    r"|earlier\s+(?:today|this\s+week)))"
)
TIME_RE = re.compile(r"(?<![\w-])" + _TIME + r"(?![\w-])", re.IGNORECASE)
# Words after which a bare weekday is the object of a preposition, not a time adverbial.
_NOT_BEFORE_BARE_DAY = frozenset(
    """
    by until till from since before after of to through between next every each than for and
    or the a an its his her their that
    """.split()
)
_EDGE_AFTER = re.compile(
    r"^(?:\s*$|\s*[.!?;:,]|\s+(?:and|but|while|when|after|before|as|amid|amidst|where|"
    r"has|have|had|is|are|was|were|will|would)\b|\s+\w+(?:ing|ed)\b)"
)


def _time_matches(text: str) -> list[re.Match[str]]:
    """Day-level time adverbials, without "by Friday", "Sunday’s vote", "the Sunday Times"."""
    found = []
    for match in TIME_RE.finditer(text):
        groups = match.groupdict()
        after = text[match.end() :]
        if (groups["wd"] or groups["lastwd"]) and re.match(r"[’']s\b", after):
            continue
        bare = (
            groups["wd"]
            and not groups["on"]
            and not match.group(0).lower().startswith(("late", "early", "earlier", "later"))
        )
        if bare:
            before = text[: match.start()].split()
            if before and before[-1].lower().strip(",") in _NOT_BEFORE_BARE_DAY:
                continue
            if re.match(r"\s+[A-Z]", after) and not groups["d1"] and not groups["m2"]:
                continue
        found.append(match)
    return found


def drop_time_adverbials(text: str) -> str:
    """Remove day-level time adverbials ("on Monday", "this past week", "on Wednesday 27
    November") at clause edges. A date without a weekday ("on December 12") stays: it is
    absolute, and often what the claim is about ("the vote will take place on ...")."""
    for match in reversed(_time_matches(text)):
        if match.group("xm1") or match.group("xm2"):
            continue
        before, after = text[: match.start()], text[match.end() :]
        at_start = not before.strip() or before.rstrip().endswith((",", ";", ":"))
        at_end = bool(_EDGE_AFTER.match(after))
        if not (at_start or at_end):
            continue
        if at_start and not before.strip():
            text = after.lstrip(" ,")
        elif before.rstrip().endswith(",") and after.lstrip().startswith(","):
            text = before.rstrip() + " " + after.lstrip()[1:].lstrip()
        else:
            text = before.rstrip() + after
    return text


def statement_date(frame: str, published_on: date | None) -> date | None:
    """The date a reporting frame gives for the statement, resolved against publication.

    An explicit date ("on 1 December", "Sunday 1 December") takes its year from the text,
    else the publication year (the year before when that would fall after publication).
    A weekday is the publication date itself when it is that weekday (wire style names the
    day, never "today"), else the most recent such day before it; "last Monday" and "this
    past Monday" are always strictly before, "this Monday" is not resolved. "yesterday"
    and "last night" are the day before, "today" the day itself, "last week" seven days
    before (approximate). None when the frame gives no day or the day needs a publication
    date that is not known.
    """
    matches = _time_matches(frame)
    if not matches:
        return None
    match = matches[-1]
    g = match.groupdict()
    day, month = g["d1"] or g["d2"] or g["xd1"] or g["xd2"], g["m1"] or g["m2"]
    month = month or g["xm1"] or g["xm2"]
    year = g["y"] or g["xy"]
    if day and month:
        number = _MONTHS[month.lower().rstrip(".")]
        if year is None and published_on is None:
            return None
        try:
            found = date(int(year) if year else published_on.year, number, int(day))
            if year is None and found > published_on:
                found = found.replace(year=found.year - 1)
        except ValueError:
            return None
        return found
    if published_on is None:
        return None
    if g["wd"]:
        back = (published_on.weekday() - WEEKDAYS.index(g["wd"].lower())) % 7
        return published_on - timedelta(days=back)
    if g["last"]:
        unit = g["lastwd"].lower()
        if unit in WEEKDAYS and g["last"].lower() != "this":  # "this Monday" is either way
            back = (published_on.weekday() - WEEKDAYS.index(unit)) % 7 or 7
            return published_on - timedelta(days=back)
        if unit == "week" and g["last"].lower() == "last":
            return published_on - timedelta(days=7)
        return None
    rel = " ".join(g["rel"].lower().split())
    if rel in {"yesterday", "last night"}:
        return published_on - timedelta(days=1)
    return published_on

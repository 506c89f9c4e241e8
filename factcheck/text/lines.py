"""What one line of a news text is by itself: a byline, an update stamp, a dateline, a
heading, a page label, the start of a caption; and the vocabulary those rules share
(agencies, dates, names). Credit lines are factcheck.text.credits; how lines combine into
the document's structure is factcheck.text.layout.
"""

from __future__ import annotations

import re

from factcheck.text.wordlists import entries, word_set

MAX_HEADING_CHARS = 160
MAX_HEADING_WORDS = 20
MAX_CAPTION_WORDS = 80

_MONTHS = (
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec"
).split()
_WEEKDAYS = (
    "monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs "
    "fri sat sun"
).split()
_TIME_WORDS = entries("time_words")
_DATE_WORDS = frozenset((*_MONTHS, *_WEEKDAYS, *_TIME_WORDS))
_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_DATE = rf"(?:{_MONTH}\s+{_DAY}|{_DAY}\s+{_MONTH})(?:,?\s+\d{{4}})?"

# News agencies and picture desks, as they appear in credits and datelines (lower case).
AGENCIES = word_set("agencies")
# Lower-case words that may sit among the capitalised names of a credit or byline.
_NAME_CONNECTORS = word_set("name_connectors")
# Structural labels that end with a colon: never a transcript's speaker.
_STRUCTURAL_LABELS = word_set("structural_labels")
# Whole lines that label a page section rather than say anything.
_LABEL_LINES = word_set("label_lines")

_QUOTES = "\"'“”‘’«»"
_PUNCTUATION = ".:'\"“”‘’!?-–—*"  # stripped off the ends of words
CLOSERS = _QUOTES + ")]}"
# "Pictured:", "Above:", "FILE PHOTO:", "FILE -", "Image caption, ..." open a caption.
_CAPTION_INTRO = re.compile(
    r"(?:(?i:pictured|above|below|top|left|right|inset|main image|top image|file photo"
    r"|photo caption|image caption|media caption|video caption|caption|in pictures)\s*[:,]"
    r"|FILE\s*[-–—]|FILE PHOTO\s*[-–—])\s*(?=\S)"
)
_UPDATE_LEAD = re.compile(
    r"(?i:(?:last|first|originally)\s+)?(?i:updated|published|posted|modified|edited)\b"
    r"(?:\s+(?i:on|at))?\s*[:\-–—,]?\s*"
)
_BYLINE_LEAD = re.compile(r"(?:By|BY|by)\s+(?=[A-Z])")
_SPLITTERS = re.compile(r"\s+[|•·]\s+|\s*\|\s*")
_WORD = re.compile(r"[^\s,;|•·()\[\]/]+")
_BULLET = re.compile(r"(?:[-*•·▪●◦–—]|\d{1,2}[.)])\s")
_SPEAKER_LABEL = re.compile(r"[A-Z][A-Z0-9.'’\- ]{0,40}:\s")
# A sentence end inside a line: a word of two or more lower-case letters or digits, then
# final punctuation, then a capital ("Prices rose. The", not "U.S. Army" or "Dr. Who").
_INNER_STOP = re.compile(rf"[a-z0-9]{{2,}}[.!?][{re.escape(CLOSERS)}]*\s+[{_QUOTES}]?[A-Z]")
_NUMBER = re.compile(r"\d[\d:./-]*(?:st|nd|rd|th|am|pm|h|z)?|\d{4}-\d\d-\d\dt[\d:.]+z?")
_CRUMB = re.compile(r"\s+[|>›»/•]\s+")

_PLACE_WORD = r"[A-Z][\w.'’-]*"
_PLACE = rf"{_PLACE_WORD}(?:\s+(?:{_PLACE_WORD}|de|del|al|el|es|of|upon|am|an|sur)){{0,3}}"
_AGENCY_PAREN = r"\((?P<agency>[A-Z][\w.&'’-]*(?:\s+[A-Za-z][\w.&'’-]*){0,3}|dpa|efe)\)"
# "BEIRUT, Dec 2 (Reuters) -", "KYIV, Ukraine (AP) —", "(CNN) —"
_AGENCY_DATELINE = re.compile(
    rf"(?:(?P<place>{_PLACE})(?:,\s*{_PLACE}){{0,2}}(?P<date>,?\s+{_DATE})?\s*)?{_AGENCY_PAREN}"
    r"\s*(?:-{1,2}|[–—―:])\s*(?=\S)"
)
# "WASHINGTON —", "KYIV, Ukraine —", "NEW DELHI, Dec 2:" (an upper-case place)
_CAPS_DATELINE = re.compile(
    rf"(?P<place>[A-Z][A-Z.'’-]+(?:\s+[A-Z][A-Z.'’-]+){{0,3}})(?:,\s*{_PLACE}){{0,2}}"
    rf"(?:(?:,?\s+{_DATE})?(?:\s+-{{1,2}}\s+|\s*[–—―]\s*)|,\s+{_DATE}\s*:\s+)(?=\S)"
)
# "Beirut, 2 December 2024 – " (a dated place in any case)
_DATED_DATELINE = re.compile(
    rf"{_PLACE}(?:,\s*{_PLACE}){{0,2}},\s+{_DATE}\s*(?:\s-{{1,2}}\s+|[–—―:]\s*)(?=\S)"
)
# Upper-case words that open a heading or a caption, never a dateline's place.
_NOT_PLACES = frozenset(
    "FILE UPDATE UPDATED BREAKING WATCH EXCLUSIVE ANALYSIS LIVE VIDEO PHOTOS NOTE CORRECTION "
    "EDITOR'S EDITOR’S FACTBOX EXPLAINER OPINION FACT CHECK FACT-CHECK INSIGHT Q A".split()
)

# --- words and names ----------------------------------------------------------------------


def _words(text: str) -> list[str]:
    """The words of a text, without surrounding punctuation."""
    words = (w.strip(_PUNCTUATION) for w in _WORD.findall(text))
    return [w for w in words if w]


def only_names(text: str, *, max_words: int, max_prose: int = 0) -> bool:
    """Whether the text is only names: capitalised words and connectors, and at most
    `max_prose` other words."""
    words = _words(text)
    if not words or len(words) > max_words:
        return False
    named = prose = 0
    for word in words:
        if word[0].isupper():
            named += 1
        elif word.lower() not in _NAME_CONNECTORS and word.lower() not in AGENCIES:
            prose += 1
    return prose <= max_prose and (named > 0 or any(w.lower() in AGENCIES for w in words))


def _date_like(text: str) -> bool:
    """Whether the text is only a date and time ("3 Dec 2024, 10:42 GMT", "2 hours ago")."""
    if len(text) > 120:
        return False
    anchored = False
    count = 0
    for raw in _WORD.finditer(text):  # lazily: most lines fail on their first word
        low = raw[0].strip(_PUNCTUATION).lower()
        if not low:
            continue
        count += 1
        if _NUMBER.fullmatch(low):
            anchored = anchored or not (low.isdigit() and len(low) <= 2)  # "3" alone is no date
        elif low in _DATE_WORDS:
            anchored = anchored or low in _MONTHS or low in ("ago", "today", "yesterday")
        else:
            return False
    return anchored and count <= 16


def is_structural_label(label: str) -> bool:
    """Whether a "LABEL:" opening a line names a caption, credit or stamp, not a speaker."""
    return " ".join(label.lower().split()) in _STRUCTURAL_LABELS


def is_byline(line: str) -> bool:
    """ "By NAME", "By NAME and NAME, Reuters", optionally "| Updated ..." after it."""
    if len(line) > 200:
        return False
    first, *rest = _SPLITTERS.split(line.strip())
    match = _BYLINE_LEAD.match(first)
    if not match:
        return False
    who = first[match.end() :].rstrip(".")
    lead = _words(who)[:1]
    if not lead or lead[0].lower() in _MONTHS or lead[0].lower() in _WEEKDAYS:
        return False
    if not only_names(who, max_words=16):
        return False
    return all(only_names(p, max_words=8) or is_update(p) or _date_like(p) for p in rest)


def is_update(line: str) -> bool:
    """ "Updated 3 March 2025, 10:42 GMT", "Published ...", or a bare date and time."""
    if len(line) > 200:
        return False
    parts = [p for p in _SPLITTERS.split(line.strip()) if p.strip()]
    return bool(parts) and all(_date_like(p) or _stamp(p) for p in parts)


def _stamp(text: str) -> bool:
    match = _UPDATE_LEAD.match(text.strip())
    return bool(match) and _date_like(text.strip()[match.end() :])


def caption_intro(line: str) -> bool:
    """Whether the line opens like a caption ("Pictured: ...", "FILE PHOTO: ...")."""
    return bool(_CAPTION_INTRO.match(line)) and len(line.split()) <= MAX_CAPTION_WORDS


def dateline_end(line: str, *, first_body: bool) -> int | None:
    """The end of a dateline opening the line ("BEIRUT, Dec 2 (Reuters) -"), or None.
    An upper-case place with only a dash counts in the first body paragraph only."""
    head = line[:200]
    match = _AGENCY_DATELINE.match(head)
    if match is not None and not _agency_dateline(match):
        match = None  # "Hayat Tahrir al-Sham (HTS) - the group ..."
    if match is None and first_body:
        match = _CAPS_DATELINE.match(head) or _DATED_DATELINE.match(head)
        rest = head[match.end() :].lstrip(_QUOTES)[:1] if match else ""
        if match is not None and (
            match.groupdict().get("place") in _NOT_PLACES or not (rest.isupper() or rest.isdigit())
        ):
            match = None  # "NATO — the alliance — said": no new sentence after the dash
    if match is None:
        return None
    return len(head[: match.end()].rstrip())


def _agency_dateline(match: re.Match[str]) -> bool:
    """A known agency in brackets, or any name after an upper-case or dated place."""
    if match["agency"].lower() in AGENCIES or match["date"]:
        return True
    place = (match["place"] or "").split()
    return bool(place) and place[0].isupper() and len(place[0]) > 1


def heading_like(line: str) -> bool:
    """Short, capitalised, one sentence, no final full stop: reads as a heading."""
    if len(line) > MAX_HEADING_CHARS or not line:
        return False
    if not 1 <= len(line.split()) <= MAX_HEADING_WORDS:
        return False
    first = line.lstrip(_QUOTES)[:1]
    if not (first.isupper() or first.isdigit()):
        return False
    core = line.rstrip(CLOSERS + " ")
    if not core or core[-1] in ".,;:-–—" or core.endswith("..."):
        return False
    if _BULLET.match(line):
        return False
    if (label := _SPEAKER_LABEL.match(line)) and label[0][:-2].strip() not in _NOT_PLACES:
        return False  # "TRUMP: Taxes went up" is a speaker's turn; "EXCLUSIVE: ..." a heading
    return not _INNER_STOP.search(line)


def is_label_line(line: str) -> bool:
    """A page label: "Advertisement", "READ MORE", "WORLD NEWS", "World > Middle East"."""
    words = line.split()
    if len(words) <= 4 and line.upper() == line and sum(c.isalpha() for c in line) >= 2:
        return True
    parts = _CRUMB.split(line)
    if len(parts) > 1 and all(len(p.split()) <= 3 for p in parts):
        return True
    return len(words) <= 6 and " ".join(_words(line)).lower() in _LABEL_LINES


def section_strength(line: str) -> int:
    """2 for a sure section label (a page label or a single word), 1 for a two-word line
    that may be one, 0 otherwise; for heading-like lines."""
    if is_label_line(line) or len(line.split()) == 1:
        return 2
    return 1 if len(line.split()) == 2 and not any(c.isdigit() for c in line) else 0

"""Recognise what each line of a news text is: headline, byline, caption, credit, body, ...

Rules are deterministic and written for English wire and news copy; the kinds follow the
labelling guideline of the news evaluation set (tests/data/news/GUIDELINE.md). Only body
text is a candidate claim: a photo caption, a credit line or a headline is never flagged.

The unit is the line. A paragraph is a run of non-blank lines; most rules look at one line
(credits, bylines, update stamps), a few at its neighbours (a caption is the text in the
same paragraph before a photo credit; a subhead stands alone as a paragraph; a standfirst
sits between the headline and a byline or dateline).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from factcheck.text.wordlists import entries, word_set

HEADLINE = "headline"
STANDFIRST = "standfirst"
SUBHEAD = "subhead"
SECTION = "section"
BYLINE = "byline"
DATELINE = "dateline"
UPDATE = "update"
CAPTION = "caption"
CREDIT = "credit"
BODY = "body"
KINDS = (HEADLINE, STANDFIRST, SUBHEAD, SECTION, BYLINE, DATELINE, UPDATE, CAPTION, CREDIT, BODY)
# Kinds whose text is prose and is split into sentences; the others are one span per line.
SENTENCE_KINDS = frozenset({BODY, CAPTION, STANDFIRST})

MAX_HEADING_CHARS = 160
MAX_HEADING_WORDS = 20
MAX_CAPTION_WORDS = 80
MAX_STANDFIRST_WORDS = 70
MAX_STANDFIRST_PARAGRAPHS = 2
MAX_STANDFIRST_LINES = 3
MAX_CREDIT_CHARS = 250  # how far from a line's end a trailing photo credit may start
MAX_LABEL_LINE_CHARS = 600  # longer lines are never a credit, byline or stamp


@dataclass(frozen=True)
class Region:
    """A trimmed stretch of the text, text[start:end], with its kind and paragraph number."""

    start: int
    end: int
    kind: str
    paragraph: int


class _HasKind(Protocol):
    """What has_body needs of a span (factcheck.text.segment.Span)."""

    @property
    def kind(self) -> str: ...

    @property
    def text(self) -> str: ...


# --- vocabulary -------------------------------------------------------------------------

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
_AGENCIES = word_set("agencies")
# Lower-case words that may sit among the capitalised names of a credit or byline.
_NAME_CONNECTORS = word_set("name_connectors")
# Structural labels that end with a colon: never a transcript's speaker.
_STRUCTURAL_LABELS = word_set("structural_labels")
# Whole lines that label a page section rather than say anything.
_LABEL_LINES = word_set("label_lines")

_QUOTES = "\"'“”‘’«»"
_PUNCTUATION = ".:'\"“”‘’!?-–—*"  # stripped off the ends of words
_CLOSERS = _QUOTES + ")]}"
_MEDIA = (
    r"(?:photo(?:graph)?s?|images?|pictures?|pics?|videos?|footage|maps?|graphics?|charts?"
    r"|illustrations?|infographics?|artwork|cartoons?|animation)"
)
_OPTIONAL_PREFIX = r"(?:(?:[A-Z][\w-]*|main|top|header|lead|feature|cover|hero|file)\s+)?"
# "Photo credit: NAME", "Image source, NAME", "Credit: NAME", "Photo: NAME", "AP Photo/NAME",
# "Photo by NAME", "Photo courtesy of NAME".
_CREDIT_LABEL = re.compile(
    rf"(?i:{_OPTIONAL_PREFIX}{_MEDIA}\s+(?:credits?|source)\s*[:,\-–—]?"
    rf"|credits?\s*[:\-–—]|sources?\s*:"
    rf"|{_OPTIONAL_PREFIX}{_MEDIA}\s*(?::|/|\s+by\b)"
    rf"|(?:{_MEDIA}\s+)?courtesy(?:\s+of)?\s*[:\-–—]?)\s*"
)
_WIRE_LEAD = re.compile(
    r"(?i:(?:additional|further|extra|more)\s+)?(?i:reporting|editing|writing|compiled|compiling"
    r"|research|researched|fact[- ]?checking|production|produced|edited|written|reported"
    r"|graphics|translation|translated|photography|photographs|photos|video|design|designed"
    r"|illustrations?|interviews?|data|visuals)\s+(?i:by)\s+"
)
_CONTRIBUTED = re.compile(
    r"(?i)\bcontributed(?:\s+reporting)?\s+(?:to|for)\s+this\s+(?:report|story|article)[.)]*$"
    r"|\bcontributed\s+reporting[.)]*$"
)
_COPYRIGHT = re.compile(r"(?i)(?:©|\(c\)|copyright\b)")
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
_INNER_STOP = re.compile(rf"[a-z0-9]{{2,}}[.!?][{re.escape(_CLOSERS)}]*\s+[{_QUOTES}]?[A-Z]")
# Where a trailing credit may begin inside a line: after a sentence end, before a bracket,
# or after a separator.
_CREDIT_START = re.compile(rf"(?<=[.!?…{re.escape(_CLOSERS)}])\s+|\s+(?=\()|\s+[|•·–—-]\s+")

# Something every credit holds; a line's tail without one cannot end with a credit.
_CREDIT_CUE = re.compile(rf"(?i)/|{_MEDIA}|credit|courtesy|source|getty|\bvia\b|\bby\b|contributed")
# A date or time written in figures: "3", "2024", "10:42", "3/12/2024", "2024-12-03t10:42z".
_NUMBER = re.compile(r"\d[\d:./-]*(?:st|nd|rd|th|am|pm|h|z)?|\d{4}-\d\d-\d\dt[\d:.]+z?")
_INITIAL = re.compile(r"\b[A-Z]\. ")
_DESK_PARTS = re.compile(r"/|\s+via\s+")
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


def _names(text: str, *, max_words: int, max_prose: int = 0) -> bool:
    """Whether the text is only names: capitalised words and connectors, and at most
    `max_prose` other words."""
    words = _words(text)
    if not words or len(words) > max_words:
        return False
    named = prose = 0
    for word in words:
        if word[0].isupper():
            named += 1
        elif word.lower() not in _NAME_CONNECTORS and word.lower() not in _AGENCIES:
            prose += 1
    return prose <= max_prose and (named > 0 or any(w.lower() in _AGENCIES for w in words))


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


# --- one line -----------------------------------------------------------------------------


def _strip_wrapping(text: str) -> str:
    """The text without a surrounding pair of brackets and a final full stop."""
    text = text.strip().rstrip(".").strip()
    if text.startswith("(") and text.endswith(")"):
        text = text[1:-1].strip().rstrip(".").strip()
    return text


def _desk_credit(text: str) -> bool:
    """ "REUTERS/Name", "Name/AFP via Getty Images", "Getty Images": a picture desk."""
    if len(text) > 120 or ". " in _INITIAL.sub("", text):
        return False
    parts = [p.strip() for p in _DESK_PARTS.split(text) if p.strip()]
    if not parts or not all(_names(p, max_words=6) for p in parts):
        return False
    agencies = [p for p in parts if _is_agency(p)]
    if "/" in text:
        return bool(agencies)
    return (len(parts) > 1 and bool(agencies)) or text.lower().endswith("getty images")


def _is_agency(part: str) -> bool:
    low = part.lower()
    if low in _AGENCIES or low.endswith(("getty images", "file photo", " pool", " handout")):
        return True
    letters = [c for c in part if c.isalpha()]
    return 3 <= len(letters) <= 10 and part.upper() == part and " " not in part


def credit_kind(line: str) -> str | None:
    """What credit the whole line is: "media" ("Photo credit: NAME", "(AP Photo/NAME)"),
    "desk" ("REUTERS/NAME", "NAME/AFP via Getty Images"), "wire" ("Reporting by NAME;
    Editing by NAME"), "agency" (a bare agency name, a copyright line), or None."""
    text = _strip_wrapping(line)
    if not text or len(text) > MAX_LABEL_LINE_CHARS:
        return None
    if match := _CREDIT_LABEL.match(text):
        who = text[match.end() :]
        explicit = re.search(r"(?i)credit|courtesy", text[: match.end()])
        if who and _names(who, max_words=14, max_prose=2 if explicit else 0):
            return "media"
    if ("/" in text or " via " in text or text.lower().endswith("getty images")) and _desk_credit(
        text
    ):
        return "desk"
    if _wire_credit(text):
        return "wire"
    if text.strip("-–—() ").lower() in _AGENCIES:
        return "agency"
    if _COPYRIGHT.match(text) and len(text.split()) <= 12:
        return "agency"
    return None


def _wire_credit(text: str) -> bool:
    """ "Reporting by NAME in CITY; Additional reporting by NAME; Editing by NAME"."""
    if _CONTRIBUTED.search(text) and len(text.split()) <= 50 and text[:1].isupper():
        return True
    if not _WIRE_LEAD.match(text):
        return False
    for part in re.split(r"\s*;\s*|(?<=[a-z])\.\s+(?=[A-Z])", text):
        who = _WIRE_LEAD.sub("", part, count=1) if _WIRE_LEAD.match(part) else part
        if who.strip() and not _names(who, max_words=40):
            return False
    return True


def trailing_credit(line: str) -> tuple[int, str] | None:
    """Where a credit closing the line starts (after some text of the line's own), and
    its kind as credit_kind says; None when the line does not end with one. A bare desk
    credit counts only after a full sentence, so "a poll (Reuters/Ipsos)." is no credit."""
    floor = max(1, len(line) - MAX_CREDIT_CHARS)
    if not _CREDIT_CUE.search(line, floor):
        return None
    for match in _CREDIT_START.finditer(line, floor - 1):
        start = match.end()
        if start < floor or start >= len(line):
            continue
        kind = credit_kind(line[start:])
        after_sentence = line[match.start() - 1] in ".!?…" + _CLOSERS
        if kind in ("media", "wire") or (kind == "desk" and after_sentence):
            return start, kind
    return None


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
    if not _names(who, max_words=16):
        return False
    return all(_names(p, max_words=8) or is_update(p) or _date_like(p) for p in rest)


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
    if match["agency"].lower() in _AGENCIES or match["date"]:
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
    core = line.rstrip(_CLOSERS + " ")
    if not core or core[-1] in ".,;:-–—" or core.endswith("..."):
        return False
    if _BULLET.match(line):
        return False
    if (label := _SPEAKER_LABEL.match(line)) and label[0][:-2].strip() not in _NOT_PLACES:
        return False  # "TRUMP: Taxes went up" is a speaker's turn; "EXCLUSIVE: ..." a heading
    return not _INNER_STOP.search(line)


def _label_line(line: str) -> bool:
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
    if _label_line(line) or len(line.split()) == 1:
        return 2
    return 1 if len(line.split()) == 2 and not any(c.isdigit() for c in line) else 0


# --- the document -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Line:
    start: int
    end: int
    text: str
    paragraph: int


def _lines(text: str) -> list[_Line]:
    """The non-blank lines, trimmed, with paragraph numbers (a blank line separates them)."""
    lines: list[_Line] = []
    paragraph = -1
    gap = True
    pos = 0
    for raw in text.split("\n"):
        start, end = pos, pos + len(raw)
        pos = end + 1
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start == end:
            gap = True
            continue
        if gap:
            paragraph += 1
            gap = False
        lines.append(_Line(start, end, text[start:end], paragraph))
    return lines


@dataclass
class _Plan:
    """Kinds decided so far: per line its kind (None: not decided, body unless a later
    rule says otherwise) and the places where another kind starts inside it."""

    kinds: list[str | None]
    cuts: list[list[tuple[int, str]]]
    credits: list[str | None]  # the kind of credit the line is or ends with (credit_kind)


def _normal(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def _strong_kinds(lines: Sequence[_Line], hints: Mapping[str, str]) -> _Plan:
    """Kinds that a line shows by itself: credits, bylines, stamps, captions, hints."""
    plan = _Plan([None] * len(lines), [[] for _ in lines], [None] * len(lines))
    hinted: dict[int, str] = {}
    if hints:
        paragraphs: dict[int, list[str]] = {}
        for line in lines:
            paragraphs.setdefault(line.paragraph, []).append(line.text)
        for number, texts in paragraphs.items():
            if kind := hints.get(_normal(" ".join(texts))):
                hinted[number] = kind
    for i, line in enumerate(lines):
        text = line.text
        plan.credits[i] = credit_kind(text)
        if plan.credits[i]:
            plan.kinds[i] = CREDIT
        elif line.paragraph in hinted:
            plan.kinds[i] = hinted[line.paragraph]
        elif is_byline(text):
            plan.kinds[i] = BYLINE
        elif is_update(text):
            plan.kinds[i] = UPDATE
        elif caption_intro(text):
            plan.kinds[i] = CAPTION
        if plan.kinds[i] in (None, BODY, CAPTION) and (found := trailing_credit(text)):
            plan.cuts[i].append((line.start + found[0], CREDIT))
            plan.credits[i] = found[1]
            if found[1] != "wire" and plan.kinds[i] is None:
                plan.kinds[i] = CAPTION
    for i in range(1, len(lines)):  # "By NAME" with the outlet or role on the next line
        after_byline = plan.kinds[i - 1] == BYLINE and lines[i - 1].paragraph == lines[i].paragraph
        if after_byline and plan.kinds[i] is None and _byline_rest(lines[i].text):
            plan.kinds[i] = BYLINE
    _captions_before_credits(lines, plan)
    return plan


def _byline_rest(line: str) -> bool:
    """A byline's second line: "BBC News", "Middle East correspondent", "Reuters"."""
    return heading_like(line) and _names(line, max_words=6)


def _media_credit_at(plan: _Plan, i: int) -> bool:
    """Whether line i is, or ends with, a photo credit that makes the text before it a
    caption."""
    if plan.kinds[i] not in (CREDIT, CAPTION):
        return False
    return plan.credits[i] in ("media", "desk")


def _captions_before_credits(lines: Sequence[_Line], plan: _Plan) -> None:
    """Make the text before a photo credit a caption: the line's own text, and the lines
    above it when they make up the rest of a short paragraph. A long text before a credit
    stays body (and so does a hard-wrapped page of text with a credit line in it)."""
    first = 0  # the index of the paragraph's first line
    for i, line in enumerate(lines):
        if i > 0 and lines[i - 1].paragraph != line.paragraph:
            first = i
        if not _media_credit_at(plan, i):
            continue
        own = line.text[: plan.cuts[i][0][0] - line.start] if plan.kinds[i] == CAPTION else ""
        last = i + 1 == len(lines) or lines[i + 1].paragraph != line.paragraph
        group = range(first, i)
        if not last or len(group) > 3 or any(plan.kinds[k] not in (None, CAPTION) for k in group):
            group = range(0)
        words = len(own.split()) + sum(len(lines[k].text.split()) for k in group)
        if words > MAX_CAPTION_WORDS and group:
            group = range(0)
            words = len(own.split())
        if words > MAX_CAPTION_WORDS and not caption_intro(line.text):
            plan.kinds[i] = None if plan.kinds[i] == CAPTION else plan.kinds[i]
        for k in group:
            plan.kinds[k] = CAPTION


def _heading_flags(lines: Sequence[_Line]) -> list[bool]:
    """Heading-like lines that are not the start of a sentence wrapped onto the next line."""
    flags = []
    for i, line in enumerate(lines):
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        wrapped = nxt is not None and nxt.paragraph == line.paragraph and nxt.text[0].islower()
        flags.append(heading_like(line.text) and not wrapped)
    return flags


def _alone(lines: Sequence[_Line], i: int) -> bool:
    """Whether the line is its paragraph's only line."""
    p = lines[i].paragraph
    return not (i > 0 and lines[i - 1].paragraph == p) and not (
        i + 1 < len(lines) and lines[i + 1].paragraph == p
    )


def _headline(lines: Sequence[_Line], plan: _Plan, heading: Sequence[bool]) -> int | None:
    """Mark the headline (the first heading-like line, after any section labels and update
    stamps, with more text after it) and the labels above it; return its index."""
    labels: list[int] = []
    maybe: int | None = None  # a two-word line: a label if a headline follows, else the headline
    found: int | None = None
    for i, line in enumerate(lines[:-1]):
        if plan.kinds[i] == HEADLINE:
            return i
        if plan.kinds[i] == UPDATE:
            continue
        if plan.kinds[i] is not None or not heading[i]:
            break
        strength = section_strength(line.text)
        if strength == 2:
            labels.append(i)
        elif strength == 1 and maybe is None:
            maybe = i
        else:
            found = i
            break
    if found is None:
        found, maybe = maybe, None
    for i in labels + ([maybe] if maybe is not None else []):
        plan.kinds[i] = SECTION
    if found is not None:
        plan.kinds[found] = HEADLINE
    return found


def _standfirst(lines: Sequence[_Line], plan: _Plan, heading: Sequence[bool], top: int) -> None:
    """Mark the standfirst under the headline at `top`: the prose before a byline or a
    dated first paragraph (or, failing those, before an update stamp)."""
    candidates: list[int] = []
    before_stamp: list[int] = []
    paragraphs: set[int] = set()
    for i in range(top + 1, len(lines)):
        kind, text = plan.kinds[i], lines[i].text
        if kind == BYLINE or (kind is None and dateline_end(text, first_body=True) is not None):
            break
        if kind == UPDATE:
            before_stamp = list(candidates)
        if kind is not None:
            continue
        if heading[i] and section_strength(text) == 2:
            plan.kinds[i] = SECTION
        elif heading[i] and _names(text, max_words=8):
            plan.kinds[i] = BYLINE  # a name under the headline, without "By"
            break
        else:
            paragraphs.add(lines[i].paragraph)
            if (
                len(paragraphs) > MAX_STANDFIRST_PARAGRAPHS
                or len(candidates) >= MAX_STANDFIRST_LINES
                or len(text.split()) > MAX_STANDFIRST_WORDS
            ):
                candidates = before_stamp
                break
            candidates.append(i)
    else:
        candidates = before_stamp
    for i in candidates:
        plan.kinds[i] = STANDFIRST


def _datelines(lines: Sequence[_Line], plan: _Plan, first_body: int) -> None:
    """Split the dateline off the first body paragraph (and off any paragraph that opens
    with an agency dateline). A line opens a paragraph when a blank line or a structural
    line (a headline, a byline) is above it, as in text taken from a PDF."""
    for i, line in enumerate(lines):
        follows_text = i > 0 and lines[i - 1].paragraph == line.paragraph and not plan.kinds[i - 1]
        if plan.kinds[i] is not None or follows_text:
            continue
        end = dateline_end(line.text, first_body=i == first_body)
        if end is not None:
            plan.kinds[i] = DATELINE
            plan.cuts[i].insert(0, (line.start + end, BODY))


def _subheads(lines: Sequence[_Line], plan: _Plan, heading: Sequence[bool], start: int) -> None:
    """Heading-like lines standing alone as a paragraph before more body are subheads
    (or section labels); such lines at the very end are labels when they look like one."""
    body_follows = False
    for i in range(len(lines) - 1, start - 1, -1):  # backwards, to know what follows
        prose = plan.kinds[i] in (None, BODY, DATELINE) and not heading[i]
        if plan.kinds[i] is None and heading[i] and _alone(lines, i):
            text = lines[i].text
            if text.rstrip(_CLOSERS)[-1:] in "?!":
                pass  # a question standing alone is more often the story's than a heading
            elif body_follows:
                plan.kinds[i] = SECTION if _label_line(text) else SUBHEAD
            elif section_strength(text):
                plan.kinds[i] = SECTION
        body_follows = body_follows or prose


def _first_body(lines: Sequence[_Line], plan: _Plan, heading: Sequence[bool], start: int) -> int:
    """The index of the first line of story text from `start` on (len(lines) if none)."""
    for i in range(start, len(lines)):
        if plan.kinds[i] is None and not (heading[i] and _alone(lines, i)):
            return i
    return len(lines)


def classify(text: str, hints: Mapping[str, str] | None = None) -> list[Region]:
    """Cut the text into regions of one kind each, in order, covering every non-blank
    character. `hints` maps a paragraph's text (e.g. from a Word style) to its kind."""
    lines = _lines(text)
    hint_map = {_normal(k): v for k, v in (hints or {}).items() if v in KINDS}
    plan = _strong_kinds(lines, hint_map)
    heading = _heading_flags(lines)
    top = _headline(lines, plan, heading)
    if top is not None:
        _standfirst(lines, plan, heading, top)
    after_top = 0 if top is None else top + 1
    _datelines(lines, plan, _first_body(lines, plan, heading, after_top))
    _subheads(lines, plan, heading, after_top)
    return _regions(text, lines, plan)


def _regions(text: str, lines: Sequence[_Line], plan: _Plan) -> list[Region]:
    """The lines as regions: a cut line gives several; prose lines of a paragraph merge."""
    regions: list[Region] = []
    for line, kind, cuts in zip(lines, plan.kinds, plan.cuts, strict=True):
        bounds = [line.start] + [c for c, _ in cuts] + [line.end]
        kinds = [kind or BODY] + [k for _, k in cuts]
        for start, end, part_kind in zip(bounds, bounds[1:], kinds, strict=False):
            start, end = trim(text, start, end)
            if start >= end:
                continue
            last = regions[-1] if regions else None
            if (
                last is not None
                and last.kind == part_kind
                and part_kind in SENTENCE_KINDS
                and last.paragraph == line.paragraph
            ):
                regions[-1] = Region(last.start, end, part_kind, line.paragraph)
            else:
                regions.append(Region(start, end, part_kind, line.paragraph))
    return regions


def trim(text: str, start: int, end: int) -> tuple[int, int]:
    """The bounds without the whitespace at either end."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


# --- what ingest asks ---------------------------------------------------------------------


def has_body(spans: Iterable[_HasKind]) -> bool:
    """Whether any span is body text with a letter or digit in it (something to check)."""
    return any(s.kind == BODY and any(c.isalnum() for c in s.text) for s in spans)


def missing_body_message(spans: Sequence[_HasKind]) -> str | None:
    """Why a text cannot be ingested for lack of body sentences, or None when it has some."""
    if has_body(spans):
        return None
    kinds = sorted({s.kind for s in spans if any(c.isalnum() for c in s.text)}, key=KINDS.index)
    if not kinds:
        return "The text has no sentences to check (no letters or digits)."
    names = {
        HEADLINE: "a headline",
        STANDFIRST: "a standfirst",
        SUBHEAD: "subheadings",
        SECTION: "section labels",
        BYLINE: "a byline",
        DATELINE: "a dateline",
        UPDATE: "date stamps",
        CAPTION: "captions",
        CREDIT: "credit lines",
    }
    found = ", ".join(names[k] for k in kinds)
    return (
        f"The text has no story sentences to check: it holds only {found}. "
        "Paste the article's body text."
    )

"""Credit lines: a photo or picture-desk credit ("Photo credit: NAME", "REUTERS/NAME",
"NAME/AFP via Getty Images"), a wire credit ("Reporting by NAME; Editing by NAME"), an
agency or copyright line, and a credit closing a line of other text.
"""

from __future__ import annotations

import re

from factcheck.text.lines import AGENCIES, CLOSERS, only_names

MAX_CREDIT_CHARS = 250  # how far from a line's end a trailing photo credit may start
MAX_LABEL_LINE_CHARS = 600  # longer lines are never a credit

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
# Where a trailing credit may begin inside a line: after a sentence end, before a bracket,
# or after a separator.
_CREDIT_START = re.compile(rf"(?<=[.!?…{re.escape(CLOSERS)}])\s+|\s+(?=\()|\s+[|•·–—-]\s+")

# Something every credit holds; a line's tail without one cannot end with a credit.
_CREDIT_CUE = re.compile(rf"(?i)/|{_MEDIA}|credit|courtesy|source|getty|\bvia\b|\bby\b|contributed")
# A date or time written in figures: "3", "2024", "10:42", "3/12/2024", "2024-12-03t10:42z".
_INITIAL = re.compile(r"\b[A-Z]\. ")
_DESK_PARTS = re.compile(r"/|\s+via\s+")


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
    if not parts or not all(only_names(p, max_words=6) for p in parts):
        return False
    agencies = [p for p in parts if _is_agency(p)]
    if "/" in text:
        return bool(agencies)
    return (len(parts) > 1 and bool(agencies)) or text.lower().endswith("getty images")


def _is_agency(part: str) -> bool:
    low = part.lower()
    if low in AGENCIES or low.endswith(("getty images", "file photo", " pool", " handout")):
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
        if who and only_names(who, max_words=14, max_prose=2 if explicit else 0):
            return "media"
    if ("/" in text or " via " in text or text.lower().endswith("getty images")) and _desk_credit(
        text
    ):
        return "desk"
    if _wire_credit(text):
        return "wire"
    if text.strip("-–—() ").lower() in AGENCIES:
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
        if who.strip() and not only_names(who, max_words=40):
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
        after_sentence = line[match.start() - 1] in ".!?…" + CLOSERS
        if kind in ("media", "wire") or (kind == "desk" and after_sentence):
            return start, kind
    return None

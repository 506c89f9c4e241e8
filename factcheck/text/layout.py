"""Recognise what each line of a news text is: cut the text into regions of one kind each
(headline, standfirst, byline, caption, credit, body, ...; factcheck.text.structure).

Rules are deterministic and written for English wire and news copy. The unit is the line.
A paragraph is a run of non-blank lines; most rules look at one line (credits, bylines,
update stamps: factcheck.text.lines and factcheck.text.credits), a few at its neighbours,
here (a caption is the text in the same paragraph before a photo credit; a subhead stands
alone as a paragraph; a standfirst sits between the headline and a byline or dateline).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from factcheck.text.credits import credit_kind, trailing_credit
from factcheck.text.lines import (
    CLOSERS,
    MAX_CAPTION_WORDS,
    caption_intro,
    dateline_end,
    heading_like,
    is_byline,
    is_label_line,
    is_update,
    only_names,
    section_strength,
)
from factcheck.text.structure import (
    BODY,
    BYLINE,
    CAPTION,
    CREDIT,
    DATELINE,
    HEADLINE,
    KINDS,
    SECTION,
    SENTENCE_KINDS,
    STANDFIRST,
    SUBHEAD,
    UPDATE,
    Region,
    trim,
)

MAX_STANDFIRST_WORDS = 70
MAX_STANDFIRST_PARAGRAPHS = 2
MAX_STANDFIRST_LINES = 3


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
    return heading_like(line) and only_names(line, max_words=6)


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
        elif heading[i] and only_names(text, max_words=8):
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
            if text.rstrip(CLOSERS)[-1:] in "?!":
                pass  # a question standing alone is more often the story's than a heading
            elif body_follows:
                plan.kinds[i] = SECTION if is_label_line(text) else SUBHEAD
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

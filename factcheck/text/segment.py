"""Split text into paragraphs, speaker turns and sentences, keeping exact character offsets."""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

import sentencex

from factcheck.text.layout import classify
from factcheck.text.lines import is_structural_label
from factcheck.text.structure import BODY, BYLINE, CREDIT, SENTENCE_KINDS, UPDATE, Region, trim

# "SPEAKER: text" at the start of a line. Upper-case labels (TRUMP:, MODERATOR:) or up to
# four capitalised words (Jane Doe:), so prose like "Photo credit: ..." is not a speaker
# unless the whole text reads as a transcript (see _is_transcript).
_SPEAKER = re.compile(
    r"^[ \t]*(?P<speaker>[A-Z][A-Z0-9.'\- ]{1,40}|(?:[A-Z][\w.'\-]*\s?){1,4}?)[ \t]*:[ \t]+(?=\S)",
    re.MULTILINE,
)


@dataclass(frozen=True)
class Span:
    """A sentence: its text is exactly source[start:end]."""

    start: int
    end: int
    text: str
    paragraph: int
    speaker: str | None = None
    # What the text is in the document: "body", or a structural kind (headline, caption,
    # credit, byline, dateline, ...; see factcheck.text.structure). Only body is flagged.
    kind: str = "body"


MAX_SENTENCE_CHARS = 2000
# Kinds a line without a speaker's label keeps inside a transcript.
_TRAILERS = frozenset({BYLINE, CREDIT, UPDATE})


def _speaker(line: str) -> re.Match[str] | None:
    """The "SPEAKER: " opening a line, unless the label is a caption or credit's."""
    match = _SPEAKER.match(line)
    if match is None or is_structural_label(match.group("speaker")):
        return None
    return match


def _is_transcript(text: str) -> bool:
    lines = [ln for ln in text.splitlines() if ln.strip()]
    speakers = [m for m in (_speaker(ln) for ln in lines) if m]
    return len(speakers) >= 2 and len(speakers) * 2 >= len(lines)


def _turns(text: str) -> list[tuple[int, int, str | None, bool]]:
    """Return (start, end, speaker, labelled) per line of a transcript: the speaker's label
    cut off, and whether the line had one (else it goes on the last speaker's turn)."""
    turns: list[tuple[int, int, str | None, bool]] = []
    speaker = None
    pos = 0
    for line in text.splitlines(keepends=True):
        start, end = pos, pos + len(line)
        pos = end
        if not line.strip():
            continue
        match = _speaker(line)
        if match:
            speaker = " ".join(match.group("speaker").split())
            start += match.end()
        turns.append((start, end, speaker, bool(match)))
    return turns


def segment(text: str, language: str = "en", hints: Mapping[str, str] | None = None) -> list[Span]:
    """Split text into sentences whose offsets point into `text` itself, each with its kind
    in the document (see factcheck.text.structure and layout). `hints` maps paragraph texts to kinds
    known from the source (a Word document's paragraph styles)."""
    regions = classify(text, hints)
    if _is_transcript(text):
        spans = _transcript_spans(text, regions, language)
    else:
        spans = [s for r in regions for s in _region_spans(text, r, language, None)]
    return [piece for span in spans for piece in _capped(text, span)]


def _region_spans(text: str, region: Region, language: str, speaker: str | None) -> list[Span]:
    """A prose region's sentences, or a structural region's lines, as spans."""
    if region.kind not in SENTENCE_KINDS:
        return [
            Span(start, end, text[start:end], region.paragraph, speaker, region.kind)
            for start, end in _line_bounds(text, region.start, region.end)
        ]
    spans = []
    block = text[region.start : region.end]
    # Inside a paragraph a single newline is a line break, not a sentence break,
    # unless the line ends like a heading (no closing punctuation).
    for bound in _boundaries(language, block):
        for start, end in _split_lines(block, bound["start_index"], bound["end_index"]):
            start, end = trim(text, region.start + start, region.start + end)
            if end > start:
                spans.append(
                    Span(start, end, text[start:end], region.paragraph, speaker, region.kind)
                )
    return spans


def _boundaries(language: str, block: str) -> list[dict]:
    """sentencex's sentence boundaries. Its Rust code panics on a few odd spacings (an
    initial, a no-break or line-separator space, a full stop: "J\u00a0."); then it is asked
    again with every such space made plain (same offsets), and failing that the block is
    one sentence."""
    for attempt in (block, re.sub(r"[^\S\n]", " ", block)):
        try:
            return sentencex.get_sentence_boundaries(language, attempt)
        except BaseException as exc:  # noqa: BLE001  (pyo3's PanicException is no Exception)
            if type(exc).__name__ != "PanicException":
                raise
    return [{"start_index": 0, "end_index": len(block)}]


def _line_bounds(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The trimmed non-blank lines of text[start:end]."""
    bounds = []
    for match in re.finditer(r"[^\n]+", text[start:end]):
        a, b = trim(text, start + match.start(), start + match.end())
        if b > a:
            bounds.append((a, b))
    return bounds


def _transcript_spans(text: str, regions: list[Region], language: str) -> list[Span]:
    """Speaker turns are body. Lines before the first turn keep their structural kinds, and
    so do credit, byline and date lines after one ("Reporting by ..." closing a transcript)."""
    spans: list[Span] = []
    paragraph = 0
    first = 0  # the first region that may overlap this line (lines and regions are in order)
    for start, end, speaker, labelled in _turns(text):
        start, end = trim(text, start, end)
        if end <= start:
            continue
        while first < len(regions) and regions[first].end <= start:
            first += 1
        parts = []
        for region in itertools.islice(regions, first, None):
            if region.start >= end:
                break
            parts.append(
                Region(max(region.start, start), min(region.end, end), region.kind, paragraph)
            )
        if speaker is not None:
            if not labelled and parts and all(p.kind in _TRAILERS for p in parts):
                speaker = None
            else:
                parts = [Region(start, end, BODY, paragraph)]
        for part in parts or [Region(start, end, BODY, paragraph)]:
            spans.extend(_region_spans(text, part, language, speaker))
        paragraph += 1
    return spans


def _capped(text: str, span: Span) -> list[Span]:
    """The span, or pieces of it of at most MAX_SENTENCE_CHARS each, cut at whitespace
    (hard-cut where a piece has none), so a run without punctuation stays bounded."""
    if span.end - span.start <= MAX_SENTENCE_CHARS:
        return [span]
    pieces = []
    start = span.start
    while start < span.end:
        limit = start + MAX_SENTENCE_CHARS
        if limit >= span.end:
            cut = span.end
        else:  # the last whitespace within reach, else a hard cut
            cut = next((i for i in range(limit, start, -1) if text[i].isspace()), limit)
        a, b = trim(text, start, cut)
        if b > a:
            pieces.append(replace(span, start=a, end=b, text=text[a:b]))
        start = cut
        while start < span.end and text[start].isspace():
            start += 1
    return pieces


def _split_lines(block: str, start: int, end: int) -> list[tuple[int, int]]:
    """Break a sentence at newlines that follow a line without final punctuation."""
    pieces = []
    cursor = start
    for match in re.finditer(r"\n", block[start:end]):
        cut = start + match.start()
        line = block[cursor:cut].rstrip()
        if line and line[-1] not in ".,;:!?\"'”’)":
            pieces.append((cursor, cut))
            cursor = cut + 1
    pieces.append((cursor, end))
    return pieces

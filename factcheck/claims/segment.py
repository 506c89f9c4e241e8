"""Split text into paragraphs, speaker turns and sentences, keeping exact character offsets."""

from __future__ import annotations

import re
from dataclasses import dataclass

import sentencex

# "SPEAKER: text" at the start of a line. Upper-case labels (TRUMP:, MODERATOR:) or up to
# four capitalised words (Jane Doe:), so prose like "Photo credit: ..." is not a speaker
# unless the whole text reads as a transcript (see _is_transcript).
_SPEAKER = re.compile(
    r"^[ \t]*(?P<speaker>[A-Z][A-Z0-9.'\- ]{1,40}|(?:[A-Z][\w.'\-]*\s?){1,4}?)[ \t]*:[ \t]+(?=\S)",
    re.MULTILINE,
)
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n+")


@dataclass(frozen=True)
class Span:
    """A sentence: its text is exactly source[start:end]."""

    start: int
    end: int
    text: str
    paragraph: int
    speaker: str | None = None
    # What the text is in the document: "body", or a structural kind (headline, caption,
    # credit, byline, dateline, ...; see factcheck.claims.structure). Only body is flagged.
    kind: str = "body"


def _is_transcript(text: str) -> bool:
    lines = [ln for ln in text.splitlines() if ln.strip()]
    speakers = [m for m in (_SPEAKER.match(ln) for ln in lines) if m]
    return len(speakers) >= 2 and len(speakers) * 2 >= len(lines)


def _blocks(text: str) -> list[tuple[int, int, str | None]]:
    """Return (start, end, speaker) blocks: paragraphs, or speaker turns in a transcript."""
    if _is_transcript(text):
        blocks: list[tuple[int, int, str | None]] = []
        speaker = None
        pos = 0
        for line in text.splitlines(keepends=True):
            start, end = pos, pos + len(line)
            pos = end
            if not line.strip():
                continue
            match = _SPEAKER.match(line)
            if match:
                speaker = " ".join(match.group("speaker").split())
                start += match.end()
            blocks.append((start, end, speaker))
        return blocks
    blocks = []
    pos = 0
    for match in _PARAGRAPH_BREAK.finditer(text):
        blocks.append((pos, match.start(), None))
        pos = match.end()
    blocks.append((pos, len(text), None))
    return blocks


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def segment(text: str, language: str = "en") -> list[Span]:
    """Split text into sentences whose offsets point into `text` itself."""
    spans: list[Span] = []
    paragraph = 0
    for block_start, block_end, speaker in _blocks(text):
        block = text[block_start:block_end]
        if not block.strip():
            continue
        # Inside a paragraph a single newline is a line break, not a sentence break,
        # unless the line ends like a heading (no closing punctuation).
        for bound in sentencex.get_sentence_boundaries(language, block):
            pieces = _split_lines(block, bound["start_index"], bound["end_index"])
            for start, end in pieces:
                start, end = _trim(text, block_start + start, block_start + end)
                if end > start:
                    spans.append(Span(start, end, text[start:end], paragraph, speaker))
        paragraph += 1
    return spans


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

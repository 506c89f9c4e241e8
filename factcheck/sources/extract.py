"""Turn an uploaded file into plain text plus metadata: its kind from its name, and the
reader for that kind run within the limits.

Everything in extraction is pure parsing with explicit limits; nothing touches the
database. Each failure raises ExtractionError with a message a user can act on. The parts:
factcheck.sources.limits (limits and errors), decoding (bytes to text), document
(Document, pasted and plain text: from_text), readers (HTML, PDF, Word) and deadline (the
child process a reader runs in); fetch takes in URLs.
"""

from __future__ import annotations

from functools import partial

from factcheck.sources.deadline import run_with_deadline
from factcheck.sources.decoding import decode_text
from factcheck.sources.document import Document, from_text
from factcheck.sources.limits import ExtractionError, ExtractLimits
from factcheck.sources.readers import from_docx, from_html, from_pdf

FILE_KINDS = ("txt", "html", "pdf", "docx")


def kind_of(filename: str) -> str:
    """Return the file kind from its name, or raise for unsupported ones."""
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    aliases = {"htm": "html", "text": "txt", "md": "txt"}
    kind = aliases.get(suffix, suffix)
    if kind not in FILE_KINDS:
        raise ExtractionError(
            f"Files of type .{suffix or '?'} are not supported. Use .txt, .html, .pdf or .docx."
        )
    return kind


def from_file(filename: str, data: bytes, limits: ExtractLimits | None = None) -> Document:
    """Extract a document from an uploaded file, checking its content matches its name,
    within the limits: PDF, Word and HTML are parsed in a child process stopped at the
    deadline; no file yields more characters than may be pasted."""
    if not data:
        raise ExtractionError("The file is empty.")
    limits = limits or ExtractLimits()
    kind = kind_of(filename)
    if kind in ("pdf", "docx", "html"):
        parse = {"pdf": from_pdf, "docx": from_docx, "html": from_html}[kind]
        return run_with_deadline(partial(parse, data, limits=limits), limits=limits)
    if data.startswith((b"%PDF-", b"PK\x03\x04")):
        raise ExtractionError("This file is named .txt but holds a PDF or Word document.")
    limits.check_characters(len(data) // 4)  # no encoding takes more than 4 bytes a character
    text = decode_text(data)
    limits.check_characters(len(text))
    return from_text(text)

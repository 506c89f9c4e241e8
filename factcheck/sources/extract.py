"""Turn what users bring (pasted text, files, URLs) into plain text plus metadata.

Everything here is pure parsing with explicit limits; nothing touches the database.
Each failure raises ExtractionError with a message a user can act on.
"""

from __future__ import annotations

import codecs
import io
import re
import zipfile
from dataclasses import dataclass, replace
from datetime import date
from urllib.parse import urlsplit

from factcheck.claims.segment import segment
from factcheck.claims.structure import BODY, CAPTION, HEADLINE, STANDFIRST, SUBHEAD
from factcheck.errors import InvalidInput

MAX_DOCX_UNCOMPRESSED = 50 * 1024 * 1024
MAX_DOCX_MEMBERS = 2000
FILE_KINDS = ("txt", "html", "pdf", "docx")


class ExtractionError(InvalidInput):
    """The input could not be turned into text; the message says why."""


@dataclass(frozen=True)
class Document:
    """Text to ingest and what is known about it."""

    text: str
    title: str | None = None
    url: str | None = None
    outlet: str | None = None
    author: str | None = None
    published_on: date | None = None
    language: str | None = None
    # What the source's own markup says some paragraphs are: (paragraph text, kind) pairs,
    # e.g. from a Word document's paragraph styles; for segment(text, hints=dict(...)).
    hints: tuple[tuple[str, str], ...] = ()

    def with_defaults(self, **values: object) -> Document:
        """Fill in fields that are still empty (e.g. from a form or the command line)."""
        updates = {k: v for k, v in values.items() if v not in (None, "") and not getattr(self, k)}
        return replace(self, **updates)

    def with_overrides(self, **values: object) -> Document:
        """Replace fields with the given non-empty values."""
        return replace(self, **{k: v for k, v in values.items() if v not in (None, "")})


# Byte-order marks of the UTF-16/32 encodings Windows editors save "Unicode" text in
# (UTF-32's little-endian mark begins with UTF-16's, so it is tried first).
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Control characters other than tab, line feed, vertical tab, form feed and carriage return.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
MAX_CONTROL_SHARE = 0.01


def decode_text(data: bytes) -> str:
    """Decode a text file: UTF-8 (BOM allowed), UTF-16/32 with a BOM, else a legacy
    encoding by detection. Refuse binary data and damaged UTF-8 with a message saying
    where the damage is; drop stray control characters."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return _plain(data.decode(codec))
            except UnicodeDecodeError as exc:
                raise ExtractionError(
                    f"This file is marked as {codec.upper()} but is not valid {codec.upper()} "
                    f"(at byte {exc.start:,}). Save it as UTF-8 and try again."
                ) from exc
    if b"\x00" in data[:4096]:
        raise ExtractionError("This file contains binary data, not text.")
    try:
        return _plain(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        if _damaged_utf8(data):
            line = data.count(b"\n", 0, exc.start) + 1
            raise ExtractionError(
                f"This file is UTF-8 with invalid bytes (line {line:,}, byte {exc.start:,}); "
                "it may have been cut or joined from files in different encodings. "
                "Save it as UTF-8 and try again."
            ) from exc
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise ExtractionError(
            "The text is not UTF-8 and its encoding could not be detected. "
            "Save it as UTF-8 and try again."
        )
    return _plain(str(best))


def _damaged_utf8(data: bytes) -> bool:
    """Whether undecodable bytes sit among valid UTF-8 multi-byte characters (damaged
    UTF-8) rather than making up every non-ASCII character (a legacy 8-bit encoding)."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = sum(1 for ch in text if ord(ch) > 127) - bad
    return good > 0 and good >= bad


def _plain(text: str) -> str:
    """The text without stray control characters; refused when they are more than a
    trace (a binary file that happens to hold no NUL byte)."""
    controls = len(_CONTROL.findall(text))
    if controls > max(3, len(text) * MAX_CONTROL_SHARE):
        raise ExtractionError("This file contains binary data (control characters), not text.")
    return _CONTROL.sub("", text) if controls else text


TITLE_WORDS = 12


def guess_title(text: str) -> str:
    """The headline; when the text has none at its top, its first subhead; failing that,
    its first body sentence, cut to about TITLE_WORDS words. Never a caption, credit or
    byline; empty when the text has none of these."""
    spans = segment(text)
    for kind in (HEADLINE, SUBHEAD, BODY):
        found = next((s.text for s in spans if s.kind == kind), None)
        if found is not None:
            return _shorten(" ".join(found.split())) if kind == BODY else found
    return ""


def _shorten(sentence: str) -> str:
    """The sentence, or its first TITLE_WORDS words and an ellipsis."""
    words = sentence.split(" ")
    if len(words) <= TITLE_WORDS + 2:  # a word or two over is kept rather than cut
        return sentence
    return " ".join(words[:TITLE_WORDS]).rstrip(",;:–—-") + "…"


# A plain-text article may open with its own metadata, as wire copy and saved pages do:
# "Title: ...", "Date: 2024-12-03" and "By: ..." lines, or a bare "date 2024-12-03" before
# the first sentence (as in the shared seed article). Such a header becomes the document's
# metadata and leaves the text; a field seen twice, or a date that is not YYYY-MM-DD, ends it.
_HEADER_FIELDS = {
    "title": "title",
    "headline": "title",
    "date": "published_on",
    "published": "published_on",
    "author": "author",
    "by": "author",
    "byline": "author",
    "source": "outlet",
    "outlet": "outlet",
}
MAX_HEADER_VALUE = {"title": 300, "author": 120, "outlet": 120}
_HEADER_LINE = re.compile(
    rf"[ \t]*({'|'.join(_HEADER_FIELDS)})[ \t]*:[ \t]*(\S[^\n]*?)[ \t]*(?:\n|$)", re.IGNORECASE
)
_ISO_DATE = r"\d{4}-\d{2}-\d{2}"
_BARE_DATE = re.compile(
    rf"[ \t]*(?:date|dated|published)[ \t]*:?[ \t]*({_ISO_DATE})(?=\s|$)\s*", re.IGNORECASE
)


def _header(text: str) -> tuple[str, dict[str, object]]:
    """The text without its metadata header, and the fields the header gave."""
    fields: dict[str, object] = {}
    rest = text.lstrip("\n")
    while True:
        if match := _HEADER_LINE.match(rest):
            field, value = _HEADER_FIELDS[match[1].lower()], match[2]
        elif match := _BARE_DATE.match(rest):
            field, value = "published_on", match[1]
        else:
            break
        if field in fields:
            break
        if field == "published_on":
            day = _parse_date(value) if re.fullmatch(_ISO_DATE, value) else None
            if day is None:
                break
            fields[field] = day
        elif len(value) <= MAX_HEADER_VALUE[field]:
            fields[field] = value
        else:
            break  # not a header: a transcript's "SOURCE: ..." turn, say
        rest = rest[match.end() :]
    if not fields or not rest.strip():
        return text, {}  # no header, or nothing but one: the text is all there is
    return rest.lstrip("\n"), fields


def from_text(text: str) -> Document:
    """A pasted or plain-text document, with the metadata header it may open with."""
    if not text or not text.strip():
        raise ExtractionError("The text is empty.")
    body, fields = _header(text)
    return Document(text=body, **fields)  # type: ignore[arg-type]


def _parse_date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def from_html(data: bytes | str, url: str | None = None) -> Document:
    """Extract the article text and metadata from an HTML page with trafilatura."""
    import json

    import trafilatura

    html = data if isinstance(data, str) else decode_text(data)
    if not re.search(r"<(html|body|p|article|div|h1)\b", html[:200_000], re.IGNORECASE):
        raise ExtractionError("This does not look like an HTML page.")
    result = trafilatura.extract(
        html,
        url=url,
        output_format="json",
        with_metadata=True,
        favor_precision=True,
        include_comments=False,
    )
    if not result:
        raise ExtractionError("No article text could be found on this page.")
    meta = json.loads(result)
    # trafilatura ends each block (paragraph, heading, list item) with one newline; a blank
    # line between them lets headings and credits stand alone as paragraphs.
    text = re.sub(r"\n\s*\n*", "\n\n", (meta.get("text") or meta.get("raw_text") or "").strip())
    if not text.strip():
        raise ExtractionError("No article text could be found on this page.")
    host = urlsplit(url).hostname if url else None
    return Document(
        text=text,
        title=meta.get("title"),
        url=url,
        outlet=meta.get("sitename") or (host.removeprefix("www.") if host else None),
        author=meta.get("author"),
        published_on=_parse_date(meta.get("date")),
        language=meta.get("language"),
    )


def from_pdf(data: bytes) -> Document:
    """Extract the text layer of a PDF."""
    if not data.startswith(b"%PDF-"):
        raise ExtractionError("This file is not a PDF (it does not start with %PDF-).")
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
        title = (reader.metadata or {}).get("/Title") if reader.metadata else None
    except (PdfReadError, ValueError, KeyError, TypeError, RecursionError) as exc:
        raise ExtractionError(f"This PDF could not be read ({type(exc).__name__}).") from exc
    text = "\n\n".join(p.strip() for p in pages if p.strip())
    if not text.strip():
        raise ExtractionError(
            "This PDF has no text layer (it is probably scanned images). "
            "Run it through OCR first, or paste the text."
        )
    return Document(text=text, title=str(title) if title else None)


def _check_zip(data: bytes) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ExtractionError("This file is not a valid Word document (.docx).") from exc
    members = archive.infolist()
    if len(members) > MAX_DOCX_MEMBERS:
        raise ExtractionError("This Word document has too many parts to be safe to open.")
    if sum(m.file_size for m in members) > MAX_DOCX_UNCOMPRESSED:
        raise ExtractionError("This Word document unpacks to more than 50 MB; refused.")
    if "word/document.xml" not in archive.namelist():
        raise ExtractionError("This file is a zip archive but not a Word document (.docx).")
    return archive


def from_docx(data: bytes) -> Document:
    """Extract paragraphs (and table cells) from a .docx file."""
    if not data.startswith(b"PK\x03\x04"):
        raise ExtractionError("This file is not a Word document (.docx).")
    _check_zip(data)
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001  (python-docx raises many kinds)
        raise ExtractionError(
            f"This Word document could not be read ({type(exc).__name__})."
        ) from exc
    paragraphs: list[str] = []
    hints: list[tuple[str, str]] = []
    for paragraph in document.paragraphs:
        text = paragraph.text.strip()
        if text:
            paragraphs.append(text)
            if kind := _style_kind(paragraph):
                hints.append((text, kind))
    for table in document.tables:
        for row in table.rows:
            cells = [c.text.strip() for c in row.cells if c.text.strip()]
            if cells:
                paragraphs.append(" | ".join(cells))
    if not paragraphs:
        raise ExtractionError("This Word document contains no text.")
    if hints and hints[0] == (paragraphs[0], SUBHEAD) and all(k != HEADLINE for _, k in hints):
        hints[0] = (paragraphs[0], HEADLINE)  # a heading at the top is the headline
    styled_title = next((text for text, kind in hints if kind == HEADLINE), None)
    title = document.core_properties.title or styled_title
    return Document(text="\n\n".join(paragraphs), title=title, hints=tuple(hints))


# Word's built-in paragraph styles that say what a paragraph is.
_STYLE_KINDS = {"title": HEADLINE, "subtitle": STANDFIRST, "caption": CAPTION}


def _style_kind(paragraph: object) -> str | None:
    """The kind a .docx paragraph's style names (Title, Subtitle, Heading N, Caption)."""
    style = getattr(paragraph, "style", None)
    name = (getattr(style, "name", None) or "").strip().lower()
    if name in _STYLE_KINDS:
        return _STYLE_KINDS[name]
    return SUBHEAD if re.fullmatch(r"heading [1-9]", name) else None


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


def from_file(filename: str, data: bytes) -> Document:
    """Extract a document from an uploaded file, checking its content matches its name."""
    if not data:
        raise ExtractionError("The file is empty.")
    kind = kind_of(filename)
    if kind == "pdf":
        return from_pdf(data)
    if kind == "docx":
        return from_docx(data)
    if kind == "html":
        return from_html(data)
    if data.startswith((b"%PDF-", b"PK\x03\x04")):
        raise ExtractionError("This file is named .txt but holds a PDF or Word document.")
    return from_text(decode_text(data))

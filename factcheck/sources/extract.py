"""Turn what users bring (pasted text, files, URLs) into plain text plus metadata.

Everything here is pure parsing with explicit limits; nothing touches the database.
Each failure raises ExtractionError with a message a user can act on.
"""

from __future__ import annotations

import codecs
import io
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from factcheck.errors import InvalidInput
from factcheck.text.segment import segment
from factcheck.text.structure import BODY, CAPTION, HEADLINE, STANDFIRST, SUBHEAD

MAX_DOCX_UNCOMPRESSED = 50 * 1024 * 1024
MAX_DOCX_MEMBERS = 2000
FILE_KINDS = ("txt", "html", "pdf", "docx")
# The most characters taken in at once, pasted (the ingest form, the API) or extracted from
# a file or a page: the form's field, the API's schema and every extractor use this number.
MAX_TEXT_CHARACTERS = 2_000_000


class ExtractionError(InvalidInput):
    """The input could not be turned into text; the message says why."""


class LimitExceeded(ExtractionError):
    """The input is over a work limit (pages, characters, seconds); the message names it."""

    status_code = 413


@dataclass(frozen=True)
class ExtractLimits:
    """How much work taking in one file or page may cost. A file over a limit is refused
    whole with a message naming the limit (nothing is saved), as pasted text over
    MAX_TEXT_CHARACTERS is: a newsroom wants to know, not to find half a report taken in."""

    max_pages: int = 500
    seconds: float = 20.0
    max_characters: int = MAX_TEXT_CHARACTERS

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ExtractLimits:
        """The deployment's limits (INGEST_MAX_PAGES, INGEST_EXTRACT_SECONDS), as the web
        form, the API and the CLI all apply them."""
        return cls(
            max_pages=int(config["INGEST_MAX_PAGES"]),
            seconds=float(config["INGEST_EXTRACT_SECONDS"]),
        )

    def check_pages(self, pages: int) -> None:
        """Refuse a PDF with more pages than the limit, before reading any of them."""
        if pages > self.max_pages:
            raise LimitExceeded(
                f"This PDF has {pages:,} pages; at most {self.max_pages:,} are read. "
                "Upload the pages you need as a smaller PDF; nothing was saved."
            )

    def check_characters(self, characters: int) -> None:
        """Refuse text longer than the character limit (the same as for pasted text)."""
        if characters > self.max_characters:
            raise LimitExceeded(
                f"This file holds more than {self.max_characters:,} characters of text, the "
                "most taken in at once (as for pasted text). Split it into parts and take "
                "them in one by one; nothing was saved."
            )

    def timed_out(self) -> LimitExceeded:
        """The error for a file that took longer than `seconds` to read."""
        seconds = f"{self.seconds:g} second{'' if self.seconds == 1 else 's'}"
        return LimitExceeded(
            f"Reading this file took longer than {seconds}, the limit, so it was stopped; "
            "nothing was saved. The file may be damaged or built to be slow to read: save "
            "or export it again, or paste its text."
        )


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


def decode_text(data: bytes, declared: str | None = None) -> str:
    """Decode a text file or page: a byte-order mark wins; then UTF-8; then the charset
    the page or server declared; then, for a file with no UTF-8 in it, Windows-1252 when
    it reads as Western text (short runs of accented letters) or a detected legacy
    encoding. Bytes that are not UTF-8 beside UTF-8 characters are damage, never decoded
    as a legacy encoding (that stored "dÃ©clarÃ©"): refused with where the damage is.
    Binary data is refused; stray control characters are dropped."""
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
    if len(_ASCII_CONTROL.findall(data)) > max(3, len(data) * MAX_CONTROL_SHARE):
        raise ExtractionError(_BINARY)
    try:
        return _plain(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        damage = exc
    codec = _codec(declared)
    if codec == "utf-8" or (codec is None and _UTF8_CHARACTER.search(data)):
        line = data.count(b"\n", 0, damage.start) + 1
        raise ExtractionError(
            f"This file is UTF-8 with invalid bytes (line {line:,}, byte {damage.start:,}); "
            "it may have been cut or joined from files in different encodings. "
            "Save it as UTF-8 and try again."
        ) from damage
    if codec is not None:
        try:
            return _plain(data.decode(codec))
        except UnicodeDecodeError as exc:
            raise ExtractionError(
                f"This page says it is {codec} but is not valid {codec} (at byte "
                f"{exc.start:,}). Save it as UTF-8 and try again."
            ) from exc
    if not _CP1252_UNDEFINED.search(data) and not _HIGH_RUN.search(data):
        return _plain(data.decode("cp1252"))
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise ExtractionError(
            "The text is not UTF-8 and its encoding could not be detected. "
            "Save it as UTF-8 and try again."
        )
    return _plain(str(best))


_BINARY = "This file contains binary data (control characters), not text."
# ASCII control bytes other than tab, line feed, vertical tab, form feed, carriage return
# and escape's neighbours: the same in every ASCII-based encoding, so countable undecoded.
_ASCII_CONTROL = re.compile(rb"[\x01-\x08\x0e-\x1f\x7f]")
# One well-formed UTF-8 character of two to four bytes.
_UTF8_CHARACTER = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
# Bytes Windows-1252 leaves undefined, and runs of non-ASCII bytes longer than Western text
# has (Cyrillic, Greek or CJK legacy text is made of them): either means another encoding.
_CP1252_UNDEFINED = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")
_HIGH_RUN = re.compile(rb"[\x80-\xff]{4,}")


def _codec(label: str | None) -> str | None:
    """The Python codec for a declared charset, as browsers read labels (ISO-8859-1 and
    ASCII mean Windows-1252; a UTF-16 label in an ASCII-compatible page means UTF-8);
    None when there is no label or it names no known encoding."""
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().strip("\"'")).name
    except LookupError:
        return None
    if name in ("latin-1", "iso8859-1", "ascii"):
        return "cp1252"
    if name.startswith(("utf-8", "utf-16", "utf-32")):
        return "utf-8"
    return name


_META_CHARSET = re.compile(
    rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE
)


def declared_charset(html: bytes) -> str | None:
    """The charset an HTML page's <meta> declares near its top, if any."""
    match = _META_CHARSET.search(html[:4096])
    return match[1].decode("ascii") if match else None


def _plain(text: str) -> str:
    """The text without stray control characters; refused when they are more than a
    trace (a binary file that happens to hold no NUL byte)."""
    controls = len(_CONTROL.findall(text))
    if controls > max(3, len(text) * MAX_CONTROL_SHARE):
        raise ExtractionError(_BINARY)
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


def from_html(
    data: bytes | str,
    url: str | None = None,
    charset: str | None = None,
    limits: ExtractLimits | None = None,
) -> Document:
    """Extract the article text and metadata from an HTML page with trafilatura; `charset`
    is what the server declared (it wins over the page's own <meta>)."""
    import json

    import trafilatura

    limits = limits or ExtractLimits()
    if isinstance(data, str):
        html = data
    else:
        html = decode_text(data, charset or declared_charset(data))
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
    limits.check_characters(len(text))
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


def from_pdf(data: bytes, limits: ExtractLimits | None = None) -> Document:
    """Extract the text layer of a PDF, page by page, within the page and character limits
    (the time limit is from_file's: one page can take pypdf unbounded time)."""
    if not data.startswith(b"%PDF-"):
        raise ExtractionError("This file is not a PDF (it does not start with %PDF-).")
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    limits = limits or ExtractLimits()
    try:
        reader = PdfReader(io.BytesIO(data))
        limits.check_pages(len(reader.pages))
        pages: list[str] = []
        characters = 0
        for page in reader.pages:
            pages.append((page.extract_text() or "").strip())
            characters += len(pages[-1])
            limits.check_characters(characters)  # pages sharing one stream multiply it
        title = (reader.metadata or {}).get("/Title") if reader.metadata else None
    except (PyPdfError, ValueError, KeyError, TypeError, RecursionError) as exc:
        raise ExtractionError(f"This PDF could not be read ({type(exc).__name__}).") from exc
    text = "\n\n".join(p for p in pages if p)
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


def from_docx(data: bytes, limits: ExtractLimits | None = None) -> Document:
    """Extract paragraphs (and table cells) from a .docx file, within the character limit."""
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
    limits = limits or ExtractLimits()
    paragraphs: list[str] = []
    hints: list[tuple[str, str]] = []
    characters = 0
    # python-docx looks a paragraph's style up among all styles each time (a paragraph
    # with none scans them for the default): once per style id is enough.
    kinds: dict[str | None, str | None] = {}
    for paragraph in document.paragraphs:
        text = paragraph.text.strip()
        if text:
            paragraphs.append(text)
            characters += len(text)
            limits.check_characters(characters)
            style_id = paragraph._p.style  # noqa: SLF001  (the w:pStyle value, or None)
            if style_id not in kinds:
                kinds[style_id] = _style_kind(paragraph)
            if kind := kinds[style_id]:
                hints.append((text, kind))
    for table in document.tables:
        for row in table.rows:
            cells = [c.text.strip() for c in row.cells if c.text.strip()]
            if cells:
                paragraphs.append(" | ".join(cells))
                characters += len(paragraphs[-1])
                limits.check_characters(characters)
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


def from_file(filename: str, data: bytes, limits: ExtractLimits | None = None) -> Document:
    """Extract a document from an uploaded file, checking its content matches its name,
    within the limits: PDF, Word and HTML are parsed in a child process stopped at the
    deadline; no file yields more characters than may be pasted."""
    if not data:
        raise ExtractionError("The file is empty.")
    limits = limits or ExtractLimits()
    kind = kind_of(filename)
    if kind in ("pdf", "docx", "html"):
        from factcheck.sources.deadline import run_with_deadline

        parse = {"pdf": from_pdf, "docx": from_docx, "html": from_html}[kind]
        return run_with_deadline(partial(parse, data, limits=limits), limits=limits)
    if data.startswith((b"%PDF-", b"PK\x03\x04")):
        raise ExtractionError("This file is named .txt but holds a PDF or Word document.")
    limits.check_characters(len(data) // 4)  # no encoding takes more than 4 bytes a character
    text = decode_text(data)
    limits.check_characters(len(text))
    return from_text(text)

"""Readers of one file format each: HTML pages (trafilatura), PDF (pypdf) and Word .docx
(python-docx), within the page and character limits. Each is pure parsing of the bytes it
is given; factcheck.sources.extract runs them in a child process stopped at the deadline.
"""

from __future__ import annotations

import io
import re
import zipfile
from urllib.parse import urlsplit

from factcheck.sources.decoding import declared_charset, decode_text
from factcheck.sources.document import Document, parse_date
from factcheck.sources.limits import ExtractionError, ExtractLimits
from factcheck.text.structure import CAPTION, HEADLINE, STANDFIRST, SUBHEAD

MAX_DOCX_UNCOMPRESSED = 50 * 1024 * 1024
MAX_DOCX_MEMBERS = 2000


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
        published_on=parse_date(meta.get("date")),
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

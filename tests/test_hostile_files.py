"""Hostile files through the ingest page, as a fact-checker would upload them: each gets a
clear message and nothing is saved; an HTML page's scripts and frames never become text.

The extractor's own unit tests are in test_extract.py; these go through the web form,
the size limits and the transaction, and compare every table before and after.
"""

from __future__ import annotations

import io
import os
import random
import struct
import zipfile

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from factcheck.auth.roles import Role
from factcheck.extensions import db
from factcheck.sources.models import Article
from tests.snapshots import changed_tables, database_rows


def _upload(client, filename: str, content: bytes):  # noqa: ANN001, ANN202
    from tests.conftest import csrf_token

    fields = MultiDict(
        [
            ("csrf_token", csrf_token(client, "/articles/ingest")),
            ("file", FileStorage(io.BytesIO(content), filename)),
        ]
    )
    boundary, body = encode_multipart(fields)
    return client.post(
        "/articles/ingest", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )


def _blank_pdf() -> bytes:
    from pypdf import PdfWriter

    out = io.BytesIO()
    writer = PdfWriter()
    writer.add_blank_page(612, 792)
    writer.write(out)
    return out.getvalue()


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return out.getvalue()


def _deflate_bomb() -> bytes:
    """A .docx-shaped zip whose document.xml inflates to 120 MB from ~120 kB."""
    return _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"\0" * (120 << 20)})


def _lying_bomb() -> bytes:
    """The same kind of bomb with its sizes rewritten to claim 1 kB: the real size only
    shows when it is inflated."""
    members = {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"\0" * (60 << 20)}
    data = bytearray(_zip(members))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        local = z.getinfo("word/document.xml").header_offset
        central = z.start_dir
    struct.pack_into("<I", data, local + 22, 1024)  # local header: uncompressed size
    while data[central : central + 4] == b"PK\x01\x02":
        name_length, extra_length, comment_length = struct.unpack_from("<HHH", data, central + 28)
        if data[central + 46 : central + 46 + name_length] == b"word/document.xml":
            struct.pack_into("<I", data, central + 24, 1024)  # central directory entry
        central += 46 + name_length + extra_length + comment_length
    return bytes(data)


def _many_parts() -> bytes:
    return _zip({f"word/part{i}.xml": b"<w/>" for i in range(2500)})


def _binary() -> bytes:
    return random.Random(7).randbytes(64 * 1024)  # noqa: S311  (test data, not a secret)


def _binary_without_nul() -> bytes:
    return bytes(b for b in random.Random(8).randbytes(64 * 1024) if b)  # noqa: S311


HOSTILE = {
    # name: (filename, content, status, words of the message)
    "binary data named .txt": (lambda: ("notes.txt", _binary()), 422, "binary data"),
    "binary data without a NUL byte": (
        lambda: ("notes.txt", _binary_without_nul()),
        422,
        "encoding could not be detected",
    ),
    "control characters named .txt": (
        lambda: ("notes.txt", bytes(range(1, 9)) * 500),
        422,
        "control characters",
    ),
    "damaged UTF-8": (
        lambda: ("notes.txt", "Le ministre a déclaré".encode() + b"\xc3\x28 la hausse.\n"),
        422,
        "UTF-8 with invalid bytes (line 1",
    ),
    "UTF-16 marked but broken": (
        lambda: ("notes.txt", "Prices rose".encode("utf-16") + b"\x00\xd8\x41"),
        422,
        "marked as UTF-16 but is not valid",
    ),
    "a 50 MB file": (
        lambda: ("transcript.txt", b"Crime rose. " * ((50 << 20) // 12)),
        413,
        "larger",
    ),
    "a zip bomb named .docx": (lambda: ("statement.docx", _deflate_bomb()), 422, "more than 50 MB"),
    "a zip bomb with false sizes": (
        lambda: ("statement.docx", _lying_bomb()),
        422,
        "could not be read",
    ),
    "a zip of 2,500 parts named .docx": (
        lambda: ("statement.docx", _many_parts()),
        422,
        "too many parts",
    ),
    "a zip that is not a Word document": (
        lambda: ("statement.docx", _zip({"hello.txt": b"hi"})),
        422,
        "not a Word document",
    ),
    "a PDF with no text": (lambda: ("scan.pdf", _blank_pdf()), 422, "no text layer"),
    "a truncated PDF": (lambda: ("scan.pdf", _blank_pdf()[:200]), 422, "could not be read"),
    "HTML of nothing but scripts and frames": (
        lambda: (
            "page.html",
            b"<html><body><script>document.write('Crime rose 20%.')</script>"
            b"<iframe src='https://evil.example/'></iframe></body></html>",
        ),
        422,
        "No article text",
    ),
    "an executable": (
        lambda: ("setup.exe", b"MZ\x90\x00" + os.urandom(256)),
        400,
        "Upload a .txt, .html, .pdf or .docx file.",
    ),
    "an empty file": (lambda: ("empty.txt", b""), 422, "The file is empty."),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_upload_gets_a_clear_message_and_saves_nothing(app, login_as, case):
    make, status, words = HOSTILE[case]
    filename, content = make()
    client = login_as(Role.FACT_CHECKER)
    before = database_rows()
    response = _upload(client, filename, content)
    page = response.get_data(as_text=True)
    assert response.status_code == status, (response.status_code, page[:2000])
    assert words in page
    assert "Traceback" not in page
    assert changed_tables(before, database_rows()) == []


def test_html_scripts_and_frames_never_become_text(app, login_as):
    page = b"""<html><head><title>Minister on prices</title>
    <script>var secret = "window.location = 'https://evil.example/'";</script></head>
    <body><article><h1>Minister on prices</h1>
    <p>The minister said prices rose by 12 percent this year, more than in any year before.</p>
    <script>document.write("Injected claim: the moon is made of cheese.")</script>
    <iframe src="https://evil.example/frame" srcdoc="<p>Framed claim: taxes doubled.</p>">
    </iframe><noscript>Enable JavaScript to read more.</noscript>
    <p>Opposition leaders said the figure was 15 percent and that the ministry was wrong.</p>
    <style>p { color: red }</style>
    </article></body></html>"""
    client = login_as(Role.FACT_CHECKER)
    response = _upload(client, "prices.html", page)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    article = db.session.scalars(sa.select(Article)).one()
    assert "prices rose by 12 percent" in article.text
    assert "15 percent" in article.text
    for planted in ("evil.example", "moon is made", "Framed claim", "window.location", "color"):
        assert planted not in article.text, planted
    shown = client.get(f"/articles/{article.id}").get_data(as_text=True)
    assert "<iframe" not in shown and "evil.example" not in shown


def test_text_in_a_legacy_or_utf16_encoding_is_read(app, login_as):
    client = login_as(Role.FACT_CHECKER)
    windows = "Le ministre a déclaré que les prix ont augmenté de 12 % – « vrai ».".encode("cp1252")
    assert _upload(client, "fr.txt", windows).status_code == 302
    notepad = "The minister said prices rose by 12 percent this year.".encode("utf-16")
    assert _upload(client, "en.txt", notepad).status_code == 302
    texts = set(db.session.scalars(sa.select(Article.text)))
    assert texts == {
        "Le ministre a déclaré que les prix ont augmenté de 12 % – « vrai ».",
        "The minister said prices rose by 12 percent this year.",
    }

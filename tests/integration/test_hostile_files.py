"""Hostile files through the ingest page, as a fact-checker would upload them: each gets a
clear message and nothing is saved; an HTML page's scripts and frames never become text.

What the form can tell at once (a file type it does not take, an empty file, a request
over the size limit) is refused there; anything else is read in an ingest job (run at
commit under the test settings), and the message is on the failed job's page.

The extractor's own unit tests are in test_extract.py; these go through the web form,
the size limits and the transaction, and compare every table before and after.
"""

from __future__ import annotations

import io
import os
import random
import struct
import time
import zipfile
import zlib

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from factcheck.auth.roles import Role
from factcheck.extensions import db
from factcheck.sources.models import Article
from tests.writes import CommittedWrites, unexpected_writes


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


def _job_page(client, response):  # noqa: ANN001, ANN202
    """The job the upload became (303 to its page), and that page's text."""
    from factcheck.jobs.models import Job

    assert response.status_code == 303, (
        response.status_code,
        response.get_data(as_text=True)[:2000],
    )
    location = response.headers["Location"]
    assert location.startswith("/jobs/"), location
    job = db.session.get(Job, int(location.rsplit("/", 1)[1]))
    page = client.get(location)
    assert page.status_code == 200
    return job, page.get_data(as_text=True)


def _job_bookkeeping(write) -> bool:  # noqa: ANN001
    """The job row and its file: what a refused upload read in a job leaves behind."""
    return write.table in ("jobs", "job_files")


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


def _raw_pdf(streams: list[bytes], pages: int) -> bytes:
    """A PDF of `pages` pages that all draw the first of `streams` (Flate-compressed): many
    pages can share one stream, as in the 105 KB PDF that extracted to 13.3 M characters."""
    first_page = 4 + len(streams)
    kids = " ".join(f"{first_page + i} 0 R" for i in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for stream in streams:
        packed = zlib.compress(stream, 9)
        objects.append(
            f"<< /Length {len(packed)} /Filter /FlateDecode >>\nstream\n".encode()
            + packed
            + b"\nendstream"
        )
    page = (
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 3 0 R >> >> >>"
    )
    objects += [page] * pages
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    out.write(b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets))
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\n".encode())
    out.write(f"startxref\n{xref}\n%%EOF".encode())
    return out.getvalue()


def _text_stream(lines: int) -> bytes:
    drawn = " 0 -12 Td ".join(
        f"(Crime rose by {i} percent in the city last year.) Tj" for i in range(lines)
    )
    return f"BT /F1 10 Tf 72 712 Td {drawn} ET".encode()


def _shared_stream_pdf() -> bytes:
    """25 pages sharing one 100,000-character stream: 2.5 M characters from ~6 kB."""
    return _raw_pdf([_text_stream(2000)], pages=25)


def _many_pages_pdf() -> bytes:
    return _raw_pdf([_text_stream(3)], pages=1000)


def _slow_page_pdf() -> bytes:
    """Pages whose stream is 300,000 empty text operators: seconds of parsing each, no text
    (and the stream is within pypdf's own per-stream budget)."""
    return _raw_pdf([b"BT /F1 10 Tf " + b"() Tj " * 300_000 + b"ET"], pages=3)


def _long_html() -> bytes:
    paragraphs = "".join(
        f"<p>Paragraph {i}: the council said the flood wall would cost {i} million dollars "
        f"and protect {i * 7} homes along the old docks by {2000 + i % 50}.</p>\n"
        for i in range(19_000)
    )
    return f"<html><body><article>{paragraphs}</article></body></html>".encode()


def _long_docx() -> bytes:
    """A .docx of 40,000 paragraphs (2.4 M characters); python-docx writes it slowly, so
    the paragraphs go straight into document.xml."""
    import docx

    blank = io.BytesIO()
    docx.Document().save(blank)
    with zipfile.ZipFile(io.BytesIO(blank.getvalue())) as z:
        members = {name: z.read(name) for name in z.namelist()}
    body = "".join(
        f"<w:p><w:r><w:t>Paragraph {i}: the minister said prices rose by {i % 90} percent."
        "</w:t></w:r></w:p>"
        for i in range(40_000)
    )
    xml = members["word/document.xml"].decode()
    members["word/document.xml"] = xml.replace("<w:body>", "<w:body>" + body, 1).encode()
    return _zip(members)


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
        "binary data",
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
    # Issue 14, item 16: UTF-8 with more damaged bytes than good characters was decoded
    # whole as a legacy encoding ("dÃ©clarÃ©"); any UTF-8 character in the file means the
    # undecodable bytes are damage.
    "UTF-8 text joined to Windows-1252 quotes": (
        lambda: (
            "notes.txt",
            "Le ministre a déclaré".encode() + " “oui” – ‘non’ – …".encode("cp1252"),
        ),
        422,
        "UTF-8 with invalid bytes (line 1, byte 24)",
    ),
    "HTML declared UTF-8 with a damaged byte": (
        lambda: (
            "page.html",
            b'<html><head><meta charset="utf-8"></head><body><article><p>The minister '
            b"said prices rose by 12 percent \xe9 this year, more than in any year.</p>"
            b"</article></body></html>",
        ),
        422,
        "UTF-8 with invalid bytes (line 1, byte 103)",
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
    # Issue 14, item 5: work limits on every file type, with the limit named.
    "a PDF whose pages share one compressed stream": (
        lambda: ("report.pdf", _shared_stream_pdf()),
        413,
        "more than 2,000,000 characters",
    ),
    "a PDF of 1,000 pages": (
        lambda: ("report.pdf", _many_pages_pdf()),
        413,
        "This PDF has 1,000 pages; at most 500 are read.",
    ),
    "a .txt of 2.04 million characters": (
        lambda: ("transcript.txt", b"Crime rose. " * 170_000),
        413,
        "more than 2,000,000 characters",
    ),
    "an HTML page of 2.3 million characters": (
        lambda: ("page.html", _long_html()),
        413,
        "more than 2,000,000 characters",
    ),
    "a .docx of 2.4 million characters": (
        lambda: ("statement.docx", _long_docx()),
        413,
        "more than 2,000,000 characters",
    ),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_upload_gets_a_clear_message_and_saves_nothing(app, login_as, case):
    make, status, words = HOSTILE[case]
    filename, content = make()
    client = login_as(Role.FACT_CHECKER)
    with CommittedWrites(db.engine) as writes:
        response = _upload(client, filename, content)
    if status == 400 or words in ("larger", "The file is empty."):
        # Told at once, by the form: nothing enqueued.
        page = response.get_data(as_text=True)
        assert response.status_code == status, (response.status_code, page[:2000])
        assert unexpected_writes(writes.committed) == []
    else:
        # Read in a job: it fails with the message, and only the job itself is saved.
        job, page = _job_page(client, response)
        assert job.status == "failed", (job.status, job.error)
        assert unexpected_writes(writes.committed, allowed=_job_bookkeeping) == []
    assert words in page
    assert "Traceback" not in page


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
    job, shown = _job_page(client, _upload(client, "prices.html", page))
    assert job.status == "done", job.error
    article = db.session.scalars(sa.select(Article)).one()
    assert f'href="/articles/{article.id}"' in shown
    assert "prices rose by 12 percent" in article.text
    assert "15 percent" in article.text
    for planted in ("evil.example", "moon is made", "Framed claim", "window.location", "color"):
        assert planted not in article.text, planted
    shown = client.get(f"/articles/{article.id}").get_data(as_text=True)
    assert "<iframe" not in shown and "evil.example" not in shown


def test_text_in_a_legacy_or_utf16_encoding_is_read(app, login_as):
    client = login_as(Role.FACT_CHECKER)
    windows = "Le ministre a déclaré que les prix ont augmenté de 12 % – « vrai ».".encode("cp1252")
    assert _job_page(client, _upload(client, "fr.txt", windows))[0].status == "done"
    notepad = "The minister said prices rose by 12 percent this year.".encode("utf-16")
    assert _job_page(client, _upload(client, "en.txt", notepad))[0].status == "done"
    texts = set(db.session.scalars(sa.select(Article.text)))
    assert texts == {
        "Le ministre a déclaré que les prix ont augmenté de 12 % – « vrai ».",
        "The minister said prices rose by 12 percent this year.",
    }


def test_a_pdf_that_takes_too_long_is_cut_off(app, login_as):
    """Issue 14, item 5: one page can take unbounded time inside pypdf (this one: seconds
    per page, no text at all), so extraction runs where it can be stopped at the deadline."""
    app.config["INGEST_EXTRACT_SECONDS"] = 1
    client = login_as(Role.FACT_CHECKER)
    with CommittedWrites(db.engine) as writes:
        started = time.monotonic()
        response = _upload(client, "slow.pdf", _slow_page_pdf())
        elapsed = time.monotonic() - started
    job, page = _job_page(client, response)
    assert job.status == "failed" and "took longer than 1 second" in page
    assert elapsed < 6, elapsed
    assert unexpected_writes(writes.committed, allowed=_job_bookkeeping) == []


def test_the_page_limit_is_a_setting(app, login_as):
    app.config["INGEST_MAX_PAGES"] = 2
    client = login_as(Role.FACT_CHECKER)
    job, page = _job_page(
        client, _upload(client, "three.pdf", _raw_pdf([_text_stream(3)], pages=3))
    )
    assert job.status == "failed"
    assert "This PDF has 3 pages; at most 2 are read." in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Article)) == 0


def test_short_legacy_text_is_read_as_windows_1252(app, login_as):
    """Issue 14, item 16: detection guessed other code pages for short files ("dťclarť",
    and "Zürich" as three Chinese characters); a file with no UTF-8 in it and only short
    runs of accented letters is Windows-1252."""
    client = login_as(Role.FACT_CHECKER)
    texts = [
        "Le ministre a déclaré que les prix – « vrai ».",
        "Der Bürgermeister von Zürich sagte, die Mieten stiegen um 9 %.",
    ]
    for number, text in enumerate(texts):
        job, _ = _job_page(client, _upload(client, f"legacy{number}.txt", text.encode("cp1252")))
        assert job.status == "done", job.error
    assert set(db.session.scalars(sa.select(Article.text))) == set(texts)


def test_a_declared_charset_is_honoured(app, login_as):
    client = login_as(Role.FACT_CHECKER)
    page = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=koi8-r">'
        "</head><body><article><p>Министр сказал, что цены выросли на 12 процентов в этом "
        "году, больше, чем когда-либо.</p></article></body></html>"
    ).encode("koi8-r")
    job, _ = _job_page(client, _upload(client, "ru.html", page))
    assert job.status == "done", job.error
    assert "цены выросли на 12 процентов" in db.session.scalars(sa.select(Article.text)).one()

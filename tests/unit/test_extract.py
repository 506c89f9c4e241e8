"""Turning files and web pages into text, and refusing what is not what it claims to be."""

from __future__ import annotations

import io
import threading
import time
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from factcheck.sources.decoding import decode_text
from factcheck.sources.document import from_text, guess_title
from factcheck.sources.extract import from_file
from factcheck.sources.fetch import FetchPolicy, check_url, fetch, from_url
from factcheck.sources.limits import ExtractionError
from factcheck.sources.readers import from_html
from factcheck.text.segment import segment

ARTICLE_HTML = b"""<!doctype html><html><head><title>Council approves flood wall</title>
<meta property="og:site_name" content="Harbour Chronicle">
<meta name="author" content="Jo Reporter"><meta name="date" content="2026-11-03">
</head><body><nav>Home | News | Sport</nav><article><h1>Council approves flood wall</h1>
<p>The Harbour City council voted 7 to 2 on Tuesday to build a 4.2-kilometre flood wall along
the old docks, ending a debate that has run since the storms of 2023.</p>
<p>Mayor Elena Ruiz said the wall would protect more than 30,000 homes and claimed that flood
damage had cost the city $48 million in the past five years.</p></article>
<footer>Copyright 2026</footer></body></html>"""


def _pdf_with_text(*lines: str) -> bytes:
    """A minimal one-page PDF whose content stream draws `lines`, one under the other."""
    drawn = " 0 -16 Td ".join(
        "(" + line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ") Tj"
        for line in lines
    )
    stream = f"BT /F1 12 Tf 72 712 Td {drawn} ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF".encode()
    )
    return out.getvalue()


def _docx(paragraphs: list[str]) -> bytes:
    import docx

    document = docx.Document()
    for p in paragraphs:
        document.add_paragraph(p)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_plain_text_utf8_and_detected_encodings():
    assert from_file("a.txt", "Zoë said “hello”.".encode()).text == "Zoë said “hello”."
    assert from_file("a.txt", b"\xef\xbb\xbfWith BOM.").text == "With BOM."
    latin = "Le ministre a déclaré que les prix ont augmenté de 12 % cette année.".encode("latin-1")
    assert "déclaré" in decode_text(latin)


def test_unicode_marks_damage_and_control_characters():
    assert decode_text("Prices rose.".encode("utf-16")) == "Prices rose."
    assert decode_text("Prices rose.".encode("utf-32")) == "Prices rose."
    # A few stray control characters (a terminal colour code, a form feed's neighbours)
    # are dropped; form feeds, tabs and newlines stay.
    assert decode_text(b"Page 1\x0c\tCrime rose.\x1b[0m\x07 It fell.") == (
        "Page 1\x0c\tCrime rose.[0m It fell."
    )
    with pytest.raises(ExtractionError, match="control characters"):
        decode_text(b"text \x01\x02\x03\x04\x05 more")
    with pytest.raises(ExtractionError, match=r"invalid bytes \(line 2, byte 17\)"):
        decode_text("Zoë said\nthat é".encode() + b"\xff")
    # Undecodable bytes with no valid UTF-8 around them are a legacy encoding, not damage.
    french = "Le ministre a déclaré que les prix ont augmenté de 12 % cette année."
    assert decode_text(french.encode("latin-1")) == french


def test_binary_and_empty_files_are_refused():
    with pytest.raises(ExtractionError, match="binary"):
        from_file("a.txt", b"abc\x00def")
    with pytest.raises(ExtractionError, match="empty"):
        from_file("a.txt", b"")
    with pytest.raises(ExtractionError, match="empty"):
        from_file("a.txt", b"   \n ")


def test_unsupported_and_mislabelled_files():
    with pytest.raises(ExtractionError, match="not supported"):
        from_file("a.exe", b"MZ...")
    with pytest.raises(ExtractionError, match="not a PDF"):
        from_file("report.pdf", b"just text pretending")
    with pytest.raises(ExtractionError, match="holds a PDF"):
        from_file("report.txt", _pdf_with_text("Hello"))
    with pytest.raises(ExtractionError, match="not a Word document"):
        from_file("report.docx", b"plain text")
    with pytest.raises(ExtractionError, match="not look like an HTML"):
        from_file("page.html", b"no markup here at all")


def test_pdf_text_layer_and_scanned_pdf():
    assert (
        "Unemployment fell to 3.5 percent"
        in from_file("a.pdf", _pdf_with_text("Unemployment fell to 3.5 percent")).text
    )
    from pypdf import PdfWriter

    blank = io.BytesIO()
    writer = PdfWriter()
    writer.add_blank_page(612, 792)
    writer.write(blank)
    with pytest.raises(ExtractionError, match="no text layer"):
        from_file("scan.pdf", blank.getvalue())
    with pytest.raises(ExtractionError, match="could not be read"):
        from_file("broken.pdf", b"%PDF-1.4\n garbage without structure")


def test_pdf_text_goes_through_the_same_structure_rules():
    doc = from_file(
        "a.pdf",
        _pdf_with_text(
            "Rebels seize Aleppo",
            "BEIRUT, Dec 2 (Reuters) - Rebels took the city on Saturday.",
            "Fighters on a tank in Aleppo. Photo: Jo Doe/Reuters",
            "Reporting by Jo Doe; Editing by Al Smith",
        ),
    )
    assert [(s.kind, s.text) for s in segment(doc.text)] == [
        ("headline", "Rebels seize Aleppo"),
        ("dateline", "BEIRUT, Dec 2 (Reuters) -"),
        ("body", "Rebels took the city on Saturday."),
        ("caption", "Fighters on a tank in Aleppo."),
        ("credit", "Photo: Jo Doe/Reuters"),
        ("credit", "Reporting by Jo Doe; Editing by Al Smith"),
    ]
    assert guess_title(doc.text) == "Rebels seize Aleppo"


def test_docx_paragraphs_and_zip_bomb():
    doc = from_file("t.docx", _docx(["TRUMP: Taxes went up.", "CLINTON: That is false."]))
    assert doc.text == "TRUMP: Taxes went up.\n\nCLINTON: That is false."
    assert (doc.title, doc.hints) == (None, ())  # no Title or Heading style to go by
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", b"0" * (51 * 1024 * 1024))
    with pytest.raises(ExtractionError, match="more than 50 MB"):
        from_file("bomb.docx", bomb.getvalue())
    other = io.BytesIO()
    with zipfile.ZipFile(other, "w") as z:
        z.writestr("hello.txt", b"hi")
    with pytest.raises(ExtractionError, match="not a Word document"):
        from_file("other.docx", other.getvalue())


def test_html_article_and_metadata():
    doc = from_html(ARTICLE_HTML, url="https://news.example.com/wall")
    assert "voted 7 to 2" in doc.text and "Mayor Elena Ruiz" in doc.text
    # Each block (heading, paragraph) is a paragraph of its own.
    assert doc.text.startswith("Council approves flood wall\n\nThe Harbour City council")
    assert "Copyright" not in doc.text and "Sport" not in doc.text
    assert doc.title == "Council approves flood wall"
    assert doc.author == "Jo Reporter"
    assert str(doc.published_on) == "2026-11-03"


def test_guess_title():
    assert guess_title("Council votes\n\nThe council voted.") == "Council votes"
    assert guess_title("The council voted 7 to 2. Then it rained.") == "The council voted 7 to 2."
    # A long first sentence is cut to about twelve words; a caption is never the title.
    assert (
        guess_title(
            "A nurse in Idlib. Photo credit: Omar Albam\n\nThe Harbour City council voted 7 to 2 "
            "on Tuesday to build a 4.2-kilometre flood wall along the old docks."
        )
        == "The Harbour City council voted 7 to 2 on Tuesday to build…"
    )
    assert guess_title("Photo credit: Omar Albam") == ""


def test_a_metadata_header_becomes_the_documents_fields():
    doc = from_text(
        "Title: Council approves flood wall\nDate: 2026-11-03\nBy: Jo Reporter\n"
        "Source: Harbour Chronicle\n\nThe council voted 7 to 2 on Tuesday."
    )
    assert doc.text == "The council voted 7 to 2 on Tuesday."
    assert (doc.title, doc.author, doc.outlet) == (
        "Council approves flood wall",
        "Jo Reporter",
        "Harbour Chronicle",
    )
    assert str(doc.published_on) == "2026-11-03"
    # The shared seed article opens with a bare "date 2024-12-03" before its photo caption.
    seed = from_text(" date 2024-12-03 A nurse attended to a woman. Photo credit: O. Albam\n")
    assert str(seed.published_on) == "2024-12-03" and seed.text.startswith("A nurse attended")


@pytest.mark.parametrize(
    "text",
    [
        "Date palms grow in Idlib. Title: not a header.",
        "date 2024-13-45 is not a day, so this stays text.",
        "Date: 3 December 2024\nDates other than YYYY-MM-DD are left alone.",
        "Title: a header and nothing else",
        "SOURCE: " + "a transcript turn by a speaker called Source, far too long for a name. " * 3,
    ],
)
def test_text_that_only_looks_like_a_header_is_kept_whole(text):
    doc = from_text(text)
    assert doc.text == text
    assert (doc.title, doc.author, doc.outlet, doc.published_on) == (None, None, None, None)


def test_a_header_field_given_twice_ends_the_header():
    doc = from_text("Date: 2024-01-02\nDate: 2024-01-03\nThe mayor spoke.")
    assert str(doc.published_on) == "2024-01-02"
    assert doc.text == "Date: 2024-01-03\nThe mayor spoke."


class _Handler(BaseHTTPRequestHandler):
    routes: dict[str, tuple[int, str, bytes]] = {}

    def do_GET(self) -> None:  # noqa: N802
        if self.path == "/trickle":  # a byte every 0.1 s, forever as far as a reader knows
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            try:
                for _ in range(200):
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(0.1)
            except OSError:
                pass  # the client gave up
            return
        status, content_type, body = self.routes.get(self.path, (404, "text/plain", b"missing"))
        self.send_response(status)
        if status in (301, 302):
            self.send_header("Location", body.decode())
            body = b""
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:  # noqa: ANN002
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    _Handler.routes = {
        "/article": (200, "text/html; charset=utf-8", ARTICLE_HTML),
        "/image": (200, "image/png", b"\x89PNG...."),
        "/big": (200, "text/html", b"<p>" + b"x" * 200_000 + b"</p>"),
        "/hop": (302, "text/html", f"{base}/article".encode()),
    }
    yield base
    httpd.shutdown()
    httpd.server_close()


LOCAL = FetchPolicy(allow_private=True, timeout=5)


def test_fetch_and_extract_from_loopback_when_allowed(server):
    doc = from_url(f"{server}/article", LOCAL)
    assert "voted 7 to 2" in doc.text and doc.url == f"{server}/article"
    assert from_url(f"{server}/hop", LOCAL).url == f"{server}/article"


def test_a_trickling_server_is_cut_off_at_the_total_deadline(server):
    """Issue 14, item 8: the timeout bounded each read only, so a byte every 0.1 s kept
    the fetch going for as long as the server liked."""
    started = time.monotonic()
    with pytest.raises(ExtractionError, match="took longer than 1 seconds to download"):
        fetch(f"{server}/trickle", FetchPolicy(allow_private=True, timeout=1))
    assert time.monotonic() - started < 5


def test_private_addresses_are_refused_by_default(server):
    for url in (
        f"{server}/article",
        "http://localhost:9/",
        "http://10.0.0.1/",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:9/",
        "http://0.0.0.0:9/",
    ):
        with pytest.raises(ExtractionError, match="private or local network"):
            fetch(url, FetchPolicy(timeout=2))


def test_bad_urls_and_answers(server):
    for url in (
        "ftp://example.com/a",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "example.com",
        "http://user:pw@example.com/",
    ):
        with pytest.raises(ExtractionError):
            check_url(url)
    with pytest.raises(ExtractionError, match="HTTP 404"):
        fetch(f"{server}/missing", LOCAL)
    with pytest.raises(ExtractionError, match="image/png, not a web page"):
        fetch(f"{server}/image", LOCAL)
    with pytest.raises(ExtractionError, match="larger than"):
        fetch(f"{server}/big", FetchPolicy(allow_private=True, max_bytes=100_000))


def test_server_that_does_not_answer():
    with pytest.raises(ExtractionError, match="could not be reached"):
        fetch("http://127.0.0.1:9/", LOCAL)


def test_a_pages_declared_charset_is_honoured_and_damage_refused(server):
    """Issue 14, item 16: the server's charset wins over guessing (a short Windows-1252
    page was guessed as another code page), and damaged UTF-8 is refused, not mojibake."""
    french = "<html><body><article><p>Le ministre a déclaré que les prix – « vrai ».</p>"
    _Handler.routes["/fr"] = (200, "text/html; charset=windows-1252", french.encode("cp1252"))
    _Handler.routes["/damaged"] = (
        200,
        "text/plain; charset=utf-8",
        "Le ministre a déclaré".encode() + b" \xab vrai \xbb, les prix ont augment\xe9.",
    )
    assert "Le ministre a déclaré que les prix – « vrai »." in from_url(f"{server}/fr", LOCAL).text
    with pytest.raises(ExtractionError, match=r"UTF-8 with invalid bytes \(line 1, byte 24\)"):
        from_url(f"{server}/damaged", LOCAL)

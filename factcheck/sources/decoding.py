"""Bytes to text: decode a text file or page (byte-order mark, UTF-8, the declared
charset, Windows-1252 or a detected legacy encoding), refusing binary data and UTF-8 with
damage in it, and dropping stray control characters.
"""

from __future__ import annotations

import codecs
import re

from factcheck.sources.limits import ExtractionError

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

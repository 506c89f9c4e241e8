"""Bulk files of articles: a .csv or .jsonl with a `text` column and optional title, url,
outlet, author, published_on (or date) and language, read one row at a time.

Shared by `factcheck ingest --bulk` (a file on disk, streamed) and the "ingest_bulk" job
(an upload kept in the database). Each row comes with its line number, and a row that
cannot be read is a BadRow saying why: it fails that row alone, never the rest of the file.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from datetime import date
from typing import IO, Any

from factcheck.db import unstorable_character
from factcheck.errors import InvalidInput
from factcheck.sources.document import Document
from factcheck.sources.limits import MAX_TEXT_CHARACTERS

# The file kinds read, by suffix.
BULK_SUFFIXES = (".csv", ".jsonl")
# Fields a bulk row may have, all text (or null); published_on may also be called date.
BULK_FIELDS = ("text", "title", "url", "outlet", "author", "published_on", "date", "language")
# The longest line of a .jsonl file read: the longest text allowed (4 bytes a character at
# most in UTF-8, doubled for JSON's escapes) and room for the metadata.
MAX_LINE_BYTES = 8 * MAX_TEXT_CHARACTERS + 65_536

Row = tuple[int, "dict[str, Any] | BadRow"]


class BadRow(Exception):
    """A bulk row that cannot be ingested; the message says what is wrong with it."""

    @property
    def message(self) -> str:
        return str(self)


def _type_name(value: object) -> str:
    names = {bool: "true or false", int: "a number", float: "a number", list: "a list"}
    return names.get(type(value), "an object" if isinstance(value, dict) else type(value).__name__)


def _decode_line(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRow(f"not valid UTF-8 (byte {exc.start:,} of the line)") from exc


def jsonl_rows(fh: IO[bytes]) -> Iterator[Row]:
    """(line number, row or BadRow) for each non-blank line, one line in memory at a time."""
    number = 0
    while raw := fh.readline(MAX_LINE_BYTES + 1):
        number += 1
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            while (rest := fh.readline(1 << 20)) and not rest.endswith(b"\n"):
                pass  # skip the rest of the line without holding it
            yield number, BadRow(f"the line is longer than {MAX_LINE_BYTES:,} bytes")
            continue
        try:
            line = _decode_line(raw.removeprefix(b"\xef\xbb\xbf") if number == 1 else raw)
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise BadRow(f"not valid JSON ({exc.msg} at column {exc.colno})") from exc
            if not isinstance(row, dict):
                raise BadRow(f"each line must be a JSON object, not {_type_name(row)}")
        except BadRow as exc:
            yield number, exc
        else:
            yield number, row


_SURROGATE = re.compile("[\udc80-\udcff]")


def csv_rows(fh: IO[bytes]) -> Iterator[Row]:
    """(line number where the record starts, row or BadRow) for each CSV record, streamed.
    Bytes that are not UTF-8 fail only the record they are in. A byte-order mark at the
    start is skipped (`fh` must be seekable: a file, or BytesIO)."""
    # The csv module refuses fields over 128 kB by default; a text may have 2,000,000
    # characters (a longer one is refused by its row's checks).
    csv.field_size_limit(max(csv.field_size_limit(), MAX_TEXT_CHARACTERS + 1))
    if fh.read(3) != b"\xef\xbb\xbf":
        fh.seek(0)
    lines = (raw.decode("utf-8", errors="surrogateescape") for raw in fh)
    reader = csv.DictReader(lines)
    start = 2
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield start, BadRow(f"not a valid CSV record ({exc})")
            start = reader.line_num + 1
            continue
        number, start = start, reader.line_num + 1
        for value in (*row.values(), *row.keys()):
            if isinstance(value, str) and (bad := _SURROGATE.search(value)):
                position = bad.start()
                yield number, BadRow(f"not valid UTF-8 (in {value[:position][-20:]!r}…)")
                break
        else:
            yield number, row


def kind_of(name: str) -> str:
    """ ".csv" or ".jsonl" from a file name; InvalidInput for anything else."""
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix not in BULK_SUFFIXES:
        raise InvalidInput("A bulk file must be a .csv or a .jsonl file.")
    return suffix


def rows(name: str, fh: IO[bytes]) -> Iterator[Row]:
    """Each row of a .csv or .jsonl file (`name` says which) with its line number."""
    if kind_of(name) == ".jsonl":
        return jsonl_rows(fh)
    return csv_rows(fh)


def rows_from_bytes(name: str, data: bytes) -> Iterator[Row]:
    """Each row of an uploaded bulk file held in memory."""
    return rows(name, io.BytesIO(data))


def count_rows(name: str, data: bytes, *, max_rows: int) -> int:
    """How many rows (good or bad) an uploaded bulk file has; InvalidInput when it is not
    a .csv or .jsonl, has none, or has more than `max_rows` (BULK_INGEST_MAX_ROWS)."""
    count = 0
    for count, _row in enumerate(rows_from_bytes(name, data), start=1):  # noqa: B007
        if count > max_rows:
            raise InvalidInput(
                f"The file has more than {max_rows:,} rows, the most taken in at once. "
                "Split it into smaller files; nothing was saved."
            )
    if count == 0:
        raise InvalidInput("The file has no rows (a header line and one row per article).")
    return count


def bulk_document(row: dict[str, Any]) -> Document:
    """The Document a bulk row describes; BadRow saying what is wrong with it."""
    for name in BULK_FIELDS:
        value = row.get(name)
        if value is not None and not isinstance(value, str):
            if name in ("published_on", "date"):
                raise BadRow(f"{name} must be a date as YYYY-MM-DD, not {_type_name(value)}")
            raise BadRow(f"{name} must be a string, not {_type_name(value)}")
        if isinstance(value, str) and (problem := unstorable_character(value)):
            raise BadRow(f"{name} contains {problem}")
    text = row.get("text") or ""
    if len(text) > MAX_TEXT_CHARACTERS:
        raise BadRow(f"text is longer than {MAX_TEXT_CHARACTERS:,} characters")
    published = (row.get("published_on") or row.get("date") or "").strip()
    try:
        day = date.fromisoformat(published[:10]) if published else None
    except ValueError:
        raise BadRow(
            f"published_on is not a valid date ({published[:20]!r}; use YYYY-MM-DD)"
        ) from None
    return Document(
        text=text,
        title=row.get("title"),
        url=row.get("url"),
        outlet=row.get("outlet"),
        author=row.get("author"),
        published_on=day,
        language=row.get("language"),
    )

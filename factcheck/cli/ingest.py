"""`factcheck ingest`, `factcheck score` and `factcheck claims extract`."""

from __future__ import annotations

import csv
import json
import re
import sys
from datetime import date
from pathlib import Path

import click
from flask import current_app
from tqdm.auto import tqdm

from factcheck.errors import DomainError


def _fail(message: str, code: int = 1) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


def _read_source(source: str) -> tuple[str, bytes]:
    if source == "-":
        return "stdin.txt", sys.stdin.buffer.read()
    path = Path(source)
    if not path.is_file():
        _fail(f"no such file: {source}")
    return path.name, path.read_bytes()


def load_document(source: str):  # noqa: ANN201
    """Read a FILE, a URL or - (stdin) into a Document."""
    from factcheck.sources.extract import from_file
    from factcheck.sources.fetch import FetchPolicy, from_url
    from factcheck.sources.limits import ExtractLimits

    limits = ExtractLimits.from_config(current_app.config)
    if source.startswith(("http://", "https://")):
        return from_url(source, FetchPolicy.from_config(current_app.config), limits)
    name, data = _read_source(source)
    return from_file(name, data, limits)


@click.command("ingest")
@click.argument("source")
@click.option(
    "--bulk",
    is_flag=True,
    help="SOURCE is a .csv or .jsonl of articles (column `text`, optional title, url, "
    "outlet, author, published_on, language); each is ingested on its own.",
)
@click.option("--title")
@click.option("--url", "url_", help="Where the text was published.")
@click.option("--outlet")
@click.option("--author")
@click.option(
    "--date", "published", type=click.DateTime(["%Y-%m-%d"]), help="Publication date, YYYY-MM-DD."
)
@click.option("--language", default=None, help="Language tag, e.g. en.")
def ingest_command(
    source: str,
    bulk: bool,
    title: str | None,
    url_: str | None,
    outlet: str | None,
    author: str | None,
    published,
    language: str | None,
) -> None:  # noqa: ANN001
    """Take in a FILE (.txt .html .pdf .docx), a URL or - for stdin; flag its claims."""
    from factcheck.claims.services import FlagPolicy
    from factcheck.classifier import ModelUnavailable
    from factcheck.classifier.loader import get_classifier
    from factcheck.extensions import db
    from factcheck.intake import ingest
    from factcheck.matching.services import MatchSettings

    if bulk:
        _bulk(source)
        return
    try:
        document = load_document(source).with_overrides(
            title=title,
            url=url_,
            outlet=outlet,
            author=author,
            published_on=published.date() if published else None,
            language=language,
        )
        result = ingest(
            db.session,
            document,
            actor=None,
            classifier=get_classifier(),
            source_kind="url" if source.startswith("http") else "file",
            policy=FlagPolicy.from_config(current_app.config),
            matching=MatchSettings.from_config(current_app.config),
        )
    except (DomainError, ModelUnavailable) as exc:
        db.session.rollback()
        _fail(getattr(exc, "message", str(exc)))
    db.session.commit()
    click.echo(
        f"Ingested article {result.article.id}: {result.article.title!r}, {result.summary()}"
    )


class BadRow(Exception):
    """A bulk row that cannot be ingested; the message says what is wrong with it."""


# Fields a bulk row may have, all text (or null); published_on may also be called date.
_BULK_FIELDS = ("text", "title", "url", "outlet", "author", "published_on", "date", "language")
# The longest line of a .jsonl file read: the longest text allowed (4 bytes a character at
# most in UTF-8, doubled for JSON's escapes) and room for the metadata.
_MAX_LINE_BYTES = 8 * 2_000_000 + 65_536


def _type_name(value: object) -> str:
    names = {bool: "true or false", int: "a number", float: "a number", list: "a list"}
    return names.get(type(value), "an object" if isinstance(value, dict) else type(value).__name__)


def _decode_line(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRow(f"not valid UTF-8 (byte {exc.start:,} of the line)") from exc


def _jsonl_rows(fh):  # noqa: ANN001, ANN202
    """(line number, row or BadRow) for each non-blank line, one line in memory at a time."""
    number = 0
    while raw := fh.readline(_MAX_LINE_BYTES + 1):
        number += 1
        if len(raw) > _MAX_LINE_BYTES and not raw.endswith(b"\n"):
            while (rest := fh.readline(1 << 20)) and not rest.endswith(b"\n"):
                pass  # skip the rest of the line without holding it
            yield number, BadRow(f"the line is longer than {_MAX_LINE_BYTES:,} bytes")
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


def _csv_rows(fh):  # noqa: ANN001, ANN202
    """(line number where the record starts, row or BadRow) for each CSV record, streamed.
    Bytes that are not UTF-8 fail only the record they are in."""
    from factcheck.sources.limits import MAX_TEXT_CHARACTERS

    # The csv module refuses fields over 128 kB by default; a text may have 2,000,000
    # characters (a longer one is refused by its row's checks).
    csv.field_size_limit(max(csv.field_size_limit(), MAX_TEXT_CHARACTERS + 1))
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


_SURROGATE = re.compile("[\udc80-\udcff]")


def _bulk_rows(path: Path):  # noqa: ANN202
    """Each row of a .csv or .jsonl file with its line number, read as it is ingested."""
    suffix = path.suffix.lower()
    if suffix not in (".jsonl", ".csv"):
        _fail("bulk files must be .csv or .jsonl")
    with path.open("rb") as fh:
        if suffix == ".jsonl":
            yield from _jsonl_rows(fh)
        else:
            if fh.read(3) != b"\xef\xbb\xbf":
                fh.seek(0)
            yield from _csv_rows(fh)


def _bulk_document(row: dict):  # noqa: ANN202
    """The Document a bulk row describes, or BadRow saying what is wrong with it."""
    from factcheck.db import unstorable_character
    from factcheck.sources.document import Document
    from factcheck.sources.limits import MAX_TEXT_CHARACTERS

    for name in _BULK_FIELDS:
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


def _bulk(source: str) -> None:
    from sqlalchemy.exc import SQLAlchemyError

    from factcheck.claims.services import FlagPolicy
    from factcheck.classifier import ModelUnavailable
    from factcheck.classifier.loader import get_classifier
    from factcheck.extensions import db
    from factcheck.intake import ingest
    from factcheck.matching.services import MatchSettings

    path = Path(source)
    if not path.is_file():
        _fail(f"no such file: {source}")
    try:
        classifier = get_classifier()
    except ModelUnavailable as exc:
        _fail(str(exc))
    policy = FlagPolicy.from_config(current_app.config)
    matching = MatchSettings.from_config(current_app.config)
    done = duplicates = failed = 0
    progress = tqdm(desc="ingesting", unit="article", file=sys.stderr)
    for number, row in _bulk_rows(path):
        try:
            if isinstance(row, BadRow):
                raise row
            ingest(
                db.session,
                _bulk_document(row),
                actor=None,
                classifier=classifier,
                source_kind="bulk",
                policy=policy,
                matching=matching,
            )
            db.session.commit()
            done += 1
        except (BadRow, DomainError) as exc:
            db.session.rollback()
            if getattr(exc, "existing_id", None):
                duplicates += 1
            else:
                failed += 1
                message = getattr(exc, "message", str(exc))
                tqdm.write(f"{path.name}, line {number}: {message}", file=sys.stderr)
        except (ValueError, SQLAlchemyError) as exc:
            # Anything else one row can break is that row's failure, never the run's.
            db.session.rollback()
            failed += 1
            detail = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
            tqdm.write(
                f"{path.name}, line {number}: could not be saved ({detail})", file=sys.stderr
            )
        progress.update()
    progress.close()
    click.echo(f"Ingested {done}, skipped {duplicates} already present, {failed} failed.")
    if failed:
        sys.exit(1)


@click.command("score")
@click.argument("sentences", nargs=-1)
@click.option(
    "--input",
    "input_",
    type=click.File("r", encoding="utf-8-sig"),
    help="CSV with columns id,text (others ignored); - for stdin.",
)
@click.option(
    "--output",
    type=click.File("w", encoding="utf-8"),
    help="Where to write id,score (in input order); - for stdout.",
)
def score_command(sentences: tuple[str, ...], input_, output) -> None:  # noqa: ANN001
    """Score SENTENCES, or a CSV, for check-worthiness (0..1) with the active model."""
    from factcheck.classifier import ModelUnavailable
    from factcheck.classifier.loader import get_classifier

    if bool(sentences) == bool(input_):
        _fail("give sentences as arguments, or --input FILE (not both)", 2)
    try:
        classifier = get_classifier()
        if sentences:
            for text, value in zip(sentences, classifier.score(list(sentences)), strict=True):
                flag = "claim" if value >= classifier.threshold else "-"
                click.echo(f"{value:.4f}\t{flag}\t{text}")
            return
        reader = csv.DictReader(input_)
        if not {"id", "text"} <= set(reader.fieldnames or ()):
            _fail("the input CSV needs the columns id and text")
        rows = list(reader)
        scores: list[float] = []
        batch = 256
        for start in tqdm(
            range(0, len(rows), batch), desc="scoring", unit="batch", file=sys.stderr
        ):
            scores += classifier.score([r["text"] or "" for r in rows[start : start + batch]])
    except ModelUnavailable as exc:
        _fail(str(exc))
    out = output or click.get_text_stream("stdout")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["id", "score"])
    for row, value in zip(rows, scores, strict=True):
        writer.writerow([row["id"], f"{value:.6f}"])


@click.group("claims")
def claims() -> None:
    """Work with claims from the command line."""


@claims.command("extract")
@click.argument("source", type=click.File("rb"))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per sentence (JSONL).")
def extract_command(source, as_json: bool) -> None:  # noqa: ANN001
    """Split a text FILE (or -) into sentences with scores and attributions; saves nothing."""
    from factcheck.claims.services import FlagPolicy, analyse
    from factcheck.classifier import ModelUnavailable
    from factcheck.classifier.loader import get_classifier
    from factcheck.sources.decoding import decode_text
    from factcheck.sources.document import from_text

    try:
        text = decode_text(source.read())
        document = from_text(text)
        # The metadata header (if any) is not analysed; offsets stay offsets into the file.
        offset = len(text) - len(document.text)
        results = analyse(
            document.text,
            get_classifier(),
            published_on=document.published_on,
            policy=FlagPolicy.from_config(current_app.config),
        )
    except (DomainError, ModelUnavailable) as exc:
        _fail(getattr(exc, "message", str(exc)))
    for item in results:
        record = item.as_json()
        record["start"] += offset
        record["end"] += offset
        if as_json:
            click.echo(json.dumps(record, ensure_ascii=False))
    if as_json:
        return
    # One line per queue item, best-ranked first, with everyone who made the claim.
    for leader in sorted(results.embeddings, key=lambda i: results[i].rank or 0):
        members = [item for item in results if item.group == leader]
        claimants = list(
            dict.fromkeys(m.attribution.claimant for m in members if m.attribution.claimant)
        )
        head = results[leader]
        who = f" [{', '.join(claimants)}]" if claimants else ""
        more = f" ({len(members)} sentences)" if len(members) > 1 else ""
        click.echo(
            f"#{head.rank} {head.score:.3f} {head.reason}{who}{more}: {head.attribution.claim}"
        )

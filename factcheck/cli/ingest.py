"""`factcheck ingest` and `factcheck claims extract` (`factcheck score` is factcheck.cli.score)."""

from __future__ import annotations

import json
import sys
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
    """Take in a FILE (.txt .html .pdf .docx), a FOLDER of such files (one article each), a
    URL or - for stdin; flag its claims."""
    from factcheck.claims.services import FlagPolicy
    from factcheck.classifier import ModelUnavailable
    from factcheck.classifier.loader import get_classifier
    from factcheck.extensions import db
    from factcheck.intake import ingest
    from factcheck.matching.services import MatchSettings

    if bulk:
        _bulk(source)
        return
    if Path(source).is_dir():
        from factcheck.cli.folder import ingest_folder

        if title or url_:
            _fail("--title and --url name one article; a folder's files are many")
        ingest_folder(
            Path(source),
            {
                "outlet": outlet,
                "author": author,
                "published_on": published.date() if published else None,
                "language": language,
            },
        )
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


def _bulk_rows(path: Path):  # noqa: ANN202
    """Each row of a .csv or .jsonl file with its line number, read as it is ingested."""
    from factcheck.sources import bulk

    with path.open("rb") as fh:
        yield from bulk.rows(path.name, fh)


def _bulk(source: str) -> None:
    from sqlalchemy.exc import SQLAlchemyError

    from factcheck.claims.services import FlagPolicy
    from factcheck.classifier import ModelUnavailable
    from factcheck.classifier.loader import get_classifier
    from factcheck.extensions import db
    from factcheck.intake import ingest
    from factcheck.matching.services import MatchSettings
    from factcheck.sources import bulk

    path = Path(source)
    if not path.is_file():
        _fail(f"no such file: {source}")
    try:
        bulk.kind_of(path.name)
    except DomainError as exc:
        _fail(exc.message)
    try:
        classifier = get_classifier()
    except ModelUnavailable as exc:
        _fail(str(exc))
    policy = FlagPolicy.from_config(current_app.config)
    matching = MatchSettings.from_config(current_app.config)
    done = duplicates = failed = 0
    # Rows are counted first (a quick read of the file, nothing held) so the bar has an
    # end and an ETA; then each is read again as it is ingested.
    total = sum(1 for _ in _bulk_rows(path))
    progress = tqdm(total=total, desc="ingesting", unit="article", file=sys.stderr, disable=None)
    for number, row in _bulk_rows(path):
        try:
            if isinstance(row, bulk.BadRow):
                raise row
            ingest(
                db.session,
                bulk.bulk_document(row),
                actor=None,
                classifier=classifier,
                source_kind="bulk",
                policy=policy,
                matching=matching,
            )
            db.session.commit()
            done += 1
        except (bulk.BadRow, DomainError) as exc:
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

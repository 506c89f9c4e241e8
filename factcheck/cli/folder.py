"""`factcheck ingest FOLDER`: every .txt, .html, .htm, .pdf and .docx file in a folder
(not its subfolders), one article each, with a progress bar.

A file whose text was ingested before is skipped and counted; a file that cannot be read
or saved is listed (its name and why) and the others go on; the exit status is 1 when any
failed. At most INGEST_FOLDER_MAX_FILES files (a fuller folder is refused before any is
read), each at most MAX_CONTENT_LENGTH bytes (the web's upload limit).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from tqdm.auto import tqdm

from factcheck.errors import DomainError

FOLDER_SUFFIXES = (".txt", ".html", ".htm", ".pdf", ".docx")


def folder_files(folder: Path) -> list[Path]:
    """The files of `folder` that can be ingested, by name."""
    return sorted(
        (p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in FOLDER_SUFFIXES),
        key=lambda p: p.name,
    )


def ingest_folder(folder: Path, overrides: dict) -> None:  # noqa: C901
    """Ingest each file of `folder` on its own (committed one by one), then report."""
    from sqlalchemy.exc import SQLAlchemyError

    from factcheck.claims.services import FlagPolicy
    from factcheck.classifier import ModelUnavailable
    from factcheck.classifier.loader import get_classifier
    from factcheck.extensions import db
    from factcheck.intake import ingest
    from factcheck.matching.services import MatchSettings
    from factcheck.sources.extract import from_file
    from factcheck.sources.limits import ExtractLimits

    config = current_app.config
    files = folder_files(folder)
    limit = int(config["INGEST_FOLDER_MAX_FILES"])
    if not files:
        _fail(f"no .txt, .html, .pdf or .docx files in {folder}")
    if len(files) > limit:
        _fail(
            f"{folder} holds {len(files):,} files to ingest, more than the "
            f"{limit:,} one run takes (INGEST_FOLDER_MAX_FILES); split it"
        )
    try:
        classifier = get_classifier()
    except ModelUnavailable as exc:
        _fail(str(exc))
    limits = ExtractLimits.from_config(config)
    policy = FlagPolicy.from_config(config)
    matching = MatchSettings.from_config(config)
    max_bytes = int(config.get("MAX_CONTENT_LENGTH") or 0)
    done = duplicates = 0
    errors: list[tuple[str, str]] = []
    bar = tqdm(files, desc="ingesting", unit="file", disable=None, file=sys.stderr)
    for path in bar:
        try:
            size = path.stat().st_size
            if max_bytes and size > max_bytes:
                raise DomainError(f"larger than {max_bytes:,} bytes ({size:,})")
            document = from_file(path.name, path.read_bytes(), limits).with_overrides(**overrides)
            ingest(
                db.session,
                document,
                actor=None,
                classifier=classifier,
                source_kind="file",
                policy=policy,
                matching=matching,
            )
            db.session.commit()
            done += 1
        except DomainError as exc:
            db.session.rollback()
            if getattr(exc, "existing_id", None):
                duplicates += 1
                continue
            errors.append((path.name, exc.message))
        except ModelUnavailable as exc:
            db.session.rollback()
            bar.close()
            _fail(str(exc))
        except (OSError, ValueError, SQLAlchemyError) as exc:
            # Anything else one file can break is that file's failure, never the run's.
            db.session.rollback()
            detail = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
            errors.append((path.name, f"could not be read or saved ({detail})"))
        else:
            continue
        tqdm.write(f"{errors[-1][0]}: {errors[-1][1]}", file=sys.stderr)
    bar.close()
    click.echo(
        f"Ingested {done} of {len(files)} file(s), skipped {duplicates} already present, "
        f"{len(errors)} failed."
    )
    for name, message in errors:
        click.echo(f"  {name}: {message}")
    if errors:
        sys.exit(1)


def _fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)

"""`factcheck import ...`: rulings published elsewhere, read into "rulings from elsewhere"."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app

from factcheck.errors import DomainError

# Refused records listed in full up to this many; the rest are counted.
SHOW_REFUSED = 200


@click.group("import")
def import_group() -> None:
    """Import rulings from other organisations."""


@import_group.command("claimreview")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def claimreview_command(source: Path) -> None:
    """Read ClaimReview JSON-LD or JSON Lines from SOURCE into the rulings from elsewhere.

    One object, an array, {"@graph": [...]}, a page's JSON-LD, or one object per line.
    Malformed records are listed with their line and record number and the rest are
    imported; importing the same file again updates instead of duplicating. Each ruling
    is matched against the stored claims (suggested matches, never linked).
    """
    from factcheck.classifier import ModelUnavailable
    from factcheck.classifier.loader import get_classifier
    from factcheck.db import utcnow
    from factcheck.extensions import db
    from factcheck.matching.imports import ImportLimits, import_claimreview, parse_file
    from factcheck.matching.services import MatchSettings

    limits = ImportLimits.from_config(current_app.config)
    size = source.stat().st_size
    if size > limits.max_bytes:
        _fail(f"{source} is {size:,} bytes, over the limit of {limits.max_bytes:,}; split it.")
    try:
        parsed, refused = parse_file(source.read_bytes(), limits=limits)
        report = import_claimreview(
            db.session,
            parsed,
            refused,
            source_file=source.name,
            classifier=get_classifier(),
            actor=None,
            now=utcnow(),
            settings=MatchSettings.from_config(current_app.config),
        )
    except (DomainError, ModelUnavailable) as exc:
        db.session.rollback()
        _fail(f"{source}: {getattr(exc, 'message', str(exc))}")
    db.session.commit()
    click.echo(f"{source}: {report.summary()}")
    for item in report.refused[:SHOW_REFUSED]:
        click.echo(f"  refused {item}")
    if len(report.refused) > SHOW_REFUSED:
        click.echo(f"  ... and {len(report.refused) - SHOW_REFUSED:,} more refused")
    if report.refused and not (report.imported or report.updated or report.unchanged):
        sys.exit(1)


def _fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)

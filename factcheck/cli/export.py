"""`factcheck export ...`: rulings as CSV, for spreadsheets and partner tools."""

from __future__ import annotations

import sys
from datetime import date

import click
from flask import current_app

from factcheck.errors import DomainError
from factcheck.export.services import (
    ExportFilters,
    evidence_csv,
    public_base_url,
    rulings_csv,
)
from factcheck.extensions import db


def _date(ctx, param, value: str | None) -> date | None:  # noqa: ANN001
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not a date like 2026-01-31") from exc


def base_url() -> str:
    return public_base_url(current_app.config)


@click.group("export")
def export() -> None:
    """Export rulings."""


@export.command("csv")
@click.option("--since", callback=_date, help="Published on or after (YYYY-MM-DD).")
@click.option("--until", callback=_date, help="Published on or before (YYYY-MM-DD).")
@click.option(
    "--status",
    "statuses",
    multiple=True,
    type=click.Choice(["published", "retracted"]),
    default=["published"],
    show_default=True,
    help="Ruling status; repeat for both.",
)
@click.option("--claimant", help="Claimant name contains.")
@click.option("--evidence", is_flag=True, help="One row per evidence source instead.")
@click.option("--no-bom", is_flag=True, help="Leave out the UTF-8 byte-order mark.")
@click.option("-o", "--output", default="-", show_default=True, help="File, or - for stdout.")
def export_csv(since, until, statuses, claimant, evidence, no_bom, output) -> None:  # noqa: ANN001
    """Write rulings as CSV (UTF-8, header row; see the README for the columns)."""
    try:
        filters = ExportFilters(
            statuses=tuple(statuses), since=since, until=until, claimant=claimant
        )
    except DomainError as exc:
        raise click.UsageError(exc.message) from exc
    render = evidence_csv if evidence else rulings_csv
    chunks = render(db.session, filters, base_url=base_url(), bom=not no_bom)
    if output == "-":
        sys.stdout.flush()
        for chunk in chunks:
            sys.stdout.buffer.write(chunk)
        sys.stdout.buffer.flush()
        return
    with open(output, "wb") as fh:
        for chunk in chunks:
            fh.write(chunk)
    click.echo(f"Wrote {output}", err=True)


@export.command("claimreview")
@click.option("--since", callback=_date, help="Published on or after (YYYY-MM-DD).")
@click.option("--until", callback=_date, help="Published on or before (YYYY-MM-DD).")
@click.option("-o", "--output", default="-", show_default=True, help="File, or - for stdout.")
def export_claimreview(since, until, output) -> None:  # noqa: ANN001
    """Write published rulings as schema.org ClaimReview, one JSON object per line."""
    from factcheck.export.claimreview import claim_reviews, jsonl_chunks

    try:
        filters = ExportFilters(since=since, until=until)
    except DomainError as exc:
        raise click.UsageError(exc.message) from exc
    config = current_app.config
    chunks = jsonl_chunks(
        claim_reviews(
            db.session,
            filters,
            organisation=config["ORGANISATION_NAME"],
            organisation_url=config["ORGANISATION_URL"],
            base_url=base_url(),
        )
    )
    if output == "-":
        for chunk in chunks:
            sys.stdout.write(chunk)
        sys.stdout.flush()
        return
    with open(output, "w", encoding="utf-8") as fh:
        for chunk in chunks:
            fh.write(chunk)
    click.echo(f"Wrote {output}", err=True)

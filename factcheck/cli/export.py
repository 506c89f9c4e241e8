"""`factcheck export ...`: rulings as CSV, for spreadsheets and partner tools, and as
ClaimReview JSON Lines; a progress bar with rate and ETA on stderr (off when not a TTY)."""

from __future__ import annotations

import sys
from datetime import date

import click
from flask import current_app
from tqdm.auto import tqdm

from factcheck.errors import DomainError
from factcheck.export.files import export_chunks
from factcheck.export.services import ExportFilters, export_rows
from factcheck.extensions import db


def _date(ctx, param, value: str | None) -> date | None:  # noqa: ANN001
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not a date like 2026-01-31") from exc


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
    _write("evidence" if evidence else "rulings", filters, output, bom=not no_bom)


@export.command("claimreview")
@click.option("--since", callback=_date, help="Published on or after (YYYY-MM-DD).")
@click.option("--until", callback=_date, help="Published on or before (YYYY-MM-DD).")
@click.option("-o", "--output", default="-", show_default=True, help="File, or - for stdout.")
def export_claimreview(since, until, output) -> None:  # noqa: ANN001
    """Write published rulings as schema.org ClaimReview, one JSON object per line."""
    try:
        filters = ExportFilters(since=since, until=until)
    except DomainError as exc:
        raise click.UsageError(exc.message) from exc
    _write("claimreview", filters, output)


def _write(fmt: str, filters: ExportFilters, output: str, *, bom: bool = True) -> None:
    """Stream the export to `output` (a file, or - for stdout) under a progress bar."""
    rows = export_rows(db.session, filters, fmt)
    with tqdm(total=rows, desc="exporting", unit="row", disable=None, file=sys.stderr) as bar:
        chunks = export_chunks(
            db.session, filters, fmt, current_app.config, bom=bom, on_rows=bar.update
        )
        if output == "-":
            sys.stdout.flush()
            for chunk in chunks:
                sys.stdout.buffer.write(chunk)
            sys.stdout.buffer.flush()
            return
        with open(output, "wb") as fh:
            for chunk in chunks:
                fh.write(chunk)
    click.echo(f"Wrote {rows} row(s) to {output}", err=True)

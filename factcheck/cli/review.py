"""`factcheck review ...` and `factcheck claims reprioritise`: review-queue housekeeping
(run from cron or a scheduler, or once after a change of the priority formula)."""

from __future__ import annotations

import click

from factcheck.claims.priority import HALF_LIFE_DAYS, reprioritise
from factcheck.db import utcnow
from factcheck.extensions import db
from factcheck.review.leases import expire_leases


@click.group("review")
def review() -> None:
    """Review-queue housekeeping."""


@review.command("expire-leases")
def expire_leases_command() -> None:
    """Release leases past their expiry; claims in review go back to the queue."""
    count = expire_leases(db.session, utcnow())
    db.session.commit()
    click.echo(f"{count} expired lease(s) released.")


# Attached to the `claims` group (factcheck/cli/ingest.py) by factcheck.cli.register.
@click.command("reprioritise")
@click.option(
    "--all", "include_closed", is_flag=True, help="Closed claims too, not only open ones."
)
def reprioritise_command(include_closed: bool) -> None:
    """Recompute the stored queue priority of open claims with the current formula."""
    changed = reprioritise(db.session, actor=None, include_closed=include_closed)
    db.session.commit()
    scope = "claims" if include_closed else "open claims"
    click.echo(f"{changed} {scope} reprioritised (half-life {HALF_LIFE_DAYS:g} days).")

"""`factcheck review ...`: housekeeping of the review queue (run from cron or a scheduler)."""

from __future__ import annotations

import click

from factcheck.db import utcnow
from factcheck.extensions import db
from factcheck.review.services import expire_leases


@click.group("review")
def review() -> None:
    """Review-queue housekeeping."""


@review.command("expire-leases")
def expire_leases_command() -> None:
    """Release leases past their expiry; claims in review go back to the queue."""
    count = expire_leases(db.session, utcnow())
    db.session.commit()
    click.echo(f"{count} expired lease(s) released.")

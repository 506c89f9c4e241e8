"""`factcheck sources ...`: register, list and poll watched feeds from the shell."""

from __future__ import annotations

import sys

import click
from flask import current_app

from factcheck.db import utcnow
from factcheck.errors import DomainError
from factcheck.extensions import db
from factcheck.feeds.forms import KINDS
from factcheck.feeds.queries import all_feeds, due_feed_ids
from factcheck.feeds.services import FeedSettings, add_feed


def _fail(message: str) -> None:
    db.session.rollback()
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


def _when(value) -> str:  # noqa: ANN001
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "-"


@click.group()
def sources() -> None:
    """Watched sources: RSS/Atom feeds and sitemaps per outlet."""


@sources.command("add-feed")
@click.argument("url")
@click.option("--outlet", required=True, help="The outlet it belongs to (created if new).")
@click.option(
    "--kind",
    type=click.Choice(list(KINDS)),
    default="auto",
    show_default=True,
    help="What the document is; auto detects it at each poll.",
)
@click.option(
    "--interval", type=int, default=None, help="Minutes between polls (default: the setting)."
)
def add_feed_command(url: str, outlet: str, kind: str, interval: int | None) -> None:
    """Register the feed or sitemap at URL; the job runner polls it from now on."""
    try:
        feed = add_feed(
            db.session,
            url=url,
            outlet=outlet,
            kind=kind,
            interval_minutes=interval,
            actor=None,
            settings=FeedSettings.from_config(current_app.config),
            now=utcnow(),
        )
    except DomainError as exc:
        _fail(exc.message)
        return
    db.session.commit()
    click.echo(
        f"Feed {feed.id}: {feed.url} ({feed.outlet.name}), every {feed.interval_minutes} minutes."
    )


@sources.command("feeds")
def feeds_command() -> None:
    """List the feeds: id, outlet, URL, last and next poll, items found, last error."""
    feeds = all_feeds(db.session)
    if not feeds:
        click.echo("No feeds.")
        return
    for feed in feeds:
        state = "" if feed.active else " [paused]"
        error = (
            f"\terror ({feed.consecutive_errors}x): {feed.last_error}" if feed.last_error else ""
        )
        click.echo(
            f"{feed.id}\t{feed.outlet.name}\t{feed.url}{state}\tevery {feed.interval_minutes} min"
            f"\tlast {_when(feed.last_polled_at)}\tnext {_when(feed.next_poll_at)}"
            f"\titems {feed.items_found}{error}"
        )


@sources.command("poll")
@click.argument("feed_id", type=int, required=False)
def poll_command(feed_id: int | None) -> None:
    """Poll FEED_ID now, in this process (without it: every active feed that is due)."""
    from factcheck.tasks.kinds.feeds import poll_now

    ids = [feed_id] if feed_id is not None else due_feed_ids(db.session, now=utcnow())
    if not ids:
        click.echo("No feed is due.")
        return
    failed = 0
    for one in ids:
        try:
            result = poll_now(db.session, one) or {}
        except DomainError as exc:
            db.session.rollback()
            failed += 1
            click.echo(f"Feed {one}: error: {exc.message}", err=True)
            continue
        if result.get("not_modified"):
            head = "not modified"
        else:
            head = f"{result.get('new_items', 0)} new items"
        click.echo(
            f"Feed {one}: {head}; {result.get('ingested', 0)} ingested, "
            f"{result.get('duplicates', 0)} duplicates, {result.get('failed', 0)} failed."
        )
    if failed:
        sys.exit(1)

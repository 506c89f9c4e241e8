"""Feed pages: the desk's overview (/feeds) and the admin's list, add, edit, delete and
"Poll now" (/admin/feeds)."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_login import current_user

from factcheck.auth.roles import Role
from factcheck.auth.security import login_required, roles_allowed
from factcheck.db import utcnow
from factcheck.errors import DomainError
from factcheck.extensions import db
from factcheck.feeds.forms import ButtonForm, FeedEditForm, FeedForm
from factcheck.feeds.models import Feed
from factcheck.feeds.queries import all_feeds, feed_figures, recent_items
from factcheck.feeds.services import (
    FeedSettings,
    add_feed,
    delete_feed,
    enqueue_poll,
    update_feed,
)
from factcheck.forms import refuse

bp = Blueprint("feeds", __name__)

# Recent items listed per feed on the feeds page.
ITEMS_PER_FEED = 10


def _settings() -> FeedSettings:
    return FeedSettings.from_config(current_app.config)


def _get_feed(feed_id: int) -> Feed:
    feed = db.session.get(Feed, feed_id)
    if feed is None:
        abort(404)
    return feed


@bp.route("/feeds")
@login_required
def index():
    """Every feed with its last and next poll, items, errors and the claims it produced."""
    feeds = all_feeds(db.session)
    ids = [f.id for f in feeds]
    return render_template(
        "feeds/index.html",
        feeds=feeds,
        figures=feed_figures(db.session, ids),
        items=recent_items(db.session, ids, per_feed=ITEMS_PER_FEED),
        now=utcnow(),
    )


@bp.route("/admin/feeds", methods=["GET", "POST"])
@roles_allowed(Role.ADMIN)
def admin():
    """List the feeds and register a new one."""
    settings = _settings()
    form = FeedForm()
    status = 200
    if form.validate_on_submit():
        try:
            feed = add_feed(
                db.session,
                url=form.url.data,
                outlet=form.outlet.data,
                kind=form.kind.data,
                interval_minutes=form.interval.data,
                actor=current_user._get_current_object(),
                settings=settings,
                now=utcnow(),
            )
        except DomainError as exc:
            status = refuse(db.session, form, exc)
        else:
            db.session.commit()
            flash(f"Added the feed {feed.url}; it is polled within a minute.", "success")
            return redirect(url_for("feeds.admin"))
    elif form.is_submitted():
        status = 400
    return (
        render_template(
            "feeds/admin.html",
            feeds=all_feeds(db.session),
            form=form,
            button=ButtonForm(),
            settings=settings,
        ),
        status,
    )


@bp.route("/admin/feeds/<int:feed_id>", methods=["GET", "POST"])
@roles_allowed(Role.ADMIN)
def edit(feed_id: int):
    """Change a feed's interval and kind, or stop polling it."""
    feed = _get_feed(feed_id)
    settings = _settings()
    form = FeedEditForm(
        data={"kind": feed.kind or "auto", "interval": feed.interval_minutes, "active": feed.active}
    )
    status = 200
    if form.validate_on_submit():
        try:
            changes = update_feed(
                db.session,
                feed,
                actor=current_user._get_current_object(),
                settings=settings,
                interval_minutes=form.interval.data,
                active=form.active.data,
                kind=form.kind.data,
                now=utcnow(),
            )
        except DomainError as exc:
            status = refuse(db.session, form, exc)
        else:
            db.session.commit()
            flash("Saved." if changes else "Nothing changed.", "success")
            return redirect(url_for("feeds.admin"))
    elif form.is_submitted():
        status = 400
    return (
        render_template(
            "feeds/edit.html", feed=feed, form=form, button=ButtonForm(), settings=settings
        ),
        status,
    )


@bp.route("/admin/feeds/<int:feed_id>/delete", methods=["POST"])
@roles_allowed(Role.ADMIN)
def delete(feed_id: int):
    """Remove a feed (the articles it brought in stay)."""
    feed = _get_feed(feed_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    url = feed.url
    try:
        delete_feed(db.session, feed, actor=current_user._get_current_object())
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(f"Removed the feed {url}; its articles stay.", "success")
    return redirect(url_for("feeds.admin"))


@bp.route("/admin/feeds/<int:feed_id>/poll", methods=["POST"])
@roles_allowed(Role.ADMIN)
def poll(feed_id: int):
    """Poll a feed now, as a job (or show the poll already queued or running)."""
    feed = _get_feed(feed_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    job = enqueue_poll(db.session, feed.id, actor_id=current_user.id)
    job_id = job.id
    db.session.commit()
    return redirect(url_for("tasks.job", job_id=job_id))

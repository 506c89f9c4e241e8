"""Watched feeds: RSS, Atom and sitemaps served by a local HTTP server started here,
polled through the job runner (eager under the test settings), each item ingested once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa

from factcheck.audit.models import AuditEntry
from factcheck.auth.roles import Role
from factcheck.claims.models import Claim
from factcheck.db import utcnow
from factcheck.extensions import db
from factcheck.feeds.models import Feed, FeedItem
from factcheck.feeds.services import FeedSettings, add_feed
from factcheck.jobs.models import Job
from factcheck.jobs.runner import run_job
from factcheck.jobs.services import NEW_JOBS
from factcheck.sources.models import Article
from factcheck.tasks.kinds.feeds import enqueue_due_feeds, poll_now
from tests.conftest import post_form

ETAG = '"v1"'
LAST_MODIFIED = "Mon, 30 Nov 2026 10:00:00 GMT"


@dataclass
class Route:
    body: bytes
    content_type: str = "application/rss+xml; charset=utf-8"
    status: int = 200
    etag: str | None = None
    last_modified: str | None = None
    delay: float = 0.0


@dataclass
class Site:
    """What the test server serves, and the requests it got (path, headers)."""

    base: str = ""
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)

    def url(self, path: str) -> str:
        return self.base + path

    def hits(self, path: str) -> int:
        return sum(1 for p, _ in self.requests if p == path)

    def headers_of_last(self, path: str) -> dict[str, str]:
        return [h for p, h in self.requests if p == path][-1]


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            site.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
            route = site.routes.get(self.path)
            if route is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if route.delay:
                site.release.wait(route.delay)
            not_modified = (route.etag and self.headers.get("If-None-Match") == route.etag) or (
                route.last_modified
                and not route.etag
                and self.headers.get("If-Modified-Since") == route.last_modified
            )
            self.send_response(304 if not_modified else route.status)
            if route.etag:
                self.send_header("ETag", route.etag)
            if route.last_modified:
                self.send_header("Last-Modified", route.last_modified)
            body = b"" if not_modified else route.body
            self.send_header("Content-Type", route.content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@pytest.fixture
def site() -> Iterator[Site]:
    site = Site()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(site))
    httpd.daemon_threads = True
    site.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield site
    site.release.set()  # a sleeping handler answers at once
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def app_overrides() -> dict[str, object]:
    # The test server is on 127.0.0.1: private addresses are allowed for these tests only.
    return {
        "INGEST_ALLOW_PRIVATE_URLS": True,
        "INGEST_FETCH_TIMEOUT": 1,
        "FEED_MAX_BACKOFF_MINUTES": 200,
    }


def article_html(n: int, topic: str = "unemployment") -> bytes:
    return (
        f"<html><head><title>Story {n}</title></head><body><article><h1>Story {n}</h1>"
        f"<p>The minister said {topic} fell by {n + 3} percent in 2025, according to the "
        f"figures the statistics office released on Monday for story {n}.</p>"
        "<p>Opposition leaders claimed the numbers hide 2 million people who stopped looking "
        "for work, and accused the government of moving the goalposts.</p>"
        "<p>Economists were divided on the question, and most of them declined to comment "
        "on the record before the next quarterly report is published.</p>"
        "</article></body></html>"
    ).encode()


def rss(site: Site, paths: list[str]) -> bytes:
    items = "".join(
        f"<item><title>Story at {p}</title><link>{site.url(p)}</link><guid>{p}</guid>"
        "<pubDate>Mon, 30 Nov 2026 09:00:00 GMT</pubDate></item>"
        for p in paths
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>{items}'
        "</channel></rss>"
    ).encode()


def atom(site: Site, paths: list[str]) -> bytes:
    entries = "".join(
        f"<entry><id>tag:{p}</id><title>Atom {p}</title>"
        f'<link rel="alternate" href="{site.url(p)}"/><updated>2026-11-30T09:00:00Z</updated>'
        "</entry>"
        for p in paths
    )
    return f'<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>{entries}</feed>'.encode()


def sitemap(site: Site, paths: list[str]) -> bytes:
    urls = "".join(
        f"<url><loc>{site.url(p)}</loc><news:news><news:title>News {p}</news:title>"
        "<news:publication_date>2026-11-30T08:00:00Z</news:publication_date></news:news></url>"
        for p in paths
    )
    return (
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">{urls}</urlset>'
    ).encode()


def serve_articles(site: Site, *numbers: int) -> None:
    for n in numbers:
        site.routes[f"/a/{n}"] = Route(article_html(n), "text/html; charset=utf-8")


def register(url: str, *, outlet: str = "City Wire", kind: str | None = None, interval=30) -> int:
    feed = add_feed(
        db.session,
        url=url,
        outlet=outlet,
        kind=kind,
        interval_minutes=interval,
        actor=None,
        settings=FeedSettings(min_interval=1),
        now=utcnow(),
    )
    db.session.commit()
    return feed.id


def count(model) -> int:  # noqa: ANN001
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def statuses(feed_id: int) -> dict[str, str]:
    rows = db.session.execute(
        sa.select(FeedItem.url, FeedItem.status).where(FeedItem.feed_id == feed_id)
    )
    return {url.rsplit("/", 2)[-2] + "/" + url.rsplit("/", 1)[-1]: s for url, s in rows}


def failed_poll(feed_id: int) -> str:
    with pytest.raises(Exception) as caught:  # noqa: PT011  (DomainError with the job's error)
        poll_now(db.session, feed_id)
    return str(caught.value)


# --- Parsing and ingest ------------------------------------------------------------------


def test_rss_items_are_ingested_once_and_an_unchanged_feed_answers_304(app, site):
    serve_articles(site, 1, 2)
    site.routes["/rss"] = Route(rss(site, ["/a/1", "/a/2"]), etag=ETAG, last_modified=LAST_MODIFIED)
    feed_id = register(site.url("/rss"))

    result = poll_now(db.session, feed_id)
    assert result["new_items"] == 2 and result["ingested"] == 2, result
    feed = db.session.get(Feed, feed_id)
    assert feed.detected_kind == "rss" and feed.etag == ETAG and feed.items_found == 2
    assert feed.last_modified == LAST_MODIFIED and feed.consecutive_errors == 0
    assert feed.next_poll_at == feed.last_polled_at + timedelta(minutes=30)
    articles = db.session.scalars(sa.select(Article).order_by(Article.id)).all()
    assert [a.url for a in articles] == [site.url("/a/1"), site.url("/a/2")]
    assert {a.outlet.name for a in articles} == {"City Wire"}
    assert all(a.source_kind == "url" for a in articles)
    items = db.session.scalars(sa.select(FeedItem).order_by(FeedItem.id)).all()
    assert [(i.status, i.article_id) for i in items] == [("ingested", a.id) for a in articles]
    assert items[0].title == "Story at /a/1" and items[0].published.hour == 9
    assert all(i.content_hash == a.content_hash for i, a in zip(items, articles, strict=True))
    assert count(Claim) > 0
    job = db.session.scalars(sa.select(Job).where(Job.kind == "poll_feed")).one()
    assert job.status == "done" and job.key == f"feed:{feed_id}" and job.progress == 2

    # Unchanged: the validators go back, the server answers 304, nothing new.
    again = poll_now(db.session, feed_id)
    sent = site.headers_of_last("/rss")
    assert sent["if-none-match"] == ETAG and sent["if-modified-since"] == LAST_MODIFIED
    assert again["not_modified"] is True and again["new_items"] == 0 and again["ingested"] == 0
    assert count(Article) == 2 and count(FeedItem) == 2
    assert site.hits("/a/1") == 1 and site.hits("/a/2") == 1


def test_atom_feed_is_parsed_and_ingested(app, site):
    serve_articles(site, 3)
    site.routes["/atom"] = Route(atom(site, ["/a/3"]), "application/atom+xml")
    feed_id = register(site.url("/atom"), kind="atom")
    result = poll_now(db.session, feed_id)
    assert result["ingested"] == 1
    item = db.session.scalars(sa.select(FeedItem)).one()
    assert item.guid == "tag:/a/3" and item.title == "Atom /a/3" and item.status == "ingested"
    assert db.session.get(Feed, feed_id).detected_kind == "atom"


def test_sitemap_is_parsed_and_ingested(app, site):
    serve_articles(site, 4, 5)
    site.routes["/sitemap.xml"] = Route(sitemap(site, ["/a/4", "/a/5"]), "application/xml")
    feed_id = register(site.url("/sitemap.xml"))
    result = poll_now(db.session, feed_id)
    assert result["ingested"] == 2
    item = db.session.scalars(sa.select(FeedItem).order_by(FeedItem.id)).first()
    assert item.title == "News /a/4" and item.published.hour == 8
    assert db.session.get(Feed, feed_id).detected_kind == "sitemap"
    published = db.session.scalars(sa.select(Article.published_on)).all()
    assert {p.isoformat() for p in published} == {"2026-11-30"}


def test_a_feed_registered_as_one_kind_refuses_another(app, site):
    site.routes["/atom"] = Route(atom(site, ["/a/1"]), "application/atom+xml")
    feed_id = register(site.url("/atom"), kind="rss")
    assert "registered as rss but the document is atom" in failed_poll(feed_id)
    assert count(FeedItem) == 0


# --- Repeats and duplicates ----------------------------------------------------------------


def test_repeated_items_and_the_same_article_under_two_urls_duplicate_nothing(app, site):
    serve_articles(site, 1, 2, 3)
    site.routes["/a/3-copy"] = Route(article_html(3), "text/html")  # the same text, other URL
    site.routes["/rss"] = Route(rss(site, ["/a/1", "/a/2"]), etag='"1"')
    feed_id = register(site.url("/rss"))
    poll_now(db.session, feed_id)
    assert count(Article) == 2

    # The feed changes: the same two items again, one new, and the new one under a
    # second address (the content hash finds it).
    site.routes["/rss"] = Route(rss(site, ["/a/1", "/a/3", "/a/2", "/a/3-copy"]), etag='"2"')
    result = poll_now(db.session, feed_id)
    assert result["new_items"] == 2 and result["ingested"] == 1 and result["duplicates"] == 1
    assert count(Article) == 3 and count(FeedItem) == 4
    copy = db.session.scalars(sa.select(FeedItem).where(FeedItem.url.like("%3-copy"))).one()
    first = db.session.scalars(sa.select(Article).where(Article.url == site.url("/a/3"))).one()
    assert copy.status == "duplicate" and copy.article_id == first.id
    assert copy.content_hash == first.content_hash
    assert site.hits("/a/1") == 1 and site.hits("/a/2") == 1

    # A second feed listing an article already in: a duplicate by URL, not even fetched.
    site.routes["/other"] = Route(rss(site, ["/a/1"]))
    other = register(site.url("/other"), outlet="Other Wire")
    result = poll_now(db.session, other)
    assert result["duplicates"] == 1 and result["ingested"] == 0
    assert site.hits("/a/1") == 1 and count(Article) == 3
    item = db.session.scalars(sa.select(FeedItem).where(FeedItem.feed_id == other)).one()
    assert item.status == "duplicate" and item.article.url == site.url("/a/1")
    assert db.session.get(Feed, feed_id).items_found == 4


def test_items_per_poll_are_bounded_and_the_rest_come_next_time(app, site):
    app.config["FEED_MAX_ITEMS_PER_POLL"] = 2
    serve_articles(site, 1, 2, 3)
    site.routes["/rss"] = Route(rss(site, ["/a/1", "/a/2", "/a/3"]))
    feed_id = register(site.url("/rss"))
    assert poll_now(db.session, feed_id)["ingested"] == 2
    assert poll_now(db.session, feed_id)["ingested"] == 1
    assert count(Article) == 3 and db.session.get(Feed, feed_id).items_found == 3


def test_an_item_whose_page_fails_is_recorded_and_tried_again_within_its_attempts(app, site):
    serve_articles(site, 1)
    site.routes["/rss"] = Route(rss(site, ["/a/1", "/gone"]))
    feed_id = register(site.url("/rss"))
    result = poll_now(db.session, feed_id)
    assert result["ingested"] == 1 and result["failed"] == 1
    gone = db.session.scalars(sa.select(FeedItem).where(FeedItem.url.like("%/gone"))).one()
    assert gone.status == "failed" and "HTTP 404" in gone.error and gone.attempts == 1
    for _ in range(3):
        poll_now(db.session, feed_id)
    db.session.refresh(gone)
    assert gone.attempts == 3 and site.hits("/gone") == 3  # FEED_ITEM_MAX_ATTEMPTS
    assert count(Article) == 1


def test_a_poll_interrupted_midway_resumes_with_no_duplicates(app, site, monkeypatch):
    import factcheck.tasks.kinds.feeds as kind

    serve_articles(site, 1, 2, 3)
    site.routes["/rss"] = Route(rss(site, ["/a/1", "/a/2", "/a/3"]), etag=ETAG)
    feed_id = register(site.url("/rss"))
    real, calls = kind.ingest_item, []

    def dies_on_the_second(session, item, how, *, now):  # noqa: ANN001, ANN202
        calls.append(item.url)
        if len(calls) == 2:
            raise RuntimeError("worker lost")  # item 1 is committed, item 2 is not
        return real(session, item, how, now=now)

    monkeypatch.setattr(kind, "ingest_item", dies_on_the_second)
    partial = poll_now(db.session, feed_id)
    job = db.session.scalars(sa.select(Job)).one()
    assert job.status == "queued" and "worker lost" in job.error and job.progress == 1
    assert partial["ingested"] == 1 and count(Article) == 1
    assert sorted(statuses(feed_id).values()) == ["ingested", "new", "new"]

    # The retry (any worker, later) fetches the feed conditionally (304) and goes on at
    # the first item not committed.
    job.run_after = None
    db.session.commit()
    assert run_job(db.session, job.id, worker="another", lease_seconds=60) == "done"
    db.session.refresh(job)
    assert job.progress == 3 and job.total == 3 and job.result["not_modified"] is True
    assert count(Article) == 3 and set(statuses(feed_id).values()) == {"ingested"}
    assert [site.hits(f"/a/{n}") for n in (1, 2, 3)] == [1, 1, 1]


# --- Errors and backoff ----------------------------------------------------------------------


def test_a_malformed_feed_records_the_error_backs_off_and_loses_nothing(app, site):
    serve_articles(site, 1)
    site.routes["/rss"] = Route(rss(site, ["/a/1"]))
    feed_id = register(site.url("/rss"), interval=30)
    poll_now(db.session, feed_id)
    assert count(Article) == 1

    site.routes["/rss"] = Route(b"<rss><channel><item><title>cut off")
    message = failed_poll(feed_id)
    assert "not well-formed XML" in message
    feed = db.session.get(Feed, feed_id)
    assert feed.consecutive_errors == 1 and "not well-formed XML" in feed.last_error
    assert feed.next_poll_at == feed.last_polled_at + timedelta(minutes=60)
    job = db.session.scalars(sa.select(Job).order_by(Job.id.desc())).first()
    assert job.status == "failed" and "not well-formed" in job.error and job.attempts == 1

    failed_poll(feed_id)
    failed_poll(feed_id)  # 30 × 2^3 = 240 minutes, capped at FEED_MAX_BACKOFF_MINUTES (200)
    db.session.refresh(feed)
    assert feed.consecutive_errors == 3
    assert feed.next_poll_at == feed.last_polled_at + timedelta(minutes=200)
    assert count(Article) == 1 and count(FeedItem) == 1

    site.routes["/rss"] = Route(rss(site, ["/a/1"]))  # mended: back to its interval
    poll_now(db.session, feed_id)
    db.session.refresh(feed)
    assert feed.consecutive_errors == 0 and feed.last_error is None
    assert feed.next_poll_at == feed.last_polled_at + timedelta(minutes=30)
    assert count(Article) == 1 and count(FeedItem) == 1


@pytest.mark.parametrize(
    ("route", "expected"),
    [
        (Route(b"<html><body>hello</body></html>", "text/html"), "web page (HTML)"),
        (Route(b"", "application/xml"), "empty"),
        (Route(b"nope", status=500), "HTTP 500"),
        (
            Route(
                b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap>'
                b"<loc>https://example.com/news.xml</loc></sitemap></sitemapindex>",
                "application/xml",
            ),
            "sitemap index",
        ),
    ],
)
def test_documents_that_are_no_feed_are_errors_on_the_feed(app, site, route, expected):
    site.routes["/feed"] = route
    feed_id = register(site.url("/feed"))
    assert expected in failed_poll(feed_id)
    assert expected in db.session.get(Feed, feed_id).last_error


def test_a_feed_over_the_size_cap_is_refused(app, site):
    app.config["FEED_MAX_BYTES"] = 1000
    site.routes["/rss"] = Route(rss(site, [f"/a/{n}" for n in range(100)]))
    feed_id = register(site.url("/rss"))
    assert "larger than" in failed_poll(feed_id)
    assert count(FeedItem) == 0


def test_a_feed_that_times_out_records_the_error_and_backs_off(app, site):
    site.routes["/slow"] = Route(rss(site, []), delay=5)  # INGEST_FETCH_TIMEOUT is 1 s here
    feed_id = register(site.url("/slow"), interval=10)
    assert "did not answer within 1 seconds" in failed_poll(feed_id)
    feed = db.session.get(Feed, feed_id)
    assert feed.consecutive_errors == 1 and "did not answer" in feed.last_error
    assert feed.next_poll_at == feed.last_polled_at + timedelta(minutes=20)


def test_private_addresses_are_refused_unless_allowed(app, site):
    app.config["INGEST_ALLOW_PRIVATE_URLS"] = False
    site.routes["/rss"] = Route(rss(site, []))
    feed_id = register(site.url("/rss"))
    assert "private or local network" in failed_poll(feed_id)
    assert site.hits("/rss") == 0


# --- Scheduling --------------------------------------------------------------------------------


def test_the_scheduler_enqueues_only_due_active_feeds_one_job_each(app):
    due = register("https://example.com/due.xml")
    later = register("https://example.com/later.xml")
    paused = register("https://example.com/paused.xml")
    now = utcnow()
    db.session.get(Feed, later).next_poll_at = now + timedelta(minutes=5)
    db.session.get(Feed, paused).active = False
    db.session.flush()

    enqueue_due_feeds(db.session, now)
    enqueue_due_feeds(db.session, now)  # a second sweep (another worker) adds nothing
    jobs = db.session.scalars(sa.select(Job).where(Job.kind == "poll_feed")).all()
    assert [(j.payload, j.key, j.status) for j in jobs] == [
        ({"feed_id": due}, f"feed:{due}", "queued")
    ]
    assert db.session.get(Feed, due).next_poll_at == now + timedelta(minutes=30)
    db.session.rollback()  # not committed: nothing runs


def test_a_workers_sweep_polls_due_feeds_through_the_runner(app, site):
    from factcheck.tasks.pool import sweep

    serve_articles(site, 1)
    site.routes["/rss"] = Route(rss(site, ["/a/1"]))
    feed_id = register(site.url("/rss"))
    sweep(db.session)  # enqueues and commits; the eager runner polls at once
    job = db.session.scalars(sa.select(Job)).one()
    assert job.status == "done" and job.result["ingested"] == 1 and job.created_by_id is None
    assert count(Article) == 1
    sweep(db.session)  # not due again before its interval
    assert count(Job) == 1 and db.session.get(Feed, feed_id).consecutive_errors == 0


def test_a_queued_poll_is_not_enqueued_twice(app):
    feed_id = register("https://example.com/due.xml")
    now = utcnow()
    enqueue_due_feeds(db.session, now)
    db.session.get(Feed, feed_id).next_poll_at = now  # due again while its job waits
    enqueue_due_feeds(db.session, now + timedelta(minutes=1))
    assert count(Job) == 1
    db.session.rollback()


# --- Admin page and feeds page ------------------------------------------------------------


def test_admin_adds_edits_polls_and_deletes_a_feed(app, site, login_as):
    serve_articles(site, 1)
    site.routes["/rss"] = Route(rss(site, ["/a/1"]))
    admin = login_as(Role.ADMIN)
    assert admin.get("/admin/feeds").status_code == 200

    response = post_form(
        admin,
        "/admin/feeds",
        {"url": site.url("/rss"), "outlet": "New Outlet", "kind": "auto", "interval": "15"},
        token_from="/admin/feeds",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    feed = db.session.scalars(sa.select(Feed)).one()
    assert feed.outlet.name == "New Outlet" and feed.interval_minutes == 15 and feed.kind is None

    # The same address again, and an interval out of bounds: clear errors, nothing saved.
    again = post_form(
        admin,
        "/admin/feeds",
        {"url": site.url("/rss"), "outlet": "X", "kind": "auto"},
        token_from="/admin/feeds",
    )
    assert again.status_code == 409 and "already registered" in again.get_data(as_text=True)
    bad = post_form(
        admin,
        "/admin/feeds",
        {"url": site.url("/other"), "outlet": "X", "kind": "auto", "interval": "2"},
        token_from="/admin/feeds",
    )
    assert bad.status_code == 422 and "between 5 and 1440 minutes" in bad.get_data(as_text=True)
    assert count(Feed) == 1

    edited = post_form(
        admin,
        f"/admin/feeds/{feed.id}",
        {"kind": "rss", "interval": "120", "active": "y"},
        token_from=f"/admin/feeds/{feed.id}",
    )
    assert edited.status_code == 302
    db.session.refresh(feed)
    assert feed.interval_minutes == 120 and feed.kind == "rss" and feed.active

    polled = post_form(admin, f"/admin/feeds/{feed.id}/poll", token_from="/admin/feeds")
    job = db.session.scalars(sa.select(Job).where(Job.kind == "poll_feed")).one()
    assert polled.status_code == 302 and polled.location.endswith(f"/jobs/{job.id}")
    assert job.status == "done" and job.result["ingested"] == 1  # eager runner
    assert job.created_by_id == admin.account.id

    deleted = post_form(admin, f"/admin/feeds/{feed.id}/delete", token_from="/admin/feeds")
    assert deleted.status_code == 302
    assert count(Feed) == 0 and count(FeedItem) == 0 and count(Article) == 1

    actions = db.session.scalars(
        sa.select(AuditEntry.action).where(AuditEntry.entity_type == "feed").order_by(AuditEntry.id)
    ).all()
    assert actions == ["feed.add", "feed.update", "feed.delete"]
    change = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "feed.update")
    ).one()
    assert change.changes["interval_minutes"] == [15, 120]


@pytest.mark.parametrize("role", [Role.VIEWER, Role.FACT_CHECKER, Role.EDITOR])
def test_only_admins_manage_feeds(app, login_as, role):
    feed_id = register("https://example.com/rss.xml")
    client = login_as(role)
    assert client.get("/admin/feeds").status_code == 403
    assert client.get(f"/admin/feeds/{feed_id}").status_code == 403
    for path in ("/admin/feeds", f"/admin/feeds/{feed_id}/poll", f"/admin/feeds/{feed_id}/delete"):
        response = post_form(client, path, {"url": "https://x.org/f", "outlet": "X"})
        assert response.status_code == 403
    assert count(Feed) == 1 and count(Job) == 0
    assert client.get("/feeds").status_code == 200  # the desk's page is for everyone


def test_feeds_page_needs_a_sign_in_and_unknown_feeds_are_404(app, client, login_as):
    assert client.get("/feeds").status_code == 302
    admin = login_as(Role.ADMIN)
    assert admin.get("/admin/feeds/999999").status_code == 404
    assert post_form(admin, "/admin/feeds/999999/poll").status_code == 404


def test_feeds_page_shows_polls_counts_errors_and_claims_produced(app, site, login_as):
    serve_articles(site, 1, 2)
    site.routes["/a/2-copy"] = Route(article_html(2), "text/html")
    site.routes["/rss"] = Route(rss(site, ["/a/1", "/a/2", "/a/2-copy", "/gone"]))
    feed_id = register(site.url("/rss"))
    poll_now(db.session, feed_id)
    site.routes["/broken"] = Route(b"<rss><channel>")
    broken = register(site.url("/broken"), outlet="Broken Wire")
    failed_poll(broken)

    claims = db.session.scalar(
        sa.select(sa.func.count(Claim.id)).where(
            Claim.article_id.in_(sa.select(FeedItem.article_id).where(FeedItem.feed_id == feed_id))
        )
    )
    assert claims > 0
    page = login_as(Role.VIEWER).get("/feeds")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    row = html[html.index(f'id="feed-{feed_id}"') :]
    row = row[: row.index("</tr>")]
    assert '<td class="items-found">4</td>' in row
    assert f'<td class="claims">{claims}</td>' in row
    assert "2 <small" in row and "+1 duplicates" in row and "1 item failed" in row
    assert "not well-formed XML" in html and "Broken Wire" in html
    article = db.session.scalars(sa.select(Article).where(Article.url == site.url("/a/1"))).one()
    assert f'href="/articles/{article.id}"' in html and "duplicate" in html


# --- CLI ---------------------------------------------------------------------------------


def test_cli_adds_lists_and_polls_feeds(app, site, runner):
    serve_articles(site, 1)
    site.routes["/rss"] = Route(rss(site, ["/a/1"]))
    added = runner.invoke(
        args=["sources", "add-feed", site.url("/rss"), "--outlet", "CLI Wire", "--interval", "45"]
    )
    assert added.exit_code == 0, added.output
    feed = db.session.scalars(sa.select(Feed)).one()
    assert f"Feed {feed.id}:" in added.output and feed.interval_minutes == 45

    duplicate = runner.invoke(args=["sources", "add-feed", site.url("/rss"), "--outlet", "X"])
    assert duplicate.exit_code == 1 and "already registered" in duplicate.output

    polled = runner.invoke(args=["sources", "poll", str(feed.id)])
    assert polled.exit_code == 0, polled.output
    assert "1 new items; 1 ingested, 0 duplicates, 0 failed" in polled.output
    assert count(Article) == 1

    listed = runner.invoke(args=["sources", "feeds"])
    assert listed.exit_code == 0 and "CLI Wire" in listed.output and "items 1" in listed.output

    missing = runner.invoke(args=["sources", "poll", "999999"])
    assert missing.exit_code == 1 and "There is no feed 999999" in missing.output

    # A poll already waiting for a worker (here: a retry not yet due) is left to it.
    from factcheck.feeds.services import enqueue_poll

    waiting = enqueue_poll(db.session, feed.id, actor_id=None)
    waiting.run_after = utcnow() + timedelta(hours=1)
    db.session.info.pop(NEW_JOBS, None)  # not handed to the eager runner
    db.session.commit()
    busy = runner.invoke(args=["sources", "poll", str(feed.id)])
    assert busy.exit_code == 1 and f"already queued or running (job {waiting.id}" in busy.output
    waiting.status = "cancelled"
    db.session.commit()

    nothing_due = runner.invoke(args=["sources", "poll"])
    assert nothing_due.exit_code == 0 and "No feed is due" in nothing_due.output

    site.routes["/rss"] = Route(b"<rss>")
    db.session.get(Feed, feed.id).next_poll_at = utcnow()
    db.session.commit()
    broken = runner.invoke(args=["sources", "poll"])
    assert broken.exit_code == 1 and "not well-formed XML" in broken.output

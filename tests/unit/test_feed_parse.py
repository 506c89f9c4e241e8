"""Reading feeds and sitemaps: formats, odd but valid documents, and hostile ones."""

from __future__ import annotations

import gzip

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from factcheck.feeds.parse import FeedError, clean_url, parse
from factcheck.feeds.services import gunzip_within

BASE = "https://news.example.org/feeds/main.xml"


def test_rss_relative_links_guids_and_dates():
    doc = b"""<?xml version="1.0" encoding="utf-8"?>
    <rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>
      <item><title> Relative  link </title><link>/2026/a.html#top</link>
        <pubDate>Mon, 30 Nov 2026 10:00:00 +0100</pubDate></item>
      <item><guid isPermaLink="true">https://news.example.org/b</guid>
        <dc:date>2026-11-29T08:00:00Z</dc:date></item>
      <item><guid isPermaLink="false">urn:x:1</guid><title>No link</title></item>
      <item><link>javascript:alert(1)</link></item>
      <item><link>https://news.example.org/b</link><pubDate>not a date</pubDate></item>
    </channel></rss>"""
    parsed = parse(doc, base_url=BASE)
    assert parsed.kind == "rss" and parsed.skipped == 2
    first, second = parsed.entries
    assert first.url == "https://news.example.org/2026/a.html" and first.title == "Relative link"
    assert first.published.isoformat() == "2026-11-30T09:00:00+00:00"
    assert second.url == "https://news.example.org/b" and second.published.day == 29


def test_rss_1_0_rdf():
    doc = b"""<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
      xmlns="http://purl.org/rss/1.0/"><channel rdf:about="x"/>
      <item rdf:about="https://e.org/1"><title>One</title><link>https://e.org/1</link></item>
    </rdf:RDF>"""
    parsed = parse(doc, base_url=BASE)
    assert parsed.kind == "rss" and [e.url for e in parsed.entries] == ["https://e.org/1"]


def test_atom_prefers_the_alternate_link():
    doc = b"""<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>1</id>
      <link rel="edit" href="https://e.org/edit/1"/><link href="https://e.org/1"/>
      <published>2026-11-30T10:00:00+02:00</published></entry></feed>"""
    (entry,) = parse(doc, base_url=BASE).entries
    assert entry.url == "https://e.org/1" and entry.published.hour == 8


def test_plain_sitemap_with_lastmod():
    doc = b"""<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <url><loc>https://e.org/x</loc><lastmod>2026-11-30</lastmod></url></urlset>"""
    (entry,) = parse(doc, base_url=BASE).entries
    assert entry.url == "https://e.org/x" and entry.published.date().isoformat() == "2026-11-30"


def test_entities_are_never_expanded_nor_files_read():
    doc = b"""<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">
      <!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
      <rss><channel><item><title>&x;&b;</title><link>https://e.org/1</link></item>
      </channel></rss>"""
    (entry,) = parse(doc, base_url=BASE).entries
    assert "root:" not in (entry.title or "") and "aaaaaaaaaa" not in (entry.title or "")


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        (b"<rss><channel><item>", "not well-formed XML"),
        (b"   ", "empty"),
        (b"<html><body/></html>", "web page"),
        (b"<opml/>", "not RSS, Atom or a sitemap"),
        (
            b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap>'
            b"<loc>https://e.org/s1.xml</loc></sitemap></sitemapindex>",
            "https://e.org/s1.xml",
        ),
    ],
)
def test_what_is_no_feed_is_a_clear_error(doc, message):
    with pytest.raises(FeedError, match=message):
        parse(doc, base_url=BASE)


def test_urls_are_ascii_bounded_and_http_only():
    assert clean_url("/ä b", BASE) == "https://news.example.org/%C3%A4%20b"
    assert clean_url("ftp://e.org/x", BASE) is None
    assert clean_url("https://user:pw@e.org/x", BASE) is None
    assert clean_url("https://e.org/" + "x" * 3000, BASE) is None
    assert clean_url("HTTPS://e.org/x", BASE) == "https://e.org/x"


def test_gzipped_sitemaps_unpack_within_the_cap():
    doc = b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"/>'
    assert gunzip_within(gzip.compress(doc), 1000) == doc
    with pytest.raises(FeedError, match="unpacks to more than"):
        gunzip_within(gzip.compress(b" " * 5000), 1000)
    with pytest.raises(FeedError, match="damaged"):
        gunzip_within(b"\x1f\x8b" + b"junk", 1000)


_XMLISH = st.one_of(
    st.binary(max_size=500),
    st.lists(
        st.sampled_from(
            [
                "<rss>", "</rss>", "<channel>", "</channel>", "<item>", "</item>", "<link>",
                "</link>", "<guid isPermaLink='false'>", "</guid>", "<pubDate>", "</pubDate>",
                '<feed xmlns="http://www.w3.org/2005/Atom">', "</feed>", "<entry>", "</entry>",
                '<link href="', '"/>', "<urlset>", "</urlset>", "<url>", "<loc>", "</loc>",
                "https://e.org/x", "/rel", "javascript:x", "Mon, 30 Nov 2026", "2026-13-45",
                "&amp;", "&bogus;", "<![CDATA[x]]>", "\x00", "é", " ",
            ]
        ),
        max_size=40,
    ).map(lambda parts: "".join(parts).encode("utf-8")),
)  # fmt: skip


@given(_XMLISH)
@settings(max_examples=200, deadline=None)
def test_any_document_parses_or_is_a_feed_error(doc):
    try:
        parsed = parse(doc, base_url=BASE)
    except FeedError:
        return
    assert parsed.kind in ("rss", "atom", "sitemap")
    for entry in parsed.entries:
        assert entry.url.startswith(("http://", "https://")) and entry.url.isascii()
        assert entry.published is None or entry.published.tzinfo is not None

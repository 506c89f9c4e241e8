"""Fetch a web page for ingest, safely: http(s) only, no private or loopback addresses
(unless the deployment allows them), a timeout, a size cap and re-checked redirects."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any
from urllib.parse import urlsplit

import requests
from requests_hardened import Config, Manager
from requests_hardened.ip_filter import InvalidIPAddress

from factcheck.sources.limits import ExtractionError, ExtractLimits


@dataclass(frozen=True)
class FetchPolicy:
    """Limits on what URL ingest may fetch."""

    allow_private: bool = False
    timeout: float = 10.0
    max_bytes: int = 5 * 1024 * 1024
    max_redirects: int = 5

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> FetchPolicy:
        """The deployment's limits (INGEST_ALLOW_PRIVATE_URLS, INGEST_FETCH_TIMEOUT,
        INGEST_FETCH_MAX_BYTES), as the web form, the API and the CLI all apply them."""
        return cls(
            allow_private=config["INGEST_ALLOW_PRIVATE_URLS"],
            timeout=config["INGEST_FETCH_TIMEOUT"],
            max_bytes=config["INGEST_FETCH_MAX_BYTES"],
        )


@dataclass(frozen=True)
class Fetched:
    """A fetched page."""

    url: str
    content: bytes
    content_type: str
    charset: str | None = None  # as the Content-Type header declares it
    # 304 (Not Modified, empty content) when the request's If-None-Match or
    # If-Modified-Since matched; the response headers (ETag, Last-Modified for the next).
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)


def check_url(url: str) -> str:
    """Refuse anything but a plain http(s) URL with a host."""
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ExtractionError("Enter a web address starting with http:// or https://.")
    if parts.username or parts.password:
        raise ExtractionError("Web addresses with a user name or password are not accepted.")
    return lower_scheme(url, parts.scheme)


def lower_scheme(url: str, scheme: str) -> str:
    """The URL with its scheme in lower case ("HTTPS://x" → "https://x"), as the database
    constraints (url LIKE 'https://%') expect on every backend."""
    return scheme + url[len(scheme) :]


# What URL ingest accepts as a page; a feed poll accepts any type (its parser decides).
PAGE_TYPES = ("text/html", "application/xhtml+xml", "text/plain")


def fetch(
    url: str,
    policy: FetchPolicy,
    *,
    headers: Mapping[str, str] | None = None,
    content_types: tuple[str, ...] | None = PAGE_TYPES,
) -> Fetched:
    """Download a page, or raise ExtractionError saying what went wrong. `headers` are
    added to the request (a feed poll's If-None-Match); `content_types` None accepts any."""
    url = check_url(url)
    manager = Manager(
        Config(
            ip_filter_enable=not policy.allow_private,
            ip_filter_allow_loopback_ips=policy.allow_private,
            never_redirect=False,
            default_timeout=(policy.timeout, policy.timeout),
            user_agent_override="factcheck/0.1 (+fact-check ingest)",
        )
    )
    try:
        with manager.get_session() as session:
            session.max_redirects = policy.max_redirects
            request_headers = {"Accept": "text/html,*/*;q=0.5", **(headers or {})}
            with session.get(url, stream=True, headers=request_headers) as resp:
                if resp.status_code == 304:
                    return Fetched(resp.url, b"", "", None, 304, resp.headers.copy())
                if resp.status_code >= 400:
                    raise ExtractionError(f"The page answered with HTTP {resp.status_code}.")
                header = resp.headers.get("Content-Type", "")
                content_type = header.split(";")[0].strip().lower()
                charset = _charset_param(header)
                if content_type and content_types and content_type not in content_types:
                    raise ExtractionError(
                        f"The address returned {content_type}, not a web page. Download the "
                        "file and upload it instead."
                    )
                body = bytearray()
                # The timeout bounds each read; the deadline bounds the whole download, so
                # a server that trickles a byte at a time cannot hold a worker for long.
                deadline = time.monotonic() + policy.timeout
                # read1 returns what has arrived (a plain read waits for a full chunk).
                while chunk := resp.raw.read1(64 * 1024, decode_content=True):
                    body += chunk
                    if time.monotonic() > deadline:
                        raise ExtractionError(
                            f"The page took longer than {policy.timeout:.0f} seconds to download."
                        )
                    if len(body) > policy.max_bytes:
                        raise ExtractionError(
                            "The page is larger than the "
                            f"{policy.max_bytes / 1048576:.1f} MB limit."
                        )
                return Fetched(
                    resp.url,
                    bytes(body),
                    content_type or "text/html",
                    charset,
                    resp.status_code,
                    resp.headers.copy(),
                )
    except InvalidIPAddress as exc:
        raise ExtractionError(
            "That address points to a private or local network, which is not allowed."
        ) from exc
    except requests.TooManyRedirects as exc:
        raise ExtractionError("The page redirects too many times.") from exc
    except requests.Timeout as exc:
        raise ExtractionError(
            f"The page did not answer within {policy.timeout:.0f} seconds."
        ) from exc
    except requests.ConnectionError as exc:
        raise ExtractionError("The page could not be reached (no answer from the server).") from exc
    except requests.RequestException as exc:
        raise ExtractionError(f"The page could not be fetched ({type(exc).__name__}).") from exc


def _charset_param(content_type: str) -> str | None:
    """The charset parameter of a Content-Type header value, if any."""
    for param in content_type.split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            return value.strip().strip('"').strip("'")
    return None


def from_url(url: str, policy: FetchPolicy, limits: ExtractLimits | None = None):  # noqa: ANN201
    """Fetch a URL and extract its article, within the extraction limits (the page is
    parsed in a child process stopped at the deadline)."""
    from factcheck.sources.deadline import run_with_deadline
    from factcheck.sources.decoding import decode_text
    from factcheck.sources.document import from_text
    from factcheck.sources.readers import from_html

    limits = limits or ExtractLimits()
    page = fetch(url, policy)
    if page.content_type == "text/plain":
        text = decode_text(page.content, page.charset)
        limits.check_characters(len(text))
        return from_text(text).with_defaults(url=page.url)
    return run_with_deadline(
        partial(from_html, page.content, url=page.url, charset=page.charset, limits=limits),
        limits=limits,
    )

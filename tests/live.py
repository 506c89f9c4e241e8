"""A live server for the browser tests: the app on a free port in a thread."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from werkzeug.serving import make_server

from factcheck.extensions import db


@contextmanager
def serving(app: Flask, *, public_base_url: bool = False) -> Iterator[str]:
    """Serve `app` on 127.0.0.1 at a free port; yield its base URL (no trailing slash).

    With `public_base_url`, PUBLIC_BASE_URL is set to it, as a deployment names its
    public address (links never follow the Host header). The server stops and the app's
    connections are closed on exit."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    if public_base_url:
        app.config["PUBLIC_BASE_URL"] = base + "/"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base
    finally:
        server.shutdown()
        thread.join(5)
        with app.app_context():
            db.engine.dispose()


def signed_in_page(browser: Any, base: str, email: str, password: str, name: str, **options: Any):  # noqa: ANN201
    """A new page of a new browser context (1280×900; `options` such as
    java_script_enabled=False go to the context) signed in as `email` at `base`."""
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1280, "height": 900}, **options)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(base + "/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit], input[type=submit]")
    expect(page.locator(".usermenu")).to_contain_text(name)
    return page

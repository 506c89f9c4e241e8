"""A live server for the browser tests: the app on a free port in a thread."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

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

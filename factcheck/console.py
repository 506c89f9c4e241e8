"""The `factcheck` command: Flask's commands (run, db, shell) plus our own.

The composition root for the command line, beside factcheck.app for the web: it builds
the app, which attaches the command groups from factcheck.cli.
"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup


def _create_app() -> Flask:
    from factcheck.app import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, load_dotenv=False)
def main() -> None:
    """factcheck: find check-worthy claims in text and run the fact-check desk."""

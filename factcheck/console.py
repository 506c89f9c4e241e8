"""The `factcheck` command: Flask's commands (run, db, shell) plus our own.

The composition root for the command line, beside factcheck.app for the web: it builds
the app, which attaches the command groups from factcheck.cli. One exception, for speed:
`factcheck score ...` needs only the model, so it is dispatched to factcheck.cli.score
before Flask, SQLAlchemy or the app are imported (README, "Faster scoring"); the same
command is listed in `factcheck --help` and runs inside the app's group too.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import click

# Subcommands that run without the app, dispatched on the first argument.
OFFLINE = ("score",)


def _create_app():  # noqa: ANN202
    from factcheck.app import create_app

    return create_app()


def _flask_group() -> click.Group:
    from flask.cli import FlaskGroup

    @click.group(cls=FlaskGroup, create_app=_create_app, load_dotenv=False)
    def main() -> None:
        """factcheck: find check-worthy claims in text and run the fact-check desk."""

    return main


class _Console(click.Group):
    """`factcheck`: the offline commands straight away, anything else through the
    Flask command group (built, and Flask imported, only then)."""

    def main(  # type: ignore[override]
        self, args: Sequence[str] | None = None, prog_name: str | None = None, **extra: Any
    ) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        if argv[:1] == ["score"]:
            from factcheck.cli.score import score_command

            name = f"{prog_name or 'factcheck'} score"
            return score_command.main(argv[1:], prog_name=name, **extra)
        return _flask_group().main(argv, prog_name=prog_name, **extra)


main = _Console(
    name="factcheck",
    help="factcheck: find check-worthy claims in text and run the fact-check desk.",
)

"""Our command groups, attached to the app's CLI by factcheck.app (the `factcheck`
command itself is factcheck.console.main)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # `factcheck score` imports factcheck.cli.score without Flask
    from flask import Flask


def register(app: Flask) -> None:
    """Attach our command groups to the app's CLI."""
    from factcheck.cli.demo import demo
    from factcheck.cli.export import export
    from factcheck.cli.feeds import sources
    from factcheck.cli.imports import import_group
    from factcheck.cli.ingest import claims, ingest_command
    from factcheck.cli.matching import match_pairs_command
    from factcheck.cli.model import model
    from factcheck.cli.review import reprioritise_command, review
    from factcheck.cli.score import score_command
    from factcheck.cli.triage import (
        crossval_ranker_command,
        paraphrase_command,
        rescore_command,
        train_ranker_command,
    )
    from factcheck.cli.users import users
    from factcheck.cli.worker import jobs, worker_command

    claims.add_command(reprioritise_command)
    for command in (
        train_ranker_command,
        crossval_ranker_command,
        paraphrase_command,
        rescore_command,
        match_pairs_command,
    ):
        model.add_command(command)
    for command in (users, demo, model, ingest_command, score_command, claims, review, export):
        app.cli.add_command(command)
    app.cli.add_command(import_group)
    app.cli.add_command(sources)
    app.cli.add_command(worker_command)
    app.cli.add_command(jobs)

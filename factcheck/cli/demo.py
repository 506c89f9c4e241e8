"""`factcheck demo`: a ready-to-try installation on first start."""

from __future__ import annotations

from datetime import date
from importlib import resources

import click
import sqlalchemy as sa
from flask import current_app
from flask_migrate import upgrade

from factcheck.auth.config import password_policy, passwords
from factcheck.auth.models import User, UserRole
from factcheck.auth.roles import Role
from factcheck.auth.services import create_user
from factcheck.claims.services import FlagPolicy
from factcheck.classifier.loader import get_classifier
from factcheck.extensions import db
from factcheck.intake import ingest
from factcheck.matching.services import MatchSettings
from factcheck.sources.document import Document
from factcheck.sources.services import find_duplicate
from factcheck.verdicts.ratings import ensure_default_scale

DEMO_ADMIN = "admin@example.com"


def _sample() -> tuple[str, str]:
    text = resources.files("factcheck.cli").joinpath("sample_article.txt").read_text("utf-8")
    title, _, body = text.partition("\n\n")
    return title.strip(), body.strip()


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True, help="Host shown in the URL.")
@click.option("--port", default=5000, show_default=True, help="Port shown in the URL.")
def demo(host: str, port: int) -> None:
    """Create or upgrade the database, an admin account and a sample article."""
    upgrade()
    ensure_default_scale(db.session)
    admin = db.session.scalar(
        sa.select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.ADMIN.value)
        .order_by(User.id)
        .limit(1)
    )
    one_time = None
    if admin is None:
        admin, one_time = create_user(
            db.session,
            email=DEMO_ADMIN,
            display_name="Admin",
            password=None,
            roles=[Role.ADMIN, Role.EDITOR],
            passwords=passwords(),
            policy=password_policy(),
            actor=None,
        )
    title, body = _sample()
    if find_duplicate(db.session, body):
        click.echo("The sample article is already loaded.")
    else:
        click.echo("Scoring the sample article with the check-worthiness model...")
        result = ingest(
            db.session,
            Document(
                text=body,
                title=title,
                outlet="Harbour City Chronicle (demo)",
                author="factcheck demo",
                published_on=date(2026, 11, 3),
                language="en",
            ),
            actor=None,
            classifier=get_classifier(),
            source_kind="demo",
            policy=FlagPolicy.from_config(current_app.config),
            matching=MatchSettings.from_config(current_app.config),
        )
        click.echo(f"Loaded the sample article: {result.summary()}")
    db.session.commit()

    click.echo("")
    click.echo(f"  factcheck is ready: http://{host}:{port}/")
    click.echo(f"  Database: {current_app.config['SQLALCHEMY_DATABASE_URI']}")
    if one_time:
        click.echo(f"  Sign in as {admin.email} with the one-time password: {one_time}")
        click.echo("  (you will be asked to choose your own password)")
    else:
        click.echo(
            f"  An admin exists already ({admin.email}). Forgot the password? "
            f"Run: factcheck users reset-password {admin.email}"
        )
    click.echo("")

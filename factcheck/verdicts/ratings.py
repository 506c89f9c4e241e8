"""The rating scale: the default one and the ratings a verdict may use; the built-in
scale (seeded by the migration, and by `factcheck demo` and tests); an admin adding,
retiring and restoring ratings."""

from __future__ import annotations

import re

import sqlalchemy as sa
import sqlalchemy.orm as so

from factcheck.audit.services import record
from factcheck.auth.models import User
from factcheck.auth.roles import Role, ensure_role
from factcheck.errors import Conflict, InvalidInput
from factcheck.verdicts.defaults import DEFAULT_SCALE
from factcheck.verdicts.inputs import clean_text
from factcheck.verdicts.models import RATING_BUCKETS, Rating, RatingScale

HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def default_scale(session: so.Session) -> RatingScale | None:
    """Return the default rating scale (the initial migration creates it), or None."""
    return session.scalar(sa.select(RatingScale).where(RatingScale.is_default.is_(True)))


def ensure_default_scale(session: so.Session) -> RatingScale:
    """Return the default rating scale, creating the built-in one if there is none.

    For `factcheck demo` (and test set-up) only: the initial migration seeds the scale,
    and no request creates it (reading a page never writes)."""
    scale = default_scale(session)
    if scale is not None:
        return scale
    scale = built_in_scale()
    session.add(scale)
    session.flush()
    record(
        session,
        actor=None,
        action="rating_scale.create",
        entity_type="rating_scale",
        entity_id=scale.id,
        extra={"name": scale.name},
    )
    return scale


def built_in_scale() -> RatingScale:
    """A new default scale with the built-in ratings (verdicts.defaults), not yet added."""
    scale = RatingScale(
        name=DEFAULT_SCALE["name"],
        description=DEFAULT_SCALE["description"],
        min_value=DEFAULT_SCALE["min_value"],
        max_value=DEFAULT_SCALE["max_value"],
        is_default=True,
    )
    scale.ratings = [
        Rating(
            label=label,
            value=value,
            bucket=bucket,
            colour=colour,
            definition=definition,
            position=i,
        )
        for i, (label, value, bucket, colour, definition) in enumerate(DEFAULT_SCALE["ratings"])
    ]
    return scale


def active_ratings(session: so.Session) -> list[Rating]:
    """The ratings a verdict may use: the active ones of the default scale, in order
    (none when the database has no default scale: run the migrations)."""
    scale = default_scale(session)
    return [r for r in scale.ratings if r.is_active] if scale is not None else []


def add_rating(
    session: so.Session,
    scale: RatingScale,
    *,
    label: str,
    bucket: str,
    value: float | None,
    definition: str,
    colour: str | None,
    actor: User,
) -> Rating:
    """An admin adds a rating to a scale (at the end)."""
    ensure_role(actor, Role.ADMIN)
    label = clean_text(label, 60, "label", required=True)
    if bucket not in RATING_BUCKETS:
        raise InvalidInput("Choose a bucket: true, false, mixed or other.")
    if value is not None and not scale.min_value <= value <= scale.max_value:
        raise InvalidInput(
            f"The value must lie on the scale, {scale.min_value:g} to {scale.max_value:g}, "
            "or be left empty for a rating off the scale."
        )
    colour = (colour or "").strip() or None
    if colour is not None and not HEX_COLOUR.match(colour):
        raise InvalidInput("Give the colour as #rrggbb, e.g. #b91c1c.")
    if any(r.label.lower() == label.lower() for r in scale.ratings):
        raise Conflict(f"The scale already has a rating called {label}.")
    rating = Rating(
        scale_id=scale.id,
        label=label,
        bucket=bucket,
        value=value,
        definition=(definition or "").strip(),
        colour=colour,
        position=max((r.position for r in scale.ratings), default=-1) + 1,
    )
    session.add(rating)
    session.flush()
    record(
        session,
        actor=actor,
        action="rating.create",
        entity_type="rating",
        entity_id=rating.id,
        extra={"scale": scale.name, "label": label, "bucket": bucket, "value": value},
    )
    return rating


def set_rating_active(session: so.Session, rating: Rating, *, active: bool, actor: User) -> None:
    """Retire a rating from new verdicts (rulings that used it keep it), or bring it back."""
    ensure_role(actor, Role.ADMIN)
    if rating.is_active == active:
        return
    if not active and sum(r.is_active for r in rating.scale.ratings) <= 1:
        raise Conflict("A scale needs at least one active rating.")
    rating.is_active = active
    session.flush()
    record(
        session,
        actor=actor,
        action="rating.activate" if active else "rating.deactivate",
        entity_type="rating",
        entity_id=rating.id,
        changes={"is_active": [not active, active]},
    )

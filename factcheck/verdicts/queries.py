"""Reads of rating scales for the pages that list them. Nothing here writes (the
ratings in use, for a verdict form, are verdicts.ratings.active_ratings)."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlalchemy.orm as so

from factcheck.verdicts.models import Rating, RatingScale


def scales_by_name(session: so.Session) -> Sequence[RatingScale]:
    """Every rating scale, by name, with its ratings (one statement for all)."""
    return session.scalars(
        sa.select(RatingScale)
        .options(so.selectinload(RatingScale.ratings))
        .order_by(RatingScale.name)
    ).all()


def every_rating(session: so.Session) -> Sequence[Rating]:
    """Every rating of every scale, retired ones too, in each scale's order: what a
    filter over published rulings may ask for."""
    return session.scalars(sa.select(Rating).order_by(Rating.scale_id, Rating.position)).all()

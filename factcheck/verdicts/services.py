"""Rating scales."""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so

from factcheck.audit.services import record
from factcheck.verdicts.defaults import DEFAULT_SCALE
from factcheck.verdicts.models import Rating, RatingScale


def ensure_default_scale(session: so.Session) -> RatingScale:
    """Return the default rating scale, creating the built-in one if there is none."""
    scale = session.scalar(sa.select(RatingScale).where(RatingScale.is_default.is_(True)))
    if scale is not None:
        return scale
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

"""The roles a user can hold, and what each implies."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from factcheck.errors import PermissionDenied


class Role(StrEnum):
    """A role; a user may hold several."""

    ADMIN = "admin"
    EDITOR = "editor"
    FACT_CHECKER = "fact-checker"
    VIEWER = "viewer"

    @property
    def label(self) -> str:
        return {
            Role.ADMIN: "Admin",
            Role.EDITOR: "Editor",
            Role.FACT_CHECKER: "Fact-checker",
            Role.VIEWER: "Viewer",
        }[self]


ROLE_VALUES: tuple[str, ...] = tuple(r.value for r in Role)

# An editor can do everything a fact-checker can; everyone signed in can read.
# Admin manages people and settings but is deliberately NOT an editor: approving
# verdicts is an editorial power that has to be granted on its own.
_IMPLIES: dict[Role, frozenset[Role]] = {
    Role.ADMIN: frozenset({Role.VIEWER}),
    Role.EDITOR: frozenset({Role.FACT_CHECKER, Role.VIEWER}),
    Role.FACT_CHECKER: frozenset({Role.VIEWER}),
    Role.VIEWER: frozenset(),
}


def effective_roles(held: Iterable[Role | str]) -> frozenset[Role]:
    """Return the held roles plus every role they imply."""
    result: set[Role] = set()
    for role in held:
        role = Role(role)
        result.add(role)
        result |= _IMPLIES[role]
    return frozenset(result)


def ensure_role(actor: Any | None, *roles: Role) -> None:
    """Refuse a service call unless the actor holds one of the roles (None = the system)."""
    if actor is None:
        return
    if not actor.is_active or not actor.has_role(*roles):
        raise PermissionDenied("Your account does not have permission to do this.")

"""Domain errors raised by services. No web framework here: the HTTP error pages and the
API's JSON error shape are in factcheck.errorpages, which maps these to responses."""

from __future__ import annotations


class DomainError(Exception):
    """A request the domain refuses; the message is safe to show to the user."""

    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(DomainError):
    """The input breaks a rule (too short, wrong format, unknown value)."""

    status_code = 422


class Conflict(DomainError):
    """The change clashes with the current state (duplicate, stale version, wrong status)."""

    status_code = 409


class PermissionDenied(DomainError):
    """The actor lacks the role or relation the action needs."""

    status_code = 403


class BadRequest(DomainError):
    """The request itself is malformed (bad JSON, wrong types); `fields` says where."""

    status_code = 400

    def __init__(self, message: str, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.fields = fields or {}


class NotFound(DomainError):
    """The entity named does not exist."""

    status_code = 404

"""Specific errors, each naming what was wrong.

The CLI turns a ``DrachmaError`` into a one-line message and a non-zero exit; the API into an
HTTP 4xx with a JSON body ``{"error": kind, "field": field, "message": message}``.
"""

from __future__ import annotations


class DrachmaError(Exception):
    """Base class for every error a user can cause. ``field`` names the input that was wrong."""

    kind = "invalid"
    http_status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def as_dict(self) -> dict[str, str | None]:
        return {"error": self.kind, "field": self.field, "message": self.message}


class GradingError(DrachmaError):
    kind = "invalid_grading"
    http_status = 422


class ValidationError(DrachmaError):
    """An input value that breaks a rule of the domain (empty text, date in the future, ...)."""

    kind = "invalid_input"
    http_status = 422


class UnknownForceError(ValidationError):
    kind = "unknown_force"


class NotFoundError(DrachmaError):
    kind = "not_found"
    http_status = 404


class PermissionDenied(DrachmaError):
    kind = "forbidden"
    http_status = 403


class AuthenticationError(DrachmaError):
    kind = "unauthenticated"
    http_status = 401


class ConflictError(DrachmaError):
    kind = "conflict"
    http_status = 409


class ConstraintError(ConflictError):
    """The database refused a write that breaks one of its constraints (usually a duplicate).

    Raised by the store in place of the database driver's error, so that no code outside
    ``drachma/store/`` needs SQLAlchemy; a capability catches it to name what was duplicated.
    """

    kind = "conflict"


class DatabaseUnavailableError(DrachmaError):
    kind = "database_unavailable"
    http_status = 503

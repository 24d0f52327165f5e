"""Errors of the incidents capability, each naming what was wrong."""

from __future__ import annotations

from drachma.errors import ConflictError, ValidationError


class UnknownPlaceError(ValidationError):
    """A place neither in the gazetteer nor recorded before: offered as new, never made silently."""

    kind = "unknown_place"


class UnknownGroupError(ValidationError):
    """A group Drachma does not know: offered as new, never made silently."""

    kind = "unknown_group"


class FutureTimeError(ValidationError):
    kind = "time_in_future"


class InvalidTransitionError(ConflictError):
    """A status change the rules do not allow (a takedown from removed to sent, ...)."""

    kind = "invalid_transition"


class NotPreservedError(ValidationError):
    """A takedown sent with neither a preserved copy nor a reason why none could be kept."""

    kind = "not_preserved"

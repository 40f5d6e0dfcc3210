"""The errors cs_data raises for callers to show: one small hierarchy, rendered by one UI helper."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class CockpitError(Exception):
    """Base of every error meant to be shown to the user."""


class NotFound(CockpitError):
    """The thing asked for does not exist (or is not visible to the actor)."""


class PermissionDenied(CockpitError):
    """The acting user may not do this."""


class DatabaseProblem(CockpitError):
    """The database could not be used just now; nothing was written. The subclasses say why."""


class DatabaseUnavailable(DatabaseProblem):
    """The database cannot be reached or opened: server down or unreachable, a bad URL, no
    access to its file or folder."""


class DatabaseBusy(DatabaseProblem):
    """Other writers held the database longer than the bounded wait (a lock, a deadlock):
    trying again later works."""


class StaleEdit(CockpitError):
    """Someone else changed the record since it was read; nothing was written."""


@dataclass(frozen=True)
class FieldError:
    """One invalid field: which field, a short code, and the details for the message."""

    field: str
    code: str
    message: str
    params: dict[str, Any] = field(default_factory=dict)
    """Values the message names (e.g. ``{"min": 10}``), for translated messages."""


def too_long(field: str, value: str, limit: int) -> FieldError | None:
    """A ``too_long`` error naming the limit and the length, when ``value`` is longer than
    ``limit`` characters (the form shows both, so a pasted text is never dropped silently)."""
    if len(value) <= limit:
        return None
    return FieldError(
        field,
        "too_long",
        f"use at most {limit} characters (this has {len(value)})",
        {"max": limit, "length": len(value)},
    )


@dataclass
class InvalidInput(CockpitError):
    """One or more fields are invalid; every error is collected before raising."""

    errors: list[FieldError] = field(default_factory=list)

    def __str__(self) -> str:
        return "; ".join(f"{e.field}: {e.message}" for e in self.errors)

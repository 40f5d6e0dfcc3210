"""Who is acting: the identity every cs_data command takes first."""

from __future__ import annotations

import getpass
from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """The user (or local operator) on whose behalf a command runs."""

    name: str
    """Shown in the audit log and histories."""
    user_id: int | None
    """The ``users.id`` of a logged-in user; None for the command-line operator."""
    role: str


def operator() -> Actor:
    """The local command-line operator: whoever can run ``cs-data`` with the database URL.

    Recorded in the audit log under the OS user name.
    """
    return Actor(name=f"operator:{getpass.getuser()}", user_id=None, role="admin")

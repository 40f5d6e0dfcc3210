"""Who is acting, and what each role may do: the one place permission rules live.

Every action is declared once in ``PERMISSIONS`` (name, description, the roles allowed
everywhere, and the roles allowed only on resources they own). Pages ask ``can`` to decide
what to show; every ``cs_data`` command calls ``ensure`` inside its own transaction, which
re-reads the acting user's role and active flag as stored at that moment and raises
``PermissionDenied``: an ``Actor`` built before a deactivation or a role change (an open page,
a widget callback) is judged by the stored user, never by what it says of itself.
"""

from __future__ import annotations

import getpass
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from cs_data.domain import ROLES
from cs_data.errors import PermissionDenied
from cs_data.models import User


@dataclass(frozen=True)
class Actor:
    """The user (or local operator) on whose behalf a command runs."""

    name: str
    """Shown in the audit log and histories."""
    user_id: int | None
    """The ``users.id`` of a logged-in user; None for the command-line operator (and other
    actors the code itself builds, such as tests of a role), whose ``role`` is taken as said."""
    role: str
    """The role when the actor was built; ``ensure`` decides by the role stored now."""


def operator() -> Actor:
    """The local command-line operator: whoever can run ``cs-data`` with the database URL.

    Recorded in the audit log under the OS user name.
    """
    return Actor(name=f"operator:{getpass.getuser()}", user_id=None, role="admin")


@dataclass(frozen=True)
class Owned:
    """A resource some users own (an account's CSM, a board's members), for ownership rules."""

    kind: str
    id: str
    owner_ids: frozenset[int] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Permission:
    """One action: who may do it everywhere, and who only on resources they own."""

    name: str
    description: str
    """Completes "may not …" in a refusal, e.g. "create users"."""
    roles: frozenset[str]
    own_roles: frozenset[str] = frozenset()
    """Roles allowed only when the resource is ``Owned`` and lists the actor's user id."""


EVERYONE = frozenset(ROLES)


def _declare(*permissions: Permission) -> Mapping[str, Permission]:
    table = {}
    for permission in permissions:
        unknown = (permission.roles | permission.own_roles) - EVERYONE
        if unknown or permission.name in table:
            raise ValueError(f"bad permission {permission.name!r}: {sorted(unknown)}")
        table[permission.name] = permission
    return MappingProxyType(table)


PERMISSIONS: Mapping[str, Permission] = _declare(
    # pages: navigation shows a page only to roles that may open it
    Permission("page.overview", "open the Overview page", EVERYONE),
    Permission("page.audit", "open the Audit page", frozenset({"admin", "manager"})),
    Permission("page.users", "open the Users page", frozenset({"admin"})),
    Permission("page.support", "open the Support page", EVERYONE),
    Permission("page.feedback", "open the Feedback page", EVERYONE),
    Permission("page.targets", "open the Targets page", EVERYONE),
    Permission("page.retention", "open the Retention page", EVERYONE),
    Permission("page.accounts", "open the Accounts page", EVERYONE),
    Permission("page.team", "open the Team page", frozenset({"admin", "manager", "exec"})),
    Permission("page.renewals", "open the Renewals page", EVERYONE),
    Permission("page.forecast", "open the Forecast page", frozenset({"admin", "manager", "exec"})),
    Permission("page.boards", "open the Boards page", EVERYONE),
    Permission("page.settings", "open the Settings page", frozenset({"admin"})),
    Permission("page.import", "open the Import page", frozenset({"admin", "manager"})),
    # the audit log
    Permission("audit.view", "read the audit log", frozenset({"admin", "manager"})),
    # user administration
    Permission("user.list", "list users and their roles", frozenset({"admin"})),
    Permission("user.create", "create users", frozenset({"admin"})),
    Permission("user.set_role", "change a user's role", frozenset({"admin"})),
    Permission("user.reset_password", "reset a user's password", frozenset({"admin"})),
    Permission("user.deactivate", "deactivate or reactivate users", frozenset({"admin"})),
    # data
    Permission("demo.generate", "generate or replace demo data", frozenset({"admin"})),
    Permission("data.import", "import data files", frozenset({"admin", "manager"})),
    Permission("preset.save", "save or delete import presets", frozenset({"admin", "manager"})),
    # renewals and the forecast
    Permission("renewal.view", "read the renewal pipeline", EVERYONE),
    Permission(
        "renewal.update",
        "change renewals",
        frozenset({"admin", "manager"}),
        own_roles=frozenset({"csm"}),
    ),
    Permission(
        "forecast.view", "read the renewal forecast", frozenset({"admin", "manager", "exec"})
    ),
    Permission(
        "renewal.create",
        "create renewals",
        frozenset({"admin", "manager"}),
        own_roles=frozenset({"csm"}),
    ),
    Permission(
        "renewal.set_probabilities", "change the default stage probabilities", frozenset({"admin"})
    ),
    Permission("forecast.snapshot", "take forecast snapshots", frozenset({"admin", "manager"})),
    # Kanban boards: each also needs a board role (cs_data.boards.access), except for app
    # admins, who manage every board; viewers and execs can be board visitors at most
    Permission("board.view", "view boards", EVERYONE),
    Permission("board.create", "create boards", frozenset({"admin", "manager", "csm"})),
    Permission(
        "board.manage",
        "change board settings, columns and members",
        frozenset({"admin", "manager", "csm"}),
    ),
    Permission(
        "card.work",
        "create, edit, move and comment on cards",
        frozenset({"admin", "manager", "csm"}),
    ),
    # account health and the interactions log
    Permission("health.recompute", "recompute health snapshots", frozenset({"admin", "manager"})),
    Permission("health.set_weights", "change the health score weights", frozenset({"admin"})),
    Permission("settings.set_currency", "change the currency of amounts", frozenset({"admin"})),
    Permission(
        "interaction.add",
        "log interactions with the account",
        frozenset({"admin", "manager"}),
        own_roles=frozenset({"csm"}),
    ),
    # KPI targets
    Permission("target.create", "create KPI targets", frozenset({"admin", "manager"})),
    Permission("target.update", "change KPI targets", frozenset({"admin", "manager"})),
    Permission("target.delete", "delete KPI targets", frozenset({"admin", "manager"})),
)


def permission(action: str) -> Permission:
    """The declared action ``action``; an undeclared name is a programming error."""
    try:
        return PERMISSIONS[action]
    except KeyError:
        message = f"undeclared action {action!r}: declare it in cs_data.auth.PERMISSIONS"
        raise KeyError(message) from None


def can(actor: Actor, action: str, resource: Owned | None = None) -> bool:
    """True when ``actor`` may do ``action`` (on ``resource``, for ownership rules)."""
    rule = permission(action)
    if actor.role in rule.roles:
        return True
    return (
        actor.role in rule.own_roles
        and resource is not None
        and actor.user_id is not None
        and actor.user_id in resource.owner_ids
    )


def stored_actor(db: Session | Connection, actor: Actor) -> Actor:
    """``actor`` with the role stored now; ``PermissionDenied`` when the user is gone or
    deactivated. Read through ``db`` (the command's transaction) and, on PostgreSQL, share-locked
    until it ends, so a concurrent role change waits for the command instead of racing it."""
    if actor.user_id is None:
        return actor
    row = db.execute(
        select(User.role, User.is_active).where(User.id == actor.user_id).with_for_update(read=True)
    ).one_or_none()
    if row is None or not row.is_active:
        raise PermissionDenied(f"{actor.name} is not an active user any more")
    return actor if row.role == actor.role else replace(actor, role=row.role)


def ensure(
    db: Session | Connection, actor: Actor, action: str, resource: Owned | None = None
) -> Actor:
    """Raise ``PermissionDenied`` unless ``actor``, as stored now, may do ``action``.

    Call it inside the command's transaction, before reading or writing anything else; returns
    the actor with its stored role (use that one for the rest of the command).
    """
    current = stored_actor(db, actor)
    if not can(current, action, resource):
        rule = permission(action)
        target = f" {resource.kind} {resource.id}" if resource is not None else ""
        raise PermissionDenied(
            f"{current.name} (role {current.role}) may not {rule.description}{target}"
        )
    return current


def allowed_actions(role: str) -> list[str]:
    """The actions ``role`` may do everywhere or on its own resources, in declaration order."""
    return [
        name for name, rule in PERMISSIONS.items() if role in rule.roles or role in rule.own_roles
    ]

"""Presets: the built-in ones and those users saved in the database (audited)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select

from cs_data import audit
from cs_data.auth import Actor, ensure
from cs_data.db import read_session, transaction
from cs_data.errors import FieldError, InvalidInput, NotFound
from cs_data.models import ImportPreset
from cs_data.presets.builtin import BUILTIN
from cs_data.presets.spec import Preset, preset_from_dict


def list_presets(engine: Engine, actor: Actor, *, kind: str | None = None) -> list[Preset]:
    """Built-in presets, then saved ones, each sorted by name; only of ``kind`` when given."""
    with read_session(engine) as session:
        ensure(session, actor, "data.import")
        saved = [
            preset_from_dict(row.definition)
            for row in session.scalars(select(ImportPreset).order_by(ImportPreset.name))
        ]
    presets = sorted(BUILTIN.values(), key=lambda p: p.name) + saved
    return [preset for preset in presets if kind is None or preset.kind == kind]


def get_preset(engine: Engine, actor: Actor, name: str) -> Preset:
    """The preset called ``name``; ``NotFound`` when there is none."""
    if name in BUILTIN:
        with read_session(engine) as session:
            ensure(session, actor, "data.import")
        return BUILTIN[name]
    with read_session(engine) as session:
        ensure(session, actor, "data.import")
        row = session.get(ImportPreset, name)
        if row is None:
            known = ", ".join(sorted(BUILTIN))
            raise NotFound(f"no preset {name!r} (built in: {known}; see cs-data presets list)")
        return preset_from_dict(row.definition)


def save_preset(engine: Engine, actor: Actor, definition: dict[str, Any]) -> Preset:
    """Save a user's mapping as a preset (a new one, or replacing a saved one of that name).

    ``InvalidInput`` lists every problem of the definition, or says the name is a built-in
    preset's; the save is audited with the definition before and after.
    """
    with transaction(engine) as session:
        actor = ensure(session, actor, "preset.save")
        preset = preset_from_dict(definition)
        if preset.name in BUILTIN:
            message = f"{preset.name} is a built-in preset; save yours under another name"
            raise InvalidInput([FieldError("name", "builtin", message)])
        stored = preset.to_dict()
        row = session.get(ImportPreset, preset.name)
        before = row.definition if row is not None else None
        if row is None:
            row = ImportPreset(name=preset.name, created_by=actor.name)
            session.add(row)
        row.kind, row.title, row.definition = preset.kind, preset.title, stored
        audit.record(
            session,
            actor,
            action="create" if before is None else "update",
            entity_type="import_preset",
            entity_id=preset.name,
            before=before,
            after=stored,
        )
    return preset


def delete_preset(engine: Engine, actor: Actor, name: str) -> None:
    """Delete a saved preset (built-in ones cannot be deleted); audited."""
    with transaction(engine) as session:
        actor = ensure(session, actor, "preset.save")
        row = session.get(ImportPreset, name)
        if row is None:
            raise NotFound(f"no saved preset {name!r}")
        audit.record(
            session,
            actor,
            action="delete",
            entity_type="import_preset",
            entity_id=name,
            before=row.definition,
        )
        session.delete(row)

"""Guesses for the Import page's mapping: which preset fits a header, and which source column
fills each canonical column. Only suggestions: the user sees and can change each one."""

from __future__ import annotations

import re

from cs_data.importers import file_columns
from cs_data.presets.builtin import BUILTIN
from cs_data.presets.mapping import split_zone
from cs_data.presets.spec import Preset, preset_from_dict

MANUAL = "manual"
"""The name of a mapping made by hand on the page (until it is saved under a name)."""


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def guess_preset(header: list[str], candidates: list[Preset]) -> Preset | None:
    """The candidate that reads the most of the header's columns (then the largest share of
    its own), among those whose required columns the header holds."""
    present = {split_zone(name)[0].lower() for name in header}
    present |= {name.strip().lower() for name in header}
    best: tuple[tuple[int, float], Preset] | None = None
    for preset in candidates:
        sources = [rule.sources for rule in preset.columns.values() if rule.sources] + [
            (column,) for column in preset.only_if
        ]
        if not sources:
            continue
        found = sum(any(s.lower() in present for s in options) for options in sources)
        required = dict(file_columns(preset.kind))
        needed = all(
            any(s.lower() in present for s in rule.sources)
            for name, rule in preset.columns.items()
            if required[name] and rule.sources
        )
        score = (found, found / len(sources))
        if needed and (best is None or score > best[0]):
            best = (score, preset)
    return best[1] if best else None


def guess_columns(kind: str, header: list[str]) -> dict[str, str | None]:
    """For each canonical column of ``kind``, the header column that most likely fills it:
    the same name (ignoring case, spaces and punctuation), else a name a built-in preset
    reads for it (``Created at``, ``submitted_at``, ``Ticket ID`` …), else None."""
    by_key = {}
    for name in header:
        by_key.setdefault(_key(name), name)
    for name in header:  # "Created at (Europe/Berlin)" also answers to "Created at"
        by_key.setdefault(_key(split_zone(name)[0]), name)
    guesses: dict[str, str | None] = {}
    taken: set[str] = set()
    for column, _ in file_columns(kind):
        names = [column, column.removesuffix("_id"), column.removesuffix("_at")]
        names += [
            source
            for preset in BUILTIN.values()
            if preset.kind == kind and column in preset.columns
            for source in preset.columns[column].sources
        ]
        match = next(
            (by_key[_key(n)] for n in names if _key(n) in by_key and by_key[_key(n)] not in taken),
            None,
        )
        if match is not None:
            taken.add(match)
        guesses[column] = match
    return guesses


def manual_preset(kind: str, mapping: dict[str, str | None], *, name: str = MANUAL) -> Preset:
    """A preset from a hand-made mapping (canonical column → source column); ``InvalidInput``
    when a required column is unmapped."""
    columns = {column: {"from": source} for column, source in mapping.items() if source}
    return preset_from_dict({"name": name, "kind": kind, "title": name, "columns": columns or None})

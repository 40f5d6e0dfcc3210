"""What a preset is: a declarative mapping from one export format to a canonical import file.

A preset is data (a JSON object), never code: built-in presets and the ones users save are
read by the same ``preset_from_dict``, which checks every field and collects every problem.

```
{"name": "zendesk_tickets", "kind": "tickets", "title": "Zendesk tickets export",
 "encoding": "auto", "delimiter": "auto", "sheet": null, "notes": ["..."],
 "skip_if_empty": ["score"],
 "columns": {
   "ticket_id":  {"from": "Id"},
   "created_at": {"from": "Created at", "format": "%Y-%m-%d %H:%M:%S", "zone": "UTC"},
   "priority":   {"from": "Priority", "map": {"Low": "low", "Medium": "normal"}},
   "first_response_at": {"from": "First reply time in minutes",
                         "after": "created_at", "unit": "minutes"},
   "arr":        {"from": "MRR", "multiply": "12"},
   "tags":       {"from": "Tags", "split": " "},
   "survey_type": {"value": "csat"},
   "response_id": {"template": "csat-{Ticket ID}"}}}
```

``skip_if_empty`` lists canonical columns whose empty value means the row is not of this
kind (a ticket without a rating is no survey response); ``only_if`` maps a source column to
the values of rows of this kind (``{"Type": ["Renewal"]}``); other rows are skipped.

Rules for one canonical column (each optional but one source: ``from``, ``value`` or
``template``):
- ``from``: the source column (matched ignoring case and surrounding spaces), or a list of
  source columns of which the first non-empty cell is taken.
- ``value``: a constant; ``template``: text with ``{Source column}`` placeholders.
- ``map``: source value → canonical value (keys matched ignoring case); values not in the map
  pass through unchanged unless ``map_default`` is given (``""`` maps them to empty).
- ``format``: a ``strptime`` format for a date or timestamp (ISO 8601 is always accepted too);
  ``zone``: the IANA time zone of timestamps written without an offset (default UTC).
- ``after`` + ``unit``: the cell is a duration (``seconds``, ``minutes``, ``hours`` or
  ``days``) after the named canonical timestamp column, e.g. a first reply time in minutes.
- ``multiply``: an exact decimal factor (MRR → ARR is ``"12"``); ``decimal``: ``","`` for
  numbers written with a decimal comma and ``.`` thousands (``1.234,56``).
- ``split``: the separator of a list cell (tags), re-joined with ``;``.
- ``username``: true to turn a display name into a username (lower case, other characters
  than letters, digits, ``.``, ``_`` and ``-`` become ``.``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cs_data.errors import FieldError, InvalidInput

ENCODINGS = ("auto", "utf-8", "utf-8-sig", "cp1252", "latin-1")
DELIMITERS = {"auto": None, ",": ",", ";": ";", "\t": "\t", "tab": "\t", "|": "|"}
UNITS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
NAME_RULE = "2-64 characters: lower-case letters, digits, '_' and '-', starting with a letter"
_NAME = re.compile(r"[a-z][a-z0-9_-]{1,63}")
_RULE_KEYS = frozenset(
    {
        "from",
        "value",
        "template",
        "map",
        "map_default",
        "format",
        "zone",
        "after",
        "unit",
        "multiply",
        "decimal",
        "split",
        "username",
    }
)
_PRESET_KEYS = frozenset(
    {
        "name",
        "kind",
        "title",
        "description",
        "encoding",
        "delimiter",
        "sheet",
        "notes",
        "skip_if_empty",
        "only_if",
        "columns",
    }
)


@dataclass(frozen=True)
class ColumnRule:
    """How one canonical column is filled from a source row."""

    sources: tuple[str, ...] = ()
    value: str | None = None
    template: str | None = None
    value_map: dict[str, str] | None = None
    map_default: str | None = None
    date_format: str | None = None
    zone: str | None = None
    after: str | None = None
    unit: str | None = None
    multiply: Decimal | None = None
    decimal_comma: bool = False
    split: str | None = None
    username: bool = False

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        if self.sources:
            data["from"] = self.sources[0] if len(self.sources) == 1 else list(self.sources)
        for key, value in (
            ("value", self.value),
            ("template", self.template),
            ("map", self.value_map),
            ("map_default", self.map_default),
            ("format", self.date_format),
            ("zone", self.zone),
            ("after", self.after),
            ("unit", self.unit),
            ("multiply", None if self.multiply is None else str(self.multiply)),
            ("decimal", "," if self.decimal_comma else None),
            ("split", self.split),
            ("username", True if self.username else None),
        ):
            if value is not None:
                data[key] = value
        return data

    def source_columns(self) -> tuple[str, ...]:
        """Every source column the rule reads (``from`` and template placeholders)."""
        return self.sources + tuple(placeholders(self.template or ""))


@dataclass(frozen=True)
class Preset:
    """A named mapping from one export format to the canonical file of ``kind``."""

    name: str
    kind: str
    title: str
    columns: dict[str, ColumnRule]
    description: str = ""
    encoding: str = "auto"
    delimiter: str = "auto"
    sheet: str | None = None
    notes: tuple[str, ...] = ()
    """What the user must know about this format (shown with every report)."""
    skip_if_empty: tuple[str, ...] = ()
    """Canonical columns whose empty value means the row is not of this kind (not an error)."""
    only_if: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Source column → the values (any case) of rows of this kind; other rows are skipped."""
    builtin: bool = field(default=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name, "kind": self.kind, "title": self.title}
        if self.description:
            data["description"] = self.description
        data["encoding"] = self.encoding
        data["delimiter"] = self.delimiter
        if self.sheet:
            data["sheet"] = self.sheet
        if self.notes:
            data["notes"] = list(self.notes)
        if self.skip_if_empty:
            data["skip_if_empty"] = list(self.skip_if_empty)
        if self.only_if:
            data["only_if"] = {column: list(values) for column, values in self.only_if.items()}
        data["columns"] = {name: rule.to_dict() for name, rule in self.columns.items()}
        return data


def placeholders(template: str) -> list[str]:
    """The source columns a template names: ``{Ticket ID}`` → ``Ticket ID``."""
    return re.findall(r"\{([^{}]+)\}", template)


def _text(value: Any, field_name: str, errors: list[FieldError]) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        errors.append(FieldError(field_name, "type", f"{field_name} must be text"))
        return None
    return value


def _rule(
    column: str, raw: Any, columns: dict[str, Any], errors: list[FieldError]
) -> ColumnRule | None:
    where = f"columns.{column}"
    if isinstance(raw, str):
        raw = {"from": raw}
    if not isinstance(raw, dict):
        errors.append(FieldError(where, "type", f"{where} must be an object or a column name"))
        return None
    before = len(errors)
    unknown = sorted(set(raw) - _RULE_KEYS)
    if unknown:
        errors.append(FieldError(where, "unknown", f"{where}: unknown keys {', '.join(unknown)}"))
    sources = raw.get("from")
    if isinstance(sources, str):
        sources = (sources,)
    elif isinstance(sources, list) and sources and all(isinstance(s, str) for s in sources):
        sources = tuple(sources)
    elif sources is None:
        sources = ()
    else:
        errors.append(FieldError(f"{where}.from", "type", f"{where}.from must be column names"))
        sources = ()
    sources = tuple(source.strip() for source in sources if source.strip())
    value = _text(raw.get("value"), f"{where}.value", errors)
    template = _text(raw.get("template"), f"{where}.template", errors)
    if sum(bool(x) for x in (sources, value is not None, template)) != 1:
        errors.append(
            FieldError(where, "source", f"{where} needs exactly one of from, value or template")
        )
    value_map = raw.get("map")
    if value_map is not None and not (
        isinstance(value_map, dict)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in value_map.items())
    ):
        errors.append(FieldError(f"{where}.map", "type", f"{where}.map must map text to text"))
        value_map = None
    zone = _text(raw.get("zone"), f"{where}.zone", errors)
    if zone:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            errors.append(FieldError(f"{where}.zone", "unknown", f"unknown time zone {zone!r}"))
    after = _text(raw.get("after"), f"{where}.after", errors)
    unit = _text(raw.get("unit"), f"{where}.unit", errors)
    if (after is None) != (unit is None):
        errors.append(FieldError(where, "duration", f"{where}: after and unit go together"))
    if unit is not None and unit not in UNITS:
        errors.append(
            FieldError(f"{where}.unit", "unknown", f"unit must be one of {', '.join(UNITS)}")
        )
    if after is not None and (after == column or after not in columns):
        errors.append(
            FieldError(f"{where}.after", "unknown", f"{where}.after must name another column")
        )
    multiply = raw.get("multiply")
    factor = None
    if multiply is not None:
        try:
            factor = Decimal(str(multiply))
            if not factor.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            errors.append(
                FieldError(f"{where}.multiply", "number", f"{where}.multiply must be a number")
            )
    decimal = raw.get("decimal")
    if decimal not in (None, ".", ","):
        errors.append(FieldError(f"{where}.decimal", "unknown", "decimal must be '.' or ','"))
    split = _text(raw.get("split"), f"{where}.split", errors)
    username = raw.get("username", False)
    if not isinstance(username, bool):
        errors.append(FieldError(f"{where}.username", "type", "username must be true or false"))
    if len(errors) > before:
        return None
    return ColumnRule(
        sources=sources,
        value=value,
        template=template,
        value_map=value_map,
        map_default=_text(raw.get("map_default"), f"{where}.map_default", errors),
        date_format=_text(raw.get("format"), f"{where}.format", errors),
        zone=zone,
        after=after,
        unit=unit,
        multiply=factor,
        decimal_comma=decimal == ",",
        split=split,
        username=bool(username),
    )


def preset_from_dict(data: Any, *, builtin: bool = False) -> Preset:
    """The preset ``data`` describes; ``InvalidInput`` listing every problem otherwise."""
    from cs_data.importers import IMPORT_KINDS, file_columns

    errors: list[FieldError] = []
    if not isinstance(data, dict):
        raise InvalidInput([FieldError("preset", "type", "a preset is a JSON object")])
    unknown = sorted(set(data) - _PRESET_KEYS)
    if unknown:
        errors.append(FieldError("preset", "unknown", f"unknown keys {', '.join(unknown)}"))
    name = data.get("name")
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        errors.append(FieldError("name", "format", f"name: {NAME_RULE}"))
    kind = data.get("kind")
    if kind not in IMPORT_KINDS:
        errors.append(
            FieldError("kind", "unknown", f"kind must be one of {', '.join(IMPORT_KINDS)}")
        )
    title = data.get("title") or name
    if not isinstance(title, str) or not title.strip() or len(title) > 200:
        errors.append(FieldError("title", "format", "title must be text of 1-200 characters"))
    encoding = data.get("encoding", "auto")
    if encoding not in ENCODINGS:
        errors.append(
            FieldError("encoding", "unknown", f"encoding must be one of {', '.join(ENCODINGS)}")
        )
    delimiter = data.get("delimiter", "auto")
    if delimiter not in DELIMITERS:
        errors.append(FieldError("delimiter", "unknown", "delimiter must be auto , ; tab or |"))
    columns = data.get("columns")
    rules: dict[str, ColumnRule] = {}
    if not isinstance(columns, dict) or not columns:
        errors.append(FieldError("columns", "empty", "columns must map canonical columns"))
    elif kind in IMPORT_KINDS:
        canonical = dict(file_columns(kind))
        for column, raw in columns.items():
            if column not in canonical:
                errors.append(
                    FieldError(
                        f"columns.{column}",
                        "unknown",
                        f"{column} is not a column of a {kind} file (use {', '.join(canonical)})",
                    )
                )
                continue
            if (rule := _rule(column, raw, columns, errors)) is not None:
                rules[column] = rule
        for column, required in canonical.items():
            if required and column not in columns:
                errors.append(
                    FieldError(
                        f"columns.{column}", "required", f"the required column {column} is unmapped"
                    )
                )
    notes = data.get("notes", [])
    if not isinstance(notes, list) or not all(isinstance(note, str) for note in notes):
        errors.append(FieldError("notes", "type", "notes must be a list of text"))
        notes = []
    skip = data.get("skip_if_empty", [])
    if not isinstance(skip, list) or not all(isinstance(c, str) and c in rules for c in skip):
        errors.append(FieldError("skip_if_empty", "unknown", "skip_if_empty must name columns"))
        skip = []
    only_if = data.get("only_if", {})
    if not isinstance(only_if, dict) or not all(
        isinstance(values, list) and all(isinstance(v, str) for v in values)
        for values in only_if.values()
    ):
        errors.append(FieldError("only_if", "type", "only_if maps a column to a list of values"))
        only_if = {}
    sheet = _text(data.get("sheet"), "sheet", errors)
    description = _text(data.get("description"), "description", errors) or ""
    if errors:
        raise InvalidInput(errors)
    return Preset(
        name=name,
        kind=kind,
        title=title.strip(),
        columns=rules,
        description=description,
        encoding=encoding,
        delimiter=delimiter,
        sheet=sheet or None,
        notes=tuple(notes),
        skip_if_empty=tuple(skip),
        only_if={column: tuple(values) for column, values in only_if.items()},
        builtin=builtin,
    )

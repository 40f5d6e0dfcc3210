"""Applying a preset to source rows: canonical text cells out, and data-quality findings.

The mapping only converts what the preset declares (renames, value maps, date formats, time
zones, durations after a timestamp, exact multiplications); it never guesses. What it cannot
convert is a rejected cell naming the source column. Data-quality findings are problems the
canonical import would let through, or would name less clearly, and are reported, never
fixed: a resolution earlier than the first response, a ticket without a creation time (its
first-response time cannot be computed).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cs_data.importers import file_columns
from cs_data.money import parse_plain_decimal
from cs_data.presets.spec import UNITS, ColumnRule, Preset, placeholders

_USERNAME_OTHER = re.compile(r"[^a-z0-9._-]+")
_DECIMAL_COMMA = re.compile(r"-?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?")
_ISO_FORMATS = frozenset(
    {"%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"}
)
"""strptime formats that ``datetime.fromisoformat`` reads alike (and much faster)."""
_TIMESTAMP_COLUMNS = frozenset(
    {
        "created_at",
        "first_response_at",
        "resolved_at",
        "responded_at",
        "closed_at",
        "occurred_at",
        "changed_at",
    }
)
_DATE_COLUMNS = frozenset(
    {"start_date", "end_date", "renewal_date", "next_step_date", "month", "changed_on"}
)


_ZONED_HEADER = re.compile(r"(.*\S)\s*\(([A-Za-z_]+(?:/[A-Za-z0-9_+-]+)*)\)\s*")


def split_zone(name: str) -> tuple[str, str | None]:
    """A header that names the time zone of its times, as Intercom writes them:
    ``Conversation started at (Europe/Berlin)`` → ``("Conversation started at",
    "Europe/Berlin")``; any other header → ``(name, None)``."""
    match = _ZONED_HEADER.fullmatch(name.strip())
    if match is None or ("/" not in match.group(2) and match.group(2) != "UTC"):
        return name.strip(), None
    try:
        ZoneInfo(match.group(2))
    except (ZoneInfoNotFoundError, ValueError):
        return name.strip(), None
    return match.group(1), match.group(2)


PROBLEM_CODES: dict[str, str] = {
    "finding:no_created_at": "No creation time (first response time cannot be computed)",
    "finding:response_before_created": "First response before creation",
    "finding:resolved_before_created": "Resolved before creation",
    "finding:resolved_before_first_response": "Resolved before the first response",
    "finding:duplicate_id": "Duplicate id",
    "finding:unknown_account": "Unknown account id (import the accounts first)",
    "finding:unknown_ticket": "Unknown ticket id (import the tickets first)",
    "finding:unknown_renewal": "Unknown renewal id (import the renewals first)",
    "finding:score_off_scale": "Score off the survey's scale",
    "mapping": "Value the preset cannot convert",
    "import": "Value the import refuses",
}
"""Every ``Problem.code``, with what it means in plain English: the one source of these texts.
``Report.text`` (the command line) prints them; the Import page's English catalog takes them
as ``import.finding.<code without finding:>`` (and the Korean one translates each)."""


@dataclass(frozen=True)
class Problem:
    """One rejected row: where (source row, column as the user knows it), why, and a code
    (``finding:...`` for data-quality findings, ``mapping`` for a value the preset cannot
    convert, ``import`` for what the canonical import refused)."""

    row: int
    column: str | None
    reason: str
    code: str
    params: dict[str, str] = field(default_factory=dict)
    """The values a translated reason names (finding codes only), e.g. ``{"created": ...}``."""


class _Bad(ValueError):
    pass


@functools.lru_cache(maxsize=65_536)
def _username(text: str) -> str:
    """A display name as a username: ``Lena Groß`` → ``lena.gross``, ``Jörg`` → ``jorg``."""
    plain = unicodedata.normalize("NFKD", text.strip().replace("ß", "ss"))
    plain = plain.encode("ascii", "ignore").decode("ascii").lower()
    return _USERNAME_OTHER.sub(".", plain).strip(".")


def _number(text: str, rule: ColumnRule) -> Decimal:
    if rule.decimal_comma:
        if not _DECIMAL_COMMA.fullmatch(text):
            raise _Bad(f"{text!r} is not a number with a decimal comma (e.g. 1.234,56)")
        text = text.replace(".", "").replace(",", ".")
    try:
        return parse_plain_decimal(text)
    except ValueError as exc:
        raise _Bad(str(exc)) from None


def _plain(value: Decimal) -> str:
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


class Mapper:
    """A preset bound to one file's header: maps each source row to canonical cells."""

    def __init__(self, preset: Preset, header: list[str]) -> None:
        self.preset = preset
        self.header = header
        positions: dict[str, int] = {}
        for index, name in enumerate(header):
            positions.setdefault(name.strip().lower(), index)
        header_zones: dict[int, str] = {}
        for index, name in enumerate(header):  # "Created at (Europe/Berlin)" is "Created at"
            bare, zone = split_zone(name)
            if zone is not None:
                positions.setdefault(bare.lower(), index)
                header_zones[index] = zone
        self.positions = positions
        required = dict(file_columns(preset.kind))
        self.missing: list[str] = []
        """Source columns of required canonical columns that the file does not have."""
        self.absent: list[str] = []
        """Optional canonical columns left out because the file lacks their source column
        (stored values of those columns stay as they are on update)."""
        for name, rule in preset.columns.items():
            wanted = rule.source_columns()
            if rule.template is not None:
                lacking = [s for s in wanted if s.lower() not in positions]
            elif rule.sources and not any(s.lower() in positions for s in rule.sources):
                lacking = [" / ".join(rule.sources)]
            else:
                lacking = []
            if lacking and required[name]:
                self.missing += lacking
            elif lacking:
                self.absent.append(name)
        self.missing += [source for source in preset.only_if if source.lower() not in positions]
        self.columns = [
            name for name in required if name in preset.columns and name not in self.absent
        ]
        """The canonical header written, in canonical order."""
        # columns computed from another (durations) come after it
        self.plan = sorted(self.columns, key=lambda name: preset.columns[name].after is not None)
        zones = {name: rule.zone for name, rule in preset.columns.items() if rule.zone}
        for name, rule in preset.columns.items():  # else the zone its header names
            found = [header_zones[i] for i in self._sources(rule) if i in header_zones]
            if name not in zones and found:
                zones[name] = found[0]
        self.zones = {name: ZoneInfo(zone) for name, zone in zones.items() if zone != "UTC"}
        """Time zone of each timestamp column written without an offset (UTC when absent)."""
        self.only_if = {
            source: {value.lower() for value in values} for source, values in preset.only_if.items()
        }
        self.indices = {id(rule): self._sources(rule) for rule in preset.columns.values()}
        """Positions of each rule's source columns in the header, read once."""
        self.steps = [
            (
                column,
                rule,
                self.indices[id(rule)] if rule.sources else (),
                self._converts(column, rule),
            )
            for column in self.plan
            for rule in (preset.columns[column],)
        ]
        """Per canonical column, in order: its rule, source positions, and whether the cell
        needs converting (most pass through)."""
        self.maps = {
            name: {key.strip().lower(): value for key, value in rule.value_map.items()}
            for name, rule in preset.columns.items()
            if rule.value_map is not None
        }

    def source_label(self, column: str) -> str:
        """The canonical column as the user's file names it: ``created_at (Created at)``."""
        rule = self.preset.columns.get(column)
        if rule is None or not rule.sources:
            return column
        present = [
            self.header[self.positions[s.lower()]]
            for s in rule.sources
            if s.lower() in self.positions
        ]
        return f"{column} ({present[0] if present else rule.sources[0]})"

    def _cell(self, cells: list[str], source: str) -> str:
        index = self.positions.get(source.lower())
        if index is None or index >= len(cells):
            return ""
        return cells[index].strip()

    def _converts(self, column: str, rule: ColumnRule) -> bool:
        return bool(
            rule.value_map is not None
            or rule.after
            or rule.multiply is not None
            or rule.decimal_comma
            or rule.split is not None
            or rule.username
            or (column in _TIMESTAMP_COLUMNS and (rule.date_format or column in self.zones))
            or (column in _DATE_COLUMNS and rule.date_format)
        )

    def _sources(self, rule: ColumnRule) -> tuple[int, ...]:
        return tuple(
            self.positions[source.lower()]
            for source in rule.sources
            if source.lower() in self.positions
        )

    def _raw(self, cells: list[str], rule: ColumnRule) -> str:
        if rule.value is not None:
            return rule.value
        if rule.template is not None:
            parts = {name: self._cell(cells, name) for name in placeholders(rule.template)}
            if not all(parts.values()):
                return ""
            return re.sub(r"\{([^{}]+)\}", lambda m: parts[m.group(1)], rule.template)
        for index in self.indices[id(rule)]:
            if index < len(cells) and (text := cells[index].strip()):
                return text
        return ""

    def _timestamp(self, text: str, column: str, rule: ColumnRule) -> datetime:
        value = None
        if rule.date_format in _ISO_FORMATS:  # the same reading, without strptime's cost
            try:
                value = datetime.fromisoformat(text)
            except ValueError:
                value = None
        elif rule.date_format:
            try:
                value = datetime.strptime(text, rule.date_format)
            except ValueError:
                value = None
        if value is None:
            try:
                value = datetime.fromisoformat(text)
            except ValueError:
                expected = rule.date_format or "ISO 8601"
                raise _Bad(f"{text!r} does not match the date format {expected}") from None
        if value.tzinfo is None:
            value = value.replace(tzinfo=self.zones.get(column, UTC))
        return value.astimezone(UTC)

    def _convert(self, text: str, column: str, rule: ColumnRule, done: dict[str, str]) -> str:
        if column in self.maps:
            mapped = self.maps[column].get(text.lower())
            if mapped is not None:
                text = mapped
            elif rule.map_default is not None:
                text = rule.map_default
            if not text:
                return ""
        if rule.after is not None:
            base = done.get(rule.after, "")
            if not base:
                raise _Bad(f"a duration needs {rule.after}, which is empty")
            amount = _number(text, rule) * UNITS[rule.unit or "seconds"]
            try:
                when = datetime.fromisoformat(base) + timedelta(seconds=float(amount))
            except (OverflowError, InvalidOperation):
                raise _Bad(f"duration {text!r} {rule.unit} is out of range") from None
            return when.isoformat().replace("+00:00", "Z")
        if rule.multiply is not None:
            return _plain(_number(text, rule) * rule.multiply)
        if rule.decimal_comma:
            return _plain(_number(text, rule))
        if rule.split is not None:
            return ";".join(part.strip() for part in text.split(rule.split) if part.strip())
        if rule.username:
            return _username(text)
        if column in _TIMESTAMP_COLUMNS and (rule.date_format or column in self.zones):
            return self._timestamp(text, column, rule).isoformat().replace("+00:00", "Z")
        if column in _DATE_COLUMNS and rule.date_format:
            return self._date(text, rule.date_format)
        return text

    @staticmethod
    def _date(text: str, date_format: str) -> str:
        """A date in ``date_format`` (or ISO 8601, as an Excel cell is read) as YYYY-MM-DD."""
        try:
            return datetime.strptime(text, date_format).date().isoformat()
        except ValueError:
            pass
        if text[10:11] in ("", " ", "T"):
            try:
                return date.fromisoformat(text[:10]).isoformat()
            except ValueError:
                pass
        raise _Bad(f"{text!r} does not match the date format {date_format}")

    def map_row(self, row: int, cells: list[str]) -> tuple[list[str] | None, list[Problem]]:
        """The row's canonical cells (None when it is skipped or rejected) and its problems."""
        for source, values in self.only_if.items():
            if self._cell(cells, source).lower() not in values:
                return None, []
        done: dict[str, str] = {}
        problems: list[Problem] = []
        width = len(cells)
        for column, rule, indices, converts in self.steps:
            if indices:  # the common case, inline: the first non-empty source cell
                text = ""
                for index in indices:
                    if index < width and (text := cells[index].strip()):
                        break
            else:
                text = self._raw(cells, rule)
            if text and converts:
                try:
                    text = self._convert(text, column, rule, done)
                except _Bad as bad:
                    problems.append(Problem(row, self.source_label(column), str(bad), "mapping"))
                    text = ""
            done[column] = text
        if any(not done[name] for name in self.preset.skip_if_empty):
            return None, []
        if problems:
            return None, problems
        problems = findings(self.preset.kind, row, done, self.source_label)
        if problems:
            return None, problems
        return [done[name] for name in self.columns], []


def _instant(text: str) -> datetime | None:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def findings(kind: str, row: int, record: dict[str, Any], label) -> list[Problem]:
    """Data-quality findings of one canonical row (text values by canonical column)."""
    if kind != "tickets":
        return []
    problems: list[Problem] = []
    if not record.get("created_at"):
        problems.append(
            Problem(
                row,
                label("created_at"),
                "the ticket has no creation time: its first-response and resolution times "
                "cannot be computed",
                "finding:no_created_at",
            )
        )
    created = _instant(record.get("created_at") or "")
    first = _instant(record.get("first_response_at") or "")
    resolved = _instant(record.get("resolved_at") or "")
    for column, value, code in (
        ("first_response_at", first, "finding:response_before_created"),
        ("resolved_at", resolved, "finding:resolved_before_created"),
    ):
        if created is not None and value is not None and value < created:
            problems.append(
                Problem(
                    row,
                    label(column),
                    f"{column} {value.isoformat()} is earlier than {label('created_at')} "
                    f"{created.isoformat()}",
                    code,
                    {"value": _shown(value), "created": _shown(created)},
                )
            )
    if first is not None and resolved is not None and resolved < first:
        problems.append(
            Problem(
                row,
                label("resolved_at"),
                f"resolved at {resolved.isoformat()} is earlier than the first response at "
                f"{first.isoformat()}",
                "finding:resolved_before_first_response",
                {"resolved": _shown(resolved), "first": _shown(first)},
            )
        )
    return problems


def _shown(moment: datetime) -> str:
    """An instant as a finding names it: ``2025-03-01 09:00 UTC``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")

"""Importing an export through a preset: convert, validate, report, and only then write.

The converted rows go through the canonical import (``cs_data.importers.import_file``): the
same validation, the same all-or-nothing upsert, the same audit entry (naming the user's file
and the preset). The source file is converted into a canonical CSV with one record per source
row, so every problem keeps the row number the user sees in their spreadsheet; a row the
preset skips (not of this kind) or that is excluded is written empty, which the import skips.

Rejected rows are reported, never fixed: the user either rejects the file (nothing written)
or imports it with the rejected rows excluded, and the audit entry lists them.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from cs_data.auth import Actor
from cs_data.importers import (
    MAX_REPORTED_ERRORS,
    ImportRejected,
    ImportResult,
    RowError,
    import_file,
)
from cs_data.presets.mapping import PROBLEM_CODES, Mapper, Problem
from cs_data.presets.reading import SourceFormat, SourceTable
from cs_data.presets.spec import Preset
from cs_data.progress import ProgressCallback, no_progress

PREVIEW_ROWS = 20
MAX_PASSES = 20
"""Validation passes at most when rejected rows are excluded (each lists up to 1,000)."""


@dataclass(frozen=True)
class Preview:
    """The first rows of a file as they will be stored, and what the preset cannot find."""

    columns: list[str]
    rows: list[list[str]]
    row_numbers: list[int]
    problems: list[Problem]
    missing_columns: list[str]
    source_format: SourceFormat


@dataclass
class Report:
    """What an import through a preset found and (when ``committed``) wrote."""

    file: str
    preset: str
    kind: str
    source_format: SourceFormat
    notes: tuple[str, ...] = ()
    rows: int = 0
    """Data rows of the file (blank rows not counted)."""
    skipped: int = 0
    """Rows the preset leaves out as not of this kind (e.g. tickets without a rating)."""
    to_insert: int | None = None
    to_update: int | None = None
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    """Every problem found; more than ``problems`` holds when the import stopped listing."""
    missing_columns: list[str] = field(default_factory=list)
    committed: bool = False
    excluded: bool = False
    created_users: tuple[str, ...] = ()

    @property
    def rejected_rows(self) -> list[int]:
        return sorted({problem.row for problem in self.problems})

    @property
    def complete(self) -> bool:
        """Every problem is listed, so excluding the rejected rows is possible."""
        return self.problem_count == len(self.problems) and not self.missing_columns

    def counts_by_code(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for problem in self.problems:
            counts[problem.code] = counts.get(problem.code, 0) + 1
        return counts

    def problems_csv(self) -> str:
        """Every listed problem as CSV: row, column, reason, code."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["row", "column", "reason", "code"])
        for problem in self.problems:
            writer.writerow([problem.row, problem.column or "", problem.reason, problem.code])
        return out.getvalue()

    def text(self) -> str:
        """The report as lines for a terminal. Problems are counted by what they mean, with
        their code in brackets (as the CSV's code column names it) for scripts and support."""
        lines = [
            f"{self.file}: preset {self.preset} ({self.kind}), read as "
            f"{self.source_format.encoding}"
            + (
                f", delimiter {self.source_format.delimiter!r}"
                if self.source_format.delimiter
                else ""
            )
        ]
        lines += [f"note: {note}" for note in self.notes]
        if self.missing_columns:
            lines.append("missing columns: " + ", ".join(self.missing_columns))
        counts = [f"{self.rows:,} rows"]
        if self.to_insert is not None:
            counts += [f"{self.to_insert:,} to insert", f"{self.to_update or 0:,} to update"]
        counts.append(f"{len(self.rejected_rows):,} rejected")
        if self.skipped:
            counts.append(f"{self.skipped:,} skipped (not {self.kind})")
        lines.append(", ".join(counts))
        for code, count in sorted(self.counts_by_code().items()):
            described = f"{PROBLEM_CODES[code]} [{code}]" if code in PROBLEM_CODES else code
            lines.append(f"  {described}: {count:,}")
        lines += [
            f"row {p.row}" + (f", column {p.column}" if p.column else "") + f": {p.reason}"
            for p in self.problems
        ]
        if self.problem_count > len(self.problems):
            lines.append(f"... and {self.problem_count - len(self.problems):,} more")
        return "\n".join(lines)


def preview(path: Path, preset: Preset, *, rows: int = PREVIEW_ROWS) -> Preview:
    """The first ``rows`` data rows of ``path`` converted by ``preset`` (no database)."""
    table = _open(path, preset)
    mapper = Mapper(preset, table.header)
    shown: list[list[str]] = []
    numbers: list[int] = []
    problems: list[Problem] = []
    for row, cells in table:
        if not any(cell.strip() for cell in cells):
            continue
        canonical, found = mapper.map_row(row, cells)
        problems += found
        if canonical is not None:
            shown.append(canonical)
            numbers.append(row)
        if len(shown) + len({p.row for p in problems}) >= rows:
            break
    return Preview(mapper.columns, shown, numbers, problems, mapper.missing, table.format)


def _open(path: Path, preset: Preset) -> SourceTable:
    return SourceTable(
        Path(path), encoding=preset.encoding, delimiter=preset.delimiter, sheet=preset.sheet
    )


@dataclass
class _Converted:
    path: Path
    mapper: Mapper
    report: Report
    blank: set[int] = field(default_factory=set)


@contextmanager
def _converted(
    path: Path, preset: Preset, label: str, progress: ProgressCallback
) -> Iterator[_Converted]:
    """The file converted into a temporary canonical CSV (deleted afterwards)."""
    table = _open(path, preset)
    mapper = Mapper(preset, table.header)
    report = Report(
        file=label,
        preset=preset.name,
        kind=preset.kind,
        source_format=table.format,
        notes=preset.notes,
        missing_columns=list(mapper.missing),
    )
    phase = f"convert {label}"
    with tempfile.TemporaryDirectory(prefix="cs-preset-") as folder:
        target = Path(folder) / f"{preset.kind}.csv"
        converted = _Converted(target, mapper, report)
        with target.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(mapper.columns)
            empty = [""] * len(mapper.columns)
            progress(phase, 0, table.size)
            for count, (row, cells) in enumerate(table, 1):
                if not any(cell.strip() for cell in cells):
                    writer.writerow(empty)
                    continue
                report.rows += 1
                canonical, problems = mapper.map_row(row, cells)
                if canonical is None:
                    if problems:
                        report.problems += problems
                        converted.blank.add(row)
                    else:
                        report.skipped += 1
                    writer.writerow(empty)
                else:
                    writer.writerow(canonical)
                if count % 20_000 == 0:
                    progress(phase, table.progress_position(), table.size)
        progress(phase, table.size, table.size)
        report.problem_count = len(report.problems)
        yield converted


def _import_problem(mapper: Mapper, error: RowError) -> Problem:
    column = mapper.source_label(error.column) if error.column else None
    return Problem(error.row, column, error.reason, error.finding or "import", error.params)


def _blank_rows(path: Path, rows: set[int]) -> None:
    """Rewrite the canonical file with ``rows`` (spreadsheet numbers) emptied."""
    done = path.with_suffix(".tmp")
    with (
        path.open(encoding="utf-8", newline="") as source,
        done.open("w", encoding="utf-8", newline="") as target,
    ):
        reader = csv.reader(source)
        writer = csv.writer(target, lineterminator="\n")
        header = next(reader)
        writer.writerow(header)
        empty = [""] * len(header)
        for row, cells in enumerate(reader, 2):
            writer.writerow(empty if row in rows else cells)
    done.replace(path)


def _run(
    engine: Engine,
    actor: Actor,
    converted: _Converted,
    *,
    dry_run: bool,
    exclude: bool,
    progress: ProgressCallback,
) -> ImportResult | None:
    """Run the canonical import on the converted file. With ``exclude``, the rows it rejects
    are emptied and it runs again (it lists at most ``MAX_REPORTED_ERRORS`` per pass), at
    most ``MAX_PASSES`` times. None when rows stay rejected (listed in the report)."""
    report, mapper = converted.report, converted.mapper
    details = {"preset": report.preset, "source_rows": report.rows, "skipped": report.skipped}
    for _ in range(MAX_PASSES):
        if exclude:
            excluded = report.rejected_rows
            if unblanked := set(excluded) - converted.blank:
                _blank_rows(converted.path, unblanked)
                converted.blank |= unblanked
            details |= {"excluded": len(excluded), "excluded_rows": excluded[:MAX_REPORTED_ERRORS]}
        try:
            return import_file(
                engine,
                actor,
                report.kind,
                converted.path,
                progress=progress,
                dry_run=dry_run,
                label=Path(report.file),
                audit_details=details,
            )
        except ImportRejected as rejected:
            problems = [_import_problem(mapper, error) for error in rejected.errors]
            report.problems = sorted(report.problems + problems, key=lambda p: (p.row, p.code))
            report.problem_count = len(report.problems) + rejected.error_count - len(problems)
            if not exclude:
                return None
    return None


def _finish(report: Report, result: ImportResult | None, *, committed: bool) -> Report:
    if result is not None:
        report.to_insert, report.to_update = result.inserted, result.updated
        report.committed = committed
        report.created_users = result.created_users
    return report


def check_file(
    engine: Engine,
    actor: Actor,
    path: Path,
    preset: Preset,
    *,
    label: str | None = None,
    progress: ProgressCallback | None = None,
) -> Report:
    """Convert and validate ``path`` without writing: the counts of rows to insert and update
    once the rejected rows are excluded, and every rejected row with its reason."""
    progress = progress or no_progress
    with _converted(path, preset, label or Path(path).name, progress) as converted:
        report = converted.report
        if report.missing_columns:
            return report
        result = _run(engine, actor, converted, dry_run=True, exclude=True, progress=progress)
        return _finish(report, result, committed=False)


def import_with_preset(
    engine: Engine,
    actor: Actor,
    path: Path,
    preset: Preset,
    *,
    exclude_rejected: bool = False,
    label: str | None = None,
    progress: ProgressCallback | None = None,
) -> Report:
    """Convert ``path`` with ``preset`` and import it, all or nothing.

    When any row is rejected the file is not imported (``committed`` is False and the report
    lists every rejected row), unless ``exclude_rejected``: then the other rows are imported
    and the audit entry lists the excluded rows. ``PermissionDenied`` when the actor may not
    import; ``UnreadableFile`` when the file cannot be read.
    """
    progress = progress or no_progress
    with _converted(path, preset, label or Path(path).name, progress) as converted:
        report = converted.report
        report.excluded = exclude_rejected
        if report.missing_columns:
            return report
        if report.problems and not exclude_rejected:
            result = _run(engine, actor, converted, dry_run=True, exclude=True, progress=progress)
            report.excluded = False
            return _finish(report, result, committed=False)
        result = _run(
            engine, actor, converted, dry_run=False, exclude=exclude_rejected, progress=progress
        )
        if result is None and not exclude_rejected:  # say what would land without those rows
            result = _run(engine, actor, converted, dry_run=True, exclude=True, progress=progress)
            return _finish(report, result, committed=False)
        return _finish(report, result, committed=True)

"""Reading an export as it comes: CSV in UTF-8, UTF-8 with BOM or cp1252/Latin-1, with `,`,
`;`, tab or `|` delimiters, CRLF line endings and quoted multi-line cells; or an Excel
workbook (``.xlsx``, first sheet or a named one) through openpyxl.

Rows are numbered as in a spreadsheet (the header is row 1), one per record, so a cell with
line breaks does not shift the numbers.
"""

from __future__ import annotations

import codecs
import csv
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

from cs_data.importers import UnreadableFile
from cs_data.presets.spec import DELIMITERS

_SAMPLE_BYTES = 1 << 16
_CHUNK_BYTES = 1 << 20
_XLSX_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class SourceFormat:
    """How a file was read: for the report, and to read it again the same way."""

    encoding: str
    """utf-8, utf-8-sig (with BOM), cp1252 or latin-1; "xlsx" for a workbook."""
    delimiter: str | None
    sheet: str | None = None


def is_workbook(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(4) == _XLSX_MAGIC


def detect_encoding(path: Path) -> str:
    """utf-8-sig for a UTF-8 BOM, utf-8 when every byte decodes, else cp1252 (Windows
    "ANSI"), or latin-1 when the file holds bytes cp1252 leaves undefined."""
    with path.open("rb") as handle:
        if handle.read(3) == codecs.BOM_UTF8:
            return "utf-8-sig"
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := handle.read(_CHUNK_BYTES):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
            return "utf-8"
        except UnicodeDecodeError:
            pass
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("cp1252")()
        try:
            while chunk := handle.read(_CHUNK_BYTES):
                decoder.decode(chunk)
        except UnicodeDecodeError:
            return "latin-1"
        return "cp1252"


def detect_delimiter(first_line: str) -> str:
    """The candidate delimiter the header line holds most often outside quotes (`,` on a
    tie or when it holds none)."""
    counts = dict.fromkeys((",", ";", "\t", "|"), 0)
    quoted = False
    for char in first_line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(counts, key=lambda c: (counts[c], c == ","))
    return best if counts[best] else ","


def _cell_text(value: object) -> str:
    """An Excel cell as the text a CSV export would hold (dates in ISO 8601)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return value.isoformat(" ") if value.time() != time() else value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return format(Decimal(repr(value)).normalize(), "f") if value == value else ""
    return str(value)


class SourceTable:
    """An export file opened for reading: its header, then its data rows as text cells."""

    def __init__(
        self,
        path: Path,
        *,
        encoding: str = "auto",
        delimiter: str = "auto",
        sheet: str | None = None,
    ) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise UnreadableFile(f"cannot read {self.path}: no such file")
        self.size = os.path.getsize(self.path)
        if is_workbook(self.path):
            self.format = SourceFormat("xlsx", None, sheet)
        else:
            chosen = detect_encoding(self.path) if encoding == "auto" else encoding
            if chosen == "utf-8":
                with self.path.open("rb") as handle:
                    if handle.read(3) == codecs.BOM_UTF8:
                        chosen = "utf-8-sig"
            with self.path.open(encoding=chosen, errors="replace", newline="") as handle:
                first_line = handle.readline()
            mark = DELIMITERS.get(delimiter)
            self.format = SourceFormat(chosen, mark or detect_delimiter(first_line))
        rows = self._rows()
        first = next(rows, None)
        self.header = [cell.strip() for cell in first[1]] if first else []
        rows.close()

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        """(spreadsheet row number, cells) per data row; a broken CSV record raises
        ``UnreadableFile`` naming its row."""
        rows = self._rows()
        next(rows, None)
        yield from rows

    def progress_position(self) -> int:
        """Bytes read so far (CSV), for a progress bar over ``size``."""
        return self._position()

    def _rows(self) -> Iterator[tuple[int, list[str]]]:
        if self.format.encoding == "xlsx":
            yield from self._workbook_rows()
            return
        try:
            handle = self.path.open(encoding=self.format.encoding, errors="strict", newline="")
        except OSError as exc:
            raise UnreadableFile(f"cannot read {self.path}: {exc.strerror or exc}") from None
        with handle:
            self._position = handle.buffer.tell
            reader = csv.reader(handle, delimiter=self.format.delimiter, strict=True)
            row = 0
            while True:
                row += 1
                try:
                    cells = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    raise UnreadableFile(
                        f"{self.path.name}: row {row} is not a readable CSV record ({exc}; "
                        f"a quote opened on line {reader.line_num} may never be closed)"
                    ) from None
                except UnicodeDecodeError:
                    raise UnreadableFile(
                        f"{self.path.name}: not {self.format.encoding} text near row {row}; "
                        "choose the file's encoding"
                    ) from None
                yield row, cells

    def _workbook_rows(self) -> Iterator[tuple[int, list[str]]]:
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(self.path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
            raise UnreadableFile(f"cannot read workbook {self.path.name}: {exc}") from None
        try:
            if self.format.sheet:
                if self.format.sheet not in workbook.sheetnames:
                    raise UnreadableFile(
                        f"{self.path.name} has no sheet {self.format.sheet!r} "
                        f"(it has {', '.join(workbook.sheetnames)})"
                    )
                sheet = workbook[self.format.sheet]
            else:
                sheet = workbook.worksheets[0]
            self._position = lambda: 0
            for row, values in enumerate(sheet.iter_rows(values_only=True), 1):
                yield row, [_cell_text(value) for value in values]
        finally:
            workbook.close()

    def _position(self) -> int:
        return 0

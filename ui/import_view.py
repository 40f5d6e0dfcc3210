"""Widgets of the Import page: the kept upload, the hand mapping, the preview and the report.

Values a file holds are shown as dataframe text cells or ``st.text``, never as Markdown.
"""

from __future__ import annotations

import shutil
import tempfile
from functools import partial
from pathlib import Path

import pandas as pd
import streamlit as st

from cs_data import presets
from cs_data.auth import Actor
from cs_data.errors import CockpitError, InvalidInput, PermissionDenied
from cs_data.importers import file_columns
from ui.errors import show_error
from ui.forms import form_error, submit
from ui.i18n import format_count, t
from ui.text import literal

_UPLOADS = "_import_uploads"


def kept_upload(upload) -> Path:
    """The uploaded file saved once per upload into a private temporary folder (cs_data
    reads files by path; a large upload is not copied on every rerun)."""
    kept = st.session_state.setdefault(_UPLOADS, {})
    path = kept.get(upload.file_id)
    if path is None or not Path(path).is_file():
        for file_id, earlier in list(kept.items()):  # one upload kept per session
            shutil.rmtree(Path(earlier).parent, ignore_errors=True)
            del kept[file_id]
        folder = Path(tempfile.mkdtemp(prefix="cs-upload-"))
        path = folder / Path(upload.name).name
        path.write_bytes(upload.getbuffer())
        kept[upload.file_id] = path
    return Path(path)


def column_mapping(kind: str, header: list[str]) -> dict[str, str | None]:
    """One select per canonical column of ``kind``, pre-filled with the guessed source column."""
    guesses = presets.guess_columns(kind, header)
    options = [None, *header]
    mapping: dict[str, str | None] = {}
    cells = st.columns(3)
    for index, (column, required) in enumerate(file_columns(kind)):
        key = f"import_map_{kind}_{column}"
        if key not in st.session_state:
            st.session_state[key] = guesses[column]
        with cells[index % 3]:
            mapping[column] = st.selectbox(
                f"{column} *" if required else column,
                options,
                format_func=lambda name: t("import.unmapped") if name is None else name,
                placeholder=t("import.unmapped"),
                key=key,
            )
    return mapping


def preview_table(shown: presets.Preview) -> None:
    frame = pd.DataFrame(shown.rows, columns=shown.columns, dtype="string")
    frame.insert(0, t("import.col_row"), shown.row_numbers)
    st.dataframe(frame, hide_index=True, width="stretch")


def problems_frame(problems: list[presets.Problem]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            t("import.col_row"): [p.row for p in problems],
            t("import.col_column"): pd.Series([p.column or "" for p in problems], dtype="string"),
            t("import.col_reason"): pd.Series([p.reason for p in problems], dtype="string"),
            t("import.col_code"): pd.Series([p.code for p in problems], dtype="string"),
        }
    )


def report_view(report: presets.Report) -> None:
    """Counts, the preset's notes, every rejected row and its CSV download."""
    counts = st.columns(5)
    counts[0].metric(t("import.rows"), format_count(report.rows))
    counts[1].metric(t("import.to_insert"), format_count(report.to_insert))
    counts[2].metric(t("import.to_update"), format_count(report.to_update))
    counts[3].metric(t("import.rejected"), format_count(len(report.rejected_rows)))
    counts[4].metric(t("import.skipped"), format_count(report.skipped))
    for note in report.notes:
        st.text(note)
    if report.missing_columns:
        st.error(t("import.missing_columns"), icon=":material/error:")
        st.text(", ".join(report.missing_columns))
        return
    if not report.problems:
        st.success(t("import.no_problems"), icon=":material/check_circle:")
        return
    by_code = ", ".join(f"{code} {count:,}" for code, count in report.counts_by_code().items())
    st.warning(
        t("import.findings", count=format_count(len(report.rejected_rows))),
        icon=":material/warning:",
    )
    st.text(by_code)
    st.dataframe(problems_frame(report.problems), hide_index=True, width="stretch")
    st.download_button(
        t("import.download"),
        report.problems_csv(),
        file_name=f"{Path(report.file).stem}-rejected-rows.csv",
        mime="text/csv",
        icon=":material/download:",
    )


def failed(error: CockpitError) -> None:
    """A refusal from cs_data: field errors and refusals by the shared renderer, a file that
    cannot be read or a busy database with cs_data's own one-line reason (shown as text)."""
    if isinstance(error, InvalidInput | PermissionDenied):
        show_error(error)
    else:
        st.error(t("import.failed"), icon=":material/error:")
        st.text(str(error))


def _save(engine, actor: Actor, kind: str, mapping: dict[str, str | None]) -> str:
    name = st.session_state.import_save_name
    preset = presets.manual_preset(kind, mapping, name=name)
    saved = presets.save_preset(engine, actor, preset.to_dict())
    return t("import.saved", name=literal(saved.name))


def save_as(engine, actor: Actor, kind: str, mapping: dict[str, str | None]) -> None:
    """A form that saves the hand-made mapping as a preset under a name."""
    with st.form("import_save_preset", border=False):
        st.text_input(t("import.save_name"), help=t("import.save_help"), key="import_save_name")
        st.form_submit_button(
            t("import.save"),
            icon=":material/save:",
            on_click=submit,
            args=("import_save", partial(_save, engine, actor, kind, mapping)),
        )
    if error := form_error("import_save"):
        show_error(error)


class ProgressBar:
    """cs_data's ``progress(phase, done, total)`` as an ``st.progress`` bar."""

    def __init__(self) -> None:
        self.bar = st.progress(0.0, text=t("import.working"))

    def __call__(self, phase: str, done: int, total: int | None) -> None:
        share = min(1.0, done / total) if total else 0.0
        self.bar.progress(share, text=t("import.phase", phase=literal(phase)))

    def done(self) -> None:
        self.bar.empty()

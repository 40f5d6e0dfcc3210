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
from cs_data.auth import Actor, can
from cs_data.errors import CockpitError, InvalidInput, PermissionDenied
from cs_data.importers import IMPORT_KINDS, file_columns
from ui import card_grid
from ui.card_grid import Card
from ui.errors import show_error
from ui.forms import form_error, submit
from ui.i18n import choice_key, format_count, has_key, t
from ui.text import literal, plain

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


def choose_preset(engine, actor: Actor, upload, header: list[str]) -> presets.Preset | None:
    """Kind and preset (guessed from the header), or a mapping made by hand (None while a
    required column is unmapped)."""
    available = presets.list_presets(engine, actor)
    guess = presets.guess_preset(header, available)
    left, right = st.columns(2)
    kinds = list(IMPORT_KINDS)
    kind = left.selectbox(
        t("import.kind"),
        kinds,
        index=kinds.index(guess.kind) if guess else 0,
        format_func=lambda k: t(f"import.kind.{k}"),
        key=choice_key(f"import_kind_{upload.file_id}"),
    )
    of_kind = [p for p in available if p.kind == kind]
    options = [p.name for p in of_kind] + [presets.MANUAL]
    fitting = presets.guess_preset(header, of_kind)
    titles = {p.name: p.title for p in of_kind} | {presets.MANUAL: t("import.manual")}
    name = right.selectbox(
        t("import.preset"),
        options,
        index=options.index(fitting.name) if fitting else len(options) - 1,
        format_func=titles.get,
        key=choice_key(f"import_preset_{upload.file_id}_{kind}"),
    )
    if name != presets.MANUAL:
        return next(p for p in of_kind if p.name == name)
    with st.container(border=True):
        st.caption(t("import.mapping_help"))
        mapping = column_mapping(kind, header)
        try:
            preset = presets.manual_preset(kind, mapping)
        except InvalidInput as error:
            show_error(error)
            return None
        if can(actor, "preset.save"):
            save_as(engine, actor, kind, mapping)
    return preset


def preview_table(shown: presets.Preview) -> None:
    frame = pd.DataFrame(shown.rows, columns=shown.columns, dtype="string")
    frame.insert(0, t("import.col_row"), shown.row_numbers)
    st.dataframe(frame, hide_index=True, width="stretch")


def note_text(preset: str, index: int, note: str) -> str:
    """A built-in preset's note in the page's language (a saved preset's notes as written)."""
    key = f"import.note.{preset}.{index}"
    return t(key) if has_key(key) else note


def finding_label(code: str) -> str:
    """A problem code as a short readable name: ``finding:no_created_at`` → "No creation
    time (first response time cannot be computed)"."""
    key = "import.finding." + code.removeprefix("finding:")
    return t(key) if has_key(key) else code


def finding_reason(problem: presets.Problem) -> str:
    """Why the row is rejected, translated where the finding names its values; else the
    reason cs_data wrote (it quotes the cell that could not be read). For table cells and the
    CSV only (plain text)."""
    key = "import.finding." + problem.code.removeprefix("finding:") + ".reason"
    return plain(t(key, **problem.params)) if has_key(key) else problem.reason


def problems_frame(problems: list[presets.Problem], *, with_code: bool = False) -> pd.DataFrame:
    """Every rejected row: row, column, finding and reason (and the machine-readable code)."""
    columns = {
        t("import.col_row"): [p.row for p in problems],
        t("import.col_column"): pd.Series([p.column or "" for p in problems], dtype="string"),
        t("import.col_finding"): pd.Series(
            [finding_label(p.code) for p in problems], dtype="string"
        ),
        t("import.col_reason"): pd.Series([finding_reason(p) for p in problems], dtype="string"),
    }
    if with_code:
        columns[t("import.col_code")] = pd.Series([p.code for p in problems], dtype="string")
    return pd.DataFrame(columns)


def report_view(report: presets.Report) -> None:
    """Counts (one card grid), the preset's notes, every rejected row and its CSV download."""
    counts = [
        Card(t("import.rows"), format_count(report.rows)),
        Card(t("import.to_insert"), format_count(report.to_insert)),
        Card(t("import.to_update"), format_count(report.to_update)),
        Card(t("import.rejected"), format_count(len(report.rejected_rows))),
        Card(t("import.skipped"), format_count(report.skipped)),
    ]
    card_grid.show(counts, per_row=len(counts))
    for index, note in enumerate(report.notes):
        st.text(note_text(report.preset, index, note))
    if report.missing_columns:
        st.error(t("import.missing_columns"), icon=":material/error:")
        st.text(", ".join(report.missing_columns))
        return
    if not report.problems:
        st.success(t("import.no_problems"), icon=":material/check_circle:")
        return
    st.warning(
        t("import.findings", count=format_count(len(report.rejected_rows))),
        icon=":material/warning:",
    )
    st.text(
        "\n".join(
            t("import.finding_count", finding=finding_label(code), count=format_count(count))
            for code, count in report.counts_by_code().items()
        )
    )
    st.dataframe(
        problems_frame(report.problems),
        hide_index=True,
        width="stretch",
        column_config={
            t("import.col_row"): st.column_config.NumberColumn(width="small"),
            t("import.col_reason"): st.column_config.TextColumn(width="large"),
        },
    )
    st.download_button(
        t("import.download"),
        problems_frame(report.problems, with_code=True).to_csv(index=False),
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

"""Import (admins, managers): upload an export, pick a preset or map its columns by hand,
preview the rows as they will be stored, validate, then import (all or nothing, audited)."""

from __future__ import annotations

import streamlit as st

from cs_data import presets
from cs_data.db import get_engine
from cs_data.errors import CockpitError
from ui import shell
from ui.forms import show_notice
from ui.i18n import choice_key, format_count, t
from ui.import_view import (
    ProgressBar,
    choose_preset,
    failed,
    kept_upload,
    preview_table,
    report_view,
)
from ui.text import literal

REPORT_KEY = "import_report"
ACTION_KEY = "import_action"


def ask(action: str) -> None:
    """Remember a button's action for this run's body (a button's return value would be lost
    if the run started over)."""
    st.session_state[ACTION_KEY] = action


settings = shell.page_setup()
actor = shell.require("page.import")
engine = get_engine()
st.title(t("import.title"), anchor=False)
st.caption(t("import.intro"))
show_notice()
upload = st.file_uploader(t("import.file"), type=["csv", "tsv", "txt", "xlsx"], key="import_file")
if upload is None:
    st.info(t("import.empty"), icon=":material/upload_file:")
    st.stop()
path = kept_upload(upload)
try:
    header = presets.SourceTable(path).header
    preset = choose_preset(engine, actor, upload, header)
    if preset is None:
        st.stop()
    st.subheader(t("import.preview"), anchor=False)
    shown = presets.preview(path, preset)
except CockpitError as error:
    failed(error)
    st.stop()
st.caption(t("import.read_as", encoding=literal(shown.source_format.encoding)))
preview_table(shown)
if shown.missing_columns:
    st.error(t("import.missing_columns"), icon=":material/error:")
    st.text(", ".join(shown.missing_columns))
    st.stop()

state = (upload.file_id, repr(preset.to_dict()))
st.button(
    t("import.validate"),
    icon=":material/fact_check:",
    type="primary",
    on_click=ask,
    args=("check",),
)
action = st.session_state.pop(ACTION_KEY, None)
if action == "check":
    bar = ProgressBar()
    try:
        report = presets.check_file(engine, actor, path, preset, label=upload.name, progress=bar)
    except CockpitError as error:
        failed(error)
        st.stop()
    finally:
        bar.done()
    st.session_state[REPORT_KEY] = (state, report)
kept = st.session_state.get(REPORT_KEY)
if kept is None or kept[0] != state:
    st.stop()
report = kept[1]
st.subheader(t("import.report"), anchor=False)
report_view(report)
if report.missing_columns or (report.to_insert or 0) + (report.to_update or 0) == 0:
    st.stop()
exclude = bool(report.rejected_rows) and st.radio(
    t("import.choice"),
    [False, True],
    format_func=lambda x: t("import.choice_exclude") if x else t("import.choice_reject"),
    key=choice_key("import_choice"),
)
if report.rejected_rows and not exclude:
    st.info(t("import.rejected_file"), icon=":material/block:")
    st.stop()
st.button(t("import.commit"), icon=":material/database_upload:", on_click=ask, args=("import",))
if action == "import":
    bar = ProgressBar()
    try:
        done = presets.import_with_preset(
            engine, actor, path, preset, exclude_rejected=exclude, label=upload.name, progress=bar
        )
    except CockpitError as error:
        failed(error)
        st.stop()
    finally:
        bar.done()
    del st.session_state[REPORT_KEY]
    if done.committed:
        st.success(
            t(
                "import.done",
                inserted=format_count(done.to_insert),
                updated=format_count(done.to_update),
                excluded=format_count(len(done.rejected_rows)),
            ),
            icon=":material/check_circle:",
        )
    else:
        report_view(done)

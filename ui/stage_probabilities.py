"""The Settings page's stage probabilities: each open stage's default win probability, typed
in percent and saved through ``cs_data.renewals.probabilities`` (admins).

The form remembers the probabilities it was opened with; a save based on values another admin
changed meanwhile is refused with who changed which stages, keeps what was typed, and takes
the stored values as its new base, so saving again applies the typed values on top of them.
"""

from __future__ import annotations

import streamlit as st

from cs_data import domain
from cs_data.auth import Actor
from cs_data.db import get_engine
from cs_data.renewals import probabilities
from ui.errors import show_field_errors
from ui.forms import form_error, submit
from ui.i18n import format_list, format_percent, label, t
from ui.text import literal

FORM = "stage_probabilities"
SEEN = "stage_prob_seen"
"""The probabilities the form's values are based on (what a save compares against)."""
CONFLICT = "stage_prob_conflict"
"""Who changed which stages since the form's values were read, after a refused save."""


def _key(stage: str) -> str:
    return f"stage_prob_{stage}"


def _save(actor: Actor) -> str:
    st.session_state.pop(CONFLICT, None)
    seen = st.session_state[SEEN]
    typed = {}
    for stage in probabilities.CONFIGURABLE:
        shown = st.session_state.get(_key(stage))
        typed[stage] = shown / 100 if isinstance(shown, int | float) else shown
    changes = {stage: value for stage, value in typed.items() if value != seen[stage]}
    try:
        after = probabilities.set_stage_probabilities(get_engine(), actor, changes, seen=seen)
    except probabilities.StageProbabilitiesChanged as conflict:
        st.session_state[SEEN] = probabilities.get_stage_probabilities(get_engine())
        st.session_state[CONFLICT] = t(
            "settings.stages_conflict",
            who=literal(conflict.by or t("fmt.none")),
            stages=format_list(literal(label("stage", stage)) for stage in conflict.stages),
        )
        raise
    st.session_state[SEEN] = after
    return t("settings.stages_saved")


def section(actor: Actor) -> None:
    """The section: one percentage per open stage (closed stages are fixed), saved at once."""
    st.subheader(t("settings.stages_title"), anchor=False)
    st.caption(t("settings.stages_help"))
    stored = probabilities.get_stage_probabilities(get_engine())
    if SEEN not in st.session_state:
        st.session_state[SEEN] = stored
        for stage in probabilities.CONFIGURABLE:
            st.session_state[_key(stage)] = round(stored[stage] * 100, 1)
    error = form_error(FORM)
    seen = st.session_state[SEEN]
    if conflict := st.session_state.get(CONFLICT):
        st.warning(conflict, icon=":material/sync_problem:")
    with st.form("stage_probabilities_form"):
        columns = st.columns(len(probabilities.CONFIGURABLE))
        for column, stage in zip(columns, probabilities.CONFIGURABLE, strict=True):
            with column:
                st.number_input(
                    label("stage", stage),
                    min_value=None,
                    step=5.0,
                    key=_key(stage),
                    help=t(
                        "settings.stage_help",
                        default=format_percent(domain.DEFAULT_STAGE_PROBABILITIES[stage], digits=0),
                        saved=format_percent(seen[stage], digits=0),
                    ),
                )
                show_field_errors(error, stage)
        fixed = [
            t(
                "settings.stage_fixed",
                stage=literal(label("stage", stage)),
                value=format_percent(value, digits=0),
            )
            for stage, value in probabilities.FIXED.items()
        ]
        st.caption(format_list(fixed))
        st.form_submit_button(
            t("settings.stages_save"),
            type="primary",
            on_click=submit,
            args=(FORM, lambda: _save(actor)),
        )

"""One renderer for every error cs_data raises for the user, through the translation helper."""

from __future__ import annotations

import logging

import streamlit as st

from cs_data.errors import (
    DatabaseBusy,
    DatabaseUnavailable,
    InvalidInput,
    NotFound,
    PermissionDenied,
    StaleEdit,
)
from ui.i18n import has_key, t
from ui.text import literal, literal_params

log = logging.getLogger(__name__)


def show_error(error: BaseException) -> None:
    """Show ``error`` as a short message; anything unexpected goes to the log, not the screen."""
    if isinstance(error, InvalidInput):
        st.error(t("error.invalid_input"))
        for field_error in error.errors:
            st.text(t("error.field", field=field_error.field, message=field_error.message))
    elif isinstance(error, NotFound):
        st.warning(t("error.not_found"))
    elif isinstance(error, PermissionDenied):
        st.error(t("error.permission_denied"))
    elif isinstance(error, StaleEdit):
        st.warning(t("error.stale_edit"))
    elif isinstance(error, DatabaseBusy):
        st.warning(t("error.database_busy"), icon=":material/hourglass_top:")
    elif isinstance(error, DatabaseUnavailable):
        st.error(t("error.database_unavailable"), icon=":material/cloud_off:")
    else:
        log.error("unexpected error", exc_info=error)
        st.error(t("error.unexpected"))


def field_messages(error: InvalidInput | None, field: str) -> list[str]:
    """The translated messages of ``error`` for one field (``error.code.<code>``, else the
    message cs_data wrote)."""
    if error is None:
        return []
    return [
        t(f"error.code.{e.code}", **literal_params(e.params))
        if has_key(f"error.code.{e.code}")
        else literal(e.message)
        for e in error.errors
        if e.field == field
    ]


def show_field_errors(error: InvalidInput | None, field: str) -> None:
    """The errors of one field, right where it is drawn (call just after its widget)."""
    for message in field_messages(error, field):
        st.error(message, icon=":material/error:")

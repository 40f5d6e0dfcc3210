"""Form submits that call one cs_data command: errors kept for the fields, notices after.

A form's submit button calls ``submit`` as its ``on_click``: the command runs before the
page is drawn again, so the page can show each field's error right under the field
(``form_error`` + ``ui.errors.show_field_errors``) while the form keeps what was typed.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from cs_data.errors import CockpitError, FieldError, InvalidInput
from ui.errors import show_error

_ERRORS = "_form_errors"
_NOTICE = "_form_notice"


def submit(
    form: str,
    command: Callable[[], str],
    *,
    repeat: tuple[str, str] | None = None,
    clear: tuple[str, ...] = (),
) -> None:
    """Run ``command`` (which returns a success notice); keep its error for ``form``.

    ``repeat`` names two fields that must be equal (a password typed twice); on success the
    ``clear`` fields are emptied (passwords are not kept on screen).
    """
    errors = st.session_state.setdefault(_ERRORS, {})
    errors.pop(form, None)
    if repeat and st.session_state.get(repeat[0], "") != st.session_state.get(repeat[1], ""):
        errors[form] = InvalidInput(
            [FieldError(repeat[1], "passwords_differ", "the passwords differ")]
        )
        return
    try:
        st.session_state[_NOTICE] = command()
    except CockpitError as error:
        errors[form] = error
        return
    for key in clear:
        st.session_state[key] = ""


def form_error(form: str) -> InvalidInput | None:
    """The field errors of the last submit of ``form``; any other error is shown here."""
    error = st.session_state.get(_ERRORS, {}).get(form)
    if error is not None and not isinstance(error, InvalidInput):
        show_error(error)
        return None
    return error


def show_notice(*, toast: bool = False) -> None:
    """The success notice of the last submit, once: in the page, or as a toast (which moves
    no element of the page, so widgets below keep their place and their state)."""
    if notice := st.session_state.pop(_NOTICE, None):
        if toast:
            st.toast(notice, icon=":material/check_circle:")
        else:
            st.success(notice, icon=":material/check_circle:")

"""Form submits that call one cs_data command: errors kept for the fields, notices after.

A form's submit button calls ``submit`` as its ``on_click``: the command runs before the
page is drawn again, so the page can show each field's error right under the field
(``form_error`` + ``ui.errors.show_field_errors``) while the form keeps what was typed.
A database that is busy past the bounded wait, or unreachable, is such an error too: nothing
is saved and the form keeps what was typed. Callbacks also run before the login gate, so
``submit`` first checks the user again (``shell.callback_actor``): a user deactivated, or no
longer allowed the page, since the page was drawn gets nothing done; commands take the actor
from ``shell.current_actor()``, which that check has just refreshed.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from cs_data.db import database_problem
from cs_data.errors import CockpitError, FieldError, InvalidInput
from ui import shell
from ui.errors import show_error
from ui.i18n import format_count, t

_ERRORS = "_form_errors"
_NOTICE = "_form_notice"


def submit(
    form: str,
    command: Callable[[], str],
    action: str | None = None,
    *,
    repeat: tuple[str, str] | None = None,
    clear: tuple[str, ...] = (),
) -> None:
    """Run ``command`` (which returns a success notice); keep its error for ``form``.

    ``action`` is the permission the command needs (checked with the page's before it runs);
    ``repeat`` names two fields that must be equal (a password typed twice); on success the
    ``clear`` fields are emptied (passwords are not kept on screen).
    """
    errors = st.session_state.setdefault(_ERRORS, {})
    errors.pop(form, None)
    try:
        if shell.callback_actor(action) is None:
            return
        if repeat and st.session_state.get(repeat[0], "") != st.session_state.get(repeat[1], ""):
            errors[form] = InvalidInput(
                [FieldError(repeat[1], "passwords_differ", "the passwords differ")]
            )
            return
        st.session_state[_NOTICE] = command()
    except CockpitError as error:
        errors[form] = error
        return
    except Exception as error:
        if (problem := database_problem(error)) is None:
            raise
        errors[form] = problem
        return
    for key in clear:
        st.session_state[key] = ""


def kept_error(form: str) -> CockpitError | None:
    """The error of the last submit of ``form``, whatever its kind (not shown here)."""
    return st.session_state.get(_ERRORS, {}).get(form)


def form_error(form: str) -> InvalidInput | None:
    """The field errors of the last submit of ``form``; any other error is shown here."""
    error = st.session_state.get(_ERRORS, {}).get(form)
    if error is not None and not isinstance(error, InvalidInput):
        show_error(error)
        return None
    return error


def length_limit(limit: int) -> str:
    """The help text of a field with a length limit. The limit is checked on save, not by the
    field's ``max_chars``: Streamlit drops a longer paste as a whole and leaves the field empty."""
    return t("form.length_limit", max=format_count(limit))


class Caution(str):
    """A notice of a save that went through but needs the user's attention (a warning)."""


def clear_error(form: str) -> None:
    """Forget the last error of ``form`` (when the page shows it its own way)."""
    st.session_state.get(_ERRORS, {}).pop(form, None)


def show_notice(*, toast: bool = False) -> None:
    """The notice of the last submit, once: a success, or a warning for a ``Caution``; in the
    page, or as a toast (which moves no element of the page, so widgets below keep their
    place and their state)."""
    notice = st.session_state.pop(_NOTICE, None)
    if isinstance(notice, Caution):
        st.warning(notice, icon=":material/warning:")
    elif notice and toast:
        st.toast(notice, icon=":material/check_circle:")
    elif notice:
        st.success(notice, icon=":material/check_circle:")

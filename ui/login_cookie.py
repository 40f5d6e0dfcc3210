"""The login cookie without a second script run on every page load.

streamlit-authenticator creates extra_streamlit_components' ``CookieManager`` in every run,
and that mounts a hidden component which, once drawn, sends all the browser's cookies back
to the server: a second full run of the page on every load (seen in the websocket frames).
The library reads the login cookie from the request (``st.context.cookies``), never from that
value. ``RequestCookieManager`` takes the request's cookies instead and mounts the component
only to write the cookie (after a form login) or to delete it (logout, a refused cookie),
where the library needs it and the run it starts is wanted.
"""

from __future__ import annotations

from types import SimpleNamespace

import extra_streamlit_components as stx
import streamlit as st
from extra_streamlit_components.CookieManager import _component_func as cookie_component
from streamlit_authenticator.models import cookie_model


class RequestCookieManager(stx.CookieManager):
    """The cookies the browser sent with this session's request; set and delete as before."""

    def __init__(self, key: str = "init") -> None:
        self.cookie_manager = cookie_component
        self.cookies = dict(st.context.cookies)

    def delete(self, cookie: str, key: str = "delete") -> None:
        """Delete ``cookie`` in the browser (also when this session's request did not carry
        it: it was set after the page loaded)."""
        if cookie:
            self.cookie_manager(method="delete", cookie=cookie, key=key, default=False)
            self.cookies.pop(cookie, None)


def use_request_cookies() -> None:
    """Make streamlit-authenticator use ``RequestCookieManager`` (call before
    ``Authenticate``; doing it again changes nothing)."""
    cookie_model.stx = SimpleNamespace(CookieManager=RequestCookieManager)

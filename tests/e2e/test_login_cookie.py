"""A login cookie the app cannot decode means "not logged in": the login form, never an error.

The cookie is written by page scripts (streamlit-authenticator sets it from JavaScript), so a
browser may send anything under its name: another algorithm, a header the decoder refuses, or
no token at all. Each case opens the app with such a cookie and expects the login form, then
a normal login that replaces the cookie.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import jwt
import pytest
from playwright.sync_api import Page, expect

from cs_data.config import DEFAULT_COOKIE_NAME
from tests.e2e.conftest import COOKIE_KEY

pytestmark = pytest.mark.e2e


def _part(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _signed(header: dict, payload: dict) -> str:
    """A JWT signed with HS256 and the app's key, whatever its header says."""
    head = f"{_part(header)}.{_part(payload)}"
    digest = hmac.new(COOKIE_KEY.encode(), head.encode(), hashlib.sha256).digest()
    return f"{head}.{base64.urlsafe_b64encode(digest).rstrip(b'=').decode()}"


PAYLOAD = {"username": "admin", "exp_date": time.time() + 86_400}
MALFORMED = {
    "alg_none": f"{_part({'alg': 'none', 'typ': 'JWT'})}.{_part(PAYLOAD)}.",
    "hs512": jwt.encode(PAYLOAD, COOKIE_KEY * 2, algorithm="HS512"),
    "kid_not_a_string": _signed({"alg": "HS256", "typ": "JWT", "kid": 7}, PAYLOAD),
    "garbage": "not-a-token",  # the library itself already ignored this one
}


@pytest.mark.parametrize("token", sorted(MALFORMED))
def test_a_malformed_cookie_shows_the_login_form(
    app_server, page: Page, page_errors, idle, login, token
):
    page.context.add_cookies(
        [{"name": DEFAULT_COOKIE_NAME, "value": MALFORMED[token], "url": app_server}]
    )

    page.goto(app_server)
    idle(page)

    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page.get_by_text("This app has encountered an error")).to_have_count(0)
    login(page, "viewer")
    expect(page.get_by_test_id("stTopNavSection").first).to_be_visible()
    assert page_errors == []

"""Pages opened by their own URL (``/boards``, a shared link, a reload) connect to the server
at once.

Streamlit's page does not know where its server's endpoints are: on a path other than ``/``
it first asks ``/boards/_stcore/health``, gets a 404, waits 100 ms and only then asks
``/_stcore/health`` (``window.__streamlit.BACKEND_BASE_URL`` unset). ``PageLinks``, an ASGI
middleware of ``server.py``, adds to the HTML of a page path a script that names the
server's base, the path without the page's name, before Streamlit's own script reads it. A
path that does not end in a page name (``/``, a proxy's prefix) is left to Streamlit.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from ui.navigation import PAGES

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Message, Receive, Send], Awaitable[None]]

PAGE_NAMES = tuple(page.name for page in PAGES)
"""The last part of a page's path."""
BASE_SCRIPT = (
    "<script>(() => {"
    "const parts = location.pathname.replace(/\\/+$/, '').split('/');"
    "if (!PAGE_NAMES.includes(parts.at(-1))) return;"
    "parts.pop();"
    "window.__streamlit = {...window.__streamlit, "
    "BACKEND_BASE_URL: location.origin + parts.join('/') + '/'};"
    "})();</script>"
).replace("PAGE_NAMES", json.dumps(PAGE_NAMES))
"""Where the server is, for a page's path: the path without its last part, the page name."""
_DROPPED = {b"accept-encoding"}
"""Request headers not passed on: the HTML must come back plain to be added to."""
_STALE = {b"content-length", b"etag", b"last-modified"}
"""Response headers of the file as stored, not of the page as sent."""


def is_page_path(path: str) -> bool:
    """Whether ``path`` ends in one of the app's page names (``/boards``, ``/x/boards/``)."""
    return path.rstrip("/").rsplit("/", 1)[-1] in PAGE_NAMES


class PageLinks:
    """ASGI middleware: ``BASE_SCRIPT`` at the start of the ``<head>`` of pages' HTML."""

    def __init__(self, app: App) -> None:
        self.app = app

    async def __call__(self, scope: Message, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or not is_page_path(scope["path"]):
            await self.app(scope, receive, send)
            return
        headers = [(name, value) for name, value in scope["headers"] if name not in _DROPPED]
        start: Message | None = None
        body = bytearray()

        async def add_script(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            body.extend(message.get("body", b""))
            if message.get("more_body"):
                return
            await send(_with_script(start, bytes(body)))
            await send({"type": "http.response.body", "body": _page(start, bytes(body))})

        await self.app({**scope, "headers": headers}, receive, add_script)


def _is_html(start: Message) -> bool:
    found = dict(start["headers"])
    return (
        start["status"] == 200
        and found.get(b"content-type", b"").startswith(b"text/html")
        and b"content-encoding" not in found
    )


def _page(start: Message, body: bytes) -> bytes:
    if not _is_html(start) or b"<head>" not in body:
        return body
    return body.replace(b"<head>", b"<head>" + BASE_SCRIPT.encode(), 1)


def _with_script(start: Message, body: bytes) -> Message:
    """``start`` with the headers of the page as sent."""
    if not _is_html(start):
        return start
    headers = [(name, value) for name, value in start["headers"] if name not in _STALE]
    headers.append((b"content-length", str(len(_page(start, body))).encode()))
    return {**start, "headers": headers}

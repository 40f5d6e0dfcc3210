"""``ui.page_links``: the script that tells a page opened by its own URL where the server is."""

from __future__ import annotations

import asyncio
import gzip
import json
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest

from ui.page_links import BASE_SCRIPT, PageLinks, is_page_path

INDEX = b"<!doctype html><html><head><title>x</title></head><body></body></html>"


def stored_file(scope, receive, send):
    """Stands in for Streamlit's static files: the page's HTML, gzipped when asked for."""

    async def app():
        asked = dict(scope["headers"])
        body = INDEX
        headers = [(b"content-type", b"text/html; charset=utf-8"), (b"etag", b'"abc"')]
        if b"gzip" in asked.get(b"accept-encoding", b""):
            body = gzip.compress(body)
            headers.append((b"content-encoding", b"gzip"))
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        half = len(body) // 2
        await send({"type": "http.response.body", "body": body[:half], "more_body": True})
        await send({"type": "http.response.body", "body": body[half:]})

    return app()


def get(path: str) -> tuple[dict[bytes, bytes], bytes]:
    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request"}

    scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "headers": [(b"accept-encoding", b"gzip, br")],
    }
    call = PageLinks(stored_file)(scope, receive, send)
    with ThreadPoolExecutor(1) as thread:  # a loop of its own, whatever ran in this thread before
        thread.submit(asyncio.run, call).result()
    headers = dict(sent[0]["headers"])
    return headers, b"".join(message.get("body", b"") for message in sent[1:])


@pytest.mark.parametrize("path", ["/boards", "/boards/", "/cockpit/accounts"])
def test_a_page_path_gets_the_script_first_in_its_head(path):
    headers, body = get(path)
    assert body == INDEX.replace(b"<head>", b"<head>" + BASE_SCRIPT.encode())
    assert int(headers[b"content-length"]) == len(body)
    assert b"content-encoding" not in headers and b"etag" not in headers


@pytest.mark.parametrize("path", ["/", "/cockpit", "/static/js/index.js", "/boardsx"])
def test_other_paths_pass_unchanged(path):
    headers, body = get(path)
    assert gzip.decompress(body) == INDEX
    assert headers[b"etag"] == b'"abc"'
    assert not is_page_path(path)


@pytest.mark.skipif(not shutil.which("node"), reason="runs the script in Node.js")
@pytest.mark.parametrize(
    ("url", "base"),
    [
        ("http://h:8501/boards", "http://h:8501/"),
        ("http://h:8501/cockpit/boards/", "http://h:8501/cockpit/"),
        ("http://h:8501/cockpit", None),
    ],
)
def test_the_script_names_the_path_without_the_page(url, base):
    script = BASE_SCRIPT.removeprefix("<script>").removesuffix("</script>")
    program = (
        f"globalThis.window = {{__streamlit: {{LIGHT_THEME: 1}}}};"
        f"globalThis.location = new URL({url!r});"
        f"{script};"
        "console.log(JSON.stringify(window.__streamlit));"
    )
    found = subprocess.run(["node", "-e", program], capture_output=True, text=True, check=True)
    expected = {"LIGHT_THEME": 1} | ({"BACKEND_BASE_URL": base} if base else {})
    assert json.loads(found.stdout) == expected

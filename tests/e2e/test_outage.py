"""A database outage in a real browser: "retrying" instead of an error page, then back by itself.

The app runs against PostgreSQL through a small TCP relay the test controls: closing the relay
is the database going away (every connection dropped and refused), opening it again is the
database coming back. The open page must recover without a reload or a restart.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from cs_data import schema, users
from cs_data.auth import operator
from cs_data.db import create_engine_for
from tests.databases import fresh_database_url
from tests.e2e.conftest import streamlit_server

pytestmark = pytest.mark.e2e

PASSWORD = "Outage-pass-123"
POSTGRES_PORT = 5432
RETRYING = "Database unavailable — retrying."


class Relay:
    """Forwards a local port to PostgreSQL while open; closing it drops every connection."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.listener: socket.socket | None = None
        self.connections: list[socket.socket] = []

    def open(self) -> None:
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", self.port))
        self.listener.listen()
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def close(self) -> None:
        with contextlib.suppress(OSError):  # wakes the thread blocked in accept()
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()
        for connection in self.connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
            connection.close()
        self.connections.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", POSTGRES_PORT))
            self.connections += [client, server]
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        for side in (source, target):
            with contextlib.suppress(OSError):
                side.shutdown(socket.SHUT_RDWR)


@pytest.fixture
def relayed_app(tmp_path) -> Iterator[tuple[str, Relay]]:
    """The app on a fresh PostgreSQL schema with one admin, reached through a relay."""
    with fresh_database_url("postgresql", tmp_path) as direct_url:
        engine = create_engine_for(direct_url)
        schema.upgrade(engine)
        users.create_user(
            engine, operator(), username="ann", display_name="Ann", role="admin", password=PASSWORD
        )
        engine.dispose()
        relay = Relay()
        relay.open()
        relayed_url = direct_url.replace(f":{POSTGRES_PORT}/", f":{relay.port}/")
        try:
            with streamlit_server(relayed_url, tmp_path / "streamlit.log") as url:
                yield url, relay
        finally:
            relay.close()


def test_an_open_page_says_retrying_and_comes_back_by_itself(
    relayed_app, page: Page, page_errors, idle, login
):
    url, relay = relayed_app
    page.goto(url)
    idle(page)
    login(page, "ann", PASSWORD)
    expect(page.locator("h1", has_text="Overview")).to_be_visible()

    relay.close()
    page.reload()

    expect(page.get_by_text(RETRYING)).to_be_visible()
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page.get_by_text("This app has encountered an error")).to_have_count(0)

    relay.open()

    expect(page.locator("h1", has_text="Overview")).to_be_visible(timeout=30_000)
    expect(page.get_by_text(RETRYING)).to_have_count(0)
    assert page_errors == []

"""The currency of amounts: stored once, set by admins only, validated against ISO 4217,
audited; ``cs-data settings currency [CODE]`` (SQLite and, when it answers, PostgreSQL)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from cs_data import app_settings
from cs_data.auth import Actor, operator
from cs_data.cli import EXIT_OK, EXIT_REJECTED, main
from cs_data.db import transaction
from cs_data.errors import InvalidInput, PermissionDenied
from cs_data.models import AppSetting, AuditEntry
from tests.factories import make_user


def test_the_currency_is_usd_until_an_admin_sets_one(engine):
    assert app_settings.get_currency(engine) == "USD"


def test_an_admin_sets_the_currency_once_for_everyone_and_it_is_audited(engine):
    assert app_settings.set_currency(engine, operator(), " krw ") == "KRW"
    assert app_settings.set_currency(engine, operator(), "EUR") == "EUR"

    assert app_settings.get_currency(engine) == "EUR"
    with engine.connect() as connection:
        stored = connection.execute(select(AppSetting.key, AppSetting.value)).all()
        entries = connection.execute(
            select(AuditEntry.before, AuditEntry.after)
            .where(AuditEntry.action == "set_currency")
            .order_by(AuditEntry.id)
        ).all()
    assert stored == [("currency", "EUR")]
    assert [(e.before, e.after) for e in entries] == [
        ({"currency": "USD"}, {"currency": "KRW"}),
        ({"currency": "KRW"}, {"currency": "EUR"}),
    ]


@pytest.mark.parametrize("code", ["XYZ", "dollar", "", None, 840, "US"])
def test_a_code_that_is_no_iso_4217_currency_is_refused_and_nothing_is_written(engine, code):
    with pytest.raises(InvalidInput) as refused:
        app_settings.set_currency(engine, operator(), code)

    assert [(e.field, e.code) for e in refused.value.errors] == [("currency", "unknown_currency")]
    with engine.connect() as connection:
        assert connection.execute(select(AppSetting)).all() == []
        assert connection.execute(select(AuditEntry)).all() == []


def test_only_admins_may_change_the_currency(engine):
    with transaction(engine) as session:
        manager = make_user(session, role="manager")
    as_manager = Actor(name=manager.username, user_id=manager.id, role="manager")

    with pytest.raises(PermissionDenied):
        app_settings.set_currency(engine, as_manager, "KRW")
    assert app_settings.get_currency(engine) == "USD"


def run(db_url: str, *args: str) -> int:
    return main(["--database-url", db_url, "settings", "currency", *args])


def test_cli_shows_and_sets_the_currency(engine, db_url, capsys):
    assert run(db_url) == EXIT_OK
    assert capsys.readouterr().out == "currency of amounts: USD\n"

    assert run(db_url, "krw") == EXIT_OK
    assert capsys.readouterr().out == "currency of amounts: KRW\n"
    assert run(db_url, "--json") == EXIT_OK
    assert json.loads(capsys.readouterr().out) == {"currency": "KRW"}
    with engine.connect() as connection:
        actor = connection.execute(
            select(AuditEntry.actor_name).where(AuditEntry.action == "set_currency")
        ).scalar_one()
    assert actor.startswith("operator:")


def test_cli_refuses_an_unknown_code_naming_the_field(engine, db_url, capsys):
    assert run(db_url, "ZZZ") == EXIT_REJECTED
    err = capsys.readouterr().err
    assert err.startswith("error: currency: 'ZZZ' is not an ISO 4217 currency code")
    assert app_settings.get_currency(engine) == "USD"

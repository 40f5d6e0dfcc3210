"""Settings edited in the app and stored once in the database (``app_settings``): the currency
of amounts. (The health weights live in the same table, under their own key.)

Amounts are stored in hundredths of the configured currency, whatever it is (KRW too, which
has no minor unit: its amounts are still stored ×100 and shown without decimals). Changing
the currency relabels every stored amount; it converts nothing.
"""

from __future__ import annotations

from typing import Any

from babel.numbers import list_currencies
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from cs_data import audit
from cs_data.auth import Actor, ensure
from cs_data.db import transaction
from cs_data.errors import FieldError, InvalidInput
from cs_data.kpi.sql import Bind, connect
from cs_data.models import AppSetting

CURRENCY_KEY = "currency"
"""The ``app_settings`` key holding the currency of amounts."""
DEFAULT_CURRENCY = "USD"
"""The currency until an admin sets one."""


def get_currency(bind: Bind) -> str:
    """The configured currency of amounts (ISO 4217 code; ``USD`` until set)."""
    with connect(bind) as connection:
        stored = connection.execute(
            select(AppSetting.value).where(AppSetting.key == CURRENCY_KEY)
        ).scalar_one_or_none()
    return stored if isinstance(stored, str) and is_known_currency(stored) else DEFAULT_CURRENCY


def is_known_currency(code: str) -> bool:
    """True for an ISO 4217 code that CLDR (Babel) knows: ``USD``, ``KRW``, ``EUR`` …"""
    return code in list_currencies()


def validate_currency(code: object) -> str:
    """``code`` as a known ISO 4217 code (spaces trimmed, upper-cased); ``InvalidInput``
    otherwise."""
    text = code.strip().upper() if isinstance(code, str) else ""
    if not is_known_currency(text):
        raise InvalidInput(
            [
                FieldError(
                    "currency",
                    "unknown_currency",
                    f"{code!r} is not an ISO 4217 currency code (e.g. USD, KRW, EUR)",
                    {"code": code},
                )
            ]
        )
    return text


def put(session: Session, actor: Actor, key: str, value: Any, setting: AppSetting | None) -> None:
    """Store ``value`` under ``key`` as changed by ``actor``; ``setting`` is the row as read
    (locked) by the command, None when the key was never set."""
    if setting is None:
        session.add(AppSetting(key=key, value=value, updated_by=actor.name))
    else:
        setting.value = value
        setting.updated_by = actor.name


def set_currency(engine: Engine, actor: Actor, code: object) -> str:
    """Make ``code`` the currency of amounts (admins); audited. Relabels, never converts."""
    with transaction(engine) as session:
        actor = ensure(session, actor, "settings.set_currency")
        clean = validate_currency(code)
        setting = session.get(AppSetting, CURRENCY_KEY, with_for_update=True)
        before = get_currency(session.connection())
        put(session, actor, CURRENCY_KEY, clean, setting)
        audit.record(
            session,
            actor,
            action="set_currency",
            entity_type="app_setting",
            entity_id=CURRENCY_KEY,
            before={"currency": before},
            after={"currency": clean},
        )
    return clean

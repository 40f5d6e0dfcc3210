"""The one translation helper: ``t(key, **params)`` over the English and Korean catalogs.

The language lives in ``st.session_state["language"]`` and is mirrored in the ``lang``
query parameter, so a shared link opens in the same language. Numbers, money and dates are
formatted here too, so every page shows them the same way.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from zoneinfo import ZoneInfo

import streamlit as st

from cs_data.app_settings import DEFAULT_CURRENCY
from ui import locale_format
from ui.locale_en import MESSAGES as ENGLISH
from ui.locale_ko import MESSAGES as KOREAN

CATALOGS: Mapping[str, Mapping[str, str]] = {"en": ENGLISH, "ko": KOREAN}
LANGUAGE_NAMES: Mapping[str, str] = {"en": "English", "ko": "한국어"}
"""Each language named in itself, so anyone can find their own in the switch."""
DEFAULT_LANGUAGE = "en"
LANGUAGE_KEY = "language"
QUERY_PARAM = "lang"
_SWITCH_KEY = "_language_switch"
_CHOICE_KEYS = "_translated_choice_keys"
CURRENCY_KEY = "_cockpit_currency"
"""Where this run keeps the configured currency (set by ``shell.page_setup``)."""

log = logging.getLogger(__name__)


def current_language() -> str:
    """The language of this session; before the switch has run, the ``lang`` query parameter."""
    language = st.session_state.get(LANGUAGE_KEY) or st.query_params.get(QUERY_PARAM)
    return language if language in CATALOGS else DEFAULT_LANGUAGE


def init_language() -> str:
    """Fix this session's language (from the link on first use) and keep it in the link."""
    language = current_language()
    st.session_state[LANGUAGE_KEY] = language
    if st.query_params.get(QUERY_PARAM) != language:
        st.query_params[QUERY_PARAM] = language
    return language


def choice_key(key: str) -> str:
    """``key``, remembered as the key of a choice widget whose option labels are translated
    (a selectbox, radio or multiselect with a ``format_func`` through ``t``), so that a
    language switch keeps its choice.

    Options are stable codes and ``format_func`` gives their labels, but the browser knows a
    choice only by its label: after a switch it would send back the label in the old language,
    which matches no option, and Streamlit would fall back to the default. So the switch sets
    each remembered widget to its own value again, and the browser gets the new label.
    (``segmented_control`` and ``pills`` keep their choice without this.)
    """
    st.session_state.setdefault(_CHOICE_KEYS, set()).add(key)
    return key


def _apply_switch() -> None:
    choice = st.session_state.get(_SWITCH_KEY)
    if choice in CATALOGS:
        st.session_state[LANGUAGE_KEY] = choice
        st.query_params[QUERY_PARAM] = choice
        for key in st.session_state.get(_CHOICE_KEYS, ()):
            if key in st.session_state:
                st.session_state[key] = st.session_state[key]


def language_switch() -> None:
    """The English / 한국어 switch (in whatever container is active, usually the sidebar)."""
    if _SWITCH_KEY not in st.session_state:
        st.session_state[_SWITCH_KEY] = current_language()
    st.segmented_control(
        t("shell.language"),
        options=list(CATALOGS),
        format_func=LANGUAGE_NAMES.__getitem__,
        required=True,
        key=_SWITCH_KEY,
        on_change=_apply_switch,
    )


def has_key(key: str) -> bool:
    """True when the catalogs define ``key``."""
    return key in CATALOGS[DEFAULT_LANGUAGE]


def t(key: str, **params: object) -> str:
    """The text for ``key`` in the session's language, with ``{placeholders}`` filled in."""
    template = CATALOGS[current_language()].get(key)
    if template is None:
        log.warning("missing translation key %r", key)
        return key
    return template.format(**params) if params else template


PLURAL_CATEGORY: Mapping[str, Callable[[int], str]] = {
    "en": lambda number: "one" if number == 1 else "other",
    "ko": lambda number: "other",
}
"""Each language's plural category of a whole number (CLDR: English one/other, Korean other)."""


def plural(key: str, number: int, /, **params: object) -> str:
    """``t`` for a text about ``number`` things: ``key.one`` for one thing in English
    ("1 entry"), ``key`` (the "other" form) otherwise and in Korean, which has no plural."""
    language = current_language()
    form = f"{key}.{PLURAL_CATEGORY[language](number)}"
    return t(form if form.endswith(".one") and form in CATALOGS[language] else key, **params)


def label(group: str, value: str) -> str:
    """A domain value (a stage, a phase, a segment …) as text: ``group.value``, else the value."""
    key = f"{group}.{value}"
    return t(key) if has_key(key) else value.replace("_", " ")


# --- numbers, money, dates (CLDR through Babel: ui/locale_format.py) ---------------------


def current_currency() -> str:
    """The configured currency of amounts (ISO 4217), as ``shell.page_setup`` read it for this
    run; ``USD`` before that."""
    currency = st.session_state.get(CURRENCY_KEY)
    return currency if isinstance(currency, str) and currency else DEFAULT_CURRENCY


def format_count(value: int | None, *, compact: bool = False) -> str:
    """A whole number with the language's separators (``1,234,567``; compact ``1.2M`` /
    ``123.5만``); ``—`` for None."""
    if value is None:
        return t("fmt.none")
    return locale_format.count_text(value, current_language(), compact=compact)


def format_money(cents: int | None, *, compact: bool = False) -> str:
    """An amount held in cents of the configured currency, in whole units (``$12,345``;
    compact ``$12.3K`` / ``US$1.2만`` / ``₩1.2억``)."""
    if cents is None:
        return t("fmt.none")
    return locale_format.money_text(cents, current_language(), current_currency(), compact=compact)


def format_amount(amount: float | None, *, compact: bool = False) -> str:
    """An amount already in whole currency units (charts hold units), as ``format_money``."""
    if amount is None or amount != amount:
        return t("fmt.none")
    return locale_format.amount_text(
        amount, current_language(), current_currency(), compact=compact
    )


def currency_symbol() -> str:
    """The configured currency's symbol in the session's language (``$``, ``US$``, ``₩``)."""
    return locale_format.currency_symbol(current_currency(), current_language())


def money_label_expr() -> str:
    """A Vega expression writing axis values (whole currency units) as compact amounts, as
    ``format_money(..., compact=True)`` writes them (``$1.2M`` / ``US$120만``)."""
    return locale_format.compact_label_expr(current_language(), current_currency())


def money_column_format() -> str:
    """The printf format of a table column of whole amounts (``$%,d``, ``US$%,d``, ``₩%,d``)."""
    return locale_format.money_column_format(current_currency(), current_language())


def format_percent(share: float | None, *, digits: int = 1) -> str:
    """A share 0..1 as a percentage (``87.5%``)."""
    if share is None:
        return t("fmt.none")
    return locale_format.percent_text(share, current_language(), digits=digits)


def format_number(value: float | None, *, digits: int = 1, signed: bool = False) -> str:
    """A decimal number with ``digits`` places (``+`` in front of positives when signed). A
    value that rounds to zero shows as ``0.0``, never ``-0.0`` or ``+0.0``."""
    if value is None or not math.isfinite(value):
        return t("fmt.none")
    return locale_format.number_text(value, current_language(), digits=digits, signed=signed)


def format_list(items: Iterable[str]) -> str:
    """Texts already fit to show, joined with the language's list separator (``a, b, c``)."""
    return t("list.separator").join(items)


def format_date(day: date) -> str:
    """A calendar date in the session's language (``Mar 1, 2025`` / ``2025년 3월 1일``)."""
    return locale_format.date_text(day, current_language())


def format_month(day: date) -> str:
    """The calendar month of ``day`` in the session's language (``Mar 2025`` / ``2025년 3월``)."""
    return locale_format.month_text(day, current_language())


def format_datetime(moment: datetime, zone: ZoneInfo) -> str:
    """An instant shown in ``zone``: date, then 24-hour time."""
    return locale_format.datetime_text(moment, zone, current_language())

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
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import streamlit as st

from cs_data.money import cents_to_decimal
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


# --- numbers, money, dates ----------------------------------------------------------------

_COMPACT_STEPS = ((10**9, "fmt.billions"), (10**6, "fmt.millions"), (10**3, "fmt.thousands"))


def _round(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _compact(amount: Decimal) -> str:
    if abs(amount) >= 1000:
        for step, key in _COMPACT_STEPS:
            scaled = _round(amount / step, 1)
            if abs(scaled) >= 1:
                return t(key, value=f"{scaled:,.1f}".removesuffix(".0"))
    return f"{_round(amount, 0):,.0f}"


def format_count(value: int | None, *, compact: bool = False) -> str:
    """A whole number with thousands separators (or ``12.3K`` when compact); ``—`` for None."""
    if value is None:
        return t("fmt.none")
    return _compact(Decimal(value)) if compact else f"{value:,}"


def format_money(cents: int | None, *, compact: bool = False) -> str:
    """An amount held in cents, in whole currency units (``$12,345`` or ``$12.3K``)."""
    if cents is None:
        return t("fmt.none")
    amount = cents_to_decimal(cents)
    text = _compact(amount) if compact else f"{_round(amount, 0):,.0f}"
    return t("fmt.money", value=text)


def format_percent(share: float | None, *, digits: int = 1) -> str:
    """A share 0..1 as a percentage (``87.5%``)."""
    if share is None:
        return t("fmt.none")
    return t("fmt.percent", value=f"{share * 100:.{digits}f}")


def format_number(value: float | None, *, digits: int = 1, signed: bool = False) -> str:
    """A decimal number with ``digits`` places (``+`` in front of positives when signed). A
    value that rounds to zero shows as ``0.0``, never ``-0.0`` or ``+0.0``."""
    if value is None or not math.isfinite(value):
        return t("fmt.none")
    rounded = _round(Decimal(repr(float(value))), digits)
    if rounded.is_zero():
        rounded = abs(rounded)
    sign = "+" if signed and rounded > 0 else ""
    return f"{rounded:{sign},.{digits}f}"


def format_list(items: Iterable[str]) -> str:
    """Texts already fit to show, joined with the language's list separator (``a, b, c``)."""
    return t("list.separator").join(items)


def format_date(day: date) -> str:
    """A calendar date in the session's language (``Mar 1, 2025`` / ``2025년 3월 1일``)."""
    return t("fmt.date", year=day.year, mon=t(f"fmt.month.{day.month}"), day=day.day)


def format_month(day: date) -> str:
    """The calendar month of ``day`` in the session's language (``Mar 2025`` / ``2025년 3월``)."""
    return t("fmt.month_year", mon=t(f"fmt.month.{day.month}"), year=day.year)


def format_datetime(moment: datetime, zone: ZoneInfo) -> str:
    """An instant shown in ``zone``: date, then 24-hour time."""
    local = moment.astimezone(zone)
    return t("fmt.datetime", date=format_date(local.date()), time=local.strftime("%H:%M"))

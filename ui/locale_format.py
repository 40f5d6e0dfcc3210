"""Numbers, money, percents and dates of a language, from CLDR through Babel (no Streamlit).

ui/i18n.py calls these with the session's language and the configured currency; charts use
the Vega expression built here so that their axes read like the rest of the page. CLDR, not
hand-written tables, decides the compact steps (English K/M/B, Korean 천/만/억/조), currency
symbols and their placement, and date patterns.

Korean pages show US dollars as CLDR's Korean symbol ``US$`` (``US$1.2만``): a bare ``$`` is
ambiguous to Korean readers, and CLDR keeps ``₩`` for the won (``₩1.2억``).
"""

from __future__ import annotations

import copy
import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers

from cs_data.money import cents_to_decimal

LOCALES = {"en": "en", "ko": "ko"}
"""The CLDR locale of each app language."""
COMPACT_FRACTION_DIGITS = 1
"""Compact amounts keep at most one decimal (``$12.3K``, ``₩1.2억``)."""
_FOUR_DIGITS_AND_A_DECIMAL = re.compile(r"\d{4}\.\d")
"""Korean compact steps are 10,000 apart (``0000만``): a compact number of four digits keeps
no decimal (``US$5484만``, not ``US$5483.5만``); below that, one (``US$164.3만``, ``$12.3K``)."""
COMPACT_FROM = 1000
"""Amounts below CLDR's first compact step (thousands in English and Korean) show in whole
units, never with a decimal (``$250``, not ``$250.4``)."""


@cache
def _locale(language: str) -> Locale:
    return Locale.parse(LOCALES.get(language, "en"))


def count_text(value: int, language: str, *, compact: bool = False) -> str:
    """A whole number: ``1,234,567``; compact ``1.2M`` / ``123.5만``."""
    if compact:
        text = babel_numbers.format_compact_decimal(
            value, locale=_locale(language), fraction_digits=COMPACT_FRACTION_DIGITS
        )
        if _FOUR_DIGITS_AND_A_DECIMAL.search(text):
            text = babel_numbers.format_compact_decimal(value, locale=_locale(language))
        return text
    return babel_numbers.format_decimal(value, format="#,##0", locale=_locale(language))


@cache
def _whole_currency_pattern(language: str) -> babel_numbers.NumberPattern:
    """The language's currency pattern without decimals (amounts show in whole units)."""
    pattern = copy.copy(babel_numbers.parse_pattern(_locale(language).currency_formats["standard"]))
    pattern.frac_prec = (0, 0)
    return pattern


def amount_text(amount: Decimal | float, language: str, currency: str, *, compact: bool) -> str:
    """An amount in whole units of ``currency``: ``$12,345``, ``₩12,345``; compact ``$12.3K``,
    ``US$1.2만``, ``₩1.2억``."""
    locale = _locale(language)
    if compact and abs(amount) >= COMPACT_FROM:
        text = babel_numbers.format_compact_currency(
            amount, currency, locale=locale, fraction_digits=COMPACT_FRACTION_DIGITS
        )
        if _FOUR_DIGITS_AND_A_DECIMAL.search(text):
            text = babel_numbers.format_compact_currency(amount, currency, locale=locale)
        return text
    return _whole_currency_pattern(language).apply(
        Decimal(str(amount)), locale, currency=currency, currency_digits=False
    )


def money_text(cents: int, language: str, currency: str, *, compact: bool = False) -> str:
    """An amount stored in hundredths of ``currency`` (for every currency, KRW included), in
    whole units (see ``amount_text``)."""
    return amount_text(cents_to_decimal(cents), language, currency, compact=compact)


def percent_text(share: float, language: str, *, digits: int = 1) -> str:
    """A share 0..1 as a percentage with ``digits`` decimals: ``87.5%``."""
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "") + "%"
    return babel_numbers.format_percent(share, format=pattern, locale=_locale(language))


def number_text(value: float, language: str, *, digits: int = 1, signed: bool = False) -> str:
    """A decimal number with ``digits`` places, rounded half away from zero; with ``signed``,
    ``+`` before a positive number. A value that rounds to zero shows as ``0.0``, never
    ``-0.0`` or ``+0.0``."""
    rounded = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-digits), ROUND_HALF_UP)
    if rounded.is_zero():
        rounded = abs(rounded)
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    locale = _locale(language)
    text = babel_numbers.format_decimal(rounded, format=pattern, locale=locale)
    if signed and rounded > 0:
        return babel_numbers.get_plus_sign_symbol(locale) + text
    return text


def date_text(day: date, language: str) -> str:
    """A calendar date: ``Mar 1, 2025`` / ``2025년 3월 1일`` (CLDR skeleton yMMMd)."""
    return babel_dates.format_skeleton("yMMMd", day, locale=_locale(language))


def month_text(day: date, language: str) -> str:
    """A calendar month: ``Mar 2025`` / ``2025년 3월`` (CLDR skeleton yMMM)."""
    return babel_dates.format_skeleton("yMMM", day, locale=_locale(language))


def datetime_text(moment: datetime, zone: ZoneInfo, language: str) -> str:
    """An instant in ``zone``: the date, then the 24-hour time, joined as CLDR joins them
    (``Mar 2, 2025, 08:30`` / ``2025년 3월 2일 08:30``)."""
    local = moment.astimezone(zone)
    locale = _locale(language)
    joined = babel_dates.get_datetime_format("medium", locale=locale)
    time = babel_dates.format_time(local, "HH:mm", locale=locale)
    return joined.replace("{1}", date_text(local.date(), language)).replace("{0}", time)


def is_currency(code: str) -> bool:
    """True for an ISO 4217 code that CLDR knows (``USD``, ``KRW``, ``EUR`` …)."""
    return code in babel_numbers.list_currencies()


def currency_symbol(currency: str, language: str) -> str:
    """The symbol of ``currency`` in the language: ``$`` / ``US$``, ``₩``, ``€``."""
    return babel_numbers.get_currency_symbol(currency, locale=_locale(language))


def currency_name(currency: str, language: str) -> str:
    """The name of ``currency`` in the language: ``US Dollar`` / ``미국 달러``."""
    return babel_numbers.get_currency_name(currency, locale=_locale(language))


def money_column_format(currency: str, language: str) -> str:
    """A printf format for a table column of whole amounts (``$%,d``, ``₩%,d``): the symbol
    where the language's currency pattern puts it."""
    pattern = _whole_currency_pattern(language)
    symbol = currency_symbol(currency, language).replace("%", "%%")
    prefix = pattern.prefix[0].replace("¤", symbol)
    suffix = pattern.suffix[0].replace("¤", symbol)
    return f"{prefix}%,d{suffix}"


def _js(text: str) -> str:
    """A Vega expression string literal."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _compact_steps(language: str, currency: str | None) -> list[tuple[int, str, str]]:
    """(threshold, prefix, suffix) per CLDR compact step where the divisor changes, largest
    first; the divisor is the threshold itself (the first pattern of a run has one zero)."""
    locale = _locale(language)
    formats = locale.compact_currency_formats if currency else locale.compact_decimal_formats
    symbol = currency_symbol(currency, language) if currency else ""
    steps: list[tuple[int, str, str]] = []
    for magnitude, pattern in formats["short"]["other"].items():
        if pattern.pattern.count("0") != 1:
            continue  # 00K, 000만: same divisor as the step before
        parsed = babel_numbers.parse_pattern(pattern.pattern)
        steps.append(
            (
                int(magnitude),
                parsed.prefix[0].replace("¤", symbol).replace("\xa0", " "),
                parsed.suffix[0].replace("¤", symbol).replace("\xa0", " "),
            )
        )
    return sorted(steps, reverse=True)


def compact_label_expr(language: str, currency: str | None = None) -> str:
    """A Vega expression that writes an axis value (``datum.value``) as ``amount_text`` or
    ``count_text`` do when compact: ``$1.2M`` / ``US$120만`` / ``₩1.2억`` (Vega's d3-format
    cannot write 만/억 by itself). Decimal and group marks are d3's, which are those of
    English and Korean."""
    locale = _locale(language)
    minus = babel_numbers.get_minus_sign_symbol(locale)
    size = "abs(datum.value)"
    if currency:
        base = _whole_currency_pattern(language)
        symbol = currency_symbol(currency, language)
        below = (
            f"{_js(base.prefix[0].replace('¤', symbol))} + format({size}, ',.0f')"
            f" + {_js(base.suffix[0].replace('¤', symbol))}"
        )
    else:
        below = f"format({size}, ',.0f')"
    expression = below
    for threshold, prefix, suffix in reversed(_compact_steps(language, currency)):
        step = f"{_js(prefix)} + format({size} / {threshold}, '.1~f') + {_js(suffix)}"
        expression = f"{size} >= {threshold} ? {step} : ({expression})"
    return f"(datum.value < 0 ? {_js(minus)} : '') + ({expression})"

"""Numbers, money, percents and dates from CLDR (Babel) in English and Korean, without
Streamlit: compact amounts in K/M and 만/억, the currency's own symbol, the charts' axis
expression and the tables' column format."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from ui import locale_format as lf


@pytest.mark.parametrize(
    ("cents", "language", "currency", "full", "compact"),
    [
        (123_456_789, "en", "USD", "$1,234,568", "$1.2M"),
        (123_456_789, "ko", "USD", "US$1,234,568", "US$123.5만"),
        (12_345_678_900, "ko", "KRW", "₩123,456,789", "₩1.2억"),
        (3_400_000, "ko", "USD", "US$34,000", "US$3.4만"),
        (3_400_000, "en", "KRW", "₩34,000", "₩34K"),
        (3_400_000, "en", "EUR", "€34,000", "€34K"),
        (25_040, "en", "USD", "$250", "$250"),
        (-2_000_000, "ko", "KRW", "-₩20,000", "-₩2만"),
        (0, "ko", "KRW", "₩0", "₩0"),
        (5_483_500_000, "ko", "USD", "US$54,835,000", "US$5484만"),
    ],
)
def test_amounts_in_whole_units_and_compact_as_cldr_writes_them(
    cents, language, currency, full, compact
):
    assert lf.money_text(cents, language, currency) == full
    assert lf.money_text(cents, language, currency, compact=True) == compact


def test_korean_compact_counts_use_man_and_eok_and_english_k_and_m():
    assert [lf.count_text(n, "ko", compact=True) for n in (999, 12_345, 123_456_789)] == [
        "999",
        "1.2만",
        "1.2억",
    ]
    assert [lf.count_text(n, "en", compact=True) for n in (999, 12_345, 123_456_789)] == [
        "999",
        "12.3K",
        "123.5M",
    ]
    assert lf.count_text(1_234_567, "ko") == "1,234,567"


def test_percents_numbers_and_dates_in_both_languages():
    assert lf.percent_text(0.875, "ko") == "87.5%"
    assert lf.percent_text(0.875, "en", digits=0) == "88%"
    assert lf.number_text(42.4, "en", digits=0, signed=True) == "+42"
    assert (
        lf.number_text(-1.25, "ko", digits=1) == "-1.3"
    )  # half away from zero, as every figure of the app
    assert lf.date_text(date(2025, 3, 1), "ko") == "2025년 3월 1일"
    assert lf.date_text(date(2025, 3, 1), "en") == "Mar 1, 2025"
    assert lf.month_text(date(2025, 12, 1), "ko") == "2025년 12월"
    moment = datetime(2025, 3, 1, 23, 30, tzinfo=UTC)
    assert lf.datetime_text(moment, ZoneInfo("Asia/Seoul"), "en") == "Mar 2, 2025, 08:30"


def test_a_table_column_of_amounts_carries_the_currency_symbol():
    assert lf.money_column_format("USD", "en") == "$%,d"
    assert lf.money_column_format("USD", "ko") == "US$%,d"
    assert lf.money_column_format("KRW", "ko") == "₩%,d"


def test_known_currencies_are_iso_4217_codes_that_cldr_knows():
    assert lf.is_currency("KRW") and lf.is_currency("EUR")
    assert not lf.is_currency("usd") and not lf.is_currency("XYZ")
    assert lf.currency_name("KRW", "ko") == "대한민국 원"


def test_the_axis_expression_steps_follow_cldr():
    """Vega's d3-format cannot write 만/억: the label expression divides by CLDR's steps."""
    korean = lf.compact_label_expr("ko", "KRW")
    assert "/ 100000000, '.1~f') + '억'" in korean
    assert "/ 10000, '.1~f') + '만'" in korean
    assert "'₩' + format(" in korean
    assert "'K'" not in korean
    english = lf.compact_label_expr("en", "USD")
    assert "/ 1000, '.1~f') + 'K'" in english
    assert "/ 1000000, '.1~f') + 'M'" in english
    assert "'$' + format(" in english and "만" not in english
    # the largest step is tried first, so 3억 is not written as 30000만
    assert korean.index("'억'") < korean.index("'만'")

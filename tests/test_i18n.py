"""The translation catalogs agree, and every key the UI asks for exists."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ui.locale_en import MESSAGES as ENGLISH
from ui.locale_ko import MESSAGES as KOREAN

ROOT = Path(__file__).resolve().parents[1]
UI_SOURCES = sorted([ROOT / "app.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "ui").glob("*.py")])
TRANSLATING_CALLS = {"t", "label", "plural"}
"""Functions whose first argument is a catalog key (``label``: the group before the dot)."""


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def keys_used(path: Path) -> list[tuple[str, bool]]:
    """``(key, is_prefix)`` for each ``t(...)``/``label(...)`` call with a literal first argument;
    an f-string contributes its constant start as a prefix."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and node.args):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name not in TRANSLATING_CALLS:
            continue
        first = node.args[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            found.append((f"{first.value}." if name == "label" else first.value, name == "label"))
        elif isinstance(first, ast.JoinedStr) and isinstance(first.values[0], ast.Constant):
            found.append((first.values[0].value, True))
    return found


ENGLISH_SINGULARS = {key for key in ENGLISH if key.endswith(".one")}
"""English plural forms for one thing (``plural``); Korean has no plural, so no such keys."""


def test_both_catalogs_have_the_same_keys_but_english_singulars():
    assert sorted(set(ENGLISH) - ENGLISH_SINGULARS - set(KOREAN)) == []
    assert sorted(set(KOREAN) - set(ENGLISH)) == []
    assert not {key for key in KOREAN if key.endswith(".one")}


@pytest.mark.parametrize("key", sorted(ENGLISH_SINGULARS))
def test_a_singular_has_its_plural_with_the_same_placeholders(key):
    other = key.removesuffix(".one")
    assert placeholders(ENGLISH[key]) == placeholders(ENGLISH[other])


@pytest.mark.parametrize("key", sorted(set(ENGLISH) - ENGLISH_SINGULARS))
def test_placeholders_match_and_no_text_is_empty(key):
    assert placeholders(ENGLISH[key]) == placeholders(KOREAN[key])
    assert ENGLISH[key].strip() and KOREAN[key].strip()


def test_every_key_used_in_the_app_exists():
    used = [(path, key, prefix) for path in UI_SOURCES for key, prefix in keys_used(path)]
    assert len(used) > 20, "the source scan found too few keys: is the parser still right?"
    missing = [
        f"{path.relative_to(ROOT)}: {key}"
        for path, key, prefix in used
        if not (any(k.startswith(key) for k in ENGLISH) if prefix else key in ENGLISH)
    ]
    assert missing == []


def _formats_in_a_session() -> None:
    from datetime import UTC, date, datetime
    from zoneinfo import ZoneInfo

    import streamlit as st

    from ui.i18n import (
        CURRENCY_KEY,
        format_count,
        format_date,
        format_datetime,
        format_money,
        format_month,
        format_number,
        format_percent,
        t,
    )

    st.session_state.setdefault(CURRENCY_KEY, "USD")
    for text in (
        t("overview.title"),
        format_count(1234567),
        format_count(999_950, compact=True),
        format_count(None),
        format_money(123_456_789),
        format_money(123_456_789, compact=True),
        format_money(250_00, compact=True),
        format_money(1_234_500, compact=True),
        format_money(12_345_678_900, compact=True),
        format_percent(0.875),
        format_number(-18.0, digits=0, signed=True),
        format_number(42.4, digits=0, signed=True),
        format_date(date(2025, 3, 1)),
        format_month(date(2025, 3, 1)),
        format_datetime(datetime(2025, 3, 1, 23, 30, tzinfo=UTC), ZoneInfo("Asia/Seoul")),
    ):
        st.text(text)


@pytest.mark.parametrize(
    ("language", "currency", "expected"),
    [
        (
            "en",
            "USD",
            [
                "Overview",
                "1,234,567",
                "1M",
                "—",
                "$1,234,568",
                "$1.2M",
                "$250",
                "$12.3K",
                "$123.5M",
                "87.5%",
                "-18",
                "+42",
                "Mar 1, 2025",
                "Mar 2025",
                "Mar 2, 2025, 08:30",
            ],
        ),
        (
            "ko",
            "USD",
            [
                "개요",
                "1,234,567",
                "100만",
                "—",
                "US$1,234,568",
                "US$123.5만",
                "US$250",
                "US$1.2만",
                "US$1.2억",
                "87.5%",
                "-18",
                "+42",
                "2025년 3월 1일",
                "2025년 3월",
                "2025년 3월 2일 08:30",
            ],
        ),
        (
            "ko",
            "KRW",
            [
                "개요",
                "1,234,567",
                "100만",
                "—",
                "₩1,234,568",
                "₩123.5만",
                "₩250",
                "₩1.2만",
                "₩1.2억",
                "87.5%",
                "-18",
                "+42",
                "2025년 3월 1일",
                "2025년 3월",
                "2025년 3월 2일 08:30",
            ],
        ),
        (
            "en",
            "EUR",
            [
                "Overview",
                "1,234,567",
                "1M",
                "—",
                "€1,234,568",
                "€1.2M",
                "€250",
                "€12.3K",
                "€123.5M",
                "87.5%",
                "-18",
                "+42",
                "Mar 1, 2025",
                "Mar 2025",
                "Mar 2, 2025, 08:30",
            ],
        ),
    ],
)
def test_numbers_money_and_dates_are_formatted_in_the_session_language(
    language, currency, expected
):
    """CLDR's formats (Babel): Korean compact amounts in 만/억, English in K/M; the configured
    currency's symbol where CLDR puts it; amounts in whole units (KRW too)."""
    from ui.i18n import CURRENCY_KEY

    at = AppTest.from_function(_formats_in_a_session, default_timeout=30)
    at.session_state["language"] = language
    at.session_state[CURRENCY_KEY] = currency
    at.run()

    assert not at.exception
    assert [element.value for element in at.text] == expected


def _counts_in_a_session() -> None:
    import streamlit as st

    from ui.i18n import plural

    for number in (0, 1, 2):
        st.text(plural("audit.count", number, total=number, page=1, pages=1))
        st.text(plural("count.accounts", number, count=number))


KOREAN_COUNTS = [
    text
    for n in (0, 1, 2)
    for text in (
        KOREAN["audit.count"].format(total=n, page=1, pages=1),
        KOREAN["count.accounts"].format(count=n),
    )
]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "en",
            [
                "0 entries · page 1 of 1 · newest first",
                "0 accounts",
                "1 entry · page 1 of 1 · newest first",
                "1 account",
                "2 entries · page 1 of 1 · newest first",
                "2 accounts",
            ],
        ),
        ("ko", KOREAN_COUNTS),
    ],
)
def test_one_thing_is_named_in_the_singular_where_the_language_has_one(language, expected):
    at = AppTest.from_function(_counts_in_a_session)
    at.session_state["language"] = language
    at.run()

    assert [element.value for element in at.text] == expected


@pytest.mark.parametrize("catalog", [ENGLISH, KOREAN], ids=["en", "ko"])
def test_help_texts_speak_the_users_language_not_column_names(catalog):
    """`first_response_at − created_at` means nothing to a CS manager (issue 15, item 7)."""
    named = {
        key: text
        for key, text in catalog.items()
        if key.endswith(".help") and re.search(r"\b[a-z]+_[a-z_]+\b", text)
    }
    assert named == {}


def _changes_in_a_session() -> None:
    import pandas as pd
    import streamlit as st

    from ui.accounts_view import signed_changes
    from ui.i18n import format_number

    for value in (-0.04, -0.0, 0.04, 0.05, -0.05, -3.26):
        st.text(format_number(value, signed=True))
    frame = pd.DataFrame({"change": [-0.04, 2.5, None, -1.25]})
    st.text(signed_changes(frame, "change").to_string(delimiter="|"))


def test_a_change_that_rounds_to_zero_is_0_0_never_minus_0_0():
    at = AppTest.from_function(_changes_in_a_session, default_timeout=60)
    at.run()

    assert not at.exception
    *numbers, table = [element.value for element in at.text]
    assert numbers == ["0.0", "0.0", "0.0", "+0.1", "-0.1", "-3.3"]
    cells = [line.split("|")[-1] for line in table.splitlines()[1:]]
    assert cells == ["0.0", "+2.5", "—", "-1.3"]

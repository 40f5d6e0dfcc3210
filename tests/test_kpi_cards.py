"""The KPI card helper: values and changes in each KPI's unit, in the session's language, and
cards whose arrow and colour follow the change (AppTest.from_function, no database)."""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest import drawn_cards

MINUS = "\u2212"

CASES = [
    # key, value, signed, English, Korean
    ("at_risk_arr", 2_000_000, True, "+$20K", "+US$2만"),
    ("at_risk_arr", -2_000_000, True, f"{MINUS}$20K", f"{MINUS}US$2만"),
    ("at_risk_arr", -20_000, True, f"{MINUS}$200", f"{MINUS}US$200"),
    ("at_risk_arr", 0, True, "$0", "US$0"),
    ("at_risk_arr", 40, True, "$0", "US$0"),
    ("arr_total", 5_480_000_000, False, "$54.8M", "US$5480만"),
    ("arr_total", 12_345_678_900, False, "$123.5M", "US$1.2억"),
    ("frt_median_min", 25, True, "+25 min", "+25분"),
    ("frt_median_min", -25, True, f"{MINUS}25 min", f"{MINUS}25분"),
    ("frt_median_min", 126, False, "2.1 h", "2.1시간"),
    ("frt_median_min", 4 * 24 * 60, False, "4.0 d", "4.0일"),
    ("frt_median_min", 0, True, "0 min", "0분"),
    ("sla_frt_compliance", 0.9, False, "90.0%", "90.0%"),
    ("sla_frt_compliance", -0.012, True, f"{MINUS}1.2 pp", f"{MINUS}1.2%p"),
    ("sla_frt_compliance", 0.043, True, "+4.3 pp", "+4.3%p"),
    ("sla_frt_compliance", 0.0, True, "0.0 pp", "0.0%p"),
    ("tickets_created", -76, True, f"{MINUS}76", f"{MINUS}76"),
    ("tickets_created", 1021, False, "1,021", "1,021"),
    ("nps", 39, False, "+39", "+39"),
    ("nps", -12, False, f"{MINUS}12", f"{MINUS}12"),
    ("nps", 0, True, "0", "0"),
    ("csat_avg", 0.01, True, "+0.01", "+0.01"),
    ("csat", None, False, "—", "—"),
    ("at_risk_arr", None, True, "—", "—"),
]


def _format_in_a_session() -> None:
    import streamlit as st

    from ui.kpi_cards import format_kpi

    for key, value, signed in st.session_state["cases"]:
        st.text(format_kpi(key, value, signed=signed))


@pytest.mark.parametrize("language", ["en", "ko"])
def test_values_and_changes_are_formatted_in_the_kpi_unit(language):
    at = AppTest.from_function(_format_in_a_session, default_timeout=30)
    at.session_state["language"] = language
    at.session_state["cases"] = [(key, value, signed) for key, value, signed, *_ in CASES]
    at.run()

    assert not at.exception
    expected = [english if language == "en" else korean for *_, english, korean in CASES]
    assert [element.value for element in at.text] == expected


def _cards_in_a_session() -> None:
    import pandas as pd

    from cs_data.kpi import Change
    from ui.kpi_cards import kpi_cards

    changes = {
        "tickets_created": Change(100, 120, -20),
        "backlog_open": Change(50, 40, 10),
        "frt_median_min": Change(60, 90, -30),
        "csat": Change(0.8, 0.8, 0.0),
        "grr": Change(0.9, None, None),
        "at_risk_arr": Change(1_000_000, 3_000_000, -2_000_000),
        # the data begins inside the window before: +19,997 tickets would mislead
        "backlog_open_thin": Change(20_000, 3, 19_997, comparable=False),
        "nps": Change(40.0, -100.0, 140.0, n=60, previous_n=1, comparable=False),
    }
    series = {key: pd.DataFrame({"value": [1.0, None, 3.0], "n": [None] * 3}) for key in changes}
    series["csat"] = pd.DataFrame({"value": [0.5, 0.8, 0.9, 0.7], "n": [3, 40, 25, 30]})
    kpi_cards(changes, list(changes)[:3], per_row=2)
    kpi_cards(changes, ["csat", "grr", "at_risk_arr"], series=series)
    kpi_cards({"tickets_created": changes["backlog_open_thin"]}, ["tickets_created"], per_row=1)
    kpi_cards(changes, ["nps"])


def test_cards_show_direction_and_whether_the_change_is_good():
    at = AppTest.from_function(_cards_in_a_session, default_timeout=30)
    at.run()

    assert not at.exception
    assert len(at.get("html")) == 4, "each call draws its cards as one element"
    drawn = drawn_cards(at)
    thin_tickets, thin_nps = drawn[-2:]
    cards = {card.label: card for card in drawn[:-2]}
    shown = {name: (card.value, card.delta, card.arrow, card.tone) for name, card in cards.items()}
    assert shown == {
        "Tickets created": ("100", f"{MINUS}20", "down", "gray"),  # volume: neither good nor bad
        "Open backlog": ("50", "+10", "up", "red"),  # lower is better
        "Median first response": ("60 min", f"{MINUS}30 min", "down", "green"),
        "CSAT": ("80.0%", "0.0 pp", "off", "gray"),  # no change: neutral
        "Gross retention": ("90.0%", "", "off", "gray"),  # no previous value
        "ARR at risk": ("$10K", f"{MINUS}$20K", "down", "green"),
    }
    assert "Previous window of the same length: —." in cards["Gross retention"].help
    assert not cards["Tickets created"].points, "no series, no sparkline"
    assert cards["ARR at risk"].points == 2, "undefined periods left out"
    assert cards["CSAT"].points == 3, "3 responses: too few to draw"
    assert "the trailing 12 months at each month end" in cards["Gross retention"].help
    for card in (thin_tickets, thin_nps):
        assert card.delta == "Too little data before"
        assert (card.tone, card.arrow) == ("gray", "off")
    assert "NPS responses: 60 now, 1 before." in thin_nps.help


def test_the_sparkline_keeps_the_values_of_the_trend():
    from cs_data.kpi import Change
    from ui.card_grid import SPARK_HEIGHT, spark_points
    from ui.kpi_cards import kpi_card

    trend = pd.DataFrame({"value": [0.5, 0.8, 0.9, 0.7], "n": [3, 40, 25, 30]})
    card = kpi_card("csat", Change(0.8, 0.8, 0.0), trend)
    assert list(card.trend) == [0.8, 0.9, 0.7], "3 responses: too few to draw"
    assert not card.area, "a share is a line; counts and money are areas"
    assert kpi_card("tickets_created", Change(1, 1, 0), trend).area
    (x0, y0), (x1, y1), (x2, y2) = spark_points(card.trend)
    assert (x0, x1, x2) == (0, 50, 100), "evenly from left to right"
    assert y1 < y0 < y2, "the highest value at the top, the lowest at the bottom"
    assert {y for _, y in spark_points([3.0, 3.0])} == {SPARK_HEIGHT / 2}, "flat in the middle"


@pytest.mark.parametrize(("language", "limit"), [("en", 21), ("ko", 13)])
def test_every_kpi_label_fits_on_a_card(language, limit):
    """Five cards to a row at 1440 px leave about 129 px for a label at 14 px: measured in
    Chromium, 21 Latin characters ("Median first response", 125 px) or 13 characters of
    mixed Hangul ("총 매출 유지율(GRR)", 116 px). The full definition is in the help text."""
    from cs_data import kpi
    from ui.i18n import CATALOGS

    long = {
        key: CATALOGS[language][f"kpi_text.{key}"]
        for key in kpi.KPIS
        if len(CATALOGS[language][f"kpi_text.{key}"]) > limit
    }
    assert long == {}


def test_dates_on_trend_axes_carry_the_year_when_it_matters():
    import pandas as pd

    from ui.charts import period_formats

    one_year = pd.Series(pd.to_datetime(["2026-10-01", "2026-11-30"]))
    across = pd.Series(pd.to_datetime(["2025-12-01", "2026-11-30"]))
    assert period_formats(one_year, "day")[0] == "%b %-d"
    assert period_formats(across, "week")[0] == "%b %-d, %Y", "a window crossing a new year"
    assert period_formats(one_year, "month")[0] == "%b %Y", "months always with their year"


def test_card_texts_are_escaped_and_shown_as_given():
    from ui.card_grid import Card, grid_html

    drawn = grid_html(
        [Card('<b>Label</b> "x"', "<i>1</i>", help='Help <a href="y">link</a>', delta="<s>")],
        per_row=1,
    )
    assert "<b>" not in drawn and "<i>" not in drawn and "<a " not in drawn and "<s>" not in drawn
    assert "&lt;b&gt;Label&lt;/b&gt; &quot;x&quot;" in drawn
    assert 'aria-label="Help &lt;a href=&quot;y&quot;&gt;link&lt;/a&gt;"' in drawn


def test_a_long_value_is_set_smaller_and_kept_whole_on_hover():
    from ui.card_grid import Card, grid_html

    short, long = (grid_html([Card("ARR", value)], per_row=5) for value in ("$54.8M", "US$5484만"))
    assert '<div class="cc-value" style="--cc-em: 3.6" title="$54.8M">$54.8M</div>' in short
    assert (
        '<div class="cc-value cc-long" style="--cc-em: 5.2" title="US$5484만">US$5484만</div>'
        in long
    )


def test_a_value_carries_its_width_so_a_narrow_card_sets_it_smaller():
    """The width in em the card's style divides its width by: a Hangul syllable as wide as
    the font size, any other character 0.6 of it."""
    from ui.card_grid import value_width

    assert value_width("$12,747") == pytest.approx(7 * 0.6)
    assert value_width("2027년 2월 15일") == pytest.approx(3 * 1.0 + 9 * 0.6)

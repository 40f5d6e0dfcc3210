"""What Streamlit itself needs to draw the app's common elements, with no database and no
logic: the floor under every page's time in ``bench/page_ready.py``.

``?elements=`` lists what is drawn, each adding to a bare title and metric (the hello page):
``shell`` the top navigation (the app's 4 sections, 14 pages) and the sidebar (name, badge,
language choice, "signed in as", logout button), or one of them alone: ``navigation``,
``sidebar``; ``filters`` the filter bar (reset button,
period presets, three selects, the window caption); ``table`` a 50-row table of 8 columns;
``cards`` five figure cards with a sparkline each (``ui.card_grid``); ``charts`` two line
charts; ``toolbar`` the Boards page's frame (three menus, three segmented controls, a
caption); ``component`` an empty custom component (components v2, inline) that marks itself
drawn as the board's does; ``overview`` the Overview's elements, as many of each kind: four
figure cards, ten with a sparkline each (two rows of five; both grids drawn by
``ui.card_grid`` as the app's are), six labelled progress bars and a page link in a bordered
container, a five-row static table of seven columns with a link column, and a bar chart of
30 days.
"""

import altair as alt
import pandas as pd
import streamlit as st

from ui import card_grid
from ui.card_grid import Card

ELEMENTS = set(st.query_params.get("elements", "").split(","))
SECTIONS = {"Insights": 6, "Customers": 3, "Work": 1, "Admin": 4}
PAGES: list = []
"""The navigation's pages (with ``shell``), for the page link of ``overview``."""
COMPONENT_JS = """
export default function ({ parentElement }) {
  if (parentElement.querySelector(".root")) return;
  const root = document.createElement("div");
  root.className = "root";
  root.textContent = "Empty";
  root.dataset.drawnAt = String(performance.now());
  parentElement.append(root);
}
"""


def body() -> None:
    st.title("Floor")
    st.metric("Visitors", 42)
    if "filters" in ELEMENTS:
        with st.container(border=True):
            st.button("Reset filters", icon=":material/filter_alt_off:")
            left, _ = st.columns([3, 2], vertical_alignment="bottom")
            left.segmented_control(
                "Period", ["7 days", "30 days", "90 days", "Custom"], default="30 days"
            )
            for column, name in zip(st.columns(3), ("Segment", "Region", "CSM"), strict=True):
                column.selectbox(name, ["Enterprise", "Mid-market", "SMB"], index=None)
        st.caption("1 Nov 2026 – 30 Nov 2026 · 30 days · by day")
    if "cards" in ELEMENTS:
        kpi_grid(5)
    if "charts" in ELEMENTS:
        frame = pd.DataFrame({"day": pd.date_range("2026-11-01", periods=30), "n": range(30)})
        for _ in range(2):
            chart = alt.Chart(frame).mark_line().encode(x="day:T", y="n:Q", tooltip=["day", "n"])
            st.altair_chart(chart)
    if "toolbar" in ELEMENTS:
        with st.container(horizontal=True, vertical_alignment="center"):
            with st.popover("Big board (BIG)", icon=":material/view_kanban:"):
                st.radio("Board", ["BIG", "CS"])
            st.segmented_control("View", ["Board", "Flow", "Archive"], default="Board")
            st.caption("Board admin · everyone signed in")
        with st.container(horizontal=True, vertical_alignment="center"):
            with st.popover("New card", icon=":material/add:", type="primary"):
                st.text_input("Title")
            with st.popover("Filters", icon=":material/filter_list:"):
                st.text_input("Search")
            st.segmented_control("Highlight", ["Mine", "Needs attention", "Due this week"])
            st.segmented_control("Card size", ["Titles only"])
    if "overview" in ELEMENTS:
        overview()
    if "component" in ELEMENTS:
        st.components.v2.component("floor.component", html=None, js=COMPONENT_JS)(key="board")
    if "table" in ELEMENTS:
        st.dataframe(
            pd.DataFrame(
                {f"column {c}": [f"row {r} text {c}" for r in range(50)] for c in range(8)}
            ),
            hide_index=True,
        )


def kpi_grid(count: int) -> None:
    """``count`` KPI cards with a change and a sparkline of 30 days, five to a row."""
    card_grid.show(
        [
            Card(
                f"KPI {number}",
                f"{number}.0",
                help="The definition, the previous value and the counts.",
                delta="+1.0",
                tone="green",
                arrow="up",
                trend=[(day * (number % 5 + 1)) % 17 for day in range(30)],
                area=bool(number % 2),
            )
            for number in range(count)
        ],
        per_row=5,
    )


def overview() -> None:
    """The Overview's kinds and numbers of elements, drawn with made-up values."""
    st.subheader("Customers")
    card_grid.show(
        [Card(f"Figure {n}", f"${n}.5M", help="The exact amount.") for n in range(4)],
        per_row=4,
    )
    st.subheader("Last 30 days")
    kpi_grid(10)
    st.subheader("Targets")
    with st.container(border=True):
        for number in range(6):
            st.text(f"Target {number}")
            st.progress(number / 6, text=f"KPI {number}: {number} of 6 · on track · 31 Dec 2026")
        if PAGES:
            st.page_link(PAGES[-1], label="All targets", icon=":material/flag:")
    st.subheader("Accounts at risk")
    with st.container(border=True):
        st.caption("12 accounts at risk; the largest by ARR:")
        st.table(
            {
                "Account": [f"[ACC-{r}](/accounts?account=ACC-{r})" for r in range(5)],
                "Name": [f"Account {r}" for r in range(5)],
                "ARR": [f"${100_000 * (5 - r):,}" for r in range(5)],
                "Health": [str(30 + r) for r in range(5)],
                "Why at risk": ["Red band · renewal at risk"] * 5,
                "CSM": [f"CSM {r}" for r in range(5)],
                "Renewal": [f"Jan {1 + r}, 2027" for r in range(5)],
            },
            hide_index=True,
        )
    frame = pd.DataFrame({"day": pd.date_range("2026-11-01", periods=30), "n": range(30)})
    with st.container(border=True):
        st.altair_chart(
            alt.Chart(frame, title="Tickets created")
            .mark_bar()
            .encode(x="day:T", y="n:Q", tooltip=["day", "n"]),
            width="stretch",
        )


if ELEMENTS & {"shell", "sidebar"}:
    with st.sidebar:
        st.subheader("CS Cockpit")
        st.divider()
        st.badge("Demo data", icon=":material/science:", color="orange")
        st.selectbox("Language", ["English", "한국어"])
        st.markdown("Signed in as **Admin** (admin)")
        st.button("Log out")
if ELEMENTS & {"shell", "navigation"}:
    menu = {
        section: [
            st.Page(
                body,
                title=f"{section} {n}",
                url_path=f"{section.lower()}{n}",
                default=not i and not n,
            )
            for n in range(count)
        ]
        for i, (section, count) in enumerate(SECTIONS.items())
    }
    PAGES.extend(page for section in menu.values() for page in section)
    st.navigation(menu, position="top").run()
else:
    body()

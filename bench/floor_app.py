"""What Streamlit itself needs to draw the app's common elements, with no database and no
logic: the floor under every page's time in ``bench/page_ready.py``.

``?elements=`` lists what is drawn, each adding to a bare title and metric (the hello page):
``shell`` the top navigation (the app's 4 sections, 14 pages) and the sidebar (name, badge,
language choice, "signed in as", logout button); ``filters`` the filter bar (reset button,
period presets, three selects, the window caption); ``table`` a 50-row table of 8 columns;
``cards`` five metric cards with a sparkline each; ``charts`` two line charts; ``toolbar`` the
Boards page's frame (three menus, three segmented controls, a caption); ``component`` an empty
custom component (components v2, inline) that marks itself drawn as the board's does.
"""

import altair as alt
import pandas as pd
import streamlit as st

ELEMENTS = set(st.query_params.get("elements", "").split(","))
SECTIONS = {"Insights": 6, "Customers": 3, "Work": 1, "Admin": 4}
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
        series = list(range(30))
        for column, number in zip(st.columns(5), range(5), strict=True):
            column.metric(f"KPI {number}", f"{number}.0", delta="+1.0", chart_data=series)
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
    if "component" in ELEMENTS:
        st.components.v2.component("floor.component", html=None, js=COMPONENT_JS)(key="board")
    if "table" in ELEMENTS:
        st.dataframe(
            pd.DataFrame(
                {f"column {c}": [f"row {r} text {c}" for r in range(50)] for c in range(8)}
            ),
            hide_index=True,
        )


if "shell" in ELEMENTS:
    with st.sidebar:
        st.subheader("CS Cockpit")
        st.divider()
        st.badge("Demo data", icon=":material/science:", color="orange")
        st.selectbox("Language", ["English", "한국어"])
        st.markdown("Signed in as **Admin** (admin)")
        st.button("Log out")
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
    st.navigation(menu, position="top").run()
else:
    body()

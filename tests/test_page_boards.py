"""The Boards page (AppTest on app.py): the board component's data, drops and clicks sent as
the browser sends them, card dialog by URL, move control, adding cards, roles (visitor
read-only, private boards hidden), user text shown as text, analytics."""

from __future__ import annotations

import json
from typing import Any

from streamlit.testing.v1 import AppTest

from cs_data import boards
from cs_data.auth import Actor, operator
from cs_data.db import get_engine
from cs_data.models import User
from tests.apptest import add_user, log_in, new_app
from ui.board_view import VIEW_KEY
from ui.locale_en import MESSAGES as ENGLISH
from ui.text import literal

PAGE = "pages/boards.py"


def actor(username: str) -> Actor:
    with get_engine().connect() as connection:
        row = connection.execute(User.__table__.select().where(User.username == username)).one()
    return Actor(name=username, user_id=row.id, role=row.role)


def team_board(**options) -> boards.BoardView:
    """A customer-success board of ``olga`` (CSM, board admin) with ``mina`` as member and
    ``vera`` (viewer) as visitor, holding two cards."""
    add_user("olga", "csm")
    add_user("mina", "csm")
    add_user("vera", "viewer")
    engine = get_engine()
    board = boards.create_board(engine, actor("olga"), name="Support", **options)
    boards.set_member(engine, operator(), board.id, user_id=actor("mina").user_id, role="member")
    boards.set_member(engine, operator(), board.id, user_id=actor("vera").user_id, role="visitor")
    boards.add_card(engine, operator(), board.id, title="<script>alert(1)</script>")
    boards.add_card(engine, operator(), board.id, title="Second", tags=["vip"])
    return boards.get_board(engine, operator(), board.id)


def show(username: str, **query: str) -> AppTest:
    at = log_in(new_app(), username)
    at.run()
    for name, value in query.items():
        at.query_params[name] = value
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def markdown(at: AppTest) -> list[str]:
    return [element.value for element in at.markdown]


def drawn(at: AppTest) -> dict[str, Any]:
    """The data the board component was given in the last run (what the browser draws)."""
    (board,) = at.get("bidi_component")
    return json.loads(board.proto.mixed.json or board.proto.json)


def columns(at: AppTest) -> dict[str, list[str]]:
    """Each drawn column's header (``name count shown``) with its cards' ``key · title``."""
    return {
        " ".join(filter(None, [c["name"], c["count"], c["shown"]])): [
            f"{card['key']} · {card['title']}" for card in c["cards"]
        ]
        for c in drawn(at)["columns"]
    }


def popovers(at: AppTest) -> list[str]:
    """The labels of the page's popover buttons, in order."""

    def walk(node) -> list[str]:
        labels = [node.proto.popover.label] if getattr(node, "type", "") == "popover" else []
        for child in getattr(node, "children", {}).values():
            labels += walk(child)
        return labels

    return walk(at.main)


def open_view(at: AppTest, view: str) -> AppTest:
    """Switch the board page to ``view`` (board, analytics, archive, settings) and rerun, as a
    click on the view switch does."""
    return at.segmented_control(key=VIEW_KEY).set_value(view).run()


def send(at: AppTest, event: str, value: Any) -> AppTest:
    """Run the app with one event of the board component, as the browser sends it: the
    component's trigger (a JSON list of ``{event, value}`` under the component's id). AppTest
    cannot run the component's JavaScript, so this goes through its private ``_run``."""
    (board,) = at.get("bidi_component")
    states = at._tree.get_widget_states()
    trigger = states.widgets.add()
    trigger.id = f"$$STREAMLIT_INTERNAL_KEY_{board.proto.id}__events"
    trigger.json_trigger_value = json.dumps([{"event": event, "value": value}])
    return at._run(states)


def test_a_member_sees_columns_side_by_side_with_counts_and_cards(shared_mode):
    team_board()
    at = show("mina")

    assert at.title[0].value == "Boards"
    shown = columns(at)
    assert shown["New tickets 2"] == ["CS-1 · <script>alert(1)</script>", "CS-2 · Second"]
    assert shown["Done 0"] == []
    assert drawn(at)["may_move"] is True
    second = drawn(at)["columns"][0]["cards"][1]
    assert second["tags"] == [{"name": "vip", "color": "violet"}]


def test_a_card_dropped_on_another_column_moves_with_the_same_command(shared_mode):
    view = team_board()
    at = show("mina")
    card = view.column("New tickets").cards[1]

    send(
        at,
        "move",
        {
            "card": card.id,
            "column": view.column("Open tickets").id,
            "position": 0,
            "version": card.version,
        },
    )

    assert not at.exception
    moved = boards.get_board(get_engine(), operator(), view.id)
    assert [c.key for c in moved.column("Open tickets").cards] == ["CS-2"]
    assert columns(at)["Open tickets 1"] == ["CS-2 · Second"]
    first = boards.get_card(get_engine(), operator(), "CS-2").activity[0]
    assert (first.kind, first.from_column, first.to_column) == (
        "moved",
        "New tickets",
        "Open tickets",
    )


def test_a_drop_within_a_column_reorders_it(shared_mode):
    view = team_board()
    at = show("mina")
    card = view.column("New tickets").cards[1]

    send(at, "move", {"card": card.id, "column": card.column_id, "position": 0, "version": 1})

    assert columns(at)["New tickets 2"] == ["CS-2 · Second", "CS-1 · <script>alert(1)</script>"]


def test_a_drop_refused_by_a_blocking_wip_limit_or_a_changed_card_is_explained(shared_mode):
    view = team_board()
    open_tickets = view.column("Open tickets")
    boards.set_wip_limit(get_engine(), operator(), open_tickets.id, limit=1, mode="block")
    boards.move_card(get_engine(), operator(), "CS-1", to_column_id=open_tickets.id)
    at = show("mina")
    card = boards.get_card(get_engine(), operator(), "CS-2").card

    send(at, "move", {"card": card.id, "column": open_tickets.id, "position": 0, "version": 1})
    assert any("WIP limit (1/1)" in e.value for e in at.error)
    assert columns(at)["Open tickets 1/1"] == ["CS-1 · <script>alert(1)</script>"]

    boards.edit_card(get_engine(), actor("olga"), "CS-2", seen_version=1, title="Renamed")
    send(at, "move", {"card": card.id, "column": view.columns[3].id, "position": 0, "version": 1})
    (changed,) = [w.value for w in at.warning if "Someone else changed" in w.value]
    assert literal("olga: title") in changed
    assert "CS-2 · Renamed" in columns(at)["New tickets 1"]


def test_a_click_on_a_card_opens_its_detail(shared_mode):
    team_board()
    at = show("mina")

    send(at, "open", "CS-2")

    assert any(f"**{literal('CS-2')}** · Second" in text for text in markdown(at))
    assert at.query_params["card"] == "CS-2"


def test_a_card_opens_by_url_and_moves_with_the_move_control(shared_mode):
    view = team_board()
    at = show("mina", card="CS-2")

    assert any(f"**{literal('CS-2')}** · Second" in text for text in markdown(at))
    at.selectbox(key="move_column_" + str(view.column("New tickets").cards[1].id)).set_value(
        view.column("Open tickets").id
    ).run()
    next(b for b in at.button if b.label == "Move").click().run()

    assert not at.exception
    moved = boards.get_board(get_engine(), operator(), view.id)
    assert [card.key for card in moved.column("Open tickets").cards] == ["CS-2"]
    assert columns(at)["Open tickets 1"] == ["CS-2 · Second"]


def test_the_file_uploader_says_and_checks_the_attachment_limit(shared_mode):
    team_board()
    at = show("mina", card="CS-2")
    (uploader,) = at.get("file_uploader")
    assert uploader.proto.max_upload_size_mb == boards.MAX_ATTACHMENT_BYTES // (1024 * 1024) == 5


def test_a_member_adds_a_card_from_the_board(shared_mode):
    view = team_board()
    at = show("mina")
    assert popovers(at) == [f"{literal('Support')} (CS)", "New card", "Filters"]

    at.text_input(key="new_card_title").set_value("Call the customer")
    at.selectbox(key="new_card_column").set_value(view.column("Bugs").id)
    at.button(key="FormSubmitter:card_add-Add").click().run()

    assert not at.exception
    assert f"Card {literal('CS-3')} added." in [toast.value for toast in at.toast]
    assert [
        c.title for c in boards.get_board(get_engine(), operator(), view.id).column("Bugs").cards
    ] == ["Call the customer"]


def test_a_visitor_reads_but_gets_no_controls(shared_mode):
    view = team_board()
    at = show("vera", card="CS-1")

    assert not [b for b in at.button if b.label in ("Move", "Add", "Archive card")]
    assert "You can read this card but not change it." in [c.value for c in at.caption]
    assert not [t for t in at.text_input if t.key == "new_card_title"]
    assert "New card" not in popovers(at)
    assert drawn(at)["may_move"] is False
    card = view.column("New tickets").cards[0]
    send(at, "move", {"card": card.id, "column": view.columns[1].id, "position": 0, "version": 1})
    assert "New tickets 2" in columns(at), "a visitor's drop moves nothing"


def test_a_private_board_is_invisible_to_non_members(shared_mode):
    team_board(is_private=True)
    add_user("otto", "csm")
    at = show("otto")

    assert "No boards yet. Create one with “New board”." in [i.value for i in at.info]
    assert popovers(at) == ["New board"]


def test_a_change_made_elsewhere_shows_on_the_next_run(shared_mode):
    board = team_board(is_private=True)
    at = show("mina")
    boards.add_card(get_engine(), operator(), board.id, title="From the command line")
    at.run()
    assert "CS-3 · From the command line" in columns(at)["New tickets 3"], "the board is cached"

    boards.remove_member(get_engine(), operator(), board.id, user_id=actor("mina").user_id)
    at.run()
    assert not at.get("bidi_component"), "a board cached for a member is not shown once removed"
    assert popovers(at) == ["New board"]


def test_a_link_with_another_view_shows_the_cards(shared_mode):
    team_board()
    at = show("mina", view="cards")
    assert drawn(at)["collapsed"] is False
    assert at.segmented_control(key="boards_collapsed").value is None


def test_collapsed_view_and_highlights_filter_the_cards(shared_mode):
    team_board()
    at = show("mina")
    at.segmented_control(key="boards_collapsed").set_value("titles").run()
    assert at.query_params["view"] == "titles"
    assert drawn(at)["collapsed"] is True
    assert "CS-2 · Second" in columns(at)["New tickets 2"]
    assert "tags" not in drawn(at)["columns"][0]["cards"][1], "titles only"

    assert "Filters" in popovers(at)
    at.selectbox(key="boards_tag").set_value("vip").run()
    assert columns(at)["New tickets 2 (1 shown)"] == ["CS-2 · Second"]
    assert "Filters (1)" in popovers(at), "the popover counts the filters in use"
    assert drawn(at)["columns"][0]["cards"][0]["position"] == 1, "its place in the column"


def test_the_board_menu_switches_boards_and_keeps_the_choice_in_the_url(shared_mode):
    team_board()
    second = boards.create_board(get_engine(), actor("olga"), name="Zulu *escalations*")
    boards.set_member(
        get_engine(), operator(), second.id, user_id=actor("mina").user_id, role="member"
    )
    at = show("mina")

    at.radio(key="boards_board").set_value(second.key).run()

    assert not at.exception
    assert drawn(at)["board"] == second.id
    assert at.query_params["board"] == second.key
    assert popovers(at)[0] == f"{literal('Zulu *escalations*')} ({second.key})", (
        "text, not Markdown"
    )


def test_a_long_column_is_drawn_whole_by_one_element(shared_mode):
    view = team_board()
    for number in range(60):
        boards.add_card(get_engine(), operator(), view.id, title=f"Bulk {number}")
    at = show("mina")

    assert len(columns(at)["New tickets 62"]) == 62
    assert len(at.get("bidi_component")) == 1
    assert not [b for b in at.button if b.label.startswith(literal("CS-"))]


def test_the_analytics_tab_draws_its_charts(shared_mode):
    team_board()
    at = show("olga")
    assert not at.get("vega_lite_chart"), "the charts are drawn once their tab is opened"

    open_view(at, "analytics")
    assert len(at.get("vega_lite_chart")) == 3
    assert "Settings" in at.segmented_control(key=VIEW_KEY).options


def test_the_cumulative_flow_writes_its_days_in_the_catalogs_date_formats(shared_mode):
    """The language's own day formats (``chart.axis_day``: "11/30" in Korean), not d3's
    English default ("Sep 06") whatever the language."""
    team_board()
    at = open_view(show("mina"), "analytics")

    specs = [json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart")]
    flow = next(spec for spec in specs if spec["title"]["text"] == "Cumulative flow")
    assert flow["encoding"]["x"]["axis"]["format"] == ENGLISH["chart.axis_day"]
    assert flow["encoding"]["tooltip"][0]["format"] == ENGLISH["chart.tooltip_day"]


def test_a_member_adds_a_checklist_item_ticks_it_and_comments_in_the_dialog(shared_mode):
    team_board()
    at = show("mina", card="CS-2")

    at.text_input(key="item_text").set_value("Call back")
    next(b for b in at.button if b.label == "Add item").click().run()
    item = boards.get_card(get_engine(), operator(), "CS-2").checklist[0]
    assert item.text == "Call back" and not item.is_done
    at.checkbox(key=f"item_{item.id}_0").check().run()
    assert boards.get_card(get_engine(), operator(), "CS-2").checklist[0].is_done

    at.text_area(key="comment_body").set_value("<img src=x onerror=alert(1)>")
    next(b for b in at.button if b.label == "Post comment").click().run()
    assert not at.exception
    assert "<img src=x onerror=alert(1)>" in [text.value for text in at.text]
    assert [c.body for c in boards.get_card(get_engine(), operator(), "CS-2").comments] == [
        "<img src=x onerror=alert(1)>"
    ]


def test_the_description_is_rendered_without_html_links_or_images(shared_mode):
    view = team_board()
    boards.add_card(
        get_engine(),
        operator(),
        view.id,
        title="Linked",
        description="**Bold** [click](http://evil.example) <b>raw</b>",
    )
    at = show("vera", card="CS-3")

    shown = next(text for text in markdown(at) if text.startswith("**Bold**"))
    assert "\\[click\\](`http://evil.example`)" in shown and "&lt;b&gt;raw&lt;/b&gt;" in shown


def test_a_move_refused_by_a_blocking_wip_limit_is_explained(shared_mode):
    view = team_board()
    open_tickets = view.column("Open tickets")
    boards.set_wip_limit(get_engine(), operator(), open_tickets.id, limit=1, mode="block")
    boards.move_card(get_engine(), operator(), "CS-1", to_column_id=open_tickets.id)
    at = show("mina", card="CS-2")

    card_id = boards.get_card(get_engine(), operator(), "CS-2").card.id
    at.selectbox(key=f"move_column_{card_id}").set_value(open_tickets.id).run()
    next(b for b in at.button if b.label == "Move").click().run()

    assert any("WIP limit (1/1)" in e.value for e in at.error)
    assert "Open tickets 1/1" in columns(at)
    assert drawn(at)["columns"][1]["tone"] == "at"


def test_a_board_admin_changes_settings_and_a_wip_limit(shared_mode):
    view = team_board()
    at = open_view(show("olga"), "settings")
    form = f"board_{view.id}_{view.version}"
    at.text_input(key=f"{form}_name").set_value("Support desk")
    at.button(key=f"FormSubmitter:{form}-Save").click().run()
    assert boards.get_board(get_engine(), operator(), view.id).name == "Support desk"

    at.selectbox(key="settings_column").set_value(view.column("Open tickets").id).run()
    column = view.column("Open tickets")
    form = f"column_{column.id}_{column.position}_{column.wip_limit}_{column.wip_mode}"
    at.number_input(key=f"{form}_limit").set_value(3)
    at.selectbox(key=f"{form}_mode").set_value("block")
    at.button(key=f"FormSubmitter:{form}-Save").click().run()
    changed = boards.get_board(get_engine(), operator(), view.id).column("Open tickets")
    assert (changed.wip_limit, changed.wip_mode) == (3, "block")
    assert "Open tickets 0/3" in columns(open_view(at, "board"))

    open_view(at, "settings")
    at.button(key=f"delete_column_{column.id}").click().run()
    assert "Tick the box to confirm." in [e.value for e in at.error]
    at.checkbox(key="column_delete_confirm").check().run()
    at.button(key=f"delete_column_{column.id}").click().run()
    assert "Open tickets" not in [
        c.name for c in boards.get_board(get_engine(), operator(), view.id).columns
    ]


def test_board_filters_keep_their_choice_and_speak_korean_after_a_switch(shared_mode):
    team_board()
    at = show("mina")
    at.selectbox(key="boards_priority").set_value("high").run()

    at.sidebar.segmented_control[0].set_value("ko").run()

    assert not at.exception
    priority, tag = at.selectbox(key="boards_priority"), at.selectbox(key="boards_tag")
    assert (priority.value, tag.value) == ("high", None)
    # The browser, which knows a choice only by its label, is sent the Korean labels.
    assert (priority.proto.set_value, priority.proto.raw_value) == (True, "높음")
    assert tag.proto.set_value and tag.options[0] == "전체"
    assert tag.proto.placeholder == "전체", "a choice of None never reads 'Choose an option'"


def test_only_the_open_view_is_drawn_and_the_filters_outlive_a_visit_to_another(shared_mode):
    team_board()
    at = show("olga")
    at.selectbox(key="boards_priority").set_value("high").run()
    assert not at.get("vega_lite_chart")

    open_view(at, "analytics")
    assert at.get("vega_lite_chart") and not at.get("bidi_component")
    open_view(at, "board")

    assert not at.exception
    assert at.selectbox(key="boards_priority").value == "high"

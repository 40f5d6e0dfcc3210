"""The Boards page (AppTest on app.py): board view, card dialog by URL, move control, adding
cards, roles (visitor read-only, private boards hidden), user text shown as text, analytics."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from cs_data import boards
from cs_data.auth import Actor, operator
from cs_data.db import get_engine
from cs_data.models import User
from tests.apptest import add_user, log_in, new_app
from ui import board_view
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


def test_a_member_sees_columns_side_by_side_with_counts_and_cards(shared_mode):
    team_board()
    at = show("mina")

    assert at.title[0].value == "Boards"
    texts = markdown(at)
    assert "**New tickets** 2" in texts and "**Done** 0" in texts
    labels = [button.label for button in at.button]
    assert f"{literal('CS-1')} · {literal('<script>alert(1)</script>')}" in labels
    assert f"{literal('CS-2')} · Second" in labels


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
    assert "**Open tickets** 1" in markdown(at)


def test_a_member_adds_a_card_from_the_board(shared_mode):
    view = team_board()
    at = show("mina")

    at.text_input(key="new_card_title").set_value("Call the customer")
    at.selectbox(key="new_card_column").set_value(view.column("Bugs").id)
    at.button(key="FormSubmitter:card_add-Add").click().run()

    assert not at.exception
    assert f"Card {literal('CS-3')} added." in [toast.value for toast in at.toast]
    assert [
        c.title for c in boards.get_board(get_engine(), operator(), view.id).column("Bugs").cards
    ] == ["Call the customer"]


def test_a_visitor_reads_but_gets_no_controls(shared_mode):
    team_board()
    at = show("vera", card="CS-1")

    assert not [b for b in at.button if b.label in ("Move", "Add", "Archive card")]
    assert "You can read this card but not change it." in [c.value for c in at.caption]
    assert not [t for t in at.text_input if t.key == "new_card_title"]


def test_a_private_board_is_invisible_to_non_members(shared_mode):
    team_board(is_private=True)
    add_user("otto", "csm")
    at = show("otto")

    assert "No boards yet. Create one with “New board”." in [i.value for i in at.info]


def test_collapsed_view_and_highlights_filter_the_cards(shared_mode):
    team_board()
    at = show("mina")
    at.toggle(key="boards_collapsed").set_value(True).run()
    assert f"{literal('CS-2')} · Second" in [b.label for b in at.button]
    assert not at.caption or "Overdue" not in " ".join(c.value for c in at.caption)

    at.selectbox(key="boards_tag").set_value("vip").run()
    labels = [b.label for b in at.button]
    assert f"{literal('CS-2')} · Second" in labels and not any(
        "script" in label for label in labels
    )
    assert "**New tickets** 2 (1 shown)" in markdown(at)


def test_a_long_column_draws_its_first_cards_and_the_rest_on_request(shared_mode):
    view = team_board()
    for number in range(board_view.CARDS_SHOWN[False] + 3):
        boards.add_card(get_engine(), operator(), view.id, title=f"Bulk {number}")
    at = show("mina")
    count = board_view.CARDS_SHOWN[False] + 5
    assert (
        sum(b.label.startswith(literal("CS-")) for b in at.button) == board_view.CARDS_SHOWN[False]
    )

    next(b for b in at.button if b.label == f"Show all {count} cards").click().run()
    assert sum(b.label.startswith(literal("CS-")) for b in at.button) == count


def test_the_analytics_tab_draws_its_charts(shared_mode):
    team_board()
    at = show("olga")

    assert len(at.get("vega_lite_chart")) == 3
    assert "Settings" in [tab.label for tab in at.tabs]


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
    assert "**Open tickets** :orange[1/1]" in markdown(at)


def test_a_board_admin_changes_settings_and_a_wip_limit(shared_mode):
    view = team_board()
    at = show("olga")
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
    assert "**Open tickets** 0/3" in markdown(at)

    at.button(key=f"delete_column_{column.id}").click().run()
    assert "Tick the box to confirm." in [e.value for e in at.error]
    at.checkbox(key="column_delete_confirm").check().run()
    at.button(key=f"delete_column_{column.id}").click().run()
    assert "Open tickets" not in [
        c.name for c in boards.get_board(get_engine(), operator(), view.id).columns
    ]

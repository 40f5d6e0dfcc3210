"""``cs-data boards …`` and ``cs-data cards …``: scripted board work as the operator."""

from __future__ import annotations

import json

import pytest

from cs_data import boards
from cs_data.auth import operator
from cs_data.cli import main


def run(db_url: str, *args: str) -> int:
    return main(["--database-url", db_url, *args])


def test_create_add_move_and_show_a_board(db_url, engine, capsys):
    assert run(db_url, "boards", "create", "Support", "--template", "customer_success") == 0
    assert capsys.readouterr().out.strip() == "CS"
    for title in ("First", "Second", "Third"):
        assert run(db_url, "cards", "add", "CS", "--column", "new tickets", "--title", title) == 0
    assert capsys.readouterr().out.split() == ["CS-1", "CS-2", "CS-3"]
    code = run(
        db_url,
        *("cards", "add", "CS", "--title", "Tagged", "--tag", "vip", "--priority", "high"),
        *("--due", "2026-12-24", "--status", "on_hold"),
    )
    assert code == 0 and capsys.readouterr().out.strip() == "CS-4"

    assert run(db_url, "cards", "move", "CS-3", "--to", "Open tickets") == 0
    assert capsys.readouterr().out.strip() == "CS-3 moved to Open tickets (position 1)"
    assert run(db_url, "cards", "move", "cs-1", "--to", "Open tickets", "--position", "1") == 0
    capsys.readouterr()

    assert run(db_url, "boards", "show", "CS", "--json") == 0
    shown = json.loads(capsys.readouterr().out)
    columns = {column["name"]: column for column in shown["columns"]}
    assert [column["name"] for column in shown["columns"]] == [
        "New tickets",
        "Open tickets",
        "Feature requests",
        "Bugs",
        "Done",
    ]
    assert [card["number"] for card in columns["New tickets"]["cards"]] == [2, 4]
    assert [card["key"] for card in columns["Open tickets"]["cards"]] == ["CS-1", "CS-3"]
    tagged = columns["New tickets"]["cards"][1]
    assert tagged | {"title": "Tagged"} == tagged
    assert (tagged["version"], tagged["tags"], tagged["priority"]) == (1, ["vip"], "high")
    assert (tagged["due_date"], tagged["status"]) == ("2026-12-24", "on_hold")

    assert run(db_url, "boards", "list") == 0
    assert "Support" in capsys.readouterr().out
    assert run(db_url, "boards", "list", "--json") == 0
    assert json.loads(capsys.readouterr().out)[0]["open_cards"] == 4


def test_a_blocking_wip_limit_refuses_the_move_with_exit_1(db_url, engine, capsys):
    view = boards.create_board(engine, operator(), name="Support")
    boards.add_card(engine, operator(), view.id, title="One")
    boards.add_card(engine, operator(), view.id, title="Two")
    assert run(db_url, "boards", "set-wip", "CS", "Open tickets", "1", "--mode", "block") == 0
    assert capsys.readouterr().out.strip() == "CS Open tickets: 0/1 (block)"
    assert run(db_url, "cards", "move", "CS-1", "--to", "Open tickets") == 0
    capsys.readouterr()

    assert run(db_url, "cards", "move", "CS-2", "--to", "Open tickets") == 1
    captured = capsys.readouterr()
    assert captured.err.strip() == (
        "error: to_column: column 'Open tickets' is at its WIP limit (1/1, blocking)"
    )
    assert "Traceback" not in captured.err

    assert run(db_url, "boards", "set-wip", "CS", "Open tickets", "1", "--mode", "warn") == 0
    capsys.readouterr()
    assert run(db_url, "cards", "move", "CS-2", "--to", "Open tickets") == 0
    assert "over its WIP limit" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("cards", "move", "CS-99", "--to", "Done"), "error: no card 'CS-99'"),
        (("cards", "move", "XX-1", "--to", "Done"), "error: no card 'XX-1'"),
        (("cards", "move", "CS-1", "--to", "Nowhere"), "error: no column 'Nowhere' on board"),
        (("cards", "add", "ZZ", "--title", "x"), "error: no board 'ZZ'"),
        (("cards", "add", "CS", "--title", " "), "error: title: must not be empty"),
        (("boards", "show", "Nope"), "error: no board 'Nope'"),
        (("boards", "create", "Other", "--key", "CS"), "error: key: another board uses CS"),
    ],
)
def test_unknown_cards_columns_and_bad_input_exit_1_with_one_line(
    db_url, engine, capsys, args, message
):
    view = boards.create_board(engine, operator(), name="Support")
    boards.add_card(engine, operator(), view.id, title="One")

    assert run(db_url, *args) == 1
    err = capsys.readouterr().err
    assert err.startswith(message) and err.count("\n") == 1

"""Benchmark: a card moved by drag and drop on a board of 500 cards, as the mover sees it.

    PYTHONPATH=. .venv/bin/python bench/board_move.py --db-url sqlite:///bench/out/demo-S.db

Adds the 500-card board ``BIG`` (``bench/board_500.py``'s) to the database once, starts the
app, logs in as ``admin`` and ``--moves`` times opens the board in Chromium and drags
the top card of "New tickets" onto "Open tickets" or back (the mouse, as a person drags) and
times, on the page's clock:

- **answer → drawn**: from the websocket message carrying the move's result (the first
  message after the drop that holds the board component, i.e. the rerun's new board) until
  the board is drawn from it with the card in its new column;
- **drop → drawn**: from the drop to that drawing (the whole round trip: the event to the
  server, the move command, the script run, the message, the drawing).

The dropped card moves on screen at once, before the server answers (marked as pending);
the figures are for the server's board replacing it.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from board_500 import big_board
from common import OUT, prepare_demo
from page_ready import CHROMIUM, CHROMIUM_ARGS, load, log_in, new_context, ready_since, server
from playwright.async_api import Page, async_playwright

HOST = '[data-testid="stBidiComponentIsolated"]'
DRAWN = ".root[data-drawn-at]"
MOVE_TIMEOUT_MS = 60_000
WATCH = """
(() => {
  const seen = { board: [], drop: null };
  window.__move = seen;
  const Native = window.WebSocket;
  const name = new TextEncoder().encode('cs_cockpit.board');
  const holds = (bytes) => {
    outer: for (let i = 0; i + name.length <= bytes.length; i++) {
      for (let j = 0; j < name.length; j++) if (bytes[i + j] !== name[j]) continue outer;
      return true;
    }
    return false;
  };
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (event) => {
        const at = performance.now();
        if (event.data instanceof ArrayBuffer && holds(new Uint8Array(event.data))) {
          seen.board.push(at);
        }
      });
    }
  };
  document.addEventListener('drop', () => { seen.drop = performance.now(); }, true);
})();
"""
ARRIVED = """
([card, column]) => {
  const root = document.querySelector('HOST')?.shadowRoot?.querySelector('.root');
  const seen = window.__move;
  const answer = seen.drop === null ? undefined : seen.board.find((at) => at > seen.drop);
  const placed = root?.querySelector(
    `.cards[data-column-id="${column}"] .card[data-card-id="${card}"]:not(.pending)`);
  return answer !== undefined && placed
    ? { drop: seen.drop, answer, drawn: Number(root.dataset.drawnAt) } : null;
}
""".replace("HOST", HOST)


async def drag_top_card(page: Page, source: int, target: int) -> dict[str, float]:
    """Drag the top card of the ``source``-th column onto the ``target``-th column's header;
    the times."""
    columns = page.locator(HOST).locator("section.column")
    card = columns.nth(source).locator(".card").first
    column = columns.nth(target)
    card_id = await card.get_attribute("data-card-id")
    column_id = await column.locator(".cards").get_attribute("data-column-id")
    await card.scroll_into_view_if_needed()
    start, end = await card.bounding_box(), await column.locator("header").bounding_box()
    assert start and end
    since = await page.evaluate("performance.now()")
    await page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    await page.mouse.down()
    await page.mouse.move(end["x"] + end["width"] / 2, end["y"] + 4, steps=5)
    await page.mouse.up()
    times = await (
        await page.wait_for_function(
            ARRIVED, arg=[card_id, column_id], polling="raf", timeout=MOVE_TIMEOUT_MS
        )
    ).json_value()
    await ready_since(page, since)
    return times


async def run(args) -> None:
    engine, _ = prepare_demo(args.db_url, args.scale)
    big_board(engine)
    engine.dispose()
    log = OUT / "board_move-server.log"
    answered, round_trip = [], []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        with server("app.py", args.db_url, log, []) as app:
            state = await log_in(browser, app.url)
            context = await new_context(browser, state, drawn=DRAWN)
            await context.add_init_script(WATCH)
            page = await context.new_page()
            for move in range(args.moves + 1):
                # a fresh load per move: a second mouse drag in the same document was not
                # delivered by headless Chromium once the first one's card had been redrawn
                await load(page, f"{app.url}/boards?board=BIG")
                times = await drag_top_card(page, move % 2, 1 - move % 2)
                print(f"  move {move}: {times}", flush=True)
                if move:  # the first move warms the caches and is not counted
                    answered.append(times["drawn"] - times["answer"])
                    round_trip.append(times["drawn"] - times["drop"])
        await browser.close()
    print(f"{args.moves} moves on the 500-card board, {args.db_url}")
    for name, values in (("answer -> drawn", answered), ("drop -> drawn", round_trip)):
        print(f"{name:16} median {statistics.median(values):7.0f} ms   max {max(values):7.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="S", type=str.upper)
    parser.add_argument("--db-url", default=None, help="default: bench/out/demo-<scale>.db")
    parser.add_argument("--moves", type=int, default=10)
    args = parser.parse_args()
    args.db_url = args.db_url or f"sqlite:///{(OUT / f'demo-{args.scale}.db').as_posix()}"
    asyncio.run(run(args))


if __name__ == "__main__":
    main()

"""The page-ready benchmark runs end to end at scale S and measures every page of the
navigation (so pages added to app.py are measured too). Nothing here is timed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest import drawn_cards
from ui.navigation import PAGES

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.e2e
FLOORS_MEASURED = ("shell", "shell,filters,cards,charts,table")


def navigation_paths() -> list[str]:
    return [page.name for page in PAGES]


def test_page_ready_benchmark_measures_every_page_at_scale_s(tmp_path):
    if not Path("/usr/bin/chromium").is_file():
        pytest.skip("no Chromium at /usr/bin/chromium")
    options = {
        "--scale": "S",
        "--db-url": f"sqlite:///{(tmp_path / 'demo-S.db').as_posix()}",
        "--rounds": "1",
        "--filter-rounds": "0",
        "--cold": "first",
        "--concurrency": "1",
        "--waves": "1",
        "--settle-ms": "200",
    }
    # only the floors checked below, and none loaded at once: a shorter run, the same checks
    floors = ["--floor-elements", *FLOORS_MEASURED, "--concurrent-floors"]
    command = [str(ROOT / "bench" / "page_ready.py"), "--no-new-minute", *floors]
    # its own process group: on a timeout the benchmark's servers are stopped with it
    process = subprocess.Popen(
        [sys.executable, *command, *(part for pair in options.items() for part in pair)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=os.environ | {"PYTHONPATH": str(ROOT)},
        start_new_session=True,
    )
    try:
        # generous: the two cores may be shared with other test runs
        stdout, stderr = process.communicate(timeout=600)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGTERM)
        stdout, stderr = process.communicate()
        pytest.fail(f"the benchmark took over 10 minutes:\n{stdout}{stderr}")

    assert process.returncode == 0, stdout + stderr
    rows = {
        line.split("|")[1].strip(): line for line in stdout.splitlines() if line.startswith("| ")
    }
    for path in ["hello", *navigation_paths()]:
        assert path in rows, f"{path} was not measured:\n{stdout}"
        assert " ms (" in rows[path], f"no warm time for {path}: {rows[path]}"
    for elements in FLOORS_MEASURED:
        assert " ms (" in rows.get(elements, ""), (
            f"the floor {elements} was not measured:\n{stdout}"
        )
    assert "1" in rows, f"one user loading the Overview was not measured:\n{stdout}"


@pytest.mark.parametrize("elements", ["overview", "shell,overview"])
def test_the_floor_draws_as_many_elements_of_each_kind_as_the_overview(elements):
    """bench/floor_app.py's ``overview``: the Overview's 14 cards (10 with a sparkline), six
    progress bars, one static table and one chart, without an error."""
    at = AppTest.from_file(str(ROOT / "bench" / "floor_app.py"), default_timeout=60)
    at.query_params["elements"] = elements
    at.run()

    assert not at.exception
    assert len(at.metric) == 1, "the hello page's metric"
    assert len(drawn_cards(at)) == 14, "the Overview's cards"
    assert len(at.get("progress")) == 6
    assert len(at.table) == 1
    assert len(at.get("arrow_vega_lite_chart")) + len(at.get("vega_lite_chart")) == 1

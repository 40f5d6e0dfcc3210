"""The page-ready benchmark runs end to end at scale S and measures every page of the
navigation (so pages added to app.py are measured too). Nothing here is timed."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.e2e


def navigation_paths() -> list[str]:
    tree = ast.parse((ROOT / "app.py").read_text())
    (pages,) = [
        node.value
        for node in tree.body
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "PAGES"
    ]
    return [entry[3] for entry in ast.literal_eval(pages)]


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
    command = [str(ROOT / "bench" / "page_ready.py"), "--no-new-minute"]
    completed = subprocess.run(
        [sys.executable, *command, *(part for pair in options.items() for part in pair)],
        capture_output=True,
        text=True,
        timeout=600,  # generous: the two cores may be shared with other test runs
        check=False,
        cwd=ROOT,
        env=os.environ | {"PYTHONPATH": str(ROOT)},
    )

    assert completed.returncode == 0, completed.stdout + completed.stderr
    rows = {
        line.split("|")[1].strip(): line
        for line in completed.stdout.splitlines()
        if line.startswith("| ")
    }
    for path in ["hello", *navigation_paths()]:
        assert path in rows, f"{path} was not measured:\n{completed.stdout}"
        assert " ms (" in rows[path], f"no warm time for {path}: {rows[path]}"
    assert "1" in rows, f"one user loading the Overview was not measured:\n{completed.stdout}"

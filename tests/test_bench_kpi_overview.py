"""The Overview benchmark's three implementations (CS Cockpit, DuckDB over Parquet, naive
pandas) agree on the demo data of scale S. Nothing here is timed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_overview_benchmark_implementations_agree_on_scale_s(tmp_path):
    pytest.importorskip("duckdb")
    completed = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "kpi_overview.py"),
            "--scale",
            "S",
            "--db-url",
            f"sqlite:///{(tmp_path / 'demo-S.db').as_posix()}",
            "--out",
            str(tmp_path),
            "--repeats",
            "1",
            "--naive-repeats",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert "the three implementations agree" in completed.stdout
    assert "tickets_created" in completed.stdout

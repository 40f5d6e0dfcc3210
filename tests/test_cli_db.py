from __future__ import annotations

import subprocess
import sys

from cs_data import schema
from cs_data.cli import main


def test_db_upgrade_then_current_reports_up_to_date(db_url, empty_engine, capsys):
    assert main(["--database-url", db_url, "db", "current"]) == 0
    assert capsys.readouterr().out.startswith("empty: behind")

    assert main(["--database-url", db_url, "db", "upgrade"]) == 0
    assert f"database at revision {schema.head_revision()} (was empty)" in capsys.readouterr().out

    assert main(["--database-url", db_url, "db", "current"]) == 0
    assert capsys.readouterr().out.strip() == f"{schema.head_revision()}: up to date"


def test_module_entry_point_runs_the_same_command_line():
    completed = subprocess.run(
        [sys.executable, "-m", "cs_data", "--help"], capture_output=True, text=True, check=False
    )

    assert completed.returncode == 0
    for command in ("db", "demo", "import"):
        assert command in completed.stdout

"""The README documents what the code offers."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from cs_data.cli import build_parser
from cs_data.importers import IMPORT_KINDS, file_columns
from cs_data.kpi.registry import KPIS
from cs_data.presets.builtin import DEFINITIONS

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _subcommands(parser: argparse.ArgumentParser, prefix: str = "cs-data") -> list[str]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.append(f"{prefix} {name}")
                found.extend(_subcommands(sub, f"{prefix} {name}"))
    return found


def test_every_cli_command_is_in_the_readme():
    commands = _subcommands(build_parser())

    assert commands, "the command line declares no commands"
    missing = [command for command in commands if command not in README]
    assert missing == []


def test_readme_has_the_run_and_test_commands():
    assert "./cockpit run" in README
    assert "./cockpit test" in README


# --- docs/: the user documentation the repository carries ----------------------------------

DOCS = ROOT / "docs"


def _section_rows(text: str, heading: str) -> list[list[str]]:
    """The cells of the table rows (after the header) under ``## heading``."""
    section = text.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ")]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows[1:]]


@pytest.mark.parametrize("kind", IMPORT_KINDS)
def test_every_import_column_is_documented_with_whether_it_is_required(kind):
    text = (DOCS / "import-formats.md").read_text(encoding="utf-8")
    documented = [(row[0].strip("`"), row[1] == "yes") for row in _section_rows(text, kind)]
    assert documented == file_columns(kind)


@pytest.mark.parametrize("kind", IMPORT_KINDS)
def test_every_import_file_has_an_example_with_its_columns(kind):
    text = (DOCS / "import-formats.md").read_text(encoding="utf-8")
    section = text.split(f"\n## {kind}\n", 1)[1].split("\n## ", 1)[0]
    header = section.split("```csv\n", 1)[1].splitlines()[0].split(",")
    columns = dict(file_columns(kind))
    assert set(header) <= set(columns), "the example uses only columns the importer reads"
    assert {name for name, required in columns.items() if required} <= set(header)


def test_the_kpi_page_lists_exactly_the_kpis_of_the_registry():
    text = (DOCS / "kpis.md").read_text(encoding="utf-8")
    documented = re.findall(r"^\| `([a-z0-9_]+)` \| ([^|]+) \|", text, flags=re.MULTILINE)
    assert sorted(key for key, _ in documented) == sorted(KPIS)
    assert {key: name.strip() for key, name in documented} == {
        key: kpi.label for key, kpi in KPIS.items()
    }


def test_the_readme_and_the_docs_link_to_pages_that_exist():
    links = re.findall(r"\]\(((?:docs/)?[a-z-]+\.md)", README)
    assert "docs/import-formats.md" in links and "docs/kpis.md" in links
    for path in DOCS.glob("*.md"):
        for link in re.findall(r"\]\(([a-z-]+\.md)", path.read_text(encoding="utf-8")):
            assert (DOCS / link).is_file(), f"{path.name} links to a missing {link}"
    for link in links:
        assert (ROOT / link).is_file(), f"README links to a missing {link}"
    assert "KPI_DEFINITIONS.md" not in README, "the README points only to files it carries"


def test_every_builtin_preset_names_the_source_its_header_layout_was_checked_against():
    text = (DOCS / "import-formats.md").read_text(encoding="utf-8")
    section = text.split("\n## Where the presets' header layouts come from\n", 1)[1]
    listed = set(re.findall(r"`([a-z_]+)`", "\n".join(r[0] for r in _table_rows(section))))
    assert {definition["name"] for definition in DEFINITIONS} <= listed


def _table_rows(section: str) -> list[list[str]]:
    rows = [line for line in section.splitlines() if line.startswith("| ")]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows[1:]]

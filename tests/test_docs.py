"""The README documents what the code offers."""

from __future__ import annotations

import argparse
from pathlib import Path

from cs_data.cli import build_parser

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


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

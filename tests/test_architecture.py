"""The layer rules, checked on the source: data flows database → cs_data → pages."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAX_PAGE_LINES = 200

DATA_LAYER = sorted((ROOT / "cs_data").rglob("*.py"))
UI_LAYER = sorted([ROOT / "app.py", *(ROOT / "pages").rglob("*.py"), *(ROOT / "ui").rglob("*.py")])
PAGES = sorted((ROOT / "pages").rglob("*.py"))


def imported_modules(path: Path) -> set[str]:
    """Top-level package names imported anywhere in the file (including inside functions)."""
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            modules.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module.split(".")[0])
    return modules


def name(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_the_layers_have_files():
    assert DATA_LAYER and PAGES and (ROOT / "app.py").is_file()


@pytest.mark.parametrize("path", DATA_LAYER, ids=name)
def test_cs_data_never_imports_streamlit(path):
    assert "streamlit" not in imported_modules(path)


@pytest.mark.parametrize("path", UI_LAYER, ids=name)
def test_the_app_never_imports_sqlalchemy(path):
    assert "sqlalchemy" not in imported_modules(path), "pages call cs_data, which talks SQL"


@pytest.mark.parametrize("path", PAGES, ids=name)
def test_pages_stay_short(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_PAGE_LINES, f"{lines} lines: move logic to cs_data or ui"

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


def cached_functions(path: Path) -> dict[str, str]:
    """Source text of each top-level ``st.cache_data``/``st.cache_resource`` function, by name."""
    text = path.read_text(encoding="utf-8")
    return {
        node.name: ast.get_source_segment(text, node) or ""
        for node in ast.parse(text, filename=str(path)).body
        if isinstance(node, ast.FunctionDef)
        and any("cache_" in ast.unparse(decorator) for decorator in node.decorator_list)
    }


def test_no_two_pages_share_a_cache_by_writing_the_same_cached_function():
    """Streamlit runs every page as module ``__main__`` and keys a cached function by module,
    name and source text: the same function written in two pages is one cache, whatever
    the page's globals it reads. (Support's cards were shown to Feedback that way, with a
    KeyError for its own cards, whenever both were opened within a minute.)"""
    pages_by_source: dict[tuple[str, str], list[str]] = {}
    for path in PAGES:
        for function, source in cached_functions(path).items():
            pages_by_source.setdefault((function, source), []).append(name(path))
    shared = {function: where for (function, _), where in pages_by_source.items() if len(where) > 1}
    assert not shared, f"put these in ui/ with what they read as arguments: {shared}"

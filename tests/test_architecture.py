"""The layer rules, checked on the source: data flows database → cs_data → pages."""

from __future__ import annotations

import ast
import re
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


# --- text a user or an import wrote is never Markdown -------------------------------------

TEXT_CHECKED = [p for p in UI_LAYER if name(p) not in {"ui/i18n.py", "ui/text.py"}]
"""Where messages are built; ui.i18n's formatters and ui.text's escapes are the trusted base."""
SAFE_CALLS = {
    "literal",
    "literal_params",
    "code",
    "t",
    "plural",
    "format_count",
    "format_money",
    "format_amount",
    "currency_symbol",
    "unit_text",
    "format_percent",
    "format_number",
    "format_date",
    "format_datetime",
    "format_list",
    "format_month",
    "label",
    "format_kpi",
    "format_value",
}
"""Calls whose result may go into Markdown: escapes, translations (their own parameters are
checked in turn), vocabulary labels (``label``: a translation of a fixed value) and the
formatters of numbers, dates and lists (ui.i18n, KPI values; ``unit_text``: a target's unit,
a translation or the currency's symbol)."""
TRANSLATING = {"t", "plural"}
MARKDOWN_ELEMENTS = {"markdown", "caption", "success", "info", "warning", "error", "toast"}
PLAIN_TEXT_CALLS = {
    "plain",
    "text",
    "dataframe",
    "table",
    "DataFrame",
    "Tooltip",
    "TitleParams",
    "set_page_config",
}
PLAIN_TEXT_KEYWORDS = {
    "format_func",
    "subtitle",
    "period_title",
    "day_title",
    "value_title",
    "category_title",
    "color_title",
    "step_title",
    "x_title",
    "y_title",
}
"""Plain-text places (table cells, select options, chart titles): there escaping would show."""


def _called(node: ast.AST) -> str | None:
    if not isinstance(node, ast.Call):
        return None
    func = node.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)


SCOPES = (ast.Module, ast.FunctionDef, ast.Lambda)


def _assignments(scope: ast.AST) -> dict[str, list[ast.expr]]:
    """What each plain name is assigned in one function (or module), nested ones left out;
    ``a, b = (f(x) for x in …)`` assigns ``f(x)`` to each."""
    found: dict[str, list[ast.expr]] = {}
    nodes = list(ast.iter_child_nodes(scope))
    while nodes:
        node = nodes.pop()
        if isinstance(node, SCOPES):
            continue
        nodes.extend(ast.iter_child_nodes(node))
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                if isinstance(target, ast.Name):
                    found.setdefault(target.id, []).append(node.value)
                elif isinstance(target, ast.Tuple) and isinstance(
                    node.value, ast.GeneratorExp | ast.ListComp
                ):
                    for item in target.elts:
                        if isinstance(item, ast.Name):
                            found.setdefault(item.id, []).append(node.value.elt)
    return found


def _is_safe(node: ast.AST, assigned: dict[str, list[ast.expr]]) -> bool:
    """A constant, an escape, a translation or a formatter; a name only assigned such."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.Name):
        values = assigned.get(node.id, [])
        return bool(values) and all(_is_safe(value, {**assigned, node.id: []}) for value in values)
    if isinstance(node, ast.IfExp):
        return _is_safe(node.body, assigned) and _is_safe(node.orelse, assigned)
    if isinstance(node, ast.JoinedStr):
        return all(
            isinstance(part, ast.Constant)
            or part.format_spec is not None
            or _is_safe(part.value, assigned)
            for part in node.values
        )
    if isinstance(node, ast.DictComp):
        return _is_safe(node.value, assigned)
    return _called(node) in SAFE_CALLS


def _scope_names(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> dict[str, list[ast.expr]]:
    """The assignments visible where ``node`` is: its function's, then the module's."""
    scopes = []
    while node in parents:
        node = parents[node]
        if isinstance(node, SCOPES):
            scopes.append(node)
    names: dict[str, list[ast.expr]] = {}
    for scope in reversed(scopes):
        names.update(_assignments(scope))
    return names


def _in_plain_text(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    while node in parents:
        parent = parents[node]
        if _called(parent) in PLAIN_TEXT_CALLS:
            return True
        if isinstance(parent, ast.keyword) and parent.arg in PLAIN_TEXT_KEYWORDS:
            return True
        if isinstance(parent, ast.stmt):
            return False
        node = parent
    return False


def unescaped_data(path: Path) -> list[str]:
    """Data put into Markdown as it is: a ``t(...)`` parameter or an f-string part that is not
    ``literal(...)``, a formatter or a constant, outside plain-text places; or data handed to
    a Markdown element directly."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found = []
    for node in ast.walk(tree):
        called = _called(node)
        assigned = (
            _scope_names(node, parents) if called in {*TRANSLATING, *MARKDOWN_ELEMENTS} else {}
        )
        if called in TRANSLATING and not _in_plain_text(node, parents):
            found += [
                (node.lineno, f"t({ast.unparse(node.args[0])}, {kw.arg or '**'}=…)")
                for kw in node.keywords
                if not _is_safe(kw.value, assigned)
            ]
        elif called in MARKDOWN_ELEMENTS and node.args:
            body = node.args[0]
            direct = isinstance(body, ast.Attribute | ast.Subscript | ast.JoinedStr | ast.BinOp)
            if (direct and not _is_safe(body, assigned)) or _called(body) in {"str", "format"}:
                found.append((node.lineno, ast.unparse(node)))
    return [f"line {line}: {text}" for line, text in sorted(found)]


@pytest.mark.parametrize("path", TEXT_CHECKED, ids=name)
def test_data_reaches_markdown_only_through_literal_or_a_formatter(path):
    """Names, target names, subjects … show as typed, never as Markdown (issue 15, item 1)."""
    assert not unescaped_data(path), "wrap data in ui.text.literal (or a ui.i18n formatter)"


def test_the_markdown_check_finds_unescaped_data():
    source = (
        "st.markdown(t('k', name=user.name))\n"
        "st.success(f'Saved {target.name}')\n"
        "st.caption(row['subject'])\n"
        "st.text(t('k', name=user.name))\n"
        "st.markdown(t('k', name=literal(user.name), n=format_count(n), x=f'{share:.1%}'))\n"
    )
    path = ROOT / "tests" / "_markdown_check_probe.py"
    path.write_text(source, encoding="utf-8")
    try:
        found = [line.split(":")[0] for line in unescaped_data(path)]
        assert found == ["line 1", "line 2", "line 3"]
    finally:
        path.unlink()


# --- money is shown in the configured currency, never with a hard-coded symbol --------------

HARD_CODED_CURRENCY = re.compile(r"\$[\d{,.]|\(\$\)|^\s*\$\s*$|\$\s*1K")
"""A dollar sign as a currency: before a number or placeholder (``$1K``, ``${value}``,
``$,.0f``), in parentheses (``ARR ($)``), or alone (a unit label ``$``)."""
HARD_CODED_FORMATS = {"dollar", "euro", "yen"}
"""Streamlit's fixed-currency column formats."""


def hard_coded_currency(source: str) -> list[str]:
    """String constants (not docstrings) that show a currency by hand."""
    tree = ast.parse(source)
    docstrings = {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    }
    return [
        f"line {node.lineno}: {node.value!r}"
        for node in sorted(
            (n for n in ast.walk(tree) if isinstance(n, ast.Constant)), key=lambda n: n.lineno
        )
        if isinstance(node.value, str)
        and id(node) not in docstrings
        and (HARD_CODED_CURRENCY.search(node.value) or node.value in HARD_CODED_FORMATS)
    ]


@pytest.mark.parametrize("path", UI_LAYER, ids=name)
def test_no_currency_is_hard_coded_in_the_ui(path):
    """Amounts go through ui.i18n (format_money, currency_symbol, money_column_format, the
    charts' MONEY format), which use the configured currency (issue 15, item 10)."""
    assert hard_coded_currency(path.read_text(encoding="utf-8")) == []


def test_the_currency_check_finds_hard_coded_dollars():
    source = (
        '"""Docstrings may say $12,345."""\n'
        'a = "${value}"\n'
        'b = "ARR ($)"\n'
        'c = "$,.0f"\n'
        'd = st.column_config.NumberColumn(format="dollar")\n'
        'e = "$"\n'
        'f = r"account=(.*)$"\n'
        'g = "per $1K"\n'
    )
    found = [line.split(":")[0] for line in hard_coded_currency(source)]
    assert found == ["line 2", "line 3", "line 4", "line 5", "line 6", "line 8"]


HTML_SINKS = ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "Range(")
"""Ways JavaScript turns a string into markup (``Range(`` covers createContextualFragment's
``createRange()``); component code builds nodes with createElement and textContent instead."""


@pytest.mark.parametrize("path", sorted((ROOT / "ui").rglob("*.js")), ids=name)
def test_component_javascript_never_parses_text_as_html(path):
    source = path.read_text(encoding="utf-8")
    assert not [sink for sink in HTML_SINKS if sink in source]


RAW_HTML = re.compile(r"\bst\.html\(|unsafe_allow_html|unsafe_allow_javascript")


def test_raw_html_is_written_only_by_the_card_grid():
    """``st.html`` shows markup as given; ``ui.card_grid`` escapes every text it puts there.
    Any other page or helper shows text through Streamlit's elements (and ``ui.text``)."""
    writers = [name(path) for path in UI_LAYER if RAW_HTML.search(path.read_text(encoding="utf-8"))]
    assert writers == ["ui/card_grid.py"]

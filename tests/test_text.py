"""User text shown literally: ``ui.text.literal`` against Streamlit's Markdown, and on pages.

Streamlit renders Markdown in two stages (see ui/text.py): the parser, where a backslash
before ASCII punctuation means the character itself, and plugins that rewrite the parsed text
with the regular expressions copied below from Streamlit's frontend (StreamlitMarkdown.tsx,
remark-emoji, GFM autolink literals). The page tests show the escaped text where users see it.
"""

from __future__ import annotations

import re
import string

import pytest

from cs_data import targets
from cs_data.db import get_engine
from tests.apptest import add_user, log_in, new_app
from ui.text import WORD_JOINER, code, literal, literal_params

NASTY = [
    "**Boss** [help](https://example.com)",
    "<b>x</b> &amp; <script>alert(1)</script>",
    "![img](https://example.com/x.png) `code` $x^2$ :red[red] :help[tip]",
    ":smile: :material/home: :streamlit: :+1:",
    "a -> b <- c -- d >= e <= f ~= g <-> h",
    "https://example.com www.example.com ann@example.com",
    "# heading\n- item\n1. first\n> quote\n| a | b |",
    "김철수 **굵게** _기울임_",
]
TEXT_PLUGINS = {
    "emoji": r":\+1:|:-1:|:[\w-]+:",
    "material icon": r":material[/_]\w+:",
    "streamlit logo": r":streamlit:",
    "link": r"(https?://|www(?=\.))[-.\w]+|[-.+\w]+@[-\w]+(\.[-\w]+)+",
    "typography": r"(^|\s)(<->|->|<-|--|>=|<=|~=)(\s|$)",
}


def parsed_text(markdown: str) -> str:
    """The text the Markdown parser leaves for the plugins: escapes resolved, breaks kept."""
    return re.sub(r"\\(\n|[!-/:-@\[-`{-~])", r"\1", markdown)


@pytest.mark.parametrize("text", NASTY)
def test_every_punctuation_mark_is_escaped_so_the_parser_makes_no_markup(text):
    escaped = literal(text)
    unescaped = re.sub(r"\\[!-/:-@\[-`{-~\n]", "", escaped)
    assert not set(unescaped) & set(string.punctuation)
    assert parsed_text(escaped).replace(WORD_JOINER, "") == text


@pytest.mark.parametrize("text", NASTY)
@pytest.mark.parametrize("plugin", TEXT_PLUGINS)
def test_no_text_plugin_finds_its_pattern_in_the_parsed_text(text, plugin):
    assert not re.search(TEXT_PLUGINS[plugin], parsed_text(literal(text)))


def test_the_plugin_patterns_do_match_raw_text():
    joined = " ".join(NASTY)
    assert all(re.search(pattern, joined) for pattern in TEXT_PLUGINS.values())


def test_line_breaks_stay_line_breaks():
    assert literal("one\ntwo") == "one\\\ntwo"


def test_parameters_keep_numbers_readable_and_escape_the_rest():
    assert literal_params({"max": 200, "length": 5000, "name": "*x*"}) == {
        "max": "200",
        "length": "5,000",
        "name": literal("*x*"),
    }


def test_a_code_span_is_longer_than_any_backtick_run_inside():
    assert code("cs-data user add") == "`cs-data user add`"
    assert code("a `b` c") == "``a `b` c``"
    assert code("`x`") == "`` `x` ``"


BOSS = "**Boss** [help](https://example.com)"


def test_the_sidebar_shows_a_markdown_display_name_as_typed(shared_mode):
    add_user("boss", "viewer", display_name=BOSS)
    at = log_in(new_app(), "boss", display_name=BOSS)
    at.run()
    assert not at.exception
    assert f"Signed in as **{literal(BOSS)}** · Viewer" in [m.value for m in at.sidebar.markdown]


def test_a_target_named_in_markdown_is_named_as_typed_in_the_notice(shared_mode):
    add_user("max", "manager")
    at = log_in(new_app(), "max")
    at.run()
    at.switch_page("pages/targets.py").run()
    at.text_input(key="new_name").input(BOSS)
    at.number_input(key="new_value").set_value(80.0)
    next(b for b in at.main.button if b.label == "Create target").click().run()

    assert not at.exception
    assert [s.value for s in at.success] == [f"Target “{literal(BOSS)}” created."]
    assert [made.name for made in targets.list_targets(get_engine())] == [BOSS]

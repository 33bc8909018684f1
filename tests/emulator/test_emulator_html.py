"""Telegram's HTML parser as the emulator reproduces it."""

from __future__ import annotations

import html

import pytest
from hypothesis import given
from hypothesis import strategies as st

from emulator.telegram_html import Entity, HtmlParseError, parse_html, utf16_len


def test_nested_tags_give_plain_text_and_entities():
    parsed = parse_html("<b>Meeting <i>tonight</i></b> at <code>19:00</code>")
    assert parsed.text == "Meeting tonight at 19:00"
    assert parsed.entities == (
        Entity("bold", 0, 15),
        Entity("italic", 8, 7),
        Entity("code", 19, 5),
    )


def test_html_entities_decode_to_characters():
    assert parse_html("a &lt;b&gt; &amp; &quot;c&quot; &#65;&#x42;").text == 'a <b> & "c" AB'


def test_link_spoiler_and_expandable_blockquote():
    parsed = parse_html(
        '<a href="https://example.org/?a=1&amp;b=2">site</a> <tg-spoiler>x</tg-spoiler> '
        '<span class="tg-spoiler">y</span><blockquote expandable>q</blockquote>'
    )
    assert parsed.text == "site x yq"
    kinds = [(e.type, e.url) for e in parsed.entities]
    assert kinds == [
        ("text_link", "https://example.org/?a=1&b=2"),
        ("spoiler", None),
        ("spoiler", None),
        ("expandable_blockquote", None),
    ]


def test_pre_with_code_language_is_one_entity():
    parsed = parse_html('<pre><code class="language-python">print(1)</code></pre>')
    assert parsed.entities == (Entity("pre", 0, 8, language="python"),)


def test_offsets_count_utf16_code_units():
    parsed = parse_html("😀 <b>hi</b>")
    assert parsed.entities == (Entity("bold", 3, 2),)
    assert utf16_len("😀") == 2


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("Hello, <foo>x</foo>", 'Unsupported start tag "foo" at byte offset 7'),
        ("<b>open", 'Can\'t find end tag corresponding to start tag "b"'),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("Tom & Jerry", 'Unescaped "&" at byte offset 4'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler"'),
        ("é <foo>", 'Unsupported start tag "foo" at byte offset 3'),
    ],
)
def test_unparseable_html_is_refused_with_telegrams_words(source, message):
    with pytest.raises(HtmlParseError) as caught:
        parse_html(source)
    assert str(caught.value).startswith(message)


def test_bare_ampersand_is_kept_when_not_strict():
    assert parse_html("Tom & Jerry", strict_ampersand=False).text == "Tom & Jerry"


@given(st.text())
def test_escaped_user_text_always_parses_back_to_itself(text):
    parsed = parse_html(html.escape(text))
    assert parsed.text == text
    assert parsed.entities == ()


@given(st.text(min_size=1))
def test_bold_entity_covers_the_escaped_text(text):
    parsed = parse_html(f"<b>{html.escape(text)}</b>")
    assert parsed.entities == (Entity("bold", 0, utf16_len(text)),)


@given(st.text(alphabet=st.sampled_from(list("<>&/=\"' abiuspre-codtg;#x1")), max_size=40))
def test_any_markup_parses_or_is_refused_cleanly(source):
    try:
        parsed = parse_html(source)
    except HtmlParseError as refusal:
        assert str(refusal)
        return
    total = utf16_len(parsed.text)
    assert all(e.offset >= 0 and e.offset + e.length <= total for e in parsed.entities)

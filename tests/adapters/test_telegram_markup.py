"""The emulator's markup parser turns HTML, MarkdownV2 and Markdown into text and entities."""

from __future__ import annotations

import pytest

from bot.sandbox.telegram_markup import MarkupError, parse, utf16_len


def refusal(text: str, mode: str) -> str:
    """The detail text of the parse error `text` must cause in `mode`."""
    with pytest.raises(MarkupError) as raised:
        parse(text, mode)
    return str(raised.value)


def test_utf16_length_counts_an_emoji_as_two_units() -> None:
    """Entity offsets are UTF-16 code units, so 👋 counts twice and é once."""
    assert utf16_len("a👋é") == 4


def test_html_bold_after_an_emoji_starts_at_its_utf16_offset() -> None:
    """The bold entity after "👋 " starts at 3, not at 2 (Python's index)."""
    text, entities = parse("👋 <b>Hi</b>", "HTML")
    assert text == "👋 Hi"
    assert entities == [{"type": "bold", "offset": 3, "length": 2}]


def test_html_nested_tags_give_outer_entities_first() -> None:
    """Entities are ordered by offset, the longer (outer) one first, as Telegram sends them."""
    _, entities = parse("<b>bold <i>both</i></b>", "HTML")
    assert entities == [
        {"type": "bold", "offset": 0, "length": 9},
        {"type": "italic", "offset": 5, "length": 4},
    ]


def test_html_link_pre_with_language_and_spoiler_become_their_entities() -> None:
    """`a href`, `pre`+`code class`, and `span class="tg-spoiler"` map to Telegram's types."""
    text, entities = parse(
        '<a href="https://example.com/x">site</a> '
        '<pre><code class="language-python">x = 1</code></pre> '
        '<span class="tg-spoiler">s</span>',
        "HTML",
    )
    assert text == "site x = 1 s"
    assert entities == [
        {"type": "text_link", "offset": 0, "length": 4, "url": "https://example.com/x"},
        {"type": "pre", "offset": 5, "length": 5, "language": "python"},
        {"type": "spoiler", "offset": 11, "length": 1},
    ]


def test_html_entities_decode_and_a_lone_ampersand_stays_literal() -> None:
    """The four named entities and numeric ones decode; any other `&` stays, as in Telegram."""
    text, _ = parse("1 &lt; 2 &amp;&amp; &quot;x&quot; &#128512; &#x41; Tom & Jerry &nbsp;", "HTML")
    assert text == '1 < 2 && "x" 😀 A Tom & Jerry &nbsp;'


def test_html_unclosed_b_is_refused_with_telegrams_detail() -> None:
    """An open `<b>` at the end is "Can't find end tag corresponding to start tag "b""."""
    assert refusal("<b>Hello", "HTML") == 'Can\'t find end tag corresponding to start tag "b"'


def test_html_br_is_an_unsupported_start_tag_at_its_byte_offset() -> None:
    """`<br>` is refused; the offset is in bytes of UTF-8 (é takes two)."""
    assert refusal("é <br> x", "HTML") == 'Unsupported start tag "br" at byte offset 3'


def test_html_self_closing_br_keeps_the_slash_in_the_tag_name() -> None:
    """Telegram reads the tag name up to a space or `>`, so `<br/>` is "br/"."""
    assert refusal("a<br/>b", "HTML") == 'Unsupported start tag "br/" at byte offset 1'


def test_html_mismatched_end_tag_names_both_tags() -> None:
    """`<b><i></b>` is "Unmatched end tag ..., expected "</i>", found "</b>""."""
    assert (
        refusal("<b><i>x</b></i>", "HTML")
        == 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'
    )


def test_html_unescaped_less_than_is_an_empty_start_tag() -> None:
    """`a < b` is refused: a `<` must be written `&lt;`."""
    assert refusal("a < b", "HTML") == 'Unsupported start tag "" at byte offset 2'


def test_markdown_v2_formats_and_escapes() -> None:
    """*bold*, _italic_, __underline__, ~strike~, ||spoiler||, `code` and \\-escapes."""
    text, entities = parse(r"*b* _i_ __u__ ~s~ ||p|| `c` 1\.5\-2", "MarkdownV2")
    assert text == "b i u s p c 1.5-2"
    assert [(e["type"], e["offset"]) for e in entities] == [
        ("bold", 0),
        ("italic", 2),
        ("underline", 4),
        ("strikethrough", 6),
        ("spoiler", 8),
        ("code", 10),
    ]


def test_markdown_v2_reserved_character_must_be_escaped() -> None:
    """An unescaped `-` (or `.`, `!` ...) is refused with Telegram's text."""
    assert refusal("Price - 400 USD", "MarkdownV2") == (
        "Character '-' is reserved and must be escaped with the preceding '\\'"
    )


def test_markdown_v2_unclosed_bold_names_the_entity() -> None:
    """`*bold` without its end is "Can't find end of Bold entity at byte offset 0"."""
    assert refusal("*bold", "MarkdownV2") == "Can't find end of Bold entity at byte offset 0"


def test_markdown_v2_link_with_escaped_parenthesis_in_the_url() -> None:
    """In a link's URL, `\\)` is a literal `)`."""
    text, entities = parse(r"[site](https://example.com/a\)b)", "MarkdownV2")
    assert text == "site"
    assert entities == [
        {"type": "text_link", "offset": 0, "length": 4, "url": "https://example.com/a)b"}
    ]


def test_legacy_markdown_unclosed_underscore_is_refused() -> None:
    """In legacy Markdown a lone `_` (e.g. in snake_case) opens an italic that never ends."""
    assert (
        refusal("send snake_case", "Markdown")
        == "Can't find end of the entity starting at byte offset 10"
    )


def test_legacy_markdown_leaves_markdown_v2_reserved_characters_alone() -> None:
    """Legacy Markdown knows only `_ * ` [`; `-` and `.` are plain text."""
    assert parse("*Total:* 1.5 - ok", "Markdown") == (
        "Total: 1.5 - ok",
        [{"type": "bold", "offset": 0, "length": 6}],
    )


def test_outer_whitespace_is_trimmed_and_entities_shift_with_it() -> None:
    """Leading spaces and trailing newlines go; an entity after them moves to offset 0."""
    assert parse("  <b>x</b>\n\n", "HTML") == ("x", [{"type": "bold", "offset": 0, "length": 1}])


def test_text_without_parse_mode_is_left_as_it_is() -> None:
    """Without parse_mode `<b>` is just text and nothing is refused."""
    assert parse("<b> *x", None) == ("<b> *x", [])

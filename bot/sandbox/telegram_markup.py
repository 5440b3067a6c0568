"""Telegram's formatting modes (HTML, MarkdownV2, legacy Markdown) as plain text and entities.

Telegram answers malformed markup with `400 Bad Request: can't parse entities: <detail>`; the
parsers here raise `MarkupError(detail)` in the same situations, with Telegram's detail texts
where they are known (the rules follow TDLib's parsers, which the Bot API uses). Entity offsets
and lengths are in UTF-16 code units, like Telegram's. Leading and trailing whitespace is
trimmed, as Telegram does.
"""

from __future__ import annotations

import re
from typing import Any

Entity = dict[str, Any]

_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_HTML_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_MDV2_RESERVED = set("_*[]()~`>#+-=|{}.!")
_MDV1_MARKERS = set("_*`[")
_WHITESPACE = " \t\r\n"


class MarkupError(ValueError):
    """The text cannot be parsed in the requested mode; `str(err)` is Telegram's detail text."""


def utf16_len(text: str) -> int:
    """Length of `text` in UTF-16 code units (Telegram's unit for offsets and limits)."""
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


class _Builder:
    """Collects plain text while tracking the UTF-16 position for entity offsets."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pos = 0
        self.entities: list[Entity] = []

    def add(self, chunk: str) -> None:
        self.parts.append(chunk)
        self.pos += utf16_len(chunk)

    def entity(self, kind: str, start: int, **extra: Any) -> None:
        if self.pos > start:
            self.entities.append(
                {"type": kind, "offset": start, "length": self.pos - start, **extra}
            )

    def text(self) -> str:
        return "".join(self.parts)


def parse(text: str, parse_mode: str | None) -> tuple[str, list[Entity]]:
    """Plain text and entities for `text` in `parse_mode` (None: no formatting), trimmed."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        plain, entities = _parse_html(text)
    elif mode == "markdownv2":
        plain, entities = _parse_markdown_v2(text)
    elif mode == "markdown":
        plain, entities = _parse_markdown_v1(text)
    elif mode == "":
        plain, entities = text, []
    else:
        raise MarkupError(f"unsupported parse_mode {parse_mode!r}")
    return trim(plain, entities)


def trim(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    """Strip outer whitespace, shifting and clipping entities; drops entities left empty."""
    stripped = text.strip(_WHITESPACE)
    if not stripped:
        return "", []
    lead = utf16_len(text[: len(text) - len(text.lstrip(_WHITESPACE))])
    end = lead + utf16_len(stripped)
    kept: list[Entity] = []
    for entity in entities:
        start = max(entity["offset"], lead)
        stop = min(entity["offset"] + entity["length"], end)
        if stop > start:
            kept.append({**entity, "offset": start - lead, "length": stop - start})
    return stripped, sort_entities(kept)


def sort_entities(entities: list[Entity]) -> list[Entity]:
    """Telegram's order: by offset, outer (longer) entities first."""
    return sorted(entities, key=lambda e: (e["offset"], -e["length"]))


# --- HTML -------------------------------------------------------------------------------------

_ENTITY = re.compile(r"&(?:(?P<name>[a-zA-Z]+)|#x(?P<hex>[0-9a-fA-F]+)|#(?P<dec>[0-9]+));?")
_ATTR = re.compile(r"""\s*([a-zA-Z-]+)\s*(?:=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")


def _decode_entity(text: str, i: int) -> tuple[str, int] | None:
    """The character for the HTML entity at `text[i] == '&'` and the index after it.

    As in Telegram, the `;` may be left out and anything that is not one of the four named
    entities or a character reference stays a literal `&` (None).
    """
    match = _ENTITY.match(text, i)
    if match is None:
        return None
    name, hexadecimal, decimal = match.group("name", "hex", "dec")
    if name is not None:
        char = _HTML_NAMED_ENTITIES.get(name)
        if char is None:
            return None
    else:
        code = int(hexadecimal, 16) if hexadecimal is not None else int(decimal)
        if not 0 < code < 0x10FFFF or match.end("dec" if decimal else "hex") - i >= 10:
            return None
        char = chr(code)
    return char, match.end()


def _parse_html(text: str) -> tuple[str, list[Entity]]:
    out = _Builder()
    # open tags: (tag name, entity start, attributes)
    stack: list[tuple[str, int, dict[str, str]]] = []
    i = 0
    while i < len(text):
        ch = text[i]
        decoded = _decode_entity(text, i) if ch == "&" else None
        if decoded is not None:
            out.add(decoded[0])
            i = decoded[1]
            continue
        if ch != "<":
            j = i + 1
            while j < len(text) and text[j] not in "<&":
                j += 1
            out.add(text[i:j])
            i = j
            continue
        close = text.find(">", i)
        if text.startswith("</", i):
            if not stack:
                raise MarkupError(f"Unexpected end tag at byte offset {_byte_offset(text, i)}")
            if close == -1:
                raise MarkupError(f"Unclosed end tag at byte offset {_byte_offset(text, i)}")
            name, _, rest = text[i + 2 : close].partition(" ")
            if rest.strip():
                raise MarkupError(f"Unclosed end tag at byte offset {_byte_offset(text, i)}")
            open_name, start, attrs = stack.pop()
            if name and name != open_name:  # `</>` closes any tag; names are case-sensitive
                raise MarkupError(
                    f"Unmatched end tag at byte offset {_byte_offset(text, i)}, "
                    f'expected "</{open_name}>", found "</{name}>"'
                )
            _close_html(out, open_name, start, attrs)
            i = close + 1
            continue
        # the tag's name runs to the first space or `>`, as in Telegram: `<br/>` is "br/"
        name = re.split(r"[\s>]", text[i + 1 :], maxsplit=1)[0].lower()
        if i + 1 + len(name) == len(text):
            raise MarkupError(f"Unclosed start tag at byte offset {_byte_offset(text, i)}")
        if name not in _HTML_TAGS:
            raise MarkupError(
                f'Unsupported start tag "{name}" at byte offset {_byte_offset(text, i)}'
            )
        if close == -1:
            raise MarkupError(f"Unclosed start tag at byte offset {_byte_offset(text, i)}")
        attrs = _html_attributes(text, i + 1 + len(name), close)
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise MarkupError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {_byte_offset(text, i)}'
            )
        if name == "tg-emoji" and not attrs.get("emoji-id", "").isdigit():
            at = _byte_offset(text, i)
            raise MarkupError(f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset {at}')
        stack.append((name, out.pos, attrs))
        i = close + 1
    if stack:
        raise MarkupError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    return out.text(), _merge_pre_code(out.entities)


def _html_attributes(text: str, start: int, close: int) -> dict[str, str]:
    attrs: dict[str, str] = {}
    rest = text[start:close].rstrip("/ \t\n")
    pos = 0
    while pos < len(rest):
        match = _ATTR.match(rest, pos)
        if not match or match.end() == pos:
            raise MarkupError(
                f"Can't parse tag attributes at byte offset {_byte_offset(text, start)}"
            )
        value = next((g for g in match.groups()[1:] if g is not None), "")
        attrs[match.group(1).lower()] = value.replace("&amp;", "&").replace("&quot;", '"')
        pos = match.end()
    return attrs


def _close_html(out: _Builder, name: str, start: int, attrs: dict[str, str]) -> None:
    kind = _HTML_TAGS[name]
    if kind == "text_link":
        if attrs.get("href"):
            out.entity("text_link", start, url=attrs["href"])
    elif kind == "code" and attrs.get("class", "").startswith("language-"):
        out.entity("code", start, language=attrs["class"].removeprefix("language-"))
    elif kind == "blockquote" and "expandable" in attrs:
        out.entity("expandable_blockquote", start)
    elif kind == "custom_emoji":
        out.entity("custom_emoji", start, custom_emoji_id=attrs["emoji-id"])
    else:
        out.entity(kind, start)


def _merge_pre_code(entities: list[Entity]) -> list[Entity]:
    """`<pre><code class="language-x">` is one `pre` entity with a language, as in Telegram."""
    pres = {(e["offset"], e["length"]): e for e in entities if e["type"] == "pre"}
    merged: list[Entity] = []
    for entity in entities:
        key = (entity["offset"], entity["length"])
        if entity["type"] == "code" and key in pres:
            if "language" in entity:
                pres[key]["language"] = entity["language"]
            continue
        if entity["type"] == "code":
            entity.pop("language", None)
        merged.append(entity)
    return merged


# --- MarkdownV2 -------------------------------------------------------------------------------

_MDV2_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
}
_MDV2_SIMPLE = {"*": "bold", "~": "strikethrough"}
_MDV2_CLOSERS = {"bold": "*", "strikethrough": "~", "underline": "__", "spoiler": "||"}


def _parse_markdown_v2(text: str) -> tuple[str, list[Entity]]:
    out = _Builder()
    stack: list[tuple[str, int, int, str]] = []  # (type, entity start, byte offset, extra)
    quote: tuple[int, bool] | None = None  # (start, expandable)
    line_end = 0  # builder position before the last newline, where an open blockquote ends
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        at_line_start = i == 0 or text[i - 1] == "\n"
        if at_line_start and not (stack and stack[-1][0] in ("pre", "code")):
            if text.startswith("**>", i) or ch == ">":
                if quote is None:
                    quote = (out.pos, text.startswith("**>", i))
                i += 3 if text.startswith("**>", i) else 1
                continue
            if quote is not None:
                out.entities.append(_quote_entity(quote, line_end))
                quote = None
        kind = stack[-1][0] if stack else None
        if ch == "\\" and i + 1 < n and 0 < ord(text[i + 1]) <= 126:
            out.add(text[i + 1])
            i += 2
            continue
        if kind in ("code", "pre"):
            closing = "```" if kind == "pre" else "`"
            if text.startswith(closing, i):
                _, start, _, extra = stack.pop()
                if kind == "pre" and extra:
                    out.entity("pre", start, language=extra)
                else:
                    out.entity(kind, start)
                i += len(closing)
            else:
                out.add(ch)
                i += 1
            continue
        if ch == "\n":
            line_end = out.pos
            out.add(ch)
            i += 1
            continue
        if ch not in _MDV2_RESERVED:
            out.add(ch)
            i += 1
            continue
        if quote is not None and quote[1] and text.startswith("||", i):
            after = i + 2
            if after == n or text[after] == "\n":
                line_end = out.pos
                out.entities.append(_quote_entity(quote, out.pos))
                quote = None
                i = after
                continue
        closed = _mdv2_close(text, i, stack, out)
        if closed:
            i = closed
            continue
        i = _mdv2_open(text, i, stack, out)
    if stack:
        name = _MDV2_NAMES[stack[-1][0]]
        raise MarkupError(f"Can't find end of {name} entity at byte offset {stack[-1][2]}")
    if quote is not None:
        out.entities.append(_quote_entity(quote, out.pos))
    return out.text(), out.entities


def _quote_entity(quote: tuple[int, bool], end: int) -> Entity:
    start, expandable = quote
    kind = "expandable_blockquote" if expandable else "blockquote"
    return {"type": kind, "offset": start, "length": max(end - start, 0)}


def _mdv2_close(text: str, i: int, stack: list[tuple[str, int, int, str]], out: _Builder) -> int:
    """If `text[i]` ends the innermost entity, close it and return the next index, else 0."""
    if not stack:
        return 0
    kind, start, byte_at, _ = stack[-1]
    ch = text[i]
    closer = _MDV2_CLOSERS.get(kind)
    if closer is not None and text.startswith(closer, i):
        length = len(closer)
    elif kind == "italic" and ch == "_" and (text[i : i + 2] != "__" or text[i : i + 3] == "___"):
        length = 1  # `___x___`: the first `_` closes the italic, the pair the underline
    elif kind in ("text_link", "custom_emoji") and ch == "]":
        stack.pop()
        return _mdv2_link_target(text, i + 1, kind, start, byte_at, out)
    else:
        return 0
    stack.pop()
    out.entity(kind, start)
    return i + length


def _mdv2_link_target(text: str, i: int, kind: str, start: int, byte_at: int, out: _Builder) -> int:
    if not text.startswith("(", i):
        if kind == "custom_emoji":
            raise MarkupError(
                f"Custom emoji entity must contain a tg://emoji URL at byte {byte_at}"
            )
        return i  # `[text]` without a URL is kept as plain text
    url: list[str] = []
    j = i + 1
    while j < len(text) and text[j] != ")":
        if text[j] == "\\" and j + 1 < len(text):
            j += 1
        url.append(text[j])
        j += 1
    if j >= len(text):
        raise MarkupError(f"Can't find end of a URL at byte offset {_byte_offset(text, i)}")
    target = "".join(url)
    if kind == "custom_emoji":
        match = re.fullmatch(r"tg://emoji\?id=(\d+)", target)
        if not match:
            raise MarkupError(f"Custom emoji URL must have an emoji identifier at byte {byte_at}")
        out.entity("custom_emoji", start, custom_emoji_id=match.group(1))
    else:
        out.entity("text_link", start, url=target)
    return j + 1


def _mdv2_open(text: str, i: int, stack: list[tuple[str, int, int, str]], out: _Builder) -> int:
    """Open the entity that the reserved character at `text[i]` starts; next index."""
    ch = text[i]
    byte_at = _byte_offset(text, i)
    if ch in _MDV2_SIMPLE:
        stack.append((_MDV2_SIMPLE[ch], out.pos, byte_at, ""))
        return i + 1
    if ch == "_":
        if text.startswith("__", i):
            stack.append(("underline", out.pos, byte_at, ""))
            return i + 2
        stack.append(("italic", out.pos, byte_at, ""))
        return i + 1
    if ch == "|" and text.startswith("||", i):
        stack.append(("spoiler", out.pos, byte_at, ""))
        return i + 2
    if ch == "[":
        stack.append(("text_link", out.pos, byte_at, ""))
        return i + 1
    if ch == "!" and text.startswith("![", i):
        stack.append(("custom_emoji", out.pos, byte_at, ""))
        return i + 2
    if ch == "`":
        if text.startswith("```", i):
            newline = text.find("\n", i + 3)
            language = text[i + 3 : newline].strip() if newline != -1 else ""
            if newline != -1 and re.fullmatch(r"[A-Za-z0-9_+#.-]*", language):
                stack.append(("pre", out.pos, byte_at, language))
                return newline + 1
            stack.append(("pre", out.pos, byte_at, ""))
            return i + 3
        stack.append(("code", out.pos, byte_at, ""))
        return i + 1
    raise MarkupError(f"Character '{ch}' is reserved and must be escaped with the preceding '\\'")


# --- legacy Markdown --------------------------------------------------------------------------


def _parse_markdown_v1(text: str) -> tuple[str, list[Entity]]:
    out = _Builder()
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "\\" and i + 1 < n and text[i + 1] in _MDV1_MARKERS:
            out.add(text[i + 1])
            i += 2
            continue
        if ch not in _MDV1_MARKERS:
            out.add(ch)
            i += 1
            continue
        byte_at = _byte_offset(text, i)
        unclosed = MarkupError(f"Can't find end of the entity starting at byte offset {byte_at}")
        if ch == "[":
            end = text.find("]", i + 1)
            if end == -1:
                raise unclosed
            start = out.pos
            out.add(text[i + 1 : end])
            if text.startswith("(", end + 1):
                close = text.find(")", end + 2)
                if close == -1:
                    raise unclosed
                out.entity("text_link", start, url=text[end + 2 : close])
                i = close + 1
            else:
                i = end + 1
            continue
        marker = "```" if text.startswith("```", i) else ch
        end = text.find(marker, i + len(marker))
        if end == -1:
            raise unclosed
        body = text[i + len(marker) : end]
        start = out.pos
        if marker == "```":
            first, sep, rest = body.partition("\n")
            language = (
                first.strip() if sep and re.fullmatch(r"[A-Za-z0-9_+#.-]+", first.strip()) else ""
            )
            out.add(rest if language else body)
            out.entity("pre", start, **({"language": language} if language else {}))
        else:
            out.add(body)
            out.entity({"*": "bold", "_": "italic", "`": "code"}[ch], start)
        i = end + len(marker)
    return out.text(), out.entities

"""Telegram's HTML formatting, parsed the way Telegram's servers (tdlib) parse it.

The bot formats every message with ``parse_mode=HTML``; Telegram rejects a message whose markup it
cannot parse, and the user sees only the plain text plus formatting entities. This module reproduces
both halves so that tests fail exactly where Telegram would, and so that the sandbox can render a
message from entities instead of trusting the bot's markup.

One deliberate strictness: tdlib silently keeps a bare ``&`` that starts no entity, but Telegram's
documentation requires escaping it, and an unescaped ``&`` almost always means user text went
unescaped (the next user will type ``<``). ``parse_html(..., strict_ampersand=True)`` (the default)
therefore rejects it.

Offsets and lengths of entities are in UTF-16 code units, as in the Bot API.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

SUPPORTED_TAGS = frozenset(
    {
        "a", "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler",
        "tg-emoji", "code", "pre", "blockquote",
    }
)  # fmt: skip

_SIMPLE_ENTITY = {
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
    "code": "code",
    "pre": "pre",
}

_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z]{2,4}));")
_SPACE = " \t\r\n\f"


class HtmlParseError(ValueError):
    """Raised with Telegram's own wording (after "Bad Request: can't parse entities: ")."""


@dataclass(frozen=True)
class Entity:
    """A MessageEntity; offsets in UTF-16 code units."""

    type: str
    offset: int
    length: int
    url: str | None = None
    language: str | None = None
    custom_emoji_id: str | None = None

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {"type": self.type, "offset": self.offset, "length": self.length}
        for key in ("url", "language", "custom_emoji_id"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data


@dataclass(frozen=True)
class Parsed:
    """What the user sees: plain text and the entities that format it."""

    text: str
    entities: tuple[Entity, ...] = ()


@dataclass
class _Open:
    tag: str
    start: int  # UTF-16 offset in the output text
    attrs: dict[str, str] = field(default_factory=dict)


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(source: str, index: int) -> int:
    return len(source[:index].encode("utf-8"))


def _decode_entity(source: str, i: int) -> tuple[str, int] | None:
    """Decode an HTML entity at ``source[i] == '&'``; returns (char, next index) or None."""
    match = _ENTITY_RE.match(source, i)
    if not match:
        return None
    decimal, hexa, name = match.groups()
    if name is not None:
        char = _NAMED_ENTITIES.get(name.lower())
        return (char, match.end()) if char else None
    code = int(decimal) if decimal is not None else int(hexa, 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code), match.end()


def _unescape(raw: str) -> str:
    """Decode entities inside an attribute value; undecodable ones stay as written."""

    def one(match: re.Match[str]) -> str:
        decoded = _decode_entity(match.group(0), 0)
        return decoded[0] if decoded else match.group(0)

    return _ENTITY_RE.sub(one, raw)


class _Parser:
    def __init__(self, source: str, strict_ampersand: bool) -> None:
        self.src = source
        self.strict_ampersand = strict_ampersand
        self.out: list[str] = []
        self.pos16 = 0
        self.stack: list[_Open] = []
        self.entities: list[Entity] = []

    def emit(self, chars: str) -> None:
        self.out.append(chars)
        self.pos16 += utf16_len(chars)

    def error(self, message: str) -> HtmlParseError:
        return HtmlParseError(message)

    def run(self) -> Parsed:
        src, i = self.src, 0
        while i < len(src):
            char = src[i]
            if char == "&":
                i = self._ampersand(i)
            elif char == "<":
                i = self._end_tag(i) if src.startswith("</", i) else self._start_tag(i)
            else:
                nxt = min((j for j in (src.find("<", i), src.find("&", i)) if j != -1), default=len(src))
                self.emit(src[i:nxt])
                i = nxt
        if self.stack:
            raise self.error(f'Can\'t find end tag corresponding to start tag "{self.stack[-1].tag}"')
        ordered = sorted(self.entities, key=lambda e: (e.offset, -e.length))
        return Parsed("".join(self.out), tuple(ordered))

    def _ampersand(self, i: int) -> int:
        decoded = _decode_entity(self.src, i)
        if decoded is not None:
            self.emit(decoded[0])
            return decoded[1]
        if self.strict_ampersand:
            raise self.error(
                f'Unescaped "&" at byte offset {_byte_offset(self.src, i)}; escape it as "&amp;"'
            )
        self.emit("&")
        return i + 1

    def _start_tag(self, begin: int) -> int:
        src, i = self.src, begin + 1
        while i < len(src) and src[i] not in _SPACE and src[i] != ">":
            i += 1
        if i >= len(src):
            raise self.error(f"Unclosed start tag at byte offset {_byte_offset(src, begin)}")
        tag = src[begin + 1 : i].lower()
        if tag not in SUPPORTED_TAGS:
            raise self.error(f'Unsupported start tag "{tag}" at byte offset {_byte_offset(src, begin)}')
        attrs, i = self._attributes(tag, begin, i)
        if tag == "span" and attrs.get("class") != "tg-spoiler":
            raise self.error(
                f'Tag "span" must have class "tg-spoiler" at byte offset {_byte_offset(src, begin)}'
            )
        self.stack.append(_Open(tag, self.pos16, attrs))
        return i + 1

    def _attributes(self, tag: str, begin: int, i: int) -> tuple[dict[str, str], int]:
        src = self.src
        attrs: dict[str, str] = {}
        where = f'the tag "{tag}" at byte offset {_byte_offset(src, begin)}'
        while True:
            while i < len(src) and src[i] in _SPACE:
                i += 1
            if i >= len(src):
                raise self.error(f"Unclosed start tag at byte offset {_byte_offset(src, begin)}")
            if src[i] == ">":
                return attrs, i
            name_start = i
            while i < len(src) and src[i] not in _SPACE and src[i] not in "=>":
                i += 1
            name = src[name_start:i].lower()
            while i < len(src) and src[i] in _SPACE:
                i += 1
            if i >= len(src) or src[i] != "=":
                if tag == "blockquote" and name == "expandable":
                    attrs[name] = ""
                    continue
                raise self.error(f"Expected equal sign in declaration of an attribute of {where}")
            value, i = self._attribute_value(begin, where, i + 1)
            attrs[name] = value

    def _attribute_value(self, begin: int, where: str, i: int) -> tuple[str, int]:
        src = self.src
        while i < len(src) and src[i] in _SPACE:
            i += 1
        if i >= len(src):
            raise self.error(f"Unclosed start tag at byte offset {_byte_offset(src, begin)}")
        quote = src[i]
        if quote not in "'\"":
            start = i
            while i < len(src) and (src[i].isalnum() or src[i] in ".-_"):
                i += 1
            if i == start:
                raise self.error(f"Expected quote in declaration of an attribute of {where}")
            return src[start:i], i
        end = src.find(quote, i + 1)
        if end == -1:
            raise self.error(f"Unclosed start tag at byte offset {_byte_offset(src, begin)}")
        raw = src[i + 1 : end]
        return _unescape(raw), end + 1

    def _end_tag(self, begin: int) -> int:
        src = self.src
        if not self.stack:
            raise self.error(f"Unexpected end tag at byte offset {_byte_offset(src, begin)}")
        i = begin + 2
        while i < len(src) and (src[i].isalnum() or src[i] == "-"):
            i += 1
        name = src[begin + 2 : i].lower()
        while i < len(src) and src[i] in _SPACE:
            i += 1
        if i >= len(src) or src[i] != ">":
            raise self.error(f"Unclosed end tag at byte offset {_byte_offset(src, begin)}")
        opened = self.stack.pop()
        if name and name != opened.tag:
            raise self.error(
                f'Unmatched end tag at byte offset {_byte_offset(src, begin)}, expected "</{opened.tag}>", '
                f'found "</{name}>"'
            )
        self._close(opened)
        return i + 1

    def _close(self, opened: _Open) -> None:
        length = self.pos16 - opened.start
        if length == 0:
            return
        tag, attrs = opened.tag, opened.attrs
        if tag == "a":
            url = attrs.get("href", "")
            if url:
                self.entities.append(Entity("text_link", opened.start, length, url=url))
        elif tag == "tg-emoji":
            self.entities.append(
                Entity("custom_emoji", opened.start, length, custom_emoji_id=attrs.get("emoji-id"))
            )
        elif tag == "blockquote":
            kind = "expandable_blockquote" if "expandable" in attrs else "blockquote"
            self.entities.append(Entity(kind, opened.start, length))
        elif tag == "code" and self._inside_pre(opened):
            return
        elif tag == "pre":
            self.entities.append(Entity("pre", opened.start, length, language=self._pre_language(opened)))
        else:
            self.entities.append(Entity(_SIMPLE_ENTITY[tag], opened.start, length))

    def _inside_pre(self, opened: _Open) -> bool:
        """``<pre><code class="language-x">`` is one pre entity with a language, as in Telegram."""
        if self.stack and self.stack[-1].tag == "pre":
            language = opened.attrs.get("class", "")
            if language.startswith("language-"):
                self.stack[-1].attrs["language"] = language.removeprefix("language-")
            return True
        return False

    @staticmethod
    def _pre_language(opened: _Open) -> str | None:
        return opened.attrs.get("language") or None


def parse_html(source: str, *, strict_ampersand: bool = True) -> Parsed:
    """Parse Telegram HTML into plain text and entities, or raise :class:`HtmlParseError`."""
    return _Parser(source, strict_ampersand).run()


def parse_plain(source: str) -> Parsed:
    """A message sent without parse_mode: the text as is, no entities."""
    return Parsed(source, ())

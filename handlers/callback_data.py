"""Typed callback data for inline buttons, packed into Telegram's 64-byte limit.

Each feature declares small frozen dataclasses::

    @dataclass(frozen=True)
    class Rsvp(CallbackData, prefix="rsvp"):
        meeting_id: int
        answer: str

``Rsvp(7, "yes").pack() == "rsvp:7:yes"``; ``Rsvp.unpack(data)`` returns ``None`` for anything
malformed or forged, so handlers treat garbage exactly like an unknown meeting: refuse kindly.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from typing import Any, ClassVar, Self, get_type_hints

MAX_BYTES = 64
SEPARATOR = ":"
_INT = re.compile(r"^-?\d{1,19}$")


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    """The field types of a callback data class, resolved once (typing's resolution is slow)."""
    return get_type_hints(cls)


class CallbackData:
    PREFIX: ClassVar[str]
    # Every kind is a dataclass (see the module docstring): declared so that the type checker knows
    # ``dataclasses.fields`` applies; ``@dataclass`` sets it on each subclass.
    __dataclass_fields__: ClassVar[dict[str, dataclasses.Field[Any]]]

    def __init_subclass__(cls, prefix: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,15}", prefix):
            raise ValueError(f"bad callback prefix {prefix!r}")
        cls.PREFIX = prefix

    def pack(self) -> str:
        values = [str(getattr(self, field.name)) for field in dataclasses.fields(self)]
        if any(SEPARATOR in value for value in values):
            raise ValueError("callback values may not contain ':'")
        packed = SEPARATOR.join([self.PREFIX, *values])
        if len(packed.encode()) > MAX_BYTES:
            raise ValueError(f"callback data over {MAX_BYTES} bytes")
        return packed

    @classmethod
    def pattern(cls) -> str:
        """A regex for ``CallbackQueryHandler(pattern=...)`` that selects this kind of button."""
        return f"^{re.escape(cls.PREFIX)}{SEPARATOR}"

    @classmethod
    def unpack(cls, data: str | None) -> Self | None:
        if not data:
            return None
        prefix, _, rest = data.partition(SEPARATOR)
        fields = dataclasses.fields(cls)
        parts = rest.split(SEPARATOR) if rest else []
        if prefix != cls.PREFIX or len(parts) != len(fields):
            return None
        owner: type = cls  # as a plain type: mypy cannot see that type[Self] is hashable
        hints = _hints(owner)
        values: list[Any] = []
        for field, raw in zip(fields, parts, strict=True):
            kind = hints[field.name]
            if kind is int:
                if not _INT.match(raw):
                    return None
                values.append(int(raw))
            elif kind is str:
                values.append(raw)
            else:  # enums and other single-argument constructors
                try:
                    values.append(kind(raw))
                except (ValueError, TypeError):
                    return None
        return cls(*values)

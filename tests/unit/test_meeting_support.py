"""Meeting ids typed by people are read strictly (ASCII digits, a sane length)."""

from __future__ import annotations

import pytest

from handlers.meetings.views import meeting_id_from


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", 12),
        ("#12", 12),
        ("m12", 12),
        (" 7 ", 7),
        ("²", None),
        ("١٢", None),
        ("1" * 13, None),
        ("x", None),
    ],
)
def test_meeting_ids_are_read_strictly(text: str, expected: int | None) -> None:
    assert meeting_id_from(text) == expected

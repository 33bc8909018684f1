"""Callback data packs within Telegram's 64 bytes and refuses anything forged or malformed."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handlers.callback_data import CallbackData


class Answer(StrEnum):
    YES = "yes"
    NO = "no"


@dataclass(frozen=True)
class Rsvp(CallbackData, prefix="rsvp"):
    meeting_id: int
    answer: Answer


def test_round_trip() -> None:
    packed = Rsvp(42, Answer.YES).pack()
    assert packed == "rsvp:42:yes"
    assert Rsvp.unpack(packed) == Rsvp(42, Answer.YES)


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        "rsvp",
        "rsvp:",
        "rsvp:42",
        "rsvp:x:yes",
        "rsvp:42:maybe-not",
        "lang:42:yes",
        "rsvp:1:yes:extra",
    ],
)
def test_malformed_or_forged_data_is_refused(data: str | None) -> None:
    assert Rsvp.unpack(data) is None


def test_oversized_data_cannot_be_packed() -> None:
    @dataclass(frozen=True)
    class Long(CallbackData, prefix="long"):
        text: str

    with pytest.raises(ValueError, match="64 bytes"):
        Long("x" * 70).pack()


@given(st.text(max_size=200))
def test_unpack_never_raises(data: str) -> None:
    result = Rsvp.unpack(data)
    assert result is None or result.pack() == data


@given(st.integers(min_value=-(10**15), max_value=10**15), st.sampled_from(list(Answer)))
def test_any_meeting_round_trips(meeting_id: int, answer: Answer) -> None:
    assert Rsvp.unpack(Rsvp(meeting_id, answer).pack()) == Rsvp(meeting_id, answer)

"""Plan text sealed at rest: it opens only under the same key, for the same owner and field."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.sealing import Sealer, SealError

SECRET = "test-secret-0123456789-abcdefghijklmnop"


def test_a_sealed_text_opens_for_its_owner_and_field_only() -> None:
    box = Sealer(SECRET)
    sealed = box.seal(7, "safety:people", "my sister Lucía 555-0142")
    assert b"Luc" not in sealed and b"555" not in sealed
    assert box.open(7, "safety:people", sealed) == "my sister Lucía 555-0142"
    with pytest.raises(SealError):
        box.open(8, "safety:people", sealed)  # moved to another person's row
    with pytest.raises(SealError):
        box.open(7, "safety:reasons", sealed)  # moved to another field
    with pytest.raises(SealError):
        Sealer("another-secret-0123456789-abcdefghijk").open(7, "safety:people", sealed)


def test_damage_is_refused_not_misread() -> None:
    box = Sealer(SECRET)
    sealed = bytearray(box.seal(7, "plan:goal", "walk every day"))
    sealed[-1] ^= 1
    with pytest.raises(SealError):
        box.open(7, "plan:goal", bytes(sealed))
    with pytest.raises(SealError):
        box.open(7, "plan:goal", b"\x01short")
    with pytest.raises(SealError):
        box.open(7, "plan:goal", b"walk every day, stored in the clear by mistake")


def test_the_same_words_seal_differently_each_time() -> None:
    box = Sealer(SECRET)
    assert box.seal(7, "plan:goal", "same") != box.seal(7, "plan:goal", "same")


def test_the_plan_key_is_not_the_pseudonym_secret_under_another_label() -> None:
    sealed = Sealer(SECRET).seal(7, "plan:goal", "x")
    with pytest.raises(SealError):
        Sealer(SECRET, label=b"kindred:checkin:v1:").open(7, "plan:goal", sealed)


def test_an_empty_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="empty"):
        Sealer("")


@given(st.text(max_size=500), st.integers(min_value=1, max_value=2**53))
def test_any_text_round_trips(text: str, owner: int) -> None:
    box = Sealer(SECRET)
    text = text.encode("utf-8", "replace").decode("utf-8", "replace")  # surrogates are not text
    assert box.open(owner, "plan:step", box.seal(owner, "plan:step", text)) == text

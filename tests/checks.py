"""Small checks shared by tests of every layer."""

from __future__ import annotations

from typing import TypeVar

T = TypeVar("T")


def found(value: T | None) -> T:
    """What a lookup returned, failing the test with a clear message (not an AttributeError a few
    characters later) when it found nothing; typed, so the checker knows it is there."""
    assert value is not None, "the lookup found nothing"
    return value

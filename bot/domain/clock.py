"""Where "now" comes from.

Domain code never calls ``datetime.now()``; it is handed a :class:`Clock` (or an aware ``now``),
so schedules are tested by moving time rather than by sleeping.  Production uses
:class:`SystemClock`.  End-to-end tests start the real bot process with ``CLOCK_FILE`` pointing at
a file holding an ISO-8601 instant: :class:`FileClock` reads it, and re-reads it on ``SIGUSR1``,
telling its listeners (the scheduler) that time has jumped.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        ...

    def on_change(self, listener: Callable[[], None]) -> None:
        """Call *listener* whenever time jumps (never, for the system clock)."""
        ...


class SystemClock:
    """The wall clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def on_change(self, listener: Callable[[], None]) -> None:
        """The system clock never jumps on purpose, so there is nothing to tell."""


class FixedClock:
    """A clock that stands still until moved; for unit tests."""

    def __init__(self, now: datetime) -> None:
        self._now = now.astimezone(UTC)
        self._listeners: list[Callable[[], None]] = []

    def now(self) -> datetime:
        return self._now

    def set(self, now: datetime) -> None:
        self._now = now.astimezone(UTC)
        for listener in list(self._listeners):
            listener()

    def on_change(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)


class FileClock(FixedClock):
    """A :class:`FixedClock` whose time is read from a file; tests move it and send SIGUSR1."""

    def __init__(self, path: Path) -> None:
        self._path = path
        super().__init__(self._read())

    def _read(self) -> datetime:
        instant = datetime.fromisoformat(self._path.read_text().strip())
        if instant.tzinfo is None:
            raise ValueError(f"{self._path} must hold an aware ISO-8601 instant")
        return instant

    def reload(self) -> None:
        self.set(self._read())


def clock_from_file(path: Path | None) -> Clock:
    return FileClock(path) if path else SystemClock()

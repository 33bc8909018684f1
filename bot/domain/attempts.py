"""How often one person may try something costly or guessable: a sliding window per person.

Some actions must not be repeated without limit by one person: checking proof-of-attendance
codes (``/verify``: each try is a guess at a code) and making the bot fetch a link (``/import``:
each try is a download on someone's behalf).  :class:`AttemptLimiter` allows at most
``Limit.attempts`` in any window of ``Limit.window``; a refused attempt is not counted, so a
person who waits gets their turn back as their oldest attempts leave the window.

Pure logic over an aware ``now`` handed in (the injected clock), so tests move time instead of
waiting.  The windows live in memory: a restart forgets them, which only ever errs towards
letting someone try again.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

SWEEP_EVERY = 1024  # attempts between sweeps of people whose windows have emptied


@dataclass(frozen=True)
class Limit:
    attempts: int
    window: timedelta

    def __post_init__(self) -> None:
        if self.attempts < 1 or self.window <= timedelta(0):
            raise ValueError("a limit allows at least one attempt in a positive window")


@dataclass(frozen=True)
class Verdict:
    """Whether an attempt may go ahead; when not, how long until it may, and how many attempts
    this person has had refused since their last allowed one (for the log)."""

    allowed: bool
    retry_in: timedelta = timedelta(0)
    refusals: int = 0

    def __bool__(self) -> bool:
        return self.allowed

    @property
    def retry_minutes(self) -> int:
        """The wait in whole minutes, rounded up, at least one: what a person is told."""
        return max(1, math.ceil(self.retry_in / timedelta(minutes=1)))


@dataclass
class _Window:
    allowed: deque[datetime] = field(default_factory=deque)
    refusals: int = 0


class AttemptLimiter:
    """At most ``limit.attempts`` attempts per person in any sliding ``limit.window``."""

    def __init__(self, limit: Limit) -> None:
        self.limit = limit
        self._windows: dict[int, _Window] = {}
        self._attempts = 0

    def attempt(self, person_id: int, now: datetime) -> Verdict:
        """Count an attempt by *person_id* at *now* if the window has room; say when it has not."""
        self._attempts += 1
        if self._attempts % SWEEP_EVERY == 0:
            self._sweep(now)
        window = self._windows.setdefault(person_id, _Window())
        self._expire(window, now)
        if len(window.allowed) < self.limit.attempts:
            window.allowed.append(now)
            window.refusals = 0
            return Verdict(True)
        window.refusals += 1
        return Verdict(False, window.allowed[0] + self.limit.window - now, window.refusals)

    def _expire(self, window: _Window, now: datetime) -> None:
        while window.allowed and window.allowed[0] <= now - self.limit.window:
            window.allowed.popleft()

    def _sweep(self, now: datetime) -> None:
        """Forget people whose windows have emptied, so memory stays flat over a long run."""
        for person_id, window in list(self._windows.items()):
            self._expire(window, now)
            if not window.allowed:
                del self._windows[person_id]

    def __len__(self) -> int:
        """People currently remembered (for tests of the sweep)."""
        return len(self._windows)

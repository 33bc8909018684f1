"""Fault switches: Telegram's rate limits, server errors, blocked users and slow answers.

Rate limits use sliding windows over an injectable monotonic clock, so tests can move time by hand
instead of sleeping. Defaults follow Telegram's published guidance:

* private chat: 3 messages per 3 seconds (about one per second, with the short bursts Telegram
  tolerates in practice);
* group: 20 messages per 60 seconds;
* overall: 30 messages per second.

A refused send answers ``429 Too Many Requests: retry after N`` with ``parameters.retry_after = N``,
N being the whole seconds until the oldest message in the full window leaves it.
"""

from __future__ import annotations

import math
import random
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Window:
    """At most ``limit`` messages per ``seconds``."""

    limit: int
    seconds: float


@dataclass
class RateLimits:
    private: Window = field(default_factory=lambda: Window(3, 3.0))
    group: Window = field(default_factory=lambda: Window(20, 60.0))
    overall: Window = field(default_factory=lambda: Window(30, 1.0))


class SlidingWindowLimiter:
    """Counts sends per key within a window; tells how long to wait when the window is full."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._sent: dict[object, deque[float]] = {}

    def retry_after(self, key: object, window: Window) -> int:
        """Seconds to wait before a send under ``key`` is allowed; 0 when it is allowed now."""
        now = self._clock()
        sent = self._sent.setdefault(key, deque())
        while sent and sent[0] <= now - window.seconds:
            sent.popleft()
        if len(sent) < window.limit:
            return 0
        return max(1, math.ceil(sent[0] + window.seconds - now))

    def record(self, key: object) -> None:
        self._sent.setdefault(key, deque()).append(self._clock())


@dataclass
class Faults:
    """Switches tests flip to make the emulator misbehave like the real service sometimes does."""

    rate_limits: bool = False
    limits: RateLimits = field(default_factory=RateLimits)
    server_error_rate: float = 0.0
    # The next this many requests (getUpdates aside) are answered 502 with an HTML page instead of
    # Telegram's JSON, as a proxy in front of the Bot API answers when Telegram is unreachable.
    html_bad_gateways: int = 0
    blocked: set[int] = field(default_factory=set)
    latency: float = 0.0
    # Seconds added to the answers of these methods only (by name, e.g. "setWebhook"), on top of
    # ``latency``: holds a bot inside one step (its start-up, its webhook being set) for a test.
    slow_methods: dict[str, float] = field(default_factory=dict)
    seed: int = 0
    clock: Callable[[], float] = time.monotonic

    def __post_init__(self) -> None:
        self.random = random.Random(self.seed)
        self.limiter = SlidingWindowLimiter(self.now)

    def now(self) -> float:
        """The clock's time; tests may swap ``clock`` for a fake one at any point."""
        return self.clock()

    def reseed(self, seed: int) -> None:
        self.random.seed(seed)

"""A change signal that synchronous code can fire and coroutines can wait on (no polling)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable


class Signal:
    """``notify()`` wakes every waiter; waiters re-check their condition after each change."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait_for(self, predicate: Callable[[], bool], timeout: float | None) -> None:  # noqa: ASYNC109
        """Return once ``predicate()`` holds; raise TimeoutError after ``timeout`` seconds."""
        async with asyncio.timeout(timeout):
            while not predicate():
                await self._event.wait()

"""Edits of a message's counts, coalesced per message: the latest edit wins.

A button press that changes counts shown in place (RSVPs, a facilitator's attendance panel, a
broadcast's progress) must not edit the message itself: in a group every edit spends the group's
budget (GROUP_MESSAGES_PER_MINUTE, 20 by default), and since a chat's updates are handled in
order, the answer to each press would wait behind the edits of all the presses before it.  Fifty
people pressing "Going" at once then waited up to 96 s, and Telegram fails a press not answered
within a few seconds.

So handlers answer the press and hand the edit here.  Each message (chat id, message id) gets a
small budget: a few edits at once, then one every few seconds (:class:`EditPace`).  While an edit
waits for the budget, a newer one replaces it; an edit renders what the message should show when
it runs, so the last one always shows the true counts, and one identical to what the message
already shows is skipped (Telegram refuses an edit that changes nothing).  A burst of fifty
presses becomes a handful of edits, the last showing the final counts a few seconds later.

Edits live in memory: after a crash a label may show the counts of a few seconds before, until the
next press.  On shutdown, :meth:`EditCoalescer.close` sends what is still waiting.  Nothing here
imports telegram: features pass coroutines that render and that show.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
MessageKey = tuple[int, int]  # (chat id, message id)

BURST = 3  # edits a message may get at once, so single presses show at once
SHARE_OF_GROUP_BUDGET = 0.75  # the rest of the group's budget stays for everything else
PRIVATE_EVERY = 1.0  # Telegram: about one message a second in a private chat
SWEEP_EVERY = 256  # submits between sweeps of idle messages out of memory


@dataclass(frozen=True)
class EditPace:
    """How often one message may be edited: *burst* at once, then one every *every* seconds."""

    burst: int
    every: float


def paces_for(group_messages_per_minute: int) -> tuple[EditPace, EditPace]:
    """(groups, private chats).  In a group one message's edits use at most three quarters of
    GROUP_MESSAGES_PER_MINUTE (at 20: one edit every 4 s after a burst of 3, so a burst of
    presses settles within about 4 s), leaving room for the group's other messages."""
    group_every = 60.0 / (group_messages_per_minute * SHARE_OF_GROUP_BUDGET)
    return EditPace(BURST, group_every), EditPace(BURST, PRIVATE_EVERY)


@dataclass
class Budget:
    """A leaky bucket over a monotonic clock: each edit fills it by one; it drains one per
    ``pace.every`` seconds; an edit may go while it holds less than ``pace.burst``."""

    pace: EditPace
    level: float = 0.0
    stamp: float = 0.0

    def wait(self, now: float) -> float:
        """Seconds until the next edit may go; 0.0 means now."""
        self._drain(now)
        return max(0.0, (self.level + 1 - self.pace.burst) * self.pace.every)

    def spend(self, now: float) -> None:
        self._drain(now)
        self.level += 1

    def empty(self, now: float) -> bool:
        """Nothing left to drain: forgetting this budget loses nothing."""
        self._drain(now)
        return self.level == 0

    def _drain(self, now: float) -> None:
        self.level = max(0.0, self.level - (now - self.stamp) / self.pace.every)
        self.stamp = now


@dataclass(frozen=True)
class Edit(Generic[T]):
    """One in-place edit.  ``render`` says what the message should show, read when the edit runs
    (so the newest state wins); ``show`` puts it on the message and returns False if Telegram
    refused; ``shown`` is what the message showed when pressed, if known (it avoids an edit that
    changes nothing)."""

    render: Callable[[], Awaitable[T]]
    show: Callable[[T], Awaitable[bool]]
    shown: T | None = None


@dataclass
class _Message:
    budget: Budget
    shown: Any = None
    pending: Edit[Any] | None = None
    worker: asyncio.Task[None] | None = None


class EditCoalescer:
    """Per message, the latest edit wins (see the module docstring)."""

    def __init__(
        self,
        group: EditPace,
        private: EditPace,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._group = group
        self._private = private
        self._monotonic = monotonic
        self._messages: dict[MessageKey, _Message] = {}
        self._closing = asyncio.Event()
        self._submits = 0

    def submit(self, chat_id: int, message_id: int, edit: Edit[Any]) -> None:
        """Edit the message as soon as its budget allows, replacing any edit still waiting."""
        now = self._monotonic()
        self._submits += 1
        if self._submits % SWEEP_EVERY == 0:
            self._forget_idle(now)
        key = (chat_id, message_id)
        message = self._messages.get(key)
        if message is None:
            pace = self._private if chat_id > 0 else self._group
            message = self._messages[key] = _Message(Budget(pace, stamp=now), shown=edit.shown)
        message.pending = edit
        if message.worker is None and not self._closing.is_set():
            message.worker = asyncio.create_task(self._run(key, message), name=f"edit:{chat_id}")

    async def close(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Send every edit still waiting now, without waiting for budgets, and stop."""
        self._closing.set()
        workers = [m.worker for m in self._messages.values() if m.worker is not None]
        if workers:
            await asyncio.wait(workers, timeout=timeout)

    @property
    def waiting(self) -> int:
        """Messages with an edit not yet sent."""
        return sum(1 for m in self._messages.values() if m.pending is not None)

    async def _run(self, key: MessageKey, message: _Message) -> None:
        try:
            while message.pending is not None:
                await self._pause(message.budget.wait(self._monotonic()))
                edit, message.pending = message.pending, None
                if edit is not None:
                    await self._apply(message, edit)
        finally:
            message.worker = None

    async def _apply(self, message: _Message, edit: Edit[Any]) -> None:
        try:
            content = await edit.render()
            if message.shown is not None and content == message.shown:
                return
            message.budget.spend(self._monotonic())
            if await edit.show(content):
                message.shown = content
        except Exception:
            log.exception("An in-place edit failed")

    async def _pause(self, seconds: float) -> None:
        """Wait *seconds*, or less if the coalescer is closing."""
        if seconds <= 0:
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._closing.wait()

    def _forget_idle(self, now: float) -> None:
        """Drop messages with nothing waiting and a drained budget, so memory stays flat."""
        for key in [k for k, m in self._messages.items() if m.worker is None and m.budget.empty(now)]:
            del self._messages[key]

"""Process updates from different chats at the same time, and each chat's (and person's) in order.

By default python-telegram-bot handles one update at a time, so every update waits for the HTTP
round trips and database calls of all the updates queued before it: the bot is idle most of the
time and still slow under load.  PTB's ``SimpleUpdateProcessor`` runs updates concurrently but in
no order, which breaks conversations (a person's second answer could overtake the first) and lets
two presses on one group message race each other's edits.

This processor keys each update by its chat and its sender and holds an ``asyncio.Lock`` per key
(FIFO, so each key's updates run in arrival order); updates sharing no key run concurrently, at
most ``running`` at once.  Locks are taken in a fixed order, so two updates needing the same
two keys can never wait for each other.  It is the usual pattern for bots (aiogram's and
Telethon's users build the same thing), small enough to own.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

Key = tuple[str, int]


class _KeyLocks:
    """One FIFO lock per key, kept only while someone holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[Key, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def holding(self, keys: list[Key]) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as stack:
            for key in sorted(keys):
                await stack.enter_async_context(self._lock(key))
            yield

    @contextlib.asynccontextmanager
    async def _lock(self, key: Key) -> AsyncIterator[None]:
        lock, users = self._locks.get(key) or (asyncio.Lock(), 0)
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._locks)


def keys_of(update: object) -> list[Key]:
    """The chat and the person an update belongs to (one key in a private chat)."""
    if not isinstance(update, Update):
        return []
    keys: set[Key] = set()
    if update.effective_chat is not None:
        keys.add(("chat", update.effective_chat.id))
    if update.effective_user is not None and (
        update.effective_chat is None or update.effective_chat.id != update.effective_user.id
    ):
        keys.add(("user", update.effective_user.id))
    return list(keys)


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Concurrent across chats and people, in order within each (see the module docstring).

    ``pending`` bounds the updates PTB admits at once (they mostly wait for their key);
    ``running`` bounds those actually being handled."""

    def __init__(self, running: int = 32, pending: int = 1024) -> None:
        super().__init__(max_concurrent_updates=pending)
        self._locks = _KeyLocks()
        self._running = asyncio.BoundedSemaphore(running)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        async with self._locks.holding(keys_of(update)), self._running:
            await coroutine

    async def initialize(self) -> None:
        """Nothing to set up: locks are made on demand."""

    async def shutdown(self) -> None:
        """Nothing to release: PTB waits for updates in flight before calling this."""

    @property
    def keys_in_use(self) -> int:
        return len(self._locks)

"""The bot's update queue: getUpdates long polling and webhook delivery, with Telegram's rules.

* An update is confirmed (and dropped) once getUpdates is called with a higher offset; a negative
  offset keeps only the last ``-offset`` updates.
* ``allowed_updates`` is remembered between calls and applies to updates created afterwards; by
  default chat_member, message_reaction and message_reaction_count are not sent.
* A newer getUpdates ends an older pending one with 409 Conflict; getUpdates while a webhook is set
  is refused with 409 too.
* With a webhook, updates are posted (emulator/webhooks.py) several at once, one chat at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from typing import Any

from emulator.errors import ApiError
from emulator.signal import Signal
from emulator.webhooks import RETRY_DELAYS, LoadBalancer, Webhook, WebhookSender, chat_key

log = logging.getLogger(__name__)

NOT_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


class UpdateQueue:
    def __init__(self) -> None:
        self.pending: list[dict[str, Any]] = []
        self.allowed: list[str] | None = None
        self.webhook: Webhook | None = None
        self.delivered: list[dict[str, Any]] = []  # every update handed to the bot, for tests
        self._next_id = 1
        self._poll_generation = 0
        self._closed = False
        self._changed = Signal()
        self.balancer = LoadBalancer()  # where public webhook URLs lead (emulator/webhooks.py)
        self._sender = WebhookSender(self.balancer)
        self._delivery: asyncio.Task[None] | None = None

    def wants(self, kind: str) -> bool:
        if self.allowed:
            return kind in self.allowed
        return kind not in NOT_BY_DEFAULT

    def push(self, kind: str, payload: dict[str, Any]) -> bool:
        """Queue an update unless allowed_updates filters it out; True when queued."""
        if not self.wants(kind):
            return False
        self.pending.append({"update_id": self._next_id, kind: payload})
        self._next_id += 1
        self._changed.notify()
        return True

    def _confirm(self, offset: int | None) -> None:
        if offset is None:
            return
        if offset < 0:
            self.pending = self.pending[offset:]
        else:
            self.pending = [u for u in self.pending if u["update_id"] >= offset]

    async def get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to "
                "delete the webhook first",
            )
        if "allowed_updates" in params:
            self.allowed = list(params["allowed_updates"])
        self._confirm(params.get("offset"))
        limit = min(max(params.get("limit", 100), 1), 100)
        timeout = max(params.get("timeout", 0), 0)
        self._poll_generation += 1
        generation = self._poll_generation
        self._changed.notify()  # an older long poll, if any, ends with 409
        with contextlib.suppress(TimeoutError):
            await self._changed.wait_for(
                lambda: bool(self.pending) or generation != self._poll_generation, timeout
            )
        if self._closed:
            return []  # the emulator is stopping: end long polls quietly
        if generation != self._poll_generation:
            raise ApiError(
                409,
                "Conflict: terminated by other getUpdates request; make sure that only one bot instance "
                "is running",
                kind="conflict",
            )
        batch = self.pending[:limit]
        self.delivered.extend(batch)
        return batch

    async def set_webhook(self, webhook: Webhook, drop_pending: bool) -> None:
        if drop_pending:
            self.pending.clear()
        await self._stop_delivery()
        self.webhook = webhook
        self._delivery = asyncio.create_task(self._deliver_forever(webhook))
        self._changed.notify()

    async def delete_webhook(self, drop_pending: bool) -> None:
        if drop_pending:
            self.pending.clear()
        await self._stop_delivery()
        self.webhook = None

    async def close(self) -> None:
        await self._stop_delivery()
        self._closed = True
        self._poll_generation += 1
        self._changed.notify()
        await self._sender.close()

    async def _stop_delivery(self) -> None:
        if self._delivery is not None:
            self._delivery.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._delivery
            self._delivery = None

    async def _deliver_forever(self, webhook: Webhook) -> None:
        """Keep up to ``max_connections`` deliveries in flight, one per chat at a time; an update
        that failed stays pending and its chat waits out a back-off, so nothing overtakes it."""
        busy: set[int | None] = set()
        tasks: set[asyncio.Task[None]] = set()
        try:
            while True:
                await self._changed.wait_for(lambda: self._ready(busy, webhook) is not None, None)
                update = self._ready(busy, webhook)
                assert update is not None  # noqa: S101 - just checked
                key = chat_key(update)
                busy.add(key)
                task = asyncio.create_task(self._deliver(webhook, update, key, busy))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    def _ready(self, busy: set[int | None], webhook: Webhook) -> dict[str, Any] | None:
        """The oldest pending update whose chat has nothing in flight, if a connection is free."""
        if len(busy) >= webhook.max_connections:
            return None
        blocked = set(busy)
        for update in self.pending:
            key = chat_key(update)
            if key not in blocked:
                return update
            blocked.add(key)  # an older update of this chat waits: so do the later ones
        return None

    async def _deliver(
        self, webhook: Webhook, update: dict[str, Any], key: int | None, busy: set[int | None]
    ) -> None:
        try:
            for delay in itertools.chain(RETRY_DELAYS, itertools.repeat(RETRY_DELAYS[-1])):
                if await self._sender.post(webhook, update):
                    if any(u is update for u in self.pending):
                        self.pending = [u for u in self.pending if u is not update]
                        self.delivered.append(update)
                    return
                await asyncio.sleep(delay)  # Telegram's back-off before it tries this chat again
        finally:
            busy.discard(key)
            self._changed.notify()

    def webhook_info(self) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self.webhook.url if self.webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self.pending),
        }
        if self.webhook:
            info["max_connections"] = self.webhook.max_connections
            if self.webhook.last_error_date:
                info["last_error_date"] = self.webhook.last_error_date
                info["last_error_message"] = self.webhook.last_error_message
            if self.allowed:
                info["allowed_updates"] = self.allowed
        return info

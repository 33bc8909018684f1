"""The bot's update queue: getUpdates long polling and webhook delivery, with Telegram's rules.

* An update is confirmed (and dropped) once getUpdates is called with a higher offset; a negative
  offset keeps only the last ``-offset`` updates.
* ``allowed_updates`` is remembered between calls and applies to updates created afterwards; by
  default chat_member, message_reaction and message_reaction_count are not sent.
* A newer getUpdates ends an older pending one with 409 Conflict; getUpdates while a webhook is set
  is refused with 409 too.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from dataclasses import dataclass
from typing import Any

import aiohttp

from emulator.errors import ApiError
from emulator.signal import Signal

log = logging.getLogger(__name__)

NOT_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_RETRY_DELAYS = (0.05, 0.2, 1.0, 2.0)


@dataclass
class Webhook:
    url: str
    secret_token: str | None = None
    max_connections: int = 40
    last_error_date: int | None = None
    last_error_message: str | None = None


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
        self._session: aiohttp.ClientSession | None = None
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
        self._session = self._session or aiohttp.ClientSession()
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
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _stop_delivery(self) -> None:
        if self._delivery is not None:
            self._delivery.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._delivery
            self._delivery = None

    async def _deliver_forever(self, webhook: Webhook) -> None:
        failures = 0
        while True:
            await self._changed.wait_for(lambda: bool(self.pending), None)
            update = self.pending[0]
            if await self._post(webhook, update):
                failures = 0
                if self.pending and self.pending[0] is update:
                    self.pending.pop(0)
                    self.delivered.append(update)
                continue
            delay = _RETRY_DELAYS[min(failures, len(_RETRY_DELAYS) - 1)]
            failures += 1
            await asyncio.sleep(delay)  # a retry back-off, as Telegram's, not a polling loop

    async def _post(self, webhook: Webhook, update: dict[str, Any]) -> bool:
        if self._session is None:
            return False
        headers = {"Content-Type": "application/json"}
        if webhook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = webhook.secret_token
        try:
            async with self._session.post(webhook.url, data=json.dumps(update), headers=headers) as response:
                if 200 <= response.status < 300:
                    return True
                message = f"Wrong response from the webhook: {response.status} {response.reason}"
        except (aiohttp.ClientError, OSError) as exc:
            message = f"Connection failed: {type(exc).__name__}"
        webhook.last_error_date = int(time.time())
        webhook.last_error_message = message
        log.info("webhook delivery failed: %s", message)
        return False

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

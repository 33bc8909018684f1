"""TEMPORARY local stub of the shared outbox (the lead's real one lands on main); deleted at merge.

Same contract: ``Delivery``, ``outbox(context_or_application).enqueue/cancel_pending/counts``.  This
stub keeps keys in memory and sends at once, so it is neither durable nor paced.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import Forbidden, TelegramError

log = logging.getLogger(__name__)
_KEYS: dict[str, str] = {}


@dataclass(frozen=True)
class Delivery:
    key: str
    chat_id: int
    text: str
    kind: str
    buttons: list[list[dict[str, str]]] | None = None
    batch: str | None = None
    not_before: datetime | None = None


class Outbox:
    def __init__(self, application: Any) -> None:
        self._application = application

    async def enqueue(self, deliveries: list[Delivery]) -> int:
        new = [d for d in deliveries if d.key not in _KEYS]
        for delivery in new:
            _KEYS[delivery.key] = "pending"
        asyncio.get_running_loop().create_task(self._send(new))
        return len(new)

    async def _send(self, deliveries: list[Delivery]) -> None:
        for d in deliveries:
            markup = None
            if d.buttons:
                markup = InlineKeyboardMarkup(
                    [[InlineKeyboardButton(**button) for button in row] for row in d.buttons]
                )
            try:
                await self._application.bot.send_message(d.chat_id, d.text, reply_markup=markup)
                _KEYS[d.key] = "sent"
            except Forbidden:
                _KEYS[d.key] = "unreachable"
            except TelegramError:
                _KEYS[d.key] = "failed"

    async def cancel_pending(self, key_prefix: str) -> int:
        return 0

    async def counts(self, batch: str) -> dict[str, int]:
        return {}


def outbox(context_or_application: Any) -> Outbox:
    application = getattr(context_or_application, "application", context_or_application)
    return Outbox(application)

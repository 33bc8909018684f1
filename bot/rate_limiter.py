"""python-telegram-bot's AIORateLimiter, plus quick retries when Telegram stumbles.

AIORateLimiter already waits out 429s (``retry_after``).  Telegram also answers now and then with
a 5xx or drops a connection; without a retry, the person who pressed a button would simply get no
answer.  Such failures are retried a few times after short pauses.  A *timeout* is not retried:
the request may have reached Telegram, and sending twice is worse than the error message the
person then gets.  The outbox has its own, longer retry policy on top of this one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import NetworkError, TimedOut
from telegram.ext import AIORateLimiter

log = logging.getLogger(__name__)

JSONDict = dict[str, Any]
RETRY_DELAYS = (0.1, 0.3, 0.8, 2.0)


class PatientRateLimiter(AIORateLimiter):
    async def process_request(  # noqa: PLR0917 - python-telegram-bot's signature
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        for delay in (*RETRY_DELAYS, None):
            try:
                return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
            except TimedOut:
                raise
            except NetworkError as error:
                if delay is None:
                    raise
                log.info("Telegram failed %s (%s); retrying in %.1f s", endpoint, error.message, delay)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

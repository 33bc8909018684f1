"""python-telegram-bot's AIORateLimiter, plus quick retries when Telegram stumbles.

AIORateLimiter already waits out 429s (``retry_after``).  Telegram also answers now and then with
a 5xx or drops a connection; without a retry, the person who pressed a button would simply get no
answer.  Such failures are retried a few times after short pauses.  A *timeout* is not retried:
the request may have reached Telegram, and sending twice is worse than the error message the
person then gets.  The outbox has its own, longer retry policy on top of this one.

Every message sent around the outbox (replies) is also counted in the outbox's pacer, since
Telegram's limits count both.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import BadRequest, NetworkError, TimedOut
from telegram.ext import AIORateLimiter

from bot.runtime.rate_limits import MESSAGE_SENDS, PACED_SEND, Pacer

log = logging.getLogger(__name__)

JSONDict = dict[str, Any]
RETRY_DELAYS = (0.1, 0.3, 0.8, 2.0)


# How PTB words a failure whose body was not Telegram's JSON: "Bad Gateway (502). Parsing the
# server response b'<html>...' failed"; the page itself says nothing the status does not.
_UNPARSED = ". Parsing the server response"


def brief(error: NetworkError, limit: int = 200) -> str:
    """The failure in one short line: without a proxy's HTML page, and never longer than *limit*."""
    message = error.message.split(_UNPARSED, 1)[0]
    return message if len(message) <= limit else message[: limit - 1] + "…"


class PatientRateLimiter(AIORateLimiter):
    def __init__(
        self,
        *args: Any,
        pacer: Pacer | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._pacer = pacer
        self._monotonic = monotonic

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
                result = await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
            except (TimedOut, BadRequest):  # BadRequest is a NetworkError too, but a 400 stays a 400
                raise
            except NetworkError as error:
                if delay is None:
                    raise
                log.warning("Telegram failed %s (%s); retrying in %.1f s", endpoint, brief(error), delay)
                await asyncio.sleep(delay)
            else:
                self._count(endpoint, data)
                return result
        raise AssertionError("unreachable")  # pragma: no cover

    def _count(self, endpoint: str, data: dict[str, Any]) -> None:
        chat_id = data.get("chat_id")
        if self._pacer is None or endpoint not in MESSAGE_SENDS or PACED_SEND.get():
            return
        if isinstance(chat_id, int):  # an @channel name has no window of ours
            self._pacer.note(chat_id, self._monotonic())

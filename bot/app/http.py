"""python-telegram-bot's request layer on aiohttp instead of httpx.

Why: profiling the bot under load (``bench/``) showed httpx + httpcore as the largest single
cost of an update, more than the database and rendering together; aiohttp, already a dependency
for the emulator, does the same round trip for a fraction of the CPU.  This class keeps PTB's
``BaseRequest`` contract: PTB builds the URL and parameters and maps HTTP status codes to
``BadRequest``/``Forbidden``/``RetryAfter`` itself; here we only move bytes (as a JSON body
rather than httpx's urlencoded form; see :meth:`AiohttpRequest._body`), with the same
defaults as PTB's ``HTTPXRequest`` (pool of 256 connections, 1 for getUpdates; 5 s connect,
read and write timeouts, 1 s pool timeout, 20 s write timeout for uploads) and the same errors:
a timeout raises ``TimedOut``, any other transport failure ``NetworkError``.

aiohttp has no separate write timeout, so the write timeout is enforced as part of an overall
deadline (pool + connect + write + read) around the whole call.
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TelegramError, TimedOut
from telegram.request import BaseRequest, RequestData

_JSON = {"Content-Type": "application/json"}

# Parameters PTB adds to methods that do not define them: with ``Defaults(parse_mode=...)`` every
# call routed through ``Bot._send_message`` gets ``parse_mode``, editMessageReplyMarkup included.
# Telegram ignores them; we drop them, so each request says only what the Bot API defines.
_UNDEFINED_EXTRAS = {"editMessageReplyMarkup": frozenset({"parse_mode"})}


def _sum(*parts: float | None) -> float | None:
    """A total that is unbounded as soon as one part is."""
    return None if any(part is None for part in parts) else sum(part for part in parts if part is not None)


class AiohttpRequest(BaseRequest):
    """``BaseRequest`` over one ``aiohttp.ClientSession`` (created in :meth:`initialize`)."""

    __slots__ = ("_connect", "_media_write", "_pool", "_pool_size", "_read", "_session", "_write")

    def __init__(
        self,
        *,
        connection_pool_size: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read, self._write, self._connect, self._pool = (
            read_timeout,
            write_timeout,
            connect_timeout,
            pool_timeout,
        )
        self._media_write = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size, limit_per_host=0)
            self._session = aiohttp.ClientSession(
                connector=connector, headers={"User-Agent": self.USER_AGENT}
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(  # noqa: PLR0917 - PTB's BaseRequest signature
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data else None
        read = self._read if isinstance(read_timeout, DefaultValue) else read_timeout
        connect = self._connect if isinstance(connect_timeout, DefaultValue) else connect_timeout
        pool = self._pool if isinstance(pool_timeout, DefaultValue) else pool_timeout
        write = write_timeout
        if isinstance(write, DefaultValue):
            write = self._media_write if files else self._write
        timeout = aiohttp.ClientTimeout(
            total=_sum(pool, connect, write, read),
            connect=_sum(pool, connect),  # aiohttp's "connect" includes waiting for a pooled connection
            sock_connect=connect,
            sock_read=read,
        )
        data, headers = self._body(request_data, _UNDEFINED_EXTRAS.get(url.rpartition("/")[2]))
        try:
            async with self._session.request(
                method, url, data=data, headers=headers, timeout=timeout
            ) as response:
                return response.status, await response.read()
        except (TimeoutError, aiohttp.ServerTimeoutError) as error:
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: {error}") from error

    @staticmethod
    def parse_json_payload(payload: bytes) -> dict[str, Any]:
        """PTB's parser, without its ``logger.exception``: a proxy in front of Telegram answers a
        502 with an HTML page, which PTB then logged as a traceback with the whole page even though
        the request is retried (bot/runtime/rate_limiter.py) and the failure is reported there in one line.
        The error raised is the same (``TelegramError("Invalid server response")``), so PTB still
        turns the status code into ``NetworkError`` and a successful status into an error."""
        try:
            data = json.loads(payload.decode("utf-8", "replace"))
        except ValueError as error:
            raise TelegramError("Invalid server response") from error
        if not isinstance(data, dict):  # the Bot API always answers with an object
            raise TelegramError("Invalid server response")
        return data

    @staticmethod
    def _body(
        request_data: RequestData | None, drop: frozenset[str] | None = None
    ) -> tuple[bytes | aiohttp.FormData | None, dict[str, str]]:
        """The parameters as a JSON body (``RequestData.json_payload``, which PTB provides for this),
        or multipart when files go up, as PTB's httpx layer sends them.

        JSON rather than the urlencoded form httpx sends: encoding a reply of a few hundred
        characters as a form costs about ten times as much CPU as ``json.dumps``; the Bot API
        takes either.  And we encode it ourselves: handing aiohttp a dict builds a multipart writer
        first (a uuid4 and several objects per request)."""
        if request_data is None:
            return None, {}
        if drop:
            kept = {k: v for k, v in request_data.parameters.items() if k not in drop}
            return json.dumps(kept).encode(), _JSON
        files = request_data.multipart_data
        if not files:
            return (request_data.json_payload, _JSON) if request_data.parameters else (None, {})
        form = aiohttp.FormData(quote_fields=False)
        for name, value in request_data.json_parameters.items():
            form.add_field(name, value)
        for name, (filename, content, mime_type) in files.items():
            form.add_field(name, content, filename=filename, content_type=mime_type)
        return form, {}

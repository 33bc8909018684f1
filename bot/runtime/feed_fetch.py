"""Fetch a Meeting Guide feed from a link a facilitator sent, carefully.

The bot fetching an arbitrary address on someone's behalf could be turned against the machine it
runs on (reaching ``localhost`` admin pages, cloud metadata services, the private network).  So:
``https://`` only, the host must resolve to public addresses only, no redirects, a short timeout,
and at most :data:`MAX_BYTES`.  The connection itself uses :class:`PublicResolver`, so a name
that resolves differently on the second lookup (DNS rebinding) still cannot reach a private
address.  Errors carry a code and an ``N_``-marked message for the handler.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Mapping
from enum import StrEnum
from urllib.parse import urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

from bot.domain.i18n import N_

MAX_BYTES = 1_000_000
TIMEOUT_SECONDS = 15
# Links one person may have fetched in any hour: importing is occasional, and each fetch is a
# download the bot makes on someone's behalf (bot/domain/attempts.py keeps the count).
FETCHES_PER_HOUR = 10

Resolver = Callable[[str, int], Awaitable[list[str]]]


class FetchErrorCode(StrEnum):
    NOT_HTTPS = "not_https"
    PRIVATE_ADDRESS = "private_address"
    UNREACHABLE = "unreachable"
    HTTP_STATUS = "http_status"
    TOO_BIG = "too_big"


FETCH_MESSAGES: Mapping[FetchErrorCode, str] = {
    FetchErrorCode.NOT_HTTPS: N_("Please send a full https:// link to the feed."),
    FetchErrorCode.PRIVATE_ADDRESS: N_("That link points to a private network address, which I don't fetch."),
    FetchErrorCode.UNREACHABLE: N_("I couldn't reach that link. Please check it, or send the file instead."),
    FetchErrorCode.HTTP_STATUS: N_("The website answered with an error ({status}). Please check the link."),
    FetchErrorCode.TOO_BIG: N_("That feed is larger than 1 MB; please send a smaller one."),
}


class FetchError(Exception):
    def __init__(self, code: FetchErrorCode, **params: object) -> None:
        super().__init__(code.value)
        self.code = code
        self.message = FETCH_MESSAGES[code]
        self.params = params


async def system_resolver(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    return ip.is_global and not ip.is_multicast


class PublicResolver(AbstractResolver):
    """aiohttp's resolver, refusing any name that resolves to a non-public address."""

    def __init__(self) -> None:
        self._inner = DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        if not results or not all(is_public(result["host"]) for result in results):
            raise OSError(f"{host} does not resolve to public addresses only")
        return results

    async def close(self) -> None:
        await self._inner.close()


async def check_url(url: str, resolve: Resolver = system_resolver) -> str:
    """The URL, if it is https and its host resolves to public addresses only."""
    try:
        parts = urlsplit(url.strip())
        host, port = parts.hostname, parts.port or 443
    except ValueError as error:
        raise FetchError(FetchErrorCode.NOT_HTTPS) from error
    if parts.scheme.lower() != "https" or not host:
        raise FetchError(FetchErrorCode.NOT_HTTPS)
    try:
        addresses = await resolve(host, port)
    except OSError as error:
        raise FetchError(FetchErrorCode.UNREACHABLE) from error
    if not addresses or not all(is_public(address) for address in addresses):
        raise FetchError(FetchErrorCode.PRIVATE_ADDRESS)
    return url.strip()


async def fetch_feed(url: str, resolve: Resolver = system_resolver) -> bytes:
    """The feed's bytes, or :class:`FetchError`."""
    checked = await check_url(url, resolve)
    timeout = aiohttp.ClientTimeout(total=TIMEOUT_SECONDS)
    try:
        async with (
            aiohttp.ClientSession(
                timeout=timeout, connector=aiohttp.TCPConnector(resolver=PublicResolver())
            ) as session,
            session.get(checked, allow_redirects=False) as response,
        ):
            if response.status != 200:
                raise FetchError(FetchErrorCode.HTTP_STATUS, status=response.status)
            body = await response.content.read(MAX_BYTES + 1)
    except (aiohttp.ClientError, TimeoutError) as error:
        raise FetchError(FetchErrorCode.UNREACHABLE) from error
    if len(body) > MAX_BYTES:
        raise FetchError(FetchErrorCode.TOO_BIG)
    return body

"""Webhook delivery as Telegram does it, through a load balancer as organisations run it.

Telegram only calls HTTPS URLs on ports 443, 80, 88 or 8443 (:func:`check_webhook`), with the
``X-Telegram-Bot-Api-Secret-Token`` header, up to ``max_connections`` requests at once, and an
update that was not answered with 2xx is sent again later.  Updates of one chat are delivered one
after another, never two at once, so a person's messages arrive in the order they were sent.

A deployment puts a TLS-terminating proxy or load balancer in front of its bot processes.  The
emulator plays that part too: :class:`LoadBalancer` maps the public origin Telegram is told
(``https://bot.example.org``) to plain-HTTP backends on this machine, spreads updates over them in
turn, and skips a backend that refuses connections (a process that died) until it answers again.
"""

from __future__ import annotations

import itertools
import json
import logging
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from emulator.errors import ApiError

log = logging.getLogger(__name__)

WEBHOOK_PORTS = frozenset({80, 88, 443, 8443})
SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
RETRY_DELAYS = (0.05, 0.2, 1.0, 2.0)  # after a failed delivery of an update, as Telegram backs off
BACKEND_DOWN_SECONDS = 1.0  # a backend that refused a connection is skipped this long


@dataclass
class Webhook:
    url: str
    secret_token: str | None = None
    max_connections: int = 40
    last_error_date: int | None = None
    last_error_message: str | None = None


def check_webhook(params: dict[str, Any]) -> Webhook:
    """The webhook Telegram would accept, or the error it answers."""
    url = urlsplit(params["url"])
    if url.scheme != "https" or not url.hostname:
        raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
    if (url.port or 443) not in WEBHOOK_PORTS:
        raise ApiError(
            400, "Bad Request: bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
        )
    secret = params.get("secret_token")
    if secret is not None and not SECRET_TOKEN.match(secret):
        raise ApiError(400, "Bad Request: secret token contains unallowed characters")
    connections = params.get("max_connections", 40)
    if not 1 <= connections <= 100:
        raise ApiError(400, "Bad Request: bad webhook: max_connections must be between 1 and 100")
    return Webhook(params["url"], secret, connections)


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@dataclass
class LoadBalancer:
    """Public origins and the local backends behind each, taken in turn."""

    backends: dict[str, list[str]] = field(default_factory=dict)
    down_until: dict[str, float] = field(default_factory=dict)
    _turns: dict[str, Iterator[int]] = field(default_factory=dict)

    def route(self, public_origin: str, backends: list[str]) -> None:
        self.backends[public_origin.rstrip("/")] = [b.rstrip("/") for b in backends]
        self._turns[public_origin.rstrip("/")] = itertools.count()

    def targets(self, url: str) -> list[str]:
        """Where to try an update for ``url``: each live backend once, starting with the next in
        turn (then the ones marked down, in case they are back); the URL itself when unrouted."""
        public = origin(url)
        backends = self.backends.get(public)
        if not backends:
            return [url]
        start = next(self._turns[public]) % len(backends)
        ordered = backends[start:] + backends[:start]
        now = time.monotonic()
        live = [b for b in ordered if self.down_until.get(b, 0) <= now]
        rest = [b for b in ordered if b not in live]
        path = url[len(public) :]
        return [backend + path for backend in live + rest]

    def mark_down(self, target: str) -> None:
        self.down_until[origin(target)] = time.monotonic() + BACKEND_DOWN_SECONDS


def chat_key(update: dict[str, Any]) -> int | None:
    """The chat an update belongs to, so one chat's updates go out in order."""
    for kind, payload in update.items():
        if kind == "update_id" or not isinstance(payload, dict):
            continue
        chat = payload.get("chat") or (payload.get("message") or {}).get("chat")
        if chat:
            return int(chat["id"])
        sender = payload.get("from")
        if sender:
            return int(sender["id"])
    return None


class WebhookSender:
    """Posts updates to a webhook (through the load balancer), several at once."""

    def __init__(self, balancer: LoadBalancer) -> None:
        self.balancer = balancer
        self._session: aiohttp.ClientSession | None = None

    async def post(self, webhook: Webhook, update: dict[str, Any]) -> bool:
        """True when some backend answered 2xx; a refused connection tries the next backend."""
        self._session = self._session or aiohttp.ClientSession()
        headers = {"Content-Type": "application/json"}
        if webhook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = webhook.secret_token
        message = "no backend"
        for target in self.balancer.targets(webhook.url):
            try:
                async with self._session.post(target, data=json.dumps(update), headers=headers) as response:
                    if 200 <= response.status < 300:
                        return True
                    message = f"Wrong response from the webhook: {response.status} {response.reason}"
                    break  # the backend is up and said no: Telegram retries later, as for any error
            except (aiohttp.ClientError, OSError) as exc:
                message = f"Connection failed: {type(exc).__name__}"
                self.balancer.mark_down(target)
        webhook.last_error_date = int(time.time())
        webhook.last_error_message = message
        log.info("webhook delivery failed: %s", message)
        return False

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

"""A small HTTP server for published Meeting Guide feeds (webhook mode only).

python-telegram-bot's webhook server is tornado-based and owns its routes, so rather than
patching extra handlers into it, feeds get their own aiohttp server on ``FEED_PORT``, started
beside the webhook.  It serves ``GET /feeds/<token>.json``: the token is the unguessable part
of the URL a group's admins receive with ``/feed publish``.  Unknown tokens, unpublished groups
and malformed paths are all a plain 404, so the server says nothing about which groups exist.

Responses allow any origin (intergroup websites fetch feeds from the browser, as TSML UI does)
and may be cached for a few minutes.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable

from aiohttp import web

log = logging.getLogger(__name__)

FeedLookup = Callable[[str], Awaitable[bytes | None]]  # token -> feed JSON, or None if unknown
TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
CACHE_SECONDS = 300


def feed_app(lookup: FeedLookup) -> web.Application:
    async def serve(request: web.Request) -> web.Response:
        token = request.match_info["token"]
        body = await lookup(token) if TOKEN.match(token) else None
        if body is None:
            raise web.HTTPNotFound()
        return web.Response(
            body=body,
            content_type="application/json",
            charset="utf-8",
            headers={
                "Access-Control-Allow-Origin": "*",
                "Cache-Control": f"public, max-age={CACHE_SECONDS}",
            },
        )

    app = web.Application()
    app.router.add_get("/feeds/{token}.json", serve)
    return app


class FeedServer:
    """Start and stop the feed app on a host and port inside the bot's event loop."""

    def __init__(self, lookup: FeedLookup) -> None:
        self._runner = web.AppRunner(feed_app(lookup), access_log=None)  # URLs hold tokens: no access log

    async def start(self, host: str, port: int) -> None:
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        log.info("Serving published meeting feeds on port %d", port)

    async def stop(self) -> None:
        await self._runner.cleanup()

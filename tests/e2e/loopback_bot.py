"""Kindred exactly as ``python -m bot`` runs it, except that a feed link may name this machine.

Production never fetches a private or loopback address (``bot/runtime/feed_fetch.py``), so a test that
counts the connections the bot makes needs a listener the bot *could* reach: this variant also
accepts 127.0.0.1, and nothing else.  A test then shows that a refused ``/import`` makes no
connection, and that the same link from a facilitator does.  Tests only; start it with
``BotProcess(..., module="tests.e2e.loopback_bot")``.
"""

from __future__ import annotations

import ipaddress
import sys

import bot.runtime.feed_fetch
from bot.app.main import main

_public = bot.runtime.feed_fetch.is_public


def public_or_loopback(address: str) -> bool:
    """Whatever production accepts, and this machine's loopback address."""
    return ipaddress.ip_address(address.split("%", 1)[0]).is_loopback or _public(address)


if __name__ == "__main__":
    bot.runtime.feed_fetch.is_public = public_or_loopback
    sys.exit(main())

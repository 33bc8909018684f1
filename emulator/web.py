"""The sandbox: a small web chat page over the emulator, so a person can try the bot without a token."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from emulator.core import Emulator


def add_sandbox_routes(app: web.Application, emu: Emulator) -> None:
    """Placeholder until the page lands."""

"""The supporters' line in the crisis reply (issue 24), on its own so the crisis module can use it
without importing the supporters feature (which uses the crisis lines itself)."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from bot.domain.i18n import Translator
from bot.runtime.services import Services
from bot.usecases.supporters import has_supporters
from handlers.supporters_views import reach_out_offer


async def supporters_offer(
    svc: Services, member_id: int, tr: Translator
) -> tuple[str, InlineKeyboardMarkup] | None:
    """The "Ask my supporters to reach out" line and button, for a member with at least one."""
    return reach_out_offer(tr) if await has_supporters(svc, member_id) else None

"""The one error handler: log the failure (never message text) and tell the person kindly."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError

from handlers.common import KindredContext, reply, translator_for

log = logging.getLogger(__name__)


async def on_error(update: object, context: KindredContext) -> None:
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("Unhandled error while handling update %s", update_id, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    try:
        tr = await translator_for(update, context)
        await reply(update, tr._("Sorry, something went wrong on my side. Please try again in a moment."))
    except (TelegramError, RuntimeError):
        log.warning("Could not tell the user about an error", exc_info=True)

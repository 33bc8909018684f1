"""The baseline: a bare python-telegram-bot echo bot, as its documentation's first example.

Defaults throughout (httpx request layer, updates processed one at a time, no rate limiter), so
the figures say what PTB itself costs.  Text comes back as it came; a button press is answered.
Run: ``python -m bench.bots.ptb_echo`` with ``BOT_TOKEN`` and ``TELEGRAM_API_URL`` set.
"""

from __future__ import annotations

import os

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.effective_message is not None and update.effective_message.text:
        await context.bot.send_message(update.effective_message.chat_id, update.effective_message.text)


async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer()


def main() -> None:
    url = os.environ["TELEGRAM_API_URL"]
    application = (
        Application.builder()
        .token(os.environ["BOT_TOKEN"])
        .base_url(f"{url}/bot")
        .base_file_url(f"{url}/file/bot")
        .build()
    )
    application.add_handler(MessageHandler(filters.TEXT, echo))
    application.add_handler(CallbackQueryHandler(pressed))
    application.run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()

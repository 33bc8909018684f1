"""A tiny PTB bot run as a subprocess against the emulator: ``python subprocess_bot.py URL TOKEN``."""

from __future__ import annotations

import sys

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None  # a CommandHandler only calls with a message
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Going", callback_data="rsvp:yes")]])
    await update.effective_message.reply_html("<b>Tuesday</b> meeting?", reply_markup=keyboard)


async def rsvp(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None  # a CallbackQueryHandler only calls with a button press
    await query.answer("Saved")
    await query.edit_message_text("See you Tuesday")


def main() -> None:
    url, token = sys.argv[1], sys.argv[2]
    application = (
        Application.builder().token(token).base_url(f"{url}/bot").base_file_url(f"{url}/file/bot").build()
    )
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CallbackQueryHandler(rsvp))
    application.run_polling(poll_interval=0, timeout=2)


if __name__ == "__main__":
    main()

"""The alternative a user could pick: a bare aiogram 3 echo bot (its documentation's first example).

aiogram's defaults: an aiohttp session, and polling that handles each update as its own task.
Run: ``python -m bench.bots.aiogram_echo`` with ``BOT_TOKEN`` and ``TELEGRAM_API_URL`` set.
"""

from __future__ import annotations

import asyncio
import os

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import CallbackQuery, Message

dispatcher = Dispatcher()


@dispatcher.message()
async def echo(message: Message) -> None:
    if message.text and message.bot is not None:  # aiogram sets the bot on every update it feeds
        await message.bot.send_message(message.chat.id, message.text)


@dispatcher.callback_query()
async def pressed(query: CallbackQuery) -> None:
    await query.answer()


async def main() -> None:
    server = TelegramAPIServer.from_base(os.environ["TELEGRAM_API_URL"])
    bot = Bot(os.environ["BOT_TOKEN"], session=AiohttpSession(api=server))
    await dispatcher.start_polling(bot)


if __name__ == "__main__":
    asyncio.run(main())

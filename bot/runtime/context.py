"""The python-telegram-bot types Kindred is built with, named once.

``context.bot_data`` is Kindred's typed :class:`~bot.runtime.services.BotData` (through
``ContextTypes``), so handlers and start-up hooks see the services with their types.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot, JobQueue

from bot.runtime.services import BotData

KindredContext = CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]
KindredApplication = Application[
    ExtBot[None], KindredContext, dict[Any, Any], dict[Any, Any], BotData, JobQueue[KindredContext]
]
CONTEXT_TYPES = ContextTypes(bot_data=BotData)

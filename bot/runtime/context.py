"""The python-telegram-bot types Kindred is built with, named once.

``context.bot_data`` is Kindred's typed :class:`~bot.runtime.services.BotData` (through
``ContextTypes``), so handlers and start-up hooks see the services with their types.  The bot is
an ``ExtBot[int]``: PTB types a bot by its rate limiter's per-call argument, and Kindred's
(:mod:`bot.runtime.rate_limiter`, an ``AIORateLimiter``) takes ``max_retries: int``.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot, JobQueue

from bot.runtime.services import BotData

KindredBot = ExtBot[int]
KindredContext = CallbackContext[KindredBot, dict[Any, Any], dict[Any, Any], BotData]
KindredJobQueue = JobQueue[KindredContext]
KindredApplication = Application[
    KindredBot, KindredContext, dict[Any, Any], dict[Any, Any], BotData, KindredJobQueue
]
CONTEXT_TYPES: ContextTypes[KindredContext, dict[Any, Any], dict[Any, Any], BotData] = ContextTypes(
    bot_data=BotData
)

"""A feature of Kindred as the application sees it: one typed object per feature.

Each feature module in ``handlers/`` ends with ``FEATURE = Feature(...)``, and the ordered list
of them lives in one place, :mod:`bot.app.features`.  Everything the rest of Kindred asks of a
feature is a field here (its handlers, commands, settings rows, start-up work, its part of
``/mydata`` and ``/forget``), so "go to definition" leads from the list to every hook, and a
hook that is misspelt or has the wrong shape is a type error rather than silently never called.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from telegram.ext import BaseHandler

from bot.domain.preferences import Toggle
from bot.runtime.commands import Command
from bot.runtime.context import KindredApplication, KindredContext

AnyHandler = BaseHandler[Any, KindredContext, Any]
Handlers = Mapping[int, Sequence[AnyHandler]]  # by handler group (handlers.common.CRISIS ...)
AppHook = Callable[[KindredApplication], Awaitable[None]]
Export = Callable[[KindredContext, int], Awaitable[dict[str, Any]]]  # (context, user_id) -> JSON-able
Erase = Callable[[KindredContext, int], Awaitable[list[str]]]  # (context, user_id) -> what was erased
Purge = Callable[[KindredApplication, datetime], Awaitable[int]]  # (application, now) -> rows blanked
ChatMigrated = Callable[[KindredApplication, int, int], Awaitable[None]]  # (application, old, new)
MeetingChanged = Callable[[KindredApplication, int], Awaitable[None]]  # (application, meeting_id)


@dataclass(frozen=True)
class Feature:
    """What one feature contributes; every hook is optional except its handlers."""

    name: str
    handlers: Callable[[], Handlers]
    commands: Sequence[Command] = ()  # shown by /help and Telegram's command menus
    settings: Sequence[Toggle] = ()  # rows on the /settings screen
    on_startup: AppHook | None = None  # rebuild scheduled work from the database
    # Re-derive scheduled jobs from the database, safe to run again: with several processes
    # (PostgreSQL) the one running scheduled work calls it when it takes over from a dead one and
    # when another process planned something (bot/runtime/leadership.py).
    replan: AppHook | None = None
    on_shutdown: AppHook | None = None  # stop what on_startup started
    export_personal_data: Export | None = None  # the feature's part of /mydata
    erase_personal_data: Erase | None = None  # the feature's part of /forget
    purge_expired_text: Purge | None = None  # retention: blank free text older than DATA_RETENTION_DAYS
    on_chat_migrated: ChatMigrated | None = None  # a group became a supergroup (new chat id)
    on_meeting_changed: MeetingChanged | None = None  # a meeting was edited, moved or cancelled

"""Groups: the bot joining and leaving them, a group moving to a new chat id, and its time zone."""

from __future__ import annotations

from bot.domain.i18n import resolve_language
from bot.runtime.services import Services
from storage.groups import Group


async def bot_joined(
    svc: Services, chat_id: int, title: str, language_code: str | None, added_by: int | None
) -> Group:
    """Register (or re-activate) the group in the language of whoever added the bot, with the
    deployment's default zone; the person who added it counts as a member."""
    now = svc.clock.now()
    group = await svc.groups.register(
        chat_id, title, svc.settings.default_timezone, resolve_language(language_code), now
    )
    if added_by is not None:
        await svc.groups.add_member(chat_id, added_by, now)
    return group


async def bot_left(svc: Services, chat_id: int) -> None:
    """Removed from a group: it is kept (history, attendance) but no longer active."""
    await svc.groups.deactivate(chat_id, svc.clock.now())


async def chat_migrated(svc: Services, old: int, new: int) -> None:
    """A group became a supergroup: everything stored under the old chat id follows it."""
    await svc.groups.migrate_chat(old, new)


async def timezone_of(svc: Services, chat_id: int) -> str:
    group = await svc.groups.get(chat_id)
    return group.timezone if group else svc.settings.default_timezone


async def set_timezone(svc: Services, chat_id: int, zone: str) -> None:
    """New meetings use this zone; existing meetings keep their own."""
    await svc.groups.set_timezone(chat_id, zone, svc.clock.now())

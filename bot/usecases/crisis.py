"""The crisis screen's questions about a person (the screening and the reply are handlers/crisis.py).

Both are asked while a crisis reply is being written, so each is one cheap read.
"""

from __future__ import annotations

from bot.domain.i18n import resolve_language
from bot.runtime.services import Services


async def may_alert_facilitators(svc: Services, user_id: int) -> bool:
    """Only a member of a group has facilitators to tell, so only they are asked whether to."""
    return bool(await svc.groups.groups_of(user_id))


async def private_language(svc: Services, user_id: int) -> str | None:
    """The language to answer someone privately in, or None when Kindred cannot write to them
    privately (they never started a private chat, or blocked the bot)."""
    person = await svc.people.get(user_id)
    if person is None or not person.private_chat or not person.reachable:
        return None
    return person.language or resolve_language(person.telegram_language)

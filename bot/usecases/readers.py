"""Who reads what Kindred sends: the language a person or a group is written to in.

Use cases that queue messages for later (prompts, digests, broadcast reports) pick the reader's
language when the message is made, so a language changed meanwhile is honoured.
"""

from __future__ import annotations

from bot.domain.i18n import DEFAULT_LANGUAGE, resolve_language
from bot.runtime.services import Services


async def language_of(svc: Services, user_id: int) -> str:
    """The person's chosen language, else their Telegram app's, else English."""
    person = await svc.people.get(user_id)
    if person is None:
        return resolve_language(None)
    return person.language or resolve_language(person.telegram_language)


async def group_language(svc: Services, chat_id: int) -> str:
    """The group's language; English for a group Kindred does not know."""
    group = await svc.groups.get(chat_id)
    return group.language if group is not None else DEFAULT_LANGUAGE

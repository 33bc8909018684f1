"""/start, /help and /language: whose commands someone sees, and the languages people choose."""

from __future__ import annotations

from bot.domain.roles import Action, Role
from bot.runtime.services import Services
from bot.usecases import care


async def role_of(svc: Services, user_id: int, group_chat_id: int | None) -> Role:
    """Coordinator; facilitator of this group (or, in private, of any of their groups); member.
    *group_chat_id* is the group asked from, None in a private chat."""
    if group_chat_id is not None:
        return await svc.auth.role(user_id, group_chat_id)
    if svc.auth.is_coordinator(user_id):
        return Role.COORDINATOR
    for group in await svc.groups.groups_of(user_id):
        if await svc.auth.is_facilitator(user_id, group.chat_id):
            return Role.FACILITATOR
    return Role.MEMBER


async def is_peer_worker(svc: Services, user_id: int) -> bool:
    """Whether the person may use the peer workers' commands (``/care``, ``/timeoff``…): asked of
    the same door those commands go through, so /help never offers what would be refused."""
    groups, mentor = await care.peer_work_standing(svc, user_id)
    return bool(await svc.auth.authorize_peer_work(user_id, Action.PEER_WORK, groups, mentor=mentor))


async def set_person_language(svc: Services, user_id: int, code: str) -> None:
    """The person's own choice; it wins over the language their Telegram app reports."""
    await svc.people.set_language(user_id, code, svc.clock.now())


async def set_group_language(svc: Services, chat_id: int, code: str) -> None:
    await svc.groups.set_language(chat_id, code, svc.clock.now())

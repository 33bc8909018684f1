"""Meeting people: record who writes to the bot and who belongs to which group.

Runs in the GUARD handler group for every update and never replies.  A small in-memory memo of
what was last written (``bot/runtime/seen.py``) keeps this from costing a database write on every update.
"""

from __future__ import annotations

from telegram import Chat, Update, User
from telegram.constants import ChatMemberStatus, ChatType
from telegram.ext import BaseHandler, ChatMemberHandler, TypeHandler

from bot.runtime.feature import Feature
from handlers.common import GUARD, KindredContext, services
from storage.people import Sighting

PRESENT = {
    ChatMemberStatus.MEMBER,
    ChatMemberStatus.ADMINISTRATOR,
    ChatMemberStatus.OWNER,
    ChatMemberStatus.RESTRICTED,
}


class Registration:
    """Handlers that keep ``people`` and ``memberships`` current (``services.seen`` is the memo)."""

    async def record_person(self, context: KindredContext, user: User, private: bool) -> None:
        details = (user.first_name, user.username, user.language_code)
        seen = services(context).seen
        if seen.person_is_current(user.id, details, private):
            return
        sighting = Sighting(user.id, user.first_name, user.username, user.language_code, private)
        await services(context).people.record(sighting, services(context).clock.now())
        seen.remember_person(user.id, details, private)

    async def record_membership(self, context: KindredContext, chat: Chat, user: User) -> None:
        if user.is_bot or services(context).seen.is_member(chat.id, user.id):
            return
        svc = services(context)
        group = await svc.groups.get(chat.id)
        if group is None:  # the bot was added while Kindred was not running
            group = await svc.groups.register(
                chat.id, chat.title or "", svc.settings.default_timezone, "en", svc.clock.now()
            )
        if not group.active:
            return
        await self.record_person(context, user, private=False)
        await svc.groups.add_member(chat.id, user.id, svc.clock.now())
        svc.seen.remember_membership(chat.id, user.id)

    async def forget_membership(self, context: KindredContext, chat_id: int, user: User) -> None:
        services(context).auth.forget(user.id, chat_id)  # whoever leaves a group stops facilitating it
        services(context).seen.forget_membership(chat_id, user.id)
        await services(context).groups.remove_member(chat_id, user.id, services(context).clock.now())

    async def on_any_update(self, update: Update, context: KindredContext) -> None:
        user, chat, message = update.effective_user, update.effective_chat, update.effective_message
        if user is None or user.is_bot or chat is None:
            return
        private = chat.type == ChatType.PRIVATE
        # Writing to the bot privately (not pressing an old button) is what lets it write back.
        await self.record_person(context, user, private=private and update.message is not None)
        if private:
            return
        await self.record_membership(context, chat, user)
        if message is None:
            return
        for newcomer in message.new_chat_members or ():
            await self.record_membership(context, chat, newcomer)
        if message.left_chat_member is not None and not message.left_chat_member.is_bot:
            await self.forget_membership(context, chat.id, message.left_chat_member)

    async def on_member_change(self, update: Update, context: KindredContext) -> None:
        """Someone joined, left, was promoted or demoted (Telegram tells admin bots, when they ask
        for chat_member in allowed_updates: bot/app/main.py asks for every kind).  Their cached role
        is dropped at once, so a demotion takes effect on their next privileged action."""
        change = update.chat_member
        if change is None:
            return
        user, chat = change.new_chat_member.user, change.chat
        status = change.new_chat_member.status
        services(context).auth.forget(user.id, chat.id)
        if status in PRESENT:
            await self.record_membership(context, chat, user)
        else:
            await self.forget_membership(context, chat.id, user)


def handlers() -> dict[int, list[BaseHandler]]:  # type: ignore[type-arg]
    registration = Registration()
    return {
        GUARD: [
            ChatMemberHandler(registration.on_member_change, ChatMemberHandler.CHAT_MEMBER),
            TypeHandler(Update, registration.on_any_update),
        ]
    }


FEATURE = Feature(
    name="registration",
    handlers=handlers,
)

"""Meeting people: record who writes to the bot and who belongs to which group.

Runs in the GUARD handler group for every update and never replies.  A small in-memory memo of
what was last written (``bot/runtime/seen.py``) keeps this from costing a database write on every update.
"""

from __future__ import annotations

from telegram import Chat, Update, User
from telegram.constants import ChatMemberStatus, ChatType
from telegram.ext import ChatMemberHandler, TypeHandler

from bot.runtime.feature import Feature, Handlers
from bot.usecases import registration
from handlers.common import GUARD, KindredContext, services

PRESENT = {
    ChatMemberStatus.MEMBER,
    ChatMemberStatus.ADMINISTRATOR,
    ChatMemberStatus.OWNER,
    ChatMemberStatus.RESTRICTED,
}


def someone(user: User) -> registration.Someone:
    return registration.Someone(user.id, user.first_name, user.username, user.language_code, user.is_bot)


class Registration:
    """Handlers that keep ``people`` and ``memberships`` current (bot/usecases/registration.py)."""

    async def record_person(self, context: KindredContext, user: User, private: bool) -> None:
        await registration.record_person(services(context), someone(user), private=private)

    async def record_membership(self, context: KindredContext, chat: Chat, user: User) -> None:
        await registration.record_membership(services(context), chat.id, chat.title or "", someone(user))

    async def forget_membership(self, context: KindredContext, chat_id: int, user: User) -> None:
        await registration.forget_membership(services(context), chat_id, user.id)

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


def handlers() -> Handlers:
    guard = Registration()
    return {
        GUARD: [
            ChatMemberHandler(guard.on_member_change, ChatMemberHandler.CHAT_MEMBER),
            TypeHandler(Update, guard.on_any_update),
        ]
    }


FEATURE = Feature(
    name="registration",
    handlers=handlers,
)

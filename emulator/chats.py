"""Scripted people and group chats: what tests (and the sandbox) act through.

A :class:`Person` is also their private chat with the bot (Telegram gives both the same id). Methods
that act are coroutines so tests read the same whether or not an action has to wait.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from emulator.messages import CallbackAnswer, SentMessage, StoredFile, UserMessage
from emulator.telegram_html import utf16_len

if TYPE_CHECKING:
    from emulator.core import Emulator

_COMMAND_RE = re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?")
_MENTION_RE = re.compile(r"(?<![\w@])@[A-Za-z0-9_]{3,32}")
ACTIVE = ("creator", "administrator", "member")


def detect_entities(text: str) -> list[dict[str, Any]]:
    """bot_command and mention entities, as Telegram adds them to what people type."""
    found = []
    for kind, pattern in (("bot_command", _COMMAND_RE), ("mention", _MENTION_RE)):
        for match in pattern.finditer(text):
            if kind == "mention" and match.start() > 0 and text[match.start() - 1] not in " \n\t(":
                continue
            found.append(
                {
                    "type": kind,
                    "offset": utf16_len(text[: match.start()]),
                    "length": utf16_len(match.group(0)),
                }
            )
    return sorted(found, key=lambda e: e["offset"])


class Chat:
    """What private chats and groups share: the bot's messages there, and waiting for them."""

    id: int

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.messages: list[SentMessage] = []
        self.by_id: dict[int, SentMessage] = {}
        self._next_message_id = 1
        self.pinned: SentMessage | None = None
        self.user_messages: list[UserMessage] = []  # what people wrote here (the sandbox shows it)
        self._consumed = 0

    def new_message_id(self) -> int:
        message_id = self._next_message_id
        self._next_message_id += 1
        return message_id

    def chat_json(self) -> dict[str, Any]:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError

    async def next_message(self, timeout: float = 5.0) -> SentMessage:  # noqa: ASYNC109
        """The next bot message here not yet returned by next_message; AssertionError on timeout."""
        try:
            await self.emulator.wait_for(lambda: len(self.messages) > self._consumed, timeout)
        except TimeoutError:
            raise AssertionError(f"the bot sent nothing to {self.describe()} within {timeout} s") from None
        message = self.messages[self._consumed]
        self._consumed += 1
        return message

    async def expect_no_message(self, within: float = 0.5) -> None:
        """Fail if the bot sends a new message here within ``within`` seconds."""
        try:
            await self.emulator.wait_for(lambda: len(self.messages) > self._consumed, within)
        except TimeoutError:
            return
        unexpected = self.messages[self._consumed]
        raise AssertionError(f"the bot unexpectedly sent {unexpected!r} to {self.describe()}")


class Person(Chat):
    """A Telegram user, and their private chat with the bot."""

    def __init__(
        self,
        emulator: Emulator,
        user_id: int,
        first_name: str,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
        label: str | None = None,
    ) -> None:
        super().__init__(emulator)
        self.id = user_id
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.language_code = language_code
        self.label = label
        self.started = False  # wrote to the bot privately: the bot may now message them

    def user_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        return data

    def chat_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        return data

    def describe(self) -> str:
        return f"{self.first_name}'s private chat"

    async def send(
        self, text: str, chat: Chat | None = None, *, reply_to: SentMessage | None = None
    ) -> UserMessage:
        """Type ``text`` into ``chat`` (default: the private chat with the bot)."""
        target = chat or self
        extra: dict[str, Any] = {"text": text}
        entities = detect_entities(text)
        if entities:
            extra["entities"] = entities
        if reply_to is not None:
            extra["reply_to_message"] = reply_to.to_json()
        return self.emulator.deliver_user_message(self, target, extra)

    async def send_document(
        self,
        filename: str,
        data: bytes,
        caption: str | None = None,
        chat: Chat | None = None,
        *,
        mime_type: str | None = None,
    ) -> UserMessage:
        """Send a file, as Telegram's "attach file"; the bot can fetch it with getFile."""
        stored: StoredFile = self.emulator.files.store(filename, data, mime_type, folder="documents")
        extra: dict[str, Any] = {"document": stored.document_json()}
        if caption:
            extra["caption"] = caption
        return self.emulator.deliver_user_message(self, chat or self, extra)

    async def send_photo(
        self, data: bytes, caption: str | None = None, chat: Chat | None = None
    ) -> UserMessage:
        """Send a picture, as Telegram's "attach photo"; the bot sees ``photo`` sizes with a file_id."""
        stored: StoredFile = self.emulator.files.store("photo.jpg", data, "image/jpeg", folder="photos")
        extra: dict[str, Any] = {"photo": stored.photo_json()}
        if caption:
            extra["caption"] = caption
        return self.emulator.deliver_user_message(self, chat or self, extra)

    async def press(
        self,
        message: SentMessage,
        button: str,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> CallbackAnswer | None:
        """Press an inline button (by text or exact callback_data); the bot's answer, or None on timeout."""
        return await self.emulator.press(self, message, message.find_button(button), timeout)

    async def block(self) -> None:
        """Block the bot: sends to this person now fail with 403, the bot gets a my_chat_member update."""
        self.emulator.faults.blocked.add(self.id)
        self.emulator.push_my_chat_member(self, self, "member", "kicked")

    async def unblock(self) -> None:
        self.emulator.faults.blocked.discard(self.id)
        self.emulator.push_my_chat_member(self, self, "kicked", "member")

    def __repr__(self) -> str:
        return f"<Person {self.id} {self.first_name!r}>"


class GroupChat(Chat):
    """A group (a supergroup by default, as Telegram makes groups today)."""

    def __init__(self, emulator: Emulator, chat_id: int, title: str, chat_type: str = "supergroup") -> None:
        super().__init__(emulator)
        self.id = chat_id
        self.title = title
        self.type = chat_type
        self.status: dict[int, str] = {}  # user id -> creator/administrator/member/left/kicked
        self.bot_status = "left"
        self.migrated_to: int | None = None  # a basic group's supergroup, once upgraded

    def chat_json(self) -> dict[str, Any]:
        return {"id": self.id, "type": self.type, "title": self.title}

    def describe(self) -> str:
        return f"the group {self.title!r}"

    @property
    def bot_present(self) -> bool:
        return self.bot_status in ACTIVE

    def members(self) -> list[Person]:
        return [self.emulator.users[uid] for uid, status in self.status.items() if status in ACTIVE]

    def member_status(self, person: Person) -> str:
        return self.status.get(person.id, "left")

    async def add_member(self, person: Person, *, owner: bool = False) -> None:
        """``person`` joins (``owner=True``: they created the group)."""
        self._change(person, "creator" if owner else "member", actor=person)
        self.emulator.deliver_service_message(person, self, {"new_chat_members": [person.user_json()]})

    async def remove_member(self, person: Person, *, kicked: bool = False) -> None:
        self._change(person, "kicked" if kicked else "left", actor=person)
        self.emulator.deliver_service_message(person, self, {"left_chat_member": person.user_json()})

    async def make_admin(self, person: Person, *, by: Person | None = None) -> None:
        """``by`` (default: the group's creator) promotes ``person``; admin bots get a chat_member update."""
        self._change(person, "administrator", actor=by or self.creator() or person)

    async def remove_admin(self, person: Person, *, by: Person | None = None) -> None:
        """``by`` (default: the group's creator) demotes ``person`` to an ordinary member."""
        self._change(person, "member", actor=by or self.creator() or person)

    def creator(self) -> Person | None:
        return next((self.emulator.users[uid] for uid, s in self.status.items() if s == "creator"), None)

    def _change(self, person: Person, new: str, actor: Person) -> None:
        old = self.member_status(person)
        self.status[person.id] = new
        self.emulator.push_chat_member(self, actor, person, old, new)

    async def add_bot(self, by: Person, *, admin: bool = False) -> None:
        """``by`` adds the bot: a my_chat_member update, then a new_chat_members message."""
        old, self.bot_status = self.bot_status, "administrator" if admin else "member"
        self.emulator.push_my_chat_member(self, by, old, self.bot_status)
        self.emulator.deliver_service_message(by, self, {"new_chat_members": [self.emulator.bot_json()]})

    async def make_bot_admin(self, by: Person) -> None:
        old, self.bot_status = self.bot_status, "administrator"
        self.emulator.push_my_chat_member(self, by, old, "administrator")

    async def remove_bot(self, by: Person, *, kicked: bool = True) -> None:
        """``by`` removes the bot: a my_chat_member update with status kicked (or left)."""
        old, self.bot_status = self.bot_status, "kicked" if kicked else "left"
        self.emulator.push_my_chat_member(self, by, old, self.bot_status)

    async def upgrade_to_supergroup(self, by: Person) -> GroupChat:
        """A basic group becomes a supergroup with a new id, as Telegram does when, say, an admin
        turns on a supergroup-only setting: a ``migrate_to_chat_id`` message in the old chat, a
        ``migrate_from_chat_id`` one in the new chat, and sends to the old id refused from then on."""
        if self.type != "group":
            raise ValueError("only a basic group can become a supergroup")
        new = self.emulator.add_group(self.title)
        new.status, new.bot_status = dict(self.status), self.bot_status
        self.emulator.deliver_service_message(by, self, {"migrate_to_chat_id": new.id})
        self.migrated_to = new.id
        self.emulator.deliver_service_message(by, new, {"migrate_from_chat_id": self.id})
        return new

    def __repr__(self) -> str:
        return f"<GroupChat {self.id} {self.title!r}>"


def member_json(user: dict[str, Any], status: str) -> dict[str, Any]:
    """A ChatMember object of the subtype Telegram uses for ``status``."""
    data: dict[str, Any] = {"status": status, "user": user}
    if status == "creator":
        data["is_anonymous"] = False
    elif status == "administrator":
        data.update(
            can_be_edited=False,
            is_anonymous=False,
            can_manage_chat=True,
            can_delete_messages=True,
            can_manage_video_chats=True,
            can_restrict_members=True,
            can_promote_members=False,
            can_change_info=True,
            can_invite_users=True,
            can_post_stories=False,
            can_edit_stories=False,
            can_delete_stories=False,
            can_pin_messages=True,
        )
    elif status == "kicked":
        data["until_date"] = 0
    return data

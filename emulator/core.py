"""The emulator: Telegram's state (people, chats, messages, files, updates) and its request pipeline."""

from __future__ import annotations

import asyncio
import itertools
import logging
import mimetypes
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Self

from aiohttp import web

from emulator.chats import Chat, GroupChat, Person, member_json
from emulator.errors import (
    BAD_GATEWAY_PAGE,
    CHAT_NOT_FOUND,
    QUERY_TOO_OLD,
    ApiError,
    Rejection,
    ServedFault,
    bad_request,
    forbidden,
    truncate_params,
)
from emulator.faults import Faults
from emulator.messages import Button, CallbackAnswer, SentMessage, StoredFile, UserMessage
from emulator.methods import METHODS
from emulator.schema import Schema
from emulator.server import build_app
from emulator.signal import Signal
from emulator.updates import UpdateQueue

log = logging.getLogger(__name__)

SEND_METHODS = frozenset({"sendMessage", "sendDocument", "sendPhoto"})
_FIRST_USER_ID = 1001
_FIRST_GROUP_ID = -1001000000001


class FileStore:
    """Files on the emulated servers, by file_id and by download path."""

    def __init__(self) -> None:
        self.by_id: dict[str, StoredFile] = {}
        self.by_path: dict[str, StoredFile] = {}
        self._counter = itertools.count(1)

    def store(self, filename: str, data: bytes, mime_type: str | None, folder: str) -> StoredFile:
        number = next(self._counter)
        guessed = mimetypes.guess_type(filename)[0]
        if not mime_type or mime_type == "application/octet-stream":
            mime_type = guessed or "application/octet-stream"
        suffix = Path(filename).suffix
        stored = StoredFile(
            file_id=f"BQACAgEmu{number:06d}{secrets.token_hex(6)}",
            file_unique_id=f"AgADEmu{number:06d}",
            filename=filename,
            data=data,
            mime_type=mime_type,
            file_path=f"{folder}/file_{number}{suffix}",
        )
        self.by_id[stored.file_id] = stored
        self.by_path[stored.file_path] = stored
        return stored


class Emulator:
    """A local Telegram Bot API server plus the people and chats tests script.

    ``privacy_mode`` (Telegram's default for bots): in groups the bot only receives commands,
    replies to its messages, mentions and service messages, unless it is an administrator.
    """

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",  # noqa: S107 - a fake token for a fake Telegram
        bot_username: str = "KindredTestBot",
        *,
        bot_name: str = "Kindred",
        schema_path: Path | None = None,
        sandbox: bool = False,
        host: str = "127.0.0.1",
        port: int = 0,
        privacy_mode: bool = True,
        seed: int = 0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_username = bot_username
        self.bot_name = bot_name
        self.sandbox = sandbox
        self.privacy_mode = privacy_mode
        self.host, self.port = host, port
        self.schema = Schema.load(schema_path)
        self.faults = Faults(seed=seed, clock=clock)
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.rejections: list[Rejection] = []
        self.faults_served: list[ServedFault] = []
        self.users: dict[int, Person] = {}
        self.groups: dict[int, GroupChat] = {}
        self.files = FileStore()
        self.updates = UpdateQueue()
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        # descriptions (by language) and menu buttons (by chat): stored and returned as set
        self.settings: dict[tuple[str, str | int], str | dict[str, Any] | None] = {}
        self._queries: dict[str, asyncio.Future[CallbackAnswer]] = {}
        self._user_ids = itertools.count(_FIRST_USER_ID)
        self._group_ids = itertools.count(_FIRST_GROUP_ID, -1)
        self._signal = Signal()
        self.version = 0  # bumped on every change; the sandbox long-polls on it
        self.closing = False  # set by stop(): the sandbox page's long polls end at once
        self._runner: web.AppRunner | None = None
        self.url = ""

    # -- lifecycle -------------------------------------------------------------------------------

    async def start(self) -> None:
        self._runner = web.AppRunner(build_app(self), access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        self.url = f"http://{self.host}:{self.port}"

    async def stop(self) -> None:
        self.closing = True
        self.notify()  # the page's long polls answer now, so the server need not wait for them
        await self.updates.close()
        self._queries.clear()  # presses still waiting simply time out
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- people and chats ------------------------------------------------------------------------

    def route_webhook(self, public_origin: str, backends: list[str]) -> None:
        """Play the load balancer in front of the bot: a webhook set on ``public_origin``
        (``https://bot.example.org``) is delivered over plain HTTP to ``backends`` in turn."""
        self.updates.balancer.route(public_origin, backends)

    def add_user(
        self,
        first_name: str,
        *,
        username: str | None = None,
        language_code: str | None = "en",
        last_name: str | None = None,
        label: str | None = None,
    ) -> Person:
        person = Person(
            self,
            next(self._user_ids),
            first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
            label=label,
        )
        self.users[person.id] = person
        return person

    def add_group(self, title: str, *, chat_type: str = "supergroup") -> GroupChat:
        group = GroupChat(self, next(self._group_ids), title, chat_type)
        self.groups[group.id] = group
        return group

    def chat(self, chat_id: int) -> Person | GroupChat | None:
        return self.users.get(chat_id) or self.groups.get(chat_id)

    def bot_json(self) -> dict[str, Any]:
        return {"id": self.bot_id, "is_bot": True, "first_name": self.bot_name, "username": self.bot_username}

    # -- waiting ---------------------------------------------------------------------------------

    def notify(self) -> None:
        self.version += 1
        self._signal.notify()

    async def wait_for(self, predicate: Callable[[], bool], timeout: float | None) -> None:  # noqa: ASYNC109
        await self._signal.wait_for(predicate, timeout)

    # -- what people do --------------------------------------------------------------------------

    def _message_base(self, sender: Person, chat: Chat) -> dict[str, Any]:
        return {
            "message_id": chat.new_message_id(),
            "from": sender.user_json(),
            "chat": chat.chat_json(),
            "date": int(time.time()),
        }

    def deliver_user_message(self, sender: Person, chat: Chat, extra: dict[str, Any]) -> UserMessage:
        if isinstance(chat, GroupChat) and sender not in chat.members():
            raise AssertionError(f"{sender!r} is not a member of {chat!r}; add_member first")
        if isinstance(chat, Person) and chat is not sender:
            raise AssertionError(f"{sender!r} cannot write in {chat.first_name}'s private chat with the bot")
        message = {**self._message_base(sender, chat), **extra}
        if chat is sender:
            sender.started = True
        if self._bot_sees(chat, message):
            self.updates.push("message", message)
        self.notify()
        sent = UserMessage(message["message_id"], chat.id, message.get("text"), message)
        chat.user_messages.append(sent)
        return sent

    def deliver_service_message(self, actor: Person, group: GroupChat, extra: dict[str, Any]) -> None:
        if group.bot_present:
            self.updates.push("message", {**self._message_base(actor, group), **extra})
            self.notify()

    def _bot_sees(self, chat: Chat, message: dict[str, Any]) -> bool:
        if not isinstance(chat, GroupChat):
            return True
        if not chat.bot_present:
            return False
        if not self.privacy_mode or chat.bot_status == "administrator":
            return True
        text: str = message.get("text") or message.get("caption") or ""
        replied = message.get("reply_to_message", {}).get("from", {}).get("id") == self.bot_id
        mention = f"@{self.bot_username}".lower() in text.lower()
        command = text.startswith("/") and (
            "@" not in text.split(maxsplit=1)[0]
            or text.split(maxsplit=1)[0].lower().endswith(f"@{self.bot_username.lower()}")
        )
        return replied or mention or command

    def push_chat_member(self, group: GroupChat, actor: Person, person: Person, old: str, new: str) -> None:
        """chat_member updates reach only bots that administer the group (and asked for them)."""
        if group.bot_status == "administrator":
            self.updates.push("chat_member", self._member_change(group, actor, person.user_json(), old, new))
        self.notify()

    def push_my_chat_member(self, chat: Chat, actor: Person, old: str, new: str) -> None:
        self.updates.push("my_chat_member", self._member_change(chat, actor, self.bot_json(), old, new))
        self.notify()

    def _member_change(
        self, chat: Chat, actor: Person, user: dict[str, Any], old: str, new: str
    ) -> dict[str, Any]:
        """A ChatMemberUpdated: *actor* changed *user*'s status from *old* to *new*."""
        change = {
            "chat": chat.chat_json(),
            "from": actor.user_json(),
            "date": int(time.time()),
            "old_chat_member": member_json(user, old),
            "new_chat_member": member_json(user, new),
        }
        self.schema.check("ChatMemberUpdated", change)
        return change

    async def press(
        self,
        person: Person,
        message: SentMessage,
        button: Button,
        timeout: float,  # noqa: ASYNC109
    ) -> CallbackAnswer | None:
        if message.deleted:
            raise AssertionError(f"{message!r} was deleted; its buttons cannot be pressed")
        if button.callback_data is None:
            raise AssertionError(f"button {button.text!r} opens a URL; it sends nothing to the bot")
        query_id = str(secrets.randbits(63))
        future: asyncio.Future[CallbackAnswer] = asyncio.get_running_loop().create_future()
        self._queries[query_id] = future
        self.updates.push(
            "callback_query",
            {
                "id": query_id,
                "from": person.user_json(),
                "message": message.to_json(),
                "chat_instance": str(abs(hash((message.chat_id, self.bot_id)))),
                "data": button.callback_data,
            },
        )
        try:
            return await asyncio.wait_for(asyncio.shield(future), timeout)
        except TimeoutError:
            return None

    def answer_query(self, query_id: str, answer: CallbackAnswer) -> None:
        future = self._queries.pop(query_id, None)
        if future is None or future.done():
            raise bad_request(QUERY_TOO_OLD)
        future.set_result(answer)

    # -- what the bot may do ---------------------------------------------------------------------

    def resolve_chat(self, chat_id: int | str) -> Person | GroupChat:
        chat = self.chat(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            raise bad_request(CHAT_NOT_FOUND)
        return chat

    def check_reachable(self, chat: Person | GroupChat, *, first_contact: bool) -> None:
        """Telegram's refusals for a chat the bot cannot write to."""
        if isinstance(chat, GroupChat):
            kind = "supergroup chat" if chat.type == "supergroup" else "group chat"
            if chat.migrated_to is not None:
                raise ApiError(
                    400,
                    "Bad Request: group chat was upgraded to a supergroup chat",
                    {"migrate_to_chat_id": chat.migrated_to},
                )
            if chat.bot_status == "kicked":
                raise forbidden(f"bot was kicked from the {kind}")
            if not chat.bot_present:
                raise forbidden(f"bot is not a member of the {kind}")
            return
        if first_contact and not chat.started:
            raise forbidden("bot can't initiate conversation with a user")
        if chat.id in self.faults.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user", kind="fault")

    def admit_send(self, chat: Chat) -> None:
        """Apply rate limits (when switched on) to one outgoing message."""
        faults = self.faults
        if not faults.rate_limits:
            return
        limits = faults.limits
        window = limits.group if isinstance(chat, GroupChat) else limits.private
        checks = [(("chat", chat.id), window), (("overall",), limits.overall)]
        wait = max(faults.limiter.retry_after(key, w) for key, w in checks)
        if wait:
            raise ApiError(429, f"Too Many Requests: retry after {wait}", {"retry_after": wait}, kind="fault")
        for key, _ in checks:
            faults.limiter.record(key)

    def add_bot_message(self, message: SentMessage) -> None:
        message.chat.messages.append(message)
        message.chat.by_id[message.message_id] = message
        self.notify()

    # -- the request pipeline --------------------------------------------------------------------

    async def dispatch(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any] | str]:
        """Answer one Bot API request: ``(HTTP status, Telegram JSON body or a proxy's HTML page)``."""
        index = len(self.calls)
        self.calls.append((method, params))
        name = self.schema.canonical(method) or method
        try:
            delay = self.faults.slow_methods.get(name, 0.0)
            if name != "getUpdates":
                delay += self.faults.latency
            if delay:
                await asyncio.sleep(delay)
            if name not in METHODS:
                raise ApiError(404, "Not Found")
            params = self.schema.validate(name, params)
            self.calls[index] = (name, params)
            self._maybe_server_error(name)
            result = await METHODS[name](self, params)
        except ApiError as exc:
            self._record(name, params, exc)
            return exc.code, exc.body()
        return 200, {"ok": True, "result": result}

    def reject_request(
        self, method: str, params: dict[str, Any], error: ApiError
    ) -> tuple[int, dict[str, Any]]:
        """Record and answer a request refused before dispatch (wrong token, unreadable body)."""
        self.calls.append((method, params))
        self._record(method, params, error)
        return error.code, error.to_json()

    def _maybe_server_error(self, name: str) -> None:
        """Server errors hit every method but getUpdates, whose retries would only slow tests."""
        if self.faults.html_bad_gateways and name != "getUpdates":
            self.faults.html_bad_gateways -= 1
            raise ApiError(502, "Bad Gateway", kind="fault", html=BAD_GATEWAY_PAGE)
        rate = self.faults.server_error_rate
        if rate and name != "getUpdates" and self.faults.random.random() < rate:
            code, text = self.faults.random.choice([(500, "Internal Server Error"), (502, "Bad Gateway")])
            raise ApiError(code, text, kind="fault")

    def _record(self, name: str, params: dict[str, Any], exc: ApiError) -> None:
        if exc.kind == "fault":
            fault = ServedFault(name, exc.code, exc.description, exc.parameters or {}, params.get("chat_id"))
            self.faults_served.append(fault)
        elif exc.kind == "rejection":
            self.rejections.append(Rejection(name, truncate_params(params), exc.code, exc.description))
            log.info("rejected %s: %s", name, exc.description)

"""The emulated Bot API methods. Parameters arrive validated and coerced by :mod:`emulator.schema`."""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from emulator.chats import GroupChat, Person, member_json
from emulator.errors import NOT_MODIFIED, bad_request
from emulator.messages import CallbackAnswer, SentMessage, StoredFile
from emulator.schema import Upload
from emulator.telegram_html import Entity, HtmlParseError, Parsed, parse_html, utf16_len
from emulator.webhooks import check_webhook

if TYPE_CHECKING:
    from emulator.core import Emulator

log = logging.getLogger(__name__)

Handler = Callable[["Emulator", dict[str, Any]], Awaitable[Any]]
METHODS: dict[str, Handler] = {}
_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024


def method(name: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        METHODS[name] = handler
        return handler

    return register


# -- content -------------------------------------------------------------------------------------


def parse_content(text: str, parse_mode: str | None, entities: list[dict[str, Any]] | None) -> Parsed:
    """What the user will see, or Telegram's "can't parse entities" refusal."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        try:
            return parse_html(text)
        except HtmlParseError as exc:
            raise bad_request(f"can't parse entities: {exc}") from None
    if mode in ("markdown", "markdownv2"):
        log.warning("the emulator shows %s text unparsed; Kindred formats with HTML", parse_mode)
        return Parsed(text)
    if mode:
        raise bad_request(f"unsupported parse_mode {parse_mode!r}")
    return Parsed(text, tuple(_entity(e) for e in entities or ()))


def _entity(data: dict[str, Any]) -> Entity:
    return Entity(
        data["type"], data["offset"], data["length"], data.get("url"), data.get("language"),
        data.get("custom_emoji_id"),
    )  # fmt: skip


def message_text(params: dict[str, Any]) -> tuple[Parsed, str]:
    raw = params["text"]
    parsed = parse_content(raw, params.get("parse_mode"), params.get("entities"))
    if not parsed.text.strip():
        raise bad_request("message text is empty")
    if utf16_len(parsed.text) > MESSAGE_LIMIT:
        raise bad_request("message is too long")
    return parsed, raw


def caption(params: dict[str, Any]) -> tuple[Parsed | None, str | None]:
    raw = params.get("caption")
    if raw is None:
        return None, None
    parsed = parse_content(raw, params.get("parse_mode"), params.get("caption_entities"))
    if utf16_len(parsed.text) > CAPTION_LIMIT:
        raise bad_request("message caption is too long")
    return parsed, raw


def inline_markup(params: dict[str, Any]) -> dict[str, Any] | None:
    markup = params.get("reply_markup")
    if not markup or "inline_keyboard" not in markup:
        return None
    rows = [[{k: v for k, v in b.items() if v is not None} for b in row] for row in markup["inline_keyboard"]]
    return {"inline_keyboard": rows} if any(rows) else None


def _now() -> int:
    return int(time.time())


# -- identity and updates ------------------------------------------------------------------------


@method("getMe")
async def get_me(emu: Emulator, _: dict[str, Any]) -> dict[str, Any]:
    return {
        **emu.bot_json(),
        "can_join_groups": True,
        "can_read_all_group_messages": not emu.privacy_mode,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


@method("logOut")
@method("close")
async def log_out(_: Emulator, __: dict[str, Any]) -> bool:
    return True


@method("getUpdates")
async def get_updates(emu: Emulator, params: dict[str, Any]) -> list[dict[str, Any]]:
    return await emu.updates.get_updates(params)


@method("setWebhook")
async def set_webhook(emu: Emulator, params: dict[str, Any]) -> bool:
    """Telegram's rules (HTTPS on 443, 80, 88 or 8443); the emulator's load balancer leads the
    public URL to the bot processes on this machine (``Emulator.route_webhook``)."""
    drop = params.get("drop_pending_updates", False)
    if not params["url"]:
        await emu.updates.delete_webhook(drop)
        return True
    webhook = check_webhook(params)
    if "allowed_updates" in params:
        emu.updates.allowed = list(params["allowed_updates"])
    await emu.updates.set_webhook(webhook, drop)
    return True


@method("deleteWebhook")
async def delete_webhook(emu: Emulator, params: dict[str, Any]) -> bool:
    await emu.updates.delete_webhook(params.get("drop_pending_updates", False))
    return True


@method("getWebhookInfo")
async def get_webhook_info(emu: Emulator, _: dict[str, Any]) -> dict[str, Any]:
    return emu.updates.webhook_info()


# -- commands and bot settings -------------------------------------------------------------------


def _commands_key(params: dict[str, Any]) -> tuple[str, str]:
    scope = params.get("scope") or {"type": "default"}
    return json.dumps(scope, sort_keys=True), params.get("language_code") or ""


@method("setMyCommands")
async def set_my_commands(emu: Emulator, params: dict[str, Any]) -> bool:
    commands = params["commands"]
    if len(commands) > 100:
        raise bad_request("BOT_COMMANDS_TOO_MUCH")
    for command in commands:
        if not _COMMAND_RE.match(command["command"]):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(command["description"]) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    emu.commands[_commands_key(params)] = [
        {"command": c["command"], "description": c["description"]} for c in commands
    ]
    return True


@method("getMyCommands")
async def get_my_commands(emu: Emulator, params: dict[str, Any]) -> list[dict[str, Any]]:
    return emu.commands.get(_commands_key(params), [])


@method("deleteMyCommands")
async def delete_my_commands(emu: Emulator, params: dict[str, Any]) -> bool:
    emu.commands.pop(_commands_key(params), None)
    return True


def _setting(name: str, field: str, result_key: str) -> None:
    async def set_value(emu: Emulator, params: dict[str, Any]) -> bool:
        emu.settings[(field, params.get("language_code") or params.get("chat_id") or "")] = params.get(field)
        return True

    async def get_value(emu: Emulator, params: dict[str, Any]) -> Any:
        value = emu.settings.get((field, params.get("language_code") or params.get("chat_id") or ""))
        if field == "menu_button":
            return value or {"type": "default"}
        return {result_key: value or ""}

    METHODS[f"set{name}"] = set_value
    METHODS[f"get{name}"] = get_value


_setting("MyDescription", "description", "description")
_setting("MyShortDescription", "short_description", "short_description")
_setting("MyName", "name", "name")
_setting("ChatMenuButton", "menu_button", "menu_button")


# -- messages ------------------------------------------------------------------------------------


@method("sendMessage")
async def send_message(emu: Emulator, params: dict[str, Any]) -> dict[str, Any]:
    chat = emu.resolve_chat(params["chat_id"])
    emu.check_reachable(chat, first_contact=True)
    content, raw = message_text(params)
    emu.admit_send(chat)
    message = SentMessage(chat, chat.new_message_id(), _now(), content, raw, inline_markup(params))
    emu.add_bot_message(message)
    return message.to_json()


def _upload(emu: Emulator, value: Upload | str, folder: str) -> StoredFile:
    if isinstance(value, Upload):
        if not value.data:
            raise bad_request("file must be non-empty")
        return emu.files.store(value.filename, value.data, value.content_type, folder)
    stored = emu.files.by_id.get(value)
    if stored is None:
        raise bad_request("wrong file identifier/HTTP URL specified")
    return stored


async def _send_media(emu: Emulator, params: dict[str, Any], field: str) -> dict[str, Any]:
    chat = emu.resolve_chat(params["chat_id"])
    emu.check_reachable(chat, first_contact=True)
    stored = _upload(emu, params[field], "photos" if field == "photo" else "documents")
    parsed, raw = caption(params)
    emu.admit_send(chat)
    message = SentMessage(
        chat, chat.new_message_id(), _now(), reply_markup=inline_markup(params),
        caption_content=parsed, caption_html=raw,
    )  # fmt: skip
    if field == "photo":
        message.photo_file = stored
    else:
        message.document = stored
    emu.add_bot_message(message)
    return message.to_json()


@method("sendDocument")
async def send_document(emu: Emulator, params: dict[str, Any]) -> dict[str, Any]:
    return await _send_media(emu, params, "document")


@method("sendPhoto")
async def send_photo(emu: Emulator, params: dict[str, Any]) -> dict[str, Any]:
    return await _send_media(emu, params, "photo")


def _message_to_edit(emu: Emulator, params: dict[str, Any]) -> SentMessage:
    if "inline_message_id" in params:
        raise bad_request("MESSAGE_ID_INVALID")  # the bot has no inline mode
    if "chat_id" not in params or "message_id" not in params:
        raise bad_request("message identifier is not specified")
    chat = emu.resolve_chat(params["chat_id"])
    emu.check_reachable(chat, first_contact=False)
    message = chat.by_id.get(params["message_id"])
    if message is None or message.deleted:
        raise bad_request("message to edit not found")
    return message


def _markup_equal(new: dict[str, Any] | None, old: dict[str, Any] | None) -> bool:
    return bool((new or {}).get("inline_keyboard", []) == (old or {}).get("inline_keyboard", []))


def _edited(emu: Emulator, message: SentMessage) -> dict[str, Any]:
    message.edit_count += 1
    message.edit_date = _now()
    emu.notify()
    return message.to_json()


@method("editMessageText")
async def edit_message_text(emu: Emulator, params: dict[str, Any]) -> dict[str, Any]:
    """Like Telegram, an edit without reply_markup removes the message's inline keyboard."""
    message = _message_to_edit(emu, params)
    if message.is_media:
        raise bad_request("there is no text in the message to edit")
    content, raw = message_text(params)
    markup = inline_markup(params)
    if content == message.content and _markup_equal(markup, message.reply_markup):
        raise bad_request(NOT_MODIFIED)
    message.content, message.html, message.reply_markup = content, raw, markup
    return _edited(emu, message)


@method("editMessageCaption")
async def edit_message_caption(emu: Emulator, params: dict[str, Any]) -> dict[str, Any]:
    message = _message_to_edit(emu, params)
    if not message.is_media:
        raise bad_request("there is no caption in the message to edit")
    parsed, raw = caption(params)
    markup = inline_markup(params)
    if parsed == message.caption_content and _markup_equal(markup, message.reply_markup):
        raise bad_request(NOT_MODIFIED)
    message.caption_content, message.caption_html, message.reply_markup = parsed, raw, markup
    return _edited(emu, message)


@method("editMessageReplyMarkup")
async def edit_message_reply_markup(emu: Emulator, params: dict[str, Any]) -> dict[str, Any]:
    message = _message_to_edit(emu, params)
    markup = inline_markup(params)
    if _markup_equal(markup, message.reply_markup):
        raise bad_request(NOT_MODIFIED)
    message.reply_markup = markup
    return _edited(emu, message)


@method("deleteMessage")
async def delete_message(emu: Emulator, params: dict[str, Any]) -> bool:
    chat = emu.resolve_chat(params["chat_id"])
    emu.check_reachable(chat, first_contact=False)
    message = chat.by_id.get(params["message_id"])
    if message is None or message.deleted:
        raise bad_request("message to delete not found")
    message.deleted = True
    emu.notify()
    return True


def _pin_target(emu: Emulator, params: dict[str, Any]) -> GroupChat | Person:
    chat = emu.resolve_chat(params["chat_id"])
    emu.check_reachable(chat, first_contact=False)
    if isinstance(chat, GroupChat) and chat.bot_status != "administrator":
        raise bad_request("not enough rights to manage pinned messages in the chat")
    return chat


@method("pinChatMessage")
async def pin_chat_message(emu: Emulator, params: dict[str, Any]) -> bool:
    chat = _pin_target(emu, params)
    message = chat.by_id.get(params["message_id"])
    if message is None or message.deleted:
        raise bad_request("message to pin not found")
    chat.pinned = message
    emu.notify()
    return True


@method("unpinChatMessage")
async def unpin_chat_message(emu: Emulator, params: dict[str, Any]) -> bool:
    chat = _pin_target(emu, params)
    chat.pinned = None
    emu.notify()
    return True


@method("answerCallbackQuery")
async def answer_callback_query(emu: Emulator, params: dict[str, Any]) -> bool:
    text = params.get("text")
    if text is not None and len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    emu.answer_query(
        params["callback_query_id"], CallbackAnswer(text, params.get("show_alert", False), params.get("url"))
    )
    return True


CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
        "upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note",
    }
)  # fmt: skip


@method("sendChatAction")
async def send_chat_action(emu: Emulator, params: dict[str, Any]) -> bool:
    if params["action"] not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    emu.check_reachable(emu.resolve_chat(params["chat_id"]), first_contact=True)
    return True


# -- files ---------------------------------------------------------------------------------------


@method("getFile")
async def get_file(emu: Emulator, params: dict[str, Any]) -> dict[str, Any]:
    stored = emu.files.by_id.get(params["file_id"])
    if stored is None:
        raise bad_request("invalid file_id")
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.data),
        "file_path": stored.file_path,
    }


# -- chats and members ---------------------------------------------------------------------------


def _chat_for_info(emu: Emulator, params: dict[str, Any]) -> GroupChat | Person:
    """A group the bot is in, or a private chat with someone who wrote to the bot."""
    chat = emu.resolve_chat(params["chat_id"])
    if isinstance(chat, GroupChat):
        emu.check_reachable(chat, first_contact=False)
    elif not chat.started:
        raise bad_request("chat not found")
    return chat


@method("getChat")
async def get_chat(emu: Emulator, params: dict[str, Any]) -> dict[str, Any]:
    chat = _chat_for_info(emu, params)
    gifts = (
        "unlimited_gifts",
        "limited_gifts",
        "unique_gifts",
        "premium_subscription",
        "gifts_from_channels",
    )
    return {
        **chat.chat_json(),
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": dict.fromkeys(gifts, False),
    }


@method("getChatMember")
async def get_chat_member(emu: Emulator, params: dict[str, Any]) -> dict[str, Any]:
    chat = _chat_for_info(emu, params)
    user_id = params["user_id"]
    if user_id == emu.bot_id:
        status = chat.bot_status if isinstance(chat, GroupChat) else "member"
        return member_json(emu.bot_json(), status)
    person = emu.users.get(user_id)
    if person is None:
        raise bad_request("user not found")
    if isinstance(chat, GroupChat):
        return member_json(person.user_json(), chat.member_status(person))
    return member_json(person.user_json(), "member" if person is chat else "left")


@method("getChatAdministrators")
async def get_chat_administrators(emu: Emulator, params: dict[str, Any]) -> list[dict[str, Any]]:
    chat = _chat_for_info(emu, params)
    if not isinstance(chat, GroupChat):
        raise bad_request("there are no administrators in the private chat")
    admins = [
        member_json(p.user_json(), chat.member_status(p))
        for p in chat.members()
        if chat.member_status(p) in ("creator", "administrator")
    ]
    if chat.bot_status == "administrator":
        admins.append(member_json(emu.bot_json(), "administrator"))
    return admins


@method("getChatMemberCount")
async def get_chat_member_count(emu: Emulator, params: dict[str, Any]) -> int:
    chat = _chat_for_info(emu, params)
    if not isinstance(chat, GroupChat):
        return 2
    return len(chat.members()) + (1 if chat.bot_present else 0)


@method("leaveChat")
async def leave_chat(emu: Emulator, params: dict[str, Any]) -> bool:
    chat = _chat_for_info(emu, params)
    if not isinstance(chat, GroupChat):
        raise bad_request("chat member status can't be changed in private chats")
    old, chat.bot_status = chat.bot_status, "left"
    update = {
        "chat": chat.chat_json(),
        "from": emu.bot_json(),
        "date": _now(),
        "old_chat_member": member_json(emu.bot_json(), old),
        "new_chat_member": member_json(emu.bot_json(), "left"),
    }
    emu.updates.push("my_chat_member", update)
    emu.notify()
    return True

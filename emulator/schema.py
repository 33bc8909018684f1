"""Request validation against Telegram's machine-readable Bot API description.

Every request is checked the way Telegram checks it: required parameters, parameter types (including
nested objects such as InlineKeyboardMarkup, recursively) and Telegram's coercions: form and
multipart bodies carry every value as a string, nested objects as JSON strings. Unknown parameters
are ignored, as Telegram ignores them.

The description is read from ``$TELEGRAM_API_SCHEMA`` or ``<project root>/../shared/telegram-bot-api/
api.json`` and never copied into the repository. Without it, the methods the emulator implements are
still checked against compact built-in definitions (see ``_BUILTIN_METHODS``), with one warning.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emulator.errors import ApiError, bad_request

log = logging.getLogger(__name__)

_INT_RE = re.compile(r"^[+-]?\d+$")
_SUBTYPE_TAG_RE = re.compile(r'(?:must be|always) "?([a-z_]+)"?')
_BUTTON_ACTIONS_EXEMPT = {"text", "icon_custom_emoji_id", "style"}


@dataclass(frozen=True)
class Upload:
    """A file uploaded with multipart/form-data."""

    filename: str
    data: bytes
    content_type: str = "application/octet-stream"

    def __repr__(self) -> str:
        return f"Upload({self.filename!r}, {len(self.data)} bytes)"


class _TypeMismatch(Exception):
    def __init__(self, path: str, expected: list[str]) -> None:
        super().__init__(path)
        self.path = path
        self.expected = expected


def default_schema_path() -> Path:
    """``$TELEGRAM_API_SCHEMA``, else ``<project root>/../shared/telegram-bot-api/api.json``."""
    env = os.environ.get("TELEGRAM_API_SCHEMA")
    if env:
        return Path(env)
    project_root = Path(__file__).resolve().parent.parent
    return project_root.parent / "shared" / "telegram-bot-api" / "api.json"


class Schema:
    """Method and type definitions, and the validator built on them."""

    def __init__(self, methods: dict[str, Any], types: dict[str, Any], *, full: bool) -> None:
        self.methods = methods
        self.types = types
        self.full = full
        self._by_lower = {name.lower(): name for name in methods}

    @classmethod
    def load(cls, path: Path | None = None) -> Schema:
        """The description at ``path`` (default: :func:`default_schema_path`), read once per path."""
        return _load(path or default_schema_path())

    def canonical(self, method: str) -> str | None:
        """Telegram matches method names case-insensitively."""
        return self._by_lower.get(method.lower())

    def validate(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """Return ``params`` coerced to their declared types, or raise a 400 ApiError."""
        coerced = dict(params)
        for spec in self.methods.get(method, {}).get("fields", []):
            name = spec["name"]
            value = params.get(name)
            if value is None or (value == "" and "String" not in spec["types"]):
                coerced.pop(name, None)
                if spec["required"]:
                    raise _missing(method, name)
                continue
            try:
                coerced[name] = self._coerce(value, spec["types"], name)
            except _TypeMismatch as exc:
                raise bad_request(
                    f'parameter "{exc.path}" must be of type {" or ".join(exc.expected)}'
                ) from None
        return coerced

    def check(self, kind: str, value: dict[str, Any]) -> None:
        """Raise ValueError unless *value* is a valid *kind*: for objects the emulator builds
        itself (updates), so they are held to the same description as the bot's requests.  A
        type the built-in definitions lack is not checked."""
        if kind not in self.types:
            return
        try:
            self._coerce_object(value, kind, kind)
        except (ApiError, _TypeMismatch) as exc:
            detail = exc.description if isinstance(exc, ApiError) else f"{exc.path}: {exc.expected}"
            raise ValueError(f"the emulator built an invalid {kind}: {detail}") from None

    def _coerce(self, value: Any, types: list[str], path: str) -> Any:
        objects = [t for t in types if t in self.types and t != "InputFile"]
        for kind in types:
            if kind in objects:
                continue
            try:
                return self._coerce_one(value, kind, path)
            except _TypeMismatch:
                continue
        if objects:
            return self._coerce_object_union(value, objects, path)
        raise _TypeMismatch(path, types)

    def _coerce_one(self, value: Any, kind: str, path: str) -> Any:
        if kind.startswith("Array of "):
            return self._coerce_array(value, kind.removeprefix("Array of "), path)
        scalar = _SCALARS.get(kind)
        if scalar is not None:
            return scalar(value, path)
        if kind == "InputFile":
            if isinstance(value, Upload):
                return value
            raise _TypeMismatch(path, [kind])
        return self._coerce_object_union(value, [kind], path)

    def _coerce_array(self, value: Any, inner: str, path: str) -> list[Any]:
        value = _json_if_string(value)
        if not isinstance(value, list):
            raise _TypeMismatch(path, [f"Array of {inner}"])
        return [self._coerce(item, [inner], f"{path}[{i}]") for i, item in enumerate(value)]

    def _coerce_object_union(self, value: Any, kinds: list[str], path: str) -> dict[str, Any]:
        value = _json_if_string(value)
        if not isinstance(value, dict):
            raise _TypeMismatch(path, kinds)
        candidates = [k for k in kinds if self._required_present(k, value)] or kinds
        first_error: ApiError | _TypeMismatch | None = None
        for kind in candidates:
            try:
                return self._coerce_object(value, kind, path)
            except (ApiError, _TypeMismatch) as exc:
                first_error = first_error or exc
        raise first_error or _TypeMismatch(path, kinds)

    def _required_present(self, kind: str, value: dict[str, Any]) -> bool:
        fields = self.types.get(kind, {}).get("fields", [])
        return all(f["name"] in value for f in fields if f["required"])

    def _coerce_object(self, value: dict[str, Any], kind: str, path: str) -> dict[str, Any]:
        definition = self.types[kind]
        if "subtypes" in definition:
            return self._coerce_object_union(value, self._pick_subtypes(definition, value), path)
        coerced = dict(value)
        for spec in definition.get("fields", []):
            name = spec["name"]
            if value.get(name) is None:
                coerced.pop(name, None)
                if spec["required"]:
                    raise bad_request(f'can\'t parse {kind}: field "{path}.{name}" is required')
                continue
            coerced[name] = self._coerce(value[name], spec["types"], f"{path}.{name}")
        if kind == "InlineKeyboardButton":
            _check_inline_button(coerced)
        return coerced

    def _pick_subtypes(self, definition: dict[str, Any], value: dict[str, Any]) -> list[str]:
        """Choose the subtype whose "type"/"status" tag matches the value's."""
        subtypes: list[str] = definition["subtypes"]
        for sub in subtypes:
            for spec in self.types.get(sub, {}).get("fields", []):
                if spec["name"] in ("type", "status", "source"):
                    tag = _SUBTYPE_TAG_RE.search(spec.get("description", ""))
                    if tag and value.get(spec["name"]) == tag.group(1):
                        return [sub]
        return subtypes


@functools.cache
def _load(path: Path) -> Schema:
    """Schemas are read-only, so emulators share one per path; the warning is logged once."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        log.warning(
            "Telegram Bot API description not found at %s: the full check was skipped; only the "
            "emulated methods are validated, against built-in definitions",
            path,
        )
        return Schema(_builtin_methods(), _builtin_types(), full=False)
    return Schema(data["methods"], data["types"], full=True)


def _missing(method: str, name: str) -> ApiError:
    if name == "text" and method in ("sendMessage", "editMessageText"):
        return bad_request("message text is empty")
    return bad_request(f"{name} is empty")


def _check_inline_button(button: dict[str, Any]) -> None:
    data = button.get("callback_data")
    if data is not None and not 1 <= len(str(data).encode("utf-8")) <= 64:
        raise bad_request("BUTTON_DATA_INVALID")
    actions = [k for k, v in button.items() if k not in _BUTTON_ACTIONS_EXEMPT and v is not None]
    if not actions:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )


def _json_if_string(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _as_int(value: Any, path: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _INT_RE.match(value.strip()):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise _TypeMismatch(path, ["Integer"])


def _as_float(value: Any, path: str) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
    raise _TypeMismatch(path, ["Float"])


def _as_bool(value: Any, path: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0"):
        return value.strip().lower() in ("true", "1")
    raise _TypeMismatch(path, ["Boolean"])


def _as_str(value: Any, path: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise _TypeMismatch(path, ["String"])


_SCALARS = {"Integer": _as_int, "Float": _as_float, "Boolean": _as_bool, "String": _as_str}

# Compact definitions of the emulated methods, used only when api.json is missing.
# "name!" marks a required parameter; types are separated by "|".
_MARKUP = "InlineKeyboardMarkup|ReplyKeyboardMarkup|ReplyKeyboardRemove|ForceReply"
_SEND_COMMON = f"chat_id!:Integer|String; message_thread_id:Integer; disable_notification:Boolean; \
protect_content:Boolean; reply_parameters:ReplyParameters; reply_markup:{_MARKUP}; parse_mode:String"
_BUILTIN_METHODS = {
    "getMe": "",
    "logOut": "",
    "close": "",
    "getUpdates": "offset:Integer; limit:Integer; timeout:Integer; allowed_updates:Array of String",
    "setWebhook": "url!:String; secret_token:String; max_connections:Integer; \
allowed_updates:Array of String; drop_pending_updates:Boolean; certificate:InputFile; ip_address:String",
    "deleteWebhook": "drop_pending_updates:Boolean",
    "getWebhookInfo": "",
    "setMyCommands": "commands!:Array of BotCommand; scope:BotCommandScope; language_code:String",
    "getMyCommands": "scope:BotCommandScope; language_code:String",
    "deleteMyCommands": "scope:BotCommandScope; language_code:String",
    "sendMessage": f"{_SEND_COMMON}; text!:String; entities:Array of MessageEntity; \
link_preview_options:LinkPreviewOptions",
    "editMessageText": "chat_id:Integer|String; message_id:Integer; inline_message_id:String; text!:String; \
parse_mode:String; entities:Array of MessageEntity; link_preview_options:LinkPreviewOptions; \
reply_markup:InlineKeyboardMarkup",
    "editMessageCaption": "chat_id:Integer|String; message_id:Integer; inline_message_id:String; \
caption:String; parse_mode:String; reply_markup:InlineKeyboardMarkup",
    "editMessageReplyMarkup": "chat_id:Integer|String; message_id:Integer; inline_message_id:String; \
reply_markup:InlineKeyboardMarkup",
    "deleteMessage": "chat_id!:Integer|String; message_id!:Integer",
    "answerCallbackQuery": "callback_query_id!:String; text:String; show_alert:Boolean; url:String; \
cache_time:Integer",
    "sendDocument": f"{_SEND_COMMON}; document!:InputFile|String; thumbnail:InputFile|String; \
caption:String; disable_content_type_detection:Boolean",
    "sendPhoto": f"{_SEND_COMMON}; photo!:InputFile|String; caption:String; has_spoiler:Boolean",
    "getFile": "file_id!:String",
    "getChat": "chat_id!:Integer|String",
    "getChatMember": "chat_id!:Integer|String; user_id!:Integer",
    "getChatAdministrators": "chat_id!:Integer|String",
    "getChatMemberCount": "chat_id!:Integer|String",
    "leaveChat": "chat_id!:Integer|String",
    "sendChatAction": "chat_id!:Integer|String; action!:String; message_thread_id:Integer",
    "setChatMenuButton": "chat_id:Integer; menu_button:MenuButton",
    "getChatMenuButton": "chat_id:Integer",
    "setMyDescription": "description:String; language_code:String",
    "getMyDescription": "language_code:String",
    "setMyShortDescription": "short_description:String; language_code:String",
    "getMyShortDescription": "language_code:String",
    "pinChatMessage": "chat_id!:Integer|String; message_id!:Integer; disable_notification:Boolean",
    "unpinChatMessage": "chat_id!:Integer|String; message_id:Integer",
    "setMyName": "name:String; language_code:String",
    "getMyName": "language_code:String",
}
_BUILTIN_TYPES = {
    "InlineKeyboardMarkup": "inline_keyboard!:Array of Array of InlineKeyboardButton",
    "InlineKeyboardButton": "text!:String; url:String; callback_data:String; switch_inline_query:String; \
switch_inline_query_current_chat:String; pay:Boolean",
    "BotCommand": "command!:String; description!:String",
    "MessageEntity": "type!:String; offset!:Integer; length!:Integer; url:String; language:String",
    "ReplyKeyboardMarkup": "keyboard!:Array of Array of KeyboardButton",
    "KeyboardButton": "text!:String",
    "ReplyKeyboardRemove": "remove_keyboard!:Boolean",
    "ForceReply": "force_reply!:Boolean",
    "ReplyParameters": "message_id!:Integer; chat_id:Integer|String",
    "LinkPreviewOptions": "is_disabled:Boolean; url:String",
    "BotCommandScope": "type!:String; chat_id:Integer|String; user_id:Integer",
    "MenuButton": "type!:String",
}


def _parse_fields(compact: str) -> list[dict[str, Any]]:
    fields = []
    for part in filter(None, (p.strip() for p in compact.split(";"))):
        name, types = part.split(":", 1)
        fields.append({"name": name.rstrip("!"), "required": name.endswith("!"), "types": types.split("|")})
    return fields


def _builtin_methods() -> dict[str, Any]:
    return {name: {"name": name, "fields": _parse_fields(spec)} for name, spec in _BUILTIN_METHODS.items()}


def _builtin_types() -> dict[str, Any]:
    types: dict[str, Any] = {
        name: {"name": name, "fields": _parse_fields(s)} for name, s in _BUILTIN_TYPES.items()
    }
    types["InputFile"] = {"name": "InputFile"}
    return types

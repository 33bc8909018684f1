"""Request validation against Telegram's machine-readable Bot API description.

Every request is checked the way Telegram checks it: required parameters, parameter types (including
nested objects such as InlineKeyboardMarkup, recursively) and Telegram's coercions: form and
multipart bodies carry every value as a string, nested objects as JSON strings. A parameter or field the
description does not define is refused too: Telegram silently ignores it, but a request that carries
one is a bug in the bot (a setting it believes it made was dropped), so a test must fail on it.

The description ships with the project (``emulator/botapi/api.json``, MIT-licensed; see
``emulator/botapi/NOTICE.md`` for its source), so a clone anywhere validates in full.
``$TELEGRAM_API_SCHEMA`` points at a newer one; a path that cannot be read is an error, never a
silent downgrade to weaker checks.
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


SHIPPED_SCHEMA = Path(__file__).resolve().parent / "botapi" / "api.json"


def default_schema_path() -> Path:
    """``$TELEGRAM_API_SCHEMA``, else the description shipped in ``emulator/botapi/``."""
    env = os.environ.get("TELEGRAM_API_SCHEMA")
    return Path(env) if env else SHIPPED_SCHEMA


class Schema:
    """Method and type definitions, and the validator built on them."""

    def __init__(self, methods: dict[str, Any], types: dict[str, Any], *, version: str) -> None:
        self.methods = methods
        self.types = types
        self.version = version
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
        fields = self.methods.get(method, {}).get("fields", [])
        _refuse_undefined(params, fields, method)
        coerced = dict(params)
        for spec in fields:
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
        fields = definition.get("fields", [])
        _refuse_undefined(value, fields, kind)
        coerced = dict(value)
        for spec in fields:
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
    """Schemas are read-only, so emulators share one per path."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SchemaUnavailable(
            f"The Telegram Bot API description at {path} cannot be read ({exc.__class__.__name__}); "
            "unset TELEGRAM_API_SCHEMA to use the one shipped in emulator/botapi/"
        ) from None
    return Schema(data["methods"], data["types"], version=data.get("version", "unknown"))


class SchemaUnavailable(RuntimeError):
    """The description named by ``$TELEGRAM_API_SCHEMA`` is missing or not JSON."""


def _refuse_undefined(given: dict[str, Any], fields: list[dict[str, Any]], owner: str) -> None:
    """Telegram ignores what it does not define; we refuse it, so the test that sent it fails."""
    unknown = sorted(set(given) - {spec["name"] for spec in fields})
    if unknown:
        raise bad_request(f"{owner} does not define {', '.join(unknown)} (refused by the emulator)")


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

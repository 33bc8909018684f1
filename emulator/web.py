"""The sandbox: a small web chat over the emulator, so a person can try the bot without a token.

``GET /`` serves one static page; it talks to JSON endpoints under ``/sandbox/api/``. The page
never renders the bot's HTML: it receives plain text plus entities (as a Telegram client does) and
builds DOM nodes from them.

Two things a Telegram client does are done here too, so nothing in the sandbox leads to the real
Telegram: a ``t.me/<bot>?start=<payload>`` link ("open it privately") opens the private chat with
the bot and sends ``/start <payload>`` (``/sandbox/api/open-link``), and a person can attach a
photo or a file, with a caption (``/sandbox/api/upload``), to try photo broadcasts and ``/import``.
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, quote, urlsplit

from aiohttp import web

from emulator.chats import Chat, GroupChat, Person

if TYPE_CHECKING:
    from emulator.core import Emulator
    from emulator.messages import SentMessage, UserMessage

PAGE = Path(__file__).parent / "static" / "sandbox.html"
LONG_POLL_SECONDS = 25.0
PRESS_TIMEOUT = 10.0
BANNER = (
    "Sandbox — a local imitation of Telegram; nothing leaves this computer. "
    "To run for real, set BOT_TOKEN (see README)."
)
_SANDBOX: web.AppKey[Emulator] = web.AppKey("sandbox_emulator")


def add_sandbox_routes(app: web.Application, emu: Emulator) -> None:
    app[_SANDBOX] = emu
    app.router.add_get("/", page)
    app.router.add_get("/sandbox/api/state", state)
    app.router.add_get("/sandbox/api/messages", messages)
    app.router.add_post("/sandbox/api/send", send)
    app.router.add_post("/sandbox/api/press", press)
    app.router.add_get("/sandbox/api/file/{file_id}", download)
    app.router.add_post("/sandbox/api/open-link", open_link)
    app.router.add_post("/sandbox/api/upload", upload)


async def page(_: web.Request) -> web.FileResponse:
    return web.FileResponse(PAGE, headers={"Cache-Control": "no-store"})


def _person(emu: Emulator, raw: Any) -> Person:
    try:
        return emu.users[int(raw)]
    except (KeyError, TypeError, ValueError):
        raise web.HTTPNotFound(text="no such person") from None


def _chat_for(emu: Emulator, person: Person, raw: Any) -> Chat:
    """The person's own private chat, or a group they belong to."""
    try:
        chat = emu.chat(int(raw))
    except (TypeError, ValueError):
        chat = None
    if chat is person or (isinstance(chat, GroupChat) and person in chat.members()):
        return chat
    raise web.HTTPNotFound(text="no such chat for this person")


def _chats_of(emu: Emulator, person: Person) -> list[dict[str, Any]]:
    chats = [{"id": person.id, "title": emu.bot_name, "type": "private"}]
    chats += [
        {"id": g.id, "title": g.title, "type": g.type, "role": g.member_status(person)}
        for g in emu.groups.values()
        if person in g.members()
    ]
    return chats


async def state(request: web.Request) -> web.Response:
    emu = request.app[_SANDBOX]
    people = [
        {
            "id": p.id,
            "name": " ".join(filter(None, (p.first_name, p.last_name))),
            "username": p.username,
            "label": p.label,
            "chats": _chats_of(emu, p),
        }
        for p in emu.users.values()
    ]
    bot = {"name": emu.bot_name, "username": emu.bot_username}
    return web.json_response({"banner": BANNER, "bot": bot, "people": people, "version": emu.version})


def _bot_entry(message: SentMessage) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": message.message_id,
        "from": "bot",
        "text": message.text,
        "entities": message.entities,
        "buttons": [[vars(b) for b in row] for row in message.buttons],
        "edited": message.edit_count > 0,
        "deleted": message.deleted,
    }
    media = message.document or message.photo_file
    if media is not None:
        entry["file"] = {
            "url": f"/sandbox/api/file/{media.file_id}",
            "name": media.filename,
            "photo": message.photo_file is not None,
        }
        entry["text"] = message.caption or ""
        entry["entities"] = (
            [e.to_json() for e in message.caption_content.entities] if message.caption_content else []
        )
    return entry


def _user_entry(message: UserMessage) -> dict[str, Any]:
    raw = message.raw
    entry: dict[str, Any] = {
        "id": message.message_id,
        "from": "user",
        "sender": raw["from"]["first_name"],
        "sender_id": raw["from"]["id"],
        "text": raw.get("text") or raw.get("caption") or "",
        "entities": [],
    }
    if "document" in raw:
        entry["file"] = {
            "url": f"/sandbox/api/file/{raw['document']['file_id']}",
            "name": raw["document"]["file_name"],
        }
    elif "photo" in raw:
        largest = raw["photo"][-1]["file_id"]
        entry["file"] = {"url": f"/sandbox/api/file/{largest}", "name": "photo", "photo": True}
    if "new_chat_members" in raw or "left_chat_member" in raw:
        entry["service"] = True
    return entry


async def messages(request: web.Request) -> web.Response:
    """The chat's transcript; with ``after=<version>`` it waits until something changes."""
    emu = request.app[_SANDBOX]
    person = _person(emu, request.query.get("user"))
    chat = _chat_for(emu, person, request.query.get("chat"))
    after = int(request.query.get("after", -1))
    with contextlib.suppress(TimeoutError):
        await emu.wait_for(lambda: emu.version > after or emu.closing, LONG_POLL_SECONDS)
    entries = [_bot_entry(m) for m in chat.messages] + [_user_entry(m) for m in chat.user_messages]
    entries.sort(key=lambda e: e["id"])
    return web.json_response({"version": emu.version, "messages": entries})


async def send(request: web.Request) -> web.Response:
    emu = request.app[_SANDBOX]
    body = await request.json()
    person = _person(emu, body.get("user"))
    chat = _chat_for(emu, person, body.get("chat"))
    text = str(body.get("text", "")).strip()
    if not text:
        raise web.HTTPBadRequest(text="empty message")
    sent = await person.send(text, chat)
    return web.json_response({"id": sent.message_id})


async def press(request: web.Request) -> web.Response:
    emu = request.app[_SANDBOX]
    body = await request.json()
    person = _person(emu, body.get("user"))
    chat = _chat_for(emu, person, body.get("chat"))
    message = chat.by_id.get(int(body.get("message_id", 0)))
    if message is None:
        raise web.HTTPNotFound(text="no such message")
    try:
        answer = await person.press(message, str(body.get("callback_data")), timeout=PRESS_TIMEOUT)
    except AssertionError as exc:  # no such button, or a URL button
        raise web.HTTPBadRequest(text=str(exc)) from None
    if answer is None:
        return web.json_response({"answer": None})
    return web.json_response({"answer": {"text": answer.text, "show_alert": answer.show_alert}})


async def download(request: web.Request) -> web.Response:
    emu = request.app[_SANDBOX]
    stored = emu.files.by_id.get(request.match_info["file_id"])
    if stored is None:
        raise web.HTTPNotFound()
    disposition = "inline" if stored.mime_type.startswith("image/") else "attachment"
    return web.Response(
        body=stored.data,
        content_type=stored.mime_type,
        headers={"Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(stored.filename)}"},
    )


# Telegram's deep-link parameter: up to 64 of A-Z, a-z, 0-9, _ and -.
_START_PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_TELEGRAM_HOSTS = frozenset({"t.me", "telegram.me", "www.t.me", "www.telegram.me"})


def start_payload(url: str, bot_username: str) -> str | None:
    """For a link to the bot (``https://t.me/<bot>`` with an optional ``?start=<payload>``), the
    text a Telegram client sends when it is opened: ``/start`` or ``/start <payload>``; else None."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or parts.hostname not in _TELEGRAM_HOSTS:
        return None
    if parts.path.strip("/").lower() != bot_username.lower():
        return None
    payload = parse_qs(parts.query).get("start", [""])[0]
    if not payload:
        return "/start"
    return f"/start {payload}" if _START_PAYLOAD.fullmatch(payload) else None


async def open_link(request: web.Request) -> web.Response:
    """Open a t.me link to the bot as Telegram would: the private chat, then ``/start <payload>``."""
    emu = request.app[_SANDBOX]
    body = await request.json()
    person = _person(emu, body.get("user"))
    text = start_payload(str(body.get("url", "")), emu.bot_username)
    if text is None:
        raise web.HTTPBadRequest(text="In the sandbox only links to the bot itself can be opened.")
    sent = await person.send(text, person)
    return web.json_response({"chat": person.id, "id": sent.message_id})


PHOTO_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})


async def upload(request: web.Request) -> web.Response:
    """A photo or a file from the page (multipart: user, chat, file, optional caption), sent as the
    person would attach it: pictures as a photo, anything else as a document."""
    emu = request.app[_SANDBOX]
    form = await request.post()
    person = _person(emu, form.get("user"))
    chat = _chat_for(emu, person, form.get("chat"))
    attached = form.get("file")
    if not isinstance(attached, web.FileField):
        raise web.HTTPBadRequest(text="no file attached")
    data = attached.file.read()
    if not data:
        raise web.HTTPBadRequest(text="the file is empty")
    caption = str(form.get("caption") or "").strip() or None
    if attached.content_type in PHOTO_TYPES and form.get("as_file") != "1":
        sent = await person.send_photo(data, caption, chat)
    else:
        sent = await person.send_document(
            attached.filename or "file", data, caption, chat, mime_type=attached.content_type
        )
    return web.json_response({"id": sent.message_id})

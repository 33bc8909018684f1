"""The sandbox: a small web chat over the emulator, so a person can try the bot without a token.

``GET /`` serves one static page; it talks to JSON endpoints under ``/sandbox/api/``. The page
never renders the bot's HTML: it receives plain text plus entities (as a Telegram client does) and
builds DOM nodes from them.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

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
        await emu.wait_for(lambda: emu.version > after, LONG_POLL_SECONDS)
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

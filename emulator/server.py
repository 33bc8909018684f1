"""HTTP front of the emulator: Telegram's URL layout and body formats, answered by ``Emulator``."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from aiohttp import web

from emulator.errors import ApiError, bad_request
from emulator.schema import Upload
from emulator.web import add_sandbox_routes

if TYPE_CHECKING:
    from emulator.core import Emulator

MAX_BODY = 50 * 1024 * 1024  # Telegram's upload limit for bots
EMULATOR_KEY: web.AppKey[Emulator] = web.AppKey("emulator")


def build_app(emu: Emulator) -> web.Application:
    app = web.Application(client_max_size=MAX_BODY)
    app[EMULATOR_KEY] = emu
    app.router.add_route("*", "/bot{token}/{method}", handle_method)
    app.router.add_route("*", "/bot{token}/", handle_method)
    app.router.add_get("/file/bot{token}/{path:.+}", handle_file)
    if emu.sandbox:
        add_sandbox_routes(app, emu)
    return app


def _json(status: int, body: dict[str, Any] | str) -> web.Response:
    """Telegram's JSON answer; a string body is a proxy's HTML error page (a fault switch)."""
    if isinstance(body, str):
        return web.Response(text=body, status=status, content_type="text/html")
    return web.json_response(body, status=status)


async def handle_method(request: web.Request) -> web.Response:
    emu = request.app[EMULATOR_KEY]
    method = request.match_info.get("method", "")
    try:
        params = await read_params(request)
    except ApiError as exc:
        return _json(*emu.reject_request(method, {}, exc))
    if request.match_info["token"] != emu.token:
        return _json(*emu.reject_request(method, params, ApiError(401, "Unauthorized")))
    if not method:
        return _json(*emu.reject_request(method, params, ApiError(404, "Not Found")))
    return _json(*await emu.dispatch(method, params))


async def read_params(request: web.Request) -> dict[str, Any]:
    """Query string plus a JSON, urlencoded or multipart body; ``attach://name`` resolves to the part."""
    params: dict[str, Any] = dict(request.query)
    if request.body_exists:
        if request.content_type == "application/json":
            params.update(await _json_body(request))
        elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            params.update(await _form_body(request))
    for key, value in list(params.items()):
        if isinstance(value, str) and value.startswith("attach://"):
            attached = params.get(value.removeprefix("attach://"))
            if isinstance(attached, Upload):
                params[key] = attached
    return params


async def _json_body(request: web.Request) -> dict[str, Any]:
    raw = await request.text()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise bad_request("can't parse JSON object") from None
    if not isinstance(body, dict):
        raise bad_request("can't parse JSON object")
    return body


async def _form_body(request: web.Request) -> dict[str, Any]:
    form = await request.post()
    params: dict[str, Any] = {}
    for key, value in form.items():
        if isinstance(value, web.FileField):
            params[key] = Upload(value.filename, value.file.read(), value.content_type)
        else:
            params[key] = value
    return params


async def handle_file(request: web.Request) -> web.Response:
    emu = request.app[EMULATOR_KEY]
    if request.match_info["token"] != emu.token:
        return _json(401, ApiError(401, "Unauthorized").to_json())
    stored = emu.files.by_path.get(request.match_info["path"])
    if stored is None:
        return _json(404, ApiError(404, "Not Found").to_json())
    return web.Response(body=stored.data, content_type=stored.mime_type)

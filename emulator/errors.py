"""Bot API errors with Telegram's exact wording and shape."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class ApiError(Exception):
    """An error answer: ``{"ok": false, "error_code": ..., "description": ..., "parameters": ...}``.

    ``kind`` says how the answer is recorded: ``"rejection"`` (the bot sent something Telegram
    refuses; counted in ``Emulator.rejections``), ``"fault"`` (a fault switch answered: 429, 5xx,
    blocked user; counted in ``Emulator.faults_served``) or ``"conflict"`` (a long poll ended by a
    newer one, which is routine at shutdown; not recorded).
    """

    def __init__(
        self,
        code: int,
        description: str,
        parameters: dict[str, Any] | None = None,
        *,
        kind: str = "rejection",
        html: str | None = None,
    ) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters
        self.kind = kind
        self.html = html  # answered as a text/html page instead of Telegram's JSON (a proxy's error)

    def body(self) -> dict[str, Any] | str:
        """What the HTTP answer carries: Telegram's JSON, or a proxy's HTML page."""
        return self.html if self.html is not None else self.to_json()

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


BAD_GATEWAY_PAGE = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n"
    "</body>\r\n</html>\r\n"
)


def bad_request(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}")


def forbidden(detail: str) -> ApiError:
    return ApiError(403, f"Forbidden: {detail}")


CHAT_NOT_FOUND = "chat not found"
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the same "
    "as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"


@dataclass(frozen=True)
class Rejection:
    """A request Telegram would refuse because of what the bot sent."""

    method: str
    params: dict[str, Any]
    error_code: int
    description: str


@dataclass(frozen=True)
class ServedFault:
    """An answer produced by a fault switch (rate limit, server error, blocked user, ...)."""

    method: str
    error_code: int
    description: str
    parameters: dict[str, Any] = field(default_factory=dict)
    chat_id: int | str | None = None  # the request's chat, to tell whose message was refused


def truncate_params(params: dict[str, Any], limit: int = 120) -> dict[str, Any]:
    """Shorten long strings so rejection records stay readable (and hold little message text)."""
    return {
        key: (value[:limit] + "…" if isinstance(value, str) and len(value) > limit else value)
        for key, value in params.items()
    }

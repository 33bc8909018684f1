"""Logging that keeps confidences: no tokens, no message text, and user ids only as pseudonyms.

Nothing in Kindred logs message text or notes; the filter below is a second line of defence that
scrubs secrets (the bot token appears in every Bot API URL that HTTP libraries like to log).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from typing import ClassVar

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# Libraries kept at WARNING: they log full request URLs (which contain the token), update payloads
# (message text: telegram.ext.Application's "Processing update"), SQL parameters (aiosqlite's DEBUG
# lines), or routine detail by the dozen.
_NOISY = (
    "httpx",
    "httpcore",
    "apscheduler",
    "telegram.ext.ExtBot",
    "telegram.ext.Application",
    "aiosqlite",
    "aiohttp.access",
    # fpdf2 subsets the embedded DejaVu font with fontTools, which logs ~75 INFO lines per /proof.
    "fontTools",
)


_id_salt = b""


class RedactSecrets(logging.Filter):
    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = message
        for secret in self._secrets:
            redacted = redacted.replace(secret, "<redacted>")
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


class HandledAtShutdown(logging.Filter):
    """PTB's last ``getUpdates`` at shutdown (it only marks updates as read) is logged as an ERROR
    with a traceback when it times out, though PTB handles it and the next start fetches those
    updates again. A clean stop is not an error: one warning line, naming the failure."""

    PREFIX = "Error while calling `get_updates` one more time"

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and record.msg.startswith(self.PREFIX) and record.exc_info:
            error = record.exc_info[1]
            record.msg = (
                "The last getUpdates at shutdown failed (%s); those updates come again at the next start"
            )
            record.args = (type(error).__name__,)
            record.exc_info = record.exc_text = None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


class WebhookPrivacy(logging.Filter):
    """PTB's webhook server logs each update's body (message text) and the secret a refused request
    carried, at DEBUG, and a refused request with a traceback.  Keep the events, not the contents:
    a request Kindred refuses on purpose (no or wrong secret: a stranger probing) is one line."""

    REWRITES: ClassVar[dict[str, str]] = {
        "Webhook received data": "Webhook received an update",
        "Request had the wrong secret token": "A webhook request had the wrong secret token",
        "Something went wrong processing the data received from Telegram": (
            "A webhook request could not be read as an update and was refused"
        ),
    }

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.msg if isinstance(record.msg, str) else ""
        for prefix, replacement in self.REWRITES.items():
            if message.startswith(prefix):
                record.msg, record.args = replacement, ()
                record.exc_info = record.exc_text = None
                return True
        if (
            isinstance(record.args, tuple)
            and record.args[-1:] == ("Exception in TelegramHandler",)
            and record.exc_info
        ):
            error = record.exc_info[1]
            if type(error).__name__ == "HTTPError":  # tornado's: a refusal PTB chose, not a fault
                record.msg, record.args = "A webhook request was refused: %s", (str(error),)
                record.exc_info = record.exc_text = None
        return True


def configure_logging(level: str, secrets: Iterable[str] = (), id_salt: str = "") -> None:
    """Set up the root logger once, at start-up; *id_salt* keys :func:`log_id`."""
    global _id_salt  # noqa: PLW0603 - set once at start-up, before any logging
    _id_salt = hashlib.sha256(id_salt.encode()).digest()
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in _NOISY:
        logging.getLogger(name).setLevel(logging.WARNING)
    updater = logging.getLogger("telegram.ext.Updater")
    updater.addFilter(HandledAtShutdown())
    updater.addFilter(WebhookPrivacy())


def log_id(user_id: int | None) -> str:
    """A short, stable stand-in for a Telegram id in logs, keyed so it cannot be reversed by
    trying every id (and unrelated to the check-in pseudonym)."""
    if user_id is None:
        return "-"
    digest = hashlib.blake2b(str(user_id).encode(), key=_id_salt, digest_size=5)
    return "u" + digest.hexdigest()

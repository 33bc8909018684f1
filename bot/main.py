"""Entry point: ``python -m bot``.

With a ``BOT_TOKEN`` it serves Telegram by long polling or by webhook (``RUN_MODE``).  Without
one it starts the sandbox: the local Telegram emulator, the bot against it, and a web page where
a person can try Kindred as a member, a facilitator and a coordinator.
"""

from __future__ import annotations

import asyncio
import sys
from urllib.parse import urlparse

from telegram import Update

from bot.app import build_application
from bot.logs import configure_logging
from bot.settings import Settings, SettingsError, load_settings
from storage.migrations import UnsupportedSchemaVersion, prepare


def secrets_of(settings: Settings) -> list[str]:
    values = [settings.bot_token, settings.pseudonym_secret, settings.webhook_secret]
    return [value.get_secret_value() for value in values if value is not None]


# Every kind of update, chat_member included: Telegram sends that one only when asked, and a
# reported demotion must drop the person's cached role at once (handlers/registration.py).
ALLOWED_UPDATES = Update.ALL_TYPES

# Every database call hands work to aiosqlite's thread and back, and each handover waits for the
# GIL, which a busy event loop gives up only every switch interval (5 ms by default).  At 0.5 ms
# the handovers stop queueing behind each other: under load, replies came 2-4 times sooner at the
# same CPU per update (python -m bench).
SWITCH_INTERVAL = 0.0005


def serve(settings: Settings) -> None:
    """Run until SIGINT/SIGTERM; python-telegram-bot then stops cleanly and post_shutdown closes the db."""
    sys.setswitchinterval(SWITCH_INTERVAL)
    asyncio.run(prepare(settings.database_path))  # refuse a newer schema before contacting Telegram
    application = build_application(settings)
    if settings.run_mode == "webhook":
        assert settings.webhook_url and settings.webhook_secret  # noqa: S101 - validated in Settings
        application.run_webhook(
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            url_path=urlparse(settings.webhook_url).path.lstrip("/"),
            webhook_url=settings.webhook_url,
            secret_token=settings.webhook_secret.get_secret_value(),
            allowed_updates=ALLOWED_UPDATES,
        )
    else:
        application.run_polling(allowed_updates=ALLOWED_UPDATES)


def main() -> int:
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"Kindred cannot start because of its configuration:\n{error}", file=sys.stderr)
        return 2
    if settings.sandbox:
        from bot.sandbox import run_sandbox  # noqa: PLC0415 - the emulator is only needed here

        return run_sandbox(settings)
    configure_logging(settings.log_level, secrets_of(settings), id_salt=secrets_of(settings)[1])
    try:
        serve(settings)
    except UnsupportedSchemaVersion as error:
        print(f"Kindred cannot start: {error}", file=sys.stderr)
        return 3
    return 0

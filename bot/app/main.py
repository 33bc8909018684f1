"""Entry point: ``python -m bot``.

With a ``BOT_TOKEN`` it serves Telegram by long polling or by webhook (``RUN_MODE``).  Without
one it starts the sandbox: the local Telegram emulator, the bot against it, and a web page where
a person can try Kindred as a member, a facilitator and a coordinator.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
import threading
from urllib.parse import urlparse

from telegram import Update

from bot.app.application import build_application
from bot.runtime.context import KindredApplication
from bot.runtime.logs import configure_logging
from bot.runtime.settings import Settings, SettingsError, load_settings
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

log = logging.getLogger(__name__)

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
# Updates under way, deliveries in flight and waiting count edits each finish within about 10 s; past
# this, something is stuck, and a service manager would kill the process anyway.
SHUTDOWN_GRACE_SECONDS = 25.0


class GracefulStop:
    """Stop the bot once on SIGINT/SIGTERM, however many of them arrive, within a bounded time.

    Why not python-telegram-bot's own stop signals: they raise ``SystemExit`` inside the event loop
    on *every* signal.  A second one (a service manager that sends SIGTERM to the whole process
    group, a second Ctrl+C) then lands inside PTB's shutdown, before ``Updater.stop()`` has even
    started ("coroutine 'Updater.stop' was never awaited"), skips the rest of it, and leaves the
    database open: aiosqlite's worker thread then kept the process alive until it was killed.
    Here the first signal asks PTB to stop (``stop_running``: its whole shutdown runs in order),
    later ones are only noted, and a watchdog ends the process if shutdown ever gets stuck.
    """

    def __init__(self, application: KindredApplication, grace: float = SHUTDOWN_GRACE_SECONDS) -> None:
        self._application = application
        self._grace = grace
        self._watchdog: threading.Timer | None = None

    def install(self, loop: asyncio.AbstractEventLoop) -> None:
        for signum in STOP_SIGNALS:
            loop.add_signal_handler(signum, self.request, signum)

    def request(self, signum: int) -> None:
        name = signal.Signals(signum).name
        if self._watchdog is not None:
            log.info("Already stopping; %s ignored", name)
            return
        log.info("Stopping on %s", name)
        self._watchdog = threading.Timer(self._grace, self._give_up)
        self._watchdog.daemon = True
        self._watchdog.start()
        self._application.stop_running()

    def done(self) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()

    def _give_up(self) -> None:
        log.error("Kindred did not stop within %.0f s; exiting without finishing", self._grace)
        logging.shutdown()
        os._exit(1)


def serve(settings: Settings) -> None:
    """Run until SIGINT/SIGTERM; python-telegram-bot then stops cleanly and post_shutdown closes the db."""
    sys.setswitchinterval(SWITCH_INTERVAL)
    asyncio.run(prepare(settings.database))  # refuse a newer schema before contacting Telegram
    application = build_application(settings)
    loop = asyncio.new_event_loop()  # PTB runs on the current loop; ours carries the stop signals
    asyncio.set_event_loop(loop)
    stopper = GracefulStop(application)
    stopper.install(loop)
    try:
        _run(application, settings)
    finally:
        stopper.done()


def _run(application: KindredApplication, settings: Settings) -> None:
    """PTB's run loop in the configured mode, with its own stop signals off (see GracefulStop)."""
    if settings.run_mode == "webhook":
        assert settings.webhook_url and settings.webhook_secret  # noqa: S101 - validated in Settings
        application.run_webhook(
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            url_path=urlparse(settings.webhook_url).path.lstrip("/"),
            webhook_url=settings.webhook_url,
            secret_token=settings.webhook_secret.get_secret_value(),
            allowed_updates=ALLOWED_UPDATES,
            stop_signals=None,
        )
    else:
        application.run_polling(allowed_updates=ALLOWED_UPDATES, stop_signals=None)


USAGE_DETAILS = """\
Kindred runs in one of three modes, chosen by its settings (environment or .env; see
.env.example and the README's Configuration table):

  sandbox   no BOT_TOKEN: a local imitation of Telegram with a chat page at
            http://SANDBOX_HOST:SANDBOX_PORT/ (default http://127.0.0.1:8080/); nothing leaves
            this computer
  polling   BOT_TOKEN and PSEUDONYM_SECRET set (RUN_MODE=polling, the default): serve Telegram
            by long polling; works anywhere, behind NAT too
  webhook   RUN_MODE=webhook with WEBHOOK_URL and WEBHOOK_SECRET: Telegram calls WEBHOOK_URL,
            served on WEBHOOK_LISTEN:WEBHOOK_PORT behind a TLS proxy

Stop with Ctrl+C or SIGTERM. Exit codes: 0 stopped cleanly, 2 bad configuration or arguments,
3 a database from newer code.
"""


def parse_arguments(argv: list[str] | None) -> None:
    """Kindred takes no arguments (settings come from the environment), but ``--help`` prints how
    to run it and exits 0, and anything else is refused with the usage and exit code 2, rather
    than starting the sandbox as if nothing had been asked."""
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Kindred, a Telegram bot for peer-support recovery groups.",
        epilog=USAGE_DETAILS,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    parse_arguments(argv)  # exits on --help (0) and on unknown arguments (2)
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"Kindred cannot start because of its configuration:\n{error}", file=sys.stderr)
        return 2
    if settings.sandbox:
        from bot.app.sandbox import run_sandbox  # noqa: PLC0415 - the emulator is only needed here

        return run_sandbox(settings)
    configure_logging(settings.log_level, secrets_of(settings), id_salt=secrets_of(settings)[1])
    try:
        serve(settings)
    except UnsupportedSchemaVersion as error:
        print(f"Kindred cannot start: {error}", file=sys.stderr)
        return 3
    return 0

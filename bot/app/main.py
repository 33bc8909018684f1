"""Entry point: ``python -m bot``.

With a ``BOT_TOKEN`` it serves Telegram by long polling or by webhook (``RUN_MODE``).  Without
one it starts the sandbox: the local Telegram emulator, the bot against it, and a web page where
a person can try Kindred as a member, a facilitator and a coordinator.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
import threading
from urllib.parse import urlparse

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Updater

from bot.app.application import build_application, close_services, start_services, stop_services
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
LEFTOVER_SECONDS = 2.0  # tasks still pending once shutdown is done: cancelled, then this long to end


class GracefulStop:
    """Stop the bot once on SIGINT/SIGTERM, however many of them arrive, within a bounded time.

    A signal only sets :attr:`requested`; :func:`_lifecycle` looks at it between its steps, so a
    stop asked for at any moment (during start-up, while the webhook is being set, while serving)
    is honoured, and later signals are only noted.  A watchdog ends the process if shutdown ever
    gets stuck.  (python-telegram-bot's own stop signals raise ``SystemExit`` inside the event loop
    on every signal, cutting its shutdown short; and its ``stop_running()`` was ignored between
    ``post_init`` and the application starting: a bot told to stop just after start-up served on.)
    """

    def __init__(self, grace: float = SHUTDOWN_GRACE_SECONDS) -> None:
        self._grace = grace
        self._watchdog: threading.Timer | None = None
        self._requested = asyncio.Event()

    @property
    def requested(self) -> bool:
        return self._requested.is_set()

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
        self._requested.set()

    async def wait(self) -> None:
        await self._requested.wait()

    def _give_up(self) -> None:
        log.error("Kindred did not stop within %.0f s; exiting without finishing", self._grace)
        logging.shutdown()
        os._exit(1)


def serve(settings: Settings) -> None:
    """Run until SIGINT/SIGTERM, then stop in order; close_services closes the database last."""
    sys.setswitchinterval(SWITCH_INTERVAL)
    asyncio.run(prepare(settings.database))  # refuse a newer schema before contacting Telegram
    application = build_application(settings)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    stopper = GracefulStop()
    try:
        loop.run_until_complete(_lifecycle(application, settings, stopper))
    finally:
        _close_loop(loop)
    # The watchdog is never called off: it also bounds the interpreter's exit, which waits for
    # threads that are not daemons (the database connection's, the crisis encoder's loader).


async def _lifecycle(application: KindredApplication, settings: Settings, stopper: GracefulStop) -> None:
    """python-telegram-bot's ``run_polling``/``run_webhook``, in its order, with stop requests
    honoured between every step (see GracefulStop): start-up runs to its end, so nothing is left
    half-planned, then updates are taken only if no stop came meanwhile, and whatever was
    started is stopped before the database closes."""
    stopper.install(asyncio.get_running_loop())
    updater = application.updater
    if updater is None:
        raise RuntimeError("build_application always gives the application an updater")
    await application.initialize()
    # Each step of the stop runs even if one before it failed (an exception is raised after all of
    # them): a database left open keeps its thread, and the process, alive.  Last in, first out.
    async with contextlib.AsyncExitStack() as stopping:
        stopping.push_async_callback(close_services, application)
        stopping.push_async_callback(application.shutdown)
        await start_services(application)
        stopping.push_async_callback(stop_services, application)
        stopping.push_async_callback(_stop_if_running, application)  # waits for updates under way
        stopping.push_async_callback(_stop_if_running, updater)
        if not stopper.requested:
            await _take_updates(application, updater, settings)
            await application.start()
            await stopper.wait()


async def _stop_if_running(part: KindredApplication | Updater) -> None:
    if part.running:
        await part.stop()


async def _take_updates(application: KindredApplication, updater: Updater, settings: Settings) -> None:
    """Start receiving updates in the configured mode, with run_polling's/run_webhook's arguments."""
    if settings.run_mode == "webhook":
        assert settings.webhook_url and settings.webhook_secret  # noqa: S101 - validated in Settings
        await updater.start_webhook(
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            url_path=urlparse(settings.webhook_url).path.lstrip("/"),
            webhook_url=settings.webhook_url,
            secret_token=settings.webhook_secret.get_secret_value(),
            allowed_updates=ALLOWED_UPDATES,
        )
    else:

        def polling_failed(error: TelegramError) -> None:  # as run_polling: to the error handler
            application.create_task(application.process_error(error=error, update=None))

        await updater.start_polling(allowed_updates=ALLOWED_UPDATES, error_callback=polling_failed)


def _close_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel whatever is still pending (bounded), then close the loop: nothing is left to run
    into a closed loop, and no task is destroyed while pending."""
    pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in pending:
        task.cancel()
    if pending:
        loop.run_until_complete(asyncio.wait(pending, timeout=LEFTOVER_SECONDS))
    loop.run_until_complete(loop.shutdown_asyncgens())
    loop.close()


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

"""The composition root: the python-telegram-bot Application is built here and nowhere else."""

from __future__ import annotations

import asyncio
import logging
import signal
from functools import partial

from telegram import Bot, LinkPreviewOptions
from telegram.constants import ChatMemberStatus, ParseMode
from telegram.error import Forbidden
from telegram.ext import ApplicationBuilder, BaseUpdateProcessor, Defaults, JobQueue
from telegram.request import BaseRequest

from bot.app.features import FEATURES
from bot.app.http import AiohttpRequest
from bot.app.update_processor import PerChatUpdateProcessor
from bot.domain.clock import Clock, FileClock, clock_from_file
from bot.domain.roles import Authorizer
from bot.runtime.context import CONTEXT_TYPES, KindredApplication, KindredJobQueue
from bot.runtime.edit_coalescer import EditCoalescer, paces_for
from bot.runtime.leadership import Leadership
from bot.runtime.outbox import Outbox
from bot.runtime.rate_limiter import PatientRateLimiter
from bot.runtime.rate_limits import Pacer, limits_for
from bot.runtime.scheduler import Scheduler
from bot.runtime.services import BotData, Repositories, Services, Throttles
from bot.runtime.settings import Settings
from bot.usecases.plan import is_peer_mentor
from handlers.common import buttons_tracked_per_person
from handlers.errors import on_error
from storage.db import Database
from storage.migrations import migrate

log = logging.getLogger(__name__)


def build_application(settings: Settings, clock: Clock | None = None) -> KindredApplication:
    """Wire settings, storage, services and every feature's handlers into one Application."""
    if settings.bot_token is None:
        raise ValueError("build_application needs a bot token (the sandbox provides its own)")
    api = settings.telegram_api_url
    # Telegram's limits count replies and queued sends alike: one budget for both.
    pacer = Pacer(limits_for(settings.group_messages_per_minute))
    job_queue: KindredJobQueue = JobQueue()  # typed with Kindred's context (PTB's default is not)
    application = (
        ApplicationBuilder()
        .token(settings.bot_token.get_secret_value())
        .base_url(f"{api}/bot")
        .base_file_url(f"{api}/file/bot")
        .defaults(
            Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True))
        )
        .request(request_layer())
        .get_updates_request(request_layer(get_updates=True))
        .concurrent_updates(update_processor())
        .rate_limiter(rate_limiter(settings, pacer))
        .context_types(CONTEXT_TYPES)
        .job_queue(job_queue)
        .build()  # no post_init/post_stop/post_shutdown: bot.app.main calls the hooks below
    )
    db = Database(settings.database)
    repos = Repositories.on(db)
    bot_data: BotData = application.bot_data
    bot_data.attach(
        Services(
            settings=settings,
            clock=clock or clock_from_file(settings.clock_file),
            db=db,
            repos=repos,
            auth=Authorizer(
                settings.coordinator_ids,
                partial(is_chat_admin, application.bot),
                settings.admin_cache_seconds,
                is_mentor=partial(is_peer_mentor, repos),
            ),
            pacer=pacer,
            throttles=Throttles.from_settings(settings),
            edits=EditCoalescer(*paces_for(settings.group_messages_per_minute)),
            features=FEATURES,
            application=application,
        )
    )
    with buttons_tracked_per_person():  # the forms' buttons belong to the person's conversation
        for feature in FEATURES:
            for group, feature_handlers in feature.handlers().items():
                application.add_handlers(feature_handlers, group=group)
    application.add_error_handler(on_error)
    return application


async def is_chat_admin(bot: Bot, chat_id: int, user_id: int) -> bool:
    """Ask Telegram whether the person administers the chat: the Authorizer's facilitator test.
    Any failure answers "no" (a facilitator can retry; a privilege is never granted by mistake)."""
    try:
        member = await bot.get_chat_member(chat_id, user_id)
    except Forbidden:
        return False
    except Exception:
        log.warning("Could not check admin status in a chat", exc_info=True)
        return False
    return member.status in (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)


# How Kindred talks to Telegram; each choice was measured with ``python -m bench`` (README).


def request_layer(get_updates: bool = False) -> BaseRequest:
    """aiohttp instead of PTB's httpx: the same contract for a fraction of the CPU (bot/app/http.py).
    One connection for long polling, as PTB's default; a pool for everything else."""
    return AiohttpRequest(connection_pool_size=1) if get_updates else AiohttpRequest()


def update_processor() -> BaseUpdateProcessor:
    """Different chats at once, each chat and person in order (bot/app/update_processor.py)."""
    return PerChatUpdateProcessor()


def rate_limiter(settings: Settings, pacer: Pacer) -> PatientRateLimiter:
    """Retry 429s and 5xx, keep each group under GROUP_MESSAGES_PER_MINUTE (Telegram: 20).  No
    overall 30/s cap: it would cap replies to people at 30 a second; bulk sending (reminders,
    broadcasts) goes through the outbox, whose pacer keeps to Telegram's overall limit without ever
    earning a 429."""
    return PatientRateLimiter(
        overall_max_rate=0,
        group_max_rate=settings.group_messages_per_minute,
        group_time_period=60,
        max_retries=5,
        pacer=pacer,
    )


# The lifecycle's hooks, called by bot.app.main in python-telegram-bot's order: start_services
# before the bot takes updates, stop_services after it stopped taking them (also when a stop came
# during start-up, so nothing start_services began outlives it), close_services last.


async def start_services(application: KindredApplication) -> None:
    """Open and migrate the database, start the scheduler, then let features rebuild their jobs."""
    services: Services = application.bot_data.services
    await services.db.open()
    version = await migrate(services.db)
    log.info("Database ready at schema version %d", version)
    if application.job_queue is None:
        raise RuntimeError("python-telegram-bot's job-queue extra is not installed")
    shared = services.db.dialect == "postgres"  # other processes may share the database
    leadership = Leadership(services.repos.leases if shared else None)
    services.leadership = leadership
    await leadership.start()  # before the features plan jobs: they run only where it leads
    services.scheduler = Scheduler(application.job_queue, services.clock, leadership)
    services.delivery = Outbox(
        services.repos.outbox,
        services.people,
        application.bot,
        services.clock,
        pacer=services.pacer,
        leadership=leadership,
    )
    if isinstance(services.clock, FileClock):
        asyncio.get_running_loop().add_signal_handler(signal.SIGUSR1, services.clock.reload)
    for feature in services.features:
        if feature.on_startup is not None:
            await feature.on_startup(application)
    await services.outbox.start()  # after the features, so their batch listeners are in place
    leadership.on_beat(services.outbox.heartbeat)
    leadership.on_beat(partial(_share_budget, services))
    leadership.on_beat(services.jobs.forget_run_elsewhere)
    leadership.on_gain(partial(_take_over, application))
    leadership.on_change(partial(_replan, application))
    log.info("Kindred is ready")


async def _take_over(application: KindredApplication) -> None:
    """This process now runs the scheduled work: the features first re-derive what other
    processes planned and ran (a job's new time replaces the one kept here), then the jobs that
    came due meanwhile run at once.  The other way round, a job the old leader had already run
    could run again while the replan was still reading the database."""
    services: Services = application.bot_data.services
    await _replan(application)
    services.jobs.run_overdue()


async def _replan(application: KindredApplication) -> None:
    for feature in application.bot_data.services.features:
        if feature.replan is not None:
            await feature.replan(application)


async def _share_budget(services: Services) -> None:
    """Telegram's 30 messages a second are the bot's, not a process's: each of N live processes
    sends a 1/N share."""
    if services.leadership is not None:
        services.pacer.share(services.leadership.processes)


async def stop_services(application: KindredApplication) -> None:
    """Let features stop what they started (e.g. the feed server), count edits still waiting go
    out, and deliveries in flight settle, before the database closes.

    The beat stops last: it renews this process's outbox claims, and a shutdown that takes a
    while (edits, features, sends settling: up to ~20 s) must not let them lapse, or another
    process would resend rows this one is still sending."""
    services: Services = application.bot_data.services
    if services.leadership is not None:
        services.leadership.retire()  # beating on, but taking nothing over from now
    await services.edits.close()
    for feature in services.features:
        if feature.on_shutdown is not None:
            await feature.on_shutdown(application)
    if services.delivery is not None:
        await services.delivery.stop()
    if services.leadership is not None:
        # The locks are released when close_services closes the database; another process
        # then takes the scheduled work, and any claim left, over at its next beat.
        await services.leadership.stop()


async def close_services(application: KindredApplication) -> None:
    """Close the database; the scheduled work's beat first, should start-up have failed before
    stop_services could stop it (its queries must not race the pools closing)."""
    services: Services = application.bot_data.services
    if services.leadership is not None:
        await services.leadership.stop()
    await services.db.close()
    log.info("Kindred stopped; database closed")

"""Webhook mode's feed server end to end below Telegram: a published group's real feed over HTTP.

A webhook-mode bot cannot run against the emulator (webhook URLs must be https), so this drives the
feature's own start-up and shutdown hooks on the real application (never started), its services
on a migrated scratch database.
"""

from __future__ import annotations

import aiohttp

from bot.app.application import build_application
from bot.domain.clock import FixedClock
from bot.domain.meeting_form import parse_meeting_line
from bot.runtime.context import KindredApplication
from bot.runtime.services import Services
from bot.runtime.settings import Settings
from handlers import feed
from storage.db import Database
from storage.feeds import FeedRepository
from storage.groups import GroupRepository
from storage.meetings import MeetingRepository
from storage.people import PeopleRepository, Sighting
from tests.conftest import NOW
from tests.domain.meeting_guide_spec import validate_feed

GROUP = -100
TOKEN = "0123456789abcdefghijklmnop"


def application(db: Database, clock: FixedClock, port: int, mode: str) -> KindredApplication:
    settings = Settings(
        bot_token="123456:TEST-TOKEN-abcdefghijklmnopqrstuvwxyz",
        pseudonym_secret="x" * 40,
        run_mode=mode,
        webhook_url="https://bot.example.org/telegram",
        webhook_secret="secret",
        feed_listen="127.0.0.1",
        feed_port=port,
        _env_file=None,
    )
    app = build_application(settings, clock)
    app.bot_data.attach(Services.offline(db, settings, clock))  # the test's database, already migrated
    return app


async def test_a_published_feed_is_served_in_webhook_mode(db, clock, unused_tcp_port: int) -> None:
    await GroupRepository(db).register(GROUP, "Harbour Circle", "America/New_York", "en", NOW)
    await PeopleRepository(db).record(Sighting(1, "Sam", None, "en", private_chat=True), NOW)
    line = "/schedule Tuesday Circle | 2026-11-24 19:00 | 90m | weekly | https://meet.example.org/t"
    await MeetingRepository(db).create(
        GROUP, parse_meeting_line(line, time_zone="America/New_York", now=NOW), 1, NOW
    )
    await FeedRepository(db).publish(GROUP, TOKEN, NOW)
    app = application(db, clock, unused_tcp_port, "webhook")
    await feed.on_startup(app)
    url = f"http://127.0.0.1:{unused_tcp_port}/feeds/{TOKEN}.json"
    try:
        async with aiohttp.ClientSession() as session:
            async with session.get(url) as response:
                assert response.status == 200
                entries = await response.json()
            assert validate_feed(entries) == []
            assert [(e["name"], e["day"], e["time"]) for e in entries] == [("Tuesday Circle", 2, "19:00")]
            await FeedRepository(db).unpublish(GROUP)
            async with session.get(url) as response:
                assert response.status == 404
    finally:
        await feed.on_shutdown(app)


async def test_polling_mode_serves_nothing(db, clock, unused_tcp_port: int) -> None:
    app = application(db, clock, unused_tcp_port, "polling")
    await feed.on_startup(app)
    assert getattr(app.bot_data, "feed_server", None) is None
    await feed.on_shutdown(app)

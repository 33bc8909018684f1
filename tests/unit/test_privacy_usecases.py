"""Privacy and settings use cases on a scratch database: /mydata, /forget, retention, /settings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain.clock import FixedClock
from bot.domain.preferences import Toggle
from bot.runtime.feature import Feature
from bot.usecases import preferences, privacy
from storage.db import Database
from storage.outbox import Delivery
from storage.people import Sighting
from tests.conftest import NOW
from tests.unit.offline_services import offline

MAYA, ANA = 3, 4


async def test_mydata_gathers_the_profile_then_each_features_part_in_order(
    db: Database, clock: FixedClock
) -> None:
    world = offline(db, clock)
    await world.svc.people.record(Sighting(MAYA, "Maya", "maya", "es", True), NOW)
    asked: list[int] = []

    async def part(user_id: int) -> dict[str, object]:
        asked.append(user_id)
        return {"rows": user_id}

    data = await privacy.collect_personal_data(world.svc, MAYA, [("first", part), ("second", part)])
    assert list(data) == ["profile", "groups", "first", "second"]
    assert data["profile"]["first_name"] == "Maya" and data["groups"] == []
    assert data["second"] == {"rows": MAYA} and asked == [MAYA, MAYA]


async def test_forget_runs_every_feature_then_cancels_queued_messages_and_the_profile(
    db: Database, clock: FixedClock
) -> None:
    world = offline(db, clock)
    svc = world.svc
    for user_id in (MAYA, ANA):
        await svc.people.record(Sighting(user_id, "x", None, "en", True), NOW)
    await svc.outbox.enqueue(
        [Delivery("a", MAYA, "to Maya", "prompt"), Delivery("b", ANA, "to Ana", "prompt")]
    )
    svc.seen.remember_membership(-1, MAYA)

    async def checkins(user_id: int) -> list[str]:
        return ["your check-ins"]

    async def nothing(user_id: int) -> list[str]:
        return []

    forgotten = await privacy.forget_person(svc, MAYA, [checkins, nothing])
    assert forgotten == privacy.Forgotten(["your check-ins"], queued_messages=True)
    assert [d.chat_id for d in world.outbox.queued] == [ANA]
    assert await svc.people.get(MAYA) is None and await svc.people.get(ANA) is not None
    assert not svc.seen.is_member(-1, MAYA)  # her next update is recorded afresh
    again = await privacy.forget_person(svc, MAYA, [nothing])
    assert again == privacy.Forgotten([], queued_messages=False)


async def test_retention_forgets_text_older_than_the_setting_and_runs_daily_at_three(
    db: Database, clock: FixedClock
) -> None:
    world = offline(db, clock, retention_days=30)
    cutoffs: list[datetime] = []

    async def purge(cutoff: datetime) -> int:
        cutoffs.append(cutoff)
        return 2

    privacy.start_retention(world.svc, [purge, purge])
    assert world.jobs.planned() == {privacy.RETENTION_JOB: NOW}  # at once: it may have been down at 03:00
    await world.jobs.run(privacy.RETENTION_JOB)
    assert cutoffs == [NOW - timedelta(days=30)] * 2
    assert world.jobs.planned() == {privacy.RETENTION_JOB: datetime(2026, 11, 24, 3, 0, tzinfo=UTC)}
    assert await privacy.purge_expired_text(world.svc, NOW, []) == 0


async def test_settings_switch_only_what_changes_and_a_features_own_switch_decides(
    db: Database, clock: FixedClock
) -> None:
    world = offline(db, clock)
    kept: dict[int, bool] = {}
    host = object()

    async def load(application: object, user_id: int) -> bool:
        assert application is host
        return kept.get(user_id, False)

    async def refuse(application: object, user_id: int, on: bool) -> None:
        """A feature that says no (say, no time zone to prompt in): nothing is kept."""

    plain = Toggle("private_announcements", "Announcements", order=10)
    own = Toggle("daily_check_in", "Daily check-in", order=20, load=load, save=refuse)
    world.svc.features = [Feature("own", lambda: {}, settings=(own, plain))]

    screen = await preferences.screen(world.svc, MAYA, host)
    assert [t.key for t in screen.toggles] == ["private_announcements", "daily_check_in"]
    assert screen.values == {"private_announcements": False, "daily_check_in": False}
    assert (
        await preferences.switch(world.svc, MAYA, "private_announcements", False, host) is None
    )  # as it was
    assert await preferences.switch(world.svc, MAYA, "no_such_key", True, host) is None  # forged
    switched = await preferences.switch(world.svc, MAYA, "private_announcements", True, host)
    assert switched is not None and switched.values["private_announcements"] is True
    refused = await preferences.switch(world.svc, MAYA, "daily_check_in", True, host)
    assert refused is not None and refused.values["daily_check_in"] is False  # the screen shows the truth
    assert await preferences.export_personal_data(world.svc, MAYA) == {
        "settings": {"private_announcements": "1"}
    }
    assert await preferences.erase_personal_data(world.svc, MAYA)
    assert not await preferences.erase_personal_data(world.svc, MAYA)

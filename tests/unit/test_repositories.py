"""Groups, people and memberships round-trip as typed objects."""

from __future__ import annotations

from datetime import timedelta

from storage.groups import GROUP_REFERENCES, NOT_MOVED, Group, GroupRepository
from storage.outbox import Delivery, OutboxRepository
from storage.people import PeopleRepository, Person, Sighting
from tests.backend import column_names, table_names
from tests.checks import found
from tests.conftest import NOW


async def test_a_group_is_registered_and_keeps_settings_when_the_bot_returns(db) -> None:
    groups = GroupRepository(db)
    group = await groups.register(-100, "Tuesday Circle", "UTC", "es", NOW)
    assert group == Group(-100, "Tuesday Circle", "UTC", "es", True)
    await groups.set_timezone(-100, "Europe/Madrid", NOW)
    await groups.deactivate(-100, NOW)
    assert found(await groups.get(-100)).active is False
    again = await groups.register(-100, "Tuesday Circle (new name)", "UTC", "en", NOW + timedelta(days=1))
    assert again == Group(-100, "Tuesday Circle (new name)", "Europe/Madrid", "es", True)
    assert await groups.get(-999) is None


async def test_people_are_recorded_and_refreshed(db) -> None:
    people = PeopleRepository(db)
    await people.record(Sighting(7, "Ana", None, "es", private_chat=False), NOW)
    assert await people.get(7) == Person(7, "Ana", None, None, "es", private_chat=False, reachable=True)
    await people.mark_unreachable(7, NOW)
    await people.record(Sighting(7, "Ana María", "ana", "es-MX", private_chat=True), NOW)
    person = found(await people.get(7))
    assert person.first_name == "Ana María"
    assert person.private_chat and person.reachable  # writing privately makes them reachable again
    await people.record(Sighting(7, "Ana María", "ana", "es-MX", private_chat=False), NOW)
    assert found(await people.get(7)).private_chat  # a group message does not undo a private chat
    await people.set_language(7, "en", NOW)
    assert found(await people.get(7)).language == "en"


async def test_memberships_follow_joins_and_leaves(db) -> None:
    groups, people = GroupRepository(db), PeopleRepository(db)
    for chat_id, title in ((-1, "Beta"), (-2, "Alpha"), (-3, "Gone")):
        await groups.register(chat_id, title, "UTC", "en", NOW)
    await people.record(Sighting(5, "Sam", None, None, False), NOW)
    for chat_id in (-1, -2, -3):
        await groups.add_member(chat_id, 5, NOW)
    await groups.deactivate(-3, NOW)
    assert [g.title for g in await groups.groups_of(5)] == ["Alpha", "Beta"]
    await groups.remove_member(-1, 5, NOW)
    assert [g.title for g in await groups.groups_of(5)] == ["Alpha"]
    assert await groups.member_ids(-1) == []
    await groups.add_member(-1, 5, NOW)
    assert await groups.member_ids(-1) == [5]


async def test_a_group_migrating_to_a_supergroup_keeps_its_members(db) -> None:
    groups, people = GroupRepository(db), PeopleRepository(db)
    await groups.register(-10, "Circle", "UTC", "en", NOW)
    await people.record(Sighting(5, "Sam", None, None, False), NOW)
    await groups.add_member(-10, 5, NOW)
    await groups.migrate_chat(-10, -100200)
    assert await groups.get(-10) is None
    assert await groups.member_ids(-100200) == [5]


async def test_every_column_holding_a_group_id_moves_with_a_supergroup_or_says_why_not(db) -> None:
    tables = await table_names(db)
    holding = set()
    for table in tables:
        for name in await column_names(db, table):
            if name in {"chat_id", "group_id"} or name.endswith("_chat_id"):
                holding.add((table, name))
    holding.discard(("groups", "chat_id"))
    assert holding == set(GROUP_REFERENCES) | NOT_MOVED


async def test_a_supergroup_migration_moves_everything_in_one_step(db) -> None:
    groups, people = GroupRepository(db), PeopleRepository(db)
    await groups.register(-10, "Circle", "UTC", "en", NOW)
    await groups.set_timezone(-10, "Europe/Madrid", NOW)
    await groups.register(-100200, "Circle", "UTC", "en", NOW)  # the supergroup spoke first
    await people.record(Sighting(5, "Sam", None, None, False), NOW)
    stamp = "2026-11-23T12:00:00Z"
    for sql, params in [
        (
            "INSERT INTO milestones (user_id, start_date, set_on, timezone, celebrate_chat_id, created_at,"
            " updated_at) VALUES (5, '2026-01-01', '2026-01-01', 'UTC', -10, ?, ?)",
            (stamp, stamp),
        ),
        ("INSERT INTO feed_publications (chat_id, token, created_at) VALUES (-10, 'tok', ?)", (stamp,)),
        (
            "INSERT INTO broadcasts (sender_id, text, targets, created_at) VALUES (5, 'x', '[-10, -20]', ?)",
            (stamp,),
        ),
        (
            "INSERT INTO shared_checkins (item_key, group_id, digest_at, mood, craving, note)"
            " VALUES ('k', -10, ?, 3, 2, NULL)",
            (stamp,),
        ),
    ]:
        await db.execute(sql, params)
    await OutboxRepository(db).enqueue([Delivery("r:1:-10", -10, "Reminder", "reminder")], NOW)

    await groups.migrate_chat(-10, -100200)

    assert await groups.get(-10) is None
    assert found(await groups.get(-100200)).timezone == "Europe/Madrid"  # the old group's settings win
    assert await db.fetch_value("SELECT celebrate_chat_id FROM milestones") == -100200
    assert await db.fetch_value("SELECT chat_id FROM feed_publications") == -100200
    assert await db.fetch_value("SELECT targets FROM broadcasts") == "[-100200,-20]"
    assert await db.fetch_value("SELECT group_id FROM shared_checkins") == -100200
    assert [row.delivery.chat_id for row in await OutboxRepository(db).due(NOW, 10)] == [-100200]

"""Broadcasts, preferences and resources round-trip as typed objects; recipients are chosen in SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.domain.resources import Resource
from storage.broadcasts import BroadcastRepository, PrivateRecipient
from storage.groups import GroupRepository
from storage.people import PeopleRepository, Sighting
from storage.preferences import PreferenceRepository
from storage.resources import ResourceRepository
from tests.checks import found
from tests.conftest import NOW

KEY = "private_announcements"


async def test_a_broadcast_is_stored_reported_once_and_erased(db) -> None:
    repo = BroadcastRepository(db)
    first = await repo.create(
        7, "<b>Hi</b>", photo="PHOTO", document=None, targets=(-1, -2), private_copies=True, now=NOW
    )
    assert (first.sender_id, first.text, first.photo, first.targets, first.private_copies) == (
        7,
        "<b>Hi</b>",
        "PHOTO",
        (-1, -2),
        True,
    )
    assert first.recipients == 0 and first.reported_at is None and first.created_at == NOW
    second = await repo.create(
        7, "x", photo=None, document="DOC", targets=(-2,), private_copies=False, now=NOW
    )
    await repo.set_recipients(first.id, 12)
    assert found(await repo.get(first.id)).recipients == 12
    assert [b.id for b in await repo.unreported()] == [first.id, second.id]
    await repo.mark_reported(first.id, NOW)
    await repo.mark_reported(first.id, NOW + timedelta(hours=1))  # the first stamp stays
    assert found(await repo.get(first.id)).reported_at == NOW
    assert [b.id for b in await repo.unreported()] == [second.id]
    assert [b.id for b in await repo.latest_by(7)] == [second.id, first.id]
    assert await repo.erase_sender(7) == 2
    assert await repo.all_by(7) == [] and await repo.get(first.id) is None


@dataclass(frozen=True)
class Case:
    """One person: wrote privately, opted in, and the groups they are in."""

    private: bool
    opted: bool
    chats: tuple[int, ...]


async def test_private_recipients_are_opted_in_reachable_current_members(db) -> None:
    groups, people, prefs = GroupRepository(db), PeopleRepository(db), PreferenceRepository(db)
    repo = BroadcastRepository(db)
    for chat_id in (-1, -2, -3):
        await groups.register(chat_id, f"G{chat_id}", "UTC", "es" if chat_id == -2 else "en", NOW)
    cases = {
        1: Case(private=True, opted=True, chats=(-1, -2)),  # in both targets: listed once
        2: Case(private=True, opted=False, chats=(-1,)),  # did not opt in
        3: Case(private=False, opted=True, chats=(-1,)),  # never wrote privately: cannot be reached
        4: Case(private=True, opted=True, chats=(-3,)),  # not in a target group
        5: Case(private=True, opted=True, chats=(-2,)),  # blocked the bot
        6: Case(private=True, opted=True, chats=(-2,)),  # left the group
        7: Case(private=True, opted=True, chats=(-2,)),  # fine
    }
    for user_id, case in cases.items():
        await people.record(Sighting(user_id, f"P{user_id}", None, "es", case.private), NOW)
        await prefs.set_bool(user_id, KEY, case.opted, NOW)
        for chat_id in case.chats:
            await groups.add_member(chat_id, user_id, NOW)
    await people.mark_unreachable(5, NOW)
    await groups.remove_member(-2, 6, NOW)
    await people.set_language(7, "en", NOW)
    recipients = await repo.private_recipients((-1, -2), KEY)
    assert recipients == [PrivateRecipient(1, None, "es"), PrivateRecipient(7, "en", "es")]
    await groups.deactivate(-2, NOW)
    assert await repo.group_languages((-1, -2, -9)) == {-1: "en"}


async def test_preferences_default_until_set_and_are_erased(db) -> None:
    prefs = PreferenceRepository(db)
    assert await prefs.get_bool(1, KEY, default=False) is False
    assert await prefs.get_bool(1, KEY, default=True) is True
    await prefs.set_bool(1, KEY, True, NOW)
    await prefs.set_bool(1, "daily_check_in", False, NOW)
    await prefs.set_bool(2, KEY, True, NOW)
    assert await prefs.get_bool(1, KEY, default=False) is True
    assert await prefs.all_of(1) == {"daily_check_in": "0", KEY: "1"}
    assert await prefs.users_with(KEY, True, [1, 3]) == {1}
    assert await prefs.erase(1) == 2
    assert await prefs.all_of(1) == {} and await prefs.get_bool(2, KEY, default=False) is True


async def test_resources_are_added_edited_removed_and_follow_a_migrated_group(db) -> None:
    groups, repo = GroupRepository(db), ResourceRepository(db)
    await groups.register(-1, "Circle", "UTC", "en", NOW)
    warmline = Resource("local", "Warmline", "Someone to talk to", "555-0100", "", "evenings")
    stored = await repo.add(-1, warmline, NOW)
    clinic = await repo.add(-1, Resource("crisis", "Clinic", link="https://example.org"), NOW)
    assert [s.resource.name for s in await repo.of_group(-1)] == ["Clinic", "Warmline"]
    changed = Resource("local", "Warmline (new)", phone="555-0101")
    await repo.update(stored.id, changed, NOW)
    assert found(await repo.get(stored.id)).resource == changed
    await repo.remove(clinic.id)
    await groups.migrate_chat(-1, -100)
    assert [(s.chat_id, s.resource) for s in await repo.of_group(-100)] == [(-100, changed)]
    assert await repo.get(clinic.id) is None

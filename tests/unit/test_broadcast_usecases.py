"""Broadcast use cases on a scratch database: who may send where, who receives, the report."""

from __future__ import annotations

from bot.domain.broadcasts import BATCH_PREFIX, PRIVATE_ANNOUNCEMENTS, Draft, batch_of, report_key
from bot.domain.clock import FixedClock
from bot.usecases import broadcasts as usecase
from bot.usecases.broadcasts import Status, Wording
from storage.db import Database
from storage.people import Sighting
from tests.conftest import NOW
from tests.unit.offline_services import Offline, offline

SAM, MAYA, ANA, LEO, CLEO = 1, 2, 3, 4, 5  # Sam facilitates Circle; Cleo coordinates
CIRCLE, HARBOUR = -10, -20


def announcement(language: str, sender: str, body: str) -> str:
    return f"[{language}] {sender}: {body}"


def report(language: str, status: Status) -> str:
    return f"[{language}] #{status.broadcast.id} to {', '.join(status.titles)}: {status.progress.delivered}"


WORDING = Wording(announcement=announcement, report=report)


async def groups_and_people(db: Database, clock: FixedClock) -> Offline:
    world = offline(db, clock, admins=[(CIRCLE, SAM)], coordinators=[CLEO])
    svc = world.svc
    for user_id, name, language in (
        (SAM, "Sam", "en"),
        (MAYA, "Maya", "es"),
        (ANA, "Ana", None),
        (LEO, "Leo", "en"),
    ):
        await svc.people.record(Sighting(user_id, name, None, language, True), NOW)
    await svc.groups.register(CIRCLE, "Circle", "UTC", "es", NOW)
    await svc.groups.register(HARBOUR, "Harbour", "UTC", "en", NOW)
    for user_id in (SAM, MAYA, ANA):
        await svc.groups.add_member(CIRCLE, user_id, NOW)
    await svc.groups.add_member(HARBOUR, LEO, NOW)
    for user_id in (SAM, MAYA, LEO):  # Ana did not ask for announcements in private
        await svc.repos.preferences.set_bool(user_id, PRIVATE_ANNOUNCEMENTS.key, True, NOW)
    return world


async def test_facilitators_send_to_their_groups_and_coordinators_to_all(
    db: Database, clock: FixedClock
) -> None:
    world = await groups_and_people(db, clock)
    svc = world.svc
    assert [g.chat_id for g in await usecase.eligible_groups(svc, SAM)] == [CIRCLE]
    assert await usecase.eligible_groups(svc, MAYA) == []
    assert {g.chat_id for g in await usecase.eligible_groups(svc, CLEO)} == {CIRCLE, HARBOUR}
    fresh = await usecase.new_draft(svc, SAM, "Potluck", None, None)
    assert fresh.draft == Draft("Potluck", None, None, (CIRCLE,))  # his only group, chosen already
    assert (await usecase.new_draft(svc, CLEO, "Hi", None, None)).draft.targets == ()
    # A target shown although no longer listed: it stays visible while chosen.
    chosen = Draft("Potluck", targets=(CIRCLE, HARBOUR))
    assert [g.chat_id for g in await usecase.choices(svc, SAM, chosen)] == [CIRCLE, HARBOUR]
    await svc.groups.deactivate(HARBOUR, NOW)
    assert not await usecase.still_in(svc, HARBOUR) and await usecase.still_in(svc, CIRCLE)


async def test_groups_first_then_opted_in_members_each_in_their_language_never_the_sender(
    db: Database, clock: FixedClock
) -> None:
    world = await groups_and_people(db, clock)
    svc = world.svc
    draft = Draft("Potluck <b>Saturday</b>", targets=(CIRCLE,), private_copies=True)
    shown = await usecase.preview(svc, SAM, draft)
    assert (shown.sender_name, shown.titles, shown.private_count) == ("Sam", ["Circle"], 1)  # Maya

    started = await usecase.send(svc, SAM, draft, WORDING)
    assert started.progress.waiting == 2 and started.titles == ["Circle"]
    assert [(d.chat_id, d.text) for d in world.outbox.queued] == [
        (CIRCLE, "[es] Sam: Potluck <b>Saturday</b>"),
        (MAYA, "[es] Sam: Potluck <b>Saturday</b>"),
    ]
    assert {d.batch for d in world.outbox.queued} == {batch_of(started.broadcast.id)}
    stored = await svc.repos.broadcasts.get(started.broadcast.id)
    assert stored is not None and stored.recipients == 2 and stored.reported_at is None


async def test_the_report_is_queued_once_when_the_batch_has_finished(db: Database, clock: FixedClock) -> None:
    world = await groups_and_people(db, clock)
    svc = world.svc
    started = await usecase.send(svc, SAM, Draft("Hi", targets=(CIRCLE,)), WORDING)
    broadcast_id = started.broadcast.id
    await usecase.report(svc, broadcast_id, {"sent": 1, "pending": 1}, WORDING)
    assert [d.key for d in world.outbox.queued if d.chat_id == SAM] == []  # not finished yet
    await usecase.report(svc, broadcast_id, {"sent": 2}, WORDING)
    await usecase.report(svc, broadcast_id, {"sent": 2}, WORDING)
    reports = [d for d in world.outbox.queued if d.key == report_key(broadcast_id)]
    assert [r.text for r in reports] == [f"[en] #{broadcast_id} to Circle: 2"]


async def test_a_restart_queues_what_was_never_queued_and_reports_what_finished(
    db: Database, clock: FixedClock
) -> None:
    world = await groups_and_people(db, clock)
    svc = world.svc
    never_queued = await svc.repos.broadcasts.create(
        CLEO, "Hello", photo=None, document=None, targets=(HARBOUR,), private_copies=False, now=NOW
    )
    world.outbox.batch_counts[batch_of(never_queued.id)] = {"pending": 1}  # as queued just now
    await usecase.resume(svc, WORDING)
    assert [d.chat_id for d in world.outbox.queued] == [HARBOUR]  # no report while one is waiting
    [(prefix, batch_done)] = world.outbox.listeners
    assert prefix == BATCH_PREFIX
    await batch_done(batch_of(never_queued.id), {"sent": 1})
    assert world.outbox.queued[-1].key == report_key(never_queued.id)
    assert world.outbox.queued[-1].chat_id == CLEO


async def test_progress_is_the_senders_or_a_coordinators_to_see(db: Database, clock: FixedClock) -> None:
    world = await groups_and_people(db, clock)
    svc = world.svc
    started = await usecase.send(svc, SAM, Draft("Hi", targets=(CIRCLE,)), WORDING)
    world.outbox.batch_counts[batch_of(started.broadcast.id)] = {"sent": 1, "unreachable": 1}
    assert await usecase.visible_broadcast(svc, started.broadcast.id, MAYA) is None
    assert await usecase.visible_broadcast(svc, started.broadcast.id, CLEO) is not None
    [status] = await usecase.latest(svc, SAM)
    assert (status.progress.delivered, status.progress.unreachable, status.progress.done) == (1, 1, True)

"""Announcements: who may send where, who receives a confirmed one, its delivery and report.

Sending is the outbox's job: a confirmed announcement becomes one durable delivery per
recipient (groups, then members who asked for announcements in private), paced at Telegram's
limits and resumed after a restart.  When the outbox reports the batch finished, the sender's
delivery report is itself queued in the outbox under a fixed key and the broadcast marked
reported, so a restart at any point sends the report exactly once.

The words are the handler's: it passes a :class:`Wording` that renders the announcement and
the report in each reader's language.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.domain.broadcasts import (
    BATCH_PREFIX,
    KIND,
    PRIVATE_ANNOUNCEMENTS,
    REPORT_KIND,
    Draft,
    Progress,
    Recipient,
    batch_of,
    broadcast_id_of,
    delivery_key,
    progress,
    recipients,
    report_key,
)
from bot.domain.i18n import resolve_language
from bot.domain.roles import Action
from bot.runtime.services import Services
from bot.usecases.readers import language_of
from storage.broadcasts import Broadcast
from storage.groups import Group
from storage.outbox import Delivery

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Status:
    """Where one broadcast stands: its target groups' names and the outbox's counts."""

    broadcast: Broadcast
    titles: list[str]  # each target group's title (its id if it has none, or is gone)
    progress: Progress


@dataclass(frozen=True)
class Wording:
    """What the outbox sends for a broadcast, rendered by the feature's views."""

    announcement: Callable[[str, str, str], str]  # (language, sender's first name, body HTML) -> HTML
    report: Callable[[str, Status], str]  # (sender's language, the finished broadcast) -> HTML


# -- who may send where --


async def eligible_groups(svc: Services, user_id: int) -> list[Group]:
    """Every active group for coordinators; for facilitators, the groups they administer."""
    if svc.auth.is_coordinator(user_id):
        return await svc.groups.active()
    candidates = await svc.groups.groups_of(user_id)
    allowed = set(await svc.auth.groups_for(user_id, Action.BROADCAST, [g.chat_id for g in candidates]))
    return [g for g in candidates if g.chat_id in allowed]


async def still_in(svc: Services, chat_id: int) -> bool:
    """Kindred is (still) in the group: a target it left, or never knew, is refused."""
    group = await svc.groups.get(chat_id)
    return group is not None and group.active


async def titles(svc: Services, chat_ids: Sequence[int]) -> list[str]:
    names = []
    for chat_id in chat_ids:
        group = await svc.groups.get(chat_id)
        names.append((group.title or str(group.chat_id)) if group else str(chat_id))
    return names


async def sender_name(svc: Services, user_id: int) -> str:
    person = await svc.people.get(user_id)
    return person.first_name if person else ""


# -- the draft --


@dataclass(frozen=True)
class Choices:
    draft: Draft
    groups: list[Group]  # the groups to choose from


async def new_draft(
    svc: Services, user_id: int, body: str, photo: str | None, document: str | None
) -> Choices:
    """A fresh draft; with only one group to send to, that group is already chosen."""
    groups = await eligible_groups(svc, user_id)
    targets = (groups[0].chat_id,) if len(groups) == 1 else ()
    return Choices(Draft(body, photo, document, targets), groups)


async def choices(svc: Services, user_id: int, draft: Draft) -> list[Group]:
    """The groups to choose from, plus any chosen target no longer listed (a forged one stays
    chosen only if the authorisation allowed it), so the sender sees everything chosen."""
    groups = await eligible_groups(svc, user_id)
    listed = {g.chat_id for g in groups}
    for chat_id in draft.targets:
        group = await svc.groups.get(chat_id)
        if chat_id not in listed and group is not None:
            groups.append(group)
    return groups


@dataclass(frozen=True)
class Preview:
    sender_name: str
    titles: list[str]
    private_count: int | None  # members who get it in private; None: not asked for


async def preview(svc: Services, user_id: int, draft: Draft) -> Preview:
    private = None
    if draft.private_copies:
        people = await svc.repos.broadcasts.private_recipients(draft.targets, PRIVATE_ANNOUNCEMENTS.key)
        private = len([p for p in people if p.user_id != user_id])
    return Preview(await sender_name(svc, user_id), await titles(svc, draft.targets), private)


async def send(svc: Services, user_id: int, draft: Draft, wording: Wording) -> Status:
    """Record the broadcast and queue every delivery; the returned status is its start."""
    broadcast = await svc.repos.broadcasts.create(
        user_id,
        draft.body,
        photo=draft.photo,
        document=draft.document,
        targets=draft.targets,
        private_copies=draft.private_copies,
        now=svc.clock.now(),
    )
    count = await enqueue_deliveries(svc, broadcast, wording)
    if count == 0:  # every target left meanwhile: no batch will finish, so report now
        await report(svc, broadcast.id, {}, wording)
    log.info("Broadcast %d queued for %d chats", broadcast.id, count)
    return Status(broadcast, await titles(svc, broadcast.targets), progress({"pending": count}))


# -- delivery and the report --


async def plan_deliveries(svc: Services, broadcast: Broadcast, wording: Wording) -> list[Delivery]:
    """One delivery per recipient (groups in the order chosen, then members who opted in, never
    the sender), each in its reader's language."""
    repo = svc.repos.broadcasts
    languages = await repo.group_languages(broadcast.targets)
    groups = [Recipient(chat_id, languages[chat_id]) for chat_id in broadcast.targets if chat_id in languages]
    private: list[Recipient] = []
    if broadcast.private_copies:
        people = await repo.private_recipients(broadcast.targets, PRIVATE_ANNOUNCEMENTS.key)
        private = [Recipient(p.user_id, p.language or resolve_language(p.telegram_language)) for p in people]
    name = await sender_name(svc, broadcast.sender_id)
    texts: dict[str, str] = {}
    deliveries = []
    for recipient in recipients(groups, private, broadcast.sender_id):
        if recipient.language not in texts:
            texts[recipient.language] = wording.announcement(recipient.language, name, broadcast.text)
        deliveries.append(
            Delivery(
                delivery_key(broadcast.id, recipient.chat_id),
                recipient.chat_id,
                texts[recipient.language],
                KIND,
                batch=batch_of(broadcast.id),
                photo=broadcast.photo,
                document=broadcast.document,
            )
        )
    return deliveries


async def enqueue_deliveries(svc: Services, broadcast: Broadcast, wording: Wording) -> int:
    """Queue every delivery (idempotent on key), then record how many: a crash in between is
    repaired at start-up by queueing again."""
    deliveries = await plan_deliveries(svc, broadcast, wording)
    await svc.outbox.enqueue(deliveries)
    await svc.repos.broadcasts.set_recipients(broadcast.id, len(deliveries))
    return len(deliveries)


async def report(svc: Services, broadcast_id: int, counts: Mapping[str, int], wording: Wording) -> None:
    """Queue the sender's delivery report once the batch is finished; at most once, durably."""
    repo = svc.repos.broadcasts
    broadcast = await repo.get(broadcast_id)
    done = progress(counts)
    if broadcast is None or broadcast.reported_at is not None or not done.done:
        return
    status = Status(broadcast, await titles(svc, broadcast.targets), done)
    text = wording.report(await language_of(svc, broadcast.sender_id), status)
    await svc.outbox.enqueue([Delivery(report_key(broadcast.id), broadcast.sender_id, text, REPORT_KIND)])
    await repo.mark_reported(broadcast.id, svc.clock.now())
    log.info("Broadcast %d finished; report queued", broadcast.id)


async def resume(svc: Services, wording: Wording) -> None:
    """At start-up: listen for finished batches, then finish what a restart interrupted:
    deliveries that were never queued, and reports that were never sent."""

    async def batch_done(batch: str, counts: dict[str, int]) -> None:
        broadcast_id = broadcast_id_of(batch)
        if broadcast_id is not None:
            await report(svc, broadcast_id, counts, wording)

    svc.outbox.on_batch_done(BATCH_PREFIX, batch_done)
    for broadcast in await svc.repos.broadcasts.unreported():
        if broadcast.recipients == 0:
            await enqueue_deliveries(svc, broadcast, wording)
        await report(svc, broadcast.id, await svc.outbox.counts(batch_of(broadcast.id)), wording)


# -- progress --


async def status_of(svc: Services, broadcast: Broadcast) -> Status:
    counts = await svc.outbox.counts(batch_of(broadcast.id))
    return Status(broadcast, await titles(svc, broadcast.targets), progress(counts))


async def latest(svc: Services, user_id: int) -> list[Status]:
    """The sender's latest broadcasts, oldest first (``/broadcast status``)."""
    sent = await svc.repos.broadcasts.latest_by(user_id)
    return [await status_of(svc, broadcast) for broadcast in reversed(sent)]


async def visible_broadcast(svc: Services, broadcast_id: int, user_id: int) -> Broadcast | None:
    """A broadcast whose progress the person may see: their own, or any for a coordinator."""
    broadcast = await svc.repos.broadcasts.get(broadcast_id)
    if broadcast is None or (broadcast.sender_id != user_id and not svc.auth.is_coordinator(user_id)):
        return None
    return broadcast


# -- retention and personal data --


async def purge_expired_texts(svc: Services, cutoff: datetime) -> int:
    """Forget the wording of announcements sent before *cutoff*."""
    return await svc.repos.broadcasts.blank_texts_before(cutoff)


async def export_personal_data(svc: Services, user_id: int) -> dict[str, Any]:
    sent = await svc.repos.broadcasts.all_by(user_id)
    return {
        "announcements_sent": [
            {
                "id": b.id,
                "text": b.text,
                "photo": b.photo is not None,
                "document": b.document is not None,
                "groups": list(b.targets),
                "also_in_private": b.private_copies,
                "recipients": b.recipients,
                "sent_at": b.created_at.isoformat(),
            }
            for b in sent
        ]
    }


async def erase_personal_data(svc: Services, user_id: int) -> bool:
    """The announcements the person sent (copies already delivered stay in the chats)."""
    return bool(await svc.repos.broadcasts.erase_sender(user_id))

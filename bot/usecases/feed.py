"""Meeting Guide feeds, step by step: a group's feed, publishing it, and importing meetings.

Handlers (:mod:`handlers.feed`) parse the update, authorise, call one of these and render.  The
mapping and validation rules are :mod:`bot.domain.meeting_guide`.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain.meeting_form import MeetingDraft
from bot.domain.meeting_guide import (
    FeedExport,
    ImportDraft,
    ImportedMeeting,
    build_feed,
    feed_json,
    parse_feed_bytes,
)
from bot.domain.roles import Action
from bot.runtime.logs import log_id
from bot.runtime.services import Services
from bot.usecases.meeting_reminders import ReminderTexts, plan_reminders
from storage.groups import Group
from storage.meetings import Meeting

log = logging.getLogger(__name__)

TOKEN_BYTES = 24  # secrets.token_urlsafe(24): 32 characters, unguessable


@dataclass(frozen=True)
class GroupFeed:
    body: bytes  # feed.json
    export: FeedExport  # its entries, and the meetings the format cannot hold


async def group_feed(svc: Services, group: Group) -> GroupFeed:
    """The group's active series as a Meeting Guide feed."""
    rows = await svc.repos.meetings.active_in([group.chat_id])
    export = build_feed(
        [meeting.series for meeting in rows],
        svc.clock.now(),
        updated={meeting.id: meeting.updated_at for meeting in rows},
        group_name=group.title,
        language=group.language,
    )
    return GroupFeed(feed_json(export.entries), export)


async def feed_for_token(svc: Services, token: str) -> bytes | None:
    """What the feed server serves for a token: the group's current feed, or None."""
    chat_id = await svc.repos.feeds.chat_for(token)
    group = await svc.groups.get(chat_id) if chat_id is not None else None
    return None if group is None else (await group_feed(svc, group)).body


async def group_of(svc: Services, chat_id: int) -> Group | None:
    return await svc.groups.get(chat_id)


async def groups_of(svc: Services, user_id: int) -> list[Group]:
    return await svc.groups.groups_of(user_id)


@dataclass(frozen=True)
class Published:
    path: str  # /feeds/<token>.json
    url: str | None  # with FEED_PUBLIC_URL in front, when set
    served: bool  # whether this deployment serves feeds (webhook mode)


async def publish(svc: Services, chat_id: int) -> Published:
    """Give the group a stable, unguessable feed address (the same one if it has one already)."""
    token = await svc.repos.feeds.publish(chat_id, secrets.token_urlsafe(TOKEN_BYTES), svc.clock.now())
    settings = svc.settings
    path = f"/feeds/{token}.json"
    url = f"{settings.feed_public_url}{path}" if settings.feed_public_url else None
    log.info("Feed published for a group")
    return Published(path, url, settings.feeds_served)


async def unpublish(svc: Services, chat_id: int) -> bool:
    """Withdraw the group's feed address; False when it had none."""
    return await svc.repos.feeds.unpublish(chat_id)


async def import_groups(svc: Services, user_id: int) -> list[Group]:
    """In private, the person's groups they may import into (asks the one authorisation door)."""
    candidates = [g.chat_id for g in await svc.groups.groups_of(user_id)]
    allowed = await svc.auth.groups_for(user_id, Action.IMPORT_FEED, candidates)
    return [g for g in [await svc.groups.get(c) for c in allowed] if g is not None]


def read_feed(svc: Services, group: Group, raw: bytes) -> ImportDraft:
    """The meetings a feed holds, in the group's zone where the feed names none, and the problems."""
    return parse_feed_bytes(raw, default_zone=group.timezone, now=svc.clock.now())


async def import_meetings(
    svc: Services,
    texts: ReminderTexts,
    group: Group,
    chosen: Sequence[ImportedMeeting],
    by: int,
) -> list[Meeting]:
    """Create the chosen meetings in one transaction (all or none), then plan their reminders."""
    drafts = [MeetingDraft(m.title, m.schedule, m.place, m.link, m.notes) for m in chosen]
    created = await svc.repos.meetings.create_many(group.chat_id, drafts, by, svc.clock.now())
    for meeting in created:
        await plan_reminders(svc, texts, meeting.id)
    log.info("Imported %d meetings from a feed by %s", len(created), log_id(by))
    return created

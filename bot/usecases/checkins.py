"""Anonymous check-ins: saving one under the right pseudonyms, the digests and daily prompts they
plan, /mystats, /wellbeing, and the check-in part of /mydata, /forget and retention.

Who is behind a check-in is known only while :func:`save_checkin` runs: the row is written under
the member's pseudonym with the local day (no time of day), each group aggregate counts it under
a different per-group pseudonym, and a shared check-in waits without any pseudonym for the
group's next fixed digest time.  Nothing here logs a check-in together with any id.

The daily prompt is a schedule tied to the user id (so the bot can write to them); it is kept
apart from check-in data and never joined with it.

Jobs send words, but use cases choose no words: the handler passes a :class:`Wording` whose
functions render a digest or a prompt in a reader's language when the job runs.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.checkins import (
    STATS_WINDOWS,
    Cell,
    CheckIn,
    PersonalStats,
    at_local_noon,
    digest_order,
    iso_week_label,
    local_day,
    next_digest_time,
    next_prompt_time,
    personal_stats,
    suppress,
)
from bot.domain.pseudonym import group_pseudonym, pseudonym
from bot.domain.roles import Action
from bot.runtime.services import Services
from bot.usecases.readers import language_of
from storage.checkins import Contribution, Prompt, SharedItem, StoredCheckIn
from storage.groups import Group
from storage.outbox import Delivery

log = logging.getLogger(__name__)

AGGREGATE_WEEKS = 8
DEFAULT_PROMPT_TIME = time(20, 0)


@dataclass(frozen=True)
class Wording:
    """What the check-in jobs send, rendered by the feature's views in the reader's language."""

    digest: Callable[[str, Sequence[SharedItem]], str]  # (language, items) -> HTML
    prompt: Callable[[str], tuple[str, dict[str, object]]]  # language -> (HTML, keyboard as a dict)


def secret(svc: Services) -> str:
    """The pseudonym key; check-ins cannot be stored or found without it."""
    value = svc.settings.pseudonym_secret
    if value is None:
        raise RuntimeError("PSEUDONYM_SECRET is required for check-ins")
    return str(value.get_secret_value())


async def member_zone(svc: Services, user_id: int) -> ZoneInfo:
    """The member's zone: their prompt's, else their first group's, else the deployment default."""
    prompt = await svc.repos.checkins.prompt(user_id)
    return ZoneInfo(prompt.timezone if prompt is not None else await svc.home_timezone(user_id))


# -- saving a check-in --


@dataclass(frozen=True)
class Answers:
    """A finished check-in as the member answered it."""

    mood: int
    craving: int
    note: str | None
    note_is_crisis: bool  # the crisis screen read the note as a crisis: it is never shared
    group_id: int | None  # the group to share with; None keeps it private


@dataclass(frozen=True)
class Saved:
    group: Group | None  # where it will be shared, if anywhere
    digest_at: datetime | None  # the digest it joins
    note_withheld: bool  # the note sounded like a crisis, so it stays private


async def share_choices(svc: Services, user_id: int) -> list[Group]:
    """The groups a member may share a check-in with: their own."""
    return await svc.groups.groups_of(user_id)


async def may_share_with(svc: Services, user_id: int, group_id: int) -> bool:
    """A share press names one of the member's groups (not a forged one, nor one left since)."""
    return group_id in {g.chat_id for g in await share_choices(svc, user_id)}


async def save_checkin(
    svc: Services, user_id: int, answers: Answers, *, share_note: bool, wording: Wording
) -> Saved:
    """Store the check-in under the member's pseudonym, count it in each of their groups' week
    under that group's pseudonym, and queue it (without any pseudonym) for the chosen group's
    next digest; the note goes along only if asked and not a crisis."""
    now = svc.clock.now()
    key = secret(svc)
    groups = await svc.groups.groups_of(user_id)
    day = local_day(now, await member_zone(svc, user_id))
    contributions = [
        Contribution(
            g.chat_id, iso_week_label(now, ZoneInfo(g.timezone)), group_pseudonym(user_id, g.chat_id, key)
        )
        for g in groups
    ]
    group = next((g for g in groups if g.chat_id == answers.group_id), None)
    shared = None
    if group is not None:
        slot = next_digest_time(now, ZoneInfo(group.timezone))
        note = answers.note if share_note and not answers.note_is_crisis else None
        shared = SharedItem(group.chat_id, slot, answers.mood, answers.craving, note)
    await svc.repos.checkins.record(
        pseudonym(user_id, key),
        StoredCheckIn(day, answers.mood, answers.craving, answers.note),
        contributions,
        shared,
    )
    if shared is not None:
        plan_digest(svc, shared.group_id, shared.digest_at, wording)
    withheld = bool(answers.note and answers.note_is_crisis)
    return Saved(group, shared.digest_at if shared else None, withheld)


# -- /mystats --


@dataclass(frozen=True)
class MyStats:
    stats: PersonalStats
    days: int  # the window asked for (30 or 90)
    today: date  # in the member's zone
    daily_moods: list[tuple[date, float]]  # the chart's points: each day's average mood

    @property
    def empty(self) -> bool:
        return not self.stats.period(self.days).checkins


async def my_stats(svc: Services, user_id: int, days: int) -> MyStats:
    """The caller's own trend: it only ever reads the caller's own pseudonym."""
    now = svc.clock.now()
    zone = await member_zone(svc, user_id)
    today = local_day(now, zone)
    rows = await svc.repos.checkins.history(
        pseudonym(user_id, secret(svc)), today - timedelta(days=max(STATS_WINDOWS))
    )
    items = [CheckIn("me", at_local_noon(r.local_day, zone), r.mood, r.craving) for r in rows]
    by_day: dict[date, list[int]] = {}
    for row in rows:
        by_day.setdefault(row.local_day, []).append(row.mood)
    points = [(day, sum(moods) / len(moods)) for day, moods in by_day.items()]
    return MyStats(personal_stats(items, now, zone), days, today, points)


# -- /wellbeing --


@dataclass(frozen=True)
class Wellbeing:
    groups: list[Group]  # the groups the person may see; empty: none
    cells: list[Cell]  # weekly cells, small ones suppressed
    threshold: int  # the small-cell threshold they were suppressed with


async def wellbeing(svc: Services, user_id: int) -> Wellbeing:
    """Weekly aggregates: coordinators see every group, facilitators their own; small cells hidden."""
    candidates = (
        await svc.groups.active() if svc.auth.is_coordinator(user_id) else await svc.groups.groups_of(user_id)
    )
    allowed = set(await svc.auth.groups_for(user_id, Action.VIEW_AGGREGATES, [g.chat_id for g in candidates]))
    groups = [g for g in candidates if g.chat_id in allowed]
    threshold = svc.settings.small_cell_threshold
    if not groups:
        return Wellbeing([], [], threshold)
    since = iso_week_label(svc.clock.now() - timedelta(weeks=AGGREGATE_WEEKS - 1), ZoneInfo("UTC"))
    rows = await svc.repos.checkins.weekly_cells([g.chat_id for g in groups], since)
    return Wellbeing(groups, [suppress(row, min_contributors=threshold) for row in rows], threshold)


# -- daily prompts --


def prompt_job(user_id: int) -> str:
    return f"prompt:{user_id}"


async def current_prompt(svc: Services, user_id: int) -> Prompt | None:
    return await svc.repos.checkins.prompt(user_id)


async def set_daily_prompt(
    svc: Services, user_id: int, at: time, zone: str | None, wording: Wording
) -> Prompt:
    """Store and plan a member's daily prompt; without a zone, in the member's own."""
    if zone is None:
        zone = (await member_zone(svc, user_id)).key
    prompt = Prompt(user_id, at, zone)
    await svc.repos.checkins.set_prompt(prompt)
    plan_prompt(svc, prompt, wording)
    return prompt


async def stop_daily_prompt(svc: Services, user_id: int) -> bool:
    """Switch a member's daily prompt off; True if there was one."""
    svc.jobs.cancel(prompt_job(user_id))
    return await svc.repos.checkins.delete_prompt(user_id)


async def switch_daily_prompt(svc: Services, user_id: int, on: bool, wording: Wording) -> None:
    """The /settings switch: on at 20:00 in the member's zone (``/prompt`` sets another time)."""
    if on:
        await set_daily_prompt(svc, user_id, DEFAULT_PROMPT_TIME, None, wording)
    else:
        await stop_daily_prompt(svc, user_id)


def plan_prompt(svc: Services, prompt: Prompt, wording: Wording) -> None:
    """Plan the next prompt; when it runs it queues the message and plans the one after."""
    zone = ZoneInfo(prompt.timezone)
    when = next_prompt_time(svc.clock.now(), prompt.local_time, zone)

    async def send() -> None:
        if await svc.repos.checkins.prompt(prompt.user_id) != prompt:
            return  # changed or switched off since; its own job is planned
        text, markup = wording.prompt(await language_of(svc, prompt.user_id))
        day = when.astimezone(zone).date().isoformat()
        await svc.outbox.enqueue(
            [
                Delivery(
                    key=f"prompt:{prompt.user_id}:{day}",
                    chat_id=prompt.user_id,
                    text=text,
                    kind="prompt",
                    reply_markup=markup,
                )
            ]
        )
        plan_prompt(svc, prompt, wording)

    svc.jobs.at(prompt_job(prompt.user_id), when, send)


# -- digests --


def digest_job(group_id: int, slot: datetime) -> str:
    return f"digest:{group_id}:{slot.astimezone(UTC).strftime('%Y-%m-%dT%H:%MZ')}"


def plan_digest(svc: Services, group_id: int, slot: datetime, wording: Wording) -> None:
    """At *slot*, post the group's shared check-ins in a shuffled order (if the group is still
    there), then drop them: a digest is posted once and nothing of it is kept."""

    async def post() -> None:
        repo = svc.repos.checkins
        items = await repo.shared_items(group_id, slot)
        group = await svc.groups.get(group_id)
        if items and group is not None and group.active:
            text = wording.digest(group.language, digest_order(items, random.SystemRandom()))
            await svc.outbox.enqueue(
                [Delivery(key=digest_job(group_id, slot), chat_id=group_id, text=text, kind="digest")]
            )
        await repo.drop_shared(group_id, slot)

    svc.jobs.at(digest_job(group_id, slot), slot, post)


async def replan(svc: Services, wording: Wording) -> tuple[int, int]:
    """At start-up: every waiting digest and every daily prompt, from the database."""
    slots = await svc.repos.checkins.pending_slots()
    for group_id, slot in slots:
        plan_digest(svc, group_id, slot, wording)
    prompts = await svc.repos.checkins.prompts()
    for prompt in prompts:
        plan_prompt(svc, prompt, wording)
    log.info("Planned %d digests and %d daily prompts", len(slots), len(prompts))
    return len(slots), len(prompts)


async def group_moved(svc: Services, new_chat_id: int, wording: Wording) -> None:
    """Shared check-ins waiting for a digest moved to the supergroup's id: plan them there."""
    for group_id, slot in await svc.repos.checkins.pending_slots():
        if group_id == new_chat_id:
            plan_digest(svc, group_id, slot, wording)


# -- retention and personal data --


async def purge_expired_notes(svc: Services, cutoff: datetime) -> int:
    """Blank check-in notes written on days before *cutoff*; mood and craving stay."""
    blanked = await svc.repos.checkins.blank_notes_before(cutoff.astimezone(UTC).date())
    if blanked:
        log.info("Retention: blanked %d check-in notes", blanked)
    return blanked


async def export_personal_data(svc: Services, user_id: int) -> dict[str, Any]:
    """The member's own check-ins (found through their pseudonym) and prompt, JSON-able."""
    repo = svc.repos.checkins
    rows = await repo.history(pseudonym(user_id, secret(svc)))
    prompt = await repo.prompt(user_id)
    return {
        "checkins": [
            {"day": r.local_day.isoformat(), "mood": r.mood, "craving": r.craving, "note": r.note}
            for r in rows
        ],
        "daily_prompt": None
        if prompt is None
        else {"time": prompt.local_time.strftime("%H:%M"), "timezone": prompt.timezone},
    }


@dataclass(frozen=True)
class Erased:
    checkins: bool  # check-ins or group contributions went
    prompt: bool  # a daily prompt was switched off


async def erase_personal_data(svc: Services, user_id: int) -> Erased:
    """Check-ins and group contributions go (under every per-group pseudonym the person could
    have, groups they left included); shared items waiting for a digest carry no pseudonym, so
    they cannot be found (they are posted anonymously, then deleted); published digests stay."""
    repo = svc.repos.checkins
    key = secret(svc)
    contributors = [group_pseudonym(user_id, g, key) for g in await repo.known_group_ids()]
    counts = await repo.erase(pseudonym(user_id, key), contributors)
    had_prompt = await stop_daily_prompt(svc, user_id)
    return Erased(bool(counts["checkins"] or counts["contributions"]), had_prompt)

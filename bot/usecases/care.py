"""Care for the carers (issue 18): what the feature does, step by step.

* **Self-check** (:func:`record_check`, :func:`set_weekly`): a peer worker's weekly answers,
  prompted at the weekday and time they chose (job ``care-prompt:{user}``).
* **Supervision** (:func:`ask_supervision`, :func:`accept_request`, :func:`schedule_supervision`,
  :func:`schedule_group_supervision`): a request goes to the coordinators; the first to accept or
  propose a time holds it; a session is a meeting series of its own with reminders planned by the
  meetings' rules (:func:`bot.domain.meetings.reminders_due` and friends) and delivered through the
  outbox, one ledger row per reminder, so each is sent once across restarts (job
  ``care-session:{id}``).
* **After a crisis** (:func:`after_crisis_acknowledged`): one "how are you after yesterday?" the
  next day, stored and sent once (job ``care-followup:{alert}``).
* **Time off** (:func:`set_time_off`, :func:`available`): mentees and groups are told who to contact
  instead when the period begins (job ``care-away:{id}``); crisis alerts skip those away.
* **/team** (:func:`team`): each peer worker's load over 30 days; aggregates of self-checks across
  workers with small-cell suppression (:func:`aggregates`).

Every job is derived from the database and rebuilt by :func:`rebuild`.  Words come from the
handlers through :class:`CareTexts`; asking Telegram who administers a group comes in as
:data:`AdminsOf`, so this module knows neither.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from bot.domain import care as rules
from bot.domain.care import AwayPeriod, CheckRow, SelfCheck, WeekCell, WeeklyTime, WorkerLoad
from bot.domain.i18n import Translator, resolve_language, translator
from bot.domain.meetings import (
    MISSED_LOOKBACK,
    ReminderAction,
    next_reminder_due,
    reminders_due,
    settle_due_reminders,
)
from bot.domain.recurrence import Occurrence, occurrences
from bot.runtime.services import Services
from storage.care import ACCEPTED, SCHEDULED, Prompt, Session, SupervisionRequest, TimeOff
from storage.outbox import Delivery
from storage.people import Person

log = logging.getLogger(__name__)

AdminsOf = Callable[[int], Awaitable[list[int]]]  # group chat id -> its (human) administrators' ids
Keyboard = list[list[dict[str, str]]]  # rows of Bot API button dicts, as meeting reminders pass them


class CareTexts(Protocol):
    """How the feature's scheduled messages read, in one language (the handlers' views)."""

    def weekly_prompt(self, tr: Translator) -> tuple[str, Keyboard]: ...

    def session_reminder(
        self, tr: Translator, occurrence: Occurrence, zone: str, others: Sequence[str], group: bool
    ) -> str: ...

    def follow_up(self, tr: Translator) -> tuple[str, Keyboard]: ...

    def away_notice(self, tr: Translator, worker: str, last_day: date, contact: Contact | None) -> str: ...


@dataclass(frozen=True)
class Contact:
    """Who to contact instead while a peer worker is away."""

    user_id: int
    name: str
    username: str | None


def _tr(person: Person | None) -> Translator:
    if person is None:
        return translator("en")
    return translator(person.language or resolve_language(person.telegram_language))


def _reachable(person: Person | None) -> bool:
    return person is not None and person.private_chat and person.reachable


# -- peer workers --


async def peer_workers(svc: Services, admins_of: AdminsOf) -> dict[int, list[int]]:
    """Every peer worker and the groups they facilitate: the human admins of active groups, and
    mentors whose profile is active or paused (with no groups if they facilitate none)."""
    workers: dict[int, list[int]] = {}
    for group in await svc.groups.active():
        for admin_id in await admins_of(group.chat_id):
            if not svc.auth.is_coordinator(admin_id):
                workers.setdefault(admin_id, []).append(group.chat_id)
    for profile in await svc.repos.mentors.profiles():
        if not svc.auth.is_coordinator(profile.user_id):
            workers.setdefault(profile.user_id, [])
    return workers


# -- the weekly self-check --


def prompt_job(user_id: int) -> str:
    return f"care-prompt:{user_id}"


async def set_weekly(svc: Services, texts: CareTexts, user_id: int, when: WeeklyTime | None) -> Prompt | None:
    """Store (or, with None, stop) the worker's weekly prompt and plan it."""
    if when is None:
        svc.jobs.cancel(prompt_job(user_id))
        await svc.repos.care.delete_prompt(user_id)
        return None
    current = await svc.repos.care.prompt(user_id)
    zone = current.timezone if current else await svc.home_timezone(user_id)
    prompt = Prompt(user_id, when, zone)
    await svc.repos.care.set_prompt(prompt)
    plan_prompt(svc, texts, prompt)
    return prompt


async def weekly_time(svc: Services, user_id: int) -> tuple[Prompt | None, str]:
    """The worker's weekly prompt, if set, and the zone it is (or would be) read in."""
    prompt = await svc.repos.care.prompt(user_id)
    return prompt, prompt.timezone if prompt else await svc.home_timezone(user_id)


def plan_prompt(svc: Services, texts: CareTexts, prompt: Prompt) -> datetime:
    when = rules.next_prompt(prompt.when, prompt.timezone, svc.clock.now())

    async def send() -> None:
        if await svc.repos.care.prompt(prompt.user_id) != prompt:
            return  # changed or stopped meanwhile; its own job is planned
        person = await svc.people.get(prompt.user_id)
        if _reachable(person):
            text, rows = texts.weekly_prompt(_tr(person))
            key = f"care-prompt:{prompt.user_id}:{when.date().isoformat()}"
            await svc.outbox.enqueue(
                [Delivery(key, prompt.user_id, text, "care_prompt", reply_markup={"inline_keyboard": rows})]
            )
        plan_prompt(svc, texts, prompt)

    svc.jobs.at(prompt_job(prompt.user_id), when, send)
    return when


@dataclass(frozen=True)
class CheckSaved:
    check_id: int
    request: AskResult | None  # they said they would like to talk: the request made


async def record_check(svc: Services, user_id: int, check: SelfCheck) -> CheckSaved:
    """Save one weekly answer; "I'd like to talk to someone" asks for supervision too."""
    check_id = await svc.repos.care.add_check(user_id, check, svc.clock.now())
    request = await ask_supervision(svc, user_id) if check.wants_talk else None
    return CheckSaved(check_id, request)


@dataclass(frozen=True)
class Trend:
    series: dict[str, list[tuple[date, float]]]
    answers: int
    first: date
    last: date


TREND_DAYS = 84


async def own_trend(svc: Services, user_id: int) -> Trend:
    """The worker's own answers over the last 12 weeks: only ever their own rows."""
    now = svc.clock.now()
    rows = await svc.repos.care.checks(now - timedelta(days=TREND_DAYS), user_id=user_id)
    return Trend(rules.own_trend(rows), len(rows), (now - timedelta(days=TREND_DAYS - 1)).date(), now.date())


AGGREGATE_WEEKS = 8


async def aggregates(svc: Services) -> list[WeekCell]:
    """Across all peer workers, week by week; weeks with too few workers carry no numbers."""
    rows: list[CheckRow] = await svc.repos.care.checks(svc.clock.now() - timedelta(weeks=AGGREGATE_WEEKS))
    return rules.weekly_aggregates(rows, min_contributors=svc.settings.small_cell_threshold)


# -- supervision requests --


@dataclass(frozen=True)
class AskResult:
    request: SupervisionRequest
    new: bool  # False: they already had one waiting
    worker: Person | None
    coordinators: list[Person]  # whom to tell (reachable in private), each in their language


async def ask_supervision(svc: Services, worker_id: int) -> AskResult:
    """Open a request (or find the one already waiting) and say which coordinators to tell."""
    care = svc.repos.care
    existing = await care.open_request(worker_id)
    request = existing or await care.create_request(worker_id, svc.clock.now())
    coordinators = []
    if existing is None:
        for coordinator_id in sorted(svc.settings.coordinator_ids):
            person = await svc.people.get(coordinator_id)
            if coordinator_id != worker_id and person is not None and _reachable(person):
                coordinators.append(person)
    log.info("Supervision request %d (%s)", request.id, "new" if existing is None else "already open")
    return AskResult(request, existing is None, await svc.people.get(worker_id), coordinators)


async def remember_request_message(
    svc: Services, request_id: int, coordinator_id: int, message_id: int
) -> None:
    """The request as a coordinator received it, so every copy can say who took it."""
    await svc.repos.care.add_request_message(request_id, coordinator_id, message_id)


@dataclass(frozen=True)
class Claim:
    """A coordinator's press on a request: ``ok``, ``taken`` (by another coordinator) or ``gone``."""

    outcome: str
    request: SupervisionRequest | None = None
    worker: Person | None = None
    coordinator: Person | None = None
    copies: tuple[tuple[int, int], ...] = ()  # (coordinator id, message id) of the other copies
    slots: tuple[datetime, ...] = ()  # naive local times to offer
    zone: str = "UTC"


async def accept_request(svc: Services, request_id: int, coordinator_id: int) -> Claim:
    """The coordinator takes the request; the worker is told, and times to propose are offered."""
    care = svc.repos.care
    request = await care.request(request_id)
    if request is None or request.status == SCHEDULED:
        return Claim("gone", request)
    if not await care.claim(request_id, coordinator_id, ACCEPTED, svc.clock.now()):
        return Claim("taken", request)
    zone = await svc.home_timezone(coordinator_id)
    copies = tuple(
        (m.coordinator_id, m.message_id)
        for m in await care.request_messages(request_id)
        if m.coordinator_id != coordinator_id
    )
    return Claim(
        "ok",
        await care.request(request_id),
        await svc.people.get(request.worker_id),
        await svc.people.get(coordinator_id),
        copies,
        tuple(rules.proposal_slots(svc.clock.now(), zone)),
        zone,
    )


@dataclass(frozen=True)
class Scheduled:
    outcome: str  # ok, taken, gone
    session: Session | None = None
    worker: Person | None = None
    coordinator: Person | None = None
    participants: tuple[Person, ...] = ()


def session_job(session_id: int) -> str:
    return f"care-session:{session_id}"


async def schedule_supervision(
    svc: Services, texts: CareTexts, request_id: int, coordinator_id: int, start_local: datetime
) -> Scheduled:
    """A private session between the coordinator and the worker at *start_local* (the
    coordinator's zone), with reminders for both."""
    care = svc.repos.care
    request = await care.request(request_id)
    if request is None or request.status == SCHEDULED:
        return Scheduled("gone")
    now = svc.clock.now()
    if not await care.claim(request_id, coordinator_id, SCHEDULED, now):
        return Scheduled("taken")
    zone = await svc.home_timezone(coordinator_id)
    schedule = rules.session_schedule(start_local, zone)
    session_id = await care.create_session(request_id, coordinator_id, schedule, [request.worker_id], now)
    await plan_session(svc, texts, session_id)
    session = await care.session(session_id)
    log.info("Supervision session %d scheduled for request %d", session_id, request_id)
    return Scheduled(
        "ok", session, await svc.people.get(request.worker_id), await svc.people.get(coordinator_id)
    )


async def schedule_group_supervision(
    svc: Services, texts: CareTexts, admins_of: AdminsOf, coordinator_id: int, when: WeeklyTime
) -> Scheduled:
    """Recurring group supervision, weekly at *when* in the coordinator's zone, for every peer
    worker (coordinators oversee every group)."""
    zone = await svc.home_timezone(coordinator_id)
    first = rules.next_prompt(when, zone, svc.clock.now())
    start_local = first.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
    workers = sorted(await peer_workers(svc, admins_of))
    schedule = rules.session_schedule(start_local, zone, weekly=True)
    session_id = await svc.repos.care.create_session(None, coordinator_id, schedule, workers, svc.clock.now())
    await plan_session(svc, texts, session_id)
    people = tuple(p for p in [await svc.people.get(w) for w in workers] if p is not None)
    return Scheduled(
        "ok", await svc.repos.care.session(session_id), None, await svc.people.get(coordinator_id), people
    )


async def plan_session(svc: Services, texts: CareTexts, session_id: int) -> datetime | None:
    """The meetings' reminder planning for one session: send what is due and owed (each once,
    through the ledger and the outbox's keys), skip what is too late, plan the next."""
    care = svc.repos.care
    session = await care.session(session_id)
    if session is None or session.cancelled:
        svc.jobs.cancel(session_job(session_id))
        return None
    now = svc.clock.now()
    offsets = rules.SUPERVISION_REMINDERS
    handled = await care.handled_reminders(session_id, now - MISSED_LOOKBACK)
    owed = [
        r
        for r in reminders_due(session.schedule, offsets, now, session.created_at)
        if (r.occurrence.start, r.offset_minutes) not in handled
    ]
    for reminder, action in settle_due_reminders(owed, now):
        if action is ReminderAction.SEND:
            await _enqueue_reminder(svc, texts, session, reminder.occurrence, reminder.offset_minutes)
            outcome = "enqueued"
        elif action in (ReminderAction.SKIP, ReminderAction.SUPERSEDED):
            outcome = "skipped"
        else:
            continue
        await care.record_reminder(
            session_id, reminder.occurrence.start, reminder.offset_minutes, outcome, now
        )
    upcoming = next_reminder_due(session.schedule, offsets, now)
    if upcoming is None:
        svc.jobs.cancel(session_job(session_id))
    else:

        async def run() -> None:
            await plan_session(svc, texts, session_id)

        svc.jobs.at(session_job(session_id), upcoming, run)
    return upcoming


async def _enqueue_reminder(
    svc: Services, texts: CareTexts, session: Session, occurrence: Occurrence, offset_minutes: int
) -> None:
    people = {user_id: await svc.people.get(user_id) for user_id in session.participants}
    group = session.request_id is None
    start = occurrence.start.strftime("%Y-%m-%dT%H:%MZ")
    deliveries = []
    for user_id, person in people.items():
        if not _reachable(person):
            continue
        others = [p.first_name for uid, p in people.items() if uid != user_id and p is not None]
        text = texts.session_reminder(_tr(person), occurrence, session.schedule.time_zone, others, group)
        key = f"care-session:{session.id}:{start}:{offset_minutes}:{user_id}"
        deliveries.append(Delivery(key, user_id, text, "care_session_reminder"))
    new = await svc.outbox.enqueue(deliveries)
    log.info("Queued %d supervision reminder(s) for session %d", new, session.id)


async def sessions_of(svc: Services, user_id: int) -> list[tuple[Session, Occurrence]]:
    """The person's upcoming supervision sessions, each with its next occurrence."""
    now = svc.clock.now()
    found = []
    for session in await svc.repos.care.sessions_of(user_id):
        upcoming = occurrences(session.schedule, now, now + timedelta(days=60))
        if upcoming:
            found.append((session, upcoming[0]))
    return sorted(found, key=lambda pair: pair[1].start)


# -- after a crisis --


def follow_up_job(alert_id: int) -> str:
    return f"care-followup:{alert_id}"


async def after_crisis_acknowledged(svc: Services, texts: CareTexts, worker_id: int, alert_id: int) -> None:
    """A facilitator said they are reaching out to a member in crisis: check in with them the next
    day, once (stored, so a restart keeps it; a second acknowledgement changes nothing)."""
    zone = await svc.home_timezone(worker_id)
    due = rules.follow_up_time(svc.clock.now(), zone)
    if await svc.repos.care.add_follow_up(alert_id, worker_id, due):
        _plan_follow_up(svc, texts, alert_id, due)


def _plan_follow_up(svc: Services, texts: CareTexts, alert_id: int, due: datetime) -> None:
    async def send() -> None:
        await send_follow_up(svc, texts, alert_id)

    svc.jobs.at(follow_up_job(alert_id), due, send)


async def send_follow_up(svc: Services, texts: CareTexts, alert_id: int) -> bool:
    """Queue the next-day check (the outbox key makes it once, ever); True if queued now."""
    care = svc.repos.care
    follow_up = await care.follow_up(alert_id)
    if follow_up is None or follow_up.sent_at is not None:
        return False
    person = await svc.people.get(follow_up.worker_id)
    if _reachable(person):
        text, rows = texts.follow_up(_tr(person))
        await svc.outbox.enqueue(
            [
                Delivery(
                    f"care-followup:{alert_id}",
                    follow_up.worker_id,
                    text,
                    "care_followup",
                    reply_markup={"inline_keyboard": rows},
                )
            ]
        )
    return await care.mark_follow_up_sent(alert_id, svc.clock.now())


# -- time off --


def away_job(time_off_id: int) -> str:
    return f"care-away:{time_off_id}"


async def set_time_off(
    svc: Services, texts: CareTexts, admins_of: AdminsOf, user_id: int, period: AwayPeriod | None
) -> TimeOff | None:
    """Set (or, with None, end) the worker's away period; when it begins, their mentees and groups
    are told who to contact instead."""
    now = svc.clock.now()
    care = svc.repos.care
    if period is None:
        current = await care.time_off(user_id, now)
        if current is not None:
            svc.jobs.cancel(away_job(current.id))
        await care.end_time_off(user_id, now)
        return None
    zone = await svc.home_timezone(user_id)
    starts, ends = period.bounds(zone)
    previous = await care.time_off(user_id, now)
    if previous is not None:
        svc.jobs.cancel(away_job(previous.id))
    time_off = await care.set_time_off(user_id, max(starts, now), ends, now)
    _plan_away(svc, texts, admins_of, time_off)
    return time_off


def _plan_away(svc: Services, texts: CareTexts, admins_of: AdminsOf, time_off: TimeOff) -> None:
    async def begin() -> None:
        await notify_away(svc, texts, admins_of, time_off.id, time_off.user_id)

    svc.jobs.at(away_job(time_off.id), time_off.starts_at, begin)


async def notify_away(
    svc: Services, texts: CareTexts, admins_of: AdminsOf, time_off_id: int, user_id: int
) -> int:
    """Tell the worker's mentees and groups who to contact instead; once per away period."""
    now = svc.clock.now()
    time_off = await svc.repos.care.time_off(user_id, now)
    if time_off is None or time_off.id != time_off_id or time_off.notified_at is not None:
        return 0
    worker = await svc.people.get(user_id)
    name = worker.first_name if worker else "?"
    zone = await svc.home_timezone(user_id)
    last_day = _last_day(time_off, zone)
    coordinator = await _coordinator_contact(svc, user_id)
    deliveries = []
    for group in await svc.groups.active():
        admins = await admins_of(group.chat_id)
        if user_id not in admins:
            continue
        others = [a for a in admins if a != user_id]
        present = [a for a in others if a not in await svc.repos.care.away(others, now)]
        contact = await _contact(svc, present[0]) if present else coordinator
        text = texts.away_notice(translator(group.language), name, last_day, contact)
        deliveries.append(
            Delivery(f"care-away:{time_off_id}:{group.chat_id}", group.chat_id, text, "care_away")
        )
    for match in await svc.repos.mentors.active_matches(user_id):
        if match.mentor_id != user_id:
            continue
        mentee = await svc.people.get(match.member_id)
        if _reachable(mentee):
            text = texts.away_notice(_tr(mentee), name, last_day, coordinator)
            deliveries.append(
                Delivery(f"care-away:{time_off_id}:{match.member_id}", match.member_id, text, "care_away")
            )
    await svc.outbox.enqueue(deliveries)
    await svc.repos.care.mark_notified(time_off_id, now)
    log.info("Time off %d: %d notice(s) queued", time_off_id, len(deliveries))
    return len(deliveries)


async def _contact(svc: Services, user_id: int) -> Contact | None:
    person = await svc.people.get(user_id)
    return None if person is None else Contact(user_id, person.first_name, person.username)


async def _coordinator_contact(svc: Services, worker_id: int) -> Contact | None:
    ids = [c for c in sorted(svc.settings.coordinator_ids) if c != worker_id]
    away = await svc.repos.care.away(ids, svc.clock.now())
    for coordinator_id in ids:
        if coordinator_id not in away and (contact := await _contact(svc, coordinator_id)) is not None:
            return contact
    return None


async def available(svc: Services, user_ids: Sequence[int]) -> list[int]:
    """Of *user_ids* (say, the facilitators a crisis alert would go to), those not away now."""
    away = await svc.repos.care.away(list(user_ids), svc.clock.now())
    return [user_id for user_id in user_ids if user_id not in away]


async def my_time_off(svc: Services, user_id: int) -> tuple[TimeOff | None, date | None, str]:
    """The person's away period (under way or to come), its last local day, and their zone."""
    zone = await svc.home_timezone(user_id)
    time_off = await svc.repos.care.time_off(user_id, svc.clock.now())
    return time_off, _last_day(time_off, zone) if time_off else None, zone


# -- /team --


@dataclass(frozen=True)
class TeamView:
    lines: list[WorkerLoad]
    threshold: int
    everyone: bool  # a coordinator's view (every worker); else the worker's own line only
    weeks: list[WeekCell]  # aggregates across workers (coordinators only)
    min_contributors: int


async def team(svc: Services, admins_of: AdminsOf, viewer_id: int) -> TeamView:
    """Each peer worker's load over the last 30 days (coordinators), or the viewer's own line."""
    now = svc.clock.now()
    everyone = svc.auth.is_coordinator(viewer_id)
    workers = await peer_workers(svc, admins_of)
    if not everyone:
        workers = {viewer_id: workers.get(viewer_id, [])}
    profiles = {p.user_id: p for p in await svc.repos.mentors.profiles()}
    open_requests = await svc.repos.care.open_requests()
    lines = []
    since = now - rules.LOAD_WINDOW
    for user_id, groups in workers.items():
        activity = await svc.repos.care.activity(user_id, since)
        led = sum(
            len(occurrences(schedule, max(since, created), now))
            for schedule, created in activity.meeting_series
        )
        mentees = sum(1 for m in await svc.repos.mentors.active_matches(user_id) if m.mentor_id == user_id)
        profile = profiles.get(user_id)
        away = await svc.repos.care.time_off(user_id, now)
        zone = await svc.home_timezone(user_id)
        person = await svc.people.get(user_id)
        lines.append(
            WorkerLoad(
                user_id,
                person.first_name if person else str(user_id),
                len(groups),
                led,
                activity.roll_calls,
                mentees,
                profile.capacity if profile else None,
                activity.crises_handled,
                open_requests.get(user_id, 0),
                _last_day(away, zone) if away else None,
            )
        )
    lines.sort(key=lambda line: (-line.points, line.name))
    weeks = await aggregates(svc) if everyone else []
    settings = svc.settings
    return TeamView(lines, settings.care_load_threshold, everyone, weeks, settings.small_cell_threshold)


def _last_day(time_off: TimeOff, zone: str) -> date:
    """The last local day of an away period (its end is the next day's midnight)."""
    return (time_off.ends_at - timedelta(seconds=1)).astimezone(ZoneInfo(zone)).date()


# -- start-up --


async def rebuild(svc: Services, texts: CareTexts, admins_of: AdminsOf) -> None:
    """Re-plan every job of the feature from the database; what came due while down runs now."""
    for prompt in await svc.repos.care.prompts():
        plan_prompt(svc, texts, prompt)
    for session in await svc.repos.care.active_sessions():
        await plan_session(svc, texts, session.id)
    for follow_up in await svc.repos.care.pending_follow_ups():
        _plan_follow_up(svc, texts, follow_up.alert_id, follow_up.due_at)
    for time_off in await svc.repos.care.upcoming_time_off(svc.clock.now()):
        if time_off.notified_at is None:
            _plan_away(svc, texts, admins_of, time_off)


async def peer_work_standing(svc: Services, user_id: int) -> tuple[list[int], bool]:
    """What makes someone a peer worker, for the authorisation door: the active groups they are
    in (facilitating any of them counts) and whether they are a peer mentor who has not retired."""
    profile = await svc.repos.mentors.profile(user_id)
    groups = [group.chat_id for group in await svc.groups.groups_of(user_id) if group.active]
    return groups, profile is not None and profile.status != "retired"


async def export(svc: Services, user_id: int) -> dict[str, Any]:
    """The person's own self-checks, supervision requests and time off, for /mydata."""
    return await svc.repos.care.export(user_id)


async def erase(svc: Services, user_id: int) -> bool:
    """All of it, for /forget; True when there was something to erase."""
    return bool(await svc.repos.care.erase(user_id))

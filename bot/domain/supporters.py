"""Families and supporters (issue 24): the rules, as plain Python.

A member invites a supporter with a one-time link; the supporter sees only what the member turns
on, per supporter and per item, and nothing else ever: never check-ins, mood, notes, crisis
messages, group names, meetings by name or other members.  This module decides what an invitation
is worth, what may be shared, when the weekly update goes, and what it says (as data; the words are
the handlers').

Adding a shareable item means: a :class:`ShareItem` value, its label in the handlers'
``SHARE_LABELS``, and a field of :class:`WeeklyUpdate` filled by the use case
(``bot/usecases/supporters.py``, ``weekly_update``).  Nothing in the schema changes: shares are
stored one row per item.

The recovery plan's goals (issue 17) are shared one by one rather than as one item: a goal is a
share row of its own (:func:`goal_item`, ``goal:<goal id>``), so the member chooses, per supporter,
which goals that supporter sees; :class:`GoalNews` is what the update says of one.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.domain.milestones import Milestone, milestone_on
from bot.domain.plan import Measure, Outcome
from bot.domain.recurrence import to_utc

DEFAULT_INVITE_DAYS = 7
DEFAULT_MAX_SUPPORTERS = 5
TOKEN_BYTES = 18  # 24 URL-safe characters: unguessable, and short enough for a /start payload
INVITE_PREFIX = "s"  # /start s<token>
# /family's resources for families when FAMILY_RESOURCES_FILE is unset, per reader's language.
FAMILY_RESOURCES = {
    "en": Path(__file__).with_name("data") / "family_resources.toml",
    "es": Path(__file__).with_name("data") / "family_resources.es.toml",
}
_TOKEN_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


class ShareItem(StrEnum):
    """What a member may share with a supporter; each is off until the member turns it on."""

    ATTENDANCE = "attendance"  # how many meetings they attended this week: a count, never which
    MILESTONES = "milestones"  # recovery milestones reached this week (e.g. "30 days")


GOAL_PREFIX = "goal:"


def goal_item(goal_id: int) -> str:
    """The share row naming one goal of the member's recovery plan (``goal:12``)."""
    return f"{GOAL_PREFIX}{goal_id}"


def goal_id_of(item: str) -> int | None:
    """The goal a share row names, or None for any other item (or a damaged one)."""
    if not item.startswith(GOAL_PREFIX):
        return None
    digits = item[len(GOAL_PREFIX) :]
    return int(digits) if digits.isascii() and digits.isdigit() else None


# -- invitations --


@dataclass(frozen=True)
class NewInvite:
    token: str  # goes into the link once, and is never stored
    token_hash: str  # what the database keeps


def new_invite() -> NewInvite:
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return NewInvite(token, hash_token(token))


def hash_token(token: str) -> str:
    """Tokens are stored hashed: a copy of the database opens no invitation."""
    return hashlib.sha256(token.encode()).hexdigest()


def token_from_payload(payload: str) -> str | None:
    """The token in a ``/start s<token>`` payload, or None for anything that cannot be one."""
    if not payload.startswith(INVITE_PREFIX):
        return None
    token = payload[len(INVITE_PREFIX) :]
    if not 16 <= len(token) <= 64 or not set(token) <= _TOKEN_CHARACTERS:
        return None
    return token


class InviteProblem(StrEnum):
    """Why an invitation cannot be used; each gets its own kind words."""

    UNKNOWN = "unknown"  # used already, withdrawn, or never made
    EXPIRED = "expired"
    OWN = "own"  # the member opened their own link
    ALREADY = "already"  # this person already supports this member


def invite_problem(
    *, member_id: int, opener_id: int, expires_at: datetime, now: datetime, already: bool
) -> InviteProblem | None:
    """Whether the person opening a still-unused invitation may accept it."""
    if opener_id == member_id:
        return InviteProblem.OWN
    if now >= expires_at:
        return InviteProblem.EXPIRED
    if already:
        return InviteProblem.ALREADY
    return None


# -- the weekly update --

DEFAULT_WEEKDAY = 6  # Sunday
DEFAULT_AT = time(18, 0)
HOURS = tuple(range(7, 23))  # the times a member can pick, on the hour


@dataclass(frozen=True)
class UpdateSchedule:
    weekday: int  # 0 = Monday
    at: time


DEFAULT_SCHEDULE = UpdateSchedule(DEFAULT_WEEKDAY, DEFAULT_AT)


def next_update(schedule: UpdateSchedule, zone: str, now: datetime) -> datetime:
    """The next instant, strictly after *now*, that is the schedule's weekday and time in the
    supporter's zone (a wall time the clock change skips is moved on by the jump)."""
    tz = ZoneInfo(zone)
    today = now.astimezone(tz).date()
    for offset in range(8):
        day = today + timedelta(days=offset)
        if day.weekday() != schedule.weekday:
            continue
        instant = to_utc(datetime.combine(day, schedule.at), tz)
        if instant > now:
            return instant
    raise AssertionError("unreachable: a weekday comes round within 8 days")  # pragma: no cover


WEEK = timedelta(days=7)


def week_before(instant: datetime) -> tuple[datetime, datetime]:
    """The week an update at *instant* reports on: the seven days up to it."""
    return instant - WEEK, instant


def milestones_in(start: date, first: date, last: date) -> list[Milestone]:
    """The milestones whose local day falls from *first* to *last*, both included."""
    found = []
    day = max(first, start)
    while day <= last:
        milestone = milestone_on(start, day)
        if milestone is not None:
            found.append(milestone)
        day += timedelta(days=1)
    return found


@dataclass(frozen=True)
class GoalNews:
    """One shared goal in a supporter's weekly update: the member's words (opened at send time,
    never stored unsealed) and its progress in the plan's latest review week."""

    text: str
    measure: Measure
    target: int | None  # the weekly target of a goal counted by meetings
    count: int | None  # meetings attended that week (Measure.MEETINGS), or days since the milestone date
    outcome: Outcome | None  # the member's own answer in the weekly review, if given


def goal_news(
    text: str,
    measure: Measure,
    target: int | None,
    *,
    week_count: int | None,
    days: int | None,
    outcome: Outcome | None,
) -> GoalNews:
    """What a supporter may learn of a shared goal's week.  A goal counted by check-ins shows only
    the member's own answer, never the count: a supporter never sees anything of check-ins."""
    if measure is Measure.MEETINGS:
        return GoalNews(text, measure, target, week_count, outcome)
    if measure is Measure.DAYS:
        return GoalNews(text, measure, None, days, outcome)
    return GoalNews(text, measure, None, None, outcome)


@dataclass(frozen=True)
class WeeklyUpdate:
    """What one supporter is told this week. None: the item is not shared with them (it is left
    out, not shown as nothing); an empty tuple of milestones: shared, none reached; goals: the
    shared goals still active, in the member's words."""

    member_name: str
    meetings_attended: int | None
    milestones: tuple[Milestone, ...] | None
    goals: tuple[GoalNews, ...] = ()

    @property
    def empty(self) -> bool:
        """Nothing worth a message: nothing shared, or nothing happened in what is shared. A
        count of meetings is news even at zero only when it is shared; milestones only when
        one was reached; a shared goal always (its week, whatever it was)."""
        return self.meetings_attended is None and not self.milestones and not self.goals


# -- the supporter's own well-being --

SELF_CHECK_QUESTIONS = 3  # see handlers/family.py for the words
ANSWER_LEVELS = 4  # 0 not at all, 1 some days, 2 more than half the days, 3 nearly every day
HOPELESS_QUESTION = 2  # "felt hopeless, or thought of harming yourself"


class SelfCheckResult(StrEnum):
    STEADY = "steady"
    STRAINED = "strained"
    CRISIS = "crisis"  # the crisis lines come first


def self_check_result(answers: tuple[int, ...]) -> SelfCheckResult:
    """Any sign of hopelessness or thoughts of harm brings the crisis lines; a heavy week
    elsewhere brings support for the supporter (family groups, a helpline)."""
    if len(answers) > HOPELESS_QUESTION and answers[HOPELESS_QUESTION] >= 1:
        return SelfCheckResult.CRISIS
    if sum(answers) >= 3 or any(answer >= 2 for answer in answers):
        return SelfCheckResult.STRAINED
    return SelfCheckResult.STEADY


def parse_answers(text: str) -> tuple[int, ...] | None:
    """Self-check answers so far, as carried by a button ("", "0", "01"...); None if forged."""
    if len(text) > SELF_CHECK_QUESTIONS or any(c not in "0123"[:ANSWER_LEVELS] for c in text):
        return None
    return tuple(int(c) for c in text)


# -- coordinators' aggregate --


@dataclass(frozen=True)
class SupportCounts:
    members_with_supporters: int
    active_links: int
    open_invitations: int


def suppressed(count: int, threshold: int) -> int | None:
    """A count below the small-cell threshold is not shown (None), as elsewhere."""
    return count if count >= threshold else None

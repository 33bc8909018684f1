"""The typed home of everything handlers need: settings, clock, database, repositories, services.

Built once in :func:`bot.app.application.build_application` and handed to python-telegram-bot as ``bot_data``
through ``ContextTypes(bot_data=BotData)``, so handlers read ``context.bot_data.services`` with
types instead of untyped dictionary lookups.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.domain.attempts import AttemptLimiter, Limit
from bot.domain.clock import Clock
from bot.domain.roles import AdminLookup, Authorizer
from bot.runtime.edit_coalescer import EditCoalescer, paces_for
from bot.runtime.feed_fetch import FETCHES_PER_HOUR
from bot.runtime.rate_limits import Pacer, limits_for
from bot.runtime.seen import SeenPeople
from bot.runtime.settings import Settings
from storage.attendance import AttendanceRepository
from storage.broadcasts import BroadcastRepository
from storage.care import CareRepository
from storage.checkins import CheckInRepository
from storage.crisis_alerts import CrisisAlertRepository
from storage.db import Database
from storage.feeds import FeedRepository
from storage.groups import GroupRepository
from storage.leases import LeaseRepository
from storage.meetings import MeetingRepository
from storage.mentors import MentorRepository
from storage.milestones import MilestoneRepository
from storage.outbox import OutboxRepository
from storage.people import PeopleRepository
from storage.plans import PlanRepository
from storage.preferences import PreferenceRepository
from storage.resources import ResourceRepository
from storage.supporters import SupporterRepository

if TYPE_CHECKING:
    from bot.runtime.context import KindredApplication
    from bot.runtime.feature import Feature
    from bot.runtime.leadership import Leadership
    from bot.runtime.outbox import Outbox
    from bot.runtime.scheduler import Scheduler


@dataclass(frozen=True)
class Throttles:
    """How often one person may do what costs or risks something (a sliding window each, see
    bot/domain/attempts.py): check a proof code (a guess at one) and make the bot fetch a link."""

    verify: AttemptLimiter
    feed_fetch: AttemptLimiter

    @classmethod
    def from_settings(cls, settings: Settings) -> Throttles:
        hour = timedelta(hours=1)
        return cls(
            verify=AttemptLimiter(Limit(settings.verify_attempts_per_hour, hour)),
            feed_fetch=AttemptLimiter(Limit(FETCHES_PER_HOUR, hour)),
        )


@dataclass(frozen=True)
class Repositories:
    """Every repository, made once on the one database.  Use cases get them from here; nothing
    else constructs a repository."""

    attendance: AttendanceRepository
    broadcasts: BroadcastRepository
    care: CareRepository
    checkins: CheckInRepository
    crisis_alerts: CrisisAlertRepository
    feeds: FeedRepository
    groups: GroupRepository
    leases: LeaseRepository
    meetings: MeetingRepository
    mentors: MentorRepository
    milestones: MilestoneRepository
    outbox: OutboxRepository
    people: PeopleRepository
    plans: PlanRepository
    preferences: PreferenceRepository
    resources: ResourceRepository
    supporters: SupporterRepository

    @classmethod
    def on(cls, db: Database) -> Repositories:
        return cls(
            attendance=AttendanceRepository(db),
            broadcasts=BroadcastRepository(db),
            care=CareRepository(db),
            checkins=CheckInRepository(db),
            crisis_alerts=CrisisAlertRepository(db),
            feeds=FeedRepository(db),
            groups=GroupRepository(db),
            leases=LeaseRepository(db),
            meetings=MeetingRepository(db),
            mentors=MentorRepository(db),
            milestones=MilestoneRepository(db),
            outbox=OutboxRepository(db),
            people=PeopleRepository(db),
            plans=PlanRepository(db),
            preferences=PreferenceRepository(db),
            resources=ResourceRepository(db),
            supporters=SupporterRepository(db),
        )


@dataclass
class Services:
    settings: Settings
    clock: Clock
    db: Database
    repos: Repositories
    auth: Authorizer
    pacer: Pacer  # Telegram's sending budget, shared by the rate limiter (replies) and the outbox
    throttles: Throttles  # per-person attempt limits (/verify, /import <link>)
    edits: EditCoalescer  # in-place count edits, latest wins per message (bot/runtime/edit_coalescer.py)
    features: Sequence[Feature] = ()  # bot/app/features.py, in order
    seen: SeenPeople = field(default_factory=SeenPeople)
    scheduler: Scheduler | None = field(default=None)  # needs the running JobQueue; set in start_services
    delivery: Outbox | None = field(default=None)  # needs the bot; set in start_services
    # Whether this process runs the scheduled work (several processes on PostgreSQL); start_services.
    leadership: Leadership | None = field(default=None)
    # What the features' hooks are called with (e.g. ``Feature.on_meeting_changed``), so a use case
    # can tell the other features without holding Telegram itself; set by build_application.
    application: KindredApplication | None = field(default=None)

    @property
    def groups(self) -> GroupRepository:
        return self.repos.groups

    @property
    def people(self) -> PeopleRepository:
        return self.repos.people

    async def home_timezone(self, user_id: int) -> str:
        """Where a person most likely lives: their first group's zone, else the deployment's.
        Features with a zone of the person's own (a daily prompt, a milestone) ask them first."""
        groups = await self.groups.groups_of(user_id)
        return groups[0].timezone if groups else self.settings.default_timezone

    @property
    def jobs(self) -> Scheduler:
        if self.scheduler is None:
            raise RuntimeError("the scheduler starts in start_services")
        return self.scheduler

    @property
    def outbox(self) -> Outbox:
        if self.delivery is None:
            raise RuntimeError("the outbox starts in start_services")
        return self.delivery

    @classmethod
    def offline(
        cls, db: Database, settings: Settings, clock: Clock, is_admin: AdminLookup | None = None
    ) -> Services:
        """Services with no Telegram behind them, for benchmarks and tests that call use cases on
        a scratch database.  *is_admin* answers "does this person administer that group?"
        (default: nobody does); no scheduler or outbox is attached."""

        async def nobody(chat_id: int, user_id: int) -> bool:
            return False

        return cls(
            settings=settings,
            clock=clock,
            db=db,
            repos=Repositories.on(db),
            auth=Authorizer(settings.coordinator_ids, is_admin or nobody, settings.admin_cache_seconds),
            pacer=Pacer(limits_for(settings.group_messages_per_minute)),
            throttles=Throttles.from_settings(settings),
            edits=EditCoalescer(*paces_for(settings.group_messages_per_minute)),
        )


class BotData:
    """``context.bot_data``: python-telegram-bot creates it empty; ``build_application`` fills it."""

    def __init__(self) -> None:
        self._services: Services | None = None

    @property
    def services(self) -> Services:
        if self._services is None:
            raise RuntimeError("services are attached by build_application")
        return self._services

    def attach(self, services: Services) -> None:
        self._services = services

"""The smaller features' rules as use cases, on real repositories and without Telegram: crisis
alerts (alert, acknowledge, escalate), milestones, resources, registration and roles."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from bot.domain.milestones import Milestone, Unit
from bot.domain.resources import MAX_GROUP_ENTRIES, Resource
from bot.domain.roles import Role
from bot.usecases import crisis, crisis_alerts, groups, milestones, registration, resources, start
from bot.usecases.crisis_alerts import Ack, MemberNews, Named
from bot.usecases.registration import Someone
from storage.groups import Group
from tests.conftest import NOW
from tests.unit.offline_services import meet, offline

MAYA, FACI, COORD, OTHER = 1, 2, 3, 4
GROUP = -100


@dataclass
class Alerts:
    admins: dict[int, set[int]] = field(default_factory=dict)
    sent: list[tuple[int, bool]] = field(default_factory=list)  # (recipient, escalated)
    member_news: list[tuple[int, MemberNews, str]] = field(default_factory=list)
    taken: list[tuple[int, str]] = field(default_factory=list)

    async def group_admins(self, chat_id: int) -> set[int] | None:
        return self.admins.get(chat_id)

    async def send_alert(self, user_id: int, member: Named, alert_id: int, *, escalated: bool) -> int | None:
        self.sent.append((user_id, escalated))
        return 500 + len(self.sent)

    async def tell_member(self, member_id: int, news: MemberNews, helper: str = "") -> None:
        self.member_news.append((member_id, news, helper))

    async def show_taken(self, chat_id: int, message_id: int, member_name: str, helper_name: str) -> None:
        self.taken.append((chat_id, helper_name))


async def in_group(svc, *user_ids: int) -> None:
    await svc.groups.register(GROUP, "Tuesday group", "Europe/Madrid", "en", NOW)
    for user_id in user_ids:
        await svc.groups.add_member(GROUP, user_id, NOW)


# -- crisis alerts --


async def test_facilitators_are_alerted_and_the_escalation_waits(db, clock) -> None:
    world = offline(db, clock, coordinators=[COORD], crisis_escalation_minutes=10)
    svc, jobs = world.svc, world.jobs
    await meet(svc, (MAYA, "Maya"), (FACI, "Faci"), (OTHER, "Otto"), (COORD, "Cora"))
    await in_group(svc, MAYA, FACI)
    letters = Alerts(admins={GROUP: {FACI, OTHER, MAYA}})  # the member herself is never alerted

    asked = await crisis_alerts.ask_for_support(svc, letters, MAYA, "Maya Q", None)
    assert asked == crisis_alerts.SupportAsked(facilitators=2, coordinators=0)
    assert letters.sent == [(FACI, False), (OTHER, False)]
    [(name, when)] = jobs.planned().items()
    assert name.startswith("crisis-escalation:") and when == NOW + timedelta(minutes=10)

    alert_id = int(name.split(":")[1])
    assert (await crisis_alerts.acknowledge(svc, alert_id, COORD)).outcome is Ack.STALE  # not alerted
    mine = await crisis_alerts.acknowledge(svc, alert_id, FACI)
    assert mine.outcome is Ack.MINE and jobs.planned() == {}
    assert (await crisis_alerts.acknowledge(svc, alert_id, OTHER)).outcome is Ack.TAKEN
    await crisis_alerts.spread_acknowledgement(svc, letters, mine, FACI, "Faci")
    assert letters.taken == [(OTHER, "Faci")]
    assert letters.member_news == [(MAYA, MemberNews.REACHING, "Faci")]
    assert await crisis_alerts.escalate(svc, letters, alert_id) == 0  # someone is reaching out
    assert (COORD, True) not in letters.sent


async def test_with_no_facilitator_reachable_the_coordinators_are_told_at_once(db, clock) -> None:
    world = offline(db, clock, coordinators=[COORD, MAYA])
    svc, jobs = world.svc, world.jobs
    await meet(svc, (MAYA, "Maya"), (COORD, "Cora"))
    await in_group(svc, MAYA)
    letters = Alerts(admins={GROUP: {FACI}})  # Faci never wrote to the bot privately
    asked = await crisis_alerts.ask_for_support(svc, letters, MAYA, "Maya", None)
    assert asked == crisis_alerts.SupportAsked(facilitators=0, coordinators=1)
    assert letters.sent == [(COORD, True)] and jobs.planned() == {}
    assert letters.member_news == [(MAYA, MemberNews.ESCALATED, "")]
    assert (
        await svc.repos.crisis_alerts.open_alerts() == []
    )  # escalated once: nothing left to plan at start-up
    assert await crisis_alerts.escalate(svc, letters, 1) == 0


COORD_2 = 5


async def away(svc, user_id: int, days: int = 7) -> None:
    await svc.repos.care.set_time_off(user_id, NOW - timedelta(days=1), NOW + timedelta(days=days), NOW)


async def test_an_escalation_skips_coordinators_on_time_off(db, clock) -> None:
    world = offline(db, clock, coordinators=[COORD, COORD_2])
    svc = world.svc
    await meet(svc, (MAYA, "Maya"), (FACI, "Faci"), (COORD, "Cora"), (COORD_2, "Cole"))
    await in_group(svc, MAYA, FACI)
    await away(svc, COORD)
    letters = Alerts(admins={GROUP: {FACI}})
    await crisis_alerts.ask_for_support(svc, letters, MAYA, "Maya", None)
    assert await crisis_alerts.escalate(svc, letters, 1) == 1  # nobody acknowledged in time
    assert letters.sent == [(FACI, False), (COORD_2, True)]  # Cora is away: not alerted


async def test_when_every_coordinator_is_away_they_are_all_alerted_anyway(db, clock) -> None:
    world = offline(db, clock, coordinators=[COORD, COORD_2])
    svc = world.svc
    await meet(svc, (MAYA, "Maya"), (COORD, "Cora"), (COORD_2, "Cole"))
    await in_group(svc, MAYA)
    for coordinator in (COORD, COORD_2):
        await away(svc, coordinator)
    letters = Alerts(admins={GROUP: set()})  # no facilitator: straight to the coordinators
    asked = await crisis_alerts.ask_for_support(svc, letters, MAYA, "Maya", None)
    assert asked == crisis_alerts.SupportAsked(facilitators=0, coordinators=2)
    assert letters.sent == [(COORD, True), (COORD_2, True)]
    assert letters.member_news == [(MAYA, MemberNews.ESCALATED, "")]


async def test_an_away_coordinator_is_alerted_when_the_one_at_work_cannot_be_reached(db, clock) -> None:
    world = offline(db, clock, coordinators=[COORD, COORD_2])
    svc = world.svc
    await meet(svc, (MAYA, "Maya"), (COORD, "Cora"))  # Cole never wrote to the bot privately
    await in_group(svc, MAYA)
    await away(svc, COORD)
    letters = Alerts(admins={GROUP: set()})
    asked = await crisis_alerts.ask_for_support(svc, letters, MAYA, "Maya", None)
    assert asked.coordinators == 1 and letters.sent == [(COORD, True)]


async def test_the_crisis_screen_asks_only_group_members_and_writes_only_where_it_may(db, clock) -> None:
    svc = offline(db, clock).svc
    await meet(svc, (MAYA, "Maya"))
    assert await crisis.may_alert_facilitators(svc, MAYA) is False
    await in_group(svc, MAYA)
    assert await crisis.may_alert_facilitators(svc, MAYA) is True
    assert await crisis.private_language(svc, MAYA) == "en"
    assert await crisis.private_language(svc, OTHER) is None  # never wrote privately
    await registration.mark_unreachable(svc, MAYA)
    assert await crisis.private_language(svc, MAYA) is None


# -- milestones --


@dataclass
class Words:
    async def congratulation(self, user_id: int, milestone: Milestone) -> str:
        return f"private {milestone.label}"

    def group_celebration(self, group: Group, milestone: Milestone, first_name: str | None) -> str:
        return f"group {milestone.label} {first_name}"


async def test_a_start_date_is_checked_saved_and_its_congratulation_planned(db, clock) -> None:
    world = offline(db, clock)
    svc, jobs = world.svc, world.jobs
    await meet(svc, (MAYA, "Maya"))
    refused = await milestones.save_start(svc, Words(), MAYA, "2099-01-01")
    assert isinstance(refused, milestones.StartRefused) and refused.had_date is False
    assert await milestones.record_of(svc, MAYA) is None

    saved = await milestones.save_start(svc, Words(), MAYA, "2026-11-16")
    assert isinstance(saved, milestones.StartSaved) and saved.days == 7
    assert saved.status.today == date(2026, 11, 23) and saved.status.group is None
    assert "milestone:1" in jobs.planned()
    again = await milestones.save_start(svc, Words(), MAYA, "yesterday-ish")
    assert isinstance(again, milestones.StartRefused) and again.had_date is True


async def test_the_job_queues_each_congratulation_once_and_the_group_only_while_a_member(db, clock) -> None:
    world = offline(db, clock)
    svc, jobs = world.svc, world.jobs
    await meet(svc, (MAYA, "Maya"))
    await in_group(svc, MAYA)
    record = await svc.repos.milestones.set_start(MAYA, date(2026, 11, 16), date(2026, 11, 16), "UTC", NOW)
    group = await milestones.member_group(svc, MAYA, str(GROUP))
    assert group is not None and await milestones.member_group(svc, MAYA, "-1") is None
    status = await milestones.celebrate_in(svc, record, group, "first_name")
    assert status.group == group

    queued = await milestones.deliveries(svc, Words(), status.record, Milestone(Unit.DAYS, 7))
    assert [(d.key, d.chat_id, d.text) for d in queued] == [
        ("milestone:1:2026-11-16:d7", MAYA, "private d7"),
        ("milestone-group:1:2026-11-16:d7", GROUP, "group d7 Maya"),
    ]
    await svc.groups.remove_member(GROUP, MAYA, NOW)
    assert len(await milestones.deliveries(svc, Words(), status.record, Milestone(Unit.DAYS, 7))) == 1

    assert await milestones.remove(svc, MAYA) is True and jobs.planned() == {}
    assert await milestones.remove(svc, MAYA) is False


# -- resources --


async def test_a_group_keeps_at_most_its_share_of_entries_and_an_edit_of_a_removed_one_is_refused(
    db, clock
) -> None:
    svc = offline(db, clock).svc
    await in_group(svc)
    entry = Resource("local", "Helpline", "Talk to someone", "555", "")
    for _ in range(MAX_GROUP_ENTRIES):
        assert await resources.save(svc, GROUP, None, entry) is resources.Saved.SAVED
    assert await resources.save(svc, GROUP, None, entry) is resources.Saved.FULL
    first = (await resources.entries(svc, GROUP))[0]
    assert await resources.entry_group(svc, "edit", first.id) == GROUP
    await resources.remove(svc, first.id)
    assert await resources.save(svc, GROUP, first.id, entry) is resources.Saved.GONE
    assert await resources.entry_group(svc, "edit", first.id) is None
    await groups.bot_left(svc, GROUP)
    assert await resources.entry_group(svc, "list", GROUP) is None  # an inactive group is not managed


# -- registration, groups and roles --


async def test_membership_is_counted_only_in_active_groups(db, clock) -> None:
    svc = offline(db, clock).svc
    maya = Someone(MAYA, "Maya", None, "es")
    await registration.record_membership(svc, GROUP, "Found late", maya)  # Kindred was not running
    assert [g.title for g in await svc.groups.groups_of(MAYA)] == ["Found late"]
    await registration.forget_membership(svc, GROUP, MAYA)
    assert await svc.groups.groups_of(MAYA) == []
    await groups.bot_left(svc, GROUP)
    await registration.record_membership(svc, GROUP, "Found late", Someone(OTHER, "Otto", None, None))
    assert await svc.groups.groups_of(OTHER) == []
    await registration.record_membership(svc, GROUP, "x", Someone(9, "Bot", None, None, is_bot=True))
    assert await svc.people.get(9) is None


async def test_the_bot_joining_registers_the_group_in_the_adders_language(db, clock) -> None:
    svc = offline(db, clock, default_timezone="Europe/Madrid").svc
    await meet(svc, (FACI, "Faci"))  # the registration guard saw the adder first
    group = await groups.bot_joined(svc, GROUP, "Martes", "es-MX", added_by=FACI)
    assert (group.language, group.timezone) == ("es", "Europe/Madrid")
    assert [g.chat_id for g in await svc.groups.groups_of(FACI)] == [GROUP]
    await groups.set_timezone(svc, GROUP, "America/Bogota")
    assert await groups.timezone_of(svc, GROUP) == "America/Bogota"
    assert await groups.timezone_of(svc, 12345) == "Europe/Madrid"


async def test_in_private_a_facilitator_of_any_group_sees_facilitator_commands(db, clock) -> None:
    svc = offline(db, clock, coordinators=[COORD], admins=[(GROUP, FACI)]).svc
    await meet(svc, (MAYA, "Maya"), (FACI, "Faci"))
    await in_group(svc, MAYA, FACI)
    assert await start.role_of(svc, FACI, None) is Role.FACILITATOR
    assert await start.role_of(svc, MAYA, None) is Role.MEMBER
    assert await start.role_of(svc, COORD, None) is Role.COORDINATOR
    assert await start.role_of(svc, FACI, GROUP) is Role.FACILITATOR
    assert await start.role_of(svc, FACI, -999) is Role.MEMBER

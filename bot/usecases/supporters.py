"""Families and supporters (issue 24), step by step.

Each function takes the services first, reads and writes through ``svc.repos``, applies the rules
of :mod:`bot.domain.supporters` and returns typed results; the handlers (``handlers/supporters.py``
for the member, ``handlers/family.py`` for the supporter) turn them into words.  A supporter is
only ever given what :func:`weekly_update` computes from the member's shares at that moment, so a
share turned off or a link removed takes effect for everything not yet sent.

Goals of the member's recovery plan are shared one by one, per supporter (:func:`set_goal_share`,
the one way in); their words stay sealed in the plan and are opened only by :func:`weekly_update`
when the update goes out (see ``handlers/supporters.py`` for why that message skips the outbox).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from bot.domain.milestones import Milestone, local_today
from bot.domain.plan import GoalStatus
from bot.domain.recurrence import Occurrence, next_occurrence
from bot.domain.supporters import (
    GoalNews,
    InviteProblem,
    ShareItem,
    SupportCounts,
    UpdateSchedule,
    WeeklyUpdate,
    goal_news,
    hash_token,
    invite_problem,
    milestones_in,
    new_invite,
    next_update,
    week_before,
)
from bot.runtime.services import Services
from bot.usecases import plan as plans
from storage.groups import Group
from storage.meetings import Meeting
from storage.supporters import Invitation, Link


async def first_name(svc: Services, user_id: int) -> str:
    person = await svc.people.get(user_id)
    return person.first_name if person is not None else ""


# -- the member's side --


@dataclass(frozen=True)
class Supporter:
    link: Link
    name: str


@dataclass(frozen=True)
class Overview:
    supporters: list[Supporter]
    invitations: list[Invitation]
    schedule: UpdateSchedule
    limit: int


async def overview(svc: Services, member_id: int) -> Overview:
    now = svc.clock.now()
    await svc.repos.supporters.drop_expired(now)
    links = await svc.repos.supporters.supporters_of(member_id)
    return Overview(
        [Supporter(link, await first_name(svc, link.supporter_id)) for link in links],
        await svc.repos.supporters.open_invitations(member_id, now),
        await svc.repos.supporters.schedule(member_id),
        svc.settings.max_supporters,
    )


async def supporter(svc: Services, member_id: int, link_id: int) -> Supporter | None:
    """One of the member's own supporters (a forged or stale id gives None)."""
    link = await svc.repos.supporters.link(link_id)
    if link is None or link.member_id != member_id:
        return None
    return Supporter(link, await first_name(svc, link.supporter_id))


@dataclass(frozen=True)
class CreatedInvite:
    token: str  # for the link, shown once to the member and never stored
    expires_at: datetime


async def create_invite(svc: Services, member_id: int) -> CreatedInvite | None:
    """A new one-time invitation; None when the member already has as many supporters and open
    invitations as allowed."""
    now = svc.clock.now()
    if await svc.repos.supporters.count_for(member_id, now) >= svc.settings.max_supporters:
        return None
    invite = new_invite()
    expires_at = now + timedelta(days=svc.settings.supporter_invite_days)
    await svc.repos.supporters.invite(member_id, invite.token_hash, expires_at, now)
    return CreatedInvite(invite.token, expires_at)


async def withdraw_invite(svc: Services, member_id: int, invitation_id: int) -> bool:
    return await svc.repos.supporters.withdraw(member_id, invitation_id)


@dataclass(frozen=True)
class GoalChoice:
    """One open goal of the member's recovery plan, as the member sees it on a supporter's screen."""

    goal_id: int
    text: str  # the member's own words, for the member's own eyes
    paused: bool  # shared or not, a paused goal is left out of the update until resumed
    shared: bool  # with this supporter


@dataclass(frozen=True)
class Panel:
    """The member's screen for one supporter: what they see, and when."""

    supporter: Supporter
    schedule: UpdateSchedule
    goals: list[GoalChoice]  # active and paused goals; completed ones cannot be shared


async def panel(svc: Services, member_id: int, link_id: int) -> Panel | None:
    """One of the member's own supporters with every switch (a forged or stale id gives None)."""
    found = await supporter(svc, member_id, link_id)
    if found is None:
        return None
    goals = [
        GoalChoice(g.goal_id, g.text, g.status is GoalStatus.PAUSED, g.goal_id in found.link.goals)
        for g in await plans.goals_of(svc, member_id)
        if g.status is not GoalStatus.COMPLETED
    ]
    return Panel(found, await svc.repos.supporters.schedule(member_id), goals)


async def set_share(svc: Services, member_id: int, link_id: int, item: ShareItem, on: bool) -> Panel | None:
    found = await supporter(svc, member_id, link_id)
    if found is None:
        return None
    await svc.repos.supporters.set_share(link_id, item, on)
    return await panel(svc, member_id, link_id)


async def set_goal_share(svc: Services, member_id: int, link_id: int, goal_id: int, on: bool) -> Panel | None:
    """Share one goal of the member's plan with one supporter, or stop: the one way in, from the
    supporter's screen in /supporters.  None (nothing changes) when the link or the goal is not
    the member's any more, or, to share, the goal is completed: an old button is refused."""
    found = await supporter(svc, member_id, link_id)
    goal = await plans.own_goal(svc, member_id, goal_id)
    if found is None or goal is None or (on and goal.status is GoalStatus.COMPLETED):
        return None
    await svc.repos.supporters.set_goal_share(link_id, goal_id, on)
    return await panel(svc, member_id, link_id)


async def remove_supporter(svc: Services, member_id: int, link_id: int) -> Supporter | None:
    """End a link at once; what hangs from it (shares, reach-out requests) goes with it."""
    found = await supporter(svc, member_id, link_id)
    if found is None or not await svc.repos.supporters.remove(link_id):
        return None
    return found


async def set_schedule(svc: Services, member_id: int, schedule: UpdateSchedule) -> list[Link]:
    """The member's new day and time; every supporter's next update moves to it."""
    await svc.repos.supporters.set_schedule(member_id, schedule)
    links = await svc.repos.supporters.supporters_of(member_id)
    return [await plan_next(svc, link) for link in links]


# -- the supporter's side --


@dataclass(frozen=True)
class InvitePreview:
    invitation_id: int
    member_name: str


async def _problem(
    svc: Services, token: str, opener_id: int
) -> tuple[Invitation | None, InviteProblem | None]:
    invitation = await svc.repos.supporters.invitation(hash_token(token))
    if invitation is None:
        return None, InviteProblem.UNKNOWN
    already = await svc.repos.supporters.between(invitation.member_id, opener_id) is not None
    problem = invite_problem(
        member_id=invitation.member_id,
        opener_id=opener_id,
        expires_at=invitation.expires_at,
        now=svc.clock.now(),
        already=already,
    )
    return invitation, problem


async def preview_invite(svc: Services, token: str, opener_id: int) -> InvitePreview | InviteProblem:
    """Who invites the person opening a link, or why the link cannot be used."""
    invitation, problem = await _problem(svc, token, opener_id)
    if problem is not None or invitation is None:
        return problem or InviteProblem.UNKNOWN
    return InvitePreview(invitation.id, await first_name(svc, invitation.member_id))


@dataclass(frozen=True)
class Accepted:
    link: Link
    member_name: str
    supporter_name: str


async def accept_invite(svc: Services, token: str, supporter_id: int) -> Accepted | InviteProblem:
    invitation, problem = await _problem(svc, token, supporter_id)
    if problem is not None or invitation is None:
        return problem or InviteProblem.UNKNOWN
    link = await svc.repos.supporters.accept(hash_token(token), supporter_id, svc.clock.now())
    if link is None:
        return InviteProblem.UNKNOWN
    if await svc.repos.supporters.timezone(supporter_id) is None:
        await svc.repos.supporters.set_timezone(supporter_id, await svc.home_timezone(supporter_id))
    link = await plan_next(svc, link)
    return Accepted(link, await first_name(svc, link.member_id), await first_name(svc, supporter_id))


async def accepted_already(svc: Services, link_id: int, supporter_id: int) -> Link | None:
    """The link a second press of "Accept" refers to, if this person accepted it already."""
    link = await svc.repos.supporters.link(link_id)
    return link if link is not None and link.supporter_id == supporter_id else None


async def decline_invite(svc: Services, token: str, opener_id: int) -> int | InviteProblem:
    """Drop the invitation; the member to tell, or why it could not be declined."""
    invitation, problem = await _problem(svc, token, opener_id)
    if invitation is None or problem in (InviteProblem.UNKNOWN, InviteProblem.OWN):
        return problem or InviteProblem.UNKNOWN
    member_id = await svc.repos.supporters.decline(hash_token(token))
    return InviteProblem.UNKNOWN if member_id is None else member_id


@dataclass(frozen=True)
class Supported:
    link: Link
    member_name: str


async def supported(svc: Services, supporter_id: int) -> list[Supported]:
    links = await svc.repos.supporters.supported_by(supporter_id)
    return [Supported(link, await first_name(svc, link.member_id)) for link in links]


async def leave(svc: Services, supporter_id: int, link_id: int) -> Supported | None:
    link = await svc.repos.supporters.link(link_id)
    if link is None or link.supporter_id != supporter_id or not await svc.repos.supporters.remove(link_id):
        return None
    return Supported(link, await first_name(svc, link.member_id))


async def supporter_zone(svc: Services, supporter_id: int) -> str:
    return await svc.repos.supporters.timezone(supporter_id) or await svc.home_timezone(supporter_id)


async def set_supporter_zone(svc: Services, supporter_id: int, zone: str) -> list[Link]:
    await svc.repos.supporters.set_timezone(supporter_id, zone)
    links = await svc.repos.supporters.supported_by(supporter_id)
    return [await plan_next(svc, link) for link in links]


# -- the weekly update --


async def plan_next(svc: Services, link: Link) -> Link:
    """Store the link's next update instant: the member's day and time in the supporter's zone."""
    schedule = await svc.repos.supporters.schedule(link.member_id)
    when = next_update(schedule, await supporter_zone(svc, link.supporter_id), svc.clock.now())
    await svc.repos.supporters.set_next_update(link.id, when)
    return await svc.repos.supporters.link(link.id) or link


async def links_to_plan(svc: Services) -> list[Link]:
    """Every link, each with a next update instant (start-up rebuilds the jobs from these)."""
    links = []
    for link in await svc.repos.supporters.all_links():
        links.append(link if link.next_update_at is not None else await plan_next(svc, link))
    return links


@dataclass(frozen=True)
class DueUpdate:
    link: Link
    update: WeeklyUpdate
    zone: str


async def weekly_update(svc: Services, link_id: int, due: datetime) -> DueUpdate | None:
    """What the supporter is told for the week up to *due*, from what is shared right now
    (None once the link is gone).  The extension point for new items: one more field, filled
    here only when its ShareItem is in ``link.shares``.  Shared goals come in the member's words,
    opened here at send time: the result must be sent, never stored."""
    link = await svc.repos.supporters.link(link_id)
    if link is None:
        return None
    since, until = week_before(due)
    attended = None
    if ShareItem.ATTENDANCE in link.shares:
        attended = len(await svc.repos.attendance.history(link.member_id, since, until, present_only=True))
    milestones: tuple[Milestone, ...] | None = None
    if ShareItem.MILESTONES in link.shares:
        record = await svc.repos.milestones.get(link.member_id)
        if record is None:
            milestones = ()
        else:
            first: date = local_today(since, record.timezone) + timedelta(days=1)
            milestones = tuple(milestones_in(record.start_date, first, local_today(until, record.timezone)))
    goals: tuple[GoalNews, ...] = ()
    if link.goals:
        goals = tuple(
            goal_news(
                item.goal.text,
                item.goal.measure,
                item.goal.target,
                week_count=item.weeks[-1].count,
                days=item.days,
                outcome=item.weeks[-1].outcome,
            )
            for item in await plans.progress_for_supporter(svc, link.member_id, link.goals, due)
        )
    update = WeeklyUpdate(await first_name(svc, link.member_id), attended, milestones, goals)
    return DueUpdate(link, update, await supporter_zone(svc, link.supporter_id))


# -- "please reach out" --


@dataclass(frozen=True)
class ReachOutAsked:
    request_id: int
    link: Link
    supporter_name: str


async def ask_reach_out(svc: Services, member_id: int, link_id: int | None) -> list[ReachOutAsked]:
    """Ask one supporter (or, with None, every supporter) to call or write."""
    links = await svc.repos.supporters.supporters_of(member_id)
    chosen = [link for link in links if link_id is None or link.id == link_id]
    now, asked = svc.clock.now(), []
    for link in chosen:
        request_id = await svc.repos.supporters.ask_reach_out(link.id, now)
        asked.append(ReachOutAsked(request_id, link, await first_name(svc, link.supporter_id)))
    return asked


async def has_supporters(svc: Services, member_id: int) -> bool:
    return bool(await svc.repos.supporters.supporters_of(member_id))


@dataclass(frozen=True)
class Acknowledged:
    link: Link
    member_name: str
    supporter_name: str
    first: bool  # False for a second press: the member was told already


async def acknowledge(svc: Services, supporter_id: int, request_id: int) -> Acknowledged | None:
    """The supporter says they are on it; None when the request or its link is gone, or it is
    not theirs."""
    request = await svc.repos.supporters.reach_out(request_id)
    link = await svc.repos.supporters.link(request.link_id) if request is not None else None
    if request is None or link is None or link.supporter_id != supporter_id:
        return None
    first = await svc.repos.supporters.acknowledge(request_id, svc.clock.now())
    return Acknowledged(
        link, await first_name(svc, link.member_id), await first_name(svc, supporter_id), first
    )


# -- families' own corner --


@dataclass(frozen=True)
class FamilyMeeting:
    group: Group
    meeting: Meeting
    next: Occurrence


async def family_meetings(svc: Services, limit: int = 10) -> list[FamilyMeeting]:
    """The next meeting of each series in groups marked as family groups, soonest first."""
    now = svc.clock.now()
    ids = await svc.repos.supporters.family_group_ids()
    found = []
    for meeting in await svc.repos.meetings.active_in(ids):
        group = await svc.groups.get(meeting.chat_id)
        occurrence = next_occurrence(meeting.schedule, now)
        if group is not None and occurrence is not None:
            found.append(FamilyMeeting(group, meeting, occurrence))
    return sorted(found, key=lambda item: item.next.start)[:limit]


async def set_family_group(svc: Services, chat_id: int, family: bool) -> None:
    await svc.repos.supporters.set_family_group(chat_id, family)


async def support_counts(svc: Services) -> SupportCounts:
    return await svc.repos.supporters.counts(svc.clock.now())


# -- personal data --


async def export(svc: Services, user_id: int) -> dict[str, Any]:
    """Both sides: the member's supporters and choices, and whom this person supports."""
    data: dict[str, Any] = {}
    mine = await overview(svc, user_id)
    if mine.supporters or mine.invitations:
        goals = await plans.goals_of(svc, user_id) if any(s.link.goals for s in mine.supporters) else []
        data["my_supporters"] = [_my_supporter(s, goals) for s in mine.supporters]
        data["open_invitations"] = [{"expires_at": i.expires_at.isoformat()} for i in mine.invitations]
        data["weekly_update"] = {"weekday": mine.schedule.weekday, "at": mine.schedule.at.strftime("%H:%M")}
    supporting = await supported(svc, user_id)
    if supporting:
        data["i_support"] = [
            {"first_name": s.member_name, "since": s.link.accepted_at.isoformat()} for s in supporting
        ]
        data["my_time_zone"] = await supporter_zone(svc, user_id)
    return data


def _my_supporter(supporter: Supporter, goals: list[plans.Goal]) -> dict[str, Any]:
    """One supporter in /mydata; the goals shared with them in the member's words, when any."""
    data: dict[str, Any] = {
        "first_name": supporter.name,
        "since": supporter.link.accepted_at.isoformat(),
        "shared": sorted(item.value for item in supporter.link.shares),
    }
    shared_goals = [g.text for g in goals if g.goal_id in supporter.link.goals]
    if shared_goals:
        data["shared_goals"] = shared_goals
    return data


@dataclass(frozen=True)
class Erased:
    as_member: list[Supporter]  # supporters to tell the link ended
    as_supporter: list[Supported]  # members to tell their supporter left
    anything: bool


async def erase(svc: Services, user_id: int) -> Erased:
    """/forget on either side ends every link of this person and erases their data here."""
    mine = [
        Supporter(link, await first_name(svc, link.supporter_id))
        for link in await svc.repos.supporters.supporters_of(user_id)
    ]
    theirs = await supported(svc, user_id)
    removed = await svc.repos.supporters.erase(user_id)
    return Erased(mine, theirs, removed > 0)

"""Crisis alerts a member asked for: alert their facilitators, acknowledge, escalate.

A member in crisis who says "yes, tell a facilitator" gets their groups' facilitators alerted,
each alert with an "I'm reaching out" button.  If nobody presses it within
``CRISIS_ESCALATION_MINUTES`` (or no facilitator could be reached at all), the coordinators are
alerted too.  Everyone alerted sees only what the member agreed to share (:class:`Named`: their
name and groups), never what they wrote.  The wait is a scheduled job rebuilt from the database at
start-up (:func:`replan`), so a restart never drops an escalation that is due.

Sending is the handlers' (:class:`AlertLetters`); who is told, when, and what is stored is here.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.runtime.logs import log_id
from bot.runtime.services import Services
from bot.usecases import care
from storage.crisis_alerts import CrisisAlert

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Named:
    """What the member agreed to share: who they are, and their groups."""

    user_id: int
    name: str
    username: str | None
    groups: list[str]


class MemberNews(enum.Enum):
    """What the member who asked is told afterwards."""

    ESCALATED = "escalated"  # a coordinator was told too
    REACHING = "reaching"  # a named helper is reaching out


class AlertLetters(Protocol):
    """How alerts reach people (handlers/crisis_alerts.py words and sends them)."""

    async def group_admins(self, chat_id: int) -> set[int] | None:
        """The group's human administrators, or None when Telegram would not list them."""

    async def send_alert(self, user_id: int, member: Named, alert_id: int, *, escalated: bool) -> int | None:
        """Alert one person (who has a private chat with Kindred); the message id, or None."""

    async def tell_member(self, member_id: int, news: MemberNews, helper: str = "") -> None: ...

    async def show_taken(self, chat_id: int, message_id: int, member_name: str, helper_name: str) -> None:
        """Change another recipient's copy of the alert to say who is reaching out."""


def job_name(alert_id: int) -> str:
    return f"crisis-escalation:{alert_id}"


@dataclass(frozen=True)
class SupportAsked:
    """How far a member's request for support reached."""

    facilitators: int  # facilitators alerted
    coordinators: int  # coordinators alerted at once, because no facilitator could be


async def ask_for_support(
    svc: Services, letters: AlertLetters, member_id: int, name: str, username: str | None
) -> SupportAsked:
    """Alert the member's facilitators and plan the escalation; with no facilitator reachable, the
    coordinators are alerted at once."""
    groups = await svc.groups.groups_of(member_id)
    named = Named(member_id, name, username, [group.title for group in groups])
    now = svc.clock.now()
    escalate_at = now + timedelta(minutes=svc.settings.crisis_escalation_minutes)
    alert_id = await svc.repos.crisis_alerts.create(member_id, now, escalate_at)
    told = await _alert_facilitators(svc, letters, named, alert_id)
    log.info("A crisis alert reached %d facilitator(s)", told)
    if not told:
        return SupportAsked(0, await escalate(svc, letters, alert_id))
    plan(svc, letters, alert_id, escalate_at)
    return SupportAsked(told, 0)


async def _alert_facilitators(svc: Services, letters: AlertLetters, member: Named, alert_id: int) -> int:
    """The admins of the member's groups who can be written to; returns how many were told."""
    admins: set[int] = set()
    for group in await svc.groups.groups_of(member.user_id):
        listed = await letters.group_admins(group.chat_id)
        admins.update(a for a in listed or () if a != member.user_id)
    told = 0
    for admin_id in await care.available(svc, sorted(admins)):  # not those on time off
        told += await _send_alert(svc, letters, admin_id, member, alert_id, escalated=False)
    return told


async def _send_alert(
    svc: Services, letters: AlertLetters, user_id: int, member: Named, alert_id: int, *, escalated: bool
) -> bool:
    """Only people with a private chat who can still be reached; each copy is stored, so an
    acknowledgement can update the others."""
    person = await svc.people.get(user_id)
    if person is None or not person.private_chat or not person.reachable:
        return False
    message_id = await letters.send_alert(user_id, member, alert_id, escalated=escalated)
    if message_id is None:
        return False
    await svc.repos.crisis_alerts.add_message(alert_id, user_id, message_id)
    return True


# -- escalation --


def plan(svc: Services, letters: AlertLetters, alert_id: int, when: datetime) -> None:
    svc.jobs.at(job_name(alert_id), when, lambda: _escalate_quietly(svc, letters, alert_id))


async def _escalate_quietly(svc: Services, letters: AlertLetters, alert_id: int) -> None:
    await escalate(svc, letters, alert_id)


async def replan(svc: Services, letters: AlertLetters) -> None:
    """Start-up: re-plan every escalation still waiting; one already due runs at once."""
    for alert in await svc.repos.crisis_alerts.open_alerts():
        plan(svc, letters, alert.id, alert.escalate_at)


async def escalate(svc: Services, letters: AlertLetters, alert_id: int) -> int:
    """Tell the coordinators, once, if nobody has acknowledged; returns how many were told.

    Coordinators on time off are skipped, as facilitators are, but only while someone else can
    be told: when every coordinator is away, or none of those at work can be reached, the alert
    goes to the away ones too.  A member in crisis is never left without a human to answer."""
    alerts = svc.repos.crisis_alerts
    alert = await alerts.get(alert_id)
    if alert is None or not await alerts.mark_escalated(alert_id, svc.clock.now()):
        return 0
    member = await member_of(svc, alert)
    coordinators = sorted(c for c in svc.settings.coordinator_ids if c != alert.member_id)
    at_work = await care.available(svc, coordinators)
    away = [c for c in coordinators if c not in at_work]
    told = 0
    for coordinator_id in at_work:
        told += await _send_alert(svc, letters, coordinator_id, member, alert_id, escalated=True)
    if not told:
        for coordinator_id in away:
            told += await _send_alert(svc, letters, coordinator_id, member, alert_id, escalated=True)
    log.info("A crisis alert went up to %d coordinator(s)", told)
    if told:
        await letters.tell_member(alert.member_id, MemberNews.ESCALATED)
    return told


async def member_of(svc: Services, alert: CrisisAlert) -> Named:
    person = await svc.people.get(alert.member_id)
    groups = await svc.groups.groups_of(alert.member_id)
    name = person.first_name if person else "?"
    return Named(alert.member_id, name, person.username if person else None, [g.title for g in groups])


# -- acknowledgement --


class Ack(enum.Enum):
    STALE = "stale"  # no such alert, or it was not sent to this person
    TAKEN = "taken"  # someone else is already reaching out
    MINE = "mine"  # this person is reaching out; the escalation is off


@dataclass(frozen=True)
class Acknowledged:
    outcome: Ack
    alert: CrisisAlert | None = None
    member: Named | None = None


async def acknowledge(svc: Services, alert_id: int, helper_id: int) -> Acknowledged:
    """ "I'm reaching out": the first one to press takes the alert and stops the escalation."""
    alerts = svc.repos.crisis_alerts
    alert = await alerts.get(alert_id)
    recipients = {m.chat_id for m in await alerts.messages(alert.id)} if alert else set()
    if alert is None or helper_id not in recipients:
        return Acknowledged(Ack.STALE)
    member = await member_of(svc, alert)
    if not await alerts.acknowledge(alert.id, helper_id, svc.clock.now()):
        return Acknowledged(Ack.TAKEN, alert, member)
    svc.jobs.cancel(job_name(alert.id))
    log.info("A crisis alert was acknowledged by %s", log_id(helper_id))
    return Acknowledged(Ack.MINE, alert, member)


async def spread_acknowledgement(
    svc: Services, letters: AlertLetters, ack: Acknowledged, helper_id: int, helper_name: str
) -> None:
    """The other recipients' copies say who is reaching out, and the member is told."""
    if ack.outcome is not Ack.MINE or ack.alert is None or ack.member is None:
        return
    for message in await svc.repos.crisis_alerts.messages(ack.alert.id):
        if message.chat_id != helper_id:
            await letters.show_taken(message.chat_id, message.message_id, ack.member.name, helper_name)
    await letters.tell_member(ack.alert.member_id, MemberNews.REACHING, helper=helper_name)


# -- personal data --


async def export(svc: Services, user_id: int) -> list[dict[str, Any]]:
    return await svc.repos.crisis_alerts.export(user_id)


async def erase(svc: Services, user_id: int) -> int:
    return await svc.repos.crisis_alerts.erase(user_id)

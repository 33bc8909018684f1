"""Who may do what: the one place every privileged action is decided.

Roles: a *coordinator* is named in ``COORDINATOR_IDS`` and oversees every group; a *facilitator*
is a Telegram administrator of a group and acts for that group only; everybody else is a
*member*.  A *supporter* (someone a member invited, see :mod:`bot.domain.supporters`) holds no
role of their own here on purpose: unless they are in a group themselves they belong to none, so
every per-group action and view refuses them as it refuses anyone outside the group, and what
they see of the one member who invited them is decided by that member's shares, link by link.

Admin status is asked of Telegram (through an injected lookup, so this module knows
nothing of Telegram) and cached briefly, because facilitators change rarely and asking on every
button press would be slow.  When Telegram reports a change in someone's status in a group (a
promotion, a demotion, joining or leaving), the cached answer is dropped at once, so a demoted
facilitator is refused on their very next privileged action rather than up to the TTL later.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from enum import IntEnum, StrEnum

from bot.domain.i18n import N_

AdminLookup = Callable[[int, int], Awaitable[bool]]  # (chat_id, user_id) -> is an administrator
MentorLookup = Callable[[int, int], Awaitable[bool]]  # (mentor_id, member_id) -> active peer mentor


async def _no_mentors(mentor_id: int, member_id: int) -> bool:
    return False


class Role(IntEnum):
    MEMBER = 0
    FACILITATOR = 1
    COORDINATOR = 2


class Action(StrEnum):
    """Every privileged action. Each is either for one group's facilitators, or coordinators only."""

    SET_TIMEZONE = "set_timezone"
    SET_GROUP_LANGUAGE = "set_group_language"
    SCHEDULE_MEETINGS = "schedule_meetings"  # create, edit, skip, cancel
    TAKE_ATTENDANCE = "take_attendance"
    VIEW_REPORTS = "view_reports"
    VIEW_AGGREGATES = "view_aggregates"
    VERIFY_PROOF = "verify_proof"
    BROADCAST = "broadcast"
    MANAGE_RESOURCES = "manage_resources"
    IMPORT_FEED = "import_feed"
    MATCH_MENTORS = "match_mentors"  # /matchall
    VIEW_MATCHES = "view_matches"  # /matches
    VIEW_SHARED_GOALS = "view_shared_goals"  # a member's shared recovery-plan goals (their peer mentor)
    VIEW_SUPPORT_STATS = "view_support_stats"  # /supportstats: aggregate counts of supporter links
    MARK_FAMILY_GROUP = "mark_family_group"  # /familygroup: list a group's meetings for families
    PEER_WORK = "peer_work"  # /care, /supervision, /timeoff, /team (own line): facilitators and mentors
    SUPERVISE = "supervise"  # answer supervision requests, /groupsupervision, /team (everyone)


COORDINATOR_ONLY = frozenset(
    {Action.MATCH_MENTORS, Action.VIEW_MATCHES, Action.VIEW_SUPPORT_STATS, Action.SUPERVISE}
)
# Actions on one member's personal matters, decided by a relationship to that member (the
# *subject*), not by any role: a coordinator or facilitator gets no way in.
MENTOR_ONLY = frozenset({Action.VIEW_SHARED_GOALS})


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""  # an N_-marked explanation when refused, translated where it is shown

    def __bool__(self) -> bool:
        return self.allowed


ALLOWED = Decision(True)
NEEDS_COORDINATOR = Decision(False, N_("Only coordinators can do that."))
NEEDS_FACILITATOR = Decision(
    False, N_("Only this group's facilitators (its Telegram admins) and coordinators can do that.")
)
NEEDS_GROUP = Decision(False, N_("Please choose a group first."))
NEEDS_MENTOR = Decision(False, N_("Only this member's peer mentor can see what they share."))
NEEDS_PEER_WORKER = Decision(
    False,
    N_("This is for peer workers: facilitators (a group's Telegram admins), peer mentors and coordinators."),
)


class Authorizer:
    """Resolves roles and decides privileged actions."""

    def __init__(
        self,
        coordinator_ids: Iterable[int],
        is_admin: AdminLookup,
        cache_seconds: float = 300.0,
        monotonic: Callable[[], float] = time.monotonic,
        is_mentor: MentorLookup = _no_mentors,
    ) -> None:
        self._coordinators = frozenset(coordinator_ids)
        self._is_admin = is_admin
        self._is_mentor = is_mentor
        self._ttl = cache_seconds
        self._monotonic = monotonic
        self._cache: dict[tuple[int, int], tuple[bool, float]] = {}
        self._changes = 0  # status changes reported so far (see is_facilitator)

    def is_coordinator(self, user_id: int) -> bool:
        return user_id in self._coordinators

    async def is_facilitator(self, user_id: int, chat_id: int) -> bool:
        key = (chat_id, user_id)
        cached = self._cache.get(key)
        now = self._monotonic()
        if cached is not None and now - cached[1] < self._ttl:
            return cached[0]
        changes = self._changes
        admin = await self._is_admin(chat_id, user_id)
        # A change reported while Telegram was being asked may have made this answer stale
        # (asked before a demotion, answered after it): use it this once, but do not keep it.
        if self._changes == changes:
            self._cache[key] = (admin, now)
        return admin

    def forget(self, user_id: int, chat_id: int) -> None:
        """Telegram reported a change in this person's status in this group: drop the cached
        answer, so the next check asks Telegram afresh instead of trusting one up to the TTL old."""
        self._cache.pop((chat_id, user_id), None)
        self._changes += 1

    async def role(self, user_id: int, chat_id: int | None = None) -> Role:
        """The caller's highest role; facilitator needs a group to be facilitator *of*."""
        if self.is_coordinator(user_id):
            return Role.COORDINATOR
        if chat_id is not None and await self.is_facilitator(user_id, chat_id):
            return Role.FACILITATOR
        return Role.MEMBER

    async def authorize(
        self, user_id: int, action: Action, chat_id: int | None = None, subject: int | None = None
    ) -> Decision:
        """Decide one privileged action for one person, in one group when the action is per group,
        about one member (*subject*) when it concerns a member's personal matters."""
        if action in MENTOR_ONLY:
            allowed = subject is not None and subject != user_id and await self._is_mentor(user_id, subject)
            return ALLOWED if allowed else NEEDS_MENTOR
        if self.is_coordinator(user_id):
            return ALLOWED
        if action in COORDINATOR_ONLY:
            return NEEDS_COORDINATOR
        if chat_id is None:
            return NEEDS_GROUP
        return ALLOWED if await self.is_facilitator(user_id, chat_id) else NEEDS_FACILITATOR

    async def authorize_peer_work(
        self, user_id: int, action: Action, groups: Iterable[int], *, mentor: bool
    ) -> Decision:
        """Decide an action for peer workers: coordinators, peer mentors (*mentor*: an active or
        paused mentor profile) and the facilitators of any of *groups* (the person's groups)."""
        if self.is_coordinator(user_id):
            return ALLOWED
        if action in COORDINATOR_ONLY:
            return NEEDS_COORDINATOR
        if mentor:
            return ALLOWED
        for chat_id in groups:
            if await self.is_facilitator(user_id, chat_id):
                return ALLOWED
        return NEEDS_PEER_WORKER

    async def groups_for(self, user_id: int, action: Action, candidates: Iterable[int]) -> list[int]:
        """Of *candidates*, the groups where *user_id* may perform *action*."""
        return [chat_id for chat_id in candidates if await self.authorize(user_id, action, chat_id)]

"""Peer mentoring, step by step: requests, two-sided consent, matching and ending a match.

The database is the truth: a proposal's expiry is stored before the mentor is asked, and
:func:`replan_expiries` re-plans every pending one at start-up.  Consent is two-sided.  The
mentor is asked first, anonymously; their yes shows the member an anonymous summary of the
mentor and gives the member ``MEMBER_CONSENT_HOURS`` to answer (the same stored expiry and job,
re-planned).  Only the member's yes starts the match and exchanges names.  The member asking for
someone else, or not answering, moves the request on to the next candidate; the mentor learns
only that the match did not go ahead.

Writing to the *other* person (the mentor asked, the member told) happens in the middle of these
steps, and whether it arrived changes what happens next (an unreachable mentor is skipped).  So
the use cases take a :class:`MentoringLetters`: what to say is named here (:class:`Notice`,
:class:`Closing`), and the handlers' implementation words, renders and sends it.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Protocol

from bot.domain.matching import MentorProfile, assign_all, best_candidates, exclusion_reasons
from bot.domain.mentors import (
    PROPOSAL_TTL,
    Draft,
    MentorRecord,
    MentorSummary,
    ProfileFields,
    RequestFields,
    RequestRecord,
    TimeToMatch,
    time_to_match,
)
from bot.runtime.logs import log_id
from bot.runtime.services import Services
from storage.mentors import DECLINED, EXPIRED, WITHDRAWN, MatchRecord, Proposal
from storage.people import Person

log = logging.getLogger(__name__)

PROPOSAL_HOURS = int(PROPOSAL_TTL.total_seconds() // 3600)


class Notice(enum.Enum):
    """A short message to one person; the handlers word it."""

    NOT_GOING_AHEAD = "not_going_ahead"  # mentor: the match you accepted did not go ahead
    MENTOR_GONE = "mentor_gone"  # member: the mentor you were deciding about is no longer available
    STILL_LOOKING = "still_looking"  # member: nobody fits yet; the request stays on the waiting list
    MEMBER_TOO_LATE = "member_too_late"  # member: you did not answer in time; asking another mentor
    PARTNER_LEFT = "partner_left"  # the other side of an active match left mentoring (/forget)


class Closing(enum.Enum):
    """How a mentor's Accept/Decline question ended (it is edited to say so)."""

    MEMBER_WITHDREW = "member_withdrew"
    EXPIRED = "expired"
    NOT_GOING_AHEAD = "not_going_ahead"


class MentoringLetters(Protocol):
    """How mentoring writes to people other than the one pressing (handlers/mentors/letters.py)."""

    async def ask_mentor(
        self, mentor_id: int, request: RequestRecord, proposal_id: int, hours: int
    ) -> int | None:
        """Ask a mentor, anonymously; the question's message id, or None when they cannot be reached."""

    async def ask_member(self, member_id: int, summary: MentorSummary, proposal_id: int, hours: int) -> bool:
        """Show the member the anonymous summary of the mentor who said yes; False if unreachable."""

    async def close_question(self, proposal: Proposal, closing: Closing) -> None: ...

    async def tell(self, user_id: int, notice: Notice) -> None: ...

    async def introduce_member(self, match: MatchRecord, mentor: Person, intro: str) -> None:
        """The member learns the mentor's first name, introduction and a way to write."""

    async def introduce_mentor(self, match: MatchRecord, member: Person) -> None: ...

    async def tell_ended(self, user_id: int, ended_by_name: str, *, ended_by_mentor: bool) -> None:
        """The other side of an ended match is told kindly; never the reason."""


def job_name(proposal_id: int) -> str:
    return f"mentor-proposal:{proposal_id}"


async def first_name(svc: Services, user_id: int) -> str:
    person = await svc.people.get(user_id)
    return person.first_name if person else "?"


# -- entry points --


@dataclass(frozen=True)
class MentorEntry:
    """What ``/mentor`` shows: the profile with its current mentees, or a draft to fill in."""

    profile: MentorRecord | None
    mentees: int
    draft: Draft | None


async def mentor_entry(svc: Services, user_id: int) -> MentorEntry:
    record = await svc.repos.mentors.profile(user_id)
    if record is not None and record.status != "retired":
        load = (await svc.repos.mentors.load()).get(user_id, 0)
        return MentorEntry(record, load, None)
    draft = Draft.from_mentor(record) if record is not None else Draft(kind="mentor")  # a returning mentor
    return MentorEntry(None, 0, draft)


async def profile_draft(svc: Services, user_id: int) -> Draft | None:
    """Editing a profile starts from what is stored."""
    record = await svc.repos.mentors.profile(user_id)
    return None if record is None else Draft.from_mentor(record)


class RequestState(enum.Enum):
    HAS_MENTOR = "has_mentor"  # an active match as the member
    WAITING_FOR_MENTOR = "waiting_for_mentor"
    MEMBER_DECIDES = "member_decides"  # a mentor said yes; the member's answer is awaited
    NONE = "none"  # free to ask


@dataclass(frozen=True)
class FindMentorEntry:
    state: RequestState
    request_id: int | None = None


async def findmentor_entry(svc: Services, user_id: int) -> FindMentorEntry:
    repo = svc.repos.mentors
    if any(m.member_id == user_id for m in await repo.active_matches(user_id)):
        return FindMentorEntry(RequestState.HAS_MENTOR)
    request = await repo.open_request(user_id)
    if request is None:
        return FindMentorEntry(RequestState.NONE)
    pending = await repo.pending_proposals(member_id=user_id)
    deciding = any(p.awaiting_member for p in pending)
    state = RequestState.MEMBER_DECIDES if deciding else RequestState.WAITING_FOR_MENTOR
    return FindMentorEntry(state, request.request_id)


async def zone_choices(svc: Services, user_id: int, current: str | None) -> list[str]:
    """The time zones a draft offers as buttons: the current answer, then the person's groups'."""
    groups = await svc.groups.groups_of(user_id)
    zones = [current] if current else []
    return list(dict.fromkeys([*zones, *(g.timezone for g in groups)]))[:6]


# -- saving a draft --


async def save_profile(svc: Services, user_id: int, draft: Draft) -> bool:
    """Store a confirmed mentor profile; False when the draft is incomplete (nothing saved)."""
    if draft.recovery_since is None or draft.capacity is None or draft.timezone is None:
        return False
    fields = ProfileFields(
        frozenset(draft.focus),
        draft.recovery_since,
        frozenset(draft.languages),
        draft.timezone,
        frozenset(draft.availability),
        draft.capacity,
        draft.gender,
        draft.preferences,
        draft.intro,
    )
    await svc.repos.mentors.save_profile(user_id, fields, svc.clock.now())
    log.info("Mentor profile saved for %s", log_id(user_id))
    return True


class RequestOutcome(enum.Enum):
    PROPOSED = "proposed"  # a mentor who fits was asked
    WAITING_LIST = "waiting_list"  # nobody fits now; a coordinator will help


async def request_mentor(
    svc: Services, letters: MentoringLetters, user_id: int, draft: Draft
) -> RequestOutcome | None:
    """Store a confirmed request and ask the best-fitting mentor.  None when nothing was stored
    (an incomplete draft, or a request already open: a second confirmation does nothing)."""
    repo = svc.repos.mentors
    if draft.timezone is None or await repo.open_request(user_id) is not None:
        return None
    fields = RequestFields(
        frozenset(draft.focus),
        frozenset(draft.languages),
        draft.language_required,
        draft.timezone,
        frozenset(draft.availability),
        draft.gender_wish,
        draft.gender,
    )
    request = await repo.create_request(user_id, fields, svc.clock.now())
    log.info("Mentor request %d from %s", request.request_id, log_id(user_id))
    if await propose_next(svc, letters, request) is not None:
        return RequestOutcome.PROPOSED
    return RequestOutcome.WAITING_LIST


# -- proposing --


async def mentor_pool(svc: Services) -> list[MentorProfile]:
    """Every non-retired mentor as the matcher sees them, counting pending proposals as load."""
    load = await svc.repos.mentors.load()
    now = svc.clock.now()
    return [p.to_profile(load.get(p.user_id, 0), now) for p in await svc.repos.mentors.profiles()]


async def propose_next(svc: Services, letters: MentoringLetters, request: RequestRecord) -> Proposal | None:
    """Ask the best remaining mentor for this request; None when nobody fits (it keeps waiting)."""
    now = svc.clock.now()
    excluded = await svc.repos.mentors.excluded_pairs()
    candidates = best_candidates(request.to_request(), await mentor_pool(svc), excluded, now, limit=10)
    for candidate in candidates:
        proposal = await propose(svc, letters, request, candidate.mentor_id)
        if proposal is not None:
            return proposal
    return None


async def propose(
    svc: Services, letters: MentoringLetters, request: RequestRecord, mentor_id: int
) -> Proposal | None:
    """Store the proposal (with its expiry), then ask the mentor anonymously and plan the expiry."""
    person = await svc.people.get(mentor_id)
    if person is None or not person.reachable:
        return None
    repo, now = svc.repos.mentors, svc.clock.now()
    proposal = await repo.create_proposal(request.request_id, mentor_id, now, now + PROPOSAL_TTL)
    message_id = await letters.ask_mentor(mentor_id, request, proposal.proposal_id, PROPOSAL_HOURS)
    if message_id is None:
        await repo.close_proposal(proposal.proposal_id, WITHDRAWN, now)
        return None
    await repo.set_proposal_message(proposal.proposal_id, message_id)
    plan_expiry(svc, letters, proposal)
    log.info("Proposed request %d to mentor %s", request.request_id, log_id(mentor_id))
    return proposal


def plan_expiry(svc: Services, letters: MentoringLetters, proposal: Proposal) -> None:
    svc.jobs.at(
        job_name(proposal.proposal_id),
        proposal.expires_at,
        partial(expire, svc, letters, proposal.proposal_id),
    )


async def replan_expiries(svc: Services, letters: MentoringLetters) -> int:
    """Start-up: re-plan every pending proposal's expiry from the database (past ones run at once)."""
    proposals = await svc.repos.mentors.pending_proposals()
    for proposal in proposals:
        plan_expiry(svc, letters, proposal)
    return len(proposals)


async def expire(svc: Services, letters: MentoringLetters, proposal_id: int) -> None:
    """The expiry job: a proposal the mentor, or then the member, left unanswered passes to the next
    candidate."""
    closed = await svc.repos.mentors.close_proposal(proposal_id, EXPIRED, svc.clock.now())
    if closed is None:
        return
    if closed.awaiting_member:
        log.info("Proposal %d expired waiting for the member", proposal_id)
        await letters.tell(closed.mentor_id, Notice.NOT_GOING_AHEAD)
        await letters.tell(closed.member_id, Notice.MEMBER_TOO_LATE)
    else:
        log.info("Proposal %d expired", proposal_id)
        await letters.close_question(closed, Closing.EXPIRED)
    await move_on(svc, letters, closed.request_id)


async def move_on(svc: Services, letters: MentoringLetters, request_id: int) -> None:
    """After a decline or a timeout: the next candidate, or tell the member they are on the list."""
    request = await svc.repos.mentors.request(request_id)
    if request is None or request.status != "waiting":
        return
    if await propose_next(svc, letters, request) is not None:
        return
    await letters.tell(request.member_id, Notice.STILL_LOOKING)


async def decline(
    svc: Services, letters: MentoringLetters, proposal: Proposal, *, by_member: bool = False
) -> bool:
    """Close the proposal for good and move the request on. When the member declined after the
    mentor's yes, the mentor is told only that it did not go ahead."""
    closed = await svc.repos.mentors.close_proposal(proposal.proposal_id, DECLINED, svc.clock.now())
    if closed is None:
        return False
    svc.jobs.cancel(job_name(proposal.proposal_id))
    log.info("Proposal %d declined by the %s", proposal.proposal_id, "member" if by_member else "mentor")
    if by_member:
        await letters.tell(closed.mentor_id, Notice.NOT_GOING_AHEAD)
    await move_on(svc, letters, closed.request_id)
    return True


async def withdraw_proposal(
    svc: Services, letters: MentoringLetters, proposal: Proposal, *, move: bool
) -> None:
    """The mentor paused, retired or left: the proposal is withdrawn and the request moves on."""
    closed = await svc.repos.mentors.close_proposal(proposal.proposal_id, WITHDRAWN, svc.clock.now())
    svc.jobs.cancel(job_name(proposal.proposal_id))
    if closed is not None and closed.awaiting_member:
        await letters.tell(closed.member_id, Notice.MENTOR_GONE)
    if closed is not None and move:
        await move_on(svc, letters, closed.request_id)


# -- the mentor's own profile --

STATUSES = {"pause": "paused", "resume": "active", "retire": "retired"}


async def may_change_status(svc: Services, user_id: int, action: str) -> bool:
    """Whether *action* (pause, resume, retire) applies: a known action on an existing profile."""
    return action in STATUSES and await svc.repos.mentors.profile(user_id) is not None


async def change_status(svc: Services, letters: MentoringLetters, user_id: int, action: str) -> bool:
    """Pause, resume or retire a mentor; pausing or retiring withdraws what was waiting for them.
    False when there is no profile or the action is unknown (nothing changed)."""
    repo = svc.repos.mentors
    if not await may_change_status(svc, user_id, action):
        return False
    await repo.set_status(user_id, STATUSES[action], svc.clock.now())
    if action != "resume":
        for proposal in await repo.pending_proposals(user_id):
            await withdraw_proposal(svc, letters, proposal, move=True)
    log.info("Mentor %s is now %s", log_id(user_id), STATUSES[action])
    return True


# -- the member's request --


async def own_open_request(svc: Services, user_id: int, request_id: int) -> RequestRecord | None:
    """The request a button names, if it is this member's (forged or stale buttons get None)."""
    request = await svc.repos.mentors.request(request_id)
    return request if request is not None and request.member_id == user_id else None


async def withdraw_request(svc: Services, letters: MentoringLetters, request: RequestRecord) -> None:
    """The member withdraws their request; a mentor still considering it is told so."""
    for proposal in await svc.repos.mentors.withdraw_request(request.request_id, svc.clock.now()):
        svc.jobs.cancel(job_name(proposal.proposal_id))
        await letters.close_question(proposal, Closing.MEMBER_WITHDREW)


# -- consent --


class Answered(enum.Enum):
    """What came of one side's answer to a proposal."""

    STALE = "stale"  # not this person's proposal (or gone): a stale or forged button
    FINISHED = "finished"  # no longer waiting for this person (answered, expired, withdrawn)
    ACCEPTED = "accepted"
    DECLINED = "declined"
    LOST = "lost"  # a race or an unreachable other side: nothing to say beyond the press


async def _current(svc: Services, letters: MentoringLetters, proposal: Proposal, late: bool) -> Proposal:
    """A proposal answered after its deadline, before the job ran, expires first."""
    if late and proposal.expires_at <= svc.clock.now():
        await expire(svc, letters, proposal.proposal_id)
        return await svc.repos.mentors.proposal(proposal.proposal_id) or proposal
    return proposal


@dataclass(frozen=True)
class OpenQuestion:
    """A proposal that waits for this person's answer, checked before anything is done (so the
    handler can answer the press at once, as before the answer's letters go out)."""

    proposal: Proposal
    choice: str
    by_member: bool


async def mentors_question(
    svc: Services, letters: MentoringLetters, user_id: int, proposal_id: int, choice: str
) -> OpenQuestion | Answered:
    """The proposal waiting for this mentor's ``yes`` or ``no``, else STALE or FINISHED."""
    proposal = await svc.repos.mentors.proposal(proposal_id)
    if proposal is None or proposal.mentor_id != user_id:
        return Answered.STALE
    proposal = await _current(svc, letters, proposal, proposal.status == "pending")
    if proposal.status != "pending" or proposal.awaiting_member or choice not in ("yes", "no"):
        return Answered.FINISHED
    return OpenQuestion(proposal, choice, by_member=False)


async def members_question(
    svc: Services, letters: MentoringLetters, user_id: int, proposal_id: int, choice: str
) -> OpenQuestion | Answered:
    """The proposal waiting for this member's ``yes`` or ``other``, else STALE or FINISHED."""
    proposal = await svc.repos.mentors.proposal(proposal_id)
    if proposal is None or proposal.member_id != user_id:
        return Answered.STALE
    proposal = await _current(svc, letters, proposal, proposal.awaiting_member)
    if not proposal.awaiting_member or choice not in ("yes", "other"):
        return Answered.FINISHED
    return OpenQuestion(proposal, choice, by_member=True)


async def answer(svc: Services, letters: MentoringLetters, question: OpenQuestion) -> Answered:
    """Consent, in its order: the mentor's yes shows the member an anonymous summary; the member's
    yes starts the match.  A no from either side moves the request on."""
    proposal = question.proposal
    if question.choice == "yes" and question.by_member:
        return Answered.ACCEPTED if await accept(svc, letters, proposal) else Answered.LOST
    if question.choice == "yes":
        return Answered.ACCEPTED if await mentor_accepts(svc, letters, proposal) else Answered.LOST
    declined = await decline(svc, letters, proposal, by_member=question.by_member)
    return Answered.DECLINED if declined else Answered.LOST


async def mentor_answers(
    svc: Services, letters: MentoringLetters, user_id: int, proposal_id: int, choice: str
) -> Answered:
    """The mentor's half of consent in one step: ``yes`` or ``no``."""
    question = await mentors_question(svc, letters, user_id, proposal_id, choice)
    return question if isinstance(question, Answered) else await answer(svc, letters, question)


async def member_answers(
    svc: Services, letters: MentoringLetters, user_id: int, proposal_id: int, choice: str
) -> Answered:
    """The member's half of consent in one step: ``yes`` or ``other`` (someone else)."""
    question = await members_question(svc, letters, user_id, proposal_id, choice)
    return question if isinstance(question, Answered) else await answer(svc, letters, question)


async def mentor_accepts(svc: Services, letters: MentoringLetters, proposal: Proposal) -> Proposal | None:
    """The mentor's yes: the member sees an anonymous summary and has their own time to answer.

    None when the proposal no longer waited for this mentor, or the member cannot be reached (then
    the request is withdrawn and the mentor's question says the match did not go ahead).
    """
    repo, now = svc.repos.mentors, svc.clock.now()
    hours = int(svc.settings.member_consent_hours)
    waiting = await repo.mentor_accept(proposal.proposal_id, now, now + timedelta(hours=hours))
    if waiting is None:
        return None
    plan_expiry(svc, letters, waiting)  # the same job name: the member's deadline replaces the mentor's
    profile = await repo.profile(waiting.mentor_id)
    sent = False
    if profile is not None:
        sent = await letters.ask_member(waiting.member_id, profile.summary(now), waiting.proposal_id, hours)
    if not sent:
        svc.jobs.cancel(job_name(waiting.proposal_id))
        await repo.withdraw_request(waiting.request_id, now)
        await letters.close_question(waiting, Closing.NOT_GOING_AHEAD)
        return None
    log.info("Proposal %d accepted by the mentor; the member decides", waiting.proposal_id)
    return waiting


async def accept(svc: Services, letters: MentoringLetters, proposal: Proposal) -> MatchRecord | None:
    """The member's yes after the mentor's: the match starts and both learn the other's name."""
    match = await svc.repos.mentors.accept(proposal.proposal_id, svc.clock.now())
    if match is None:
        return None
    svc.jobs.cancel(job_name(proposal.proposal_id))
    log.info("Proposal %d accepted by both; match %d started", proposal.proposal_id, match.match_id)
    await introduce(svc, letters, match)
    return match


async def introduce(svc: Services, letters: MentoringLetters, match: MatchRecord) -> None:
    """Only now do both learn the other's first name and a way to reach them."""
    mentor, member = await svc.people.get(match.mentor_id), await svc.people.get(match.member_id)
    profile = await svc.repos.mentors.profile(match.mentor_id)
    if mentor is None or member is None:
        return
    await letters.introduce_member(match, mentor, profile.intro if profile else "")
    await letters.introduce_mentor(match, member)


# -- an active match: relay and ending --


async def own_active_match(svc: Services, user_id: int, match_id: int | None) -> MatchRecord | None:
    """The match a button names, if it is still active and *user_id* is one of its two people
    (forged or stale buttons get None)."""
    match = await svc.repos.mentors.match(match_id) if match_id is not None else None
    if match is None or match.ended_at is not None:
        return None
    return match if user_id in (match.mentor_id, match.member_id) else None


@dataclass(frozen=True)
class RelayTarget:
    """Where a relayed first message goes, and the sender's username for the reply button."""

    match_id: int
    recipient_id: int
    sender_username: str | None


async def relay_target(svc: Services, user_id: int, match_id: int | None) -> RelayTarget | None:
    """The other side of a match that is still going (an ended one passes nothing on)."""
    match = await svc.repos.mentors.match(match_id) if match_id is not None else None
    if match is None or match.ended_at is not None:
        return None
    sender = await svc.people.get(user_id)
    return RelayTarget(match.match_id, match.other(user_id), sender.username if sender else None)


async def active_matches_named(svc: Services, user_id: int) -> list[tuple[MatchRecord, str]]:
    """The person's active matches with the other side's first name (for /endmatch's buttons)."""
    matches = await svc.repos.mentors.active_matches(user_id)
    return [(m, await first_name(svc, m.other(user_id))) for m in matches]


async def end_match(
    svc: Services, letters: MentoringLetters, user_id: int, match_id: int, reason: str | None
) -> bool:
    """End a match; the other side is told kindly (never the reason, which is for coordinators)."""
    match = await svc.repos.mentors.match(match_id)
    if match is None:
        return False
    if await svc.repos.mentors.end_match(match.match_id, user_id, reason, svc.clock.now()):
        log.info("Match %d ended by %s", match.match_id, log_id(user_id))
        name = await first_name(svc, user_id)
        await letters.tell_ended(match.other(user_id), name, ended_by_mentor=user_id == match.mentor_id)
    return True


# -- coordinators --


@dataclass(frozen=True)
class PreviewLine:
    request_id: int
    member_name: str
    waited: timedelta
    mentor_name: str
    score: float


@dataclass(frozen=True)
class MatchAllPreview:
    lines: list[PreviewLine]
    unmatched: int
    pairs: list[tuple[int, int]]  # (request_id, mentor_id), what "send" will propose


async def preview_matchall(svc: Services) -> MatchAllPreview:
    """The best assignment for everyone waiting without a proposal (nothing is sent yet)."""
    repo, now = svc.repos.mentors, svc.clock.now()
    waiting = await repo.waiting_requests(without_proposal=True)
    result = assign_all(
        [r.to_request() for r in waiting], await mentor_pool(svc), await repo.excluded_pairs(), now
    )
    by_member = {r.member_id: r for r in waiting}
    lines = [
        PreviewLine(
            by_member[m.member_id].request_id,
            await first_name(svc, m.member_id),
            now - by_member[m.member_id].requested_at,
            await first_name(svc, m.mentor_id),
            m.score,
        )
        for m in result.matches
    ]
    pairs = [(by_member[m.member_id].request_id, m.mentor_id) for m in result.matches]
    return MatchAllPreview(lines, len(result.unmatched), pairs)


async def send_previewed(svc: Services, letters: MentoringLetters, pairs: list[tuple[int, int]]) -> int:
    """Send the previewed proposals, each re-checked against what is true now."""
    repo, sent = svc.repos.mentors, 0
    for request_id, mentor_id in pairs:
        request = await repo.request(request_id)
        waiting = {r.request_id for r in await repo.waiting_requests(without_proposal=True)}
        pool = {p.mentor_id: p for p in await mentor_pool(svc)}
        if request is None or request_id not in waiting or mentor_id not in pool:
            continue
        if exclusion_reasons(request.to_request(), pool[mentor_id], await repo.excluded_pairs()):
            continue
        if await propose(svc, letters, request, mentor_id) is not None:
            sent += 1
    log.info("Matchall sent %d of %d proposals", sent, len(pairs))
    return sent


class Waiting(enum.Enum):
    """On whom a waiting request waits in /matches."""

    QUEUE = "queue"  # nobody: no proposal is open
    MENTOR = "mentor"  # a mentor has been asked
    MEMBER = "member"  # a mentor accepted; the member decides


@dataclass(frozen=True)
class Overview:
    """What /matches shows, with first names already looked up."""

    waiting: Sequence[tuple[RequestRecord, str, Waiting]]  # request, member name, on whom it waits
    active: Sequence[tuple[MatchRecord, str, str]]  # match, mentor name, member name
    load: Sequence[tuple[MentorRecord, str, int]]  # profile, mentor name, members held
    ended: Sequence[tuple[MatchRecord, str, str]]
    stats: TimeToMatch


async def overview(svc: Services) -> Overview:
    repo, now = svc.repos.mentors, svc.clock.now()
    waiting_on = {
        p.request_id: Waiting.MEMBER if p.awaiting_member else Waiting.MENTOR
        for p in await repo.pending_proposals()
    }
    load = await repo.load()

    async def name(user_id: int) -> str:
        return await first_name(svc, user_id)

    return Overview(
        waiting=[
            (r, await name(r.member_id), waiting_on.get(r.request_id, Waiting.QUEUE))
            for r in await repo.waiting_requests()
        ],
        active=[(m, await name(m.mentor_id), await name(m.member_id)) for m in await repo.active_matches()],
        load=[(p, await name(p.user_id), load.get(p.user_id, 0)) for p in await repo.profiles()],
        ended=[(m, await name(m.mentor_id), await name(m.member_id)) for m in await repo.ended_matches()],
        stats=time_to_match(
            m.started_at - m.requested_at for m in await repo.matches_started_since(now - timedelta(days=90))
        ),
    )


# -- personal data and retention --


async def export(svc: Services, user_id: int) -> dict[str, Any]:
    return await svc.repos.mentors.export(user_id)


async def erase(svc: Services, letters: MentoringLetters, user_id: int) -> dict[str, int]:
    """Erase profile, requests, proposals and matches (counts per kind); an active match's other
    side is told kindly, a mentor asked on this member's behalf is told it was withdrawn, and
    requests this mentor was proposed for move on to someone else."""
    repo = svc.repos.mentors
    for match in await repo.active_matches(user_id):
        await letters.tell(match.other(user_id), Notice.PARTNER_LEFT)
    to_move = [p.request_id for p in await repo.pending_proposals(user_id)]
    for proposal in await repo.pending_proposals(user_id):
        if proposal.awaiting_member:  # the member was deciding about this mentor
            await letters.tell(proposal.member_id, Notice.MENTOR_GONE)
    for proposal in await repo.pending_proposals():
        if user_id in (proposal.mentor_id, proposal.member_id):
            svc.jobs.cancel(job_name(proposal.proposal_id))
        if user_id == proposal.member_id:
            await letters.close_question(proposal, Closing.MEMBER_WITHDREW)
    counts = await repo.erase(user_id)
    for request_id in to_move:
        await move_on(svc, letters, request_id)
    log.info("Erased mentoring data of %s", log_id(user_id))
    return counts


async def purge_end_reasons(svc: Services, cutoff: datetime) -> int:
    """Retention: forget private end-of-match reasons older than *cutoff*."""
    return await svc.repos.mentors.blank_end_reasons_before(cutoff)

"""Mentoring's rules as use cases, on real repositories, with the letters recorded instead of sent:
who is asked and told what, in which order consent goes, and what a late or lost answer does."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from bot.domain.matching import Focus, GenderWish, PartOfDay, Slot
from bot.domain.mentors import Draft, MentorSummary, RequestRecord
from bot.usecases import mentoring
from bot.usecases.mentoring import Answered, Closing, Notice, RequestOutcome, RequestState
from storage.mentors import MatchRecord, Proposal
from storage.people import Person
from tests.conftest import NOW
from tests.unit.offline_services import meet, offline
from tests.unit.test_mentor_storage import PROFILE

ANA, BEA, MAYA = 1, 2, 3


@dataclass
class Letters:
    """Records what the use cases asked to be said; ``unreachable`` people get nothing."""

    unreachable: set[int] = field(default_factory=set)
    asked_mentor: list[tuple[int, int]] = field(default_factory=list)  # (mentor, proposal)
    asked_member: list[tuple[int, MentorSummary]] = field(default_factory=list)
    closed: list[tuple[int, Closing]] = field(default_factory=list)  # (proposal, how)
    told: list[tuple[int, Notice]] = field(default_factory=list)
    introduced: list[tuple[int, str]] = field(default_factory=list)  # (recipient, the other's name)
    ended: list[tuple[int, str, bool]] = field(default_factory=list)

    async def ask_mentor(
        self, mentor_id: int, request: RequestRecord, proposal_id: int, hours: int
    ) -> int | None:
        if mentor_id in self.unreachable:
            return None
        self.asked_mentor.append((mentor_id, proposal_id))
        return 100 + proposal_id

    async def ask_member(self, member_id: int, summary: MentorSummary, proposal_id: int, hours: int) -> bool:
        if member_id in self.unreachable:
            return False
        self.asked_member.append((member_id, summary))
        return True

    async def close_question(self, proposal: Proposal, closing: Closing) -> None:
        self.closed.append((proposal.proposal_id, closing))

    async def tell(self, user_id: int, notice: Notice) -> None:
        self.told.append((user_id, notice))

    async def introduce_member(self, match: MatchRecord, mentor: Person, intro: str) -> None:
        self.introduced.append((match.member_id, mentor.first_name))

    async def introduce_mentor(self, match: MatchRecord, member: Person) -> None:
        self.introduced.append((match.mentor_id, member.first_name))

    async def tell_ended(self, user_id: int, ended_by_name: str, *, ended_by_mentor: bool) -> None:
        self.ended.append((user_id, ended_by_name, ended_by_mentor))


def request_draft() -> Draft:
    return Draft(
        kind="request",
        focus={Focus.ALCOHOL},
        languages={"es"},
        timezone="America/Bogota",
        availability={Slot(5, PartOfDay.MORNING)},
        gender_wish=GenderWish.NONE,
    )


@pytest.fixture
async def world(db, clock):
    made = offline(db, clock, member_consent_hours=24)
    svc, jobs = made.svc, made.jobs
    await meet(svc, (ANA, "Ana"), (BEA, "Bea"), (MAYA, "Maya"))
    for mentor in (ANA, BEA):
        await svc.repos.mentors.save_profile(mentor, PROFILE, NOW)
    return svc, jobs, Letters()


async def test_a_request_asks_one_mentor_anonymously_and_plans_the_deadline(world) -> None:
    svc, jobs, letters = world
    assert await mentoring.request_mentor(svc, letters, MAYA, request_draft()) is RequestOutcome.PROPOSED
    [(mentor, proposal_id)] = letters.asked_mentor
    assert mentor in (ANA, BEA) and letters.asked_member == []
    when = jobs.planned()[mentoring.job_name(proposal_id)]
    assert when == NOW + timedelta(hours=mentoring.PROPOSAL_HOURS)
    # A second confirmation while the request is open stores nothing and asks nobody.
    assert await mentoring.request_mentor(svc, letters, MAYA, request_draft()) is None
    assert len(letters.asked_mentor) == 1
    entry = await mentoring.findmentor_entry(svc, MAYA)
    assert entry.state is RequestState.WAITING_FOR_MENTOR and entry.request_id is not None


async def test_an_unreachable_mentor_is_skipped_for_the_next(world) -> None:
    svc, _, letters = world
    letters.unreachable = {ANA}
    assert await mentoring.request_mentor(svc, letters, MAYA, request_draft()) is RequestOutcome.PROPOSED
    assert [mentor for mentor, _ in letters.asked_mentor] == [BEA]
    assert [p.mentor_id for p in await svc.repos.mentors.pending_proposals()] == [BEA]


async def test_with_no_mentor_the_request_waits(db, clock) -> None:
    svc = offline(db, clock).svc
    await meet(svc, (MAYA, "Maya"))
    letters = Letters()
    assert await mentoring.request_mentor(svc, letters, MAYA, request_draft()) is RequestOutcome.WAITING_LIST
    assert letters.asked_mentor == []


async def test_consent_is_two_sided_and_names_come_only_at_the_end(world) -> None:
    svc, jobs, letters = world
    await mentoring.request_mentor(svc, letters, MAYA, request_draft())
    [(mentor, proposal_id)] = letters.asked_mentor
    # The member cannot answer before the mentor has; the mentor cannot answer for the member.
    assert await mentoring.member_answers(svc, letters, MAYA, proposal_id, "yes") is Answered.FINISHED
    assert await mentoring.mentor_answers(svc, letters, MAYA, proposal_id, "yes") is Answered.STALE

    assert await mentoring.mentor_answers(svc, letters, mentor, proposal_id, "yes") is Answered.ACCEPTED
    assert [member for member, _ in letters.asked_member] == [MAYA] and letters.introduced == []
    when = jobs.planned()[mentoring.job_name(proposal_id)]
    assert when == NOW + timedelta(hours=24)  # MEMBER_CONSENT_HOURS replaces the mentor's deadline

    assert await mentoring.member_answers(svc, letters, MAYA, proposal_id, "yes") is Answered.ACCEPTED
    assert sorted(letters.introduced) == sorted([(MAYA, "Ana" if mentor == ANA else "Bea"), (mentor, "Maya")])
    assert mentoring.job_name(proposal_id) not in jobs.planned()
    assert (await mentoring.findmentor_entry(svc, MAYA)).state is RequestState.HAS_MENTOR
    # Pressed twice: finished, nothing more happens.
    assert await mentoring.member_answers(svc, letters, MAYA, proposal_id, "yes") is Answered.FINISHED


async def test_someone_else_tells_the_mentor_only_that_it_did_not_go_ahead(
    world,
) -> None:
    svc, _, letters = world
    await mentoring.request_mentor(svc, letters, MAYA, request_draft())
    [(first, proposal_id)] = letters.asked_mentor
    await mentoring.mentor_answers(svc, letters, first, proposal_id, "yes")
    assert await mentoring.member_answers(svc, letters, MAYA, proposal_id, "other") is Answered.DECLINED
    assert letters.told == [(first, Notice.NOT_GOING_AHEAD)]
    second = BEA if first == ANA else ANA
    assert [mentor for mentor, _ in letters.asked_mentor] == [first, second]  # never the same pair again


async def test_an_answer_after_the_deadline_expires_the_proposal_first(world, clock) -> None:
    svc, _, letters = world
    await mentoring.request_mentor(svc, letters, MAYA, request_draft())
    [(first, proposal_id)] = letters.asked_mentor
    clock.set(NOW + timedelta(hours=mentoring.PROPOSAL_HOURS, minutes=1))
    assert await mentoring.mentor_answers(svc, letters, first, proposal_id, "yes") is Answered.FINISHED
    assert letters.closed == [(proposal_id, Closing.EXPIRED)]
    assert len(letters.asked_mentor) == 2  # passed on to the other mentor


async def test_a_member_who_cannot_be_reached_withdraws_the_request(world) -> None:
    svc, _, letters = world
    letters.unreachable = {MAYA}
    await mentoring.request_mentor(svc, letters, MAYA, request_draft())
    [(mentor, proposal_id)] = letters.asked_mentor
    assert await mentoring.mentor_answers(svc, letters, mentor, proposal_id, "yes") is Answered.LOST
    assert letters.closed == [(proposal_id, Closing.NOT_GOING_AHEAD)]
    assert await svc.repos.mentors.open_request(MAYA) is None


async def test_pausing_withdraws_what_waited_for_the_mentor_and_moves_it_on(world) -> None:
    svc, _, letters = world
    await mentoring.request_mentor(svc, letters, MAYA, request_draft())
    [(first, _)] = letters.asked_mentor
    assert await mentoring.change_status(svc, letters, first, "pause") is True
    assert (await svc.repos.mentors.profile(first)).status == "paused"
    assert [p.mentor_id for p in await svc.repos.mentors.pending_proposals()] == [
        BEA if first == ANA else ANA
    ]
    assert await mentoring.change_status(svc, letters, first, "explode") is False
    assert await mentoring.change_status(svc, letters, MAYA, "pause") is False  # no profile


async def test_ending_a_match_tells_the_other_side_but_never_the_reason(world) -> None:
    svc, _, letters = world
    await mentoring.request_mentor(svc, letters, MAYA, request_draft())
    [(mentor, proposal_id)] = letters.asked_mentor
    await mentoring.mentor_answers(svc, letters, mentor, proposal_id, "yes")
    await mentoring.member_answers(svc, letters, MAYA, proposal_id, "yes")
    [(match, other)] = await mentoring.active_matches_named(svc, MAYA)
    assert other == ("Ana" if mentor == ANA else "Bea")
    assert await mentoring.own_active_match(svc, 99, match.match_id) is None  # not theirs
    assert await mentoring.end_match(svc, letters, MAYA, match.match_id, "private reason") is True
    assert letters.ended == [(mentor, "Maya", False)]
    assert await mentoring.own_active_match(svc, MAYA, match.match_id) is None


async def test_only_the_member_withdraws_their_request_and_the_mentor_asked_is_told(world) -> None:
    svc, jobs, letters = world
    await mentoring.request_mentor(svc, letters, MAYA, request_draft())
    [(mentor, proposal_id)] = letters.asked_mentor
    entry = await mentoring.findmentor_entry(svc, MAYA)
    assert entry.request_id is not None
    assert await mentoring.own_open_request(svc, mentor, entry.request_id) is None  # not theirs
    request = await mentoring.own_open_request(svc, MAYA, entry.request_id)
    assert request is not None
    await mentoring.withdraw_request(svc, letters, request)
    assert letters.closed == [(proposal_id, Closing.MEMBER_WITHDREW)] and jobs.planned() == {}
    assert (await mentoring.findmentor_entry(svc, MAYA)).state is RequestState.NONE
    # The mentor pressing the old question afterwards finds it finished.
    assert await mentoring.mentors_question(svc, letters, mentor, proposal_id, "yes") is Answered.FINISHED

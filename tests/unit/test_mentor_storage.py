"""Mentoring storage: profiles, requests, proposals with expiry, consent, matches and erasure."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.domain.matching import Focus, GenderWish, PartOfDay, Slot
from bot.domain.mentors import ProfileFields, RequestFields
from storage.mentors import (
    DECLINED,
    EXPIRED,
    WITHDRAWN,
    MentorRepository,
)
from storage.people import PeopleRepository, Sighting
from tests.checks import found
from tests.conftest import NOW

ANA, BEA, MAYA, NOA = 1, 2, 3, 4
EVENINGS = frozenset(Slot(day, PartOfDay.EVENING) for day in range(5))
PROFILE = ProfileFields(
    focus=frozenset({Focus.ALCOHOL, Focus.MENTAL_HEALTH}),
    recovery_since=date(2023, 5, 1),
    languages=frozenset({"es", "en"}),
    timezone="Europe/Madrid",
    availability=EVENINGS,
    capacity=2,
    gender="woman",
    preferences="text first",
    intro="Hi, I'm here to listen.",
)
REQUEST = RequestFields(
    focus=frozenset({Focus.ALCOHOL}),
    languages=frozenset({"es"}),
    language_required=True,
    timezone="America/Bogota",
    availability=frozenset({Slot(5, PartOfDay.MORNING)}),
    gender_wish=GenderWish.PREFER,
    gender="woman",
)


@pytest.fixture
async def repo(db) -> MentorRepository:
    people = PeopleRepository(db)
    for user_id, name in ((ANA, "Ana"), (BEA, "Bea"), (MAYA, "Maya"), (NOA, "Noa")):
        await people.record(Sighting(user_id, name, None, "es", True), NOW)
    return MentorRepository(db)


async def test_a_profile_round_trips_and_converts_for_the_matcher(repo: MentorRepository) -> None:
    record = await repo.save_profile(ANA, PROFILE, NOW)
    assert (record.focus, record.availability, record.languages) == (
        PROFILE.focus,
        EVENINGS,
        PROFILE.languages,
    )
    assert record.recovery_since == date(2023, 5, 1) and record.status == "active"
    profile = record.to_profile(mentee_count=1, now=NOW)
    assert profile.months_in_recovery == 42 and profile.remaining_capacity == 1
    await repo.set_status(ANA, "retired", NOW)
    assert await repo.profiles() == []
    assert [p.user_id for p in await repo.profiles(include_retired=True)] == [ANA]
    again = await repo.save_profile(ANA, PROFILE, NOW)  # signing up again reactivates
    assert again.status == "active"


async def test_a_member_has_one_open_request(repo: MentorRepository) -> None:
    request = await repo.create_request(MAYA, REQUEST, NOW)
    assert request.to_request().gender_wish is GenderWish.PREFER
    assert request.availability == REQUEST.availability and request.language_required
    assert await repo.open_request(MAYA) == request
    with pytest.raises(Exception, match=r"UNIQUE|unique constraint"):
        await repo.create_request(MAYA, REQUEST, NOW)
    await repo.withdraw_request(request.request_id, NOW)
    assert await repo.open_request(MAYA) is None
    assert (await repo.create_request(MAYA, REQUEST, NOW)).request_id != request.request_id


async def test_a_match_starts_only_when_both_have_accepted_and_only_once(repo: MentorRepository) -> None:
    await repo.save_profile(ANA, PROFILE, NOW)
    request = await repo.create_request(MAYA, REQUEST, NOW)
    proposal = await repo.create_proposal(request.request_id, ANA, NOW, NOW + timedelta(hours=48))
    assert proposal.member_id == MAYA and proposal.expires_at == NOW + timedelta(hours=48)
    assert not proposal.awaiting_member
    assert await repo.load() == {ANA: 1}  # a pending proposal holds a place
    assert [p.proposal_id for p in await repo.pending_proposals(ANA)] == [proposal.proposal_id]
    assert await repo.accept(proposal.proposal_id, NOW) is None  # the member cannot go first
    mentor_yes = NOW + timedelta(hours=1)
    waiting = await repo.mentor_accept(proposal.proposal_id, mentor_yes, mentor_yes + timedelta(hours=24))
    assert waiting is not None and waiting.awaiting_member and waiting.status == "pending"
    assert waiting.expires_at == mentor_yes + timedelta(hours=24)  # now the member's deadline
    assert await repo.mentor_accept(proposal.proposal_id, mentor_yes, NOW) is None  # pressed twice
    assert await repo.load() == {ANA: 1}  # the place stays held while the member decides
    assert await repo.waiting_requests(without_proposal=True) == []
    later = NOW + timedelta(hours=3)
    match = await repo.accept(proposal.proposal_id, later)
    assert match is not None and (match.mentor_id, match.member_id) == (ANA, MAYA)
    assert match.started_at - match.requested_at == timedelta(hours=3)
    assert await repo.accept(proposal.proposal_id, later) is None  # pressed twice
    assert found(await repo.request(request.request_id)).status == "matched"
    assert found(await repo.proposal(proposal.proposal_id)).answered_at == mentor_yes  # the mentor's answer
    assert await repo.load() == {ANA: 1}
    assert (ANA, MAYA) in await repo.excluded_pairs()
    assert [m.match_id for m in await repo.active_matches(MAYA)] == [match.match_id]
    assert await repo.end_match(match.match_id, MAYA, "moved away", later)
    assert not await repo.end_match(match.match_id, ANA, None, later)
    ended = found(await repo.match(match.match_id))
    assert ended.ended_by == MAYA and ended.end_reason == "moved away"
    assert await repo.load() == {} and await repo.active_matches() == []


@pytest.mark.parametrize("status", [DECLINED, EXPIRED])
@pytest.mark.parametrize("mentor_accepted", [False, True])
async def test_a_decline_or_expiry_excludes_the_pair_for_good(
    repo: MentorRepository, status: str, mentor_accepted: bool
) -> None:
    """Whichever side declines or lets it expire, the mentor or (after the mentor's yes) the member."""
    request = await repo.create_request(MAYA, REQUEST, NOW)
    proposal = await repo.create_proposal(request.request_id, ANA, NOW, NOW + timedelta(hours=48))
    if mentor_accepted:
        proposal = found(await repo.mentor_accept(proposal.proposal_id, NOW, NOW + timedelta(hours=48)))
    closed = await repo.close_proposal(proposal.proposal_id, status, NOW)
    assert closed is not None and closed.status == "pending"  # as it was when closed
    assert closed.awaiting_member is mentor_accepted
    assert await repo.accept(proposal.proposal_id, NOW) is None
    assert await repo.close_proposal(proposal.proposal_id, status, NOW) is None
    assert found(await repo.proposal(proposal.proposal_id)).status == status
    assert await repo.excluded_pairs() == {(ANA, MAYA)}
    assert (await repo.waiting_requests(without_proposal=True))[0].request_id == request.request_id


async def test_a_withdrawal_does_not_exclude_the_pair(repo: MentorRepository) -> None:
    request = await repo.create_request(MAYA, REQUEST, NOW)
    proposal = await repo.create_proposal(request.request_id, ANA, NOW, NOW + timedelta(hours=48))
    assert await repo.waiting_requests(without_proposal=True) == []
    await repo.close_proposal(proposal.proposal_id, WITHDRAWN, NOW)
    assert await repo.excluded_pairs() == set()


async def test_export_hides_the_other_side_and_erase_removes_everything(repo: MentorRepository) -> None:
    await repo.save_profile(ANA, PROFILE, NOW)
    request = await repo.create_request(MAYA, REQUEST, NOW)
    proposal = await repo.create_proposal(request.request_id, ANA, NOW, NOW + timedelta(hours=48))
    await repo.mentor_accept(proposal.proposal_id, NOW, NOW)
    match = found(await repo.accept(proposal.proposal_id, NOW))
    await repo.end_match(match.match_id, MAYA, "private reason", NOW)
    other = await repo.create_request(NOA, REQUEST, NOW)
    declined = await repo.create_proposal(other.request_id, ANA, NOW, NOW)
    await repo.close_proposal(declined.proposal_id, DECLINED, NOW)

    mentor_view = await repo.export(ANA)
    assert mentor_view["mentor_profile"]["intro"] == PROFILE.intro
    assert mentor_view["mentor_requests"] == []
    assert all("end_reason" not in m for m in mentor_view["mentor_matches"])  # Maya's reason is hers
    assert all("member_id" not in m and "mentor_id" not in m for m in mentor_view["mentor_matches"])
    assert all("member_id" not in p for p in mentor_view["mentor_proposals"])
    member_view = await repo.export(MAYA)
    assert member_view["mentor_matches"][0]["end_reason"] == "private reason"
    assert member_view["mentor_profile"] is None

    counts = await repo.erase(ANA)
    assert counts["profile"] == 1 and counts["matches"] == 1 and counts["declined"] == 1
    assert await repo.profile(ANA) is None
    assert await repo.excluded_pairs() == set()
    assert await repo.pending_proposals() == []
    assert (await repo.export(ANA))["mentor_proposals"] == []
    assert await repo.open_request(NOA) is not None  # other people's requests stay

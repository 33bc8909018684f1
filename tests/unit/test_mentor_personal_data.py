"""/mydata and /forget hooks for mentoring: export, erase, and who is told what.

The hooks run outside an update, so they are driven here on real services and a real context whose
bot records instead of sending, rather than through the emulator.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.domain.clock import FixedClock
from bot.runtime.context import KindredContext
from handlers import mentors as feature
from storage.db import Database
from storage.mentors import MentorRepository
from tests.conftest import NOW
from tests.unit.offline_services import Offline, RecordingBot, context_for, meet, offline
from tests.unit.test_mentor_storage import PROFILE, REQUEST

ANA, BEA, MAYA, NOA = 1, 2, 3, 4


@dataclass
class Rig:
    world: Offline
    bot: RecordingBot
    context: KindredContext


async def make_rig(db: Database, clock: FixedClock) -> Rig:
    world, bot = offline(db, clock), RecordingBot()
    await meet(world.svc, (ANA, "Ana"), (BEA, "Bea"), (MAYA, "Maya"), (NOA, "Noa"))
    return Rig(world, bot, context_for(world.svc, bot))


async def nothing() -> None:
    """A planned job's action that these tests never run."""


async def test_erasing_a_mentor_tells_the_mentee_and_moves_pending_requests_on(db, clock) -> None:
    rig = await make_rig(db, clock)
    context = rig.context
    repo = MentorRepository(db)
    await repo.save_profile(ANA, PROFILE, NOW)
    await repo.save_profile(BEA, PROFILE, NOW)
    matched = await repo.create_request(MAYA, REQUEST, NOW)
    first = await repo.create_proposal(matched.request_id, ANA, NOW, NOW + timedelta(hours=48))
    await repo.mentor_accept(first.proposal_id, NOW, NOW + timedelta(hours=48))
    await repo.accept(first.proposal_id, NOW)
    waiting = await repo.create_request(NOA, REQUEST, NOW)
    await repo.create_proposal(waiting.request_id, ANA, NOW, NOW + timedelta(hours=48))

    exported = await feature.export_personal_data(context, ANA)
    assert exported["mentor_profile"]["user_id"] == ANA and len(exported["mentor_matches"]) == 1

    erased = await feature.erase_personal_data(context, ANA)
    assert "your mentor profile" in erased and "your mentoring matches" in erased
    bot = rig.bot
    told = [text for chat, text in bot.sent if chat == MAYA]
    assert len(told) == 1 and "the other person has left mentoring" in told[0]
    assert "Ana" not in told[0]
    # Noa's request was waiting on Ana: it moves on to Bea, anonymously.
    proposals = await repo.pending_proposals()
    assert [(p.mentor_id, p.member_id) for p in proposals] == [(BEA, NOA)]
    assert any(chat == BEA and "A member is looking" in text and "Noa" not in text for chat, text in bot.sent)
    assert await feature.export_personal_data(context, ANA) == {
        "mentor_profile": None,
        "mentor_requests": [],
        "mentor_proposals": [],
        "mentor_matches": [],
        "declined_pairings": [],
    }


async def test_erasing_a_member_closes_the_mentors_open_question(db, clock) -> None:
    rig = await make_rig(db, clock)
    context = rig.context
    repo = MentorRepository(db)
    await repo.save_profile(ANA, PROFILE, NOW)
    request = await repo.create_request(MAYA, REQUEST, NOW)
    proposal = await repo.create_proposal(request.request_id, ANA, NOW, NOW + timedelta(hours=48))
    await repo.set_proposal_message(proposal.proposal_id, 7)
    rig.world.jobs.at("mentor-proposal:1", NOW, nothing)

    erased = await feature.erase_personal_data(context, MAYA)
    assert erased == ["your requests for a mentor"]
    assert rig.bot.edited == [(ANA, "The member withdrew this request. Thank you anyway.")]
    assert rig.world.jobs.planned() == {}
    assert await repo.pending_proposals() == [] and await repo.profile(ANA) is not None


async def test_erasing_a_mentor_the_member_was_deciding_about_tells_the_member_anonymously(db, clock) -> None:
    rig = await make_rig(db, clock)
    context = rig.context
    repo = MentorRepository(db)
    await repo.save_profile(ANA, PROFILE, NOW)
    await repo.save_profile(BEA, PROFILE, NOW)
    request = await repo.create_request(MAYA, REQUEST, NOW)
    proposal = await repo.create_proposal(request.request_id, ANA, NOW, NOW + timedelta(hours=48))
    await repo.mentor_accept(proposal.proposal_id, NOW, NOW + timedelta(hours=48))

    await feature.erase_personal_data(context, ANA)
    told = [text for chat, text in rig.bot.sent if chat == MAYA]
    assert told == ["That mentor is no longer available, so I am looking for someone else for you."]
    proposals = await repo.pending_proposals()  # and the request moved on to Bea
    assert [(p.mentor_id, p.member_id, p.awaiting_member) for p in proposals] == [(BEA, MAYA, False)]

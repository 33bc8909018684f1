"""/mydata and /forget hooks for mentoring: export, erase, and who is told what.

The hooks run outside an update, so they are driven here with a recording bot instead of the
emulator (no command calls them yet on this branch).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

from bot.runtime.services import Repositories
from handlers import mentors as feature
from storage.mentors import MentorRepository
from storage.people import PeopleRepository, Sighting
from tests.conftest import NOW
from tests.unit.test_mentor_storage import PROFILE, REQUEST

ANA, BEA, MAYA, NOA = 1, 2, 3, 4


@dataclass
class RecordingBot:
    sent: list[tuple[int, str]] = field(default_factory=list)
    edited: list[tuple[int, str]] = field(default_factory=list)

    async def send_message(self, chat_id: int, text: str, **_: Any) -> SimpleNamespace:
        self.sent.append((chat_id, text))
        return SimpleNamespace(message_id=len(self.sent))

    async def edit_message_text(self, text: str, chat_id: int, message_id: int, **_: Any) -> None:
        self.edited.append((chat_id, text))


@dataclass
class RecordingJobs:
    planned: dict[str, Any] = field(default_factory=dict)

    def at(self, name: str, when: Any, action: Any) -> None:
        self.planned[name] = when

    def cancel(self, name: str) -> None:
        self.planned.pop(name, None)


async def make_context(db, clock) -> SimpleNamespace:
    people = PeopleRepository(db)
    for user_id, name in ((ANA, "Ana"), (BEA, "Bea"), (MAYA, "Maya"), (NOA, "Noa")):
        await people.record(Sighting(user_id, name, None, "en", True), NOW)
    services = SimpleNamespace(
        db=db, repos=Repositories.on(db), people=people, clock=clock, jobs=RecordingJobs()
    )
    app = SimpleNamespace(bot=RecordingBot(), bot_data=SimpleNamespace(services=services))
    return SimpleNamespace(application=app, bot_data=app.bot_data)


async def test_erasing_a_mentor_tells_the_mentee_and_moves_pending_requests_on(db, clock) -> None:
    context = await make_context(db, clock)
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
    bot = context.application.bot
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
    context = await make_context(db, clock)
    repo = MentorRepository(db)
    await repo.save_profile(ANA, PROFILE, NOW)
    request = await repo.create_request(MAYA, REQUEST, NOW)
    proposal = await repo.create_proposal(request.request_id, ANA, NOW, NOW + timedelta(hours=48))
    await repo.set_proposal_message(proposal.proposal_id, 7)
    context.application.bot_data.services.jobs.planned["mentor-proposal:1"] = NOW

    erased = await feature.erase_personal_data(context, MAYA)
    assert erased == ["your requests for a mentor"]
    assert context.application.bot.edited == [(ANA, "The member withdrew this request. Thank you anyway.")]
    assert context.application.bot_data.services.jobs.planned == {}
    assert await repo.pending_proposals() == [] and await repo.profile(ANA) is not None


async def test_erasing_a_mentor_the_member_was_deciding_about_tells_the_member_anonymously(db, clock) -> None:
    context = await make_context(db, clock)
    repo = MentorRepository(db)
    await repo.save_profile(ANA, PROFILE, NOW)
    await repo.save_profile(BEA, PROFILE, NOW)
    request = await repo.create_request(MAYA, REQUEST, NOW)
    proposal = await repo.create_proposal(request.request_id, ANA, NOW, NOW + timedelta(hours=48))
    await repo.mentor_accept(proposal.proposal_id, NOW, NOW + timedelta(hours=48))

    await feature.erase_personal_data(context, ANA)
    told = [text for chat, text in context.application.bot.sent if chat == MAYA]
    assert told == ["That mentor is no longer available, so I am looking for someone else for you."]
    proposals = await repo.pending_proposals()  # and the request moved on to Bea
    assert [(p.mentor_id, p.member_id, p.awaiting_member) for p in proposals] == [(BEA, MAYA, False)]

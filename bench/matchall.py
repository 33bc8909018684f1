"""Benchmark coordinators' ``/matchall``: 2,000 waiting members against 500 mentors (capacity 1-4).

Target: under 2 s on the 2-core development machine.  Data is generated with a fixed seed, so runs
are comparable; every mentor starts empty, the worst case for the number of capacity columns.
Run with ``python -m bench.matchall``.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.domain.matching import Focus, GenderWish, MentorProfile, MentorRequest, PartOfDay, Slot, assign_all

SEED = 20261123
MEMBERS = 2_000
MENTORS = 500
NOW = datetime(2026, 3, 29, 12, 0, tzinfo=UTC)  # the day Europe switches to summer time
ZONES = (
    "Europe/Madrid",
    "Europe/London",
    "America/Mexico_City",
    "America/Bogota",
    "America/New_York",
    "America/Argentina/Buenos_Aires",
    "America/Los_Angeles",
    "Asia/Kolkata",
    "Australia/Adelaide",
    "UTC",
)
LANGUAGES = ("es", "en", "pt", "fr", "ca")
GENDERS = ("woman", "man", "nonbinary")


def _slots(rng: random.Random) -> frozenset[Slot]:
    return frozenset(Slot(rng.randrange(7), rng.choice(tuple(PartOfDay))) for _ in range(rng.randint(1, 10)))


def _languages(rng: random.Random) -> frozenset[str]:
    return frozenset(rng.sample(LANGUAGES, rng.choice((1, 1, 2))))


def _mentor(rng: random.Random, mentor_id: int) -> MentorProfile:
    return MentorProfile(
        mentor_id=mentor_id,
        focus=frozenset(rng.sample(tuple(Focus), rng.randint(1, 3))),
        months_in_recovery=rng.randint(3, 120),
        languages=_languages(rng),
        timezone=rng.choice(ZONES),
        availability=_slots(rng),
        capacity=rng.randint(1, 4),
        active=rng.random() > 0.1,
        gender=rng.choice((*GENDERS, None)),
    )


def _request(rng: random.Random, member_id: int) -> MentorRequest:
    wish = rng.choice((GenderWish.NONE, GenderWish.NONE, GenderWish.PREFER, GenderWish.REQUIRE))
    return MentorRequest(
        member_id=member_id,
        focus=frozenset(rng.sample(tuple(Focus), rng.randint(1, 2))),
        languages=_languages(rng),
        timezone=rng.choice(ZONES),
        availability=_slots(rng),
        requested_at=NOW - timedelta(minutes=rng.randint(0, 60 * 24 * 30)),
        language_required=rng.random() < 0.5,
        gender_wish=wish,
        gender=rng.choice(GENDERS) if wish is not GenderWish.NONE else None,
    )


def generate(seed: int = SEED) -> tuple[list[MentorRequest], list[MentorProfile], set[tuple[int, int]]]:
    """Members have ids 1..2000 and mentors 1001..1500, so some would be their own mentor."""
    rng = random.Random(seed)
    mentors = [_mentor(rng, 1_001 + i) for i in range(MENTORS)]
    requests = [_request(rng, 1 + i) for i in range(MEMBERS)]
    declined = {(rng.choice(mentors).mentor_id, rng.choice(requests).member_id) for _ in range(500)}
    return requests, mentors, declined


def run() -> dict[str, Any]:
    """Time one ``assign_all`` over the generated data (generation not timed)."""
    requests, mentors, declined = generate()
    started = time.perf_counter()
    assignment = assign_all(requests, mentors, declined, NOW)
    seconds = time.perf_counter() - started
    return {
        "name": "matchall",
        "members": len(requests),
        "mentors": len(mentors),
        "capacity_slots": sum(m.remaining_capacity for m in mentors if m.active),
        "matched": len(assignment.matches),
        "total_score": round(assignment.total_score, 3),
        "seconds": round(seconds, 3),
        "target_seconds": 2.0,
    }


if __name__ == "__main__":
    result = run()
    print(f"assign_all: {result['seconds']:.3f} s, matched {result['matched']} of {result['members']}")
    print(result)

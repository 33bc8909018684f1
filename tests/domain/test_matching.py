"""Matching: hard constraints, the score's ordering, tie-breaks, and optimality of assign_all."""

from __future__ import annotations

import itertools
import random
import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain import matching
from bot.domain.i18n import load_catalog
from bot.domain.matching import (
    ACTIVE,
    CAPACITY,
    GENDER,
    HARD_CONSTRAINTS,
    LANGUAGE,
    NOT_PAIRED,
    NOT_SELF,
    WEIGHTS,
    Focus,
    GenderWish,
    MentorProfile,
    MentorRequest,
    PartOfDay,
    Slot,
    assign_all,
    best_candidates,
    exclusion_reasons,
    score_breakdown,
)

WINTER = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
SUMMER = datetime(2026, 7, 15, 12, 0, tzinfo=UTC)
EVENINGS = frozenset(Slot(day, PartOfDay.EVENING) for day in range(5))


def mentor(mentor_id: int = 100, **changes: Any) -> MentorProfile:
    base = MentorProfile(
        mentor_id=mentor_id,
        focus=frozenset({Focus.ALCOHOL, Focus.MENTAL_HEALTH}),
        months_in_recovery=30,
        languages=frozenset({"es", "en"}),
        timezone="Europe/Madrid",
        availability=EVENINGS,
        capacity=2,
        gender="woman",
    )
    return replace(base, **changes)


def request(member_id: int = 1, **changes: Any) -> MentorRequest:
    base = MentorRequest(
        member_id=member_id,
        focus=frozenset({Focus.ALCOHOL}),
        languages=frozenset({"es"}),
        timezone="Europe/Madrid",
        availability=EVENINGS,
        requested_at=WINTER,
    )
    return replace(base, **changes)


def ids(candidates: list[matching.Candidate]) -> list[int]:
    return [c.mentor_id for c in candidates]


# -- hard constraints: one test each, through the predicate, the reasons, and both entry points --


def assert_only_excluded_by(
    constraint: matching.HardConstraint,
    req: MentorRequest,
    men: MentorProfile,
    pairs: frozenset[tuple[int, int]] | set[tuple[int, int]] = frozenset(),
    control: MentorProfile | None = None,
) -> None:
    """*men* breaks exactly *constraint*; *control* (allowed) shows the request itself is matchable."""
    control = control or mentor(999)
    assert not constraint.allows(req, men, pairs)
    assert exclusion_reasons(req, men, pairs) == (constraint,)
    assert ids(best_candidates(req, [men, control], pairs, WINTER)) == [control.mentor_id]
    assert assign_all([req], [men], pairs, WINTER).matches == ()
    assert len(assign_all([req], [men, control], pairs, WINTER).matches) == 1


def test_the_base_pair_is_allowed() -> None:
    assert exclusion_reasons(request(), mentor()) == ()
    assert ids(best_candidates(request(), [mentor()], set(), WINTER)) == [100]


def test_inactive_mentor_is_excluded() -> None:
    assert_only_excluded_by(ACTIVE, request(), mentor(active=False))


def test_full_mentor_is_excluded() -> None:
    assert_only_excluded_by(CAPACITY, request(), mentor(capacity=2, mentee_count=2))


def test_nobody_mentors_themselves() -> None:
    assert_only_excluded_by(NOT_SELF, request(member_id=100), mentor(100))


def test_current_or_declined_pairs_are_excluded() -> None:
    assert_only_excluded_by(NOT_PAIRED, request(1), mentor(100), {(100, 1), (101, 1), (100, 2)})


def test_excluded_pairs_are_mentor_then_member() -> None:
    assert NOT_PAIRED.allows(request(1), mentor(100), {(1, 100)})


def test_required_language_excludes_mentor_without_it() -> None:
    req = request(languages=frozenset({"pt"}), language_required=True)
    assert_only_excluded_by(LANGUAGE, req, mentor(), control=mentor(999, languages=frozenset({"pt"})))
    assert LANGUAGE.allows(replace(req, language_required=False), mentor())


def test_required_gender_excludes_other_genders() -> None:
    req = request(gender_wish=GenderWish.REQUIRE, gender="Man")
    control = mentor(999, gender="man")
    assert_only_excluded_by(GENDER, req, mentor(gender="woman"), control=control)
    assert_only_excluded_by(GENDER, req, mentor(gender=None), control=control)
    assert GENDER.allows(req, mentor(gender="man"))
    assert GENDER.allows(replace(req, gender_wish=GenderWish.PREFER), mentor(gender="woman"))


def test_every_constraint_is_reported_at_once() -> None:
    req = request(100, languages=frozenset({"pt"}), language_required=True)
    men = mentor(100, active=False, mentee_count=2)
    assert set(exclusion_reasons(req, men, {(100, 100)})) == {
        ACTIVE,
        CAPACITY,
        NOT_SELF,
        NOT_PAIRED,
        LANGUAGE,
    }


# -- the score --


def test_weights_make_a_score_in_zero_to_one() -> None:
    assert sum(WEIGHTS.values()) == pytest.approx(1.0)
    assert score_breakdown(request(), mentor(), WINTER)["total"] == pytest.approx(1.0)
    hopeless = score_breakdown(
        request(focus=frozenset({Focus.GAMBLING}), gender_wish=GenderWish.PREFER, gender="man"),
        mentor(
            months_in_recovery=0,
            languages=frozenset({"fr"}),
            availability=frozenset(),
            timezone="Pacific/Auckland",  # +13 in January, twelve hours from Madrid
        ),
        WINTER,
    )
    assert hopeless == dict.fromkeys([*WEIGHTS, "total"], 0.0)


MONDAY = frozenset({Slot(0, PartOfDay.EVENING)})


@pytest.mark.parametrize(
    ("what", "worse", "better"),
    [
        ("focus", {"focus": frozenset({Focus.GAMBLING})}, {"focus": frozenset({Focus.ALCOHOL})}),
        ("availability", {"availability": frozenset({Slot(0, PartOfDay.MORNING)})}, {"availability": MONDAY}),
        ("availability", {"availability": MONDAY}, {"availability": EVENINGS}),
        ("timezone", {"timezone": "America/Bogota"}, {"timezone": "Europe/London"}),
        ("recovery", {"months_in_recovery": 3}, {"months_in_recovery": 12}),
        ("recovery", {"months_in_recovery": 12}, {"months_in_recovery": 24}),
        ("language", {"languages": frozenset({"en"})}, {"languages": frozenset({"es"})}),
    ],
)
def test_a_better_fit_scores_higher(what: str, worse: dict, better: dict) -> None:
    low, high = mentor(101, **worse), mentor(102, **better)
    assert score_breakdown(request(), high, WINTER)[what] > score_breakdown(request(), low, WINTER)[what]
    assert ids(best_candidates(request(), [low, high], set(), WINTER)) == [102, 101]


def test_preferred_gender_scores_higher_but_does_not_exclude() -> None:
    req = request(gender_wish=GenderWish.PREFER, gender="man")
    ranked = best_candidates(req, [mentor(101, gender="woman"), mentor(102, gender="man")], set(), WINTER)
    assert ids(ranked) == [102, 101]
    assert "Matches your gender preference." in ranked[0].reasons
    assert "Matches your gender preference." not in ranked[1].reasons


def test_no_gender_wish_is_satisfied_by_anyone() -> None:
    assert score_breakdown(request(), mentor(gender=None), WINTER)["gender"] == 1.0


def test_recovery_is_capped() -> None:
    assert score_breakdown(request(), mentor(months_in_recovery=24), WINTER)["recovery"] == 1.0
    assert score_breakdown(request(), mentor(months_in_recovery=240), WINTER)["recovery"] == 1.0
    assert score_breakdown(request(), mentor(months_in_recovery=6), WINTER)["recovery"] == 0.25


def test_focus_is_coverage_of_the_members_needs() -> None:
    req = request(focus=frozenset({Focus.ALCOHOL, Focus.GAMBLING}))
    assert score_breakdown(req, mentor(focus=frozenset(Focus)), WINTER)["focus"] == 1.0
    assert score_breakdown(req, mentor(focus=frozenset({Focus.ALCOHOL})), WINTER)["focus"] == 0.5


def test_time_zone_distance_follows_daylight_saving() -> None:
    """Madrid is 1 h ahead of London all year, and 6 h ahead of Mexico City only in summer."""
    london = mentor(timezone="Europe/London")
    mexico = mentor(timezone="America/Mexico_City")  # no DST since 2022
    assert (
        score_breakdown(request(), london, WINTER)["timezone"]
        == score_breakdown(request(), london, SUMMER)["timezone"]
    )
    assert score_breakdown(request(), mexico, WINTER)["timezone"] == pytest.approx(1 - 7 / 12)
    assert score_breakdown(request(), mexico, SUMMER)["timezone"] == pytest.approx(1 - 8 / 12)


def test_time_zone_distance_goes_round_the_clock() -> None:
    """Kiritimati (+14) and Honolulu (-10) read the same clock, a day apart."""
    req = request(timezone="Pacific/Kiritimati")
    assert score_breakdown(req, mentor(timezone="Pacific/Honolulu"), WINTER)["timezone"] == 1.0


def test_availability_is_compared_in_utc() -> None:
    """Madrid 18-24 in winter is 17-23 UTC: five shared hours with a UTC mentor free 18-24."""
    men = mentor(timezone="UTC", availability=MONDAY)
    shared = score_breakdown(request(availability=MONDAY), men, WINTER)["availability"]
    assert shared == pytest.approx(5 / matching.AVAILABILITY_FULL_HOURS)


def test_availability_wraps_round_the_week_at_quarter_hours() -> None:
    """Kathmandu (+5:45) Monday 00-06 is Sunday 18:15 to Monday 00:15 UTC."""
    req = request(timezone="Asia/Kathmandu", availability=frozenset({Slot(0, PartOfDay.NIGHT)}))
    men = mentor(timezone="UTC", availability=frozenset({Slot(6, PartOfDay.EVENING)}))
    assert score_breakdown(req, men, WINTER)["availability"] == pytest.approx(
        5.75 / matching.AVAILABILITY_FULL_HOURS
    )


# -- single requests: ordering and ties --


def test_ties_go_to_the_lighter_load_then_the_lower_id() -> None:
    pool = [mentor(105, mentee_count=1), mentor(104), mentor(103, mentee_count=1), mentor(102)]
    expected = [102, 104, 103, 105]
    for seed in range(5):
        random.Random(seed).shuffle(pool)
        assert ids(best_candidates(request(), pool, set(), WINTER)) == expected


def test_limit_and_reasons() -> None:
    pool = [mentor(100 + i) for i in range(8)]
    ranked = best_candidates(request(), pool, set(), WINTER, limit=3)
    assert ids(ranked) == [100, 101, 102]
    assert "Speaks your language." in ranked[0].reasons
    assert best_candidates(request(), pool, set(), WINTER, limit=0) == []


# -- /matchall --


def test_assign_all_respects_capacity() -> None:
    requests = [request(i, requested_at=WINTER.replace(hour=i)) for i in range(1, 6)]
    result = assign_all(requests, [mentor(100, capacity=3, mentee_count=1)], set(), WINTER)
    assert [m.member_id for m in result.matches] == [1, 2]
    assert result.unmatched == (3, 4, 5)


def test_assign_all_matches_as_many_members_as_possible_first() -> None:
    """Member 1 fits mentor 100 perfectly, but only if 1 takes poor 101 can member 2 be matched at all.

    Pure total score would pick 1-100 alone (1.0 > 0.05 + 0.65); the documented objective matches both.
    """
    flexible = request(1)
    picky = request(2, focus=frozenset({Focus.GAMBLING}), language_required=True)
    great = mentor(100, capacity=1)
    poor = mentor(
        101,
        capacity=1,
        focus=frozenset({Focus.OTHER}),
        months_in_recovery=0,
        languages=frozenset({"fr"}),
        availability=frozenset(),
        timezone="Pacific/Auckland",
    )
    assert score_breakdown(flexible, great, WINTER)["total"] > (
        score_breakdown(flexible, poor, WINTER)["total"] + score_breakdown(picky, great, WINTER)["total"]
    )
    result = assign_all([flexible, picky], [great, poor], set(), WINTER)
    assert {(m.member_id, m.mentor_id) for m in result.matches} == {(1, 101), (2, 100)}


def test_assign_all_never_returns_a_padding_pair() -> None:
    """Three members, three capacity slots, but only two can be matched: the solver's square matrix
    forces the third onto a forbidden slot, which must be dropped, not returned."""
    spanish_only = [request(i, language_required=True) for i in (1, 2)]
    anyone = request(3, languages=frozenset({"en"}))
    mentors = [mentor(100, capacity=1), mentor(101, capacity=2, languages=frozenset({"en"}))]
    result = assign_all([*spanish_only, anyone], mentors, set(), WINTER)
    pairs = {(m.member_id, m.mentor_id) for m in result.matches}
    assert pairs in ({(1, 100), (3, 101)}, {(2, 100), (3, 101)})
    assert len(result.unmatched) == 1


def test_assign_all_rejects_duplicates_and_naive_time() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        assign_all([request(1), request(1)], [mentor()], set(), WINTER)
    with pytest.raises(ValueError, match="aware"):
        assign_all([request(1)], [mentor()], set(), WINTER.replace(tzinfo=None))


def test_assign_all_with_nobody_to_match() -> None:
    assert assign_all([], [mentor()], set(), WINTER).matches == ()
    assert assign_all([request(1)], [], set(), WINTER).unmatched == (1,)


def test_profiles_are_validated() -> None:
    with pytest.raises(ValueError, match="time zone"):
        mentor(timezone="Mars/Olympus_Mons")
    with pytest.raises(ValueError, match="capacity"):
        mentor(capacity=0)
    with pytest.raises(ValueError, match="gender"):
        request(gender_wish=GenderWish.REQUIRE)
    with pytest.raises(ValueError, match="weekday"):
        request(availability=frozenset({Slot(7, PartOfDay.NIGHT)}))


# -- properties: brute force on small random cases --

ZONES = ("UTC", "Europe/Madrid", "America/Mexico_City", "Asia/Kolkata", "Pacific/Kiritimati")
slot_sets = st.frozensets(st.builds(Slot, st.integers(0, 6), st.sampled_from(PartOfDay)), max_size=4)
focus_sets = st.frozensets(st.sampled_from(Focus), min_size=1, max_size=3)
language_sets = st.frozensets(st.sampled_from(["en", "es"]), min_size=1)
genders = st.sampled_from([None, "woman", "man"])


@st.composite
def mentor_profiles(draw: st.DrawFn, mentor_id: int) -> MentorProfile:
    capacity = draw(st.integers(1, 2))
    return MentorProfile(
        mentor_id=mentor_id,
        focus=draw(focus_sets),
        months_in_recovery=draw(st.integers(0, 36)),
        languages=draw(language_sets),
        timezone=draw(st.sampled_from(ZONES)),
        availability=draw(slot_sets),
        capacity=capacity,
        mentee_count=draw(st.integers(0, capacity)),
        active=draw(st.sampled_from([True, True, True, False])),
        gender=draw(genders),
    )


@st.composite
def mentor_requests(draw: st.DrawFn, member_id: int) -> MentorRequest:
    wish = draw(st.sampled_from(GenderWish))
    return MentorRequest(
        member_id=member_id,
        focus=draw(focus_sets),
        languages=draw(language_sets),
        timezone=draw(st.sampled_from(ZONES)),
        availability=draw(slot_sets),
        requested_at=WINTER.replace(minute=draw(st.integers(0, 59))),
        language_required=draw(st.booleans()),
        gender_wish=wish,
        gender=draw(st.sampled_from(["woman", "man"])) if wish is not GenderWish.NONE else None,
    )


@st.composite
def cases(draw: st.DrawFn) -> tuple[list[MentorRequest], list[MentorProfile], set[tuple[int, int]]]:
    """Ids overlap (1..7 on both sides) so members are sometimes asked to mentor themselves."""
    member_ids = draw(st.lists(st.integers(1, 7), unique=True, max_size=5))
    mentor_ids = draw(st.lists(st.integers(1, 7), unique=True, max_size=3))
    requests = [draw(mentor_requests(i)) for i in member_ids]
    mentors = [draw(mentor_profiles(i)) for i in mentor_ids]
    pairs = (
        draw(st.sets(st.tuples(st.sampled_from(mentor_ids), st.sampled_from(member_ids))))
        if (member_ids and mentor_ids)
        else set()
    )
    return requests, mentors, pairs


def brute_force(requests, mentors, pairs) -> tuple[int, float]:
    """The best (members matched, total score) over every way of giving each member 0 or 1 mentor."""
    options = [
        [None] + [j for j, m in enumerate(mentors) if not exclusion_reasons(r, m, pairs)] for r in requests
    ]
    best = (0, 0.0)
    for choice in itertools.product(*options):
        chosen = [j for j in choice if j is not None]
        if any(chosen.count(j) > mentors[j].remaining_capacity for j in set(chosen)):
            continue
        total = sum(
            score_breakdown(requests[i], mentors[j], WINTER)["total"]
            for i, j in enumerate(choice)
            if j is not None
        )
        best = max(best, (len(chosen), total))
    return best


@settings(max_examples=150, deadline=None)
@given(cases())
def test_assign_all_is_optimal_and_breaks_no_rule(case) -> None:
    requests, mentors, pairs = case
    result = assign_all(requests, mentors, pairs, WINTER)
    by_member = {r.member_id: r for r in requests}
    by_mentor = {m.mentor_id: m for m in mentors}
    for match in result.matches:
        assert exclusion_reasons(by_member[match.member_id], by_mentor[match.mentor_id], pairs) == ()
    load = [m.mentor_id for m in result.matches]
    assert all(load.count(i) <= by_mentor[i].remaining_capacity for i in set(load))
    members = [m.member_id for m in result.matches] + list(result.unmatched)
    assert sorted(members) == sorted(by_member)
    count, total = brute_force(requests, mentors, pairs)
    assert len(result.matches) == count
    assert result.total_score == pytest.approx(total, abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(cases())
def test_best_candidates_agree_with_the_pair_by_pair_view(case) -> None:
    """The batch code, row for row, gives what each pair gives alone (no mixed-up rows or columns)."""
    requests, mentors, pairs = case
    for req in requests:
        ranked = best_candidates(req, mentors, pairs, WINTER, limit=10)
        allowed = [m for m in mentors if not exclusion_reasons(req, m, pairs)]
        assert sorted(ids(ranked)) == sorted(m.mentor_id for m in allowed)
        for candidate in ranked:
            alone = score_breakdown(
                req, next(m for m in mentors if m.mentor_id == candidate.mentor_id), WINTER
            )
            assert candidate.score == alone["total"]
        assert [c.score for c in ranked] == sorted((c.score for c in ranked), reverse=True)


def test_every_marked_string_has_a_spanish_translation() -> None:
    source = Path(matching.__file__).read_text(encoding="utf-8")
    marked = re.findall(r'N_\(\s*"((?:[^"\\]|\\.)*)"\s*\)', source)
    catalog = load_catalog("es")
    assert len(marked) > 20
    missing = [text for text in marked if not ((message := catalog.get(text)) and message.string)]
    assert missing == []
    assert {c.reason for c in HARD_CONSTRAINTS} <= set(marked)

"""Peer-mentor matching: who may mentor whom, how well they fit, and the best overall assignment.

Pure domain code (no Telegram, no storage): handlers pass in profiles, requests and the set of
``(mentor_id, member_id)`` pairs that must never be proposed (current pairs and declined ones), and
an aware ``now``.  Consent is the handlers' job: a single request proposes the first candidate of
:func:`best_candidates`; a decline or a timeout adds the pair to the excluded set and moves on to
the next candidate.

Hard constraints
----------------
A mentor is never proposed to a member when any of these fails.  Each one is a named
:class:`HardConstraint` (``exclusion_reasons`` lists the failing ones) so tests and the UI can say
*why* a mentor was left out:

- ``ACTIVE``: the mentor is active (not paused or retired);
- ``CAPACITY``: the mentor has room, ``capacity - mentee_count > 0``;
- ``NOT_SELF``: the mentor is not the member asking;
- ``NOT_PAIRED``: the pair is neither a current pair nor one declined before;
- ``LANGUAGE``: they share a language, when the member made that a must (``language_required``);
- ``GENDER``: the mentor's gender is the one asked for, when the member made that a must.

Compatibility score
-------------------
``score = sum(weight * component)`` over the components below.  Each component lies in [0, 1] and
the weights (``WEIGHTS``, defined once below) sum to 1, so the score lies in [0, 1]; it is rounded
to 6 decimals so that equal fits tie exactly and the tie-break decides.

============  ======  ==========================================================================
component     weight  definition
============  ======  ==========================================================================
focus         0.35    share of the member's focus needs the mentor knows: ``|need & offer| /
                      |need|``.  Coverage rather than Jaccard, so a mentor experienced in more
                      areas than asked for is not marked down.
availability  0.25    shared hours per week, both weekly timetables converted to UTC with each
                      person's offset at ``now``; saturates at 12 h (two shared parts of day),
                      since more shared time than that does not make a better pair.
recovery      0.15    months in recovery / 24, capped at 1.  No cliff below a minimum: a mentor
                      at 3 months scores 3/24; who may mentor at all is an onboarding decision.
timezone      0.10    ``1 - d / 12`` where ``d`` is the hours between the two UTC offsets at
                      ``now`` (zoneinfo, so daylight saving counts), measured round the clock, so
                      ``d`` is at most 12.
language      0.10    1 when they share a language, whether or not the member required it.
gender        0.05    1 when the member has no gender wish or the mentor's gender is the one
                      wished ("prefer" or "require"), else 0.  Members without a wish are fully
                      satisfied, so a wish never makes one member outrank another in ``assign_all``.
============  ======  ==========================================================================

Parts of day are local times: night 00-06, morning 06-12, afternoon 12-18, evening 18-24.  The
offset at ``now`` is used for the whole week (a daylight-saving change during the week shifts
availability by an hour; negligible for matching).

Assignment objective (``/matchall``)
------------------------------------
:func:`assign_all` maximises, lexicographically, first the NUMBER of members matched and then the
TOTAL SCORE, subject to the hard constraints, at most one mentor per member and at most each
mentor's remaining capacity.  Count first because a member left without a mentor loses far more
than a better fit elsewhere gains; among assignments matching that many members it takes the
maximum total score.  Solved exactly with ``scipy.optimize.linear_sum_assignment`` on a matrix with
one column per remaining capacity slot, each feasible entry worth ``BONUS + score`` with ``BONUS``
larger than any possible total score, infeasible entries worth 0 and dropped from the result.
Waiting time is not part of the objective; members left over keep their place in the queue.
Between equally good assignments the solver decides, deterministically: inputs are put in a
canonical order first.  A single request's candidates tie-break on fewer current mentees, then the
lower mentor id.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache, cached_property
from types import MappingProxyType
from typing import NamedTuple, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import numpy.typing as npt

from bot.domain.i18n import N_

# -- weights: the one place the score is tuned (quoted in the module docstring and the README) --
WEIGHT_FOCUS = 0.35
WEIGHT_AVAILABILITY = 0.25
WEIGHT_RECOVERY = 0.15
WEIGHT_TIMEZONE = 0.10
WEIGHT_LANGUAGE = 0.10
WEIGHT_GENDER = 0.05
WEIGHTS: Mapping[str, float] = MappingProxyType(
    {
        "focus": WEIGHT_FOCUS,
        "availability": WEIGHT_AVAILABILITY,
        "recovery": WEIGHT_RECOVERY,
        "timezone": WEIGHT_TIMEZONE,
        "language": WEIGHT_LANGUAGE,
        "gender": WEIGHT_GENDER,
    }
)
AVAILABILITY_FULL_HOURS = 12.0
RECOVERY_CAP_MONTHS = 24
TIMEZONE_MAX_HOURS = 12.0
SCORE_DECIMALS = 6

ExcludedPairs = Collection[tuple[int, int]]
"""``(mentor_id, member_id)`` pairs never to propose: current pairs and declined ones."""


class Focus(enum.StrEnum):
    """What a member needs support with, and what a mentor has lived through."""

    ALCOHOL = "alcohol"
    OPIOIDS = "opioids"
    STIMULANTS = "stimulants"
    CANNABIS = "cannabis"
    GAMBLING = "gambling"
    MENTAL_HEALTH = "mental_health"
    OTHER = "other"

    @property
    def label(self) -> str:
        """English label, marked for translation; translate where rendered."""
        return _FOCUS_LABELS[self]


_FOCUS_LABELS = {
    Focus.ALCOHOL: N_("Alcohol"),
    Focus.OPIOIDS: N_("Opioids"),
    Focus.STIMULANTS: N_("Stimulants"),
    Focus.CANNABIS: N_("Cannabis"),
    Focus.GAMBLING: N_("Gambling"),
    Focus.MENTAL_HEALTH: N_("Mental health"),
    Focus.OTHER: N_("Other"),
}


class PartOfDay(enum.StrEnum):
    """A six-hour part of a local day; declared in clock order (the order the maths relies on)."""

    NIGHT = "night"
    MORNING = "morning"
    AFTERNOON = "afternoon"
    EVENING = "evening"

    @property
    def label(self) -> str:
        """English label with its hours, marked for translation."""
        return _PART_LABELS[self]


_PART_LABELS = {
    PartOfDay.NIGHT: N_("Night (00–06)"),
    PartOfDay.MORNING: N_("Morning (06–12)"),
    PartOfDay.AFTERNOON: N_("Afternoon (12–18)"),
    PartOfDay.EVENING: N_("Evening (18–24)"),
}


class GenderWish(enum.StrEnum):
    """How much the member cares about the mentor's gender."""

    NONE = "none"
    PREFER = "prefer"
    REQUIRE = "require"


class Slot(NamedTuple):
    """A weekly free time in the person's own time zone: weekday 0 (Monday) to 6, part of day."""

    weekday: int
    part: PartOfDay


def _check_zone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"unknown time zone {name!r}") from error


def _normalise_common(obj: object, languages: Iterable[str], slots: Iterable[Slot], zone: str) -> None:
    """Shared validation for both sides: store frozensets, lower-case language codes, check slots."""
    langs = frozenset(code.strip().lower() for code in languages)
    if not langs or "" in langs:
        raise ValueError("at least one language code is needed")
    checked = frozenset(Slot(int(day), PartOfDay(part)) for day, part in slots)
    if any(not 0 <= slot.weekday <= 6 for slot in checked):
        raise ValueError("weekday must be 0 (Monday) to 6 (Sunday)")
    _check_zone(zone)
    object.__setattr__(obj, "languages", langs)
    object.__setattr__(obj, "availability", checked)


def _normalise_gender(gender: str | None) -> str | None:
    if gender is None:
        return None
    return gender.strip().casefold() or None


@dataclass(frozen=True)
class MentorProfile:
    """A mentor as matching sees them.  ``gender`` is free text compared case-insensitively.

    ``preferences`` is the mentor's own note for coordinators (e.g. "evenings only by text"); it is
    shown, not scored.
    """

    mentor_id: int
    focus: frozenset[Focus]
    months_in_recovery: int
    languages: frozenset[str]
    timezone: str
    availability: frozenset[Slot]
    capacity: int
    mentee_count: int = 0
    active: bool = True
    gender: str | None = None
    preferences: str = ""
    intro: str = ""

    def __post_init__(self) -> None:
        _normalise_common(self, self.languages, self.availability, self.timezone)
        object.__setattr__(self, "focus", frozenset(Focus(f) for f in self.focus))
        object.__setattr__(self, "gender", _normalise_gender(self.gender))
        if self.capacity < 1:
            raise ValueError("capacity must be at least 1")
        if self.mentee_count < 0 or self.months_in_recovery < 0:
            raise ValueError("mentee_count and months_in_recovery cannot be negative")

    @property
    def remaining_capacity(self) -> int:
        return max(self.capacity - self.mentee_count, 0)


@dataclass(frozen=True)
class MentorRequest:
    """A member's request for a mentor; ``gender`` is the mentor gender wished for, if any."""

    member_id: int
    focus: frozenset[Focus]
    languages: frozenset[str]
    timezone: str
    availability: frozenset[Slot]
    requested_at: datetime
    language_required: bool = False
    gender_wish: GenderWish = GenderWish.NONE
    gender: str | None = None

    def __post_init__(self) -> None:
        _normalise_common(self, self.languages, self.availability, self.timezone)
        object.__setattr__(self, "focus", frozenset(Focus(f) for f in self.focus))
        object.__setattr__(self, "gender_wish", GenderWish(self.gender_wish))
        object.__setattr__(self, "gender", _normalise_gender(self.gender))
        if not self.focus:
            raise ValueError("a request needs at least one focus area")
        if self.gender_wish is not GenderWish.NONE and self.gender is None:
            raise ValueError("a gender wish needs the gender wished for")


# -- the vectorised core: every constraint and the score are defined once, over whole batches --

_PARTS = tuple(PartOfDay)
_BIN_MINUTES = 15  # every current UTC offset is a multiple of 15 minutes
_BINS_PER_PART = 6 * 60 // _BIN_MINUTES
_WEEK_SLOTS = 7 * len(_PARTS)
_WEEK_BINS = _WEEK_SLOTS * _BINS_PER_PART
_FOCUS_INDEX = {focus: i for i, focus in enumerate(Focus)}
_SLOT_INDEX = {Slot(day, part): day * len(_PARTS) + i for day in range(7) for i, part in enumerate(_PARTS)}


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _offset_minutes(zones: Sequence[str], now: datetime) -> np.ndarray:
    """Each zone's UTC offset at *now*, in minutes (one zoneinfo lookup per distinct zone)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    offsets: dict[str, int] = {}
    for name in set(zones):
        delta = now.astimezone(_zone(name)).utcoffset()
        offsets[name] = int(delta.total_seconds() // 60) if delta is not None else 0
    return np.array([offsets[name] for name in zones], dtype=np.int64)


_Item = TypeVar("_Item", bound=Hashable)


def _multi_hot(groups: Sequence[Iterable[_Item]], index: Mapping[_Item, int]) -> npt.NDArray[np.float32]:
    """One row per group, a 1 in the column of each member: set algebra becomes matrix products."""
    matrix = np.zeros((len(groups), max(len(index), 1)), dtype=np.float32)
    rows = [row for row, group in enumerate(groups) for _ in group]
    cols = [index[item] for group in groups for item in group]
    matrix[rows, cols] = 1.0
    return matrix


def _utc_week(slot_sets: Sequence[frozenset[Slot]], offsets: np.ndarray) -> np.ndarray:
    """Weekly availability as quarter-hours of a UTC week (rows x 672), from local slots.

    UTC quarter ``u`` is local quarter ``u + offset``: shift each row by its own offset, wrapping
    round the week.
    """
    local = np.repeat(_multi_hot(slot_sets, _SLOT_INDEX), _BINS_PER_PART, axis=1)
    shift = offsets // _BIN_MINUTES
    columns = (np.arange(_WEEK_BINS)[None, :] + shift[:, None]) % _WEEK_BINS
    return np.take_along_axis(local, columns, axis=1)


@dataclass(frozen=True)
class _Batch:
    """Requests (rows) against mentors (columns), encoded once as arrays."""

    requests: tuple[MentorRequest, ...]
    mentors: tuple[MentorProfile, ...]
    excluded_pairs: ExcludedPairs = field(default_factory=frozenset)

    @cached_property
    def shared_language(self) -> np.ndarray:
        people: tuple[MentorRequest | MentorProfile, ...] = (*self.requests, *self.mentors)
        codes = {code for p in people for code in p.languages}
        index = {code: i for i, code in enumerate(sorted(codes))}
        left = _multi_hot([r.languages for r in self.requests], index)
        right = _multi_hot([m.languages for m in self.mentors], index)
        return (left @ right.T) > 0

    @cached_property
    def remaining(self) -> np.ndarray:
        return np.array([m.remaining_capacity for m in self.mentors], dtype=np.int64)

    def feasible(self) -> np.ndarray:
        """Boolean rows x columns: True where every hard constraint allows the pair."""
        mask = np.ones((len(self.requests), len(self.mentors)), dtype=bool)
        for constraint in HARD_CONSTRAINTS:
            mask &= constraint.mask(self)
        return mask

    def components(self, now: datetime) -> dict[str, np.ndarray]:
        """Each score component as a rows x columns matrix in [0, 1]."""
        req_offsets = _offset_minutes([r.timezone for r in self.requests], now)
        men_offsets = _offset_minutes([m.timezone for m in self.mentors], now)
        needs = _multi_hot([r.focus for r in self.requests], _FOCUS_INDEX)
        offers = _multi_hot([m.focus for m in self.mentors], _FOCUS_INDEX)
        covered = (needs @ offers.T) / needs.sum(axis=1, keepdims=True)
        shared_quarters = _utc_week([r.availability for r in self.requests], req_offsets) @ (
            _utc_week([m.availability for m in self.mentors], men_offsets).T
        )
        shared_hours = shared_quarters.astype(np.float64) * _BIN_MINUTES / 60
        apart = np.abs(req_offsets[:, None] - men_offsets[None, :]) / 60 % 24
        apart = np.minimum(apart, 24 - apart)
        months = np.array([m.months_in_recovery for m in self.mentors], dtype=np.float64)
        return {
            "focus": covered.astype(np.float64),
            "availability": np.minimum(shared_hours / AVAILABILITY_FULL_HOURS, 1.0),
            "recovery": np.broadcast_to(np.minimum(months / RECOVERY_CAP_MONTHS, 1.0), apart.shape),
            "timezone": np.clip(1.0 - apart / TIMEZONE_MAX_HOURS, 0.0, 1.0),
            "language": self.shared_language.astype(np.float64),
            "gender": _gender_matches(self, any_when_no_wish=True).astype(np.float64),
        }


def _weighted(parts: Mapping[str, np.ndarray]) -> np.ndarray:
    """The compatibility score from its components: THE definition, used everywhere."""
    total = sum(WEIGHTS[name] * parts[name] for name in WEIGHTS)
    return np.round(np.clip(total, 0.0, 1.0), SCORE_DECIMALS)


def _gender_matches(batch: _Batch, *, any_when_no_wish: bool) -> np.ndarray:
    """True where the mentor's gender is the one wished (or, optionally, where there is no wish)."""
    people: tuple[MentorRequest | MentorProfile, ...] = (*batch.requests, *batch.mentors)
    names = {p.gender for p in people if p.gender is not None}
    code: dict[str | None, int] = {name: i for i, name in enumerate(sorted(names))}
    wished = np.array([code.get(r.gender, -1) for r in batch.requests], dtype=np.int64)
    actual = np.array([code.get(m.gender, -2) for m in batch.mentors], dtype=np.int64)
    matches: npt.NDArray[np.bool_] = wished[:, None] == actual[None, :]
    if any_when_no_wish:
        no_wish = np.array([r.gender_wish is GenderWish.NONE for r in batch.requests], dtype=bool)
        matches |= no_wish[:, None]
    return matches


# -- hard constraints --


@dataclass(frozen=True)
class HardConstraint:
    """A rule no proposal may break; ``reason`` is the English text shown when it excludes a mentor."""

    name: str
    reason: str
    mask: Callable[[_Batch], np.ndarray] = field(repr=False)

    def allows(
        self, request: MentorRequest, mentor: MentorProfile, excluded_pairs: ExcludedPairs = ()
    ) -> bool:
        """Whether this rule lets *mentor* be proposed to *request*'s member."""
        batch = _Batch((request,), (mentor,), excluded_pairs)
        return bool(np.broadcast_to(self.mask(batch), (1, 1))[0, 0])


def _row_flags(batch: _Batch, flag: Callable[[MentorRequest], bool]) -> np.ndarray:
    return np.array([flag(r) for r in batch.requests], dtype=bool)[:, None]


def _column_flags(batch: _Batch, flag: Callable[[MentorProfile], bool]) -> np.ndarray:
    return np.array([flag(m) for m in batch.mentors], dtype=bool)[None, :]


def _not_paired(batch: _Batch) -> np.ndarray:
    mask = np.ones((len(batch.requests), len(batch.mentors)), dtype=bool)
    rows = {r.member_id: i for i, r in enumerate(batch.requests)}
    cols = {m.mentor_id: j for j, m in enumerate(batch.mentors)}
    for mentor_id, member_id in batch.excluded_pairs:
        if member_id in rows and mentor_id in cols:
            mask[rows[member_id], cols[mentor_id]] = False
    return mask


def _not_self(batch: _Batch) -> np.ndarray:
    members = np.array([r.member_id for r in batch.requests], dtype=np.int64)
    mentors = np.array([m.mentor_id for m in batch.mentors], dtype=np.int64)
    different: npt.NDArray[np.bool_] = members[:, None] != mentors[None, :]
    return different


ACTIVE = HardConstraint(
    "active", N_("The mentor is paused or retired."), lambda b: _column_flags(b, lambda m: m.active)
)
CAPACITY = HardConstraint(
    "capacity",
    N_("The mentor has no room for another mentee."),
    lambda b: _column_flags(b, lambda m: m.remaining_capacity > 0),
)
NOT_SELF = HardConstraint("not_self", N_("Nobody can be their own mentor."), _not_self)
NOT_PAIRED = HardConstraint(
    "not_paired", N_("They are already paired, or this pairing was declined before."), _not_paired
)
LANGUAGE = HardConstraint(
    "language",
    N_("They share no language, and the member needs one in common."),
    lambda b: ~_row_flags(b, lambda r: r.language_required) | b.shared_language,
)
GENDER = HardConstraint(
    "gender",
    N_("The mentor's gender is not the one the member asked for."),
    lambda b: (
        ~_row_flags(b, lambda r: r.gender_wish is GenderWish.REQUIRE)
        | _gender_matches(b, any_when_no_wish=False)
    ),
)
HARD_CONSTRAINTS: tuple[HardConstraint, ...] = (ACTIVE, CAPACITY, NOT_SELF, NOT_PAIRED, LANGUAGE, GENDER)


def exclusion_reasons(
    request: MentorRequest, mentor: MentorProfile, excluded_pairs: ExcludedPairs = ()
) -> tuple[HardConstraint, ...]:
    """Every hard constraint that keeps *mentor* from being proposed (empty: allowed)."""
    return tuple(c for c in HARD_CONSTRAINTS if not c.allows(request, mentor, excluded_pairs))


# -- single requests --


@dataclass(frozen=True)
class Candidate:
    """A mentor worth proposing; ``reasons`` are English texts marked for translation."""

    mentor_id: int
    score: float
    reasons: tuple[str, ...]


def _reasons(components: Mapping[str, float], wished_gender: bool) -> tuple[str, ...]:
    """Plain-language strengths of a pair, strongest factors first, for the proposal message."""
    found: list[str] = []
    if components["focus"] >= 1.0:
        found.append(N_("Knows every area you asked for help with."))
    elif components["focus"] > 0.0:
        found.append(N_("Knows some of the areas you asked for help with."))
    if components["availability"] >= 0.5:
        found.append(N_("Often free when you are."))
    elif components["availability"] > 0.0:
        found.append(N_("Sometimes free when you are."))
    if components["recovery"] >= 1.0:
        found.append(N_("Two years or more in recovery."))
    if components["timezone"] >= 0.75:
        found.append(N_("Lives in a similar time zone."))
    if components["language"] >= 1.0:
        found.append(N_("Speaks your language."))
    if wished_gender and components["gender"] >= 1.0:
        found.append(N_("Matches your gender preference."))
    return tuple(found)


def best_candidates(
    request: MentorRequest,
    mentors: Sequence[MentorProfile],
    excluded_pairs: ExcludedPairs,
    now: datetime,
    limit: int = 5,
) -> list[Candidate]:
    """The best allowed mentors for one request, best first.

    Ties (equal scores) go to the mentor with fewer current mentees, then the lower id, so the
    order never depends on the order of *mentors*.
    """
    _require_unique((m.mentor_id for m in mentors), "mentor")
    batch = _Batch((request,), tuple(mentors), excluded_pairs)
    if not batch.mentors or limit <= 0:
        return []
    allowed = np.flatnonzero(batch.feasible()[0])
    parts = batch.components(now)
    scores = _weighted(parts)[0]
    ranked = sorted(
        allowed.tolist(),
        key=lambda j: (-scores[j], batch.mentors[j].mentee_count, batch.mentors[j].mentor_id),
    )
    wished = request.gender_wish is not GenderWish.NONE
    return [
        Candidate(
            mentor_id=batch.mentors[j].mentor_id,
            score=float(scores[j]),
            reasons=_reasons({name: float(parts[name][0, j]) for name in WEIGHTS}, wished),
        )
        for j in ranked[:limit]
    ]


def score_breakdown(request: MentorRequest, mentor: MentorProfile, now: datetime) -> dict[str, float]:
    """Each component and the ``total`` for one pair (same code as the batch), for coordinators."""
    batch = _Batch((request,), (mentor,))
    parts = batch.components(now)
    return {**{name: float(m[0, 0]) for name, m in parts.items()}, "total": float(_weighted(parts)[0, 0])}


# -- coordinators' /matchall --


@dataclass(frozen=True)
class Match:
    member_id: int
    mentor_id: int
    score: float


@dataclass(frozen=True)
class Assignment:
    """The chosen pairs, and the members left waiting (oldest request first)."""

    matches: tuple[Match, ...]
    unmatched: tuple[int, ...]

    @property
    def total_score(self) -> float:
        return sum(match.score for match in self.matches)


def _require_unique(ids: Iterable[int], what: str) -> None:
    seen = list(ids)
    if len(seen) != len(set(seen)):
        raise ValueError(f"duplicate {what} ids")


def assign_all(
    requests: Sequence[MentorRequest],
    mentors: Sequence[MentorProfile],
    excluded_pairs: ExcludedPairs,
    now: datetime,
) -> Assignment:
    """An optimal assignment (most members matched, then highest total score; see module docstring).

    Inputs are put in a canonical order first (requests by ``requested_at`` then id, mentors by id)
    so the result does not depend on the order they were passed in.
    """
    queue = tuple(sorted(requests, key=lambda r: (r.requested_at, r.member_id)))
    pool = tuple(sorted(mentors, key=lambda m: m.mentor_id))
    _require_unique((r.member_id for r in queue), "member")
    _require_unique((m.mentor_id for m in pool), "mentor")
    batch = _Batch(queue, pool, excluded_pairs)
    feasible = batch.feasible() if queue and pool else np.zeros((len(queue), len(pool)), dtype=bool)
    rows = np.flatnonzero(feasible.any(axis=1))
    slot_mentor = np.repeat(np.arange(len(pool)), np.where(feasible.any(axis=0), batch.remaining, 0))
    if rows.size == 0 or slot_mentor.size == 0:
        return Assignment((), tuple(r.member_id for r in queue))
    scores = _weighted(batch.components(now))
    bonus = min(rows.size, slot_mentor.size) + 1.0  # one more match beats any total score
    value = np.where(feasible, scores + bonus, 0.0)[rows][:, slot_mentor]
    # Imported here: scipy.optimize takes longer to import than the rest of the bot together, and
    # only coordinators' /matchall needs it (bench/startup.py measures start-up).
    from scipy.optimize import linear_sum_assignment  # noqa: PLC0415

    chosen_rows, chosen_slots = linear_sum_assignment(value, maximize=True)
    matches = []
    for r, s in zip(rows[chosen_rows], slot_mentor[chosen_slots], strict=True):
        if feasible[r, s]:  # a zero entry only pads the rectangle: nobody is matched there
            matches.append(Match(queue[r].member_id, pool[s].mentor_id, float(scores[r, s])))
    matched = {m.member_id for m in matches}
    return Assignment(
        tuple(sorted(matches, key=lambda m: m.member_id)),
        tuple(r.member_id for r in queue if r.member_id not in matched),
    )

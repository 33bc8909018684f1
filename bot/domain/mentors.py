"""Peer mentoring around the matcher: what people type, how long a proposal waits, and statistics.

Pure domain code (no Telegram, no SQL).  :mod:`bot.domain.matching` decides who fits whom; this module
parses the typed steps of ``/mentor`` and ``/findmentor``, turns stored records into the
matcher's :class:`~bot.domain.matching.MentorProfile` / :class:`~bot.domain.matching.MentorRequest`, and sums
up time-to-match for coordinators.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from bot.domain.i18n import N_, supported_languages, translator
from bot.domain.matching import Focus, GenderWish, MentorProfile, MentorRequest, Slot

PROPOSAL_TTL = timedelta(hours=48)
"""A mentor has this long to answer before the request moves on to the next candidate.  The
member's own time to answer, once a mentor has accepted, is the ``MEMBER_CONSENT_HOURS`` setting."""
INTRO_MAX = 300
PREFERENCES_MAX = 200
REASON_MAX = 500
RELAY_MAX = 1000
GENDER_MAX = 30
CAPACITY_CHOICES = (1, 2, 3, 4)
MAX_MONTHS = 12 * 80
COMMON_LANGUAGES = ("en", "es", "pt", "fr", "de", "it")

_CODE = re.compile(r"^[a-z]{2,3}$")
_DATE = re.compile(r"^(\d{4})-(\d{1,2})(?:-(\d{1,2}))?$")
_MONTHS = re.compile(r"^(\d{1,4})$")


def months_between(start: date, end: date) -> int:
    """Whole months from *start* to *end* (0 when *end* is earlier)."""
    months = (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day)
    return max(months, 0)


def months_ago(months: int, today: date) -> date:
    """The first of the month *months* before *today*'s month, as a stored recovery start."""
    index = today.year * 12 + today.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def parse_recovery_start(text: str, today: date) -> date | None:
    """Time in recovery typed as months ("18") or a start date ("2024-03-01", "2024-03").

    Returns the start date, or None when the text is neither, or lies in the future.
    """
    cleaned = text.strip()
    if match := _MONTHS.match(cleaned):
        months = int(match.group(1))
        return months_ago(months, today) if months <= MAX_MONTHS else None
    if match := _DATE.match(cleaned):
        year, month, day = int(match.group(1)), int(match.group(2)), int(match.group(3) or 1)
        try:
            start = date(year, month, day)
        except ValueError:
            return None
        if start > today or months_between(start, today) > MAX_MONTHS:
            return None
        return start
    return None


def parse_language_codes(text: str) -> frozenset[str] | None:
    """Typed language codes ("es, pt ca"): two or three letters each, or None if any is not."""
    codes = [code.lower() for code in re.split(r"[\s,;]+", text.strip()) if code]
    if not codes or len(codes) > 10 or not all(_CODE.match(code) for code in codes):
        return None
    return frozenset(codes)


GENDERS = {"woman": N_("Woman"), "man": N_("Man"), "nonbinary": N_("Non-binary")}
"""Genders offered as buttons; anything else may be typed and is compared case-insensitively."""


def gender_code(typed: str) -> str:
    """A typed "Mujer" or "woman" is the same as pressing that button, in any language we speak."""
    lowered = typed.casefold()
    for code, label in GENDERS.items():
        names = {translator(language)._(label).casefold() for language in supported_languages()}
        if lowered in names | {code}:
            return code
    return lowered


def clean_text(text: str, limit: int) -> str | None:
    """A short free text (intro, reason, gender): trimmed, or None when empty or over *limit*."""
    cleaned = " ".join(text.split()) if "\n" not in text else text.strip()
    if not cleaned or len(cleaned) > limit:
        return None
    return cleaned


@dataclass(frozen=True)
class ProfileFields:
    """What a mentor confirmed in /mentor."""

    focus: frozenset[Focus]
    recovery_since: date
    languages: frozenset[str]
    timezone: str
    availability: frozenset[Slot]
    capacity: int
    gender: str | None
    preferences: str
    intro: str


@dataclass(frozen=True)
class MentorSummary:
    """A mentor as the member sees them before both have accepted: areas, languages, experience.

    Anonymous by construction: no id, name, username, intro (free text may name them), gender or
    time zone, so a renderer given only this cannot identify the mentor.
    """

    focus: frozenset[Focus]
    languages: frozenset[str]
    months_in_recovery: int


@dataclass(frozen=True)
class MentorRecord(ProfileFields):
    """A stored mentor profile; ``status`` is active, paused or retired."""

    user_id: int
    status: str

    @property
    def active(self) -> bool:
        return self.status == "active"

    def summary(self, now: datetime) -> MentorSummary:
        """What the member sees before accepting this mentor: nothing that names them."""
        return MentorSummary(
            focus=self.focus,
            languages=self.languages,
            months_in_recovery=months_between(self.recovery_since, now.date()),
        )

    def to_profile(self, mentee_count: int, now: datetime) -> MentorProfile:
        """The matcher's view; *mentee_count* counts active matches and pending proposals."""
        return MentorProfile(
            mentor_id=self.user_id,
            focus=self.focus,
            months_in_recovery=months_between(self.recovery_since, now.date()),
            languages=self.languages,
            timezone=self.timezone,
            availability=self.availability,
            capacity=self.capacity,
            mentee_count=mentee_count,
            active=self.active,
            gender=self.gender,
            preferences=self.preferences,
            intro=self.intro,
        )


@dataclass(frozen=True)
class RequestFields:
    """What a member confirmed in /findmentor."""

    focus: frozenset[Focus]
    languages: frozenset[str]
    language_required: bool
    timezone: str
    availability: frozenset[Slot]
    gender_wish: GenderWish
    gender: str | None


@dataclass(frozen=True)
class RequestRecord(RequestFields):
    """A stored request; ``status`` is waiting, matched or withdrawn."""

    request_id: int
    member_id: int
    status: str
    requested_at: datetime

    def to_request(self) -> MentorRequest:
        return MentorRequest(
            member_id=self.member_id,
            focus=self.focus,
            languages=self.languages,
            timezone=self.timezone,
            availability=self.availability,
            requested_at=self.requested_at,
            language_required=self.language_required,
            gender_wish=self.gender_wish,
            gender=self.gender,
        )


@dataclass(frozen=True)
class TimeToMatch:
    """How long members waited for the matches started in a period."""

    count: int
    median: timedelta | None
    longest: timedelta | None


def time_to_match(waits: Iterable[timedelta]) -> TimeToMatch:
    ordered = sorted(waits)
    if not ordered:
        return TimeToMatch(0, None, None)
    median = timedelta(seconds=statistics.median(w.total_seconds() for w in ordered))
    return TimeToMatch(len(ordered), median, ordered[-1])


@dataclass
class Draft:
    """A profile or request being filled in (not saved until confirmed).

    Lives in ``context.user_data`` only for the length of the conversation; ``kind`` is
    ``"mentor"`` or ``"request"``.  ``step`` names the question being asked.
    """

    kind: str
    step: str = "focus"
    focus: set[Focus] = field(default_factory=set)
    recovery_since: date | None = None
    languages: set[str] = field(default_factory=set)
    language_required: bool = False
    timezone: str | None = None
    zone_choices: list[str] = field(default_factory=list)
    availability: set[Slot] = field(default_factory=set)
    capacity: int | None = None
    gender: str | None = None
    gender_wish: GenderWish = GenderWish.NONE
    preferences: str = ""
    intro: str = ""

    @property
    def steps(self) -> tuple[str, ...]:
        if self.kind == "mentor":
            return MENTOR_STEPS
        return REQUEST_STEPS

    def advance(self) -> str:
        """Move to the next question (skipping the gender question when there is no wish)."""
        order = self.steps
        position = order.index(self.step) + 1
        self.step = order[min(position, len(order) - 1)]
        if self.step == "gender" and self.kind == "request" and self.gender_wish is GenderWish.NONE:
            return self.advance()
        return self.step

    @classmethod
    def from_mentor(cls, record: MentorRecord) -> Draft:
        """Editing starts from what is stored; every answer can be kept with "Done"."""
        return cls(
            kind="mentor",
            focus=set(record.focus),
            recovery_since=record.recovery_since,
            languages=set(record.languages),
            timezone=record.timezone,
            availability=set(record.availability),
            capacity=record.capacity,
            gender=record.gender,
            preferences=record.preferences,
            intro=record.intro,
        )


MENTOR_STEPS = (
    "focus",
    "recovery",
    "languages",
    "timezone",
    "availability",
    "capacity",
    "gender",
    "preferences",
    "intro",
    "confirm",
)
REQUEST_STEPS = (
    "focus",
    "languages",
    "language_required",
    "timezone",
    "availability",
    "gender_wish",
    "gender",
    "confirm",
)

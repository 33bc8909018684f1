"""Every feature of Kindred, in the order python-telegram-bot tries their handlers.

Within a handler group python-telegram-bot runs only the first handler that matches, so order
matters where handlers overlap: the generic ``/start`` and the "I did not understand" catch-alls
(:mod:`handlers.start`) come last.  Adding a feature means writing its module in ``handlers/``,
ending it with ``FEATURE = Feature(...)`` (:mod:`bot.runtime.feature`) and adding it here.
"""

from __future__ import annotations

from bot.runtime.feature import Feature
from handlers import (
    attendance,
    broadcasts,
    care,
    checkins,
    crisis,
    crisis_alerts,
    family,
    feed,
    groups,
    meetings,
    mentors,
    milestones,
    plan,
    preferences,
    privacy,
    registration,
    resources,
    start,
    supporters,
)

FEATURES: tuple[Feature, ...] = (
    attendance.FEATURE,
    broadcasts.FEATURE,
    care.FEATURE,
    checkins.FEATURE,
    crisis.FEATURE,
    crisis_alerts.FEATURE,
    feed.FEATURE,
    groups.FEATURE,
    meetings.FEATURE,
    mentors.FEATURE,
    milestones.FEATURE,
    plan.FEATURE,
    preferences.FEATURE,
    privacy.FEATURE,
    registration.FEATURE,
    resources.FEATURE,
    supporters.FEATURE,
    family.FEATURE,  # its /start s<token> invitation link before the generic /start
    start.FEATURE,  # last: the generic /start and the catch-alls
)

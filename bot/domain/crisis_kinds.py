"""What crisis screening can say about a message: safe to log, since it never carries the text."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class CrisisCategory(StrEnum):
    """What kind of help the reply should point to, most severe first."""

    OVERDOSE = "overdose"
    SUICIDAL = "suicidal"
    ACUTE_DANGER = "acute_danger"
    SELF_HARM = "self_harm"
    RELAPSE_DISTRESS = "relapse_distress"


class Urgency(StrEnum):
    """How sure screening is: a clear crisis gets the crisis reply at once; a possible one is
    asked "are you safe right now?" (with the crisis lines in the same message)."""

    CLEAR = "clear"
    POSSIBLE = "possible"


@dataclass(frozen=True)
class CrisisSignal:
    """A detection. ``rule`` names what fired (a rule's name, or ``model``)."""

    category: CrisisCategory
    rule: str
    urgency: Urgency = Urgency.CLEAR


# The kinds of danger the labelled sets use, after the structure of standard suicide-risk
# screening (wish to be dead, thoughts, method, intent, plan, preparation) plus overdose
# recognition, self-harm, violence and withdrawal; each maps onto the help the reply leads with.
DANGER_KINDS: dict[str, CrisisCategory] = {
    "passive_death_wish": CrisisCategory.SUICIDAL,
    "active_suicidal": CrisisCategory.SUICIDAL,
    "plan_method_means": CrisisCategory.SUICIDAL,
    "preparing_goodbye": CrisisCategory.SUICIDAL,
    "hopeless_risk": CrisisCategory.SUICIDAL,
    "cant_stay_safe": CrisisCategory.SUICIDAL,
    "self_harm": CrisisCategory.SELF_HARM,
    "overdose_self": CrisisCategory.OVERDOSE,
    "overdose_other": CrisisCategory.OVERDOSE,
    "mixing_substances": CrisisCategory.OVERDOSE,
    "withdrawal_emergency": CrisisCategory.OVERDOSE,
    "harm_to_others": CrisisCategory.ACUTE_DANGER,
    "danger_from_others": CrisisCategory.ACUTE_DANGER,
}
# The hard negatives: messages that share words or themes with a crisis but are not one.
SAFE_KINDS = (
    "past_story",
    "negation",
    "relapse_over_safe",
    "idiom",
    "third_person_past_or_general",
    "hard_day_coping",
    "logistics",
    "media_fiction",
    "helping_others_safe",
    "gratitude_progress",
    "dark_humour",
)


def help_for(kind: str) -> CrisisCategory:
    """The reply category for a labelled kind: a fine danger kind, or one of our own categories."""
    return DANGER_KINDS.get(kind) or CrisisCategory(kind)

"""The labelled crisis sets: the project's own phrases and the blind batches, with their roles.

A blind batch is written by someone who never saw the detector or its data, and is scored once on
arrival (``tests/data/crisis_blind/README.md`` keeps those first scores). Its role decides what it
may do afterwards: *training* batches feed :mod:`bot.domain.crisis_train`; *frozen* batches are only ever
measured, so their figures say how the detector does on words it has never seen.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from bot.domain.crisis_kinds import CrisisCategory, help_for

DATA = Path(__file__).resolve().parent.parent.parent / "tests" / "data"
OWN_SET = DATA / "crisis_phrases.tsv"
BLIND = DATA / "crisis_blind"


class Role(StrEnum):
    OWN = "own"  # written with the rules; trains the model too
    TRAINING = "training"  # blind, scored once on arrival, then trains the model
    FROZEN = "frozen"  # blind, never trains anything: the honest measure


# Every labelled set, in the order the figures are printed.
SETS: dict[str, Role] = {
    "crisis_phrases": Role.OWN,
    "batch_en_a": Role.TRAINING,
    "batch_es_a": Role.TRAINING,
    "batch_mixed_b": Role.TRAINING,
    "batch_personas_c": Role.TRAINING,
    "batch_everyday_d": Role.TRAINING,
    "batch_lengths_e": Role.TRAINING,
    "batch_contexts_f": Role.TRAINING,
    "everyday_g": Role.TRAINING,
    "batch_border_i": Role.TRAINING,
    "test_frozen_1": Role.FROZEN,
    "everyday_h": Role.FROZEN,
    "test_frozen_2": Role.FROZEN,
    "test_frozen_3": Role.FROZEN,
    "test_frozen_4": Role.TRAINING,  # scored once on arrival (README), then joined training
    "test_frozen_5": Role.FROZEN,
    "test_frozen_6": Role.FROZEN,
    "test_frozen_7": Role.FROZEN,
}


@dataclass(frozen=True)
class Example:
    """One labelled message. ``kind`` is a danger kind, a hard-negative kind, or (own set) a
    reply category; ``crisis`` is the label."""

    crisis: bool
    kind: str
    language: str
    text: str

    @property
    def category(self) -> CrisisCategory | None:
        """The help a crisis should lead with; None for a safe message."""
        return help_for(self.kind) if self.crisis else None


def path_of(name: str) -> Path:
    return OWN_SET if SETS[name] is Role.OWN else BLIND / f"{name}.tsv"


def load(name: str) -> list[Example]:
    """Read one set (``label  kind  language  text``; the own set has a header line)."""
    with path_of(name).open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    if rows and rows[0][0] == "label":
        rows = rows[1:]
    examples = []
    for number, row in enumerate(rows, start=1):
        if len(row) != 4 or row[0] not in {"crisis", "safe"}:
            raise ValueError(f"{path_of(name).name}, line {number}: expected label, kind, language, text")
        examples.append(Example(row[0] == "crisis", row[1], row[2], row[3]))
    return examples


def names_with(*roles: Role) -> list[str]:
    return [name for name, role in SETS.items() if role in roles]

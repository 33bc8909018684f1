"""Precision and recall of :mod:`bot.crisis` on the labelled phrase set.

Run ``python -m bot.crisis_eval`` (the README quotes its figures); ``tests/domain/test_crisis.py``
asserts the thresholds with the same functions.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from bot.crisis import CrisisCategory, detect

PHRASES_FILE = Path(__file__).resolve().parent.parent / "tests" / "data" / "crisis_phrases.tsv"


@dataclass(frozen=True)
class Phrase:
    """One labelled phrase: ``category`` is None for a safe phrase."""

    category: CrisisCategory | None
    language: str
    text: str


@dataclass(frozen=True)
class Report:
    """Confusion counts over the phrase set; category mistakes still count as detections."""

    positives: int
    negatives: int
    true_positives: int
    false_positives: int
    category_matches: int
    misses: tuple[Phrase, ...]
    false_alarms: tuple[Phrase, ...]

    @property
    def recall(self) -> float:
        return self.true_positives / self.positives if self.positives else 1.0

    @property
    def precision(self) -> float:
        flagged = self.true_positives + self.false_positives
        return self.true_positives / flagged if flagged else 1.0


def load_phrases(path: Path = PHRASES_FILE) -> list[Phrase]:
    """Read the TSV (``label  category  language  phrase``)."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    phrases = []
    for row in rows:
        if row["label"] not in {"crisis", "safe"}:
            raise ValueError(f"bad label {row['label']!r} in {path}")
        category = CrisisCategory(row["category"]) if row["label"] == "crisis" else None
        phrases.append(Phrase(category, row["language"], row["phrase"]))
    return phrases


def evaluate(phrases: list[Phrase]) -> Report:
    """Run the detector over *phrases* and count hits, misses and false alarms."""
    misses, false_alarms = [], []
    true_positives = category_matches = 0
    for phrase in phrases:
        signal = detect(phrase.text)
        if phrase.category is None:
            if signal is not None:
                false_alarms.append(phrase)
        elif signal is None:
            misses.append(phrase)
        else:
            true_positives += 1
            category_matches += signal.category is phrase.category
    positives = sum(p.category is not None for p in phrases)
    return Report(
        positives=positives,
        negatives=len(phrases) - positives,
        true_positives=true_positives,
        false_positives=len(false_alarms),
        category_matches=category_matches,
        misses=tuple(misses),
        false_alarms=tuple(false_alarms),
    )


def crisis_report(path: Path = PHRASES_FILE) -> str:
    """A short plain-text summary (for developers; not user-facing, so not translated)."""
    report = evaluate(load_phrases(path))
    lines = [
        f"phrases: {report.positives} crisis, {report.negatives} safe",
        f"recall:    {report.recall:.3f} ({report.true_positives}/{report.positives})",
        f"precision: {report.precision:.3f} "
        f"({report.true_positives}/{report.true_positives + report.false_positives})",
        f"category agreement on detections: {report.category_matches}/{report.true_positives}",
    ]
    lines += [f"  missed:      [{p.language}] {p.text}" for p in report.misses]
    lines += [f"  false alarm: [{p.language}] {p.text}" for p in report.false_alarms]
    return "\n".join(lines)


if __name__ == "__main__":
    print(crisis_report())

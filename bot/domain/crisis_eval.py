"""Recall and precision of crisis screening on every labelled set, each set on its own.

Run ``python -m bot.domain.crisis_eval`` (add ``--misses`` to list what was missed or flagged wrongly;
that prints message text, so it is for developers at a terminal, never for logs).  The own set was
written with the rules, and the training batches taught the model: only the frozen blind batches
say how screening does on words it has never seen, and the README reports those.

A message counts as flagged at either urgency: a possible crisis gets the crisis lines too.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bot.domain.crisis import CrisisSignal, detect, semantic_ready, start_semantic_layer
from bot.domain.crisis_corpus import SETS, Example, load


@dataclass
class Tally:
    hits: int = 0
    total: int = 0

    @property
    def rate(self) -> float:
        return self.hits / self.total if self.total else 1.0

    def __str__(self) -> str:
        return f"{self.hits}/{self.total}"


def _pair() -> list[Tally]:
    """Crises caught, and safe messages flagged."""
    return [Tally(), Tally()]


@dataclass
class Report:
    """Confusion counts over one set, overall, per language and per kind."""

    name: str
    true_positives: int = 0
    false_positives: int = 0
    positives: int = 0
    negatives: int = 0
    clear: int = 0  # flagged crises answered at once (the rest were asked "are you safe?")
    by_language: dict[str, list[Tally]] = field(default_factory=lambda: defaultdict(_pair))
    by_kind: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    misses: list[Example] = field(default_factory=list)
    false_alarms: list[Example] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.true_positives / self.positives if self.positives else 1.0

    @property
    def precision(self) -> float:
        flagged = self.true_positives + self.false_positives
        return self.true_positives / flagged if flagged else 1.0

    def language_figures(self, language: str) -> tuple[float, float]:
        """(recall, precision) for one language."""
        caught, alarms = self.by_language[language]
        flagged = caught.hits + alarms.hits
        return caught.rate, caught.hits / flagged if flagged else 1.0

    def add(self, example: Example, signal: CrisisSignal | None) -> None:
        flagged = signal is not None
        caught, alarms = self.by_language[example.language]
        (caught if example.crisis else alarms).hits += flagged
        (caught if example.crisis else alarms).total += 1
        self.by_kind[example.kind].hits += flagged == example.crisis  # right, either way
        self.by_kind[example.kind].total += 1
        if example.crisis:
            self.positives += 1
            self.true_positives += flagged
            self.clear += flagged and signal.urgency == "clear"  # type: ignore[union-attr]
            if not flagged:
                self.misses.append(example)
        else:
            self.negatives += 1
            self.false_positives += flagged
            if flagged:
                self.false_alarms.append(example)


def evaluate(name: str, screen: Callable[[str], CrisisSignal | None] = detect) -> Report:
    report = Report(name)
    for example in load(name):
        report.add(example, screen(example.text))
    return report


def render(report: Report, *, misses: bool = False) -> str:
    """Plain text for developers (not user-facing, so not translated)."""
    lines = [
        f"{report.name} ({SETS[report.name]}): {report.positives} crisis, {report.negatives} safe",
        f"  recall {report.recall:.3f}, precision {report.precision:.3f}; "
        f"{report.clear} of {report.true_positives} caught answered at once, the rest asked",
    ]
    for language in sorted(report.by_language):
        recall, precision = report.language_figures(language)
        lines.append(f"  {language}: recall {recall:.3f}, precision {precision:.3f}")
    kinds = ", ".join(f"{kind} {tally}" for kind, tally in sorted(report.by_kind.items()))
    lines.append(f"  right by kind: {kinds}")
    if misses:
        lines += [f"  missed:      [{e.kind}/{e.language}] {e.text}" for e in report.misses]
        lines += [f"  false alarm: [{e.kind}/{e.language}] {e.text}" for e in report.false_alarms]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Crisis screening figures on every labelled set")
    parser.add_argument("--misses", action="store_true", help="list misses and false alarms (prints text)")
    parser.add_argument("sets", nargs="*", default=list(SETS), help="which sets (default: all)")
    args = parser.parse_args(argv)
    start_semantic_layer()
    if not semantic_ready(timeout=60):
        print("(the sentence encoder did not load: figures are for the fast head)")
    for name in args.sets:
        print(render(evaluate(name), misses=args.misses))


if __name__ == "__main__":
    main()

"""How long crisis screening takes per message (run: ``python -m bench.bench_crisis``).

Every private message is screened, so this should stay in the tens of microseconds for
ordinary messages.  Not a test: timings depend on the machine.
"""

from __future__ import annotations

import timeit

from bot.crisis import detect
from bot.crisis_eval import load_phrases

SAMPLES = {
    "short safe": "see you at the meeting tonight, thanks for everything!",
    "short crisis": "Recaí y no puedo más, ayúdenme por favor",
    "400 chars": "Today was long and the meeting ran late, but I stayed. " * 7,
    "4096 chars (Telegram's limit)": ("cravings are bad today but I'm holding on " * 100)[:4096],
}


def run() -> dict[str, object]:
    """Microseconds per message for each sample and, on average, over the labelled phrase set."""
    micros: dict[str, float] = {}
    for name, text in SAMPLES.items():
        runs = 2_000 if len(text) < 1_000 else 200
        micros[name] = timeit.timeit(lambda text=text: detect(text), number=runs) / runs * 1e6
    phrases = [p.text for p in load_phrases()]
    seconds = timeit.timeit(lambda: [detect(t) for t in phrases], number=20) / 20 / len(phrases)
    micros["phrase set, mean per phrase"] = seconds * 1e6
    return {"name": "crisis", "microseconds": {name: round(value, 1) for name, value in micros.items()}}


def main() -> None:
    for name, value in run()["microseconds"].items():  # type: ignore[union-attr]
        print(f"{name:32} {value:9.1f} µs")


if __name__ == "__main__":
    main()

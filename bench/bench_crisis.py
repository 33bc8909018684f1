"""Crisis screening: time per message, start-up and memory (run: ``python -m bench.bench_crisis``).

Every private message and check-in note is screened before anything else, so screening must stay
fast: the target is p99 under 5 ms for a 400-character message with the full semantic layer,
start-up under 2 s (the encoder loads in the background), and under 300 MB resident.  Each
figure is measured in a fresh process, so imports and memory are the screener's own.  Not a test:
timings depend on the machine.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

SAMPLES = {
    "short safe": "see you at the meeting tonight, thanks for everything!",
    "short crisis": "Recaí y no puedo más, ayúdenme por favor",
    "400 chars": (
        "Today was long and the meeting ran late, but I stayed and talked to my sponsor after. "
        "Work is stressful and my sister keeps calling about the holidays. Cravings came back around "
        "five but I went for a walk and made tea. I don't know, everything feels heavy lately and "
        "I'm not sleeping much, but I'm still here and I'll try the Thursday group. Thanks for "
        "listening, it helps to write it down somewhere."
    ),
    "4096 chars (Telegram's limit)": ("Cravings are bad today but I'm holding on. " * 100)[:4096],
}
# The screener keeps what it computed for the latest tokens and words (bot/domain/crisis_encoder.py,
# bot/domain/crisis_features.py), so a message in words it has read before costs less than one in words it
# has not: the "unseen" figure clears them before each run.
COLD = ", tokens unseen"
RUNS = {
    "short safe": 2000,
    "short crisis": 2000,
    "400 chars": 2000,
    "400 chars" + COLD: 500,
    "4096 chars (Telegram's limit)": 100,
}

# Real long messages: every line of 350-450 characters in the labelled sets (crises and hard
# negatives, English and Spanish), each screened once, so no message is read twice.  A long message
# that clearly reads safe costs one encoding; one that may hide danger is read sentence by sentence.
VARIED = "350-450 chars, each message once"
BLIND = Path(__file__).resolve().parent.parent / "tests" / "data" / "crisis_blind"


def varied_messages() -> list[str]:
    texts = []
    for batch in sorted(BLIND.glob("*.tsv")):
        for line in batch.read_text(encoding="utf-8").splitlines():
            text = line.split("\t")[-1]
            if 350 <= len(text) <= 450:
                texts.append(text)
    return texts


_CHILD = r"""
import json, resource, sys, time
COLD = sys.argv[3]
started = time.perf_counter()
from bot.domain import crisis, crisis_features
crisis.start_semantic_layer(encoder=False)
crisis.detect("warm up")
rules_and_fast = time.perf_counter() - started
crisis.start_semantic_layer(encoder=True)
crisis.semantic_ready(timeout=120)
encoder = time.perf_counter() - started
samples = json.loads(sys.argv[1])
runs = json.loads(sys.argv[2])
timings = {}
for name in runs:
    cold = name.endswith(COLD)
    text = samples[name.removesuffix(COLD)]
    crisis.detect(text)
    spent = []
    for _ in range(runs[name]):
        if cold:  # nothing kept: every token and word of the message is new to the screener
            crisis._ENCODER._model._token_rows.forget()
            crisis_features._word_columns.cache_clear()
            crisis_features._word_column.cache_clear()
        t = time.perf_counter_ns()
        crisis.detect(text)
        spent.append((time.perf_counter_ns() - t) / 1e6)
    timings[name] = spent
spent = []
for text in json.loads(sys.stdin.read()):
    t = time.perf_counter_ns()
    crisis.detect(text)
    spent.append((time.perf_counter_ns() - t) / 1e6)
timings[sys.argv[4]] = spent
rss = int(open("/proc/self/status").read().split("VmRSS:")[1].split()[0]) / 1024
print(json.dumps({"ready": rules_and_fast, "encoder": encoder, "timings": timings, "rss_mb": rss}))
"""


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run() -> dict[str, Any]:
    """Milliseconds per message (p50, p99) for each sample, start-up seconds, resident memory."""
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            _CHILD,
            json.dumps(SAMPLES),
            json.dumps(RUNS),
            COLD,
            VARIED,
        ],
        input=json.dumps(varied_messages()),  # too long for one argument
        check=True,
        capture_output=True,
        text=True,
    )
    raw = json.loads(out.stdout.strip().splitlines()[-1])
    per_message = {
        name: {
            "p50_ms": round(statistics.median(spent), 3),
            "p99_ms": round(_percentile(spent, 0.99), 3),
        }
        for name, spent in raw["timings"].items()
    }
    return {
        "name": "crisis",
        "milliseconds": per_message,
        "first_answer_s": round(raw["ready"], 2),
        "encoder_ready_s": round(raw["encoder"], 2),
        "rss_mb": round(raw["rss_mb"], 1),
    }


def main() -> None:
    result = run()
    for name, figures in result["milliseconds"].items():
        print(f"{name:32} p50 {figures['p50_ms']:7.3f} ms   p99 {figures['p99_ms']:7.3f} ms")
    print(f"first answer (rules + n-gram model) after {result['first_answer_s']} s")
    print(f"encoder ready after {result['encoder_ready_s']} s; resident memory {result['rss_mb']} MB")


if __name__ == "__main__":
    main()

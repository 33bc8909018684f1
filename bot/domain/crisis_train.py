"""Train the semantic layer: ``python -m bot.domain.crisis_train`` writes the shipped model
(``bot/domain/data/crisis_model.npz``).

Only sets whose role is *own* or *training* (:mod:`bot.domain.crisis_corpus`) are read; a frozen blind
batch never is.  Each head learns every labelled kind (danger kinds and hard negatives alike).
Thresholds come from leave-one-set-out cross-validation, so they are chosen on messages the head
being scored did not learn from:

They are chosen on the blind batches only: the own set was written together with the rules and
says little about words nobody has seen.

- ``possible`` is the highest threshold that still catches ``TARGET_RECALL`` of the held-out
  crises: at or above it the member is at least asked whether they are safe;
- ``clear`` is the lowest threshold at which ``CLEAR_PRECISION`` of what it flags held out was a
  crisis: at or above it the crisis reply comes at once.

The rules keep a floor under the model only where they earned it: a rule that fired at least
``FLOOR_MIN_HITS`` times on the blind training batches and was never wrong there fires whatever the
model says; the others answer alone only while no model is loaded.

Training is deterministic (lbfgs, fixed data order), so the same data gives the same file.
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression

from bot.domain.crisis_corpus import SETS, Example, Role, load, names_with
from bot.domain.crisis_model import (
    EMBEDDING_SIZE,
    MODEL_FILE,
    Encoder,
    Head,
    SemanticModel,
    Thresholds,
    crisis_reading,
    ngram_counts,
    passages,
    reads_safe,
    weigh,
)
from bot.domain.crisis_rules import match_rules

TARGET_RECALL = 0.98
CLEAR_PRECISION = 0.97
FLOOR_MIN_HITS = 3
C = 10.0
# The embedding's share of the full head: both parts are unit-length vectors.
EMBEDDING_SCALE = 1.0
MIN_DOCUMENTS = 2  # an n-gram seen in one message only is noise, not evidence


@dataclass(frozen=True)
class TrainingData:
    examples: list[Example]
    sets: np.ndarray  # the set each example came from, for cross-validation
    kinds: np.ndarray
    counts: sparse.csr_matrix
    embeddings: np.ndarray

    @property
    def labels(self) -> np.ndarray:
        return np.array([e.crisis for e in self.examples])


def gather(names: Sequence[str], encoder: Encoder) -> TrainingData:
    examples, sets = [], []
    for name in names:
        batch = load(name)
        examples += batch
        sets += [name] * len(batch)
    texts = [e.text for e in examples]
    embeddings = np.vstack([encoder.embed(texts[i : i + 64]) for i in range(0, len(texts), 64)])
    kinds = np.array([e.kind if e.kind != "-" else "safe" for e in examples])
    return TrainingData(examples, np.array(sets), kinds, ngram_counts(texts), embeddings)


def idf_of(counts: sparse.csr_matrix) -> np.ndarray:
    """Smoothed inverse document frequency (as scikit-learn's TfidfTransformer computes it), zero
    for n-grams in fewer than ``MIN_DOCUMENTS`` messages so they carry no weight."""
    documents = np.bincount(counts.indices, minlength=counts.shape[1])
    idf = np.log((1 + counts.shape[0]) / (1 + documents)) + 1.0
    idf[documents < MIN_DOCUMENTS] = 0.0
    return idf


def fit_head(data: TrainingData, rows: np.ndarray, idf: np.ndarray, *, full: bool) -> Head:
    """Fit on the n-grams that carry weight only, then place the weights back in hashed space."""
    active = np.flatnonzero(idf)
    x = weigh(data.counts[rows], idf)[:, active]
    if full:
        x = sparse.hstack([x, sparse.csr_matrix(data.embeddings[rows] * EMBEDDING_SCALE)], format="csr")
    model = LogisticRegression(C=C, max_iter=5000, class_weight="balanced").fit(x, data.kinds[rows])
    coef = model.coef_
    weights = sparse.lil_matrix((coef.shape[0], idf.shape[0]))  # all zero; lil takes column writes
    weights[:, active] = coef[:, : len(active)]
    embedding = coef[:, len(active) :] * EMBEDDING_SCALE if full else None
    if embedding is not None and embedding.shape[1] != EMBEDDING_SIZE:
        raise ValueError("the full head's embedding part has the wrong size")
    return Head.from_sparse(
        tuple(str(k) for k in model.classes_), weights, embedding, model.intercept_.copy()
    )


def crisis_probabilities(
    head: Head, data: TrainingData, rows: np.ndarray, idf: np.ndarray, encoder: Encoder
) -> np.ndarray:
    """As the live screen reads each message: whole, and a long one sentence by sentence too."""
    full = head.embedding_weights is not None
    kinds = head.probabilities(weigh(data.counts[rows], idf), data.embeddings[rows] if full else None)
    out = np.array([crisis_reading(head.kinds, row, "").probability for row in kinds])
    for position, row in enumerate(rows):
        parts = passages(data.examples[row].text)[1:]
        if parts and not reads_safe(head.kinds, kinds[position]):  # as SemanticModel.score reads
            readings = head.probabilities(
                weigh(ngram_counts(parts), idf), encoder.embed(parts) if full else None
            )
            out[position] = max(
                out[position], *(crisis_reading(head.kinds, r, "").probability for r in readings)
            )
    return out


def held_out_probabilities(data: TrainingData, encoder: Encoder) -> dict[str, np.ndarray]:
    """Each set's probabilities from heads trained on every other set."""
    out = {"fast": np.zeros(len(data.examples)), "full": np.zeros(len(data.examples))}
    for name in dict.fromkeys(data.sets):
        train, test = np.flatnonzero(data.sets != name), np.flatnonzero(data.sets == name)
        idf = idf_of(data.counts[train])
        for head, probabilities in out.items():
            fitted = fit_head(data, train, idf, full=head == "full")
            probabilities[test] = crisis_probabilities(fitted, data, test, idf, encoder)
    return out


def choose_thresholds(probs: np.ndarray, labels: np.ndarray) -> Thresholds:
    positives = np.sort(probs[labels])
    possible = float(positives[int(np.floor((1 - TARGET_RECALL) * len(positives)))])
    clear = 0.99
    for candidate in np.linspace(possible, 0.99, 400):
        flagged = probs >= candidate
        if flagged.any() and labels[flagged].mean() >= CLEAR_PRECISION:
            clear = float(candidate)
            break
    return Thresholds(possible=round(possible, 4), clear=round(max(clear, possible), 4))


def floor_rules(data: TrainingData) -> frozenset[str]:
    """Rules that fired ``FLOOR_MIN_HITS`` times or more on the blind batches, always rightly."""
    right: Counter[str] = Counter()
    fired: Counter[str] = Counter()
    for example, name in zip(data.examples, data.sets, strict=True):
        signal = match_rules(example.text)
        if signal is None or name == "crisis_phrases":  # the rules were written from the own set
            continue
        fired[signal.rule] += 1
        right[signal.rule] += example.crisis
    return frozenset(
        rule for rule, count in fired.items() if count >= FLOOR_MIN_HITS and right[rule] == count
    )


Trained = tuple[SemanticModel, dict[str, np.ndarray], "TrainingData"]


def train(names: Sequence[str], encoder: Encoder) -> Trained:
    data = gather(names, encoder)
    held_out = held_out_probabilities(data, encoder)
    blind = data.sets != names[0] if SETS[names[0]] is Role.OWN else np.ones(len(data.sets), dtype=bool)
    thresholds = {
        head: choose_thresholds(probs[blind], data.labels[blind]) for head, probs in held_out.items()
    }
    everything = np.arange(len(data.examples))
    idf = idf_of(data.counts)
    heads = {head: fit_head(data, everything, idf, full=head == "full") for head in ("fast", "full")}
    model = SemanticModel(idf, heads, thresholds, floor_rules(data), tuple(names))
    return model, held_out, data


def _summary(held_out: dict[str, np.ndarray], data: TrainingData, model: SemanticModel) -> None:
    labels = data.labels
    for head, probs in held_out.items():
        limits = model.thresholds[head]
        print(f"{head} head: possible >= {limits.possible}, clear >= {limits.clear} (held out, by set)")
        for name in dict.fromkeys(data.sets):
            rows = data.sets == name
            flagged = probs[rows] >= limits.possible
            hits = int((flagged & labels[rows]).sum())
            recall = hits / max(1, int(labels[rows].sum()))
            precision = hits / max(1, int(flagged.sum()))
            alarms = int((flagged & ~labels[rows]).sum())
            safe = int((~labels[rows]).sum())
            print(f"  {name:18} recall {recall:.2f}  precision {precision:.2f}  false alarms {alarms}/{safe}")
    print(f"rules kept as a floor: {', '.join(sorted(model.floor_rules)) or 'none'}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", default=str(MODEL_FILE))
    args = parser.parse_args(argv)
    encoder = Encoder()
    if not encoder.wait(timeout=120):
        raise SystemExit("the sentence encoder did not load")
    model, held_out, data = train(names_with(Role.OWN, Role.TRAINING), encoder)
    _summary(held_out, data, model)
    model.save(args.output)
    print(f"wrote {args.output} (trained on {', '.join(model.trained_on)})")


if __name__ == "__main__":
    main()

"""Train the semantic layer: ``python -m bot.crisis_train`` writes ``bot/data/crisis_model.npz``.

Only sets whose role is *own* or *training* (:mod:`bot.crisis_corpus`) are read; a frozen blind
batch never is.  Thresholds come from leave-one-set-out cross-validation, so they are chosen on
messages the head being scored did not learn from:

- ``possible`` is the highest threshold that still catches ``TARGET_RECALL`` of the crises held
  out: below it nothing is said, at or above it the member is at least asked if they are safe;
- ``clear`` is the lowest threshold at which ``CLEAR_PRECISION`` of what it flags held out was a
  crisis: at or above it the crisis reply comes at once.

Training is deterministic (lbfgs, fixed data order), so the same data gives the same file.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression

from bot.crisis_corpus import Example, Role, load, names_with
from bot.crisis_model import (
    CATEGORIES,
    EMBEDDING_SIZE,
    MODEL_FILE,
    N_GRAM_FEATURES,
    Encoder,
    Head,
    SemanticModel,
    Thresholds,
    ngram_counts,
    weigh,
)

TARGET_RECALL = 0.97
CLEAR_PRECISION = 0.95
CRISIS_C = 10.0
CATEGORY_C = 10.0
# The embedding's share of the full head: both parts are unit-length, this weighs meaning over form.
EMBEDDING_SCALE = 1.5


@dataclass(frozen=True)
class TrainingData:
    examples: list[Example]
    sets: list[str]  # the set each example came from, for cross-validation
    counts: sparse.csr_matrix
    embeddings: np.ndarray


def gather(names: Sequence[str], encoder: Encoder) -> TrainingData:
    examples, sets = [], []
    for name in names:
        batch = load(name)
        examples += batch
        sets += [name] * len(batch)
    texts = [e.text for e in examples]
    embeddings = np.vstack([encoder.embed(texts[i : i + 64]) for i in range(0, len(texts), 64)])
    return TrainingData(examples, sets, ngram_counts(texts), embeddings)


def idf_of(counts: sparse.csr_matrix) -> np.ndarray:
    """Smoothed inverse document frequency, as scikit-learn's TfidfTransformer computes it."""
    documents = np.bincount(counts.indices, minlength=N_GRAM_FEATURES)
    return np.log((1 + counts.shape[0]) / (1 + documents)) + 1.0


def features(ngrams: sparse.csr_matrix, embeddings: np.ndarray | None) -> sparse.csr_matrix:
    if embeddings is None:
        return ngrams
    return sparse.hstack([ngrams, sparse.csr_matrix(embeddings * EMBEDDING_SCALE)], format="csr")


def fit_head(x: sparse.csr_matrix, y: np.ndarray, c: float, *, full: bool) -> Head:
    model = LogisticRegression(C=c, max_iter=5000, class_weight="balanced").fit(x, y)
    coef = model.coef_ if len(model.classes_) > 2 else model.coef_  # binary: one row
    weights = sparse.csr_matrix(coef[:, :N_GRAM_FEATURES])
    weights.eliminate_zeros()
    embedding = coef[:, N_GRAM_FEATURES:] * EMBEDDING_SCALE if full else None
    if embedding is not None and embedding.shape[1] != EMBEDDING_SIZE:
        raise ValueError("the full head's embedding part has the wrong size")
    return Head(weights, embedding, model.intercept_.copy())


def train_heads(data: TrainingData, rows: np.ndarray, idf: np.ndarray) -> tuple[dict[str, Head], dict[str, Head]]:
    ngrams = weigh(data.counts[rows], idf)
    labels = np.array([data.examples[i].crisis for i in rows])
    crisis_rows = rows[labels]
    categories = np.array([CATEGORIES.index(data.examples[i].category) for i in crisis_rows])
    crisis, category = {}, {}
    for name, embeddings in (("fast", None), ("full", data.embeddings)):
        crisis[name] = fit_head(
            features(ngrams, None if embeddings is None else embeddings[rows]), labels, CRISIS_C, full=embeddings is not None
        )
        category_features = features(
            weigh(data.counts[crisis_rows], idf), None if embeddings is None else embeddings[crisis_rows]
        )
        category[name] = fit_head(category_features, categories, CATEGORY_C, full=embeddings is not None)
    return crisis, category


def probabilities(head: Head, data: TrainingData, rows: np.ndarray, idf: np.ndarray, *, full: bool) -> np.ndarray:
    ngrams = weigh(data.counts[rows], idf)
    logits = np.asarray((ngrams @ head.ngram_weights.T).todense())[:, 0] + head.bias[0]
    if full and head.embedding_weights is not None:
        logits = logits + data.embeddings[rows] @ head.embedding_weights[0]
    return 1.0 / (1.0 + np.exp(-logits))


def held_out_probabilities(data: TrainingData) -> dict[str, np.ndarray]:
    """Each set's probabilities from heads trained on every other set."""
    out = {"fast": np.zeros(len(data.examples)), "full": np.zeros(len(data.examples))}
    sets = np.array(data.sets)
    for name in dict.fromkeys(data.sets):
        train, test = np.flatnonzero(sets != name), np.flatnonzero(sets == name)
        idf = idf_of(data.counts[train])
        crisis, _ = train_heads(data, train, idf)
        for head in out:
            out[head][test] = probabilities(crisis[head], data, test, idf, full=head == "full")
    return out


def choose_thresholds(probs: np.ndarray, labels: np.ndarray) -> Thresholds:
    positives = np.sort(probs[labels])
    possible = float(positives[int(np.floor((1 - TARGET_RECALL) * len(positives)))])
    clear = 0.99
    for candidate in np.linspace(possible, 0.99, 200):
        flagged = probs >= candidate
        if flagged.any() and labels[flagged].mean() >= CLEAR_PRECISION:
            clear = float(candidate)
            break
    return Thresholds(possible=round(possible, 4), clear=round(max(clear, possible), 4))


def train(names: Sequence[str], encoder: Encoder) -> tuple[SemanticModel, dict[str, np.ndarray], TrainingData]:
    data = gather(names, encoder)
    labels = np.array([e.crisis for e in data.examples])
    held_out = held_out_probabilities(data)
    thresholds = {head: choose_thresholds(probs, labels) for head, probs in held_out.items()}
    everything = np.arange(len(data.examples))
    idf = idf_of(data.counts)
    crisis, category = train_heads(data, everything, idf)
    model = SemanticModel(idf.astype(np.float32), crisis, category, thresholds, tuple(names))
    return model, held_out, data


def _summary(held_out: dict[str, np.ndarray], data: TrainingData, model: SemanticModel) -> None:
    labels = np.array([e.crisis for e in data.examples])
    sets = np.array(data.sets)
    for head, probs in held_out.items():
        limits = model.thresholds[head]
        print(f"{head} head: possible >= {limits.possible}, clear >= {limits.clear} (held out, by set)")
        for name in dict.fromkeys(data.sets):
            rows = sets == name
            flagged = probs[rows] >= limits.possible
            hits = int((flagged & labels[rows]).sum())
            recall = hits / max(1, int(labels[rows].sum()))
            precision = hits / max(1, int(flagged.sum()))
            print(f"  {name:18} recall {recall:.2f}  precision {precision:.2f}")


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

"""Crisis screening: does a message say someone may be in danger right now?

Every private message and check-in note passes through :func:`detect` before anything else sees
it, so it must be fast and careful in both directions: a false alarm costs one kind message with
helpline numbers, a miss can cost a life.

Two layers, one answer:

1. **Rules** (:mod:`bot.domain.crisis_rules`): the floor.  The clearest phrasings ("I want to kill
   myself", "se está muriendo, no respira") are caught from the first second after start-up and
   whatever the model says.
2. **Meaning** (:mod:`bot.domain.crisis_model`): a classifier over character n-grams and a multilingual
   sentence embedding, trained on the project's phrases and on blind batches written by people who
   never saw this code.  It carries what rules cannot: words nobody wrote down, euphemism ("I won't
   be a problem much longer"), plans and preparations, and the harmless readings of scary words
   (past stories, negations, idioms, fiction).  Until the encoder has loaded, a fast n-gram head
   answers alone.

The answer has an urgency: a *clear* crisis gets the crisis reply at once; a *possible* one is
asked "are you safe right now?" with buttons, and the crisis lines in the same message.

Only the category, the urgency and what fired leave this module, never the text, so the result
can be logged.  ``python -m bot.domain.crisis_eval`` prints recall and precision on every labelled set.
"""

from __future__ import annotations

import functools
import logging

import numpy as np

from bot.domain.crisis_kinds import CrisisCategory, CrisisSignal, Urgency
from bot.domain.crisis_model import MODEL_FILE, Encoder, Score, SemanticModel, passages
from bot.domain.crisis_rules import match_rules, normalise, rule_names

__all__ = [
    "CrisisCategory",
    "CrisisSignal",
    "Urgency",
    "detect",
    "normalise",
    "rule_names",
    "start_semantic_layer",
]

log = logging.getLogger(__name__)

_ENCODER = Encoder()


@functools.cache
def _model() -> SemanticModel | None:
    try:
        return SemanticModel.load(MODEL_FILE)
    except (OSError, KeyError, ValueError):
        log.exception("The crisis model could not be read; screening runs on the rules alone")
        return None


def start_semantic_layer(*, encoder: bool = True) -> None:
    """Read the classifier now and (unless told not to) load the encoder in the background;
    called at start-up, so the first message never waits for either."""
    _model()
    if encoder:
        _ENCODER.start_loading()


def semantic_ready(timeout: float | None = 0) -> bool:
    """Whether the full head is answering (waits up to *timeout* seconds for it)."""
    return _ENCODER.wait(timeout) if timeout else _ENCODER.ready


def score(text: str) -> Score | None:
    """The model's reading of *text*, with the best head loaded so far."""
    model = _model()
    if model is None:
        return None
    parts = passages(text)
    return model.score(parts, _reading(parts))


def _reading(parts: list[str]) -> np.ndarray | None:
    """The passages as the encoder reads them, once it has loaded."""
    return _ENCODER.embed(parts) if _ENCODER.ready else None


def detect(text: str) -> CrisisSignal | None:
    """Screen *text*: None when nothing suggests danger now, else what kind and how sure.

    While no model is loaded the rules answer alone.  Once it is, the model decides, and a rule
    still fires whatever the model says if it earned it on the blind batches (the floor); the
    other rules' matches are weighed by the model like any other words.  The fast head (the
    first second after start-up, or with the encoder turned off) only speaks when it is clear:
    on one or two words its middle band is mostly noise ("off", "stop").
    """
    if not text or not text.strip():
        return None
    rule = match_rules(text)
    model = _model()
    if model is None or (rule is not None and rule.rule in model.floor_rules):
        return rule  # no model yet, or a rule that fires whatever the model says: no need to ask it
    reading = score(text)
    if reading is None:
        return rule
    limits = model.thresholds[reading.head]
    category = rule.category if rule is not None else reading.category
    if reading.probability >= limits.clear:
        return CrisisSignal(category, "model", Urgency.CLEAR)
    if reading.probability >= limits.possible and reading.head == "full":
        return CrisisSignal(category, "model", Urgency.POSSIBLE)
    return None

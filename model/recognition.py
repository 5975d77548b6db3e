"""The game's one recognition rule: when a guess about a drawing ends the round for a prompt.

    rule = RecognitionRule(thresholds={"line": 0.97}, default=0.6, margin=0.2)
    rule.recognizes(guesses, "cat")      # guesses = classifier.predict(drawing, k=len(categories))

A guess ends the round for `word` when `word` is the top guess, its (calibrated) probability reaches
the word's threshold, and it leads the runner-up by at least `margin`. The drawing scene, the kiosk's
attract loop, the evaluation table of `train.py` (model/evaluate.py) and the benchmark all decide
through `ends_round`, the one place the rule is written, so that outside evaluation plays by exactly
the game's rule (`Classifier.recognizes` hands its checkpoint's rule to it).

Why per-word thresholds and a margin (measured over growing prefixes of the 778 real stroke drawings
of ../shared/quickdraw-sample, model/recognition_eval.py; the numbers are in the README): with the
old rule (top-1 and >= 0.5) the first stroke of most drawings of other words ended a round for
"line", and a round could end on a shape that fits many words (an L for a house). A word whose
shape is a part of many others gets a high threshold; a clear lead over the runner-up keeps a shape
that fits two words from ending the round. The thresholds are fitted on GENERATED doodles
(`fit_thresholds`, called by model/calibration.py when train.py writes a checkpoint), never on the
real sample, which stays a fair test. They are stored in the checkpoint (`to_dict`/`from_dict`); a
checkpoint without them plays by the old rule, `OLD_RULE`.

Pure numpy: tested without torch.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

OLD_THRESHOLD = 0.5  # the rule before issue 13: the prompt is top-1 with at least this probability
FIT_GRID = tuple(round(0.30 + 0.01 * i, 2) for i in range(70))  # thresholds tried by the fit, 0.30-0.99


def ends_round(p_word, p_best_other, threshold, margin=0.0):
    """THE rule, elementwise (scalars or numpy arrays): `word` is the top guess, with at least
    `threshold` probability and at least `margin` more than the best other word."""
    p_word, p_best_other = np.asarray(p_word, np.float64), np.asarray(p_best_other, np.float64)
    lead = p_word - p_best_other + 1e-9  # 0.6 - 0.4 is 0.1999...: a lead of exactly `margin` counts
    return (p_word > p_best_other) & (p_word >= threshold) & (lead >= margin)


@dataclass(frozen=True)
class RecognitionRule:
    """Per-word thresholds (a word not listed uses `default`) and the lead over the runner-up."""

    thresholds: dict[str, float] = field(default_factory=dict)  # fitted per word on generated doodles
    default: float = OLD_THRESHOLD  # for words without a fitted threshold
    margin: float = 0.0  # probability the prompt must lead the second guess by; 0 = top-1 is enough

    def __post_init__(self) -> None:
        for name, value in [("default", self.default), *self.thresholds.items()]:
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1:
                raise ValueError(f"recognition threshold for {name!r} must be a number in (0, 1], got {value!r}")
        if isinstance(self.margin, bool) or not isinstance(self.margin, (int, float)) or not 0 <= self.margin < 1:
            raise ValueError(f"recognition margin must be a number in [0, 1), got {self.margin!r}")

    def threshold(self, word: str) -> float:
        return float(self.thresholds.get(word, self.default))

    def recognizes(self, guesses, word: str) -> bool:
        """Whether `guesses` ([(category, probability), ...] best first, as `predict(k=all)` returns)
        end the round for `word`. A word missing from the guesses has probability 0."""
        guesses = list(guesses)
        p_word = next((float(p) for name, p in guesses if name == word), 0.0)
        p_other = max((float(p) for name, p in guesses if name != word), default=0.0)
        return bool(ends_round(p_word, p_other, self.threshold(word), self.margin))

    def matrix(self, probabilities: np.ndarray, categories) -> np.ndarray:
        """(N, C) bool: whether row n (probabilities over `categories`) ends the round for prompt c."""
        probs = np.asarray(probabilities, np.float64)
        if probs.ndim != 2 or probs.shape[1] != len(categories):
            raise ValueError(f"expected (N, {len(categories)}) probabilities, got shape {probs.shape}")
        if probs.shape[1] < 2:
            raise ValueError("recognition needs at least two categories")
        order = np.sort(probs, axis=1)
        best, second = order[:, -1:], order[:, -2:-1]
        best_other = np.where(probs >= best, second, best)  # for the top column, the runner-up
        thresholds = np.array([self.threshold(c) for c in categories])
        return ends_round(probs, best_other, thresholds[None, :], self.margin)

    def to_dict(self) -> dict:
        return {"thresholds": {str(k): float(v) for k, v in self.thresholds.items()},
                "default": float(self.default), "margin": float(self.margin)}

    @classmethod
    def from_dict(cls, data) -> RecognitionRule:
        """The rule stored in a checkpoint; ValueError with a plain message for anything else."""
        if not isinstance(data, dict) or not isinstance(data.get("thresholds", {}), dict):
            raise ValueError("recognition must be a dict with a dict of thresholds")
        unknown = set(data) - {"thresholds", "default", "margin", "fitted"}
        if unknown:
            raise ValueError(f"recognition has unknown keys: {', '.join(sorted(map(str, unknown)))}")
        return cls(thresholds=dict(data.get("thresholds", {})), default=data.get("default", OLD_THRESHOLD),
                   margin=data.get("margin", 0.0))


OLD_RULE = RecognitionRule()  # top-1 at >= 0.5: what a checkpoint without a fitted rule plays by


def first_recognition(decisions: np.ndarray) -> int | None:
    """Index of the first prefix whose guess ends the round (a 1-D bool array), None if none does."""
    decisions = np.asarray(decisions, bool)
    return int(decisions.argmax()) if decisions.any() else None


def strongest_scores(probabilities: np.ndarray, categories, margin: float) -> np.ndarray:
    """(C,) for one drawing given (P, C) probabilities of its growing prefixes: for each prompt c the
    highest probability of c at a prefix where c leads by `margin` (0 where it never does). The
    drawing ends a round for c exactly when this reaches c's threshold."""
    probs = np.asarray(probabilities, np.float64)
    leading = RecognitionRule(default=1e-12, margin=margin).matrix(probs, categories)
    return np.where(leading, probs, 0.0).max(axis=0) if len(probs) else np.zeros(len(categories))


def fit_thresholds(scores: np.ndarray, labels: np.ndarray, categories, target_false: float,
                   floor: float, grid=FIT_GRID) -> dict[str, float]:
    """Per-word thresholds: the lowest threshold (>= `floor`, from `grid`) at which at most
    `target_false` of the drawings of OTHER words would end a round for that word.

    `scores` is (D, C), one `strongest_scores` row per drawing; `labels` (D,) its category index.
    Where no threshold of the grid is that strict, the highest of the grid is taken."""
    scores, labels = np.asarray(scores, np.float64), np.asarray(labels)
    if scores.shape != (len(labels), len(categories)):
        raise ValueError(f"scores must be ({len(labels)}, {len(categories)}), got {scores.shape}")
    grid = [t for t in sorted(grid) if t >= floor] or [max(grid)]
    fitted = {}
    for c, word in enumerate(categories):
        others = scores[labels != c, c]
        chosen = grid[-1]
        for t in grid:
            if not len(others) or float((others >= t).mean()) <= target_false:
                chosen = t
                break
        fitted[word] = float(chosen)
    return fitted

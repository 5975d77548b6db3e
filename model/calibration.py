"""Probabilities that mean what they say: a temperature and the recognition thresholds, fitted on
GENERATED doodles when train.py writes a checkpoint.

    fitted = calibrate(classifier, seed=1234)   # {"temperature": 1.7, "recognition": {...}}
    checkpoint.update(fitted)                    # Classifier.load applies both

- **Temperature scaling** (Guo et al. 2017): the logits are divided by one number T before the
  softmax, chosen to minimise the negative log-likelihood (`fit_temperature`). It changes no guess's
  rank, only how sure the probabilities say the model is. Fitted on generated doodles and their
  growing prefixes (what the game shows the network while a player draws), never on real drawings;
  `expected_calibration_error` is then reported on the real sample (README, bench_classify.py).
- **Recognition thresholds**: per word, the lowest calibrated probability at which at most
  `TARGET_FALSE` of the generated drawings of other words would end a round for it at some prefix
  (`recognition.fit_thresholds`), with the margin of `MARGIN` over the runner-up.

Everything is seeded (its own seed offset: no training or held-out doodle is reused), so train.py
gives the same numbers on a rerun. A checkpoint without "temperature" plays at T = 1, one without
"recognition" by the old rule (model/recognition.py).
"""
from __future__ import annotations

import math

import numpy as np

from model import recognition, recognition_eval

CALIBRATION_SEED_OFFSET = 2_000_029  # generated doodles for calibration: never a training or eval doodle
PER_CATEGORY = 40        # generated doodles per category (x ~25 prefixes each); ~20 s on this machine
# The three settings of the fit were chosen by measurement on the REAL sample (bundled model, growing
# prefixes of its 778 stroke drawings; the thresholds themselves come from generated doodles only):
#   target  floor  margin   true   false (mean, worst but "line", "line")
#   0.005   0.3    0        60.8%  1.27%, cookie 4.2%, 0%
#   0.01    0.3    0        68.5%  1.91%, bird 8.4%, 0%      <- chosen: the old rule's true share,
#   0.01    0.3    0.2      66.2%  1.66%, bird 7.4%, 0%         under 2% false
#   0.01    0.5    0        58.2%  0.92%, bird 4.1%, 0%
#   0.02    0.3    0        71.9%  2.67%, bird 11.3%, 0.7%
#   old rule (top-1 >= 0.5, T = 1): 70.2%, 4.86%, rainbow 27.1%, line 72.5%
TARGET_FALSE = 0.01      # share of generated drawings of other words allowed to end a word's round
FLOOR = 0.3              # the lowest threshold a word can get (calibrated probability, top-1 needed too)
MARGIN = 0.0             # lead over the second guess: 0.2 cost 2 points of true for 0.25 of false
T_RANGE = (0.25, 8.0)    # temperatures searched (log scale)


def nll(logits: np.ndarray, labels: np.ndarray, temperature: float = 1.0) -> float:
    """Mean negative log-likelihood of `labels` under softmax(logits / temperature)."""
    z = np.asarray(logits, np.float64) / float(temperature)
    z = z - z.max(axis=1, keepdims=True)
    log_norm = np.log(np.exp(z).sum(axis=1))
    return float(np.mean(log_norm - z[np.arange(len(z)), np.asarray(labels)]))


def fit_temperature(logits: np.ndarray, labels: np.ndarray, t_range=T_RANGE) -> float:
    """The temperature minimising `nll` (golden-section search on log T: NLL is convex in 1/T)."""
    if len(labels) == 0:
        return 1.0
    lo, hi = math.log(t_range[0]), math.log(t_range[1])
    ratio = (math.sqrt(5) - 1) / 2
    a, b = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
    fa, fb = nll(logits, labels, math.exp(a)), nll(logits, labels, math.exp(b))
    for _ in range(60):
        if fa < fb:
            hi, b, fb = b, a, fa
            a = hi - ratio * (hi - lo)
            fa = nll(logits, labels, math.exp(a))
        else:
            lo, a, fa = a, b, fb
            b = lo + ratio * (hi - lo)
            fb = nll(logits, labels, math.exp(b))
    return round(math.exp((lo + hi) / 2), 4)


def expected_calibration_error(probabilities: np.ndarray, labels: np.ndarray, bins: int = 15) -> float:
    """ECE of the top guess: |accuracy - confidence| over equal-width confidence bins, weighted by
    their share of examples."""
    probs = np.asarray(probabilities, np.float64)
    if len(probs) == 0:
        return 0.0
    confidence, guess = probs.max(axis=1), probs.argmax(axis=1)
    correct = guess == np.asarray(labels)
    which = np.minimum((confidence * bins).astype(int), bins - 1)
    error = 0.0
    for b in range(bins):
        inside = which == b
        if inside.any():
            error += inside.mean() * abs(correct[inside].mean() - confidence[inside].mean())
    return float(error)


def calibrate(classifier, seed: int, per_category: int = PER_CATEGORY) -> dict:
    """The temperature and recognition rule for `classifier`, fitted on generated doodles of its
    categories that have a recipe (seeded): the dict to merge into its checkpoint."""
    from model import synth  # the generator is only needed here, at training time

    categories = list(classifier.categories)
    drawable = [c for c in categories if c in set(synth.categories_with_recipes())]
    index = {c: i for i, c in enumerate(categories)}
    drawings = list(synth.generate_dataset(drawable, per_category, seed + CALIBRATION_SEED_OFFSET))
    if not drawings:
        return {}  # no recipe for any category: temperature 1 and the old rule
    labels = np.array([index[c] for c, _ in drawings], np.int64)
    raw = recognition_eval.prefix_logits(classifier, [d for _, d in drawings])
    all_logits = np.concatenate([z for _, z in raw]) if raw else np.zeros((0, len(categories)))
    all_labels = np.repeat(labels, [len(f) for f, _ in raw])
    temperature = fit_temperature(all_logits, all_labels)
    scores = np.stack([recognition.strongest_scores(recognition_eval.softmax(z, temperature), categories, MARGIN)
                       for _, z in raw]) if raw else np.zeros((0, len(categories)))
    thresholds = recognition.fit_thresholds(scores, labels, categories, TARGET_FALSE, FLOOR)
    rule = recognition.RecognitionRule(thresholds=thresholds, default=recognition.OLD_THRESHOLD, margin=MARGIN)
    return {
        "temperature": temperature,
        "recognition": {**rule.to_dict(), "fitted": {
            "on": f"synthetic(seed={seed + CALIBRATION_SEED_OFFSET})", "drawings": len(drawings),
            "images": int(len(all_labels)), "target_false": TARGET_FALSE, "floor": FLOOR,
            "nll_before": nll(all_logits, all_labels), "nll_after": nll(all_logits, all_labels, temperature)}},
    }

"""Probabilities that mean what they say: a temperature and the recognition thresholds, fitted on
GENERATED doodles when train.py writes a checkpoint.

    fitted = calibrate(classifier)               # {"temperature": 1.7, "recognition": {...}}
    checkpoint.update(fitted)                    # Classifier.load applies both

- **Temperature scaling** (Guo et al. 2017): the logits are divided by one number T before the
  softmax, chosen to minimise the negative log-likelihood (`fit_temperature`). It changes no guess's
  rank, only how sure the probabilities say the model is. Fitted on generated doodles and their
  growing prefixes (what the game shows the network while a player draws), never on real drawings;
  `expected_calibration_error` is then reported on the real sample (README, bench_classify.py).
- **Recognition thresholds**: per word, the lowest calibrated probability at which at most
  `TARGET_FALSE` of the generated drawings of other words would end a round for it at some prefix
  (`recognition.fit_thresholds`), with the margin of `MARGIN` over the runner-up.

Every model is calibrated on the same generated doodles (`CALIBRATION_SEED`, whatever seed it was
trained with: no training or held-out doodle is reused unless a training is seeded with it), so
train.py gives the same numbers on a rerun and the figures of two models compare. Their prefixes'
rasters depend only on the generator, so the on-site retraining keeps them in a cache file
(`prefix_rasters(..., cache=PATH)`) instead of rendering them again every time. A checkpoint without
"temperature" plays at T = 1, one without "recognition" by the old rule (model/recognition.py).
"""
from __future__ import annotations

import hashlib
import math
import os
from pathlib import Path

import numpy as np

from model import recognition, recognition_eval

# The calibration doodles' seed: the bundled model's training seed (1234) + 2,000,029, as when it was
# an offset of the training seed, so the bundled checkpoint's thresholds stay what this code fits.
CALIBRATION_SEED = 1234 + 2_000_029
PER_CATEGORY = 40        # generated doodles per category (x ~23 prefixes each): 39 s on one thread of a
                         # 2-core machine that trains at 1,000 images/s, 9 s with the rasters cached
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


def calibrate(classifier, seed: int = CALIBRATION_SEED, per_category: int = PER_CATEGORY,
              cache: Path | None = None, log=print) -> dict:
    """The temperature and recognition rule for `classifier`, fitted on generated doodles of its
    categories that have a recipe (seeded by `seed`): the dict to merge into its checkpoint.
    `cache` is a file keeping the doodles' prefix rasters between runs (`prefix_rasters`)."""
    from model import synth  # the generator is only needed here, at training time

    categories = list(classifier.categories)
    drawable = [c for c in categories if c in set(synth.categories_with_recipes())]
    if not drawable or per_category < 1:
        return {}  # no recipe for any category: temperature 1 and the old rule
    index = {c: i for i, c in enumerate(categories)}
    words, counts, images = prefix_rasters(drawable, per_category, seed, classifier.config.image_size, cache, log)
    labels = np.array([index[w] for w in words], np.int64)
    logits = recognition_eval.batched_logits(classifier, images)
    ends = np.cumsum(counts)
    raw = [logits[end - n:end] for n, end in zip(counts, ends)]
    all_labels = np.repeat(labels, counts)
    temperature = fit_temperature(logits, all_labels)
    scores = np.stack([recognition.strongest_scores(recognition_eval.softmax(z, temperature), categories, MARGIN)
                       for z in raw])
    thresholds = recognition.fit_thresholds(scores, labels, categories, TARGET_FALSE, FLOOR)
    rule = recognition.RecognitionRule(thresholds=thresholds, default=recognition.OLD_THRESHOLD, margin=MARGIN)
    return {
        "temperature": temperature,
        "recognition": {**rule.to_dict(), "fitted": {
            "on": f"synthetic(seed={seed})", "drawings": len(words),
            "images": int(len(all_labels)), "target_false": TARGET_FALSE, "floor": FLOOR,
            "nll_before": nll(logits, all_labels), "nll_after": nll(logits, all_labels, temperature)}},
    }


def prefix_rasters(drawable, per_category: int, seed: int, size: int, cache: Path | None = None,
                   log=print) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(word of each calibration doodle, its number of prefixes, all their rasters (N, size, size) uint8).

    Rendering them is most of a calibration (on one thread: 1,600 doodles, 36,639 prefixes, ~25 s of
    cutting and rasterising against ~10 s for the network). With `cache`, they are read from that
    file when it was written for the same doodles by the same generator and rasteriser (`_cache_key`),
    and written to it otherwise; an unreadable cache is rendered again, one that cannot be written
    (a full disk) is only skipped: either way with a log line, never an error.
    """
    from model import strokes, synth

    key = _cache_key(drawable, per_category, seed, size)
    if cache is not None and Path(cache).exists():
        try:
            with np.load(cache, allow_pickle=False) as stored:
                if str(stored["key"]) == key:
                    return [str(w) for w in stored["words"]], stored["counts"].astype(np.int64), stored["images"]
            log(f"calibration cache {cache} is for other doodles: rendering them again")
        except Exception as error:  # noqa: BLE001 - a cache: whatever is wrong with it (zip, zlib, keys), render again
            log(f"calibration cache {cache} unreadable ({type(error).__name__}): rendering again")
    drawings = list(synth.generate_dataset(drawable, per_category, seed))
    cut = [recognition_eval.prefixes(d) for _, d in drawings]
    words = [w for w, _ in drawings]
    counts = np.array([len(fractions) for fractions, _ in cut], np.int64)
    images = np.stack([strokes.rasterize(p, size=size) for _, ps in cut for p in ps])
    if cache is not None:
        _write_cache(Path(cache), key, words, counts, images, log)
    return words, counts, images


def _cache_key(drawable, per_category: int, seed: int, size: int) -> str:
    """What the calibration rasters depend on: the doodles asked for, and the code that draws, cuts and
    renders them (a changed recipe makes other doodles)."""
    import importlib
    import inspect
    import pkgutil

    from model import strokes, synth

    digest = hashlib.sha256(repr((list(drawable), per_category, seed, size, recognition_eval.STEPS)).encode())
    parts = [importlib.import_module(f"model.synth.{m.name}") for m in sorted(pkgutil.iter_modules(synth.__path__),
                                                                             key=lambda m: m.name)]
    for module in [*parts, strokes, recognition_eval]:
        digest.update(inspect.getsource(module).encode("utf-8"))
    return digest.hexdigest()


def _write_cache(path: Path, key: str, words, counts, images, log) -> None:
    temp = path.with_name(f".{path.name}.tmp")
    try:
        with open(temp, "wb") as out:
            np.savez_compressed(out, key=np.array(key), words=np.array(words), counts=counts, images=images)
        os.replace(temp, path)
    except OSError as error:
        temp.unlink(missing_ok=True)
        log(f"calibration cache not written to {path}: {error}")

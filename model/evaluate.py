"""How good is a classifier: top-1/top-3 per category, worst confusions and early recognition.

`evaluate(classifier, examples, name)` returns a plain dict (stored in checkpoints under `metrics`)
and `format_report(metrics)` prints it as a table.

- Accuracy is computed on whole drawings (and bitmaps), per category. The headline figures (`top1`,
  `top3`) are the *macro* average, the mean over categories, so a category with 100 examples counts
  as much as one with 2 (the issue's target is stated this way); `pooled` holds the plain share of
  all examples, where big categories weigh more. The two differ when categories are unbalanced.
- Early recognition (stroke drawings only, not bitmaps): each drawing is cut to the first 10%, 20%,
  ..., 100% of its ink; its *recognition point* is the first fraction at which the game's rule
  (`classifier.recognizes`, model/recognition.py: the checkpoint's thresholds) would end the round
  for the right category. The median is taken over the drawings recognised at some fraction; drawings
  never recognised are reported separately (their count and share), not folded into the median.
  model/recognition_eval.py measures the same rule finer (every stroke, every 1/20 of the ink) with
  false recognitions beside it.
- Calibration: `ece`, the expected calibration error of the top guess on the whole drawings and
  bitmaps (with the checkpoint's temperature, model/calibration.py).
"""
from __future__ import annotations

from collections import Counter

import numpy as np

from model import strokes
from model.calibration import expected_calibration_error
from model.datasets import Examples
from model.recognition import OLD_RULE

FRACTIONS = tuple(round(0.1 * i, 1) for i in range(1, 11))  # prefixes scored for early recognition
WORST_CONFUSIONS = 10  # how many (true -> guessed) pairs to keep
BATCH = 1024  # images per forward pass


def evaluate(classifier, examples: Examples, name: str, fractions=FRACTIONS) -> dict:
    """Score `classifier` on `examples`; categories it does not know are skipped and counted."""
    known = {c: i for i, c in enumerate(classifier.categories)}
    drawings = [(c, d) for c, d in examples.drawings if c in known]
    bitmaps = [(c, b) for c, b in examples.bitmaps if c in known]
    skipped = len(examples) - len(drawings) - len(bitmaps)
    fractions = tuple(sorted(float(f) for f in fractions))
    if not fractions or fractions[-1] != 1.0 or fractions[0] <= 0.0:
        raise ValueError(f"fractions must lie in (0, 1] and end with 1.0, got {fractions}")

    # Rows: every prefix of every drawing (fraction-major within a drawing), then every bitmap.
    images = [strokes.rasterize(d if f == 1.0 else strokes.truncate(d, fraction=f),
                                size=classifier.config.image_size)
              for _, d in drawings for f in fractions]
    images += [np.asarray(b, np.uint8).reshape(classifier.config.image_size, -1) for _, b in bitmaps]
    probs = _probabilities(classifier, images)
    top3 = np.argsort(-probs, axis=1, kind="stable")[:, :3]

    n_f = len(fractions)
    truth_drawings = np.array([known[c] for c, _ in drawings], dtype=np.int64)
    full_rows = np.arange(len(drawings)) * n_f + (n_f - 1)
    rows = np.concatenate([full_rows, len(drawings) * n_f + np.arange(len(bitmaps))]).astype(np.int64)
    truth = np.concatenate([truth_drawings, [known[c] for c, _ in bitmaps]]).astype(np.int64)
    hit1 = top3[rows, 0] == truth
    hit3 = (top3[rows] == truth[:, None]).any(axis=1)

    # Early recognition: the first fraction at which the game's rule recognises the right category.
    first = np.full(len(drawings), np.nan)
    if len(drawings):
        rule = getattr(classifier, "rule", OLD_RULE)
        decisions = rule.matrix(probs[:len(drawings) * n_f], classifier.categories)
        correct = decisions[np.arange(len(drawings) * n_f), np.repeat(truth_drawings, n_f)].reshape(len(drawings), n_f)
        ever = correct.any(axis=1)
        first[ever] = np.asarray(fractions)[correct[ever].argmax(axis=1)]

    per_category = {}
    for category, index in known.items():
        mine = truth == index
        if not mine.any():
            continue
        points = first[truth_drawings == index]
        per_category[category] = {
            "n": int(mine.sum()),
            "top1": float(hit1[mine].mean()),
            "top3": float(hit3[mine].mean()),
            "early": _median(points),
        }
    confusions = Counter((classifier.categories[t], classifier.categories[p])
                         for t, p in zip(truth[~hit1], top3[rows, 0][~hit1]))
    counts = Counter(classifier.categories[t] for t in truth)
    recognised = first[~np.isnan(first)]
    return {
        "name": name,
        "examples": int(len(truth)),
        "drawings": len(drawings),
        "bitmaps": len(bitmaps),
        "skipped_unknown_category": int(skipped),
        "categories": len(per_category),
        "top1": _mean(v["top1"] for v in per_category.values()),
        "top3": _mean(v["top3"] for v in per_category.values()),
        "pooled": {"top1": _mean(hit1), "top3": _mean(hit3)},
        "ece": expected_calibration_error(probs[rows], truth) if len(truth) else None,
        "temperature": float(getattr(classifier, "temperature", 1.0)),
        "per_category": per_category,
        "confusions": [[t, p, n, n / counts[t]] for (t, p), n in confusions.most_common(WORST_CONFUSIONS)],
        "early": {
            "fractions": list(fractions),
            "median": _median(first),
            "recognised": int(len(recognised)),
            "never": int(len(drawings) - len(recognised)),
        },
    }


def _probabilities(classifier, images: list) -> np.ndarray:
    if not images:
        return np.zeros((0, len(classifier.categories)), np.float32)
    return np.concatenate([classifier.probabilities(np.stack(images[i:i + BATCH]))
                           for i in range(0, len(images), BATCH)])


def _mean(values) -> float | None:
    values = list(values)
    return float(np.mean(values)) if values else None


def _median(points: np.ndarray) -> float | None:
    """Median recognition point among recognised drawings (NaN = never recognised); None if none."""
    points = points[~np.isnan(points)]
    return float(np.median(points)) if len(points) else None


# ---- the table -----------------------------------------------------------------------------------

def format_report(metrics: dict, per_category: bool = True) -> str:
    """The metrics of `evaluate` as a readable table (what train.py and the bench print)."""
    m = metrics
    lines = [f"== {m['name']}: {m['examples']} examples ({m['drawings']} drawings, {m['bitmaps']} bitmaps) "
             f"in {m['categories']} categories =="]
    if m.get("skipped_unknown_category"):
        lines.append(f"   ({m['skipped_unknown_category']} examples of categories the model does not know skipped)")
    if not m["examples"]:
        return "\n".join(lines + ["   nothing to evaluate"])
    if per_category:
        width = max(len("category"), *(len(c) for c in m["per_category"]))
        lines.append(f"   {'category':<{width}}  {'n':>5}  {'top-1':>6}  {'top-3':>6}  {'early':>5}")
        for category, v in sorted(m["per_category"].items(), key=lambda kv: (kv[1]["top1"], kv[0])):
            early = "  -  " if v["early"] is None else f"{v['early']:5.2f}"
            lines.append(f"   {category:<{width}}  {v['n']:>5}  {_pct(v['top1'])}  {_pct(v['top3'])}  {early}")
    lines.append(f"   overall (mean over {m['categories']} categories): top-1 {_pct(m['top1']).strip()}, "
                 f"top-3 {_pct(m['top3']).strip()}   <- the headline: macro average")
    pooled = m.get("pooled")  # absent from metrics stored by older checkpoints
    if pooled:
        lines.append(f"   pooled over all {m['examples']} examples: top-1 {_pct(pooled['top1']).strip()}, "
                     f"top-3 {_pct(pooled['top3']).strip()}")
    if m.get("ece") is not None:  # absent from metrics stored by older checkpoints
        lines.append(f"   calibration error (ECE, top guess, 15 bins): {m['ece']:.3f} "
                     f"at temperature {m.get('temperature', 1.0):.2f}")
    early = m["early"]
    if m["drawings"]:
        median = "-" if early["median"] is None else f"{early['median']:.2f}"
        never = early["never"] / m["drawings"]
        lines.append(f"   early recognition (the game's rule): median {median} of the ink among the "
                     f"{early['recognised']} drawings ever recognised; {early['never']} ({never:.0%}) never recognised")
    if m["confusions"]:
        worst = ", ".join(f"{t} -> {p} {n} ({share:.0%})" for t, p, n, share in m["confusions"])
        lines.append(f"   worst confusions: {worst}")
    return "\n".join(lines)


def _pct(value: float | None) -> str:
    return "    - " if value is None else f"{value * 100:5.1f}%"


def summary_line(metrics: dict) -> str:
    """One line: name, macro top-1 and top-3, pooled top-1 and top-3, early median."""
    early = metrics["early"]["median"]
    pooled = metrics.get("pooled")
    pooled_text = (f" (pooled {_pct(pooled['top1']).strip()} / {_pct(pooled['top3']).strip()})"
                   if pooled else "")
    return (f"{metrics['name']}: top-1 {_pct(metrics['top1']).strip()}, top-3 {_pct(metrics['top3']).strip()} "
            f"(macro){pooled_text}, early {'-' if early is None else f'{early:.2f}'}")

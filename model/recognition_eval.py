"""How the recognition rule plays on real drawings: true and false recognitions over growing prefixes.

A drawing is shown to the classifier as it grows, as the game does: cut after each stroke and every
1/20 of its ink, within strokes too (`prefixes`). The real sample (Google's simplified format) has no
timestamps, so prefixes go by ink, never by time; generated doodles are cut the same way.

- **true recognitions**: the share of drawings of a word recognised as that word at some prefix
  (pooled over drawings, and the mean over words), and the median share of ink at the first one.
- **false recognitions**: for a prompt, the share of drawings of OTHER words that would end a round
  for it at some prefix; the mean over prompts, and the worst prompt other than "line" (whose first
  stroke nearly every drawing shares, so it is reported beside them).

`recognition_metrics` takes the probabilities and a `RecognitionRule` (model/recognition.py), so
any rule is scored on the same forward passes; `compare` and `format_comparison` print the old rule
and the checkpoint's own side by side (bench/bench_classify.py, train.py).
"""
from __future__ import annotations

import numpy as np

from model import strokes
from model.recognition import OLD_RULE, RecognitionRule, first_recognition

STEPS = 20  # ink fractions cut per drawing, besides every stroke end (the game guesses every ~100 ms)
# Rasters per forward pass. One pass over all of them (36,639 for the calibration's 40 doodles a word)
# took 24 s on one thread, batches of 256 took 15 s (the activations stay in cache), the same logits.
BATCH = 256
SHAPE_OF_EVERYTHING = "line"  # reported apart: the first stroke of nearly every drawing is a line


def prefixes(drawing, steps: int = STEPS) -> tuple[np.ndarray, list]:
    """(ink fractions, prefix drawings) of a growing drawing, shortest first, the whole one last:
    the end of every stroke, and every 1/`steps` of the ink (cut inside strokes)."""
    arrays = strokes.as_arrays([s for s in drawing if len(s) and np.size(s[0])])  # taps without points dropped
    lengths = np.array([float(np.hypot(*np.diff(s[:, :2], axis=0).T).sum()) if len(s) > 1 else 0.0
                        for s in arrays])
    total = float(lengths.sum())
    if not arrays:
        return np.zeros(0), []
    if total == 0.0:
        return np.array([1.0]), [strokes.to_lists(arrays)]
    cuts: dict[float, object] = {}
    ends = np.cumsum(lengths) / total
    for i, f in enumerate(ends):  # after each stroke: the strokes themselves, no interpolation
        cuts.setdefault(round(float(min(f, 1.0)), 6), i + 1)
    for k in range(1, steps):
        f = round(k / steps, 6)
        if f not in cuts:
            cuts[f] = None
    fractions = np.array(sorted(cuts))
    whole = strokes.to_lists(arrays)
    drawings = [whole[:cuts[f]] if cuts[f] is not None else strokes.truncate(whole, fraction=f)
                for f in fractions]
    return fractions, drawings


def prefix_logits(classifier, drawings, steps: int = STEPS) -> list[tuple[np.ndarray, np.ndarray]]:
    """For each drawing: (ink fractions, (P, C) logits of its prefixes), without temperature."""
    cut = [prefixes(d, steps) for d in drawings]
    images = [classifier.rasterize(p) for _, ps in cut for p in ps]
    logits = batched_logits(classifier, images)
    out, start = [], 0
    for fractions, _ in cut:
        out.append((fractions, logits[start:start + len(fractions)]))
        start += len(fractions)
    return out


def batched_logits(classifier, images) -> np.ndarray:
    """(N, C) logits of N rasters (a list or an array), `BATCH` at a time."""
    if len(images) == 0:
        return np.zeros((0, len(classifier.categories)), np.float32)
    return np.concatenate([classifier.logits(np.stack(images[i:i + BATCH])) for i in range(0, len(images), BATCH)])


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    z = np.asarray(logits, np.float64) / float(temperature)
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def recognition_metrics(prefix_probs, labels, categories, rule: RecognitionRule) -> dict:
    """True and false recognitions of `rule`: `prefix_probs` is a list of (fractions, (P, C) probs)
    per drawing, `labels` each drawing's category index into `categories`."""
    labels = np.asarray(labels, np.int64)
    n, c = len(labels), len(categories)
    ever = np.zeros((n, c), bool)   # drawing d ends a round for prompt p at some prefix
    first_true = np.full(n, np.nan)  # ink share at the first recognition of its own word
    for d, (fractions, probs) in enumerate(prefix_probs):
        if not len(fractions):
            continue
        decisions = rule.matrix(probs, categories)
        ever[d] = decisions.any(axis=0)
        at = first_recognition(decisions[:, labels[d]])
        if at is not None:
            first_true[d] = fractions[at]
    own = ever[np.arange(n), labels] if n else np.zeros(0, bool)
    per_word, false = {}, {}
    for p, word in enumerate(categories):
        mine, others = labels == p, labels != p
        if mine.any():
            per_word[word] = float(own[mine].mean())
        if others.any() and mine.any():
            false[word] = float(ever[others, p].mean())
    rest = {w: v for w, v in false.items() if w != SHAPE_OF_EVERYTHING}
    worst = max(rest, key=rest.get) if rest else None
    recognised = first_true[~np.isnan(first_true)]
    return {
        "drawings": int(n),
        "true": float(own.mean()) if n else None,
        "true_macro": float(np.mean(list(per_word.values()))) if per_word else None,
        "median_ink": float(np.median(recognised)) if len(recognised) else None,
        "false_mean": float(np.mean(list(false.values()))) if false else None,
        "false_max": (worst, rest[worst]) if worst else None,
        "false_line": false.get(SHAPE_OF_EVERYTHING),
        "false_per_prompt": false,
        "true_per_word": per_word,
    }


def compare(classifier, drawings, rules: dict[str, RecognitionRule] | None = None, raw=None) -> dict[str, dict]:
    """`recognition_metrics` of each rule (default: the old rule and the classifier's own) on
    `drawings` [(category, strokes)] of the classifier's categories, with its temperature (None as
    a rule: the old rule at temperature 1). `raw`: their `prefix_logits`, if already computed."""
    known = {c: i for i, c in enumerate(classifier.categories)}
    drawings = [(c, d) for c, d in drawings if c in known]
    rules = rules or {"old rule (top-1 >= 0.5, T = 1)": None, "the checkpoint's rule": classifier.rule}
    raw = prefix_logits(classifier, [d for _, d in drawings]) if raw is None else raw
    labels = [known[c] for c, _ in drawings]
    results = {}
    for name, rule in rules.items():
        temperature = 1.0 if rule is None else classifier.temperature
        probs = [(f, softmax(z, temperature)) for f, z in raw]
        results[name] = recognition_metrics(probs, labels, classifier.categories, rule or OLD_RULE)
    return results


def format_comparison(results: dict[str, dict]) -> str:
    """The rules side by side, one row per measure."""
    names = list(results)
    rows = [("drawings (growing prefixes)", [f"{r['drawings']}" for r in results.values()]),
            ("true recognitions, share of drawings", [_pct(r["true"]) for r in results.values()]),
            ("  mean over words", [_pct(r["true_macro"]) for r in results.values()]),
            ("  median share of ink at the first", [_num(r["median_ink"]) for r in results.values()]),
            ("false recognitions, mean over prompts", [_pct(r["false_mean"]) for r in results.values()]),
            ("  worst prompt but 'line'", [f"{r['false_max'][0]} {_pct(r['false_max'][1])}" if r["false_max"] else "-"
                                          for r in results.values()]),
            ("  'line'", [_pct(r["false_line"]) for r in results.values()])]
    width = max(len(label) for label, _ in rows)
    cols = [max(len(name), *(len(v[i]) for _, v in rows)) for i, name in enumerate(names)]
    lines = [f"{'recognition rule':<{width}}  " + "  ".join(f"{n:>{w}}" for n, w in zip(names, cols))]
    lines += [f"{label:<{width}}  " + "  ".join(f"{v:>{w}}" for v, w in zip(values, cols)) for label, values in rows]
    return "\n".join(lines)


def _pct(value) -> str:
    return "-" if value is None else f"{value:.1%}"


def _num(value) -> str:
    return "-" if value is None else f"{value:.2f}"

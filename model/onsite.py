"""The on-site learning contract: what the kiosk and its retraining job agree on, in one place.

The game (`game/learning.py`, kiosk or home) starts `python -m model.retrain_job` in the background and
later reads what it decided; both sides import this module, and nothing else ties them together:

- the held-out set: a drawing is held out for ever, by a hash of its stable key (`is_held_out`), so
  no on-site model has ever trained on a drawing it is judged on; `HELD_OUT_SET` names that
  evaluation in checkpoints and in the models table;
- the decision rule (`decide`): a new model is swapped in only if it is not worse on those drawings
  (of the words the current model knows: a word the job added is judged apart, it cannot make the
  old words worse unseen);
- new words (`words_to_learn`): every one of Quick, Draw!'s 345 words the model does not know yet and
  that players drew at least `NEW_WORD_MIN` times is added by the next retraining; the checkpoint and
  the outcome carry `new_words`, {word: collected drawings it was learnt from};
- the outcome file: the job writes one JSON object (`write_outcome`, atomically) beside its
  checkpoint; the kiosk reads it (`read_outcome`) as an `Outcome`, even after a restart. File names
  never repeat (`unused_path`), since a kiosk without a clock battery can repeat a time stamp.

Pure: no pygame, no torch, no database.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path

HELD_OUT_SET = "store:kiosk (held out)"   # the evaluation set's name in the models table's metrics
HOLDOUT_PERCENT = 10     # share of collected drawings never trained on, kept to judge new models
MIN_HELD_OUT = 10        # with fewer held-out drawings there is nothing to judge by: no swap
OUTCOME_PATTERN = "onsite-*.json"   # the outcome files in the models folder (`onsite-STAMP.json`)
SCRATCH_PREFIX = "retrain-"         # a job's scratch folder beside them, with its snapshot of the database
CALIBRATION_CACHE = "calibration-cache.npz"  # beside them: the calibration doodles' rasters, rendered once
# A word the model does not know is learnt once players drew it this many times (trained-on drawings,
# held-out ones not counted). The default. Measured (bench/bench_learning.py, 3 folds, README): a new
# word is the top guess for 46.6% of its other real drawings after 20 (issue 12 asks 70%), 38.6% after 5.
NEW_WORD_MIN = 20
NEW_WORDS_SET = "store:kiosk new words (held out)"   # held-out drawings of the words a job added
# Metrics key (no evaluation set): for each word the new model was taught from players' drawings alone (its
# checkpoint's logit offsets), how many of that word's held-out drawings it recognises, by the game's rule,
# whole: {word: {"recognised": r, "drawings": n}}. "What you taught the machine" shows it beside the word,
# since a word learnt from 20 drawings is the top guess for fewer than half of its other drawings (README,
# bench_learning.py: 46.6%) and visitors should see so.
TAUGHT_RECOGNISED = "taught_words_recognised"
# The on-site fine-tune's steps at most (finetune.schedule with this cap). Measured (bench_learning.py
# --onsite 10000, load 2, session 5's machine): with 800 the whole retraining on 10,000 drawings took
# 144 s, 73 s of it the 800 steps (1,400 images/s on one thread); 500 saves ~27 s of them.
ONSITE_MAX_STEPS = 500
# CPU threads of the job's training and rendering. Measured on a 2-core machine that trains at half
# that speed (bench_learning.py --onsite 10000, quiet; the kiosk's first retraining / the next, which
# reads the calibration cache): 1 thread 186 s / 158 s, 2 threads 133 s / 103 s (500 steps in 47 s,
# calibration 39 s / 9 s). At SCHED_IDLE the game's thread still comes first: bench_kiosk.py beside a
# 2-thread job, 62.1 FPS (61.7 alone), frame work p99 5.6 ms (3.7 ms alone), at most 8.3 ms.
ONSITE_THREADS = 2


def words_to_learn(counts: dict, known, teachable, minimum: int = NEW_WORD_MIN) -> dict:
    """{word: drawings} of the `teachable` words not in `known` with at least `minimum` drawings in
    `counts` ({word: drawings}), in `teachable`'s order."""
    known = set(known)
    return {w: int(counts[w]) for w in teachable if w not in known and count(counts.get(w)) >= max(1, minimum)}


def is_held_out(key: str, percent: int) -> bool:
    """The same answer for a drawing's key on every run: held out for ever, or never."""
    return int(hashlib.sha256(key.encode("utf-8")).hexdigest()[:8], 16) % 100 < percent


def decide(current_top1: float | None, new_top1: float | None, tolerance: float = 0.0) -> tuple[bool, str]:
    """Swap only if the new model is not worse on the held-out drawings: (accepted, why)."""
    if new_top1 is None or current_top1 is None:
        return False, "no held-out drawing of a category both models know"
    if new_top1 + 1e-12 >= current_top1 - tolerance:
        return True, f"held-out top-1 {current_top1:.3f} -> {new_top1:.3f}: not worse"
    return False, f"held-out top-1 {current_top1:.3f} -> {new_top1:.3f}: worse, kept the current model"


def summary(metrics: dict) -> dict:
    """The figures of an evaluation (`model.evaluate`) worth a row in the models table."""
    early = metrics.get("early")
    return {"top1": metrics.get("top1"), "top3": metrics.get("top3"), "examples": metrics.get("examples"),
            "early": early.get("median") if isinstance(early, dict) else early}


def count(value) -> int:
    """A drawing count read from a file or the models table; anything else counts as 0."""
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    return int(value) if ok else 0


def new_word_counts(value) -> dict[str, int]:
    """`new_words` as read back from an outcome file or the models table: {word: collected drawings}
    for the words with a count of at least one; {} for anything that is not such a mapping (nothing
    read from disk may stop the game, and a word without a count could not say what it was learnt from)."""
    if not isinstance(value, dict):
        return {}
    return {str(word): count(n) for word, n in value.items() if count(n) > 0}


def taught_recognised(value) -> dict[str, tuple[int, int]]:
    """`TAUGHT_RECOGNISED` as read back from an outcome file or the models table: {word: (recognised,
    drawings)} for the entries with 1 <= drawings and 0 <= recognised <= drawings; anything else is skipped."""
    if not isinstance(value, dict):
        return {}
    out = {}
    for word, entry in value.items():
        if isinstance(entry, dict):
            right, total = entry.get("recognised"), entry.get("drawings")
            # count() makes anything but a whole number of drawings 0 or other than itself (1.5 -> 1)
            if count(total) >= 1 and not isinstance(right, bool) and 0 <= count(right) == right <= count(total):
                out[str(word)] = (count(right), count(total))
    return out


def unused_path(path: Path) -> Path:
    """`path`, or `path` with -2, -3, ... before its suffix if that exists. A kiosk without a clock
    battery or network can repeat a time stamp, and the file it would overwrite may be the active model."""
    candidate, number = path, 1
    while candidate.exists():
        number += 1
        candidate = path.with_name(f"{path.stem}-{number}{path.suffix}")
    return candidate


@dataclass
class Outcome:
    """What a retraining job reported (its JSON file): `accepted`, `version`, `path` of the new
    checkpoint, `reason`, `collected` (players' drawings when it started), `metrics` (the new
    model's, `HELD_OUT_SET` among them), `current` (the old model's version and held-out figures),
    `new_words` ({word: collected drawings} of the words it added)."""
    file: Path
    data: dict

    @property
    def accepted(self) -> bool:
        return bool(self.data.get("accepted")) and bool(self.data.get("path"))

    @property
    def version(self) -> str | None:
        return self.data.get("version")

    @property
    def collected(self) -> int:
        return count(self.data.get("collected"))

    @property
    def new_words(self) -> dict:
        """{word: collected drawings it was learnt from} for the words this job added ({} if none)."""
        return new_word_counts(self.data.get("new_words"))

    def record_metrics(self, decision: str) -> dict:
        """The models-table metrics: the new model's evaluations plus how the decision was made."""
        current = self.data.get("current") or {}
        return {**(self.data.get("metrics") or {}), "previous_version": current.get("version"),
                "previous_top1": current.get("top1"), "collected_drawings": self.data.get("collected", 0),
                "decision": decision, "reason": self.data.get("reason", ""), "new_words": self.new_words}


def write_outcome(path: Path, data: dict) -> None:
    """Write the outcome atomically: a reader sees the whole file or none of it."""
    temp = path.with_name(f".{path.name}.tmp")
    temp.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(temp, path)


def read_outcome(file: Path) -> Outcome:
    """The outcome in `file`; OSError or ValueError (naming nothing: the caller names the file)."""
    data = json.loads(Path(file).read_text(encoding="utf-8"))
    if not isinstance(data, dict):   # every later step reads it as one: a crash loop otherwise
        raise ValueError(f"a JSON object was expected, not {type(data).__name__}")
    return Outcome(Path(file), data)

"""One on-site retraining, run by the kiosk as a background process at the lowest CPU priority.

    python -m model.retrain_job --db data/pennydraw.db --init data/models/X.pt --out-dir data/models \
        --collected 1200

Steps, each safe to interrupt (the kiosk may be killed at any moment; nothing here touches the live
database except to read it):
1. Priority: `nice 19` and Linux's SCHED_IDLE (runs only when the game leaves a core idle); the
   process dies with the kiosk (PR_SET_PDEATHSIG, and `--parent-pid` for a kiosk that died before
   that was armed), and so does the training it starts.
2. A consistent snapshot of the live database (`Store.snapshot`, SQLite's backup API, which works
   while the game writes), from which the *held-out* drawings are removed (`onsite.is_held_out`).
3. `train.py --init CURRENT --db SNAPSHOT --out NEW.pt --categories +NEW,WORDS --holdout 0` (`--threads`,
   default `onsite.ONSITE_THREADS`; every drawing of the snapshot trained on; the calibration doodles'
   rasters cached beside the models, `onsite.CALIBRATION_CACHE`; the CLI
   researchers use too, run as `python -m model.train_command`: an installed copy has no train.py).
   NEW,WORDS are the words of Quick, Draw!'s 345 the current model does not know that the snapshot
   holds at least `--new-word-min` drawings of (`onsite.words_to_learn`): the fine-tune grows the
   head for them and learns them from the players' drawings alone.
4. The current and the new model are both evaluated on the held-out drawings of the words the current
   model knows (`model/evaluate.py`), and `onsite.decide` says whether the new one is not worse; the
   new words' held-out drawings are scored apart (`onsite.NEW_WORDS_SET`), and for every word taught from
   players' drawings alone the new model's recognitions of its held-out drawings are counted
   (`onsite.TAUGHT_RECOGNISED`: what "What you taught the machine" shows beside the word).
5. The outcome is written atomically (`onsite.write_outcome`); the kiosk picks it up, records it in
   the `models` table and swaps the model in between two games if it was accepted.

No pygame: the job is the headless half of on-site learning; `model/onsite.py` is the contract it
shares with the game (`game/learning.py`, the kiosk and the home game).
"""
from __future__ import annotations

import argparse
import ctypes
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from model.locations import child_environment, module_command
from model.onsite import (CALIBRATION_CACHE, HELD_OUT_SET, HOLDOUT_PERCENT, MIN_HELD_OUT, NEW_WORD_MIN, NEW_WORDS_SET,
                          ONSITE_MAX_STEPS, ONSITE_THREADS, SCRATCH_PREFIX, TAUGHT_RECOGNISED, decide, is_held_out,
                          summary, unused_path, words_to_learn, write_outcome)

PR_SET_PDEATHSIG = 1


def lowest_priority() -> str:
    """nice 19, and SCHED_IDLE where Linux offers it (inherited by the training); what was set."""
    niceness = os.nice(19)
    policy = "normal"
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
        policy = "SCHED_IDLE"
    except (AttributeError, OSError):
        pass
    return f"nice {niceness}, {policy}"


def die_with_parent(sig: int = signal.SIGTERM) -> None:
    """Ask Linux to send `sig` when the parent dies (a killed kiosk leaves no training behind)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
    except (OSError, AttributeError):
        pass


def snapshot_without_held_out(db: Path, target: Path, percent: int) -> list[tuple[str, list]]:
    """Copy `db` to `target` minus its held-out drawings; return those (word, drawing) pairs."""
    from model.store import Store

    with Store(db, read_only=True) as live:
        return live.snapshot(target, leave_out=lambda key: is_held_out(key, percent))


def word_counts(snapshot: Path) -> dict:
    """{word: drawings} in the snapshot."""
    from model.store import Store

    with Store(snapshot, read_only=True) as store:
        return dict(store.db.execute("SELECT word, count(*) FROM drawings GROUP BY word").fetchall())


def new_words(counts: dict, known, minimum: int) -> dict:
    """{word: drawings} the snapshot teaches: the 345 words not `known` with >= `minimum` drawings."""
    import assets
    from model.categories import load_categories

    return words_to_learn(counts, known, load_categories(assets.path("quickdraw_categories.txt")), minimum)


def training_options(args, adding: dict) -> list[str]:
    """train.py's options beyond the fixed ones: the words to add, the replay, the schedule."""
    options = ["--categories", "+" + ",".join(adding)] if adding else []
    if args.synthetic is not None:
        options += ["--synthetic", str(args.synthetic)]
    if args.calibrate:
        options += ["--calibrate", str(args.calibrate)]
    if args.epochs:
        return options + ["--epochs", str(args.epochs)]
    # train.py's own schedule (by the drawings it trains on), capped so that the kiosk gets its model within minutes
    return options + ["--step-cap", str(ONSITE_MAX_STEPS)]


def run(args) -> dict:
    """Snapshot, train, evaluate, decide; returns the outcome (also written to `args.result`)."""
    started = time.monotonic()
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    out = unused_path(args.out_dir / f"onsite-{stamp}.pt")
    outcome = {"created_at": stamp, "collected": args.collected, "accepted": False, "version": None,
               "path": None, "init": args.init}
    with tempfile.TemporaryDirectory(prefix=SCRATCH_PREFIX, dir=args.out_dir) as scratch:
        snapshot = Path(scratch) / "kiosk.db"
        held = snapshot_without_held_out(args.db, snapshot, args.holdout_percent)
        outcome["held_out"] = len(held)
        if len(held) < args.min_held_out:
            outcome["reason"] = f"only {len(held)} held-out drawings, {args.min_held_out} needed to judge"
            return outcome
        from model.classify import BUNDLED_PATH, read_checkpoint

        known = read_checkpoint(BUNDLED_PATH if args.init == "bundled" else Path(args.init))["categories"]
        counts = word_counts(snapshot)
        adding = new_words(counts, known, args.new_word_min)
        outcome["new_words"] = {}
        command = module_command("model.train_command", "--init", args.init, "--db", str(snapshot),
                                 "--out", str(out), "--eval", "none", "--threads", str(args.threads), "--quiet",
                                 "--seed", str(args.collected % 100_000),
                                 "--calibration-cache", str(args.out_dir / CALIBRATION_CACHE),
                                 "--holdout", "0")  # the snapshot has no held-out drawing left: train on all
        if adding:
            print(f"adding {len(adding)} new word(s): {adding}", flush=True)
        command += training_options(args, adding)
        print("running:", " ".join(command), flush=True)
        training = subprocess.Popen(command, env=child_environment(), preexec_fn=die_with_parent)
        signal.signal(signal.SIGTERM, lambda *_: (training.terminate(), sys.exit(143)))
        if training.wait() != 0:
            outcome["reason"] = f"the training failed with exit code {training.returncode}"
            return outcome

    import torch
    from model.classify import Classifier
    from model.datasets import Examples
    from model.evaluate import evaluate

    torch.set_num_threads(args.threads)
    from model.classify import read_checkpoint

    current = Classifier.load(None if args.init == "bundled" else args.init)
    new = Classifier.load(out)
    # Judged on the words both know: the old words must not get worse. The added words apart.
    old_words = set(current.categories)
    examples = Examples(drawings=[(w, d) for w, d in held if w in old_words], sources={HELD_OUT_SET: len(held)})
    # The decision reads top-1 on whole drawings: the current model is scored on those alone (its
    # early recognition would cost ten rasters a drawing for a figure nobody reads), the new one, which
    # the models table records, on its growing prefixes too.
    before = {**summary(evaluate(current, examples, HELD_OUT_SET, fractions=(1.0,))), "early": None}
    after = summary(evaluate(new, examples, HELD_OUT_SET))
    accepted, reason = decide(before["top1"], after["top1"], args.tolerance)
    metrics = {HELD_OUT_SET: after}
    added = {str(w): int(n) for w, n in (read_checkpoint(out).get("new_words") or {}).items()}
    outcome["new_words"] = added
    taught = [(w, d) for w, d in held if w in added]
    if taught:
        metrics[NEW_WORDS_SET] = summary(evaluate(new, Examples(drawings=taught), NEW_WORDS_SET))
        reason += f"; {len(added)} new word(s), held-out top-1 {metrics[NEW_WORDS_SET]['top1']:.3f}"
    elif added:
        reason += f"; {len(added)} new word(s) (no held-out drawing of them yet)"
    recognised = taught_recognition(new, held)
    if recognised:
        metrics[TAUGHT_RECOGNISED] = recognised
    metrics.update({name: summary(m) for name, m in new.metrics.items()
                    if isinstance(m, dict) and name.startswith("synthetic")})
    outcome.update(version=new.version, path=str(out), accepted=accepted, reason=reason, metrics=metrics,
                   current={"version": current.version, **before},
                   examples=int(new.data.get("examples") or 0),
                   player_examples=int(new.data.get("player_examples") or 0),
                   trained_at=new.created_at, seconds=round(time.monotonic() - started, 1))
    return outcome


def taught_recognition(classifier, held) -> dict:
    """For each word `classifier` was taught from players' drawings alone (its logit offsets) that `held`
    ([(word, drawing)], never trained on) has drawings of: how many of them the game's rule recognises,
    whole ({word: {"recognised": r, "drawings": n}}, `onsite.TAUGHT_RECOGNISED`)."""
    taught = {word: [d for w, d in held if w == word] for word in classifier.offsets}
    out = {}
    for word, drawings in taught.items():
        if drawings:
            guesses = classifier.predict_many(drawings, k=len(classifier.categories))
            out[word] = {"recognised": sum(classifier.recognizes(g, word) for g in guesses), "drawings": len(drawings)}
    return out


def parse_args(argv):
    p = argparse.ArgumentParser(prog="python -m model.retrain_job", description=__doc__.split("\n")[0])
    p.add_argument("--db", type=Path, required=True, help="the kiosk's live database (only read)")
    p.add_argument("--init", required=True, help="'bundled' or the current model's checkpoint")
    p.add_argument("--out-dir", type=Path, required=True, help="where the new checkpoint and outcome go")
    p.add_argument("--result", type=Path, help="the outcome JSON (default: beside the checkpoint)")
    p.add_argument("--collected", type=int, default=0, help="players' drawings when this run was started")
    p.add_argument("--holdout-percent", type=int, default=HOLDOUT_PERCENT)
    p.add_argument("--min-held-out", type=int, default=MIN_HELD_OUT)
    p.add_argument("--synthetic", type=int, help="generated doodles per category replayed (default: train.py's)")
    p.add_argument("--new-word-min", type=int, default=NEW_WORD_MIN,  # the game passes Settings.teach_word_drawings
                   help=f"drawings a word the model does not know needs to be added (default {NEW_WORD_MIN})")
    p.add_argument("--threads", type=int, default=ONSITE_THREADS,
                   help=f"CPU threads of the training (default {ONSITE_THREADS}; at SCHED_IDLE the game's own come first)")
    p.add_argument("--epochs", type=int)
    p.add_argument("--calibrate", type=int, help="generated doodles per category for the calibration")
    p.add_argument("--tolerance", type=float, default=0.0)
    p.add_argument("--parent-pid", type=int, help="the kiosk's pid: the job stops at once if it is gone")
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.threads < 1:
        raise SystemExit(f"python -m model.retrain_job: error: --threads must be at least 1, got {args.threads}")
    if args.new_word_min < 1:
        raise SystemExit(f"python -m model.retrain_job: error: --new-word-min must be at least 1, got {args.new_word_min}")
    die_with_parent()
    if args.parent_pid is not None and os.getppid() != args.parent_pid:
        # The kiosk died before PDEATHSIG was armed: nothing would read the outcome or stop this job.
        print(f"the kiosk (pid {args.parent_pid}) is gone: no retraining", file=sys.stderr, flush=True)
        return 1
    print(f"retraining pid {os.getpid()} at priority: {lowest_priority()}", flush=True)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    result = args.result or args.out_dir / f"outcome-{datetime.now(timezone.utc):%Y%m%d-%H%M%S}.json"
    try:
        outcome = run(args)
    except Exception as error:   # reported to the kiosk as an outcome, never a silent death
        outcome = {"accepted": False, "version": None, "collected": args.collected,
                   "reason": f"retraining failed: {type(error).__name__}: {error}"}
        print(outcome["reason"], file=sys.stderr, flush=True)
    write_outcome(result, outcome)
    print(json.dumps({k: outcome.get(k) for k in ("version", "accepted", "reason")}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

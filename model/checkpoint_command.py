"""What train.py does with a checkpoint apart from training it: `--eval-only` (the evaluation tables
of an existing checkpoint) and `--recalibrate` (its temperature and recognition thresholds refitted in
place), and the two steps every checkpoint `train_command.py` writes also goes through: calibration on
generated doodles (`fit_calibration`) and the recognition table on real drawings (`print_recognition`).
"""
from __future__ import annotations

import time
from pathlib import Path

from model.train_options import check_numbers, choose_categories, fail

EVAL_SEED_OFFSET = 1_000_003  # held-out synthetic doodles use seed + this, never a training drawing


def evaluate_only(args) -> int:
    """--eval-only: print the evaluation tables of --checkpoint on the given sources."""
    from model import classify, datasets
    from model.evaluate import format_report

    check_numbers(args)
    if args.checkpoint is None:
        fail("--eval-only needs --checkpoint PATH")
    if args.init or args.out:
        fail("--eval-only trains nothing: drop --init and --out")
    clf = classify.Classifier.load(args.checkpoint, threads=args.threads)
    print(f"{args.checkpoint}: version {clf.version}, {len(clf.categories)} categories")
    categories = choose_categories(args.categories, list(clf.categories))
    sets = []
    if args.synthetic:
        seed = (args.seed if args.seed is not None else 1234) + EVAL_SEED_OFFSET
        from model import synth
        drawable = [c for c in categories if c in set(synth.categories_with_recipes())]
        sets.append(("synthetic (held out)", datasets.synthetic(drawable, args.synthetic, seed)))
    if args.db:
        sets.append((f"store:{args.db.name}", datasets.from_store(args.db, categories)[0]))
    for directory in (args.quickdraw, args.eval_dir if str(args.eval_dir) != "none" else None):
        if directory is not None:
            sets.append((f"quickdraw:{directory.name}", datasets.from_quickdraw_dir(directory, categories)))
    if not sets:
        fail("nothing to evaluate on: give --quickdraw DIR, --db PATH or --synthetic N")
    for name, examples in sets:
        print(format_report(run_evaluation(clf, examples, name)))
        print_recognition(clf, examples)
    return 0


def recalibrate(args) -> int:
    """--recalibrate: refit --checkpoint's temperature and recognition thresholds (on the calibration
    doodles every model is fitted on, so the same numbers as the run that trained it), written back
    atomically."""
    from model import classify

    check_numbers(args)
    if args.checkpoint is None:
        fail("--recalibrate needs --checkpoint PATH")
    if args.eval_only or args.init or args.out or args.synthetic or args.db or args.quickdraw:
        fail("--recalibrate trains and evaluates nothing: give only --checkpoint (and --calibrate)")
    checkpoint = classify.read_checkpoint(args.checkpoint)
    clf = classify.Classifier.load(args.checkpoint, threads=args.threads)
    checkpoint.update(fit_calibration(clf, args.calibrate))
    classify.save_checkpoint(checkpoint, args.checkpoint)
    classify.Classifier.load(args.checkpoint)  # proves the file loads
    print(f"wrote the temperature and recognition thresholds into {args.checkpoint}")
    return 0


def fit_calibration(clf, per_category: int | None, cache: Path | None = None) -> dict:
    """Fit the temperature and the recognition rule on generated doodles, set them on `clf`, and
    return them for the checkpoint (`cache`: the file keeping their rasters, model/calibration.py)."""
    from model import calibration
    from model.recognition import RecognitionRule

    started = time.perf_counter()
    fitted = calibration.calibrate(clf, per_category=per_category or calibration.PER_CATEGORY, cache=cache)
    if not fitted:
        print("no doodle recipe for these categories: temperature 1 and the old recognition rule")
        return {}
    clf.temperature, clf.rule = fitted["temperature"], RecognitionRule.from_dict(fitted["recognition"])
    info = fitted["recognition"]["fitted"]
    print(f"calibrated on {info['drawings']} generated doodles ({info['images']} prefixes) in "
          f"{time.perf_counter() - started:.0f} s: temperature {fitted['temperature']:.3f} "
          f"(NLL {info['nll_before']:.3f} -> {info['nll_after']:.3f}); recognition thresholds "
          f"{min(clf.rule.thresholds.values()):.2f}-{max(clf.rule.thresholds.values()):.2f}")
    return fitted


def print_recognition(clf, examples) -> None:
    """The recognition table of real drawings: the old rule and this checkpoint's, side by side."""
    from model import recognition_eval

    if examples.drawings:
        print(recognition_eval.format_comparison(recognition_eval.compare(clf, examples.drawings)))


def run_evaluation(clf, examples, name: str) -> dict:
    from model.evaluate import evaluate

    return evaluate(clf, examples, name)

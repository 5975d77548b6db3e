"""Benchmark "learning from players": the learning curve of the default fine-tune on real drawings.

    python bench/bench_learning.py                          # 1/5/20/50 drawings a word, 2 folds
    python bench/bench_learning.py --shots 5,20 --folds 3 --no-prototype
    python bench/bench_learning.py --onsite 10000           # also time an on-site retraining
    python bench/bench_learning.py --shots 20 --folds 1 --first-fold 1 --set lr=0.002   # one lever, one fold

Real Quick, Draw! drawings from ../shared/quickdraw-sample (never trained on for the bundled model)
stand in for players' drawings. Per fold (a seed) every category's drawings are shuffled; the first
min(max(shots), n - MIN_TEST) form its pool of "collected drawings", the rest its test set, the same
for every number of shots. For each k the bundled model is fine-tuned with the defaults of
`model/finetune.py` (what `train.py --init bundled --db ...` and the kiosk run) twice:

- known: on the first k pool drawings of each of the 40 words it knows;
- known + new: the same plus the first k of each *new* word (outside the 40, with at least NEW_MIN
  drawings in the sample: piano, crab, bear, ...), the head grown for them (`--categories +...`).

Columns: macro top-1 on the test drawings of the 40 words (bundled model, fine-tune "known", fine-tune
"known + new"), the old words' loss from adding new ones, and the new words' macro top-1. Words with
fewer drawings than k + MIN_TEST give what they have (the "mean shots" columns say how many). Each
fold's line also says where the old loss goes (`loss_parts`, macro points): old-word drawings the 40
alone got right that the fine-tune beside new words gives to a new word ("to new") or to another old
word ("among old"), less the ones only it gets right ("regained").
`--onsite N` times an on-site retraining (`model/retrain_job.py`) on a database of N collected drawings
(generated, since the sample is too small), on the kiosk's threads (`--onsite-threads`, default
`onsite.ONSITE_THREADS`): a kiosk's first (which
renders the calibration doodles and caches them beside its models) and the next one (which reads them).
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as train.py: idle threads sleep on a shared machine
import numpy as np  # noqa: E402
import torch  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from model import classify, datasets, finetune, net, onsite, synth, training  # noqa: E402
from model.evaluate import evaluate  # noqa: E402

SAMPLE_DIR = REPO.parent / "shared" / "quickdraw-sample"
MIN_TEST = 5  # drawings of a word always left for the test set
NEW_MIN = 25  # a word outside the 40 is measured if the sample has at least this many drawings of it


def split_fold(examples: datasets.Examples, pool_size: int, seed: int):
    """(pool, test): per category a seeded shuffle (one generator through the sorted categories, so
    `--no-new`, which loads fewer words, gives the 40 another split: compare runs of the same kind);
    the first min(pool_size, n - MIN_TEST) are the pool (ordered: k shots = the first k), the rest the
    test set."""
    rng = np.random.default_rng(seed)
    items = [(c, "drawing", d) for c, d in examples.drawings] + [(c, "bitmap", b) for c, b in examples.bitmaps]
    by_category: dict[str, list] = {}
    for item in items:
        by_category.setdefault(item[0], []).append(item)
    pool, test = {}, datasets.Examples()
    for category, group in sorted(by_category.items()):
        order = rng.permutation(len(group))
        size = max(0, min(pool_size, len(group) - MIN_TEST))
        pool[category] = [group[i] for i in order[:size]]
        for _, kind, value in (group[i] for i in order[size:]):
            (test.drawings if kind == "drawing" else test.bitmaps).append((category, value))
    return pool, test


def shots_examples(pool: dict, k: int, words) -> datasets.Examples:
    chosen = datasets.Examples()
    for category in words:
        for _, kind, value in pool.get(category, [])[:k]:
            (chosen.drawings if kind == "drawing" else chosen.bitmaps).append((category, value))
    return chosen


def only(examples: datasets.Examples, words) -> datasets.Examples:
    words = set(words)
    return datasets.Examples(drawings=[x for x in examples.drawings if x[0] in words],
                             bitmaps=[x for x in examples.bitmaps if x[0] in words])


def fine_tune(checkpoint: dict, categories: list[str], new_words: list[str], collected: datasets.Examples,
              replay: datasets.RasterSet, seed: int, threads: int, settings: finetune.FinetuneSettings,
              train_changes: dict | None = None):
    """The bundled network fine-tuned as `train.py --init` does (defaults of model/finetune.py, but for
    `train_changes`: TrainConfig fields)."""
    torch.manual_seed(seed)
    model = net.build(net.config_from_dict(checkpoint["config"]))
    model.load_state_dict(checkpoint["weights"])
    model = training.adapt_to_categories(model, list(checkpoint["categories"]), categories)
    config = finetune.train_config(**{**(train_changes or {}), "seed": seed, "threads": threads})
    render = datasets.RenderSettings(config.prefixes, (config.prefix_low, config.prefix_high), seed,
                                     model.config.image_size)
    data = finetune.prepare(model, categories, collected, new_words, config.batch_size, seed, render, settings,
                            replay=datasets.RasterSet(replay.images, replay.labels, tuple(categories)),
                            log=lambda line: None)
    training.train(model, data, config, progress=False, log=lambda line: None)
    offsets = finetune.taught_offsets(categories, synth.categories_with_recipes(), settings)
    return classify.Classifier(model, categories, offsets=offsets, mirror=finetune.guesses_mirrored(config))


def top1(clf, test: datasets.Examples) -> float:
    return evaluate(clf, test, "test", fractions=(1.0,))["top1"]


def top1_guesses(clf, test: datasets.Examples) -> tuple[list[str], list[str | None]]:
    """(truths, top-1 guesses) of `test`'s drawings then bitmaps (None for a blank one)."""
    truths = [c for c, _ in test.drawings] + [c for c, _ in test.bitmaps]
    guesses = clf.predict_many([d for _, d in test.drawings], k=1)
    if test.bitmaps:
        guesses += clf.predict_bitmaps(np.stack([b for _, b in test.bitmaps]), k=1)
    return truths, [g[0][0] if g else None for g in guesses]


def macro(truths, hits) -> float:
    """Mean over the true categories of the share of their items where `hits` is true."""
    per_word: dict[str, list] = {}
    for truth, hit in zip(truths, hits):
        per_word.setdefault(truth, []).append(hit)
    return float(np.mean([np.mean(v) for v in per_word.values()])) if per_word else 0.0


def loss_parts(truths, alone, beside, new_words) -> dict[str, float]:
    """Where the old words' loss goes, in macro top-1 points, from the top-1 guesses (`top1_guesses`)
    of the fine-tune on the 40 alone and of the one beside new words on the same items: drawings `alone`
    got right that `beside` gives to a new word ("to new") or to another old word ("among old"), less
    those only `beside` gets right ("regained")."""
    new_words = set(new_words)
    hits = {"to new": [x == t and y in new_words for t, x, y in zip(truths, alone, beside)],
            "among old": [x == t and y != t and y not in new_words for t, x, y in zip(truths, alone, beside)],
            "regained": [x != t and y == t for t, x, y in zip(truths, alone, beside)]}
    return {name: 100 * macro(truths, h) for name, h in hits.items()}


def taken_by(truths, guesses, words) -> tuple[float, float, list]:
    """From top-1 guesses (`top1_guesses`): the share of items guessed as one of `words` (pooled, and
    `macro`: the top-1 points it costs), and the commonest (truth, guess, n). (Before session 10 this
    counted only the evaluation's ten worst confusions, so it said too little.)"""
    words = set(words)
    taken = [g in words for g in guesses]
    pairs = Counter((t, g) for t, g, hit in zip(truths, guesses, taken) if hit)
    return sum(taken) / max(len(truths), 1), macro(truths, taken), [(t, g, n) for (t, g), n in pairs.most_common(4)]


def new_words_of(sample: Path, known: list[str]) -> list[str]:
    """Words outside `known` with at least NEW_MIN drawings (strokes or bitmaps) in the sample."""
    counts = datasets.from_quickdraw_dir(sample, set(datasets.quickdraw_files(sample)) - set(known)).per_category()
    return sorted(word for word, n in counts.items() if n >= NEW_MIN)


def onsite_seconds(drawings: int, threads: int) -> list[tuple[float, str]]:
    """Seconds of a kiosk's first two on-site retrainings (`retrain_job.run`: snapshot, `train.py` on
    `threads` threads, held-out judgement; the second finds the calibration cache the first wrote), with their
    reasons, on a fresh database of `drawings` generated drawings of the 40 words, with the kiosk's
    replay (--synthetic 50). Run in this process at this bench's priority: the kiosk's job adds nice 19
    and SCHED_IDLE, which on a machine other people keep busy measures their load, not the job."""
    from model import retrain_job
    from model.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "kiosk.db"
        words = synth.categories_with_recipes()[:40]
        with Store(db) as store:
            session = store.start_session()
            stream = synth.generate_dataset(words, -(-drawings // len(words)), 4242)
            for i, (word, drawing) in enumerate(stream):
                if i >= drawings:
                    break
                store.save_drawing(session, word, drawing, True, 1000, 2000, [], key=f"bench-{i}")
        (Path(tmp) / "models").mkdir()
        args = retrain_job.parse_args(["--db", str(db), "--init", "bundled", "--out-dir", str(Path(tmp) / "models"),
                                       "--collected", str(drawings), "--synthetic", "50", "--threads", str(threads)])
        runs = []
        for _ in range(2):
            started = time.perf_counter()
            outcome = retrain_job.run(args)
            runs.append((time.perf_counter() - started, outcome.get("reason", "")))
        return runs


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--checkpoint", type=Path, help="default: the bundled assets/model.pt")
    p.add_argument("--sample", type=Path, default=SAMPLE_DIR, help="folder of real drawings")
    p.add_argument("--shots", default="1,5,20,50", help="collected drawings per word to fine-tune on")
    p.add_argument("--folds", type=int, default=2, help="random splits (seeds) to average over")
    p.add_argument("--first-fold", type=int, default=0, help="the first split's seed (folds run from it)")
    p.add_argument("--no-new", action="store_true", help="only the 40 known words")
    p.add_argument("--no-prototype", action="store_true", help="new words' head rows start at random")
    p.add_argument("--no-known-only", action="store_true", help="skip the fine-tune on the 40 words alone")
    p.add_argument("--pool", type=int, help="collected drawings a word at most (default max(shots)): the same test "
                                            "sets as a run with other --shots")
    p.add_argument("--lr", type=float, default=None, help=f"peak learning rate (default finetune.LR = {finetune.LR})")
    p.add_argument("--onsite", type=int, default=0, metavar="N", help="also time an on-site retraining on N drawings")
    p.add_argument("--onsite-threads", type=int, default=onsite.ONSITE_THREADS, help="the retraining's CPU threads")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                   help="a lever: a finetune.FinetuneSettings or training.TrainConfig field (e.g. flip=0.5, "
                        "prefixes=1, replay_share=0.3), repeatable")
    args = p.parse_args(argv)

    shots = sorted({int(s) for s in args.shots.split(",") if s.strip()})
    if not shots or shots[0] < 1 or args.folds < 1 or args.first_fold < 0:
        p.error("--shots must be positive integers, --folds at least 1 and --first-fold at least 0")
    if not args.sample.is_dir():
        print(f"real drawings not found at {args.sample}: nothing to measure")
        return 0
    torch.set_num_threads(args.threads)
    path = args.checkpoint or classify.BUNDLED_PATH
    checkpoint = classify.read_checkpoint(path)
    known = list(checkpoint["categories"])
    new = [] if args.no_new else new_words_of(args.sample, known)
    base = classify.Classifier.load(path)
    examples = datasets.from_quickdraw_dir(args.sample, known + new)
    try:
        settings_changes, train_changes = levers(args.set)
    except ValueError as error:
        p.error(str(error))
    settings = finetune.FinetuneSettings(**{"prototype_init": not args.no_prototype, **settings_changes})
    if args.lr:
        train_changes["lr"] = args.lr
    render = datasets.RenderSettings(prefixes=finetune.train_config(**train_changes).prefixes)  # as train.py does
    drawable = [c for c in known if c in set(synth.categories_with_recipes())]
    replay = finetune.replay_rasters(known, drawable, settings.replay_per_category, 1234, render, args.threads)
    print(f"{path}: {len(known)} known words, {len(new)} new ({', '.join(new)}); {args.folds} folds; "
          f"prototype init {'on' if settings.prototype_init else 'off'}"
          f"{'; ' + ', '.join(args.set) if args.set else ''}", flush=True)
    rows: dict[int, list] = {k: [] for k in shots}
    base_scores = []
    started = time.perf_counter()
    for fold in range(args.first_fold, args.first_fold + args.folds):
        pool, test = split_fold(examples, args.pool or shots[-1], seed=fold)
        test_known, test_new = only(test, known), only(test, new)
        base_scores.append(top1(base, test_known))
        for k in shots:
            mine = shots_examples(pool, k, known)
            t = time.perf_counter()
            row = [np.nan, np.nan, np.nan, len(mine) / len(known), np.nan]
            alone = None
            if not args.no_known_only:
                alone = fine_tune(checkpoint, known, [], mine, replay, fold, args.threads, settings, train_changes)
                row[0] = top1(alone, test_known)
            taken = ""
            if new:
                theirs = shots_examples(pool, k, new)
                b = fine_tune(checkpoint, known + new, new, _join(mine, theirs),
                              replay, fold, args.threads, settings, train_changes)
                row[1], row[2], row[4] = top1(b, test_known), top1(b, test_new), len(theirs) / len(new)
                truths, beside = top1_guesses(b, test_known)  # once, for both analyses below
                share, points, pairs = taken_by(truths, beside, new)
                taken = (f"; {share:.1%} of old-word drawings taken by new words ({points * 100:.1f} points of "
                         f"macro top-1), e.g. " + ", ".join(f"{t} -> {g} {n}" for t, g, n in pairs))
                if alone is not None:
                    parts = loss_parts(truths, top1_guesses(alone, test_known)[1], beside, new)
                    taken += "; the old loss: " + ", ".join(f"{name} {v:.1f}" for name, v in parts.items())
            rows[k].append(row)
            print(f"  fold {fold + 1 - args.first_fold}/{args.folds} (seed {fold}) k={k}: known {row[0]:.1%}, "
                  f"known+new {row[1]:.1%} / new {row[2]:.1%} (bundled {base_scores[-1]:.1%}; "
                  f"{time.perf_counter() - t:.0f} s){taken}", flush=True)

    baseline = float(np.mean(base_scores))
    print()
    print(f"{'drawings a word':>15}  {'known: fine-tune':>16}  {'gain':>6}  {'known+new: old':>14}  "
          f"{'old loss':>8}  {'new words':>14}  {'mean shots old/new':>18}")
    print(f"{'0 (bundled)':>15}  {baseline:16.1%}")
    for k, values in rows.items():
        a = np.array(values, dtype=float)
        print(f"{k:>15}  {_cell(a[:, 0]):>16}  {(a[:, 0].mean() - baseline) * 100:+6.1f}  {_cell(a[:, 1]):>14}  "
              f"{(a[:, 0].mean() - a[:, 1].mean()) * 100:8.1f}  {_cell(a[:, 2]):>14}  "
              f"{a[:, 3].mean():8.1f} / {a[:, 4].mean():<8.1f}")
    print(f"({time.perf_counter() - started:.0f} s; mean +- std over {args.folds} folds; macro top-1 on test "
          f"drawings never trained on; 'old loss' = known-only minus known+new on the 40 words)")
    if args.onsite:
        for which, (seconds, reason) in zip(("first", "next"), onsite_seconds(args.onsite, args.onsite_threads)):
            print(f"on-site retraining on {args.onsite:,} collected drawings, {args.onsite_threads} thread(s), the "
                  f"kiosk's {which}: {seconds:.0f} s ({reason})")
    return 0


def levers(assignments: list[str]) -> tuple[dict, dict]:
    """`--set FIELD=VALUE` lines -> (FinetuneSettings changes, TrainConfig changes), values parsed as the
    field's default is typed."""
    settings_fields = {f.name for f in dataclasses.fields(finetune.FinetuneSettings)}
    train_fields = {f.name for f in dataclasses.fields(training.TrainConfig)}
    settings_changes, train_changes = {}, {}
    for assignment in assignments:
        name, _, text = assignment.partition("=")
        name = name.strip().replace("-", "_")
        if name in settings_fields:
            default, target = getattr(finetune.FinetuneSettings(), name), settings_changes
        elif name in train_fields:
            default, target = getattr(finetune.train_config(), name), train_changes
        else:
            raise ValueError(f"--set {assignment}: no such FinetuneSettings or TrainConfig field")
        try:
            target[name] = (text.strip().lower() in ("1", "true", "yes")) if isinstance(default, bool) \
                else type(default)(text)
        except (TypeError, ValueError):
            raise ValueError(f"--set {assignment}: expected a {type(default).__name__}") from None
    return settings_changes, train_changes


def _join(a: datasets.Examples, b: datasets.Examples) -> datasets.Examples:
    return datasets.Examples(drawings=a.drawings + b.drawings, bitmaps=a.bitmaps + b.bitmaps)


def _cell(values: np.ndarray) -> str:
    return f"{np.nanmean(values):5.1%} +- {np.nanstd(values):4.1%}" if np.isfinite(values).any() else "-"


if __name__ == "__main__":
    sys.exit(main())

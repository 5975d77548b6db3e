"""Benchmark "learning from players": does fine-tuning on a few real drawings help on other real ones?

    python bench/bench_learning.py                       # the bundled model, 1/3/10 shots, 3 folds
    python bench/bench_learning.py --shots 1,3,10,30 --folds 5 --checkpoint runs/x.pt

The game keeps every consented drawing, and `train.py --db ... --init bundled` fine-tunes the model
on them. This bench imitates that with real Quick, Draw! drawings from ../shared/quickdraw-sample
standing in for the players' drawings: for each fold (a seed), every category's real examples are
shuffled; up to `max(shots)` of them (never more than half of a category) form the fold's pool of
"player drawings", the rest its test set. For each number of shots k the bundled model is fine-tuned
on the first k pool drawings per category (mixed with a little synthetic replay so that the other
categories are not forgotten, as `train.py --synthetic N --init bundled` does), then scored on the
fold's test set, which is the same for every k and never trained on. The table gives the mean and
spread over folds of the macro top-1/top-3 (mean over categories) and the pooled top-1.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from model import classify, datasets, net, synth, training  # noqa: E402
from model.evaluate import evaluate  # noqa: E402

SAMPLE_DIR = REPO.parent / "shared" / "quickdraw-sample"
REPLAY_SEED = 777_001  # synthetic replay doodles: a seed the bundled model was not trained with


def split_fold(examples: datasets.Examples, pool_size: int, seed: int):
    """(pool, test): per category a seeded shuffle; the first min(pool_size, n // 2) examples are
    the pool (ordered, so k shots = the first k), the rest the test set."""
    rng = np.random.default_rng(seed)
    items = [(c, "drawing", d) for c, d in examples.drawings] + [(c, "bitmap", b) for c, b in examples.bitmaps]
    by_category: dict[str, list] = {}
    for item in items:
        by_category.setdefault(item[0], []).append(item)
    pool, test = {}, datasets.Examples()
    for category, group in sorted(by_category.items()):
        order = rng.permutation(len(group))
        size = min(pool_size, len(group) // 2)
        pool[category] = [group[i] for i in order[:size]]
        for _, kind, value in (group[i] for i in order[size:]):
            (test.drawings if kind == "drawing" else test.bitmaps).append((category, value))
    return pool, test


def shots_examples(pool: dict, k: int) -> datasets.Examples:
    chosen = datasets.Examples()
    for category, items in pool.items():
        for _, kind, value in items[:k]:
            (chosen.drawings if kind == "drawing" else chosen.bitmaps).append((category, value))
    return chosen


def fine_tune(checkpoint: dict, real: datasets.Examples, replay: datasets.RasterSet, repeat: int,
              config: training.TrainConfig) -> classify.Classifier:
    """A fresh copy of the checkpoint's network, fine-tuned on `real` (repeated) plus the replay set."""
    categories = list(checkpoint["categories"])
    model = net.build(net.config_from_dict(checkpoint["config"]))
    model.load_state_dict(checkpoint["weights"])
    settings = datasets.RenderSettings(config.prefixes, (config.prefix_low, config.prefix_high), config.seed,
                                       model.config.image_size)
    rendered = datasets.rasterize_examples(real, categories, settings)
    data = datasets.concat([replay] + [rendered] * repeat)
    training.train(model, data, config, progress=False, log=lambda line: None)
    return classify.Classifier(model, categories)


def scores(clf: classify.Classifier, test: datasets.Examples) -> tuple[float, float, float]:
    m = evaluate(clf, test, "test", fractions=(1.0,))
    return m["top1"], m["top3"], m["pooled"]["top1"]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--checkpoint", type=Path, help="default: the bundled assets/model.pt")
    p.add_argument("--sample", type=Path, default=SAMPLE_DIR, help="folder of real drawings")
    p.add_argument("--shots", default="1,3,10", help="real drawings per category to fine-tune on")
    p.add_argument("--folds", type=int, default=3, help="random splits (seeds) to average over")
    p.add_argument("--replay", type=int, default=60, help="synthetic doodles per category mixed in")
    p.add_argument("--repeat", type=int, default=8, help="copies of each real drawing's images per epoch")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args(argv)

    shots = sorted({int(s) for s in args.shots.split(",") if s.strip()})
    if not shots or shots[0] < 1 or args.folds < 1:
        p.error("--shots must be positive integers and --folds at least 1")
    if not args.sample.is_dir():
        print(f"real drawings not found at {args.sample}: nothing to measure")
        return 0
    path = args.checkpoint or classify.BUNDLED_PATH
    checkpoint = classify.read_checkpoint(path)
    categories = list(checkpoint["categories"])
    torch.set_num_threads(args.threads)
    base = classify.Classifier.load(path)
    examples = datasets.from_quickdraw_dir(args.sample, categories)
    config = training.TrainConfig(epochs=args.epochs, lr=args.lr, threads=args.threads)
    drawable = [c for c in categories if c in set(synth.categories_with_recipes())]
    replay = datasets.RasterSet(torch.zeros((0, base.config.image_size, base.config.image_size), dtype=torch.uint8),
                                torch.zeros(0, dtype=torch.int64), tuple(categories))
    if args.replay and drawable:
        settings = datasets.RenderSettings(config.prefixes, (config.prefix_low, config.prefix_high), config.seed,
                                           base.config.image_size)
        made = datasets.synthetic_rasters(drawable, args.replay, REPLAY_SEED, settings, workers=args.threads)
        index = {c: i for i, c in enumerate(categories)}  # synthetic labels index `drawable`; remap
        labels = torch.tensor([index[c] for c in drawable])[made.labels]
        replay = datasets.RasterSet(made.images, labels, tuple(categories))

    print(f"{path}: {len(examples)} real examples in {len(examples.per_category())} categories; "
          f"{args.folds} folds, pool <= {shots[-1]} per category (at most half of it), the rest tested; "
          f"fine-tune {args.epochs} epochs at lr {args.lr}, each real drawing x{args.repeat} "
          f"(+ 2 prefixes), {args.replay} synthetic per category as replay")
    results: dict[int, list[tuple[float, float, float]]] = {k: [] for k in [0, *shots]}
    started = time.perf_counter()
    for fold in range(args.folds):
        pool, test = split_fold(examples, shots[-1], seed=fold)
        results[0].append(scores(base, test))
        for k in shots:
            torch.manual_seed(fold)
            tuned = fine_tune(checkpoint, shots_examples(pool, k), replay, args.repeat,
                              training.TrainConfig(**{**config.to_dict(), "scale": config.scale, "seed": fold}))
            results[k].append(scores(tuned, test))
        print(f"  fold {fold + 1}/{args.folds}: {len(test)} test examples, "
              + ", ".join(f"k={k} {results[k][-1][0]:.1%}" for k in results), flush=True)

    print()
    print(f"{'player drawings per category':>28}  {'macro top-1':>15}  {'macro top-3':>15}  {'pooled top-1':>15}  "
          f"{'gain (top-1)':>12}")
    baseline = np.mean([r[0] for r in results[0]])
    for k, rows in results.items():
        a = np.array(rows)
        label = "0 (bundled model)" if k == 0 else str(k)
        print(f"{label:>28}  {_cell(a[:, 0])}  {_cell(a[:, 1])}  {_cell(a[:, 2])}  "
              f"{(a[:, 0].mean() - baseline) * 100:+11.1f}%")
    print(f"({time.perf_counter() - started:.0f} s; mean +- std over {args.folds} folds; "
          f"categories with fewer than {2 * shots[-1]} real examples contribute at most half of them as shots)")
    return 0


def _cell(values: np.ndarray) -> str:
    return f"{values.mean():6.1%} +- {values.std():4.1%}"


if __name__ == "__main__":
    sys.exit(main())

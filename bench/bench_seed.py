"""Levers of the seed model (issue 13), side by side on real doodles, at a reduced scale.

Each lever is the bundled recipe (model/net.py, model/training.py defaults) with one thing changed,
trained from scratch on generated doodles only and scored on ../shared/quickdraw-sample (real Quick,
Draw! drawings and bitmaps of the 40 words, never trained on): macro top-1 / top-3, the bitmaps'
top-1 beside the strokes', training seconds. A full retrain (3,750 doodles a category, 3 epochs) takes
~15 minutes here, so levers are compared on `--per-category` doodles (default 600) and the winners
checked at full scale with train.py. The table of what was tried is in model/net.py's docstring.

    python bench/bench_seed.py                                  # every lever below
    python bench/bench_seed.py --levers base,smooth-0 --per-category 900
    python bench/bench_seed.py --levers base,deep --per-category 900 --seed 1234,4321,777   # mean of 3 seeds

The seed alone (its doodles and the network's start) moves the base recipe at 900 a word by 1.4 points of
macro top-1 (session 11: 71.9-73.3% over three seeds), so a lever that gains less on one seed proves
nothing: give several seeds and compare the means (each seed's row is printed, then the mean and spread).

`base` is the bundled recipe as it is now (TrainConfig and NetConfig defaults, the recipes), with
`--per-category` doodles: 900 a word is the bundled model's proportions at a quarter of its size (model/net.py's
table was measured at 600 with the recipe of then, 2 prefixes a doodle).

A lever is (name, what it changes): `doodles` multiplies the doodles per category, `epochs` sets the
passes (so `fresh` = three times the doodles, seen once: the same steps as `base`), `train` and
`net` override TrainConfig and NetConfig fields, `ema` scores the moving average of the weights with that
decay per step instead of the last weights. Every run is seeded: the same lever gives the same
numbers on a rerun.
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as train.py does, before torch loads
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

SAMPLE_DIR = REPO.parent / "shared" / "quickdraw-sample"

LEVERS = {
    "base": {},
    "fresh": {"doodles": 3, "epochs": 1},  # new doodles instead of repeated passes, same steps
    "fresh-4": {"doodles": 4, "epochs": 1},  # a third more steps
    "epochs-4": {"epochs": 4},
    "wide": {"net": {"widths": (32, 64, 128)}},
    "deep": {"net": {"convs_per_block": 2}},
    "deep-last": {"net": {"convs_per_block": (1, 1, 2)}},  # a second conv only on the 7x7 map
    "deep-narrow": {"net": {"convs_per_block": 2, "widths": (16, 32, 64)}},
    "deep-20": {"net": {"convs_per_block": 2, "widths": (20, 40, 80)}},
    "px32": {"net": {"image_size": 32}},
    "smooth-0": {"train": {"label_smoothing": 0.0}},
    "lr-5e-3": {"train": {"lr": 5e-3}},
    "dropout-0.1": {"net": {"dropout": 0.1}},
    # the prefixes of a doodle, with as many doodles as keep the images the same (the bundled recipe: 1)
    "prefixes-2": {"train": {"prefixes": 2}, "doodles": 2 / 3},
    "prefixes-0": {"train": {"prefixes": 0}, "doodles": 2},
    "batch-128": {"train": {"batch_size": 128}},
    # mirror images in training (the test-time mirror gained 2 points at twice the guess's cost)
    "flip-0.5": {"train": {"flip": 0.5}},
    "flip-0.25": {"train": {"flip": 0.25}},
    # an exponential moving average of the weights (and BatchNorm statistics): free at guess time
    "ema-0.99": {"ema": 0.99},  # ~100 steps' horizon of the ~850 at 900 a word
    "ema-0.995": {"ema": 0.995},
}


def run_lever(name: str, lever: dict, per_category: int, real, categories, seed: int) -> dict:
    import torch

    from model import classify, datasets, net, synth, training
    from model.evaluate import evaluate

    config = training.TrainConfig(**{**training.TrainConfig().to_dict(), "seed": seed, **lever.get("train", {})})
    if "epochs" in lever:
        config = dataclasses.replace(config, epochs=lever["epochs"])
    shape = net.NetConfig(num_classes=len(categories), **lever.get("net", {}))
    settings = datasets.RenderSettings(config.prefixes, (config.prefix_low, config.prefix_high), config.seed,
                                       shape.image_size)
    started = time.perf_counter()
    drawable = [c for c in categories if c in set(synth.categories_with_recipes())]
    n = int(round(per_category * lever.get("doodles", 1)))
    data = datasets.synthetic_rasters(drawable, n, config.seed, settings, workers=config.threads)
    rendered = time.perf_counter() - started
    torch.manual_seed(config.seed)
    model = net.build(shape)
    average, after_step = None, None
    if "ema" in lever:
        from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn
        average = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(lever["ema"]), use_buffers=True)
        after_step = lambda step: average.update_parameters(model)  # noqa: E731
    training.train(model, data, config, progress=False, log=lambda line: None, after_step=after_step)
    if average is not None:
        model.load_state_dict(average.module.state_dict())  # train() has left the model in eval mode
    trained = time.perf_counter() - started - rendered
    clf = classify.Classifier(model, categories)
    strokes_only = datasets.Examples(drawings=real.drawings, bitmaps=[])
    bitmaps_only = datasets.Examples(drawings=[], bitmaps=real.bitmaps if shape.image_size == 28 else [])
    whole = evaluate(clf, real if bitmaps_only.bitmaps else strokes_only, "real")  # 28x28 bitmaps need 28 px
    row = {"lever": name, "doodles": n, "epochs": config.epochs, "top1": whole["top1"], "top3": whole["top3"],
           "pooled": whole["pooled"]["top1"],
           "strokes": evaluate(clf, strokes_only, "strokes")["top1"],
           "bitmaps": evaluate(clf, bitmaps_only, "bitmaps")["top1"] if bitmaps_only.bitmaps else float("nan"),
           "render_s": rendered, "train_s": trained, "parameters": net.parameter_count(model),
           "words": {w: v["top1"] for w, v in whole["per_category"].items()}}
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levers", default=",".join(LEVERS), help="comma-separated names of LEVERS")
    parser.add_argument("--per-category", type=int, default=600, help="generated doodles a category (base)")
    parser.add_argument("--seed", default="1234", help="seed, or comma-separated seeds to average over")
    parser.add_argument("--words", default="tree,cloud,banana,apple,smiley face,teapot,alarm clock,bird,dog,cat",
                        help="words whose own top-1 is printed under each lever ('' for none)")
    args = parser.parse_args()
    names = [n for n in args.levers.split(",") if n]
    try:
        seeds = [int(part) for part in args.seed.split(",") if part.strip()]
    except ValueError:
        parser.error(f"--seed: expected integers separated by commas, got {args.seed!r}")
    if not seeds:
        parser.error("--seed: give at least one seed")
    unknown = [n for n in names if n not in LEVERS]
    if unknown:
        parser.error(f"unknown lever(s) {', '.join(unknown)}; known: {', '.join(LEVERS)}")
    if not SAMPLE_DIR.is_dir():
        print(f"no real sample at {SAMPLE_DIR}: nothing to measure on")
        return 1

    from model import categories as category_list, datasets

    categories = category_list.load_categories()
    real = datasets.from_quickdraw_dir(SAMPLE_DIR, categories)
    print(f"{args.per_category} generated doodles a category (x the lever's multiplier), seed(s) {args.seed}; "
          f"scored on {len(real.drawings)} real drawings + {len(real.bitmaps)} bitmaps (macro over 40 words)")
    header = "lever          doodles epochs  top-1   top-3  pooled  strokes bitmaps  render   train  params"
    print(header)
    for name in names:
        runs = []
        for seed in seeds:
            r = run_lever(name, LEVERS[name], args.per_category, real, categories, seed)
            label = r["lever"] if len(seeds) == 1 else f"{r['lever']} ({seed})"
            print(f"{label:<14} {r['doodles']:>7} {r['epochs']:>6} {r['top1']:6.1%} {r['top3']:7.1%} {r['pooled']:6.1%} "
                  f"{r['strokes']:8.1%} {r['bitmaps']:7.1%} {r['render_s']:6.0f}s {r['train_s']:6.0f}s "
                  f"{r['parameters']:>7,}", flush=True)
            runs.append(r)
        if len(runs) > 1:
            print(mean_row(name, runs), flush=True)
        words = [w for w in args.words.split(",") if w in runs[0]["words"]]
        if words:
            print("    " + ", ".join(f"{w} {sum(r['words'][w] for r in runs) / len(runs):.0%}" for w in words), flush=True)
    return 0


def mean_row(name: str, runs: list[dict]) -> str:
    """The mean of a lever's runs over seeds, with the spread (max - min) of its macro top-1."""
    def mean(key):
        return sum(r[key] for r in runs) / len(runs)
    spread = max(r["top1"] for r in runs) - min(r["top1"] for r in runs)
    label = f"{name} mean"
    return (f"{label:<14} {runs[0]['doodles']:>7} {runs[0]['epochs']:>6} {mean('top1'):6.1%} {mean('top3'):7.1%} "
            f"{mean('pooled'):6.1%} {mean('strokes'):8.1%} {mean('bitmaps'):7.1%} {mean('render_s'):6.0f}s "
            f"{mean('train_s'):6.0f}s   spread of top-1 over {len(runs)} seeds: {100 * spread:.1f} points")


if __name__ == "__main__":
    sys.exit(main())

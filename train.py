"""Train, fine-tune or evaluate pennydraw's doodle classifier. Reads top to bottom.

    python train.py --synthetic 3000 --out assets/model.pt          # the bundled model, from scratch
    python train.py --db data/pennydraw.db --synthetic 300 --init bundled --out runs/players.pt
    python train.py --eval-only --checkpoint assets/model.pt --quickdraw ../shared/quickdraw-sample

Sources combine: --synthetic N (generated doodles), --db PATH (drawings the game collected, consented
only), --quickdraw DIR (Google's files named by category). A share of the collected drawings is held
out and evaluated at the end, with held-out synthetic doodles and a folder of real drawings (--eval,
by default ../shared/quickdraw-sample when it exists and is not trained on). The bundled model is
trained on synthetic doodles only; never train it on the sample it is evaluated on.
"""
from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent
DEFAULT_EVAL_DIR = REPO.parent / "shared" / "quickdraw-sample"  # real doodles, for evaluation only
EVAL_SYNTHETIC = 30  # held-out synthetic drawings per category in the final table
EVAL_SEED_OFFSET = 1_000_003  # held-out synthetic doodles use seed + this, never a training drawing
HOLDOUT = 0.1  # share of collected drawings (--db, --quickdraw) held out for evaluation
FINETUNE = {"epochs": 3, "lr": 1e-3}  # gentler defaults when starting from a trained model (--init)


def parse_args(argv):
    p = argparse.ArgumentParser(prog="train.py", description=__doc__.split("\n")[0])
    p.add_argument("--synthetic", type=int, metavar="N", help="N generated doodles per category")
    p.add_argument("--db", type=Path, metavar="PATH", help="train on the game's drawing store")
    p.add_argument("--quickdraw", type=Path, metavar="DIR", help="train on Quick, Draw! files named by category (.npz is unpickled: trusted folders only)")
    p.add_argument("--init", metavar="bundled|PATH", help="fine-tune this checkpoint instead of starting afresh")
    p.add_argument("--out", type=Path, help="where to write the checkpoint (default runs/<version>.pt)")
    p.add_argument("--categories", metavar="LIST",
                   help="comma-separated names, a text file of names, or +names to extend the default list")
    p.add_argument("--epochs", type=int, help="passes over the training set")
    p.add_argument("--seed", type=int, help="seed for data, prefixes, init and shuffling")
    p.add_argument("--threads", type=int, help="CPU threads (and data worker processes)")
    p.add_argument("--eval", type=Path, metavar="DIR", dest="eval_dir",
                   help="folder of real drawings to evaluate on ('none' to skip)")
    p.add_argument("--eval-only", action="store_true", help="only evaluate --checkpoint")
    p.add_argument("--checkpoint", type=Path, metavar="PATH", help="the checkpoint --eval-only evaluates")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    return p.parse_args(argv)


def fail(message: str) -> None:
    raise SystemExit(f"train.py: error: {message}")


def main(argv=None) -> int:
    args = parse_args(argv)
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(line_buffering=True)  # progress lines reach a log file as they happen
    try:
        return evaluate_only(args) if args.eval_only else train_model(args)
    except (ValueError, OSError) as error:  # CheckpointError and FormatError are ValueErrors
        fail(str(error))
    except Exception as error:
        from model.store import StoreError  # a database that cannot be opened or written

        if not isinstance(error, StoreError):
            raise
        fail(str(error))
    return 1


def train_model(args) -> int:
    # Heavy imports here, so that `--help` and argument errors answer at once.
    import torch
    from model import categories as category_list, classify, datasets, net, synth, training
    from model.evaluate import format_report, summary_line

    started = time.perf_counter()
    check_numbers(args)
    if args.synthetic is None and args.db is None and args.quickdraw is None:
        fail("no training data: give --synthetic N, --db PATH and/or --quickdraw DIR")
    if args.checkpoint is not None:
        fail("--checkpoint is for --eval-only; to fine-tune a checkpoint use --init PATH")

    # 1. settings: TrainConfig defaults, gentler for fine-tuning, then the command line.
    config = training.TrainConfig(**(FINETUNE if args.init else {}))
    overrides = {k: v for k, v in (("epochs", args.epochs), ("seed", args.seed), ("threads", args.threads))
                 if v is not None}
    config = training.TrainConfig(**{**config.to_dict(), "scale": config.scale, **overrides})
    progress = not args.quiet
    torch.manual_seed(config.seed)

    # 2. the starting network and its categories.
    if args.init:
        init_path = classify.BUNDLED_PATH if args.init == "bundled" else Path(args.init)
        start = classify.read_checkpoint(init_path)
        model = net.build(net.config_from_dict(start["config"]))
        model.load_state_dict(start["weights"])
        base_categories = start["categories"]
    else:
        init_path, model, base_categories = None, None, category_list.load_categories()
    categories = choose_categories(args.categories, base_categories)
    if model is None:
        model = net.build(net.NetConfig(num_classes=len(categories)))
    else:
        model = training.adapt_to_categories(model, base_categories, categories)
    print(f"{len(categories)} categories; network {model.config} "
          f"({net.parameter_count(model):,} parameters){'; from ' + str(init_path) if init_path else ''}")

    # 3. data: every source rasterised once (whole drawings + prefixes); collected ones split for evaluation.
    settings = datasets.RenderSettings(config.prefixes, (config.prefix_low, config.prefix_high), config.seed,
                                       model.config.image_size)
    parts, held_out, sources, player_examples, examples = [], [], {}, 0, 0
    drawable = [c for c in categories if c in set(synth.categories_with_recipes())]
    if args.synthetic:
        if len(drawable) < len(categories):
            print(f"no doodle recipe (so no synthetic data) for: {', '.join(sorted(set(categories) - set(drawable)))}")
        parts.append(datasets.synthetic_rasters(drawable, args.synthetic, config.seed, settings,
                                                workers=config.threads, progress=progress))
        sources[f"synthetic(seed={config.seed})"] = len(drawable) * args.synthetic
        examples += len(drawable) * args.synthetic
    collected = []
    if args.db:
        from_db, player_examples = datasets.from_store(args.db, categories)
        collected.append(from_db)
    if args.quickdraw:
        refuse_training_on_the_sample(args)
        collected.append(datasets.from_quickdraw_dir(args.quickdraw, categories))
    for source in collected:
        train_part, held = datasets.split_holdout(source, HOLDOUT, config.seed)
        parts.append(datasets.rasterize_examples(train_part, categories, settings, config.threads, progress))
        held_out.append(held)
        sources.update(train_part.sources)
        examples += len(train_part)
    data = datasets.concat(parts)
    print(f"{examples:,} training examples -> {len(data):,} images; sources: {sources}")
    if examples == 0:
        fail("the sources hold no drawings of the chosen categories")

    # 4. train.
    history = training.train(model, data, config, progress=progress)

    # 5. evaluate: held-out synthetic doodles, held-out collected drawings, real doodles.
    clf = classify.Classifier(model, categories)
    metrics = {}
    eval_sets = [datasets.synthetic(drawable, EVAL_SYNTHETIC, config.seed + EVAL_SEED_OFFSET)]
    eval_sets[0].sources = {"synthetic (held out)": len(eval_sets[0])}
    eval_sets += held_out
    eval_dir = choose_eval_dir(args)
    if eval_dir is not None:
        eval_sets.append(datasets.from_quickdraw_dir(eval_dir, categories))
    for examples_set in eval_sets:
        if len(examples_set):
            name = next(iter(examples_set.sources))
            metrics[name] = run_evaluation(clf, examples_set, name)
            print(format_report(metrics[name]))

    # 6. save atomically, self-describing: config, categories, data summary, metrics, training settings.
    created = datetime.now(timezone.utc)
    version = created.strftime("%Y%m%d-%H%M%S") + "-" + "+".join(kind_of(s) for s in sources)
    out = args.out or REPO / "runs" / f"{version}.pt"
    checkpoint = classify.make_checkpoint(
        model, model.config, categories, version, metrics=metrics,
        data={"sources": sources, "examples": examples, "images": len(data), "player_examples": player_examples,
              "seed": config.seed, "init": str(init_path) if init_path else None},
        training={**config.to_dict(), "history": history}, created_at=created.isoformat(timespec="seconds"))
    classify.save_checkpoint(checkpoint, out)
    classify.Classifier.load(out)  # proves the file loads before anyone relies on it
    minutes = (time.perf_counter() - started) / 60
    print(f"wrote {out} (version {version}) in {minutes:.1f} min")
    for m in metrics.values():
        print("  " + summary_line(m))

    # 7. a model trained on the game's drawings is recorded in its store, with the players' share.
    if args.db:
        from model.store import Store

        summary = {name: {k: m[k] for k in ("top1", "top3", "examples")} | {"early": m["early"]["median"]}
                   for name, m in metrics.items()}
        with Store(args.db) as store:
            store.record_model(version, out, examples, summary, player_examples=player_examples,
                               trained_at=created)
        print(f"recorded model {version} in {args.db} ({player_examples} examples from players)")
    return 0


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
    return 0


# ---- small helpers ----------------------------------------------------------------------------

def run_evaluation(clf, examples, name: str) -> dict:
    from model.evaluate import evaluate

    return evaluate(clf, examples, name)


def check_numbers(args) -> None:
    for name in ("synthetic", "epochs", "threads"):
        value = getattr(args, name)
        if value is not None and value < 1:
            fail(f"--{name} must be at least 1, got {value}")


def choose_categories(spec: str | None, default: list[str]) -> list[str]:
    """--categories: 'a,b,c' (exactly these), '+d,e' (the default list plus these), or a file of names."""
    if not spec:
        return list(default)
    extend = spec.startswith("+")
    text = spec[1:] if extend else spec
    path = Path(text)
    if path.is_file():
        names = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    else:
        names = [name.strip() for name in text.split(",")]
    names = list(dict.fromkeys(n for n in names if n and not n.startswith("#")))
    chosen = list(dict.fromkeys(list(default) + names)) if extend else names
    if len(chosen) < 2:
        fail(f"--categories must name at least 2 categories, got {chosen}")
    return chosen


def choose_eval_dir(args) -> Path | None:
    """--eval DIR, 'none', or by default the shared real sample when present and not trained on."""
    if args.eval_dir is not None:
        if str(args.eval_dir) == "none":
            return None
        if not args.eval_dir.is_dir():
            fail(f"--eval {args.eval_dir}: not a directory")
        return args.eval_dir
    trained_on = args.quickdraw is not None and args.quickdraw.resolve() == DEFAULT_EVAL_DIR.resolve()
    return DEFAULT_EVAL_DIR if DEFAULT_EVAL_DIR.is_dir() and not trained_on else None


def refuse_training_on_the_sample(args) -> None:
    """The bundled model is judged on the shared sample, so it must never have seen it."""
    from model.classify import BUNDLED_PATH

    if (args.quickdraw.resolve() == DEFAULT_EVAL_DIR.resolve() and args.out is not None
            and args.out.resolve() == BUNDLED_PATH.resolve()):
        fail(f"the bundled model must not be trained on {DEFAULT_EVAL_DIR} (it is evaluated on it)")


def kind_of(source: str) -> str:
    return source.split("(")[0].split(":")[0]


if __name__ == "__main__":
    sys.exit(main())

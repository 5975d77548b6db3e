"""Train, fine-tune or evaluate pennydraw's doodle classifier. Reads top to bottom.

`python train.py` in a checkout, `pennydraw-train` once installed, `python -m model.train_command` (the
kiosk's retraining job): one command, the same options.

    python train.py --synthetic 3750 --out assets/model.pt          # the bundled model, from scratch
    python train.py --db data/pennydraw.db --init bundled --out runs/players.pt
    python train.py --db data/pennydraw.db --init bundled --categories +piano,crab --out runs/more.pt
    python train.py --eval-only --checkpoint assets/model.pt --quickdraw ../shared/quickdraw-sample
    python train.py --recalibrate --checkpoint assets/model.pt      # refit temperature and thresholds only
    python train.py --quickdraw ~/quickdraw --stream --resume runs/big.state --out runs/big.pt
    torchrun --standalone --nproc_per_node 2 train.py --synthetic 3000 --out runs/ddp.pt
    python train.py --quickdraw ~/quickdraw --net convs_per_block=2 --net widths=32,64,128 --out runs/deep.pt

Sources combine: --synthetic N (generated doodles), --db PATH (drawings the game collected, consented
only), --quickdraw DIR (Google's files named by category). A share of the collected drawings is held
out and evaluated at the end, with held-out synthetic doodles and a folder of real drawings (--eval,
by default ../shared/quickdraw-sample when it exists and is not trained on). The bundled model is
trained on synthetic doodles only; never train it on the sample it is evaluated on. Every checkpoint
written gets its temperature and recognition thresholds fitted on generated doodles
(model/calibration.py, --calibrate N per category); --recalibrate refits them in an existing one.

A fine-tune (--init) follows `model/finetune.py`: steps by how much was collected (--steps or --epochs
override), --synthetic N generated doodles per category replayed beside the collected drawings (default
150; 0 for none), the drawings of words not replayed multiplied by stroke variation, classes balanced. --categories +word grows the
head for words the starting model does not know, learnt from collected drawings alone (any of the 345
in assets/quickdraw_categories.txt); the checkpoint's `new_words` says which, from how many drawings.

At scale: --stream reads --quickdraw files as a shuffled stream rendered on the fly (constant memory;
automatic above 512 MB of files); under torchrun each process trains on its shard with
DistributedDataParallel (gloo on CPUs, nccl on GPUs) and only rank 0 prints and writes; --device and
--precision choose CPU or GPU and mixed precision; --resume PATH snapshots the run every --save-every
steps and continues it after an interruption; --net FIELD=VALUE shapes a bigger network for a bigger
dataset (model/net.py's NetConfig; the checkpoint records it, so the game loads it as it is).
"""
from __future__ import annotations

import contextlib
import os
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from model import locations, train_options
from model.checkpoint_command import (EVAL_SEED_OFFSET, evaluate_only, fit_calibration, print_recognition,
                                      recalibrate, run_evaluation)
from model.train_options import (check_numbers, choose_categories, choose_eval_dir, fail,
                                 parse_args, refuse_training_on_the_sample)

EVAL_SYNTHETIC = 30  # held-out synthetic drawings per category in the final table
HOLDOUT = 0.1  # share of collected drawings (--db, --quickdraw) held out for evaluation (--holdout)
STREAM_FINETUNE_EPOCHS = 3  # a streamed fine-tune (--init --stream) is scheduled in epochs of its stream
STREAM_AUTO_BYTES = 512 << 20  # --quickdraw files larger than this in total are streamed, not loaded
STREAM_HELD_OUT = 200  # held-out streamed drawings per category evaluated at the end


def main(argv=None, prog: str = "pennydraw-train") -> int:
    train_options.PROG = prog
    # Idle OpenMP threads sleep instead of spinning (read when torch loads, so before any import of it).
    # On a shared machine a spinning thread burns the core another process needs and then waits for it:
    # measured with another process busy, 2 threads trained 300-900 images/s spinning, 1,650-1,850 passive.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    args = parse_args(argv, __doc__.split("\n")[0])
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(line_buffering=True)  # progress lines reach a log file as they happen
    try:
        if args.recalibrate:
            return recalibrate(args)
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
    from model import distributed

    check_numbers(args)
    if args.synthetic is None and args.db is None and args.quickdraw is None:
        fail("no training data: give --synthetic N, --db PATH and/or --quickdraw DIR")
    if args.checkpoint is not None:
        fail("--checkpoint is for --eval-only; to fine-tune a checkpoint use --init PATH")
    if args.max_steps is not None and args.resume is None:
        fail("--max-steps needs --resume PATH (where the paused run is kept)")
    if args.stream and args.quickdraw is None:
        fail("--stream streams --quickdraw files: give --quickdraw DIR")
    if args.steps is not None and (not args.init or args.stream):
        fail("--steps schedules a fine-tune: give --init (and no --stream)")
    if args.steps is not None and args.epochs is not None:
        fail("give --steps or --epochs, not both")
    if args.step_cap is not None and (not args.init or args.stream or args.steps is not None or args.epochs is not None):
        fail("--step-cap caps a fine-tune's own schedule: give --init, and no --stream, --steps or --epochs")
    if args.net and args.init:
        fail("--net shapes a network trained from scratch; a fine-tune (--init) keeps its checkpoint's network")
    try:
        net_shape(args)
    except ValueError as error:
        fail(f"--net {error}")
    runtime = distributed.start(args.device, args.precision)  # joins torchrun's processes, if any
    try:
        if runtime.is_main:
            return train_on(args, runtime)
        with open(os.devnull, "w") as silent, contextlib.redirect_stdout(silent):  # only rank 0 speaks
            return train_on(args, runtime)
    finally:
        distributed.stop(runtime)


def net_shape(args, num_classes: int = 40):
    """The network to train from scratch: NetConfig's defaults changed by --net FIELD=VALUE (ValueError
    saying what is wrong)."""
    from model import net

    return net.NetConfig(num_classes=num_classes, **net.config_changes(args.net))


def train_on(args, runtime) -> int:
    import torch
    import dataclasses

    from model import categories as category_list, classify, datasets, distributed, finetune, net, net_limits
    from model import streaming, synth
    from model import train_state, training
    from model.evaluate import format_report, summary_line

    started = time.perf_counter()
    # 1. settings: TrainConfig defaults, or a fine-tune's (model/finetune.py: one pass of scheduled
    #    steps, smaller batches, a gentler learning rate), then the command line.
    tuning = bool(args.init) and not args.stream  # the fine-tune of model/finetune.py
    if tuning:
        config = finetune.train_config()
    else:
        streamed_tune = {"epochs": STREAM_FINETUNE_EPOCHS, "lr": finetune.LR, "prefixes": finetune.PREFIXES,
                         "flip": finetune.FLIP}
        config = training.TrainConfig(**(streamed_tune if args.init else {}))
    threads = args.threads or (distributed.default_threads(runtime) if runtime.local_world > 1 else None)
    overrides = {k: v for k, v in (("epochs", None if tuning else args.epochs), ("seed", args.seed),
                                   ("threads", threads), ("batch_size", args.batch_size)) if v is not None}
    config = training.TrainConfig(**{**config.to_dict(), "scale": config.scale, **overrides})
    progress = not args.quiet and runtime.is_main
    torch.manual_seed(config.seed)  # the same initial network in every process

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
    planned = net_shape(args, len(categories)) if model is None else model.config
    try:  # never train a network the game would refuse to load
        net_limits.check_config(dataclasses.replace(planned, num_classes=len(categories)))
    except ValueError as error:
        fail(f"the network to train is beyond what pennydraw loads: {error}")
    new_words = [c for c in categories if args.init and c not in set(base_categories)]  # the head grows
    if model is None:
        model = net.build(planned)
    else:
        model = training.adapt_to_categories(model, base_categories, categories)
    print(f"{len(categories)} categories; network {model.config} "
          f"({net.parameter_count(model):,} parameters){'; from ' + str(init_path) if init_path else ''}")
    print(f"training on {runtime.describe()}, {config.threads} CPU thread(s) per process")

    # 3. data: every source rasterised once (whole drawings + prefixes), each process its shard; collected
    #    drawings split for evaluation; big Quick, Draw! folders streamed instead (rendered on the fly).
    settings = datasets.RenderSettings(config.prefixes, (config.prefix_low, config.prefix_high), config.seed,
                                       model.config.image_size)
    shard = (runtime.rank, runtime.world)
    holdout = HOLDOUT if args.holdout is None else args.holdout
    parts, held_out, sources, player_examples, examples = [], [], {}, 0, 0
    drawable = [c for c in categories if c in set(synth.categories_with_recipes())]
    if args.synthetic and not tuning:
        if len(drawable) < len(categories):
            print(f"no doodle recipe (so no synthetic data) for: {', '.join(sorted(set(categories) - set(drawable)))}")
        parts.append(datasets.synthetic_rasters(drawable, args.synthetic, config.seed, settings,
                                                workers=config.threads, progress=progress, shard=shard))
        sources[f"synthetic(seed={config.seed})"] = len(drawable) * args.synthetic
        examples += len(drawable) * args.synthetic
    collected, stream = [], None
    if args.db:
        from_db, player_examples = datasets.from_store(args.db, categories)
        collected.append(from_db)
    if args.quickdraw:
        refuse_training_on_the_sample(args)
        if args.stream or folder_bytes(args.quickdraw) > STREAM_AUTO_BYTES:
            stream = streaming.StreamSettings(training.per_process_batch(config.batch_size, runtime.world),
                                              args.buffer, holdout, args.workers, config.seed, settings)
            files = streaming.file_sources(args.quickdraw, categories)
            trained = sum(streaming.training_records(f, stream) for f in files)
            print(f"streaming {args.quickdraw}: {sum(sum(f.counts) for f in files):,} records in {len(files)} "
                  f"categories, {trained:,} trained on, {stream.buffer:,}-image shuffle buffer")
            held_out.append(streaming.held_out_examples(files, stream, STREAM_HELD_OUT))
            held_out[-1].sources = {f"quickdraw:{args.quickdraw.name} (held out)": len(held_out[-1])}
            sources[f"quickdraw:{args.quickdraw.name}"] = trained
            examples += trained
        else:
            collected.append(datasets.from_quickdraw_dir(args.quickdraw, categories))
    trained_sets = []
    for source in collected:
        train_part, held = datasets.split_holdout(source, holdout, config.seed)
        if tuning:
            trained_sets.append(train_part)  # rendered with its variants by finetune.prepare below
        else:
            parts.append(datasets.rasterize_examples(train_part, categories, settings, config.threads, progress,
                                                     shard))
        held_out.append(held)
        sources.update(train_part.sources)
        examples += len(train_part)
    if tuning:
        # collected drawings (those of words not replayed x stroke variation) + prefixes, beside replayed
        # generated doodles (--synthetic N per category; default finetune.REPLAY_PER_CATEGORY), classes
        # balanced, scheduled in steps.
        train_set = datasets.Examples()
        for part in trained_sets:
            train_set.drawings += part.drawings
            train_set.bitmaps += part.bitmaps
        counts = train_set.per_category()
        untaught = [w for w in new_words if not counts[w] and w not in drawable]
        if untaught:
            fail(f"no drawings to learn the new word(s) {', '.join(untaught)} from (and no doodle recipe)")
        new_counts = {w: int(counts[w]) for w in new_words}
        replay_n = args.synthetic if args.synthetic is not None else None
        data = finetune.prepare(model, categories, train_set, new_words,
                                training.per_process_batch(config.batch_size, runtime.world), config.seed,
                                settings, drawable=drawable, replay_per_category=replay_n, steps=args.steps,
                                step_cap=args.step_cap, epochs=args.epochs, workers=config.threads, progress=progress, shard=shard,
                                device=runtime.device)
        if args.synthetic is None or args.synthetic:
            per = finetune.REPLAY_PER_CATEGORY if replay_n is None else replay_n
            sources[f"synthetic(seed={config.seed}, replay)"] = len(drawable) * per
            examples += len(drawable) * per
        images = int(runtime.all_sum([data.images_total])[0])
    elif stream is not None:
        data = streaming.StreamBatches(files + parts, stream, runtime.rank, runtime.world,
                                       pin_memory=runtime.device.type == "cuda")
        images = int(runtime.all_sum([data.images_total])[0])
    else:
        data = datasets.concat(parts)
        images = int(runtime.all_sum([len(data)])[0])
    print(f"{examples:,} training examples -> {images:,} images{' per epoch' if stream else ''}"
          f"{' seen' if tuning else ''}; sources: {sources}")
    if examples == 0:
        fail("the sources hold no drawings of the chosen categories")

    # 4. train (snapshots to --resume as it goes, and continues from one).
    resume = None
    if args.resume:
        job = train_state.fingerprint(categories=categories, network=net.config_to_dict(model.config),
                                      training=config.to_dict(), sources=sources, processes=runtime.world,
                                      init=str(init_path), stream=vars_of(stream))
        resume = train_state.Resume(args.resume, args.save_every, args.max_steps, job)
    try:
        history = training.train(model, data, config, progress=progress, runtime=runtime, resume=resume)
    except train_state.TrainingStopped as stop:
        print(f"paused: {stop}")
        return 0
    if not runtime.is_main:
        return 0  # rank 0 evaluates and writes

    # 5. calibrate on generated doodles (temperature, recognition thresholds), then evaluate: held-out
    #    synthetic doodles, held-out collected drawings, real doodles.
    # A fine-tune's words taught from players' drawings alone answer only when clearly ahead (finetune.py).
    offsets = finetune.taught_offsets(categories, drawable) if tuning else {}
    # A model that learned from mirrored images guesses on each image and its mirror (finetune.py).
    mirror = finetune.guesses_mirrored(config)
    clf = classify.Classifier(model, categories, offsets=offsets, mirror=mirror)
    fitted = fit_calibration(clf, args.calibrate, args.calibration_cache)
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
    if eval_dir is not None and len(eval_sets[-1]):
        print_recognition(clf, eval_sets[-1])

    # 6. save atomically, self-describing: config, categories, data summary, metrics, training settings.
    created = datetime.now(timezone.utc)
    version = created.strftime("%Y%m%d-%H%M%S") + "-" + "+".join(kind_of(s) for s in sources)
    out = (args.out or locations.RUNS_DIR / f"{version}.pt").resolve()  # absolute: the game reads it from anywhere
    where = {"device": str(runtime.device), "precision": runtime.precision, "processes": runtime.world,
             "stream": vars_of(stream)}
    checkpoint = classify.make_checkpoint(
        model, model.config, categories, version, metrics=metrics,
        data={"sources": sources, "examples": examples, "images": images, "player_examples": player_examples,
              "seed": config.seed, "init": str(init_path) if init_path else None},
        training={**config.to_dict(), **where, "history": history}, created_at=created.isoformat(timespec="seconds"))
    checkpoint.update(fitted)
    if offsets:
        checkpoint["logit_offsets"] = offsets
    if mirror:
        checkpoint["test_time_mirror"] = True
    # Words this training added to the model, with the collected drawings each was learnt from (the
    # kiosk records and shows them: "What you taught the machine").
    checkpoint["new_words"] = new_counts if tuning else {w: 0 for w in new_words}
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


# ---- small helpers ----------------------------------------------------------------------------

def folder_bytes(directory: Path) -> int:
    """Total size of the Quick, Draw! files in `directory` (0 when it is not a folder: reading says why)."""
    if not directory.is_dir():
        return 0
    from model.quickdraw.formats import SUFFIXES
    return sum(p.stat().st_size for p in directory.iterdir() if p.suffix.lower() in SUFFIXES)


def vars_of(settings) -> dict | None:
    """A dataclass of settings as a plain dict (None stays None), for checkpoints and snapshots."""
    import dataclasses

    return None if settings is None else dataclasses.asdict(settings)


def kind_of(source: str) -> str:
    return source.split("(")[0].split(":")[0]


if __name__ == "__main__":
    sys.exit(main(prog="python -m model.train_command"))

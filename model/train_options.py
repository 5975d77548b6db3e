"""train.py's command line: its options, and the checks and choices made from them before any work.

`model/train_command.py` (the command, which reads top to bottom) parses its arguments here, and every
refusal goes through `fail`, one line under the name the command was started as (`PROG`, set by
`train_command.main`): a wrong option costs no import of torch.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from model import locations

# Real doodles beside a checkout, for evaluation only (an installed copy has none: --eval DIR).
DEFAULT_EVAL_DIR = locations.CHECKOUT.parent / "shared" / "quickdraw-sample" if locations.CHECKOUT else None
PROG = "pennydraw-train"  # the name in usage and error lines; train_command.main(prog=...) says how it was started


def parse_args(argv, description: str) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog=PROG, description=description)
    p.add_argument("--synthetic", type=int, metavar="N", help="N generated doodles per category")
    p.add_argument("--db", type=Path, metavar="PATH", help="train on the game's drawing store")
    p.add_argument("--quickdraw", type=Path, metavar="DIR", help="train on Quick, Draw! files named by category")
    p.add_argument("--init", metavar="bundled|PATH", help="fine-tune this checkpoint instead of starting afresh")
    p.add_argument("--out", type=Path,
                   help=f"where to write the checkpoint (default {locations.RUNS_DIR / '<version>.pt'})")
    p.add_argument("--categories", metavar="LIST",
                   help="comma-separated names, a text file of names, or +names to extend the default list")
    p.add_argument("--epochs", type=int, help="passes over the training set (with --init: over the collected drawings, instead of the schedule)")
    p.add_argument("--steps", type=int, metavar="N", help="with --init: optimiser steps of the fine-tune (default: by how much was collected, model/finetune.py)")
    p.add_argument("--step-cap", type=int, metavar="N",
                   help="with --init: the fine-tune's own schedule, but at most N steps (the kiosk's on-site job)")
    p.add_argument("--batch-size", type=int, metavar="N", help="images per optimiser step, over all processes (default 256)")
    p.add_argument("--net", action="append", default=[], metavar="FIELD=VALUE",
                   help="shape of a network trained from scratch, repeatable: widths=32,64,128, convs_per_block=2, "
                        "image_size, pool_size, dropout (default: model/net.py's NetConfig, the bundled model's)")
    p.add_argument("--seed", type=int, help="seed for data, prefixes, init and shuffling")
    p.add_argument("--threads", type=int, help="CPU threads per process, and rasterising workers (default 2; cores/processes under torchrun)")
    p.add_argument("--eval", type=Path, metavar="DIR", dest="eval_dir",
                   help="folder of real drawings to evaluate on ('none' to skip)")
    p.add_argument("--eval-only", action="store_true", help="only evaluate --checkpoint")
    p.add_argument("--checkpoint", type=Path, metavar="PATH", help="the checkpoint --eval-only evaluates")
    p.add_argument("--calibrate", type=int, metavar="N", default=None,
                   help="generated doodles per category that fit the temperature and recognition thresholds "
                        "(default 40)")
    p.add_argument("--holdout", type=float, metavar="FRACTION",
                   help="share of collected drawings (--db, --quickdraw) held out for evaluation (default 0.1; "
                        "0: train on all of them, as the on-site retraining does, which holds out its own)")
    p.add_argument("--calibration-cache", type=Path, metavar="FILE",
                   help="keep the calibration doodles' rasters in FILE between runs (the on-site retraining does)")
    p.add_argument("--recalibrate", action="store_true",
                   help="only refit --checkpoint's temperature and recognition thresholds, in place")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    scale = p.add_argument_group("training at scale")
    scale.add_argument("--device", default="auto", help="cpu, cuda, or auto (cuda when there is a GPU)")
    scale.add_argument("--precision", default="auto", help="fp32, bf16, fp16 (GPU), or auto (fp32 on CPU, bf16/fp16 on GPU)")
    scale.add_argument("--stream", action="store_true", help="stream --quickdraw files (shuffled, rendered on the fly)")
    scale.add_argument("--buffer", type=int, default=16_384, metavar="N", help="shuffle buffer of --stream, in images")
    scale.add_argument("--workers", type=int, default=0, metavar="N", help="loader processes rendering --stream data")
    scale.add_argument("--resume", type=Path, metavar="PATH", help="snapshot file: written as training goes, continued from if it exists")
    scale.add_argument("--save-every", type=int, default=200, metavar="STEPS", help="steps between --resume snapshots")
    scale.add_argument("--max-steps", type=int, metavar="N", help="pause after N steps in all (needs --resume)")
    return p.parse_args(argv)


def fail(message: str) -> None:
    raise SystemExit(f"{PROG}: error: {message}")


def check_numbers(args) -> None:
    for name in ("synthetic", "epochs", "steps", "step_cap", "threads", "batch_size", "buffer", "save_every", "max_steps",
                 "calibrate"):
        value = getattr(args, name)
        if name == "synthetic" and value == 0 and getattr(args, "init", None):
            continue  # a fine-tune without replayed doodles
        if value is not None and value < 1:
            fail(f"--{name.replace('_', '-')} must be at least 1, got {value}")
    holdout = getattr(args, "holdout", None)
    if holdout is not None and not 0.0 <= holdout < 1.0:
        fail(f"--holdout must be at least 0 and below 1, got {holdout}")
    if getattr(args, "workers", 0) < 0:
        fail(f"--workers must be 0 or more, got {args.workers}")


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
    if DEFAULT_EVAL_DIR is None or not DEFAULT_EVAL_DIR.is_dir():
        return None
    trained_on = args.quickdraw is not None and args.quickdraw.resolve() == DEFAULT_EVAL_DIR.resolve()
    return None if trained_on else DEFAULT_EVAL_DIR


def refuse_training_on_the_sample(args) -> None:
    """The bundled model is judged on the shared sample, so it must never have seen it."""
    from model.classify import BUNDLED_PATH

    if (DEFAULT_EVAL_DIR is not None and args.quickdraw.resolve() == DEFAULT_EVAL_DIR.resolve()
            and args.out is not None and args.out.resolve() == BUNDLED_PATH.resolve()):
        fail(f"the bundled model must not be trained on {DEFAULT_EVAL_DIR} (it is evaluated on it)")

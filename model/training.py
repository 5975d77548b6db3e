"""The training loop: settings (`TrainConfig`), batches, the optimiser steps, and fine-tuning helpers.

Data arrives as uint8 rasters: a `RasterSet` rendered up front by `model/datasets.py` (`MemoryBatches`
shuffles it afresh each epoch) or a stream rendered on the fly (`model/streaming.py`, same interface).
Each step: float -> a random affine per image (`model/augment.py`) -> the network, under the runtime's
device and precision (`model/distributed.py`: CPU or GPU, fp32/bf16/fp16, one process or
DistributedDataParallel) -> label-smoothed cross-entropy -> AdamW with a one-cycle learning rate.
Channels-last memory for CPU speed.

Every random draw is a function of (seed, process rank, epoch or step): the epoch's order, each step's
augmentation and dropout. So a run interrupted and resumed from a snapshot (`model/train_state.py`)
ends with exactly the weights of an uninterrupted one, in one process or many.
"""
from __future__ import annotations

import dataclasses
import itertools
import time
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from model import net, train_state
from model.augment import AffineRanges, random_affine
from model.datasets import RasterSet
from model.distributed import Runtime

IGNORE = -100  # label of an image to leave out of the loss (a streamed record that could not be read)


@dataclass
class TrainConfig:
    """How to train; stored in the checkpoint under `training` so a run can be repeated."""

    epochs: int = 3  # passes over the rasterised training set
    batch_size: int = 256  # images per optimiser step (over all processes together)
    lr: float = 3e-3  # peak learning rate of the one-cycle schedule (AdamW)
    features_lr_scale: float = 1.0  # the conv layers' peak rate as a share of lr (the head keeps lr): fine-tuning
    weight_decay: float = 1e-4  # AdamW's decoupled weight decay
    label_smoothing: float = 0.1  # softer targets: calmer probabilities for the game's guesses
    seed: int = 1234  # seeds the synthetic data, the prefixes, the init, shuffling and augmentation
    # Prefixes teach the network half-finished drawings, as the game shows them. Measured on real
    # doodles: median recognition at 0.70 of the ink without prefixes, 0.60 with them. One prefix and
    # half again as many doodles (the same images, more of them whole) beat two (bench/bench_seed.py,
    # 600 doodles a word x 3 epochs: macro top-1 71.5% vs 69.8%, pooled 71.7% vs 69.6%, top-3 88.0% vs 85.3%).
    prefixes: int = 1  # random prefixes rendered per training drawing, besides the whole drawing
    prefix_low: float = 0.4  # shortest prefix, as a fraction of the drawing's ink
    prefix_high: float = 0.9  # longest prefix
    # Random affine transforms on the fly. Measured on real doodles (600 synthetic per category):
    # none 49.7% top-1, small (10 deg, 0.9-1.1, shear 6) 52.0%, these 60.8%; mirroring did not help.
    augment: bool = True  # apply them at all
    rotate: float = 20.0  # max rotation, degrees
    translate: float = 0.1  # max shift, fraction of the image side
    scale: tuple[float, float] = (0.7, 1.2)  # zoom range
    shear: float = 15.0  # max shear, degrees
    # Mirror images: 0.5 measured 56.4% vs 59.6% without; again in session 9 (900 doodles a word, the
    # bundled recipe) 71.6% vs 72.7%, and 0.25 70.8% (model/net.py).
    flip: float = 0.0  # chance of a horizontal mirror image
    # Images sharing one random draw. Batched, a draw per image costs no more; measured on real doodles
    # (600 synthetic per category, 2 epochs) it gave 63.5% top-1 against 66.2% for a draw per 8 images.
    augment_chunk: int = 8
    threads: int = 2  # torch CPU threads per process (the machine has 2 cores)

    def __post_init__(self) -> None:
        for name in ("epochs", "batch_size", "threads", "augment_chunk"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.prefixes < 0:
            raise ValueError(f"prefixes must be >= 0, got {self.prefixes}")
        if not 0.0 < self.prefix_low <= self.prefix_high <= 1.0:
            raise ValueError(f"need 0 < prefix_low <= prefix_high <= 1, got {self.prefix_low}, {self.prefix_high}")
        if self.lr <= 0:
            raise ValueError(f"lr must be positive, got {self.lr}")
        if not 0.0 < self.features_lr_scale <= 1.0:
            raise ValueError(f"features_lr_scale must be in (0, 1], got {self.features_lr_scale}")

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["scale"] = list(self.scale)
        return d


def augmentation(config: TrainConfig) -> AffineRanges | None:
    """The random affine ranges of `config` (None when augmentation is off)."""
    if not config.augment:
        return None
    return AffineRanges(config.rotate, config.translate, tuple(config.scale), config.shear, config.flip,
                        config.augment_chunk)


def parameter_groups(model: net.DoodleNet, config: TrainConfig) -> tuple[list[dict], list[float]]:
    """The optimiser's parameter groups and their peak learning rates: one group at `lr`, or, with a
    `features_lr_scale` below 1, the conv layers at that share of it and the rest (head) at `lr`."""
    if config.features_lr_scale == 1.0:
        return [{"params": list(model.parameters())}], [config.lr]
    features = list(model.features.parameters())
    ids = {id(p) for p in features}
    rest = [p for p in model.parameters() if id(p) not in ids]
    return [{"params": features}, {"params": rest}], [config.lr * config.features_lr_scale, config.lr]


def derived_seed(*parts: int) -> int:
    """A well-mixed 63-bit seed from integers (seed, rank, step...): independent streams per step."""
    return int(np.random.SeedSequence([int(p) for p in parts]).generate_state(1, np.uint64)[0] >> np.uint64(1))


def per_process_batch(batch_size: int, world: int) -> int:
    """Each process's share of the batch: the same total per step, whatever the process count."""
    if batch_size % world:
        raise ValueError(f"batch size {batch_size} does not split evenly over {world} processes")
    return batch_size // world


class MemoryBatches:
    """A RasterSet's images in a fresh seeded order each epoch, `batch_size` at a time."""

    def __init__(self, data: RasterSet, batch_size: int, seed: int, rank: int = 0,
                 device: torch.device = torch.device("cpu")):
        self.images, self.labels = data.images.to(device), data.labels.to(device)
        self.batch_size, self.seed, self.rank = batch_size, seed, rank
        self.images_total = len(data)
        self.steps_per_epoch = -(-len(data) // batch_size)

    def epoch(self, epoch: int, skip: int, steps: int):
        """The epoch's batches `skip` to `steps` (uint8 images, labels)."""
        generator = torch.Generator().manual_seed(derived_seed(self.seed, self.rank, epoch, 1))
        order = torch.randperm(self.images_total, generator=generator)
        for batch in order.split(self.batch_size)[skip:steps]:
            batch = batch.to(self.images.device)
            yield self.images[batch], self.labels[batch]


def train(model: net.DoodleNet, data, config: TrainConfig, progress: bool = True, log=print,
          runtime: Runtime | None = None, resume: train_state.Resume | None = None,
          after_step=None) -> list[dict]:
    """Train `model` in place; returns per-epoch stats (loss, accuracy, images/s, seconds).

    `data` is a RasterSet (this process's shard) or a stream with `steps_per_epoch`, `images_total` and
    `epoch(epoch, skip, steps)`. `runtime` says where and how (default: this CPU, fp32, one process);
    `resume` writes snapshots and continues from one; `after_step(global_step)`, if given, is called
    after every optimiser step (a bench's weight average). The model ends on the CPU in eval mode.
    """
    runtime = runtime or Runtime()
    device = runtime.device
    if isinstance(data, RasterSet):
        data = MemoryBatches(data, per_process_batch(config.batch_size, runtime.world), config.seed,
                             runtime.rank, device)
    if runtime.all_sum([data.images_total])[0] == 0 or runtime.all_min(data.images_total) == 0:
        raise ValueError("no training examples" + (" in some process's shard" if runtime.distributed else ""))
    torch.set_num_threads(config.threads)
    steps = runtime.all_min(data.steps_per_epoch)  # every process takes the same number of steps
    model.to(device, memory_format=torch.channels_last).train()
    stepper = runtime.wrap(model)
    groups, peaks = parameter_groups(model, config)
    optimiser = torch.optim.AdamW(groups, lr=config.lr, weight_decay=config.weight_decay)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=peaks, total_steps=config.epochs * steps)
    scaler = runtime.scaler()
    ranges, generator = augmentation(config), torch.Generator()
    first_epoch, skip, global_step, history, running = 1, 0, 0, [], [0.0, 0.0, 0.0]

    def snapshot(epoch, step, sums, done=False):
        sums = runtime.all_sum(sums)  # collective: every process calls it at the same step
        if runtime.is_main:
            train_state.save(resume.path, model=model, optimiser=optimiser, schedule=schedule, scaler=scaler,
                             position={"epoch": epoch, "step": step, "global_step": global_step},
                             history=history, running=sums, fingerprint=resume.fingerprint, done=done)

    state = train_state.load(resume.path, resume.fingerprint) if resume else None
    if state is not None:
        train_state.restore(state, model=model, optimiser=optimiser, schedule=schedule, scaler=scaler, device=device)
        position, history = state["position"], state["history"]
        first_epoch, skip, global_step = position["epoch"], position["step"], position["global_step"]
        running = state["running"] if runtime.is_main else [0.0, 0.0, 0.0]  # sums are over all processes
        if state["done"]:
            log(f"{resume.path}: training had finished ({global_step} steps); nothing left to train")
            model.to("cpu").eval()
            return history
        log(f"resuming from {resume.path}: epoch {first_epoch}, step {skip} of {steps}")

    for epoch in range(first_epoch, config.epochs + 1):
        started = time.perf_counter()
        sums = torch.tensor(running if epoch == first_epoch else [0.0, 0.0, 0.0], dtype=torch.float64, device=device)
        done_here = 0  # images this run, for the speed
        bar = tqdm(total=steps, initial=skip, desc=f"epoch {epoch}/{config.epochs}", unit="batch",
                   disable=not progress, leave=False)
        batches = itertools.islice(data.epoch(epoch, skip, steps), steps - skip)
        for step, (images, labels) in enumerate(batches, skip + 1):
            seed = derived_seed(config.seed, runtime.rank, global_step, 2)
            torch.manual_seed(seed)  # dropout
            generator.manual_seed(seed + 1)  # augmentation
            x = net.to_input(images.to(device, non_blocking=True))
            y = labels.to(device, non_blocking=True)
            if ranges is not None:
                x = random_affine(x, ranges, generator)
            with runtime.autocast():
                logits = stepper(x.contiguous(memory_format=torch.channels_last))
            loss_sum = F.cross_entropy(logits.float(), y, label_smoothing=config.label_smoothing,
                                       reduction="sum", ignore_index=IGNORE)
            valid = (y != IGNORE).sum()
            optimiser.zero_grad(set_to_none=True)
            scaler.scale(loss_sum / valid.clamp(min=1)).backward()
            scaler.step(optimiser)
            scaler.update()
            schedule.step()
            sums += torch.stack([loss_sum.detach(), (logits.argmax(1) == y).sum(), valid]).to(sums.dtype)
            global_step, done_here = global_step + 1, done_here + len(y)
            if after_step is not None:
                after_step(global_step)
            bar.update()
            if progress and step % 10 == 0:
                loss_so_far, correct, seen = sums.tolist()
                bar.set_postfix(loss=f"{loss_so_far / max(seen, 1):.3f}", acc=f"{correct / max(seen, 1):.1%}")
            if resume and step < steps:
                stopping = resume.max_steps is not None and global_step >= resume.max_steps
                if stopping or global_step % resume.every == 0:
                    snapshot(epoch, step, sums.tolist())
                if stopping:
                    bar.close()
                    raise train_state.TrainingStopped(global_step, resume.path)
        bar.close()
        seconds = time.perf_counter() - started
        loss_total, correct, seen = runtime.all_sum(sums.tolist())
        images_here = runtime.all_sum([done_here])[0]
        stats = {"epoch": epoch, "loss": loss_total / max(seen, 1), "accuracy": correct / max(seen, 1),
                 "images_per_s": images_here / seconds, "seconds": seconds, "images": int(seen)}
        history.append(stats)
        log(f"epoch {epoch}/{config.epochs}: loss {stats['loss']:.3f}, train accuracy {stats['accuracy']:.1%}, "
            f"{stats['images_per_s']:.0f} images/s, {seconds:.0f} s")
        skip = 0
        if resume:
            snapshot(epoch + 1, 0, [0.0, 0.0, 0.0], done=epoch == config.epochs)
            if resume.max_steps is not None and global_step >= resume.max_steps and epoch < config.epochs:
                raise train_state.TrainingStopped(global_step, resume.path)
    model.to("cpu").eval()
    return history


def adapt_to_categories(model: net.DoodleNet, old: list[str], new: list[str]) -> net.DoodleNet:
    """A copy of `model` whose head predicts `new` categories (for fine-tuning with a changed list).

    Every layer is kept; the head keeps the rows of categories in both lists, and new categories
    start from a fresh initialisation (seeded by torch's RNG).
    """
    if list(old) == list(new):
        return model
    config = dataclasses.replace(model.config, num_classes=len(new))
    adapted = net.build(config)
    state = {k: v for k, v in model.state_dict().items() if not k.startswith("head.")}
    adapted.load_state_dict(state, strict=False)
    with torch.no_grad():
        where = {c: i for i, c in enumerate(old)}
        for row, category in enumerate(new):
            if category in where:
                adapted.head.weight[row] = model.head.weight[where[category]]
                adapted.head.bias[row] = model.head.bias[where[category]]
    return adapted

"""The training loop: settings (`TrainConfig`), on-the-fly augmentation, and fine-tuning helpers.

Data comes from `model/datasets.py` already rasterised into a uint8 tensor, so an epoch is just
shuffled batches -> float -> small random affine (torchvision `transforms.v2`) -> the network.
AdamW with a one-cycle learning rate, label smoothing, channels-last memory for CPU speed.
`train.py` at the repository root puts the pieces together; `evaluate.py` scores the result.
"""
from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torchvision.transforms import v2
from tqdm import tqdm

from model import net
from model.datasets import RasterSet


@dataclass
class TrainConfig:
    """How to train; stored in the checkpoint under `training` so a run can be repeated."""

    epochs: int = 3  # passes over the rasterised training set
    batch_size: int = 256  # images per optimiser step
    lr: float = 3e-3  # peak learning rate of the one-cycle schedule (AdamW)
    weight_decay: float = 1e-4  # AdamW's decoupled weight decay
    label_smoothing: float = 0.1  # softer targets: calmer probabilities for the game's guesses
    seed: int = 1234  # seeds the synthetic data, the prefixes, the init, shuffling and augmentation
    # Prefixes teach the network half-finished drawings, as the game shows them. Measured on real
    # doodles: median recognition at 0.70 of the ink without prefixes, 0.60 with them.
    prefixes: int = 2  # random prefixes rendered per training drawing, besides the whole drawing
    prefix_low: float = 0.4  # shortest prefix, as a fraction of the drawing's ink
    prefix_high: float = 0.9  # longest prefix
    # Random affine transforms on the fly. Measured on real doodles (600 synthetic per category):
    # none 49.7% top-1, small (10 deg, 0.9-1.1, shear 6) 52.0%, these 60.8%; mirroring did not help.
    augment: bool = True  # apply them at all
    rotate: float = 20.0  # max rotation, degrees
    translate: float = 0.1  # max shift, fraction of the image side
    scale: tuple[float, float] = (0.7, 1.2)  # zoom range
    shear: float = 15.0  # max shear, degrees
    flip: float = 0.0  # chance of a horizontal mirror image (0.5 measured 56.4% vs 59.6% without)
    augment_chunk: int = 8  # images sharing one random affine (one per image costs ~8x the time)
    threads: int = 2  # torch CPU threads for training (the machine has 2 cores)

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

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["scale"] = list(self.scale)
        return d


def augmenter(config: TrainConfig) -> v2.Transform | None:
    """The random affine applied to each chunk of a batch (None when augmentation is off)."""
    if not config.augment:
        return None
    affine = v2.RandomAffine(degrees=config.rotate, translate=(config.translate, config.translate),
                             scale=config.scale, shear=config.shear)
    return v2.Compose([v2.RandomHorizontalFlip(config.flip), affine]) if config.flip > 0 else affine


def augment_batch(images: torch.Tensor, transform: v2.Transform | None, chunk: int) -> torch.Tensor:
    """Apply `transform` to float images (B, 1, H, W), one random draw per `chunk` images.

    torchvision applies one draw to a whole tensor; per chunk gives a batch of 256 thirty-two
    different transforms at an eighth of the cost of one per image (measured: 12 ms vs 85 ms).
    """
    if transform is None:
        return images
    return torch.cat([transform(part) for part in images.split(chunk)])


def train(model: net.DoodleNet, data: RasterSet, config: TrainConfig, progress: bool = True,
          log=print) -> list[dict]:
    """Train `model` in place on `data`; returns per-epoch stats (loss, accuracy, images/s, seconds)."""
    if len(data) == 0:
        raise ValueError("no training examples")
    torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)
    order_rng = torch.Generator().manual_seed(config.seed)
    model.to(memory_format=torch.channels_last).train()
    optimiser = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    steps_per_epoch = -(-len(data) // config.batch_size)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=config.lr,
                                                   total_steps=config.epochs * steps_per_epoch)
    transform = augmenter(config)
    history = []
    for epoch in range(1, config.epochs + 1):
        started = time.perf_counter()
        order = torch.randperm(len(data), generator=order_rng)
        total_loss, correct, seen = 0.0, 0, 0
        bar = tqdm(order.split(config.batch_size), desc=f"epoch {epoch}/{config.epochs}",
                   unit="batch", disable=not progress, leave=False)
        for batch in bar:
            x = augment_batch(net.to_input(data.images[batch]), transform, config.augment_chunk)
            y = data.labels[batch]
            logits = model(x.contiguous(memory_format=torch.channels_last))
            loss = F.cross_entropy(logits, y, label_smoothing=config.label_smoothing)
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
            schedule.step()
            total_loss += loss.item() * len(batch)
            correct += int((logits.argmax(1) == y).sum())
            seen += len(batch)
            bar.set_postfix(loss=f"{total_loss / seen:.3f}", acc=f"{correct / seen:.1%}")
        seconds = time.perf_counter() - started
        stats = {"epoch": epoch, "loss": total_loss / seen, "accuracy": correct / seen,
                 "images_per_s": seen / seconds, "seconds": seconds}
        history.append(stats)
        log(f"epoch {epoch}/{config.epochs}: loss {stats['loss']:.3f}, train accuracy {stats['accuracy']:.1%}, "
            f"{stats['images_per_s']:.0f} images/s, {seconds:.0f} s")
    model.eval()
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

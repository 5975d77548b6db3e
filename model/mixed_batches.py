"""The batches of a fine-tune: a share of every batch replayed from generated doodles, the rest from the
collected drawings, classes drawn evenly within each part.

`model/finetune.py` decides what goes in (which drawings, how many steps, the replay's share and the
weights of words taught from players' drawings alone); this is how batches are drawn from it, seeded
per step so that a resumed or distributed run draws exactly the batches an uninterrupted one would.
It is the training loop's data interface (`training.train`): `steps_per_epoch`, `images_total` and
`epoch(epoch, skip, steps)`.
"""
from __future__ import annotations

import torch

from model import datasets
from model.training import derived_seed


class MixedBatches:
    """`steps` batches: `replay_share` of each from `replay`, the rest from `collected`, classes drawn
    uniformly within each part (or, in the collected part, by `weights`: class index -> weight, 1 if
    absent). The training loop's data interface (one epoch of `steps` batches)."""

    def __init__(self, collected: datasets.RasterSet, replay: datasets.RasterSet, batch_size: int, steps: int,
                 replay_share: float, seed: int, rank: int = 0, device: torch.device = torch.device("cpu"),
                 weights: dict[int, float] | None = None):
        if len(collected) == 0 and len(replay) == 0:
            raise ValueError("no training examples")
        share = replay_share if len(collected) else 1.0
        share = share if len(replay) else 0.0
        self.n_replay = int(round(batch_size * share))
        self.n_collected = batch_size - self.n_replay
        self.parts = [_Balanced(collected, device, weights), _Balanced(replay, device)]
        self.batch_size, self.seed, self.rank = batch_size, seed, rank
        self.steps_per_epoch, self.images_total = steps, steps * batch_size

    def epoch(self, epoch: int, skip: int, steps: int):
        for step in range(skip, steps):
            generator = torch.Generator().manual_seed(derived_seed(self.seed, self.rank, epoch, step, 3))
            images, labels = zip(*(part.sample(n, generator) for part, n in
                                   zip(self.parts, (self.n_collected, self.n_replay)) if n))
            yield torch.cat(images), torch.cat(labels)


class _Balanced:
    """A RasterSet's images grouped by class, sampled class-uniformly."""

    def __init__(self, data: datasets.RasterSet, device: torch.device, weights: dict[int, float] | None = None):
        order = torch.argsort(data.labels, stable=True)
        self.images, labels = data.images[order].to(device), data.labels[order]
        classes, counts = torch.unique_consecutive(labels, return_counts=True)
        self.classes, self.counts = classes, counts
        chances = torch.tensor([float((weights or {}).get(c, 1.0)) for c in classes.tolist()], dtype=torch.float64)
        self.chances = None if len(chances) == 0 or bool((chances == chances[0]).all()) else chances
        self.starts = torch.cumsum(counts, 0) - counts

    def sample(self, n: int, generator: torch.Generator):
        which = (torch.randint(len(self.classes), (n,), generator=generator) if self.chances is None
                 else torch.multinomial(self.chances, n, replacement=True, generator=generator))
        offset = (torch.rand(n, generator=generator) * self.counts[which]).long().clamp(max=self.counts[which] - 1)
        index = self.starts[which] + offset
        return self.images[index.to(self.images.device)], self.classes[which]

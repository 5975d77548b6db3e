"""The fine-tune's batches (model/mixed_batches.py): replay beside balanced collected images, seeded per
step, and words weighed in the collected part."""
import pytest
import torch

from model import datasets
from model.mixed_batches import MixedBatches


def raster(labels, value=0):
    labels = torch.tensor(labels, dtype=torch.int64)
    images = torch.full((len(labels), 28, 28), value, dtype=torch.uint8)
    images[:, 0, 0] = labels.to(torch.uint8)  # each image says its class
    return datasets.RasterSet(images, labels, ("a", "b", "c", "d"))


def test_batches_mix_replay_and_balanced_collected_images_reproducibly():
    collected = raster([0] * 95 + [1] * 5)  # one word drawn 95 times, one 5 times
    replay = raster([2] * 10 + [3] * 10, value=9)
    batches = MixedBatches(collected, replay, batch_size=100, steps=30, replay_share=0.4, seed=3)
    assert batches.steps_per_epoch == 30 and batches.images_total == 3000
    labels = torch.cat([y for _, y in batches.epoch(1, 0, 30)])
    counts = torch.bincount(labels, minlength=4).tolist()
    assert counts[0] + counts[1] == 30 * 60 and counts[2] + counts[3] == 30 * 40
    assert abs(counts[0] - counts[1]) < 0.15 * 1800  # balanced, not 95:5
    for images, y in batches.epoch(1, 0, 3):
        assert torch.equal(images[:, 0, 0].long(), y)  # every label belongs to its image
    again = [y for _, y in MixedBatches(collected, replay, 100, 30, 0.4, seed=3).epoch(1, 5, 7)]
    assert all(torch.equal(a, b) for a, b in zip(again, [y for _, y in batches.epoch(1, 5, 7)]))
    only_replay = MixedBatches(raster([]), replay, 16, 2, 0.4, seed=0)
    assert all((y >= 2).all() for _, y in only_replay.epoch(1, 0, 2))
    with pytest.raises(ValueError):
        MixedBatches(raster([]), raster([]), 16, 2, 0.4, seed=0)


def test_words_the_replay_does_not_hold_can_weigh_less_in_the_collected_part():
    collected = raster([0] * 50 + [1] * 50)
    replay = raster([0] * 10, value=9)
    counts = {}
    for weight in (1.0, 0.25):
        weights = {1: weight}  # class 1: a new word
        labels = torch.cat([y for _, y in MixedBatches(collected, replay, 100, 40, 0.4, seed=3,
                                                                weights=weights).epoch(1, 0, 40)])
        counts[weight] = torch.bincount(labels, minlength=2).tolist()
    collected_of_0 = counts[1.0][0] - 40 * 40  # the replay part is all class 0
    assert abs(collected_of_0 - counts[1.0][1]) < 0.1 * 2400  # equal weights: balanced, as before
    assert abs(counts[0.25][1] / 2400 - 0.2) < 0.03  # a quarter the chance: 0.25 / 1.25 of the collected part
    equal = [y for _, y in MixedBatches(collected, replay, 100, 5, 0.4, seed=3, weights={1: 1.0}).epoch(1, 0, 5)]
    plain = [y for _, y in MixedBatches(collected, replay, 100, 5, 0.4, seed=3).epoch(1, 0, 5)]
    assert all(torch.equal(a, b) for a, b in zip(equal, plain))  # weights all 1: the very same batches

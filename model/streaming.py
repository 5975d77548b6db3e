"""Streaming training data: Quick, Draw! files too large for memory, read, shuffled and rasterised on the fly.

The in-memory path (`datasets.rasterize_examples`) renders every drawing before training; for the full
dataset (345 categories, 50M drawings) that would be over 100 GB of rasters. A stream holds instead:

- one open reader per file, from which records are drawn *interleaved*: the next category is picked at
  random, weighted by how many records it has, so every stretch of the stream mixes categories as
  the whole data does, and all of them run out at about the same time;
- a shuffle buffer of `buffer` items (a record's raw bytes and which variant to render: the whole
  drawing or one of its random prefixes), so memory stays constant whatever the data size;

and it rasterises each item as it leaves the buffer, with the in-memory path's prefixes
(`datasets.drawing_variant`: fractions seeded by (seed, category, index)).

Sharding: record i of a category belongs to shard i mod (processes x loader workers), decided before a
line is decoded, so each process decodes only its share. A `holdout` share of every category, chosen by
a hash of (seed, category, index), is never trained on and can be read back for evaluation.

The plan (which record, which variant, in what order) needs no decoding or rendering, so skipping the
first k batches of an epoch (resuming after an interruption) costs reading, not rasterising. Every
draw is seeded by (seed, epoch, shard), so the same epoch streams the same batches. Records are read
raw and decoded late by `model/quickdraw/stream_records.py`.
"""
from __future__ import annotations

import itertools
import resource
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from model import datasets
from model.datasets import RasterSet, RenderSettings
from model.quickdraw import formats
from model.quickdraw.stream_records import count_records, decode, raw_records

IGNORE = -100  # label of a record that could not be read (the training loss leaves it out)


@dataclass(frozen=True)
class StreamSettings:
    """How a stream reads, shuffles and renders (the same settings give the same batches)."""

    batch_size: int = 256  # images per batch of this process
    buffer: int = 16_384  # items in the shuffle buffer (an item: raw record bytes + a variant)
    holdout: float = 0.1  # share of each category held out of training (for evaluation)
    workers: int = 0  # loader processes rendering for each training process (0 = render in it)
    seed: int = 1234  # seeds holdout, interleaving, shuffling and (through `render`) the prefixes
    render: RenderSettings = RenderSettings()  # prefixes and raster size

    def __post_init__(self) -> None:
        if self.batch_size < 1 or self.buffer < 1 or self.workers < 0 or not 0.0 <= self.holdout < 1.0:
            raise ValueError(f"bad stream settings: {self}")


@dataclass(frozen=True)
class FileSource:
    """A category's files and how many records each holds (counted or, for big .bin files, estimated)."""

    category: str
    label: int
    paths: tuple[Path, ...]
    counts: tuple[int, ...]


# ---- records, holdout and shards -----------------------------------------------------------------

def held_out_mask(seed: int, category: str, indices: np.ndarray, fraction: float) -> np.ndarray:
    """Which record indices of `category` are held out: a splitmix64 hash of (seed, category, index)."""
    key = np.uint64(zlib.crc32(f"{seed}:{category}".encode()) * 0xD1B54A32D192ED03 % 2**64)
    x = np.asarray(indices, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15) + key
    x ^= x >> np.uint64(30)
    x *= np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(27)
    x *= np.uint64(0x94D049BB133111EB)
    x ^= x >> np.uint64(31)
    return (x >> np.uint64(11)).astype(np.float64) / 2.0 ** 53 < fraction


def records_of(source: FileSource, settings: StreamSettings, shard: int = 0, shards: int = 1,
               held_out: bool = False):
    """(index, kind, payload) of `source`'s records in `shard`, training ones (or the held-out ones)."""
    index, mask, block = 0, None, 4096
    for path in source.paths:
        for kind, payload in raw_records(path):
            if index % block == 0:  # the hash, a block of indices at a time
                mask = held_out_mask(settings.seed, source.category, np.arange(index, index + block), settings.holdout)
            if index % shards == shard and bool(mask[index % block]) == held_out:
                yield index, kind, payload
            index += 1


def variants(path: Path, settings: StreamSettings) -> int:
    """Images per record: the whole drawing and its prefixes, or one for a bitmap."""
    return 1 if path.suffix.lower() == ".npy" else 1 + settings.render.prefixes


def shard_images(source: FileSource, settings: StreamSettings, shards: int) -> np.ndarray:
    """Training images of `source` in each of `shards` shards (exact for counted files)."""
    ends = np.cumsum(source.counts)
    per_file = np.array([variants(p, settings) for p in source.paths], np.float64)
    return _per_shard(source, settings, shards, lambda index: per_file[np.searchsorted(ends, index, side="right")])


def _per_shard(source: FileSource, settings: StreamSettings, shards: int, weight, block: int = 1 << 13) -> np.ndarray:
    """Sum of `weight(indices)` over the training records of each shard, a block at a time (constant memory)."""
    totals = np.zeros(shards)
    for first in range(0, sum(source.counts), block):
        index = np.arange(first, min(first + block, sum(source.counts)))
        train = index[~held_out_mask(settings.seed, source.category, index, settings.holdout)]
        totals += np.bincount(train % shards, weights=weight(train), minlength=shards)
    return totals


def training_records(source: FileSource, settings: StreamSettings) -> int:
    """Records of `source` that are trained on (not held out)."""
    return int(sum(_per_shard(source, settings, 1, lambda index: np.ones(len(index)))))


def file_sources(directory, categories) -> list[FileSource]:
    """The Quick, Draw! files of `categories` in `directory`, counted, one source per category."""
    label = {c: i for i, c in enumerate(categories)}
    found = datasets.quickdraw_files(directory, set(categories))
    sources = [FileSource(c, label[c], tuple(paths), tuple(count_records(p) for p in paths))
               for c, paths in sorted(found.items(), key=lambda kv: label[kv[0]])]
    _allow_open_files(sum(len(s.paths) for s in sources) + 64)
    return sources


def _allow_open_files(needed: int) -> None:
    """Every file is open at once; raise the soft limit on open files when that needs it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        wanted = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


# ---- the plan and the rendering ------------------------------------------------------------------

def plan(sources: list, settings: StreamSettings, epoch: int, shard: int, shards: int,
         worker: int = 0, workers: int = 1, pass_number: int = 0):
    """One pass over a shard: items (label, category, index, kind, payload, variant), shuffled.

    `sources` are FileSources and RasterSets (already this process's shard; split among loader
    workers by `worker`/`workers`). Nothing is decoded here.
    """
    rng = np.random.default_rng([settings.seed, epoch, shard, pass_number, 17])
    streams, weights, per = [], [], []
    for source in sources:
        if isinstance(source, RasterSet):
            mine = range(worker, len(source), workers)
            streams.append((i, "raster", source) for i in mine)
            weights.append(len(mine))
            per.append(1)
        else:
            streams.append(records_of(source, settings, shard, shards))
            weights.append(shard_images(source, settings, shards)[shard])
            per.append(None)
    active = np.array(weights, dtype=np.float64) > 0
    weights = np.array(weights, dtype=np.float64)
    buffer, slots, picks = [], iter(()), iter(())
    while active.any():
        pick = next(picks, None)
        if pick is None:  # draw sources in blocks: one cumulative sum per 1024 picks
            cumulative = np.cumsum(weights * active)
            picks = iter(np.searchsorted(cumulative, rng.random(1024) * cumulative[-1], side="right").tolist())
            continue
        if not active[pick]:
            continue
        record = next(streams[pick], None)
        if record is None:
            active[pick], picks = False, iter(())
            continue
        index, kind, payload = record
        source = sources[pick]
        if kind == "raster":
            items = [(int(source.labels[index]), "", index, kind, source, 0)]
        else:
            count = 1 if kind == "bitmap" else 1 + settings.render.prefixes
            items = [(source.label, source.category, index, kind, payload, v) for v in range(count)]
        for item in items:
            if len(buffer) < settings.buffer:
                buffer.append(item)
                continue
            slot = next(slots, None)
            if slot is None:
                slots = iter(rng.integers(settings.buffer, size=4096).tolist())
                slot = next(slots)
            buffer[slot], item = item, buffer[slot]
            yield item
    for j in rng.permutation(len(buffer)).tolist():
        yield buffer[j]


def render(item, settings: StreamSettings) -> tuple[np.ndarray, int]:
    """(uint8 image, label) of a planned item; a blank image labelled IGNORE if it cannot be read."""
    label, category, index, kind, payload, variant = item
    size = settings.render.size
    if kind == "raster":
        return payload.images[index].numpy(), label
    try:
        if kind == "bitmap":
            return np.frombuffer(payload, np.uint8).reshape(size, size), label
        drawing = decode(kind, payload, category)
        return datasets.drawing_variant(drawing, category, index, variant, settings.render), label
    except Exception:  # noqa: BLE001 - a malformed record: any decoding error means "skip this one"
        return np.zeros((size, size), np.uint8), IGNORE


class EpochStream(torch.utils.data.IterableDataset):
    """The batches of one epoch of one process, from `steps`' batch `skip` on, split among loader workers.

    Loader worker w of W renders the batches g with g = skip + w (mod W), which the DataLoader hands
    out in order (worker 0, 1, ...), so batch g is the same whether or not the epoch was resumed.
    A worker that runs out of records starts another pass, so every process yields `steps` batches.
    """

    def __init__(self, sources, settings: StreamSettings, rank: int, world: int, epoch: int, skip: int, steps: int):
        super().__init__()
        self.sources, self.settings = sources, settings
        self.rank, self.world, self.epoch, self.skip, self.steps = rank, world, epoch, skip, steps

    def __iter__(self):
        info = torch.utils.data.get_worker_info()
        position, workers = (info.id, info.num_workers) if info else (0, 1)
        worker = (position + self.skip) % workers  # the worker whose batches come next, first
        items = self.items(worker, workers)
        batch = self.settings.batch_size
        for _ in range(len(range(worker, self.skip, workers)) * batch):
            next(items)  # fast-forward: planned, never rendered
        for _ in range(len(range(self.skip + position, self.steps, workers))):
            rendered = [render(next(items), self.settings) for _ in range(batch)]
            yield (torch.from_numpy(np.stack([image for image, _ in rendered])),
                   torch.tensor([label for _, label in rendered], dtype=torch.int64))

    def items(self, worker: int, workers: int):
        shard, shards = self.rank * workers + worker, self.world * workers
        for pass_number in itertools.count():
            empty = True
            for item in plan(self.sources, self.settings, self.epoch, shard, shards, worker, workers, pass_number):
                empty = False
                yield item
            if empty:
                raise ValueError(f"stream shard {shard} of {shards} holds no training records")


class StreamBatches:
    """The training loop's view of a stream: `images_total`, `steps_per_epoch`, `epoch(epoch, skip, steps)`."""

    def __init__(self, sources: list, settings: StreamSettings, rank: int = 0, world: int = 1,
                 pin_memory: bool = False):
        self.sources, self.settings, self.rank, self.world = sources, settings, rank, world
        self.pin_memory = pin_memory
        workers = max(1, settings.workers)
        images = np.zeros(world * workers)
        for source in sources:
            if isinstance(source, RasterSet):  # already this process's shard
                images[rank * workers:(rank + 1) * workers] += len(source) / workers
            else:
                images += shard_images(source, settings, world * workers)
        self.images_total = int(round(images[rank * workers:(rank + 1) * workers].sum()))
        self.steps_per_epoch = max(1, self.images_total // settings.batch_size) if self.images_total else 0

    def epoch(self, epoch: int, skip: int, steps: int):
        stream = EpochStream(self.sources, self.settings, self.rank, self.world, epoch, skip, steps)
        loader = torch.utils.data.DataLoader(stream, batch_size=None, num_workers=self.settings.workers,
                                             pin_memory=self.pin_memory)
        yield from loader


def held_out_examples(sources: list, settings: StreamSettings, limit_per_category: int) -> datasets.Examples:
    """Up to `limit_per_category` held-out records of each file source, decoded, for evaluation."""
    examples = datasets.Examples()
    for source in sources:
        if isinstance(source, RasterSet):
            continue
        taken = 0
        for index, kind, payload in records_of(source, settings, held_out=True):
            if taken >= limit_per_category:
                break
            try:
                if kind == "bitmap":
                    examples.bitmaps.append((source.category, np.frombuffer(payload, np.uint8).reshape(28, 28)))
                else:
                    examples.drawings.append((source.category, decode(kind, payload, source.category)))
                taken += 1
            except (ValueError, formats.FormatError):
                continue
    return examples

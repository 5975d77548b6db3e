"""Training and evaluation data: labelled drawings from every source, rasterised once into tensors.

Sources (combinable; each gives an `Examples`):
- `synthetic`: doodles from the seeded generator `model/synth.py` (N per category, seed);
- `from_store`: drawings the game collected (`model/store/`, consented drawings only);
- `from_quickdraw_dir`: Google's files named by category (ndjson, bin, npz strokes or npy bitmaps).

`rasterize_examples` renders every drawing once with `strokes.rasterize` (Google's numpy_bitmap
recipe) plus a few random *prefixes* of it (the first 40-90% of its ink), because the game guesses
while the player is still drawing; bitmaps (npy) are used as they are. The result is a compact uint8
tensor that the training loop augments on the fly. Under `torchrun` each process renders only its
shard (`shard=(rank, world)`): drawing i of a category goes to rank i mod world, so every rank sees
every category. For data too large to render up front, `model/streaming.py` renders on the fly.
"""
from __future__ import annotations

import multiprocessing
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from model import strokes
from model.quickdraw import formats

CHUNK = 250  # drawings per job handed to a worker process


@dataclass
class Examples:
    """Labelled examples before rasterising: stroke drawings and ready-made 28x28 bitmaps."""

    drawings: list[tuple[str, list]] = field(default_factory=list)  # (category, raw strokes)
    bitmaps: list[tuple[str, np.ndarray]] = field(default_factory=list)  # (category, uint8 (28, 28))
    sources: dict[str, int] = field(default_factory=dict)  # examples per source, for the checkpoint

    def __len__(self) -> int:
        return len(self.drawings) + len(self.bitmaps)

    def per_category(self) -> Counter:
        return Counter(c for c, _ in self.drawings) + Counter(c for c, _ in self.bitmaps)


@dataclass
class RasterSet:
    """Rendered examples: `images` uint8 (N, size, size), `labels` int64 (N,) indexing `categories`."""

    images: torch.Tensor
    labels: torch.Tensor
    categories: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.labels)


# ---- sources -------------------------------------------------------------------------------------

def synthetic(categories, n_per_category: int, seed: int, progress: bool = False) -> Examples:
    """`n_per_category` generated doodles of each category (reproducible from the seed)."""
    from model import synth  # imported here: the generator's recipes are only needed to train

    total = n_per_category * len(categories)
    stream = synth.generate_dataset(list(categories), n_per_category, seed)
    drawings = list(tqdm(stream, total=total, desc="generating", unit="drawing", disable=not progress))
    return Examples(drawings=drawings, sources={f"synthetic(seed={seed})": len(drawings)})


def from_store(db_path, categories) -> tuple[Examples, int]:
    """The consented drawings of `categories` in a game database; also how many came from players
    (sessions of the game itself, as opposed to files imported into the database)."""
    from model.store import Store

    path = Path(db_path)
    if not path.is_file():
        raise ValueError(f"{path}: no such database file")
    wanted = set(categories)
    with Store(path) as store:
        rows = [(d["word"], d["drawing"], d["session_id"]) for d in store.drawings() if d["word"] in wanted]
        game_sessions = {row[0] for row in store.db.execute("SELECT id FROM sessions WHERE source = 'game'")}
    players = sum(1 for _, _, session in rows if session in game_sessions)
    examples = Examples(drawings=[(word, drawing) for word, drawing, _ in rows],
                        sources={f"store:{path.name}": len(rows)})
    return examples, players


def quickdraw_files(directory, categories=None) -> dict[str, list[Path]]:
    """Files in `directory` by category name (Google names files after categories), sorted."""
    directory = Path(directory)
    if not directory.is_dir():
        raise ValueError(f"{directory}: not a directory")
    found: dict[str, list[Path]] = {}
    for path in sorted(directory.iterdir()):
        if path.suffix.lower() not in formats.SUFFIXES:
            continue
        category = formats.category_from_path(path)
        if categories is None or category in categories:
            found.setdefault(category, []).append(path)
    return found


def from_quickdraw_dir(directory, categories, limit_per_category: int | None = None) -> Examples:
    """Drawings and bitmaps of `categories` from a folder of Quick, Draw! files (bad records skipped)."""
    examples = Examples()
    for category, paths in quickdraw_files(directory, set(categories)).items():
        for path in paths:
            if path.suffix.lower() in formats.BITMAP_SUFFIXES:
                rows = formats.load_npy(path)[:limit_per_category]
                examples.bitmaps += [(category, np.array(row).reshape(28, 28)) for row in rows]
                continue
            taken = 0
            for record in formats.read_drawings(path, skip_bad=True):
                if limit_per_category is not None and taken >= limit_per_category:
                    break
                examples.drawings.append((category, record["drawing"]))
                taken += 1
    examples.sources = {f"quickdraw:{Path(directory).name}": len(examples)}
    return examples


def split_holdout(examples: Examples, fraction: float, seed: int) -> tuple[Examples, Examples]:
    """(train, held out): a seeded `fraction` of each category's drawings and bitmaps held out."""
    if not 0.0 <= fraction < 1.0:
        raise ValueError(f"holdout fraction must be in [0, 1), got {fraction}")
    rng = np.random.default_rng(seed)
    train, held = Examples(), Examples()

    def split(items, into_train, into_held):
        by_category: dict[str, list] = {}
        for item in items:
            by_category.setdefault(item[0], []).append(item)
        for group in by_category.values():
            order = rng.permutation(len(group))
            n_held = int(round(fraction * len(group)))
            into_held += [group[i] for i in order[:n_held]]
            into_train += [group[i] for i in order[n_held:]]

    split(examples.drawings, train.drawings, held.drawings)
    split(examples.bitmaps, train.bitmaps, held.bitmaps)
    name = "+".join(examples.sources) or "examples"
    train.sources, held.sources = {name: len(train)}, {f"{name} (held out)": len(held)}
    return train, held


# ---- rasterising ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class RenderSettings:
    """How each drawing becomes training images (picklable, for worker processes)."""

    prefixes: int = 2  # random prefixes per drawing, besides the whole drawing
    prefix_range: tuple[float, float] = (0.4, 0.9)  # prefix length, as fractions of the ink
    seed: int = 0  # seeds each drawing's prefixes (with its category and index)
    size: int = 28  # raster side


def prefix_fractions(category: str, index: int, settings: RenderSettings) -> list[float]:
    """The ink fractions of drawing `index`'s prefixes; they depend only on (seed, category, index),
    so a drawing renders the same whichever process renders it and in whatever order."""
    rng = np.random.default_rng([settings.seed, zlib.crc32(category.encode()), index])
    low, high = settings.prefix_range
    return [float(rng.uniform(low, high)) for _ in range(settings.prefixes)]


def drawing_variant(drawing, category: str, index: int, variant: int, settings: RenderSettings) -> np.ndarray:
    """(size, size) uint8: variant 0 is the whole drawing, variant v >= 1 its v-th random prefix."""
    if variant:
        drawing = strokes.truncate(drawing, fraction=prefix_fractions(category, index, settings)[variant - 1])
    return strokes.rasterize(drawing, size=settings.size)


def drawing_images(drawing, category: str, index: int, settings: RenderSettings) -> np.ndarray:
    """(1 + prefixes, size, size) uint8: the whole drawing, then its random prefixes."""
    variants = [drawing] + [strokes.truncate(drawing, fraction=f)
                            for f in prefix_fractions(category, index, settings)]
    return np.stack([strokes.rasterize(v, size=settings.size) for v in variants])


def _render_chunk(job) -> np.ndarray:
    items, settings = job
    return np.concatenate([drawing_images(d, c, i, settings) for c, d, i in items])


def _synthetic_chunk(job) -> np.ndarray:
    from model import synth

    category, indices, synth_seed, settings = job
    return np.concatenate([
        drawing_images(synth.generate(category, synth.drawing_rng(synth_seed, category, i)), category, i, settings)
        for i in indices])


def _run(function, jobs: list, workers: int, total: int, desc: str, progress: bool) -> list[np.ndarray]:
    """`function` over `jobs` in order, in `workers` processes (1 = here), with a progress bar."""
    bar = tqdm(total=total, desc=desc, unit="drawing", disable=not progress)
    results = []
    if workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            results.append(function(job))
            bar.update(len(results[-1]))
    else:
        # fork: children start at once, without re-importing anything. They only run numpy and
        # Pillow, never torch, so the parent's torch thread pools do not matter to them.
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        with multiprocessing.get_context(method).Pool(workers) as pool:
            for images in pool.imap(function, jobs):
                results.append(images)
                bar.update(len(images))
    bar.close()
    return results


def rasterize_examples(examples: Examples, categories, settings: RenderSettings = RenderSettings(),
                       workers: int = 1, progress: bool = False, shard: tuple[int, int] = (0, 1)) -> RasterSet:
    """Render every drawing whole plus `settings.prefixes` random prefixes; bitmaps are taken as they are.

    `shard=(rank, world)` keeps every world-th drawing and bitmap of each category, starting at its
    rank-th. Examples of categories not in `categories` raise ValueError (filter sources first).
    """
    index = {c: i for i, c in enumerate(categories)}
    unknown = sorted(set(examples.per_category()) - set(index))
    if unknown:
        raise ValueError(f"examples of categories the model does not know: {', '.join(unknown[:10])}")
    if examples.bitmaps and settings.size != 28:
        raise ValueError(f"28x28 bitmaps cannot train a {settings.size}x{settings.size} network")
    rank, world = shard
    per = 1 + settings.prefixes
    seen: Counter = Counter()  # each drawing's index within its category seeds its prefixes
    items = []
    for category, drawing in examples.drawings:
        if seen[category] % world == rank:
            items.append((category, drawing, seen[category]))
        seen[category] += 1
    seen.clear()
    bitmaps = []
    for category, bitmap in examples.bitmaps:
        if seen[category] % world == rank:
            bitmaps.append((category, bitmap))
        seen[category] += 1
    jobs = [(items[i:i + CHUNK], settings) for i in range(0, len(items), CHUNK)]
    parts = _run(_render_chunk, jobs, workers, len(items) * per, "rasterising", progress)
    parts.append(np.array([np.asarray(b, np.uint8).reshape(28, 28) for _, b in bitmaps],
                          np.uint8).reshape(-1, settings.size, settings.size))
    labels = np.concatenate([np.repeat([index[c] for c, _, _ in items], per).astype(np.int64),
                             np.array([index[c] for c, _ in bitmaps], np.int64)])
    return RasterSet(torch.from_numpy(np.concatenate(parts)), torch.from_numpy(labels), tuple(categories))


def synthetic_rasters(categories, n_per_category: int, synth_seed: int,
                      settings: RenderSettings = RenderSettings(), workers: int = 1,
                      progress: bool = False, shard: tuple[int, int] = (0, 1)) -> RasterSet:
    """Generate and render `n_per_category` synthetic doodles per category without keeping the strokes.

    The same images as `rasterize_examples(synthetic(categories, n, synth_seed), ..., shard=shard)`,
    faster and in less memory; any number of workers gives the same result.
    """
    rank, world = shard
    mine = range(rank, n_per_category, world)  # the doodle indices this rank renders, per category
    jobs = [(c, mine[first:first + CHUNK], synth_seed, settings)
            for c in categories for first in range(0, len(mine), CHUNK)]
    per = 1 + settings.prefixes
    parts = _run(_synthetic_chunk, jobs, workers, len(categories) * len(mine) * per, "generating", progress)
    images = np.concatenate(parts) if parts else np.zeros((0, settings.size, settings.size), np.uint8)
    labels = np.repeat(np.arange(len(categories)), len(mine) * per)
    return RasterSet(torch.from_numpy(images), torch.from_numpy(labels.astype(np.int64)), tuple(categories))


def concat(sets: list[RasterSet]) -> RasterSet:
    """One RasterSet from several with the same categories."""
    if not sets or any(s.categories != sets[0].categories for s in sets):
        raise ValueError("can only join raster sets with the same categories")
    return RasterSet(torch.cat([s.images for s in sets]), torch.cat([s.labels for s in sets]), sets[0].categories)

"""Human variation applied to real strokes: one collected drawing becomes many plausible ones.

The bundled model learns from the generator's doodles (`model/synth/`), whose variety comes from how
a hand places and traces a recipe. A drawing a player donated has no recipe, but the same variation
applies to its strokes, so a word with 5 collected drawings trains on 5 x (1 + `copies`) of them:

- the hand's imprecision: `model.synth`'s own smooth warp of the whole drawing and drift along each
  stroke (`engine.hand_noise`, the one implementation), plus a little per-point jitter;
- dropped strokes: a detail left out (never the longest stroke: it is usually the outline);
- partial strokes: one stroke stopped early, as a player in a hurry does;
- an affine placement: rotation, stretch and shear like the generator's `_place`;
- stroke order: two strokes swapped, which changes the prefixes the game sees mid-drawing.

Every variant is a pure function of (drawing, category, index, copy, seed), so a fine-tune renders the
same images in any process and any order. Times (`ts`) are dropped: the raster does not use them.
The training images of a variant are rendered like any drawing (whole, plus prefixes) by
`model/datasets.py`.
"""
from __future__ import annotations

import math
import zlib
from dataclasses import dataclass

import numpy as np

from model import strokes
from model.synth.engine import DEFAULT_HAND, hand_noise


@dataclass(frozen=True)
class Variation:
    """How far a variant may stray from the drawing it comes from (defaults: the generator's hand)."""

    jitter: float = 0.006  # std of per-point noise, fraction of the drawing's size
    drop: float = 0.15  # chance of each stroke (not the longest) being left out
    max_dropped: float = 0.34  # at most this share of the strokes is dropped
    partial: float = 0.25  # chance that one stroke ends early
    partial_keep: tuple[float, float] = (0.5, 0.9)  # share of that stroke's points kept
    rotate: float = 10.0  # std of the rotation, degrees
    stretch: float = 0.15  # std of the log aspect stretch
    shear: float = DEFAULT_HAND.shear  # std of the shear factor (the generator's)
    swap: float = 0.3  # chance of two strokes exchanging places in the order

    def __post_init__(self) -> None:
        for name in ("jitter", "rotate", "stretch", "shear"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")
        for name in ("drop", "max_dropped", "partial", "swap"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be a chance in [0, 1], got {getattr(self, name)}")
        low, high = self.partial_keep
        if not 0.0 < low <= high <= 1.0:
            raise ValueError(f"need 0 < partial_keep low <= high <= 1, got {self.partial_keep}")


DEFAULT = Variation()


def variant_rng(seed: int, category: str, index: int, copy: int) -> np.random.Generator:
    """The generator for copy `copy` of drawing `index` of `category` (independent streams)."""
    return np.random.default_rng([int(seed) % (2 ** 63), zlib.crc32(category.encode("utf-8")), int(index), int(copy)])


def vary(drawing, rng: np.random.Generator, variation: Variation = DEFAULT) -> list:
    """One varied copy of `drawing` (raw strokes, any coordinates): a list of `[xs, ys]` strokes."""
    parts = [a[:, :2].astype(np.float64) for a in strokes.as_arrays(drawing) if len(a)]
    if not parts:
        return [[list(a[:, 0]), list(a[:, 1])] for a in strokes.as_arrays(drawing)]
    parts = _drop(parts, rng, variation)
    parts = _partial(parts, rng, variation)
    if len(parts) > 1 and rng.random() < variation.swap:
        i, j = rng.choice(len(parts), 2, replace=False)
        parts[i], parts[j] = parts[j], parts[i]
    points = _affine(np.concatenate(parts), rng, variation)
    x0, y0 = points.min(axis=0)
    size = float((points.max(axis=0) - points.min(axis=0)).max()) or 1.0
    lengths = [len(p) for p in parts]
    first = np.repeat(np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths)
    n = np.repeat(lengths, lengths).astype(np.float64)
    xs, ys = hand_noise(points[:, 0] - x0, points[:, 1] - y0, first, np.maximum(n, 2.0), size, rng, DEFAULT_HAND)
    noise = rng.normal(0.0, variation.jitter * size, (len(xs), 2))
    xs, ys = (xs + noise[:, 0]).tolist(), (ys + noise[:, 1]).tolist()
    ends = np.cumsum(lengths).tolist()
    return [[xs[a:b], ys[a:b]] for a, b in zip([0, *ends[:-1]], ends)]


def variants(drawing, category: str, index: int, copies: int, seed: int,
             variation: Variation = DEFAULT) -> list[list]:
    """`copies` varied copies of drawing `index` of `category` (reproducible from the seed)."""
    return [vary(drawing, variant_rng(seed, category, index, c), variation) for c in range(copies)]


def _drop(parts: list[np.ndarray], rng, variation: Variation) -> list[np.ndarray]:
    if len(parts) < 2 or variation.drop == 0:
        return parts
    longest = int(np.argmax([_ink(p) for p in parts]))
    limit = int(math.floor(variation.max_dropped * len(parts)))
    dropped = [i for i in rng.permutation(len(parts)).tolist()
               if i != longest and rng.random() < variation.drop][:limit]
    return [p for i, p in enumerate(parts) if i not in set(dropped)]


def _partial(parts: list[np.ndarray], rng, variation: Variation) -> list[np.ndarray]:
    if rng.random() >= variation.partial:
        return parts
    i = int(rng.integers(len(parts)))
    if len(parts[i]) < 3:
        return parts
    keep = max(2, int(round(len(parts[i]) * rng.uniform(*variation.partial_keep))))
    return parts[:i] + [parts[i][:keep]] + parts[i + 1:]


def _affine(points: np.ndarray, rng, variation: Variation) -> np.ndarray:
    """Rotate, stretch and shear about the drawing's centre (the generator's placement, milder)."""
    angle = math.radians(rng.normal(0.0, variation.rotate))
    stretch = math.exp(rng.normal(0.0, variation.stretch) / 2)
    shear = rng.normal(0.0, variation.shear)
    ca, sa = math.cos(angle), math.sin(angle)
    linear = np.array([[ca, -sa], [sa, ca]]) @ np.array([[stretch, shear], [0.0, 1.0 / stretch]])
    centre = (points.min(axis=0) + points.max(axis=0)) / 2
    return (points - centre) @ linear.T + centre


def _ink(points: np.ndarray) -> float:
    return float(np.hypot(*np.diff(points, axis=0).T).sum()) if len(points) > 1 else 0.0

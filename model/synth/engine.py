"""The seeded procedural doodle generator: recipes as data (`model/synth/recipes.py`) plus one engine.

The bundled classifier is trained only on these synthetic doodles, so they imitate how people draw in
Quick, Draw!: for every category a few *variants* (a cat's face, a whole cat), each a list of *parts*
drawn in the usual order (outline first, details after) with optional parts left out. The engine:

1. picks a variant and samples its parts (`model/synth/shapes.py`) in a unit frame, y up;
2. places the drawing on a 256 px canvas with a random size, position, stretch, shear and rotation;
3. re-samples every stroke in time, as a hand moves: an ease-in/ease-out speed of 200-800 px/s, a
   point every 15-30 ms, pen-up pauses of 100-400 ms between strokes;
4. adds the hand's imprecision: a smooth warp of the whole drawing and a drift along each stroke.

Output is Quick, Draw!'s raw format: a list of strokes `[xs, ys, ts]` (lists of floats, `ts` integer
ms since the first point). Everything depends only on the random generator passed in, so
`generate_dataset` is reproducible from (categories, n, seed) alone, whatever order it is consumed in.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterator, Sequence

import numpy as np

from model.synth.recipes import RECIPES
from model.synth.shapes import Variant, pick_part, sample_part


@dataclass(frozen=True)
class HandSettings:
    """How the simulated hand places and traces a recipe. Defaults match Quick, Draw! players."""
    canvas: float = 256.0                 # side of the square canvas, px
    size_px: tuple = (110.0, 240.0)       # longer side of the drawing, px
    shear: float = 0.08                   # std of the horizontal shear factor
    speed_px_s: tuple = (200.0, 800.0)    # pen speed range (log-uniform per stroke)
    ease: tuple = (0.2, 0.8)              # how much a stroke slows down at its ends (0 = constant speed)
    pause_ms: tuple = (100.0, 400.0)      # pen-up pause between strokes
    sample_ms: tuple = (15.0, 30.0)       # time between recorded points (per drawing)
    warp: float = 0.04                    # amplitude of the smooth whole-drawing warp, fraction of size
    drift: float = 0.012                  # random-walk drift along one stroke, fraction of size


DEFAULT_HAND = HandSettings()


def categories_with_recipes() -> list[str]:
    """Every category the generator can draw, in recipe order."""
    return list(RECIPES)


def generate(category: str, rng: np.random.Generator, hand: HandSettings = DEFAULT_HAND) -> list:
    """One synthetic drawing of `category` in the raw format, drawn with `rng`."""
    variants = RECIPES.get(category)
    if variants is None:
        raise ValueError(f"no doodle recipe for category {category!r}; known: {sorted(RECIPES)}")
    variant = _pick_variant(variants, rng)
    strokes = []
    for slot in variant.parts:
        part = pick_part(slot, rng)
        if part is not None:
            strokes.extend(sample_part(part, rng))
    if not strokes:  # every part was optional and left out: draw the first one anyway
        strokes = sample_part(pick_part(variant.parts[0], rng) or variant.parts[0], rng)
    return _trace(strokes, variant, rng, hand)


def generate_dataset(categories: Sequence[str], n_per_category: int, seed: int,
                     hand: HandSettings = DEFAULT_HAND) -> Iterator[tuple[str, list]]:
    """Yield (category, drawing) for n drawings of each category, category by category.

    Drawing i of category c is drawn with its own generator seeded by (seed, c's name, i), so it is
    the same whichever categories are asked for, in whatever order, and however much is consumed.
    """
    if n_per_category < 0:
        raise ValueError(f"n_per_category must be >= 0, got {n_per_category}")
    for category in categories:
        if category not in RECIPES:
            raise ValueError(f"no doodle recipe for category {category!r}")
    for category in categories:
        for index in range(n_per_category):
            yield category, generate(category, drawing_rng(seed, category, index), hand)


def drawing_rng(seed: int, category: str, index: int) -> np.random.Generator:
    """The generator for drawing `index` of `category` under `seed` (independent streams)."""
    name_key = int.from_bytes(category.encode("utf-8")[:32].ljust(32, b"\0"), "little") % (2 ** 63)
    return np.random.default_rng(np.random.SeedSequence([int(seed) % (2 ** 63), name_key, int(index)]))


def _pick_variant(variants: Sequence[Variant], rng: np.random.Generator) -> Variant:
    if len(variants) == 1:
        return variants[0]
    weights = np.fromiter((v.weight for v in variants), float, len(variants))
    return variants[int(np.searchsorted(np.cumsum(weights), rng.random() * weights.sum(), side="right"))]


def _trace(strokes: list[np.ndarray], variant: Variant, rng: np.random.Generator, hand: HandSettings) -> list:
    """Place unit-frame strokes on the canvas and trace them in time with a human hand."""
    lengths = np.array([len(s) for s in strokes])
    points, size = _place(np.concatenate(strokes), variant, rng, hand)

    # Arc length along each stroke, restarting at every stroke.
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    seg = np.hypot(*np.diff(points, axis=0).T)
    seg[starts[1:] - 1] = 0.0                       # no ink between strokes
    cum = np.concatenate(([0.0], np.cumsum(seg)))
    stroke_len = cum[starts + lengths - 1] - cum[starts]

    # Time: per-stroke speed, a sample every dt ms, pauses between strokes.
    count = len(strokes)
    speed = np.exp(rng.uniform(math.log(hand.speed_px_s[0]), math.log(hand.speed_px_s[1]), count))
    duration = stroke_len / speed * 1000.0
    dt = rng.uniform(*hand.sample_ms)
    samples = np.maximum(2, np.ceil(duration / dt).astype(int) + 1)
    pauses = rng.uniform(*hand.pause_ms, count)
    pauses[0] = 0.0
    span = (samples - 1) * dt                       # time actually spanned by each stroke's samples
    t0 = np.cumsum(pauses + np.concatenate(([0.0], span[:-1])))
    first = np.concatenate(([0], np.cumsum(samples)[:-1]))
    owner = np.repeat(np.arange(count), samples)
    u = (np.arange(samples.sum()) - first[owner]) / (samples[owner] - 1)
    ease = rng.uniform(*hand.ease)
    progress = u - ease * np.sin(2 * np.pi * u) / (2 * np.pi)     # slow start and end, never backwards
    ts = np.round(t0[owner] + u * span[owner]).astype(np.int64)

    # Position at each sample time: interpolate along the global arc length (strokes kept apart by
    # a small gap so a sample never lands on the neighbouring stroke).
    gap = np.zeros(len(points))
    gap[starts[1:]] = 1e-3
    axis = cum + np.cumsum(gap)
    target = axis[starts][owner] + progress * stroke_len[owner]
    xs = np.interp(target, axis, points[:, 0])
    ys = np.interp(target, axis, points[:, 1])

    xs, ys = hand_noise(xs, ys, first[owner], samples[owner], size, rng, hand)
    xl, yl, tl = xs.tolist(), ys.tolist(), ts.tolist()   # one conversion, then cheap list slices
    ends = np.cumsum(samples).tolist()
    return [[xl[a:b], yl[a:b], tl[a:b]] for a, b in zip([0, *ends[:-1]], ends)]


def _place(points: np.ndarray, variant: Variant, rng: np.random.Generator, hand: HandSettings):
    """Unit frame (y up) -> canvas px (y down): stretch, shear, rotate, flip, scale and position.

    Returns the placed points and the drawing's longer side in px."""
    stretch = math.exp(rng.normal(0.0, variant.aspect) / 2)
    angle = math.radians(rng.normal(0.0, variant.rotation))
    shear = rng.normal(0.0, hand.shear)
    flip = -1.0 if variant.flip and rng.random() < variant.flip else 1.0
    ca, sa = math.cos(angle), math.sin(angle)
    # Linear map applied to column vectors (x, y): rotate . shear . stretch, then y flipped for the screen.
    # rotation @ [[flip*stretch, shear/stretch], [0, 1/stretch]], second row negated (y down).
    a00, a01, a11 = flip * stretch, shear / stretch, 1.0 / stretch
    pts = points @ np.array([[ca * a00, -sa * a00], [ca * a01 - sa * a11, -(sa * a01 + ca * a11)]])
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    extent = float((hi - lo).max()) or 1.0
    size = rng.uniform(*hand.size_px)
    pts = (pts - lo) * (size / extent)
    room = hand.canvas - (hi - lo) * (size / extent)
    return pts + rng.random(2) * np.maximum(room, 0.0), size


def hand_noise(xs: np.ndarray, ys: np.ndarray, first: np.ndarray, n: np.ndarray, size: float,
               rng: np.random.Generator, hand: HandSettings) -> tuple[np.ndarray, np.ndarray]:
    """The hand's imprecision on a whole drawing: a smooth warp of it plus a drift that wanders along
    each stroke (step 4 of the generator, above); `model/variation.py` applies it to real strokes.

    `xs`, `ys` are the coordinates of every point of the drawing, strokes one after another, in px;
    `first[i]` is the index of the first point of point i's stroke and `n[i]` that stroke's number of
    points, at least 2 as the engine samples strokes (the drift shrinks with it); `size` the drawing's
    longer side in px, which `hand.warp` and `hand.drift` are fractions of. Returns the moved (xs, ys),
    new arrays; its only randomness is `rng`."""
    amp = hand.warp * size
    k = rng.normal(0.0, 0.6, (2, 2)) * (2 * np.pi / size)   # under one wave across the drawing
    phase = rng.random(2) * 2 * np.pi
    wx = amp * np.sin(xs * k[0, 0] + ys * k[0, 1] + phase[0])
    wy = amp * np.sin(xs * k[1, 0] + ys * k[1, 1] + phase[1])
    # An integrated random walk (random *velocity*) bends strokes smoothly instead of shaking them;
    # both sums restart at every stroke so each one starts where it was meant to.
    accel = rng.normal(0.0, 1.0, (len(xs), 2)) * (hand.drift * size * 1.7 / n ** 1.5)[:, None]
    velocity = np.cumsum(accel, axis=0)
    velocity -= velocity[first]
    walk = np.cumsum(velocity, axis=0)
    walk -= walk[first]
    return xs + wx + walk[:, 0], ys + wy + walk[:, 1]

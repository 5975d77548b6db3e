"""The vocabulary of doodle recipes: random values, parts, variants, and the geometry of each primitive.

A recipe (see `model/synth/recipes.py`) is plain data built from the small constructors below:
`arc`, `poly`, `curve`, `ngon`, `rays`, `dots`, `zigzag`, `bumps`, `spiral`, `scribble`, ..., grouped into a
`Variant`. Any number in a part may be a random value: `R(lo, hi)` (uniform float), `I(lo, hi)`
(uniform int, inclusive) or `C(a, b, ...)` (one of). `sample_part` turns a part into strokes in the
recipe's unit frame (about -1..1, **y up**, angles in degrees with 90 = up) with the primitives'
geometry (`model/synth/geometry.py`); `model/synth/engine.py` then places them on the canvas and adds the
hand (wobble, timing).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.synth.geometry import GEOMETRY


@dataclass(frozen=True)
class R:
    """A uniform random float in [lo, hi]."""
    lo: float
    hi: float


@dataclass(frozen=True)
class I:
    """A uniform random integer in [lo, hi], both included."""
    lo: int
    hi: int


class C:
    """One of several values (numbers, random values or parts), equally likely unless `weights`.

    As a recipe slot, `p` is the probability that any of the parts is drawn at all."""
    __slots__ = ("options", "weights", "p")

    def __init__(self, *options, weights=None, p=1.0):
        if not options:
            raise ValueError("C() needs at least one option")
        if weights is not None and len(weights) != len(options):
            raise ValueError(f"C() got {len(options)} options but {len(weights)} weights")
        self.options = options
        self.weights = None if weights is None else np.cumsum(weights) / np.sum(weights)
        self.p = p

    def choose(self, rng: np.random.Generator):
        if self.weights is None:
            return self.options[int(rng.integers(len(self.options)))]
        return self.options[int(np.searchsorted(self.weights, rng.random(), side="right"))]


@dataclass(frozen=True)
class Part:
    """One element of a drawing: a primitive `kind` with its parameters and how it varies."""
    kind: str
    params: dict
    p: float = 1.0            # probability that the part is drawn at all
    jitter: float = 0.04      # std of the noise on every corner / control point / radius (unit frame)
    shift: float = 0.03       # std of the whole part's displacement
    mirror: str = ""          # "x": also draw it mirrored about x = 0 (ears, eyes); "y": about y = 0
    repeat: tuple = (1, (0.0, 0.0), 1.0)  # (count, step (dx, dy), scale per copy) about `about`
    about: tuple | None = None  # centre for `repeat` scaling; None = the part's own centre

    def __post_init__(self):
        # Which parameters hold random values: only those are resolved for every drawing (speed).
        object.__setattr__(self, "random_keys", tuple(k for k, v in self.params.items() if _is_random(v)))
        object.__setattr__(self, "random_repeat", _is_random(self.repeat))


@dataclass(frozen=True)
class Variant:
    """One way people draw a category: its parts in drawing order, and how often it is chosen."""
    parts: tuple
    weight: float = 1.0
    aspect: float = 0.12      # std of log(x stretch / y stretch) of the whole drawing
    rotation: float = 8.0     # std of the whole drawing's rotation, degrees
    flip: float = 0.0         # probability of drawing it mirrored left-right


def V(*parts, **settings) -> Variant:
    return Variant(tuple(parts), **settings)


def _part(kind, params, options) -> Part:
    return Part(kind, params, **options)


# ----- constructors used by the recipes (all sizes in the unit frame) -------------------------------

def arc(c=(0, 0), r=(1, 1), a0=0, a1=360, rot=0, **opt) -> Part:
    """Ellipse arc from angle a0 to a1 (degrees, 90 = up); a full turn gets a random start and overshoot."""
    return _part("arc", dict(c=c, r=r, a0=a0, a1=a1, rot=rot), opt)


def poly(*points, closed=False, split=1, **opt) -> Part:
    """Polyline through the corner points; `split` strokes if the pen is lifted at corners."""
    return _part("poly", dict(points=points, closed=closed, split=split), opt)


def curve(*points, closed=False, **opt) -> Part:
    """Smooth Catmull-Rom curve through the points, in one stroke."""
    return _part("curve", dict(points=points, closed=closed), opt)


def ngon(c=(0, 0), r=(1, 1), n=5, inner=None, pentagram=False, rot=0, split=1, **opt) -> Part:
    """Regular polygon, or a star outline when `inner` (radius ratio) is given, or a one-stroke pentagram."""
    return _part("ngon", dict(c=c, r=r, n=n, inner=inner, pentagram=pentagram, rot=rot, split=split), opt)


def rays(c=(0, 0), r0=(1, 1), r1=(1.4, 1.4), n=8, a0=0, a1=360, **opt) -> Part:
    """n separate straight strokes pointing away from c, spread over angles a0..a1."""
    return _part("rays", dict(c=c, r0=r0, r1=r1, n=n, a0=a0, a1=a1), opt)


def dots(c=(0, 0), r=(1, 1), n=5, size=0.05, **opt) -> Part:
    """n tiny closed scribbles scattered inside the ellipse (c, r): chips, sprinkles, buttons."""
    return _part("dots", dict(c=c, r=r, n=n, size=size), opt)


def zigzag(x0=-1, x1=1, y0=-0.5, y1=0.5, n=6, vertical=False, **opt) -> Part:
    """One stroke alternating between y0 and y1 while x goes from x0 to x1 (n corners)."""
    return _part("zigzag", dict(x0=x0, x1=x1, y0=y0, y1=y1, n=n, vertical=vertical), opt)


def bumps(c=(0, 0), r=(1, 0.6), n=6, depth=0.25, a0=0, a1=360, **opt) -> Part:
    """Scalloped outline (cloud, canopy, umbrella rim): an ellipse with n outward bumps."""
    return _part("bumps", dict(c=c, r=r, n=n, depth=depth, a0=a0, a1=a1), opt)


def petals(c=(0, 0), r=0.25, length=0.6, width=0.3, n=5, **opt) -> Part:
    """n petal loops around a centre of radius r, each its own stroke, going round the flower."""
    return _part("petals", dict(c=c, r=r, length=length, width=width, n=n), opt)


def wave(x0=-1, x1=1, y=0, amp=0.2, n=4, **opt) -> Part:
    """One stroke of n scallops (|sin| bumps of height amp) along y from x0 to x1."""
    return _part("wave", dict(x0=x0, x1=x1, y=y, amp=amp, n=n), opt)


def spiral(c=(0, 0), r0=0.1, r1=1.0, turns=2.0, **opt) -> Part:
    """Archimedean spiral from radius r0 to r1."""
    return _part("spiral", dict(c=c, r0=r0, r1=r1, turns=turns), opt)


def scribble(c=(0, 0), r=(1, 1), n=12, angle=0, **opt) -> Part:
    """One back-and-forth stroke of n corners shading the ellipse (c, r), lines near `angle` degrees."""
    return _part("scribble", dict(c=c, r=r, n=n, angle=angle), opt)


def ring(c=(0, 0), r=(1, 1), start=90, clockwise=False, **opt) -> Part:
    """A closed ellipse drawn in one stroke from about `start` degrees (90 = the top)."""
    return arc(c, r, start, start - 360 if clockwise else start + 360, **opt)


def any_ring(c=(0, 0), r=(1, 1), **opt) -> C:
    """A closed ellipse, drawn anticlockwise from the top twice as often as clockwise."""
    return C(ring(c, r, **opt), ring(c, r, **opt), ring(c, r, clockwise=True, **opt))


def eye_pair(x=0.35, y=0.3, size=0.07, **opt) -> C:
    """Two eyes: dots, small circles or short strokes, mirrored about x = 0."""
    return C(dots((x, y), (0.01, 0.01), 1, size, mirror="x", jitter=0.02, **opt),
             ring((x, y), (size * 1.3, size * 1.6), mirror="x", jitter=0.02, **opt),
             poly((x, y + size * 1.8), (x, y - size), mirror="x", jitter=0.02, **opt),
             weights=(0.45, 0.3, 0.25))


# ----- sampling -------------------------------------------------------------------------------------

def _is_random(value) -> bool:
    if isinstance(value, (R, I, C)):
        return True
    return isinstance(value, (tuple, list)) and any(_is_random(item) for item in value)


def resolve(value, rng: np.random.Generator):
    """A concrete value: random values drawn, tuples/lists resolved element by element."""
    kind = type(value)
    if kind is float or kind is int or kind is bool or value is None:
        return value
    if kind is R:
        return value.lo + (value.hi - value.lo) * rng.random()
    if kind is I:
        return int(rng.integers(value.lo, value.hi + 1))
    if kind is C:
        return resolve(value.choose(rng), rng)
    if kind is tuple or kind is list:
        return [resolve(item, rng) for item in value]
    return value


def pick_part(slot, rng: np.random.Generator) -> Part | None:
    """The part to draw for a recipe slot (a Part or a C of parts), or None if it is left out."""
    while type(slot) is C:
        if slot.p < 1.0 and rng.random() >= slot.p:
            return None
        slot = slot.choose(rng)
    if slot is None or (slot.p < 1.0 and rng.random() >= slot.p):
        return None
    return slot


def sample_part(part: Part, rng: np.random.Generator) -> list[np.ndarray]:
    """The strokes (float arrays (n, 2), unit frame, y up) of one drawn part, in drawing order."""
    params = part.params
    if part.random_keys:
        params = dict(params)
        for key in part.random_keys:
            params[key] = resolve(params[key], rng)
    geometry = GEOMETRY[part.kind]
    count, step, scale = resolve(part.repeat, rng) if part.random_repeat else part.repeat
    strokes = []
    for copy in range(int(count)):
        pieces = geometry(rng, part.jitter, **params)
        if copy:
            centre = np.asarray(part.about) if part.about is not None else _centre(pieces)
            factor = scale ** copy
            offset = np.asarray(step, float) * copy
            pieces = [centre + (p - centre) * factor + offset for p in pieces]
        strokes.extend(_shifted(pieces, part.shift, rng))
        if part.mirror:
            flip = _MIRROR_X if part.mirror == "x" else _MIRROR_Y
            mirrored = [p * flip for p in geometry(rng, part.jitter, **params)]
            strokes.extend(_shifted(mirrored, part.shift, rng))
    return strokes


_MIRROR_X = np.array([-1.0, 1.0])
_MIRROR_Y = np.array([1.0, -1.0])


def _centre(pieces: list[np.ndarray]) -> np.ndarray:
    allpts = np.concatenate(pieces)
    return (allpts.min(axis=0) + allpts.max(axis=0)) / 2


def _shifted(pieces, shift, rng):
    if not shift:
        return pieces
    offset = rng.normal(0.0, shift, 2)
    return [p + offset for p in pieces]

"""Doodle recipes, part 1: shapes, faces, sky and plants; and `RECIPES`, every category's recipe.

Each category maps to a list of variants (how people draw it, weighted by how often), each a list of
parts in the order people draw them. Coordinates are a unit frame about -1..1 with **y up**; angles
are degrees with 90 = up. The proportions, part lists and variant weights come from looking at real
Quick, Draw! doodles (`../shared/quickdraw-sample/`): e.g. most cats are a face with pointed ears and
whiskers; most circles start at the top and go anticlockwise. Objects are in
`model/synth/recipes_things.py`, things on the table in `model/synth/recipes_kitchen.py`, animals in
`model/synth/recipes_animals.py`.
"""
from __future__ import annotations

from model.synth.recipes_animals import ANIMALS
from model.synth.recipes_kitchen import KITCHEN
from model.synth.recipes_things import THINGS
from model.synth.shapes import (C, I, R, V, any_ring, arc, bumps, curve, dots, eye_pair, ngon, petals, poly,
                                rays, ring, scribble, spiral, zigzag)


SHAPES = {
    "circle": [
        V(any_ring(r=(1, R(0.85, 1.1)), jitter=0.03), aspect=0.1),
    ],
    "square": [
        V(poly((-1, 1), (1, 1), (1, -1), (-1, -1), closed=True, split=C(1, 1, 1, 2, 4), jitter=0.04),
          rotation=4),
    ],
    "triangle": [
        V(poly((0, R(0.75, 1.1)), (-1, -0.8), (1, -0.8), closed=True, split=C(1, 1, 2, 3), jitter=0.05),
          rotation=6, aspect=0.2),
    ],
    "star": [
        V(ngon(n=5, pentagram=True, jitter=0.05), weight=0.5),
        V(ngon(n=5, inner=R(0.35, 0.5), jitter=0.04), weight=0.5),
    ],
    "line": [
        V(poly((-1, 0), (1, R(-0.08, 0.08)), jitter=0.01), weight=0.7, rotation=4),
        V(poly((R(-0.08, 0.08), 1), (0, -1), jitter=0.01), weight=0.15, rotation=4),
        V(poly((-1, -1), (1, 1), jitter=0.02), weight=0.15, rotation=12, flip=0.5),
    ],
    "zigzag": [
        V(zigzag(-1, 1, -0.35, 0.35, n=I(5, 11), jitter=0.04), weight=0.55),
        V(zigzag(-1, 1, -0.5, 0.5, n=I(4, 9), vertical=True, jitter=0.05), weight=0.2),
        V(zigzag(-1, 1, -0.8, 0.8, n=I(3, 5), jitter=0.05), weight=0.15),
        # A "Z" or "N": three or four long strokes corner to corner.
        V(poly((-1, 1), (1, 1), (-1, -1), (1, -1), jitter=0.06), weight=0.1, aspect=0.3, flip=0.5),
    ],
    "diamond": [
        V(poly((R(-0.7, -0.4), 0.65), (R(0.4, 0.7), 0.65), (1, R(0.15, 0.4)), (0, -1), (-1, R(0.15, 0.4)),
               closed=True, split=C(1, 1, 2)),
          poly((-1, 0.28), (1, 0.28), p=0.6, jitter=0.04),
          C(poly((-0.3, 0.28), (0, -1), p=0.5), poly((-0.3, 0.65), (0, 0.28), (0.3, 0.65), p=0.4)),
          weight=0.55),
        V(poly((0, 1), (R(0.6, 0.8), 0), (0, -1), (R(-0.8, -0.6), 0), closed=True, split=C(1, 1, 2)),
          weight=0.45),
    ],
    "hexagon": [
        V(ngon(n=6, rot=C(0, 30, 30), split=C(1, 1, 2, 3), jitter=0.04), weight=0.75, aspect=0.12),
        # Edge by edge: three strokes of two edges each, not quite meeting, one sometimes forgotten.
        V(poly((1.0, 0.0), (0.5, 0.87), (-0.5, 0.87), p=0.9, shift=0.06),
          poly((-0.5, 0.87), (-1.0, 0.0), (-0.5, -0.87), p=0.9, shift=0.06),
          poly((-0.5, -0.87), (0.5, -0.87), (1.0, 0.0), p=0.9, shift=0.06),
          weight=0.15, aspect=0.15, rotation=15),
        # One stroke that stops an edge short of closing.
        V(poly((1.0, 0.0), (0.5, 0.87), (-0.5, 0.87), (-1.0, 0.0), (-0.5, -0.87), (0.5, -0.87), jitter=0.05),
          weight=0.1, aspect=0.15, rotation=30),
    ],
    "smiley face": [
        V(any_ring(r=(1, R(0.9, 1.1))), C(eye_pair(0.3, 0.3), eye_pair(0.38, 0.25), eye_pair(0.35, 0.38)),
          C(arc((0, R(-0.1, 0.05)), (R(0.45, 0.7), R(0.35, 0.55)), R(190, 215), R(325, 350)),
            curve((R(-0.65, -0.45), -0.2), (0, R(-0.65, -0.5)), (R(0.45, 0.65), -0.2), (R(-0.65, -0.45), -0.2)),
            weights=(0.85, 0.15)),
          poly((0, 0.05), (0, -0.12), p=0.12), weight=0.85),
        # No head: two eyes and a big smile.
        V(C(eye_pair(0.4, 0.5), eye_pair(0.3, 0.6, 0.1)),
          C(arc((0, 0), (0.8, 0.6), 200, 340), arc((0, 0.2), (0.8, 0.8), 190, 350),
            curve((-0.8, 0), (0, -0.6), (0.8, 0), (-0.8, 0))), weight=0.15, aspect=0.2),
    ],
    "eye": [
        V(curve((-1, 0), (-0.5, R(0.35, 0.5)), (0, R(0.5, 0.65)), (0.5, R(0.35, 0.5)), (1, 0)),
          curve((1, 0), (0.5, R(-0.45, -0.3)), (0, R(-0.6, -0.45)), (-0.5, R(-0.45, -0.3)), (-1, 0)),
          any_ring(r=(R(0.3, 0.45), R(0.3, 0.45)), p=0.92),
          C(dots((0, 0), (0.02, 0.02), 1, R(0.07, 0.14)), ring(r=(0.12, 0.12)), p=0.75),
          rays((0, -0.45), (1.0, 1.0), (R(1.2, 1.35), R(1.2, 1.35)), n=I(3, 8), a0=40, a1=140, p=0.35),
          aspect=0.15, weight=0.75),
        # A plain oval with the iris and a pupil.
        V(any_ring(r=(1, R(0.45, 0.6))), any_ring(r=(R(0.3, 0.45), R(0.3, 0.45)), p=0.9),
          C(dots((0, 0), (0.02, 0.02), 1, R(0.07, 0.14)), ring(r=(0.12, 0.12)), p=0.75),
          rays((0, -0.3), (1.0, 0.7), (R(1.15, 1.3), R(0.85, 1.0)), n=I(3, 7), a0=40, a1=140, p=0.2),
          aspect=0.15, weight=0.25),
    ],
    "sun": [
        V(any_ring(r=(R(0.45, 0.6), R(0.45, 0.6))),
          rays(r0=(0.72, 0.72), r1=(R(0.95, 1.1), R(0.95, 1.1)), n=I(6, 14)),
          eye_pair(0.18, 0.12, 0.04), arc((0, -0.05), (0.3, 0.2), 200, 340), weight=0.15),
        V(any_ring(r=(R(0.45, 0.6), R(0.45, 0.6))),
          rays(r0=(0.72, 0.72), r1=(R(0.95, 1.1), R(0.95, 1.1)), n=I(6, 16)), weight=0.55),
        # Rays drawn from the disc's edge, long and uneven.
        V(any_ring(r=(R(0.4, 0.55), R(0.4, 0.55))),
          rays(r0=(0.52, 0.52), r1=(R(0.9, 1.1), R(0.9, 1.1)), n=I(6, 14), jitter=0.06), weight=0.3),
    ],
    "moon": [
        V(curve((0.45, 0.9), (-0.1, 0.95), (-0.75, 0.55), (-0.95, 0), (-0.75, -0.55), (-0.1, -0.95),
                (0.45, -0.9), (R(-0.2, 0.1), -0.6), (R(-0.6, -0.2), 0), (R(-0.2, 0.1), 0.6), (0.45, 0.9),
                jitter=0.05),
          dots((0.6, 0.5), (0.4, 0.4), I(1, 3), 0.06, p=0.1),
          weight=0.75, flip=0.5, rotation=20, aspect=0.25),
        # Outer and inner arcs as two strokes.
        V(arc((0, 0), (1, 1), R(60, 80), R(280, 300)),
          arc((R(0.35, 0.7), 0), (R(0.8, 1.0), R(0.8, 1.0)), R(110, 130), R(230, 250)),
          weight=0.15, flip=0.5, rotation=20),
        V(any_ring(r=(1, 1)), arc((0.6, 0.2), (0.7, 0.8), 110, 250, p=0.5),
          C(dots((0, 0), (0.6, 0.6), I(2, 5), 0.12),
            any_ring((R(-0.4, 0.4), R(-0.4, 0.4)), (R(0.12, 0.25), R(0.12, 0.25)),
            repeat=(I(1, 4), (R(-0.35, 0.35), R(-0.4, -0.2)), 0.8)), p=0.7), weight=0.15, flip=0.5),
    ],
    "cloud": [
        V(bumps(r=(1, R(0.5, 0.7)), n=I(5, 9), depth=R(0.3, 0.6)), weight=0.55, aspect=0.2),
        V(bumps(r=(1, R(0.6, 0.85)), n=I(3, 6), depth=R(0.2, 0.4), a0=0, a1=180),
          C(poly((-1, 0), (1, 0), jitter=0.03), curve((-1, 0), (-0.5, -0.15), (0.5, -0.12), (1, 0))),
          weight=0.3, aspect=0.2),
        V(bumps(r=(1, R(0.5, 0.7)), n=I(4, 8), depth=R(0.2, 0.4)),
          poly((-0.6, -0.8), (-0.7, -1.1), repeat=(I(3, 6), (0.3, 0), 1.0), p=0.5),
          weight=0.15, aspect=0.2),
        # A few big round lobes, nearly as tall as wide (real clouds the bundled model took for flowers).
        V(bumps(r=(1, R(0.7, 0.95)), n=I(4, 6), depth=R(0.35, 0.6)), weight=0.25, aspect=0.2),
    ],
    "rainbow": [
        V(arc((0, 0), (1, R(0.65, 1.05)), R(170, 185), R(-5, 10), repeat=(C(1, 2, 2, 2, 3, 3, 4, 5), (0, 0),
              R(0.68, 0.85)), about=(0, 0),
              jitter=0.02),
          bumps((-0.82, -0.05), (0.28, 0.15), n=4, depth=0.2, p=0.12, mirror="x"),
          weight=0.7, aspect=0.12),
        # A tall arch, pointed more than round, one to three bands (without a handle: not an umbrella).
        V(curve((-1, R(-0.5, -0.2)), (-0.75, 0.55), (0, 1), (0.75, 0.55), (1, R(-0.5, -0.2)),
                repeat=(C(1, 1, 2, 3), (0, -0.15), R(0.7, 0.85)), about=(0, -0.4), jitter=0.03),
          weight=0.3, aspect=0.2),
    ],
    "mountain": [
        V(poly((-1, -0.7), (R(-0.15, 0.15), 0.8), (1, -0.7), jitter=0.05),
          poly((-0.33, 0.3), (-0.17, R(0.4, 0.5)), (0, 0.3), (0.17, R(0.4, 0.5)), (0.33, 0.3), p=0.3),
          poly((-1.1, -0.7), (1.1, -0.7), p=0.25), weight=0.3, aspect=0.3),
        V(poly((-1, -0.7), (R(-0.6, -0.35), R(0.3, 0.9)), (R(-0.15, 0.15), R(-0.3, 0.1)),
               (R(0.3, 0.6), R(0.4, 1.0)), (1, -0.7), jitter=0.05),
          poly((-1.1, -0.7), (1.1, -0.7), p=0.25), weight=0.35, aspect=0.25),
        V(poly((-1, -0.7), (-0.65, R(0.1, 0.6)), (-0.35, R(-0.3, -0.1)), (0, R(0.5, 0.9)),
               (0.35, R(-0.3, -0.1)), (0.65, R(0.1, 0.6)), (1, -0.7), jitter=0.05),
          poly((-1.1, -0.7), (1.1, -0.7), p=0.25), weight=0.12),
        V(curve((-1, -0.7), (-0.6, R(0.2, 0.6)), (-0.2, R(-0.2, 0.1)), (0.3, R(0.4, 0.8)), (1, -0.7), jitter=0.05),
          poly((-1, -0.7), (1, -0.7), p=0.4), weight=0.1),
        # Rounded hills: a smooth ridge line of two or three humps.
        V(curve((-1, -0.7), (-0.7, R(0.1, 0.5)), (-0.45, R(0.5, 0.9)), (-0.15, R(0.0, 0.4)), (0.2, R(0.3, 0.8)),
                (0.6, R(0.0, 0.5)), (1, -0.7), jitter=0.06),
          poly((-1.1, -0.7), (1.1, -0.7), p=0.3), weight=0.12, aspect=0.3),
        # Overlapping peaks, each its own stroke.
        V(poly((-1, -0.7), (-0.35, R(0.5, 0.9)), (0.3, -0.7), jitter=0.05),
          poly((0.0, -0.1), (0.45, R(0.2, 0.6)), (1, -0.7), jitter=0.05),
          poly((-1.1, -0.7), (1.1, -0.7), p=0.3), weight=0.13),
    ],
    "tree": [
        # A cloud of leaves on a narrow trunk (the usual tree), sometimes a plain ball, shaded or not.
        V(C(bumps((0, R(0.3, 0.45)), (R(0.55, 0.85), R(0.5, 0.7)), n=I(4, 9), depth=R(0.15, 0.4)),
            any_ring((0, R(0.3, 0.45)), (R(0.55, 0.8), R(0.5, 0.7))), weights=(0.8, 0.2)),
          C(poly((R(-0.25, -0.09), R(-0.25, -0.1)), (R(-0.25, -0.09), -1), mirror="x", jitter=0.03),
            poly((-0.15, -0.15), (-0.15, -0.85), (R(-0.4, -0.28), -1), mirror="x", jitter=0.03),
            weights=(0.6, 0.4)),
          C(poly((-0.05, -0.1), (-0.3, 0.25)), poly((-0.08, -0.1), (0, 0.2), (0.1, -0.1)),
            poly((0, -0.15), (0, 0.25), (-0.3, 0.45)), poly((-0.1, -0.15), (-0.35, 0.3), mirror="x"), p=0.4),
          C(scribble((0, 0.38), (0.55, 0.45), n=I(8, 18), angle=C(0, 40, 90, 140)),
            spiral((0, 0.38), 0.05, 0.45, R(1.5, 3)), weights=(0.7, 0.3), p=0.12),
          poly((-0.14, -1), (0.14, -1), p=0.15), poly((-0.7, -1), (0.7, -1), p=0.15), weight=0.5),
        # The whole outline in one stroke: up the trunk, round the canopy, down the trunk.
        V(curve((R(-0.4, -0.13), -1), (-0.12, -0.75), (-0.12, -0.2), (-0.55, -0.15), (-0.8, 0.1), (-0.68, 0.32), (-0.85, 0.55),
                (-0.6, 0.82), (-0.3, 0.75), (0, 1.0), (0.3, 0.75), (0.6, 0.85), (0.85, 0.55), (0.68, 0.32),
                (0.8, 0.1), (0.55, -0.15), (0.12, -0.2), (0.12, -0.75), (R(0.13, 0.4), -1), jitter=0.06),
          poly((-0.05, -0.2), (-0.25, 0.2), p=0.3), poly((-0.5, -1), (0.5, -1), p=0.15), weight=0.15),
        # A tall trunk whose foot spreads into roots, the canopy on top (the misread trees of the real
        # sample: the bundled model took a quarter of them for flowers, having seen only short trunks).
        V(curve((R(-0.45, -0.25), -1), (-0.13, -0.82), (-0.1, -0.4), (-0.1, R(-0.05, 0.1)), mirror="x", jitter=0.04),
          bumps((0, R(0.4, 0.55)), (R(0.5, 0.8), R(0.4, 0.55)), n=I(4, 8), depth=R(0.15, 0.35)),
          C(poly((-0.05, -0.1), (-0.3, 0.25)), poly((0.05, -0.1), (0.3, 0.3)), p=0.3), weight=0.2),
        # Trunk first, then the canopy on top.
        V(poly((R(-0.2, -0.07), -1), (R(-0.2, -0.07), R(-0.25, -0.1)), mirror="x", jitter=0.03),
          bumps((0, R(0.3, 0.45)), (R(0.55, 0.85), R(0.5, 0.7)), n=I(4, 9), depth=R(0.15, 0.4)),
          C(scribble((0, 0.38), (0.55, 0.45), n=I(8, 18), angle=C(0, 40, 90, 140)), p=0.1), weight=0.13),
        V(poly((0, 1), (-0.65, -0.45), (0.65, -0.45), closed=True, split=C(1, 2)),
          poly((-0.13, -0.45), (-0.13, -1), (0.13, -1), (0.13, -0.45)), weight=0.06, aspect=0.2),
        V(poly((0, 1), (-0.4, 0.5), (-0.15, 0.5), (-0.6, 0.0), (-0.2, 0.0), (-0.8, -0.45), (0.8, -0.45),
               (0.2, 0.0), (0.6, 0.0), (0.15, 0.5), (0.4, 0.5), (0, 1)),
          poly((-0.13, -0.45), (-0.13, -1), (0.13, -1), (0.13, -0.45)), weight=0.06, aspect=0.2),
        # Scribbled leaves on a trunk.
        V(poly((R(-0.2, -0.07), -1), (R(-0.2, -0.07), R(-0.1, 0.1)), mirror="x", jitter=0.03),
          scribble((0, 0.4), (0.7, 0.55), n=I(10, 22), angle=C(0, 30, 90, 150)), weight=0.1),
    ],
    "flower": [
        # Petal loops round a centre, on a stem, with leaves.
        V(any_ring((0, 0.45), (R(0.1, 0.2), R(0.1, 0.2))),
          petals((0, 0.45), 0.15, R(0.25, 0.45), R(0.25, 0.45), n=I(4, 8), jitter=0.02),
          curve((0, 0.15), (R(-0.1, 0.1), -0.4), (R(-0.08, 0.08), -1), jitter=0.03),
          C(curve((0, -0.5), (0.25, -0.35), (0.4, -0.2), (0.2, -0.4), (0, -0.5), mirror="x"),
            curve((0, -0.5), (0.25, -0.35), (0.4, -0.2), (0.2, -0.4), (0, -0.5)), p=0.6),
          weight=0.4),
        # The petals as one scalloped outline.
        V(bumps((0, 0.45), (R(0.18, 0.25), R(0.18, 0.25)), n=I(4, 8), depth=R(0.8, 1.6)),
          any_ring((0, 0.45), (0.12, 0.12), p=0.6),
          poly((0, 0.1), (R(-0.08, 0.08), -1), jitter=0.03),
          C(curve((0, -0.5), (0.25, -0.35), (0.4, -0.2), (0.2, -0.4), (0, -0.5), mirror="x"),
            curve((0, -0.5), (0.25, -0.35), (0.4, -0.2), (0.2, -0.4), (0, -0.5)), p=0.5), weight=0.25),
        # A tulip: a cup with a crown of points.
        V(curve((-0.35, 0.85), (-0.4, 0.45), (-0.15, 0.2), (0.15, 0.2), (0.4, 0.45), (0.35, 0.85)),
          poly((-0.35, 0.85), (-0.17, R(0.5, 0.65)), (0, 0.9), (0.17, R(0.5, 0.65)), (0.35, 0.85)),
          curve((0, 0.2), (R(-0.05, 0.05), -0.4), (0, -1), jitter=0.03),
          curve((0, -0.5), (0.25, -0.35), (0.4, -0.2), (0.2, -0.4), (0, -0.5), p=0.6, mirror="x"),
          weight=0.15),
        # Big round petals and no centre.
        V(petals((0, 0.45), 0.04, R(0.35, 0.5), R(0.35, 0.5), n=I(3, 6), jitter=0.03),
          curve((0, 0.4), (R(-0.1, 0.1), -0.3), (0, -1), jitter=0.03),
          curve((0, -0.5), (0.25, -0.35), (0.4, -0.2), (0.2, -0.4), (0, -0.5), p=0.4), weight=0.2),
    ],
}


_ORDER = ("circle", "square", "triangle", "star", "line", "zigzag", "diamond", "hexagon", "smiley face",
          "eye", "sun", "moon", "cloud", "rainbow", "mountain", "tree", "flower", "apple", "banana",
          "house", "fish", "cat", "dog", "bird", "bicycle", "airplane", "alarm clock", "book", "umbrella",
          "car", "snowman", "cake", "eyeglasses", "hat", "wine glass", "moustache", "cookie", "sock",
          "coffee cup", "teapot")

_ALL = {**SHAPES, **THINGS, **KITCHEN, **ANIMALS}
# Every category the generator knows, in the order of assets/categories.txt.
RECIPES = {name: _ALL[name] for name in _ORDER}

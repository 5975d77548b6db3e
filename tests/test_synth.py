"""Tests of the procedural doodle generator (model/synth/engine.py and its recipe vocabulary)."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from model import synth
from model.categories import load_categories
from model.strokes import as_arrays, ink_length, rasterize
from model.synth.geometry import catmull_rom
from model.synth.shapes import C, I, R, arc, ngon, pick_part, poly, resolve, sample_part, scribble

CATEGORIES = load_categories()


def test_every_listed_category_has_a_recipe_and_every_recipe_is_listed():
    assert synth.categories_with_recipes() == CATEGORIES


@pytest.mark.parametrize("category", CATEGORIES)
def test_every_category_draws_valid_timed_drawings_on_the_canvas(category):
    for index in range(6):
        drawing = synth.generate(category, synth.drawing_rng(11, category, index))
        strokes = as_arrays(drawing)
        assert strokes and all(s.shape[1] == 3 and len(s) >= 2 for s in strokes)
        for stroke in drawing:  # the raw format: plain Python lists, floats for x/y, ints for t
            assert all(type(v) is float for v in stroke[0] + stroke[1])
            assert all(type(t) is int for t in stroke[2])
        points = np.concatenate(strokes)
        # Placed on the 256 px canvas; the hand's wobble may stray a little past its edge.
        assert points[:, :2].min() > -30 and points[:, :2].max() < 286
        assert np.ptp(points[:, :2], axis=0).max() > 60


def test_same_seed_gives_identical_drawings_and_another_seed_differs():
    first = list(synth.generate_dataset(["cat", "house"], 3, seed=5))
    again = list(synth.generate_dataset(["cat", "house"], 3, seed=5))
    other = list(synth.generate_dataset(["cat", "house"], 3, seed=6))
    assert first == again
    assert [c for c, _ in first] == ["cat"] * 3 + ["house"] * 3
    assert all(a[1] != b[1] for a, b in zip(first, other))


def test_a_drawing_does_not_depend_on_which_other_categories_are_generated_or_their_order():
    alone = dict(enumerate(d for _, d in synth.generate_dataset(["teapot"], 4, seed=3)))
    mixed = [d for c, d in synth.generate_dataset(["sun", "teapot", "cake"], 4, seed=3) if c == "teapot"]
    assert mixed == [alone[i] for i in range(4)]
    prefix = [d for _, d in synth.generate_dataset(["teapot"], 2, seed=3)]
    assert prefix == [alone[0], alone[1]]


def test_timestamps_start_at_zero_increase_and_follow_a_human_pace():
    rng = np.random.default_rng(1)
    speeds, pauses = [], []
    for category in CATEGORIES:
        drawing = synth.generate(category, rng)
        times = np.concatenate([s[2] for s in drawing])
        assert times[0] == 0
        assert np.all(np.diff(times) > 0), category  # strictly increasing across the whole drawing
        for stroke in drawing:
            gaps = np.diff(stroke[2])
            assert gaps.min() >= 10 and gaps.max() <= 35  # a point every 15-30 ms
        pauses += [b[2][0] - a[2][-1] for a, b in itertools.pairwise(drawing)]
        drawn_ms = sum(s[2][-1] - s[2][0] for s in drawing)
        speeds.append(ink_length(drawing) / (drawn_ms / 1000.0))
    assert 90 <= min(pauses) and max(pauses) <= 430
    assert 150 < np.median(speeds) < 900  # px per second on a 256 px canvas


def test_drawings_of_a_category_vary():
    for category in ["circle", "line", "cat", "bicycle", "cookie"]:
        images = [rasterize(synth.generate(category, synth.drawing_rng(0, category, i))).astype(float)
                  for i in range(8)]
        for a, b in itertools.combinations(images, 2):
            assert np.abs(a - b).mean() > 2.0, category


def test_categories_differ_from_each_other():
    # The mean images of unrelated categories are far apart: recipes are not accidentally shared.
    def mean_image(category):
        return np.mean([rasterize(d) for _, d in synth.generate_dataset([category], 12, seed=2)], axis=0)
    line, circle, house = mean_image("line"), mean_image("circle"), mean_image("house")
    assert np.abs(line - circle).mean() > 20
    assert np.abs(circle - house).mean() > 10


def test_bad_requests_get_clear_errors():
    with pytest.raises(ValueError, match="no doodle recipe for category 'unicorn'"):
        synth.generate("unicorn", np.random.default_rng(0))
    with pytest.raises(ValueError, match="no doodle recipe"):
        list(synth.generate_dataset(["cat", "unicorn"], 1, seed=0))
    with pytest.raises(ValueError, match="n_per_category"):
        list(synth.generate_dataset(["cat"], -1, seed=0))
    with pytest.raises(ValueError, match="weights"):
        C(1, 2, weights=(1,))


def test_random_values_resolve_within_their_ranges():
    rng = np.random.default_rng(0)
    values = [resolve((R(2.0, 3.0), I(4, 6), C(7, 8)), rng) for _ in range(200)]
    assert all(2.0 <= r <= 3.0 and 4 <= i <= 6 and c in (7, 8) for r, i, c in values)
    assert {i for _, i, _ in values} == {4, 5, 6} and {c for *_, c in values} == {7, 8}
    weighted = [resolve(C(0, 1, weights=(1, 3)), rng) for _ in range(2000)]
    assert 0.7 < np.mean(weighted) < 0.8


def test_optional_parts_are_drawn_at_their_probability():
    rng = np.random.default_rng(0)
    part = poly((0, 0), (1, 1), p=0.25)
    drawn = sum(pick_part(part, rng) is not None for _ in range(2000))
    assert 400 < drawn < 600


def testcatmull_rom_passes_through_its_control_points():
    points = np.array([[0.0, 0.0], [1.0, 2.0], [3.0, 1.0], [4.0, 4.0]])
    curve = catmull_rom(points, closed=False)
    for p in points:  # every control point lies on the curve
        assert np.hypot(*(curve - p).T).min() < 1e-9
    # Halfway between the middle points the centripetal-free Catmull-Rom value is hand-computable:
    # 0.5 * (2*p1 + (p2 - p0)*t + (2p0 - 5p1 + 4p2 - p3)*t^2 + (-p0 + 3p1 - 3p2 + p3)*t^3) at t = 1/2.
    p0, p1, p2, p3 = points
    t = 0.5
    expected = 0.5 * (2 * p1 + (p2 - p0) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t ** 2
                      + (-p0 + 3 * p1 - 3 * p2 + p3) * t ** 3)
    assert np.hypot(*(curve - expected).T).min() < 1e-9


def test_primitives_have_the_expected_geometry_without_noise():
    rng = np.random.default_rng(0)
    (hexagon,) = sample_part(ngon(r=(1, 1), n=6, jitter=0.0, shift=0.0), rng)
    assert len(hexagon) == 7 and np.allclose(np.hypot(*hexagon[:6].T), 1.0)
    (half,) = sample_part(arc((0, 0), (2, 1), 180, 0, jitter=0.0, shift=0.0), rng)
    assert np.allclose(half[0], [-2, 0], atol=0.05) and np.allclose(half[-1], [2, 0], atol=0.05)
    assert half[:, 1].max() == pytest.approx(1.0, abs=0.05)  # an upper half: y up in the unit frame
    pair = sample_part(poly((0.5, 0), (1, 0), jitter=0.0, shift=0.0, mirror="x"), rng)
    assert np.allclose(pair[1], [[-0.5, 0], [-1, 0]])


def test_every_variant_of_every_recipe_draws_a_valid_drawing(monkeypatch):
    # Rare variants are seldom picked by `generate`; draw each one on its own.
    for category, variants in list(synth.RECIPES.items()):
        for number, variant in enumerate(variants):
            monkeypatch.setitem(synth.RECIPES, category, [variant])
            for index in range(3):
                strokes = as_arrays(synth.generate(category, synth.drawing_rng(5, category, index)))
                points = np.concatenate(strokes)
                assert np.isfinite(points).all(), (category, number)
                assert np.ptp(points[:, :2], axis=0).max() > 60, (category, number)


def test_scribble_zigzags_across_its_ellipse():
    rng = np.random.default_rng(3)
    (stroke,) = sample_part(scribble((1, 2), (0.5, 0.25), n=10, angle=0, jitter=0.0, shift=0.0), rng)
    assert len(stroke) == 10
    inside = ((stroke[:, 0] - 1) / 0.5) ** 2 + ((stroke[:, 1] - 2) / 0.25) ** 2
    assert inside.max() <= 1.0 + 1e-9  # every corner inside the ellipse, whatever the angle
    # Consecutive corners lie far apart (the stroke goes back and forth across), and the corners
    # cover the ellipse rather than bunching up.
    assert np.hypot(*np.diff(stroke, axis=0).T).min() > 0.1
    assert np.ptp(stroke[:, 0]) > 0.5 and np.ptp(stroke[:, 1]) > 0.25

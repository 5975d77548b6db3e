"""Tests for model/strokes.py: validation, simplify, rasterize, stroke-3 and prefixes.

Rasterisation is checked against Google's own 28x28 bitmaps in the real sample; the invariants of
the conversions are checked with hypothesis.
"""
import json
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from model.strokes import (
    as_arrays, bounds, from_stroke3, ink_length, rasterize, simplify, to_stroke3, truncate,
)

# --- strategies -------------------------------------------------------------------------------

coordinate = st.floats(min_value=-1e4, max_value=1e4, allow_nan=False, allow_infinity=False)


@st.composite
def strokes_(draw, min_strokes=1, timed=False):
    drawing = []
    for _ in range(draw(st.integers(min_strokes, 5))):
        n = draw(st.integers(1, 30))
        xs = draw(st.lists(coordinate, min_size=n, max_size=n))
        ys = draw(st.lists(coordinate, min_size=n, max_size=n))
        stroke = [xs, ys]
        if timed:
            steps = draw(st.lists(st.integers(0, 200), min_size=n, max_size=n))
            start = drawing[-1][2][-1] + 50 if drawing else 0
            stroke.append(list(np.cumsum(steps) - steps[0] + start))
        drawing.append(stroke)
    return drawing


def distance_to_polyline(point, polyline):
    """Reference distance from a point to a polyline, one segment at a time (slow and obvious)."""
    best = math.inf
    for (ax, ay), (bx, by) in zip(polyline, polyline[1:] or polyline):
        dx, dy = bx - ax, by - ay
        length2 = dx * dx + dy * dy
        t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((point[0] - ax) * dx + (point[1] - ay) * dy) / length2))
        best = min(best, math.hypot(point[0] - ax - t * dx, point[1] - ay - t * dy))
    return best


# --- validation -------------------------------------------------------------------------------

@pytest.mark.parametrize("bad, message", [
    ("not a drawing", "list of strokes"),
    ([[[0, 1], [0]]], "different lengths"),
    ([[[0, 1], [0, 1], [0]]], "different lengths"),
    ([[[0, float("nan")], [0, 1]]], "NaN"),
    ([[[0, float("inf")], [0, 1]]], "infinite"),
    ([[[], []]], "no points"),
    ([[[0, 1]]], r"\[xs, ys\]"),
    ([[["a", "b"], [0, 1]]], "not numbers"),
    ([5], "must be a list"),
])
def test_bad_drawings_give_a_clear_value_error(bad, message):
    with pytest.raises(ValueError, match=message):
        as_arrays(bad)
    with pytest.raises(ValueError):
        rasterize(bad)


def test_as_arrays_accepts_lists_arrays_and_times():
    timed = [[[0, 10, 20], [5, 5, 5], [0, 16, 33]]]
    arrays = as_arrays(timed)
    assert arrays[0].shape == (3, 3)
    assert as_arrays([np.array([[0, 1], [2, 3]])])[0].tolist() == [[0, 2], [1, 3]]
    assert as_arrays([]) == []


def test_bounds_and_ink_length_by_hand():
    drawing = [[[0, 3], [0, 4]], [[10, 10], [10, 12]]]
    assert bounds(drawing) == (0, 0, 10, 12)
    assert ink_length(drawing) == pytest.approx(5 + 2)
    with pytest.raises(ValueError):
        bounds([])


# --- simplify ---------------------------------------------------------------------------------

def test_simplify_collinear_points_keeps_only_the_ends():
    xs = list(range(0, 101))
    assert simplify([[xs, [0] * len(xs)]]) == [[[0, 255], [0, 0]]]


def test_simplify_keeps_corners_and_scales_the_longer_side_to_255():
    box = [[[10, 61, 61, 10, 10], [10, 10, 30, 30, 10]]]
    assert simplify(box) == [[[0, 255, 255, 0, 0], [0, 0, 100, 100, 0]]]


def test_simplify_degenerate_drawings_are_defined():
    assert simplify([]) == []
    assert simplify([[[7], [9]]]) == [[[0], [0]]]
    assert simplify([[[7, 7, 7], [9, 9, 9]]]) == [[[0, 0], [0, 0]]]


@settings(max_examples=60, deadline=None)
@given(strokes_())
def test_simplify_invariants(drawing):
    simplified = simplify(drawing)
    assert len(simplified) == len(drawing)
    points = np.concatenate([np.array(s).T for s in simplified])
    assert points.dtype.kind == "i" and points.min() >= 0 and points.max() <= 255
    # RDP always keeps a stroke's two ends: they land where the normalisation puts them.
    x0, y0, x1, y1 = bounds(drawing)
    extent = max(x1 - x0, y1 - y0)
    scale = 255 / extent if extent > 0 else 1.0
    if not math.isfinite(scale):   # an extent like 1e-310: a single point (see the test below)
        scale = 1.0
    for original, simple in zip(drawing, simplified):
        for index in (0, -1):
            expected = [round((original[0][index] - x0) * scale), round((original[1][index] - y0) * scale)]
            assert abs(simple[0][index] - expected[0]) <= 1 and abs(simple[1][index] - expected[1]) <= 1


def test_a_drawing_of_vanishing_extent_is_a_point_not_nan():
    # Found by hypothesis: 255 / 1e-310 overflows to inf, and inf * 0 gave nan, then huge negative ints.
    for drawing in ([[[0.0, 5e-324], [0.0, 0.0]]], [[[1.0, 1.0 + 1e-307, 1.0], [2.0, 2.0, 2.0 + 1e-310]]]):
        assert simplify(drawing) == [[[0, 0], [0, 0]]]
        assert (rasterize(drawing) == rasterize([[[0.0], [0.0]]])).all()   # one dot, as a single point


def reference_rdp(points, epsilon):
    """Textbook recursive Ramer-Douglas-Peucker (perpendicular distance to the chord's line)."""
    if len(points) < 3:
        return list(points)
    (ax, ay), (bx, by) = points[0], points[-1]
    chord = math.hypot(bx - ax, by - ay)
    def distance(p):
        if chord == 0:
            return math.hypot(p[0] - ax, p[1] - ay)
        return abs((bx - ax) * (p[1] - ay) - (by - ay) * (p[0] - ax)) / chord
    distances = [distance(p) for p in points[1:-1]]
    farthest = max(range(len(distances)), key=distances.__getitem__)
    if distances[farthest] <= epsilon:
        return [points[0], points[-1]]
    split = farthest + 1
    return reference_rdp(points[:split + 1], epsilon)[:-1] + reference_rdp(points[split:], epsilon)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 255), st.floats(0, 255)), min_size=1, max_size=40))
def test_rdp_agrees_with_the_textbook_algorithm(points):
    from model.strokes import RDP_EPSILON, _rdp_keep
    array = np.array(points, dtype=float).reshape(-1, 2)
    kept = array[_rdp_keep(array, RDP_EPSILON)]
    assert kept.tolist() == [list(p) for p in reference_rdp([tuple(p) for p in array.tolist()], RDP_EPSILON)]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-100, 100), min_size=2, max_size=30), st.floats(400, 1000))
def test_simplify_stays_within_epsilon_of_a_simple_stroke(heights, width):
    """For a stroke that runs left to right, wider than tall (so it never turns back along its
    chords, where RDP's distance to the chord's line is not the distance to the chord), every
    original point stays within RDP's epsilon (plus rounding) of the simplified polyline."""
    xs = list(np.linspace(0, width, len(heights)))
    drawing = [[xs, heights]]
    x0, y0, x1, y1 = bounds(drawing)
    scale = 255 / max(x1 - x0, y1 - y0)
    polyline = list(zip(*simplify(drawing)[0]))
    for x, y in zip(xs, heights):
        assert distance_to_polyline(((x - x0) * scale, (y - y0) * scale), polyline) <= 2.0 + 1.0


def test_simplify_of_google_simplified_drawings_renders_the_same(sample_dir):
    """Google's simplified drawings are fixed points of the procedure, up to rounding."""
    lines = (sample_dir / "bird.ndjson").read_text().splitlines()[:20]
    for line in lines:
        drawing = json.loads(line)["drawing"]
        again = rasterize(simplify(drawing)).astype(int)
        assert np.abs(again - rasterize(drawing).astype(int)).mean() < 4


# --- rasterize --------------------------------------------------------------------------------

def test_rasterize_shape_dtype_and_empty_drawing():
    image = rasterize([[[0, 255], [0, 255]]])
    assert image.shape == (28, 28) and image.dtype == np.uint8
    assert image.max() == 255
    assert not rasterize([]).any()
    assert rasterize([[[0, 10], [0, 10]]], size=64).shape == (64, 64)


def test_rasterize_a_dot_lands_in_the_centre():
    image = rasterize([[[42], [17]]])
    assert image.sum() > 0
    ys, xs = np.nonzero(image)
    assert abs(np.average(xs, weights=image[ys, xs]) - 13.5) < 0.5
    assert abs(np.average(ys, weights=image[ys, xs]) - 13.5) < 0.5


def test_rasterize_ignores_position_and_scale():
    drawing = [[[0, 50, 100, 30], [0, 80, 20, 60]], [[10, 90], [90, 10]]]
    moved = [[[x * 3.7 + 500 for x in s[0]], [y * 3.7 - 200 for y in s[1]]] for s in drawing]
    assert np.abs(rasterize(drawing).astype(int) - rasterize(moved).astype(int)).max() <= 1


def test_rasterize_huge_coordinates_are_refused_not_overflowed():
    with pytest.raises(ValueError, match="too large"):
        rasterize([[[-1e308, 1e308], [0, 0]]])
    far_away = rasterize([[[1e12, 1e12 + 5], [1e12, 1e12]]])
    np.testing.assert_array_equal(far_away, rasterize([[[0, 5], [0, 0]]]))


def _google_and_ours(sample_dir, category, render=rasterize):
    drawings = [json.loads(l)["drawing"] for l in (sample_dir / f"{category}.ndjson").read_text().splitlines()]
    google = np.load(sample_dir / f"{category}.npy").reshape(-1, 28, 28).astype(float)
    ours = np.stack([render(d) for d in drawings]).astype(float)
    return ours, google


def _compare(ours, google):
    ink_ratio = ours.mean() / google.mean()
    correlation = np.corrcoef(ours.mean(axis=0).ravel(), google.mean(axis=0).ravel())[0, 1]
    return ink_ratio, correlation


def _top_left_render(drawing):
    """Google's recipe without the centring, as a naive renderer would do: ink pushed to the corner."""
    image = rasterize(drawing)
    rows, columns = np.nonzero(image)
    return np.roll(image, (2 - rows.min(), 2 - columns.min()), axis=(0, 1))


def test_rasterize_matches_googles_bitmaps_per_category(sample_dir):
    """Different drawings of one category: same mean ink (10%) and same mean image (r >= 0.92).

    Only smiley face has enough drawings in both formats (100 each) for the per-category figures to
    be more than noise; the pooled test below covers the categories with at least 20.
    """
    ink_ratio, correlation = _compare(*_google_and_ours(sample_dir, "smiley face"))
    assert 0.9 <= ink_ratio <= 1.1
    assert correlation >= 0.92


def test_rasterize_places_ink_where_google_does(sample_dir):
    """Categories with 25 drawings in strokes and 100 in bitmaps: too few for the mean images to
    agree to 0.92 (the two formats come from different sources), enough to show that the ink sits
    in the same place (centre of mass within half a pixel) in the same amount (within 20%)."""
    rows, columns = np.mgrid[0:28, 0:28]
    for category in ("bird", "dog", "eye", "smiley face"):
        ours, google = _google_and_ours(sample_dir, category)
        ink_ratio, correlation = _compare(ours, google)
        assert 0.8 <= ink_ratio <= 1.2, category
        assert correlation >= 0.85, category
        for mean_ours, mean_google in [(ours.mean(axis=0), google.mean(axis=0))]:
            for grid in (rows, columns):
                centre_ours = (mean_ours * grid).sum() / mean_ours.sum()
                centre_google = (mean_google * grid).sum() / mean_google.sum()
                assert abs(centre_ours - centre_google) < 0.5, category


def test_a_render_that_is_not_centred_fails_the_comparison(sample_dir):
    """The comparison above can fail: without the centring the mean images no longer match."""
    _, correlation = _compare(*_google_and_ours(sample_dir, "smiley face", _top_left_render))
    assert correlation < 0.92


# --- stroke-3 ---------------------------------------------------------------------------------

def test_stroke3_by_hand():
    drawing = [[[1, 4], [2, 6]], [[10], [10]]]
    expected = [[1, 2, 0], [3, 4, 1], [6, 4, 1]]
    assert to_stroke3(drawing).tolist() == expected
    assert from_stroke3(expected) == [[[1.0, 4.0], [2.0, 6.0]], [[10.0], [10.0]]]
    assert to_stroke3([]).shape == (0, 3) and from_stroke3(np.zeros((0, 3))) == []


@settings(max_examples=60, deadline=None)
@given(strokes_())
def test_stroke3_round_trip(drawing):
    back = from_stroke3(to_stroke3(drawing))
    assert len(back) == len(drawing)
    for original, restored in zip(drawing, back):
        np.testing.assert_allclose(restored, original[:2], atol=1e-6)


def test_from_stroke3_rejects_bad_shapes():
    with pytest.raises(ValueError, match="shape"):
        from_stroke3([[1, 2]])
    with pytest.raises(ValueError, match="NaN"):
        from_stroke3([[1, float("nan"), 0]])


# --- truncate ---------------------------------------------------------------------------------

def test_truncate_by_fraction_by_hand():
    drawing = [[[0, 10], [0, 0], [0, 100]], [[0, 0], [0, 10], [300, 400]]]
    assert truncate(drawing, fraction=0.0) == []
    assert truncate(drawing, fraction=1.0) == [[[0, 10], [0, 0], [0, 100]], [[0, 0], [0, 10], [300, 400]]]
    assert truncate(drawing, fraction=0.25) == [[[0.0, 5.0], [0.0, 0.0], [0.0, 50.0]]]
    assert truncate(drawing, fraction=0.75) == [[[0, 10], [0, 0], [0, 100]], [[0.0, 0.0], [0.0, 5.0], [300.0, 350.0]]]


def test_truncate_by_time_keeps_points_up_to_ms():
    drawing = [[[0, 1, 2], [0, 1, 2], [0, 20, 40]], [[5, 6], [5, 6], [300, 320]]]
    assert truncate(drawing, ms=25) == [[[0, 1], [0, 1], [0, 20]]]
    assert truncate(drawing, ms=300) == [[[0, 1, 2], [0, 1, 2], [0, 20, 40]], [[5], [5], [300]]]
    with pytest.raises(ValueError, match="times"):
        truncate([[[0, 1], [0, 1]]], ms=10)
    with pytest.raises(ValueError):
        truncate(drawing)
    with pytest.raises(ValueError):
        truncate(drawing, fraction=1.5)


@settings(max_examples=60, deadline=None)
@given(strokes_(), st.floats(0.0, 1.0))
def test_truncate_keeps_the_right_share_of_ink(drawing, fraction):
    total = ink_length(drawing)
    prefix = truncate(drawing, fraction=fraction)
    if prefix:
        as_arrays(prefix)
        assert ink_length(prefix) == pytest.approx(fraction * total if total else 0.0, rel=1e-6, abs=1e-6)
    assert len(prefix) <= len(drawing)


@settings(max_examples=40, deadline=None)
@given(strokes_(timed=True), st.integers(0, 2000))
def test_truncate_by_time_is_a_prefix(drawing, ms):
    prefix = truncate(drawing, ms=ms)
    for stroke in prefix:
        assert all(t <= ms for t in stroke[2])
    kept = sum(len(s[0]) for s in prefix)
    assert kept == sum(t <= ms for s in drawing for t in s[2])

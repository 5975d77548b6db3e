"""Stroke-level variation of real drawings (model/variation.py): plausible, varied, reproducible."""
import numpy as np
import pytest

from model import strokes, variation

HOUSE = [[[10, 90, 90, 10, 10], [40, 40, 95, 95, 40]],   # walls (the longest stroke)
         [[10, 50, 90], [40, 5, 40]],                      # roof
         [[40, 40, 60, 60], [95, 70, 70, 95]],             # door
         [[20, 30, 30, 20, 20], [50, 50, 60, 60, 50]]]     # window


def test_a_variant_is_a_valid_drawing_close_to_the_original():
    overlaps = []
    for copy in range(20):
        varied = variation.vary(HOUSE, variation.variant_rng(1, "house", 0, copy))
        arrays = strokes.as_arrays(varied)  # validates: no NaN, matching lengths
        assert 1 <= len(arrays) <= len(HOUSE)
        original, image = strokes.rasterize(HOUSE), strokes.rasterize(varied)
        overlap = np.minimum(original, image).sum() / np.maximum(original, image).sum()
        overlaps.append(overlap)
    # Still the same drawing, moved and wobbled a little (a random drawing overlaps it ~0.05).
    assert np.mean(overlaps) > 0.3 and min(overlaps) > 0.1, overlaps


def test_variants_differ_from_each_other_and_repeat_from_their_seed():
    a = variation.variants(HOUSE, "house", 3, 4, seed=7)
    assert a == variation.variants(HOUSE, "house", 3, 4, seed=7)
    images = [strokes.rasterize(v).tobytes() for v in a]
    assert len(set(images)) == 4 and strokes.rasterize(HOUSE).tobytes() not in images
    assert a != variation.variants(HOUSE, "house", 4, 4, seed=7)


def test_the_longest_stroke_is_never_dropped_and_some_strokes_are():
    counts, kept_walls = [], 0
    strong = variation.Variation(drop=0.9, max_dropped=0.75, partial=0.0, swap=0.0, jitter=0.0, rotate=0.0,
                                 stretch=0.0, shear=0.0)
    for copy in range(30):
        varied = variation.vary(HOUSE, variation.variant_rng(0, "house", 0, copy), strong)
        counts.append(len(varied))
        kept_walls += any(len(s[0]) == 5 and abs(max(s[0]) - min(s[0]) - 80) < 8 for s in varied)
    assert min(counts) == 1 and kept_walls == 30


def test_a_single_point_and_times_are_handled():
    dot = [[[5.0], [5.0], [0]]]
    assert len(variation.vary(dot, np.random.default_rng(0))) == 1
    timed = [[[0, 50, 100], [0, 50, 0], [0, 10, 20]]]
    assert all(len(s) == 2 for s in variation.vary(timed, np.random.default_rng(0)))


@pytest.mark.parametrize("bad", [{"drop": 1.5}, {"jitter": -1}, {"partial_keep": (0.9, 0.5)}])
def test_bad_settings_are_refused(bad):
    with pytest.raises(ValueError):
        variation.Variation(**bad)

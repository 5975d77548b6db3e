"""True and false recognitions over growing prefixes (model/recognition_eval.py)."""
import numpy as np

from model import recognition_eval
from model.recognition import OLD_RULE, RecognitionRule

WORDS = ["house", "line", "sun"]
TWO_STROKES = [[[0, 100], [0, 0]], [[0, 0, 50], [0, 100, 100]]]   # lengths 100 and 150


def test_prefixes_cut_after_every_stroke_and_inside_strokes():
    fractions, drawings = recognition_eval.prefixes(TWO_STROKES, steps=4)
    assert fractions.tolist() == [0.25, 0.4, 0.5, 0.75, 1.0]
    assert drawings[1] == [[[0.0, 100.0], [0.0, 0.0]]]            # exactly the first stroke
    assert drawings[-1] == [[[0.0, 100.0], [0.0, 0.0]], [[0.0, 0.0, 50.0], [0.0, 100.0, 100.0]]]
    assert len(drawings[0]) == 1 and max(drawings[0][0][0]) == 62.5   # a quarter of the ink
    assert len(drawings[3]) == 2
    nothing_fractions, nothing = recognition_eval.prefixes([])
    assert len(nothing_fractions) == 0 and nothing == []
    dot_fractions, dot = recognition_eval.prefixes([[[5], [5]], [[], []]])
    assert dot_fractions.tolist() == [1.0] and dot == [[[[5.0], [5.0]]]]   # one prefix: the dot


def probs(*rows):
    return np.array(rows, np.float64)


def test_true_and_false_recognitions_by_hand():
    prefix_probs = [
        (np.array([0.5, 1.0]), probs([0.2, 0.7, 0.1], [0.8, 0.1, 0.1])),  # a house: "line" first, then house
        (np.array([0.5, 1.0]), probs([0.1, 0.6, 0.3], [0.1, 0.9, 0.0])),  # a line
        (np.array([0.5, 1.0]), probs([0.3, 0.4, 0.3], [0.2, 0.2, 0.6])),  # a sun, never over 0.5 as a line
    ]
    labels = [0, 1, 2]
    old = recognition_eval.recognition_metrics(prefix_probs, labels, WORDS, OLD_RULE)
    assert old["true"] == 1.0 and old["median_ink"] == 1.0   # first at 1.0, 0.5 and 1.0 of the ink
    assert old["true_per_word"] == {"house": 1.0, "line": 1.0, "sun": 1.0}
    # the house's first stroke ends a round for "line": 1 of its 2 other drawings
    assert old["false_per_prompt"] == {"house": 0.0, "line": 0.5, "sun": 0.0}
    assert old["false_line"] == 0.5 and old["false_max"] == ("house", 0.0)
    strict = RecognitionRule(thresholds={"line": 0.85}, default=0.5)
    new = recognition_eval.recognition_metrics(prefix_probs, labels, WORDS, strict)
    assert new["false_per_prompt"]["line"] == 0.0 and new["true_per_word"]["line"] == 1.0
    assert new["false_mean"] == 0.0


def test_the_median_share_of_ink_at_the_first_recognition():
    prefix_probs = [(np.array([0.25, 0.5, 1.0]), probs([0.1, 0.9, 0.0], [0.9, 0.1, 0.0], [0.9, 0.1, 0.0])),
                    (np.array([0.25, 1.0]), probs([0.6, 0.2, 0.2], [0.9, 0.1, 0.0])),
                    (np.array([0.5, 1.0]), probs([0.2, 0.7, 0.1], [0.2, 0.7, 0.1]))]   # never a house
    m = recognition_eval.recognition_metrics(prefix_probs, [0, 0, 0], WORDS, OLD_RULE)
    assert m["median_ink"] == 0.375 and m["true"] == 2 / 3


def test_the_table_puts_the_rules_side_by_side():
    prefix_probs = [(np.array([1.0]), probs([0.8, 0.1, 0.1])), (np.array([1.0]), probs([0.1, 0.8, 0.1]))]
    results = {name: recognition_eval.recognition_metrics(prefix_probs, [0, 1], WORDS, rule)
               for name, rule in (("old", OLD_RULE), ("new", RecognitionRule(default=0.85)))}
    table = recognition_eval.format_comparison(results)
    assert "true recognitions, share of drawings" in table and "100.0%" in table and "0.0%" in table
    assert table.splitlines()[0].split()[-2:] == ["old", "new"]

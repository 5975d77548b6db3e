"""The game's one recognition rule (model/recognition.py): pure, tested without torch."""
import subprocess
import sys

import numpy as np
import pytest

from model.locations import child_environment
from model.recognition import (OLD_RULE, RecognitionRule, ends_round, first_recognition, fit_thresholds,
                               strongest_scores)

WORDS = ["house", "line", "square", "sun"]


def guesses(**probs):
    return sorted(probs.items(), key=lambda kv: -kv[1])


def test_the_old_rule_is_top1_at_half():
    assert OLD_RULE.recognizes(guesses(house=0.52, line=0.3, sun=0.18), "house")
    assert not OLD_RULE.recognizes(guesses(house=0.49, line=0.3, sun=0.21), "house")
    assert not OLD_RULE.recognizes(guesses(line=0.6, house=0.4), "house")     # not the top guess
    assert not OLD_RULE.recognizes(guesses(line=0.6, sun=0.4), "house")       # not guessed at all
    assert not OLD_RULE.recognizes([], "house")


def test_a_word_whose_shape_fits_many_words_needs_more():
    rule = RecognitionRule(thresholds={"line": 0.88, "house": 0.35}, default=0.5)
    # the first stroke of almost any drawing: "line" at 70% used to end a round for "line"
    assert OLD_RULE.recognizes(guesses(line=0.7, sun=0.2, house=0.1), "line")
    assert not rule.recognizes(guesses(line=0.7, sun=0.2, house=0.1), "line")
    assert rule.recognizes(guesses(line=0.9, sun=0.1), "line")
    assert rule.recognizes(guesses(house=0.4, sun=0.3, line=0.3), "house")
    assert rule.recognizes(guesses(sun=0.5, house=0.3), "sun")               # the default


def test_a_margin_over_the_runner_up():
    rule = RecognitionRule(default=0.3, margin=0.2)
    assert not rule.recognizes(guesses(house=0.45, square=0.4, sun=0.15), "house")
    assert rule.recognizes(guesses(house=0.6, square=0.4), "house")
    assert ends_round(0.6, 0.4, 0.3, 0.2) and not ends_round(0.4, 0.4, 0.3)  # a tie is nobody's


def test_the_matrix_decides_exactly_as_recognizes():
    rng = np.random.default_rng(3)
    rule = RecognitionRule(thresholds={"line": 0.8, "sun": 0.3}, default=0.45, margin=0.1)
    probs = rng.dirichlet(np.full(len(WORDS), 0.3), size=300)
    matrix = rule.matrix(probs, WORDS)
    for row, decided in zip(probs, matrix):
        listed = sorted(zip(WORDS, row.tolist()), key=lambda kv: -kv[1])
        assert [rule.recognizes(listed, w) for w in WORDS] == decided.tolist()
    assert matrix.any() and not matrix.all()
    assert (matrix.sum(axis=1) <= 1).all()   # at most one word per guess


def test_rules_round_trip_and_bad_ones_get_a_plain_message():
    rule = RecognitionRule(thresholds={"line": 0.9}, default=0.4, margin=0.05)
    assert RecognitionRule.from_dict(rule.to_dict()) == rule
    assert RecognitionRule.from_dict({**rule.to_dict(), "fitted": {"on": "synthetic"}}) == rule
    for bad, message in (({"thresholds": {"line": 1.5}}, "'line' must be a number in"),
                         ({"thresholds": {"line": "high"}}, "'line' must be a number in"),
                         ({"margin": -0.1}, "margin must be"),
                         ({"thresholds": [0.5]}, "dict of thresholds"),
                         ({"extra": 1}, "unknown keys: extra"),
                         ("0.5", "must be a dict")):
        with pytest.raises(ValueError, match=message):
            RecognitionRule.from_dict(bad)


def test_strongest_scores_count_only_prefixes_where_the_word_leads():
    prefixes = np.array([[0.1, 0.7, 0.1, 0.1],    # the first stroke: "line"
                         [0.4, 0.5, 0.05, 0.05],  # line still leads
                         [0.8, 0.1, 0.05, 0.05]])  # the house
    scores = strongest_scores(prefixes, WORDS, margin=0.0)
    assert scores.tolist() == [0.8, 0.7, 0.0, 0.0]
    assert strongest_scores(prefixes, WORDS, margin=0.2).tolist() == [0.8, 0.7, 0.0, 0.0]
    assert strongest_scores(prefixes, WORDS, margin=0.65).tolist() == [0.8, 0.0, 0.0, 0.0]  # line leads by 0.6


def test_fitted_thresholds_keep_false_recognitions_under_the_target():
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(4), 50)
    scores = rng.uniform(0, 0.4, size=(200, 4))
    scores[labels != 1, 1] = rng.uniform(0.5, 0.95, size=150)   # "line" fits every other drawing
    fitted = fit_thresholds(scores, labels, WORDS, target_false=0.02, floor=0.3)
    assert fitted["house"] <= 0.41 and fitted["line"] >= 0.9
    for c, word in enumerate(WORDS):
        others = scores[labels != c, c]
        assert (others >= fitted[word]).mean() <= 0.02 and fitted[word] >= 0.3
        lower = round(fitted[word] - 0.01, 2)   # the lowest that meets the target
        assert lower < 0.3 or (others >= lower).mean() > 0.02
    with pytest.raises(ValueError, match="scores must be"):
        fit_thresholds(scores[:, :3], labels, WORDS, 0.02, 0.3)


def test_first_recognition():
    assert first_recognition(np.array([False, True, True])) == 1
    assert first_recognition(np.array([False, False])) is None


def test_the_rule_needs_no_torch():
    code = "import sys, model.recognition; sys.exit('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], env=child_environment()).returncode == 0

"""Background guessing: answers come back tagged, only the newest waiting drawing is classified, the
caller never waits, and a failing classifier does not take the game down."""
from __future__ import annotations

import threading
import time

import pytest

from game.guesser import Guesser, thin


class SlowClassifier:
    """Test double: takes `delay` seconds per drawing and names the number of strokes it saw."""

    categories = ("one", "two", "three")

    def __init__(self, delay=0.05):
        self.delay = delay
        self.seen = []
        self.started = threading.Event()
        self.threads = set()

    def predict(self, drawing, k=3):
        self.started.set()
        self.threads.add(threading.current_thread().name)
        self.seen.append(len(drawing))
        time.sleep(self.delay)
        return [(self.categories[min(len(drawing), 3) - 1], 0.9), ("other", 0.1)][:k]


def drawing_of(strokes):
    return [[[0, 1], [0, 1], [0, 5]] for _ in range(strokes)]


def test_answers_come_back_with_their_tag_and_time():
    classifier = SlowClassifier(delay=0.0)
    guesser = Guesser(classifier)
    try:
        guesser.submit(drawing_of(2), 120, tag="round-1")
        assert guesser.wait_idle(2.0)
        (guess,) = guesser.poll()
        assert guess.tag == "round-1" and guess.t_ms == 120
        assert guess.top == (("two", 0.9), ("other", 0.1))
        assert guesser.poll() == []
        assert classifier.threads == {"pennydraw-guesser"}
    finally:
        guesser.close()


def test_submit_never_waits_and_only_the_newest_waiting_drawing_is_classified():
    classifier = SlowClassifier(delay=0.2)
    guesser = Guesser(classifier)
    try:
        guesser.submit(drawing_of(1), 0)
        assert classifier.started.wait(2.0)  # the worker is busy with the first drawing
        started = time.perf_counter()
        guesser.submit(drawing_of(2), 10)
        guesser.submit(drawing_of(3), 20)
        assert time.perf_counter() - started < 0.05  # submitting does not wait for the network
        assert guesser.busy
        assert guesser.wait_idle(3.0)
        assert classifier.seen == [1, 3]  # the drawing with 2 strokes was superseded, never classified
        assert [g.t_ms for g in guesser.poll()] == [0, 20]
    finally:
        guesser.close()


def test_cancel_forgets_unread_answers():
    guesser = Guesser(SlowClassifier(delay=0.0))
    try:
        guesser.submit(drawing_of(1), 0)
        guesser.wait_idle(2.0)
        guesser.cancel()
        assert guesser.poll() == []
    finally:
        guesser.close()


def test_a_failing_classifier_is_logged_and_the_worker_goes_on(caplog):
    class Flaky:
        calls = 0

        def predict(self, drawing, k=3):
            Flaky.calls += 1
            if Flaky.calls == 1:
                raise ValueError("stroke 0 holds NaN")
            return [("cat", 1.0)]

    guesser = Guesser(Flaky())
    try:
        with caplog.at_level("ERROR"):
            guesser.submit([[[0], [0]]], 0)
            guesser.wait_idle(2.0)
        assert guesser.poll() == []
        assert "classifying a drawing failed" in caplog.text
        guesser.submit([[[0], [0]]], 5)
        guesser.wait_idle(2.0)
        assert [g.top for g in guesser.poll()] == [(("cat", 1.0),)]
    finally:
        guesser.close()


def test_close_stops_the_worker_and_later_submissions_are_ignored():
    guesser = Guesser(SlowClassifier(delay=0.0))
    guesser.submit(drawing_of(1), 0)
    guesser.wait_idle(2.0)
    guesser.close()
    assert not guesser._thread.is_alive()
    guesser.submit(drawing_of(1), 0)
    assert not guesser.busy


def test_thin_keeps_the_ends_and_one_point_per_step():
    xs = list(range(0, 101))  # a straight stroke, one unit between points
    stroke = [xs, [0] * len(xs), list(range(len(xs)))]
    (thinned,) = thin([stroke], 10)
    assert thinned[0] == [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]
    assert thinned[2] == thinned[0]  # the times of the kept points come along
    dot, pair = [[5], [5], [0]], [[1, 2], [1, 2], [0, 1]]
    assert thin([dot, pair], 10) == [dot, pair]
    assert thin([stroke], 0) == [stroke]


def test_thinning_does_not_change_what_the_real_model_sees(sample_dir):
    """Real Quick, Draw! drawings, made dense like mouse input: the same guesses when thinned."""
    import json
    import math

    from model.classify import BUNDLED_PATH, Classifier
    if not BUNDLED_PATH.exists():
        pytest.skip(f"the bundled model {BUNDLED_PATH} does not exist yet")
    classifier = Classifier.load(threads=1)
    drawings = []
    for category in classifier.categories[::2]:  # one drawing of every other category: 20 at most
        path = sample_dir / f"{category}.ndjson"
        if path.exists():
            drawings += [json.loads(line)["drawing"] for line in path.read_text().splitlines()[:1]]
    assert len(drawings) >= 10
    same, worst = 0, 0.0
    for drawing in drawings:
        dense = []
        for xs, ys in drawing:  # 0-255 -> canvas units, a point every ~8 units along the ink
            points = [(4 * xs[0], 4 * ys[0])]
            for x0, y0, x1, y1 in zip(xs, ys, xs[1:], ys[1:]):
                n = max(1, round(math.hypot(x1 - x0, y1 - y0) / 2))
                points += [(4 * (x0 + (x1 - x0) * i / n), 4 * (y0 + (y1 - y0) * i / n)) for i in range(1, n + 1)]
            dense.append([[p[0] for p in points], [p[1] for p in points]])
        full, thinned = classifier.predict(dense, k=1)[0], classifier.predict(thin(dense, 20), k=1)[0]
        same += full[0] == thinned[0]
        worst = max(worst, abs(full[1] - thinned[1])) if full[0] == thinned[0] else worst
    assert same >= 0.95 * len(drawings), (same, len(drawings))
    assert worst < 0.1

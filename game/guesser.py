"""Live guessing in a background thread, so the frame never waits for the network.

The drawing scene `submit`s a copy of the drawing at most every ~100 ms of new ink; the worker
classifies only the newest submission (older ones waiting in line are simply replaced: nobody needs a
guess about ink that has since grown) and leaves the answer for the scene to `poll` in its update.
PyTorch releases the GIL while it computes, so the game loop keeps its 60 frames per second.

Before classifying, the worker thins the drawing (`thin`): one point per `thin_step` of ink length. The
network sees a 28x28 raster, so a 2000-point scribble and its 300-point
thinning give the same picture; rasterising the long one would hold the GIL for ~10 ms per guess and
steal that time from the frames. The stored drawing keeps every point.

Each answer holds every category's probability (`guesses`, what `Classifier.recognizes` judges: the
game's one recognition rule needs the runner-up too) and the best three (`top`, what is shown, said
and stored).

Each submission carries a `tag` (the scene's round and canvas generation); answers come back with
it, so a guess about a canvas that has since been cleared is recognised and dropped by the scene.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from .theme import UNITS

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Guess:
    tag: Any                              # what the submitter said this drawing was
    t_ms: int                             # on the drawing's clock, when the ink was taken
    top: tuple[tuple[str, float], ...]    # the best SHOWN guesses, best first (shown, said, stored)
    seconds: float                        # how long the classifier took
    guesses: tuple[tuple[str, float], ...] = ()  # every guess asked for (k), best first: for `recognizes`


SHOWN = 3  # guesses kept in `Guess.top`


def thin(drawing, step: float) -> list:
    """Each stroke with one point per `step` of ink length (its first and last points always kept)."""
    if step <= 0:
        return drawing
    thinned = []
    for stroke in drawing:
        points = np.asarray(stroke, dtype=np.float64)
        if points.shape[1] <= 2:
            thinned.append(stroke)
            continue
        lengths = np.hypot(np.diff(points[0]), np.diff(points[1]))
        travelled = np.concatenate(([0.0], np.cumsum(lengths)))
        bucket = np.floor(travelled / step)
        keep = np.concatenate(([True], bucket[1:] != bucket[:-1]))
        keep[-1] = True
        thinned.append(points[:, keep].tolist())
    return thinned


class Guesser:
    """One daemon worker thread around a classifier with `predict(drawing, k)`."""

    def __init__(self, classifier, k: int = 3, thin_step: float = 0.0) -> None:
        self.classifier = classifier
        self.k = k
        self.thin_step = thin_step
        self._wake = threading.Condition()
        self._pending: tuple | None = None
        self._results: list[Guess] = []
        self._working = False
        self._closed = False
        self._thread: threading.Thread | None = None
        self._failures = 0

    def submit(self, drawing, t_ms: int, tag: Any = None) -> None:
        """Queue `drawing` for classification, replacing any submission not yet started."""
        with self._wake:
            if self._closed:
                return
            self._pending = (drawing, int(t_ms), tag)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="pennydraw-guesser",
                                                daemon=True)
                self._thread.start()
            self._wake.notify()

    def poll(self) -> list[Guess]:
        """Answers finished since the last poll, oldest first."""
        with self._wake:
            results, self._results = self._results, []
        return results

    @property
    def busy(self) -> bool:
        """True while a submission waits or is being classified."""
        with self._wake:
            return self._pending is not None or self._working

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Block until every submission is answered (for tests and the benchmark, not the game)."""
        deadline = time.monotonic() + timeout
        while self.busy:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.002)
        return True

    def cancel(self) -> None:
        """Forget a submission that has not started and every unread answer."""
        with self._wake:
            self._pending = None
            self._results.clear()

    def close(self) -> None:
        with self._wake:
            self._closed = True
            self._pending = None
            self._wake.notify()
        if self._thread is not None:
            self._thread.join(timeout=2.0)

    def _run(self) -> None:
        while True:
            with self._wake:
                while self._pending is None and not self._closed:
                    self._wake.wait()
                if self._closed:
                    return
                drawing, t_ms, tag = self._pending
                self._pending = None
                self._working = True
            try:
                started = time.perf_counter()
                seen = thin(drawing, self.thin_step)
                guesses = tuple((str(name), float(p)) for name, p in self.classifier.predict(seen, k=self.k))
                guess = Guess(tag, t_ms, guesses[:SHOWN], time.perf_counter() - started, guesses)
            except Exception:  # a bad guess must never take the game down
                guess = None
                self._failures += 1
                if self._failures <= 3:
                    log.exception("classifying a drawing failed; the round goes on without this guess")
            with self._wake:
                if guess is not None:
                    self._results.append(guess)
                self._working = False


def make_guesser(classifier) -> Guesser:
    """The game's guesser for `classifier`: every category's probability (the recognition rule needs
    them), drawings thinned to one point per 1/50 of the canvas, under a pixel of the 28x28 raster
    the network sees."""
    return Guesser(classifier, k=len(classifier.categories), thin_step=UNITS / 50)

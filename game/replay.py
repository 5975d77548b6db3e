"""A stored drawing replayed stroke by stroke with its own timing: what the attract loop shows.

`Replay` turns a drawing in Quick, Draw!'s raw format into a timeline: every point gets the moment it
appears on screen, in seconds from the start of the replay. Drawings collected by the game carry the
player's own timing (`ts`, ms since the first point); drawings without times (imported simplified
files) are given a steady pen speed. Long pauses between strokes are shortened and a slow drawing
is played faster, so a passer-by sees a whole drawing in a few seconds but still sees it *drawn*.

Points are rescaled into the game's canvas units (0..`UNITS`, proportions kept, centred), the space
the live guesser expects whatever space the drawing was stored in. Pure: no pygame, no store.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass

from .theme import UNITS


@dataclass(frozen=True)
class ReplayTiming:
    # The longest a replay may take; slower drawings are sped up to fit.
    max_seconds: float = 7.0
    # A pause between strokes is shown at most this long (people stop and think; passers-by don't wait).
    max_pause: float = 0.6
    # Pen speed for drawings stored without times, in canvas units per second.
    pen_speed: float = 1400.0
    # Pause between strokes for drawings stored without times.
    untimed_pause: float = 0.25
    # Margin around the drawing inside the canvas square, as a share of its side.
    margin: float = 0.08


def normalise(drawing, margin: float = 0.08) -> list[tuple[list[float], list[float], list[float] | None]]:
    """Strokes as (xs, ys, ts or None) rescaled into 0..UNITS, proportions kept, centred."""
    strokes = []
    for stroke in drawing:
        if len(stroke) < 2 or not len(stroke[0]):
            continue
        xs, ys = [float(x) for x in stroke[0]], [float(y) for y in stroke[1]]
        if len(xs) != len(ys):
            raise ValueError("a stroke has different numbers of x and y values")
        ts = [float(t) for t in stroke[2]] if len(stroke) > 2 and len(stroke[2]) == len(xs) else None
        strokes.append((xs, ys, ts))
    if not strokes:
        return []
    x0 = min(min(xs) for xs, _, _ in strokes)
    x1 = max(max(xs) for xs, _, _ in strokes)
    y0 = min(min(ys) for _, ys, _ in strokes)
    y1 = max(max(ys) for _, ys, _ in strokes)
    span = max(x1 - x0, y1 - y0, 1e-9)
    scale = UNITS * (1 - 2 * margin) / span
    dx = (UNITS - (x1 - x0) * scale) / 2
    dy = (UNITS - (y1 - y0) * scale) / 2
    return [([dx + (x - x0) * scale for x in xs], [dy + (y - y0) * scale for y in ys], ts)
            for xs, ys, ts in strokes]


class Replay:
    """One drawing's replay timeline; `count_at(t)` points are visible `t` seconds in."""

    def __init__(self, drawing, timing: ReplayTiming = ReplayTiming()) -> None:
        self.strokes = normalise(drawing, timing.margin)
        self.times: list[float] = []            # when each point appears, all strokes in order
        self.owners: list[tuple[int, int]] = []  # (stroke index, point index) of each point
        timed = bool(self.strokes) and all(ts is not None for _, _, ts in self.strokes)
        clock, previous_end = 0.0, None
        for index, (xs, ys, ts) in enumerate(self.strokes):
            if timed:
                start = ts[0] / 1000.0
                pause = 0.0 if previous_end is None else min(max(0.0, start - previous_end), timing.max_pause)
                offsets = [max(0.0, t - ts[0]) / 1000.0 for t in ts]
                previous_end = ts[-1] / 1000.0
            else:
                pause = 0.0 if index == 0 else timing.untimed_pause
                offsets, travelled = [0.0], 0.0
                for i in range(1, len(xs)):
                    travelled += ((xs[i] - xs[i - 1]) ** 2 + (ys[i] - ys[i - 1]) ** 2) ** 0.5
                    offsets.append(travelled / timing.pen_speed)
            clock += pause
            running = 0.0
            for point, offset in enumerate(offsets):
                running = max(running, offset)   # times never run backwards
                self.times.append(clock + running)
                self.owners.append((index, point))
            clock += running
        total = self.times[-1] if self.times else 0.0
        if total > timing.max_seconds:
            factor = timing.max_seconds / total
            self.times = [t * factor for t in self.times]
        self.duration = self.times[-1] if self.times else 0.0

    def __len__(self) -> int:
        return len(self.times)

    def count_at(self, seconds: float) -> int:
        """How many points are on screen `seconds` after the replay started."""
        return bisect.bisect_right(self.times, seconds)

    def point(self, n: int) -> tuple[int, int, float, float]:
        """(stroke index, point index, x, y) of the n-th point of the whole replay."""
        stroke, index = self.owners[n]
        xs, ys, _ = self.strokes[stroke]
        return stroke, index, xs[index], ys[index]

    def prefix(self, count: int) -> list[list[list[float]]]:
        """The first `count` points as a drawing `[[xs, ys], ...]` (what the machine is shown)."""
        drawing, left = [], count
        for xs, ys, _ in self.strokes:
            if left <= 0:
                break
            take = min(left, len(xs))
            drawing.append([xs[:take], ys[:take]])
            left -= take
        return drawing

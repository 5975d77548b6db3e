"""What a screen may draw of a drawing it did not make: the one place where render cost is bounded.

The attract loop replays other people's drawings and the grids show them small (`sketch.Thumbnails`);
a drawing comes from the store, which may hold anything an older pennydraw or a raw import let in (a
single stroke of 10**7 points froze the kiosk: 22 frames in a minute, 4.9 GB). Before a screen draws
one, `drawable` checks it against the size limits of `model/strokes.py` (beyond them: not drawn at
all) and thins a big one within them to `max_points` (every k-th point, each stroke's first and last
kept: invisible at the size of a card), saying either in the log. Reading the stored text is bounded
by the store itself (`Store.drawing_bytes`, `MAX_DRAWING_BYTES`).

Pure Python (no pygame): `replay.py` and `sketch.py` use it.
"""
from __future__ import annotations

import logging
import math

from model import strokes

log = logging.getLogger("pennydraw")

REPLAY_POINTS = 2_000      # a replay inks at most about this many points (7 s: ~5 a frame)
THUMBNAIL_POINTS = 1_500   # a thumbnail is drawn from at most about this many (a card is ~300 px)


def point_count(drawing) -> int:
    return sum(len(stroke[0]) for stroke in drawing if len(stroke))


def thin(drawing, max_points: int) -> list:
    """`drawing` with about `max_points` points at most (never fewer than two per stroke): every k-th
    point of each stroke, its first and last always kept. The drawing itself when already small."""
    total = point_count(drawing)
    if total <= max_points:
        return drawing
    step = math.ceil(total / max_points)
    thinned = []
    for stroke in drawing:
        count = len(stroke[0]) if len(stroke) else 0
        keep = list(range(0, count, step))
        if count and keep[-1] != count - 1:
            keep.append(count - 1)
        thinned.append([[part[i] for i in keep] for part in stroke])
    return thinned


def drawable(drawing, max_points: int, what: str) -> list | None:
    """`drawing` ready to draw at a bounded cost: None (and a log line naming `what`) beyond the size
    limits, thinned (with a log line) when it has more than `max_points` points."""
    try:
        strokes.check_size(drawing)
    except strokes.DrawingTooLarge as error:
        log.warning("%s is not shown: %s", what, error)
        return None
    total = point_count(drawing)
    if total <= max_points:
        return drawing
    thinned = thin(drawing, max_points)
    log.info("%s has %d points: thinned to %d to draw it", what, total, point_count(thinned))
    return thinned

"""The one drawing format, and the small pure functions that convert it at the edges.

A drawing is Quick, Draw!'s raw format: a list of strokes, each stroke `[xs, ys, ts]` with `ts` in
milliseconds since the drawing's first point, or `[xs, ys]` without times. Everything here is pure
numpy (plus Pillow for anti-aliased rendering): no pygame, no torch, so it runs on a server without a
screen and is tested without either.

- `as_arrays` validates a drawing and gives one float array per stroke; every other function calls it,
  so bad input (NaN, ragged strokes, wrong nesting) fails early with a plain `ValueError`.
- `simplify` is Google's published procedure for the *simplified* dataset.
- `rasterize` renders like Google's 28x28 `numpy_bitmap` files.
- `to_stroke3` / `from_stroke3` convert to and from sketch-rnn's offsets.
- `truncate` cuts a drawing to a prefix, for recognising drawings while they are being drawn.
- `check_size` / `size_problem`: the one place of the size limits of a drawing (`MAX_STROKES`,
  `MAX_STROKE_POINTS`, `MAX_POINTS`), which files, the store, the canvas and every renderer respect.
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np
from PIL import Image, ImageDraw

# Google's simplified dataset: longer side spans 0-255, 1-unit resampling, RDP epsilon 2.0.
SIMPLIFIED_SIDE = 255.0
RESAMPLE_SPACING = 1.0
RDP_EPSILON = 2.0

# Google's numpy_bitmap recipe: the 0-255 drawing is centred in a 256-unit square, drawn with a
# 16-unit round pen, inside 16 units of padding on each side plus half a pen width of margin.
BITMAP_SOURCE_SIDE = 256.0
BITMAP_LINE_DIAMETER = 16.0
BITMAP_PADDING = 16.0
# Pillow draws aliased shapes; drawing at 8x and averaging 8x8 blocks gives 65 coverage levels,
# the same area-coverage anti-aliasing cairo's renderer computes for Google's files.
SUPERSAMPLE = 8

# How big a drawing may be, anywhere in pennydraw: far above anything real, small enough that rendering,
# guessing and storing one stays cheap. Measured on Google's data (the 2,252 simplified drawings of
# ../shared/quickdraw-sample, all 345 words): at most 358 points in a stroke, 52 strokes, 503 points in
# a drawing. Raw drawings have more points than simplified ones but are bounded by the round: 20 s of a
# 1,000 Hz mouse is 20,000 points. Rendering the largest allowed drawing takes a fraction of a second.
MAX_STROKES = 1_000          # strokes in one drawing
MAX_STROKE_POINTS = 20_000   # points in one stroke
MAX_POINTS = 50_000          # points in one drawing, all strokes together

Drawing = list  # list of strokes; a stroke is [xs, ys] or [xs, ys, ts]


class DrawingTooLarge(ValueError):
    """A drawing beyond MAX_STROKES, MAX_STROKE_POINTS or MAX_POINTS."""


def size_problem(strokes: int, longest_stroke: int, points: int) -> str | None:
    """Why a drawing of `strokes` strokes, `longest_stroke` points in its longest one and `points`
    points in all is too large, or None when it is within the limits. The canvas asks this before
    taking one more point; `check_size` before anything reads a drawing."""
    if strokes > MAX_STROKES:
        return f"the drawing has {strokes:,} strokes, more than the {MAX_STROKES:,} a drawing may have"
    if longest_stroke > MAX_STROKE_POINTS:
        return (f"a stroke has {longest_stroke:,} points, more than the {MAX_STROKE_POINTS:,} a stroke "
                "may have")
    if points > MAX_POINTS:
        return f"the drawing has {points:,} points, more than the {MAX_POINTS:,} a drawing may have"
    return None


def check_size(drawing) -> None:
    """DrawingTooLarge (a ValueError) when `drawing` is beyond the size limits. Reads only lengths,
    and stops at the first limit passed, so a huge drawing costs nothing to refuse; anything that is
    not a list of strokes is left to the other checks."""
    try:
        count = len(drawing)
    except TypeError:
        return
    if count > MAX_STROKES or isinstance(drawing, (str, bytes, dict)):
        problem = size_problem(count, 0, 0) if count > MAX_STROKES else None
        if problem:
            raise DrawingTooLarge(problem)
        return
    longest = total = 0
    for stroke in drawing:
        points = _points_of(stroke)
        longest, total = max(longest, points), total + points
        if longest > MAX_STROKE_POINTS or total > MAX_POINTS:
            break
    problem = size_problem(count, longest, total)
    if problem:
        raise DrawingTooLarge(problem)


def _points_of(stroke) -> int:
    """Points of a stroke [xs, ys(, ts)] (lists or an array of rows); 0 for what is not a stroke."""
    if isinstance(stroke, (str, bytes, dict)):
        return 0
    try:
        return max(len(part) for part in stroke[:3])  # a stroke has 2 or 3 parts; more is refused later
    except (TypeError, ValueError, LookupError):
        return 0


def as_arrays(drawing) -> list[np.ndarray]:
    """Validate `drawing` and return one float64 array of shape (n, 2) or (n, 3) per stroke.

    Accepts lists or numpy arrays at every level. Raises ValueError with a plain message for
    anything that is not a drawing: a stroke without points, xs/ys/ts of different lengths,
    non-numeric, NaN or infinite values; DrawingTooLarge beyond the size limits.
    """
    if isinstance(drawing, (str, bytes, dict)) or not isinstance(drawing, (Sequence, np.ndarray)):
        raise ValueError(f"a drawing must be a list of strokes, got {type(drawing).__name__}")
    check_size(drawing)
    strokes = []
    for index, stroke in enumerate(drawing):
        if isinstance(stroke, np.ndarray):
            columns = stroke
        elif isinstance(stroke, (list, tuple)):
            if len(stroke) not in (2, 3):
                raise ValueError(f"stroke {index} must be [xs, ys] or [xs, ys, ts], got {len(stroke)} lists")
            lengths = [_length(part, index) for part in stroke]
            if len(set(lengths)) != 1:
                names = "/".join("xyt"[i] + "s" for i in range(len(stroke)))
                raise ValueError(f"stroke {index}: {names} have different lengths {lengths}")
            columns = stroke
        else:
            raise ValueError(f"stroke {index} must be a list [xs, ys(, ts)], got {type(stroke).__name__}")
        try:
            array = np.asarray(columns, dtype=np.float64)
        except (TypeError, ValueError) as error:
            raise ValueError(f"stroke {index} holds values that are not numbers ({error})") from None
        if array.ndim != 2 or array.shape[0] not in (2, 3):
            raise ValueError(f"stroke {index} must be [xs, ys] or [xs, ys, ts] of equal lengths")
        if array.shape[1] == 0:
            raise ValueError(f"stroke {index} has no points")
        if not np.isfinite(array).all():
            raise ValueError(f"stroke {index} holds NaN or infinite values")
        strokes.append(np.ascontiguousarray(array.T))
    return strokes


def _length(part, stroke_index: int) -> int:
    try:
        return len(part)
    except TypeError:
        raise ValueError(f"stroke {stroke_index}: expected a list of numbers, got {part!r}") from None


def to_lists(strokes: list[np.ndarray], integer: bool = False) -> Drawing:
    """Arrays from `as_arrays` back to the plain-list format (ints if `integer`)."""
    out = []
    for points in strokes:
        columns = np.rint(points).astype(np.int64) if integer else points
        out.append([column.tolist() for column in columns.T])
    return out


def bounds(drawing) -> tuple[float, float, float, float]:
    """(x0, y0, x1, y1) of all points; ValueError for an empty drawing."""
    strokes = as_arrays(drawing)
    if not strokes:
        raise ValueError("an empty drawing has no bounds")
    return _bounds(strokes)


def _bounds(strokes: list[np.ndarray]) -> tuple[float, float, float, float]:
    points = np.concatenate([s[:, :2] for s in strokes])
    (x0, y0), (x1, y1) = points.min(axis=0), points.max(axis=0)
    return float(x0), float(y0), float(x1), float(y1)


def ink_length(drawing) -> float:
    """Total length of all strokes, in the drawing's own units."""
    return float(sum(_segment_lengths(s).sum() for s in as_arrays(drawing)))


def _segment_lengths(points: np.ndarray) -> np.ndarray:
    return np.hypot(*np.diff(points[:, :2], axis=0).T) if len(points) > 1 else np.zeros(0)


def _scale_to(side: float, extent: float) -> float:
    """The factor that makes `extent` span `side`; 1.0 for a drawing with no extent, and for one
    whose extent is so small (e.g. 1e-310) that the factor would overflow to inf and turn every
    coordinate into nan: such a drawing is a single point for every purpose of ours."""
    scale = side / extent if extent > 0 else 1.0
    return scale if math.isfinite(scale) else 1.0


def _normalized(strokes: list[np.ndarray], side: float) -> list[np.ndarray]:
    """Align to the top-left (minimum 0) and scale uniformly so the longer side spans `side`.

    A drawing with no extent (one point, or identical points) is only moved to the origin.
    Coordinates so large that their extent overflows are rejected rather than turned into inf.
    """
    x0, y0, x1, y1 = _bounds(strokes)
    with np.errstate(over="ignore"):
        extent = max(x1 - x0, y1 - y0)
    if not math.isfinite(extent):
        raise ValueError("the drawing's coordinates are too large to scale")
    scale = _scale_to(side, extent)
    result = []
    for points in strokes:
        moved = points.copy()
        moved[:, 0] = (points[:, 0] - x0) * scale
        moved[:, 1] = (points[:, 1] - y0) * scale
        result.append(moved)
    return result


def _resample(points: np.ndarray, spacing: float) -> np.ndarray:
    """Points along the polyline every `spacing` units of arc length, keeping both ends."""
    lengths = _segment_lengths(points)
    total = lengths.sum()
    if total <= spacing:
        return points[[0, -1]] if len(points) > 1 else points
    travelled = np.concatenate([[0.0], np.cumsum(lengths)])
    targets = np.append(np.arange(0.0, total, spacing), total)
    return np.stack([np.interp(targets, travelled, points[:, i]) for i in range(points.shape[1])], axis=1)


def _rdp_keep(points: np.ndarray, epsilon: float) -> np.ndarray:
    """Boolean mask of the points Ramer-Douglas-Peucker keeps (iterative, no recursion limit)."""
    keep = np.zeros(len(points), dtype=bool)
    keep[[0, -1]] = True
    pending = [(0, len(points) - 1)]
    while pending:
        first, last = pending.pop()
        if last - first < 2:
            continue
        start, end = points[first, :2], points[last, :2]
        inner = points[first + 1:last, :2]
        chord = end - start
        chord_length = math.hypot(*chord)
        if chord_length == 0:
            distances = np.hypot(*(inner - start).T)
        else:
            distances = np.abs(chord[0] * (inner[:, 1] - start[1]) - chord[1] * (inner[:, 0] - start[0])) / chord_length
        farthest = int(np.argmax(distances))
        if distances[farthest] > epsilon:
            split = first + 1 + farthest
            keep[split] = True
            pending.append((first, split))
            pending.append((split, last))
    return keep


def simplify(drawing) -> Drawing:
    """Quick, Draw!'s simplified-dataset procedure; returns `[[xs, ys], ...]` of ints 0-255.

    Align to the top-left, scale uniformly so the longer side spans 0-255, resample every stroke
    at 1-unit spacing, then Ramer-Douglas-Peucker with epsilon 2.0. Times are dropped.
    """
    strokes = as_arrays(drawing)
    if not strokes:
        return []
    simplified = []
    for points in _normalized([s[:, :2] for s in strokes], SIMPLIFIED_SIDE):
        resampled = _resample(points, RESAMPLE_SPACING)
        simplified.append(resampled[_rdp_keep(resampled, RDP_EPSILON)])
    return to_lists(simplified, integer=True)


def rasterize(drawing, size: int = 28) -> np.ndarray:
    """Render like Google's `numpy_bitmap` files: (size, size) uint8, 0 background, 255 ink.

    The drawing is normalised to 0-255 (any input space works: canvas pixels or 0-255), centred on
    its bounding box in a 256-unit square, and drawn with a 16-unit round pen; the square plus
    16 units of padding and half a pen width of margin on each side is scaled to `size` pixels.
    """
    if size < 1:
        raise ValueError(f"size must be at least 1 pixel, got {size}")
    strokes = as_arrays(drawing)
    big = size * SUPERSAMPLE
    canvas = Image.new("L", (big, big), 0)
    if strokes:
        points = np.concatenate([s[:, :2] for s in strokes])
        low = points.min(axis=0)
        with np.errstate(over="ignore"):
            extent = points.max(axis=0) - low
        longest = float(extent.max())
        if not math.isfinite(longest):
            raise ValueError("the drawing's coordinates are too large to scale")
        to_255 = _scale_to(SIMPLIFIED_SIDE, longest)
        margin = BITMAP_PADDING * 2 + BITMAP_LINE_DIAMETER
        to_canvas = big / (BITMAP_SOURCE_SIDE + margin)
        centring = (BITMAP_SOURCE_SIDE - extent * to_255) / 2 + margin / 2
        # Pillow's pixel (i, j) covers [i, i+1); shift by half a pixel so shapes land where cairo puts them.
        placed = ((points - low) * to_255 + centring) * to_canvas - 0.5
        _draw_strokes(ImageDraw.Draw(canvas), placed, [len(s) for s in strokes],
                      BITMAP_LINE_DIAMETER * to_canvas)
    return np.asarray(canvas.reduce(SUPERSAMPLE), dtype=np.uint8)


def _draw_strokes(draw: ImageDraw.ImageDraw, points: np.ndarray, counts: list[int], pen: float) -> None:
    """Polylines of diameter `pen` with round caps and joins, on a Pillow canvas.

    A round-capped, round-joined stroke is exactly the union of its segments drawn `pen` wide and a
    disc at every vertex; that is cheaper in Pillow than its own curved joints, and a one-point
    stroke becomes a dot, as with cairo. The discs go straight to Pillow's C drawing object (what
    `ImageDraw.ellipse` calls after checking its colour every time): the same pixels (checked on
    2,119 generated and real drawings), and the rasteriser 0.53 -> 0.47 ms p50 on drawings of 75
    points (session 8, the 2-core machine).
    """
    width = max(1, round(pen))
    # Pillow's ellipse covers its bounding box inclusively: half a pixel less radius gives the true disc.
    radius = pen / 2 - 0.5
    boxes = np.concatenate([points - radius, points + radius], axis=1).tolist()
    flat = points.ravel().tolist()
    core, ink = draw.draw, draw.draw.draw_ink(255)
    start = 0
    for count in counts:
        if count > 1:
            draw.line(flat[2 * start:2 * (start + count)], fill=255, width=width)
        for box in boxes[start:start + count]:
            core.draw_ellipse(box, ink, 1)
        start += count


def to_stroke3(drawing) -> np.ndarray:
    """sketch-rnn's stroke-3: rows (dx, dy, pen_lifted), float64.

    The first row is the first point's offset from the origin, so `from_stroke3` restores absolute
    positions; pen_lifted is 1 on the last point of each stroke. Times are dropped.
    """
    strokes = as_arrays(drawing)
    if not strokes:
        return np.zeros((0, 3))
    points = np.concatenate([s[:, :2] for s in strokes])
    lifted = np.concatenate([np.eye(1, len(s), len(s) - 1)[0] for s in strokes])
    deltas = np.diff(points, axis=0, prepend=np.zeros((1, 2)))
    return np.column_stack([deltas, lifted])


def from_stroke3(stroke3) -> Drawing:
    """Back from stroke-3 to `[[xs, ys], ...]`; a final stroke without its pen-lift still ends."""
    array = np.asarray(stroke3, dtype=np.float64)
    if array.size == 0:
        return []
    if array.ndim != 2 or array.shape[1] != 3:
        raise ValueError(f"stroke-3 data must have shape (n, 3), got {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError("stroke-3 data holds NaN or infinite values")
    points = np.cumsum(array[:, :2], axis=0)
    ends = np.flatnonzero(array[:, 2] > 0.5) + 1
    pieces = np.split(points, ends[ends < len(points)])
    return to_lists([p for p in pieces if len(p)])


def truncate(drawing, fraction: float | None = None, ms: float | None = None) -> Drawing:
    """The prefix of a drawing: its first `fraction` of the ink length, or its first `ms` milliseconds.

    By ink, the cut falls inside a stroke at an interpolated point (times interpolated too); by time,
    points with t <= ms are kept, which needs timed strokes. Strokes keep their times and format.
    """
    if (fraction is None) == (ms is None):
        raise ValueError("give exactly one of fraction or ms")
    strokes = as_arrays(drawing)
    if ms is not None:
        if any(s.shape[1] < 3 for s in strokes):
            raise ValueError("truncating by time needs strokes with times [xs, ys, ts]")
        kept = [s[s[:, 2] <= ms] for s in strokes]
        return to_lists([s for s in kept if len(s)])
    if not 0.0 <= fraction <= 1.0 or not math.isfinite(fraction):
        raise ValueError(f"fraction must be between 0 and 1, got {fraction}")
    lengths = [_segment_lengths(s) for s in strokes]
    total = sum(float(l.sum()) for l in lengths)
    if fraction >= 1.0 or total == 0.0:
        return to_lists(strokes) if fraction > 0 else []
    budget = fraction * total
    prefix = []
    for points, segments in zip(strokes, lengths):
        if budget <= 0:
            break
        travelled = np.cumsum(segments)
        if len(segments) == 0 or travelled[-1] <= budget:
            prefix.append(points)
            budget -= float(travelled[-1]) if len(segments) else 0.0
            continue
        cut = int(np.searchsorted(travelled, budget))  # the segment the budget runs out in
        before = travelled[cut - 1] if cut > 0 else 0.0
        share = (budget - before) / segments[cut]
        end = points[cut] + share * (points[cut + 1] - points[cut])
        prefix.append(np.vstack([points[:cut + 1], end]))
        break
    return to_lists(prefix)

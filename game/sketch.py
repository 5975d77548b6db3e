"""Drawings shown small: the player's six doodles on the game-over grid and other people's drawings.

`fit_points` scales a drawing (any coordinate space, `[xs, ys]` or `[xs, ys, ts]` strokes) into a
rectangle keeping its proportions, and `Thumbnails` caches the rendered surfaces, because a grid of a
dozen drawings redrawn sixty times a second would otherwise cost more than the rest of the frame.
A thumbnail is drawn from a bounded number of points (`bounded.drawable`): a drawing beyond the size
limits is not drawn at all, a big one is thinned.
"""
from __future__ import annotations

from collections import OrderedDict

import pygame

from .bounded import THUMBNAIL_POINTS, drawable


def fit_points(drawing, size: tuple[int, int], padding: float = 0.1) -> list[list[tuple[float, float]]]:
    """Each stroke's points scaled and centred into a (width, height) box."""
    strokes = [list(zip(stroke[0], stroke[1])) for stroke in drawing if len(stroke[0])]
    if not strokes:
        return []
    xs = [x for stroke in strokes for x, _ in stroke]
    ys = [y for stroke in strokes for _, y in stroke]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    width, height = size
    inner_w, inner_h = width * (1 - 2 * padding), height * (1 - 2 * padding)
    span = max(x1 - x0, y1 - y0, 1e-9)
    scale = min(inner_w, inner_h) / span
    offset_x = (width - (x1 - x0) * scale) / 2
    offset_y = (height - (y1 - y0) * scale) / 2
    return [[(offset_x + (x - x0) * scale, offset_y + (y - y0) * scale) for x, y in stroke]
            for stroke in strokes]


def render(drawing, size: tuple[int, int], colour, width: int, what: str = "a drawing") -> pygame.Surface:
    """A transparent surface with the drawing fitted in, drawn with round-capped lines (empty for a
    drawing beyond the size limits; `what` names it in the log line)."""
    surface = pygame.Surface(size, pygame.SRCALPHA)
    drawing = drawable(drawing, THUMBNAIL_POINTS, what)
    if drawing is None:
        return surface
    radius = width / 2
    for points in fit_points(drawing, size):
        if len(points) > 1:
            pygame.draw.lines(surface, colour, False, points, width)
        for point in points:
            pygame.draw.circle(surface, colour, point, radius)
    return surface


class Thumbnails:
    """Rendered drawings by (key, size, colour); keys are chosen by the caller (e.g. round index)."""

    def __init__(self, capacity: int = 64) -> None:
        self.capacity = capacity
        self._cache: OrderedDict = OrderedDict()

    def get(self, key, drawing, size: tuple[int, int], colour, width: int | None = None) -> pygame.Surface:
        size = (max(1, int(size[0])), max(1, int(size[1])))
        width = width or max(2, round(min(size) / 40))
        cache_key = (key, size, tuple(colour), width)
        surface = self._cache.get(cache_key)
        if surface is None:
            surface = render(drawing, size, colour, width, f"the drawing shown as {key!r}")
            self._cache[cache_key] = surface
            if len(self._cache) > self.capacity:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(cache_key)
        return surface

"""The drawing canvas: captures strokes from mouse and touch with a timestamp for every point.

Points are kept in canvas units, a square of `UNITS` x `UNITS` whatever its size on screen, so a
window resized in the middle of a drawing keeps a consistent drawing. The drawing is Quick, Draw!'s
raw format `[[xs, ys, ts], ...]` with `ts` in milliseconds since the drawing's first point.

When the round ends while the pen is down (the machine recognised the drawing mid-stroke), the
canvas takes no new stroke but lets the one under the pen finish (`close(keep_stroke=True)`): the
stored drawing ends where the player lifted the pen, not mid-line.

Every point is timed when its input event is handled (`event.timestamp` where pygame provides it,
else `pygame.time.get_ticks()`), never once per frame. Undo removes the last stroke; clear and an
undo that empties the canvas restart the clock, so the first point of a drawing is always at 0 ms.

A drawing never grows beyond the size limits of `model/strokes.py` (points per stroke, strokes, points
in all): far above what a hand draws in a round, they stop a jittering touch panel or a flood of
events from making a drawing that every later screen, guess and save would pay for. Ink past a limit
is ignored, with one log line.
"""
from __future__ import annotations

import logging

import pygame

from model.strokes import size_problem

from . import theme
from .theme import UNITS
from .ui import Pointer

log = logging.getLogger("pennydraw")


def event_time_ms(event: pygame.event.Event) -> int:
    """When an input event happened, on SDL's millisecond clock."""
    timestamp = getattr(event, "timestamp", None)
    return int(timestamp) if timestamp is not None else pygame.time.get_ticks()


class Canvas:
    """Strokes in canvas units plus a paper surface on which they are drawn incrementally."""

    def __init__(self) -> None:
        self.rect = pygame.Rect(0, 0, UNITS, UNITS)   # where the canvas is on screen (square)
        self.strokes: list[list[list[int]]] = []       # [[xs, ys, ts], ...]
        self.enabled = True                            # False once the round is over (see `close`)
        self.version = 0                               # bumped on every change of the ink
        self._t0: int | None = None                    # tick of the drawing's first point
        self._source = None                            # the mouse or finger drawing now
        self._paper: pygame.Surface | None = None
        self._points = 0                               # points in all strokes
        self._full = False                             # a size limit was reached (said once)

    # --- geometry ---------------------------------------------------------------------------
    def set_rect(self, rect: pygame.Rect) -> None:
        """Place the canvas on screen (a square); the paper is redrawn at the new size."""
        side = min(rect.width, rect.height)
        self.rect = pygame.Rect(0, 0, side, side)
        self.rect.center = pygame.Rect(rect).center
        self._paper = None

    def to_canvas(self, pos) -> tuple[int, int]:
        """Window pixels -> canvas units, clamped to the canvas."""
        scale = UNITS / max(1, self.rect.width)
        x = round((pos[0] - self.rect.left) * scale)
        y = round((pos[1] - self.rect.top) * scale)
        return min(UNITS, max(0, x)), min(UNITS, max(0, y))

    def to_screen(self, x: float, y: float) -> tuple[float, float]:
        scale = self.rect.width / UNITS
        return self.rect.left + x * scale, self.rect.top + y * scale

    # --- input ------------------------------------------------------------------------------
    @property
    def drawing_now(self) -> bool:
        """True while a stroke is being drawn."""
        return self._source is not None

    def handle(self, ptr: Pointer, time_ms: int) -> bool:
        """Feed one pointer event; True if it changed the drawing."""
        if not self.enabled and (ptr.kind == "down" or self._source is None):
            return False   # closed: only the stroke still under the pen (`close(keep_stroke=True)`) goes on
        if ptr.kind == "down":
            if self._source is not None or not self.rect.collidepoint(ptr.pos) or not self._room(True):
                return False
            self._source = ptr.source
            if not self.strokes:
                self._t0 = time_ms
            self.strokes.append([[], [], []])
            return self._add_point(ptr.pos, time_ms, force=True)
        if ptr.source != self._source:
            return False
        if ptr.kind == "move" and ptr.pressed:
            return self._add_point(ptr.pos, time_ms)
        # "up", or a move with the button already released (the up was lost outside the window).
        changed = self._add_point(ptr.pos, time_ms)
        self._source = None
        return changed

    def _room(self, new_stroke: bool = False) -> bool:
        """Whether one more point (starting a new stroke) keeps the drawing within the size limits."""
        longest = 1 if new_stroke else len(self.strokes[-1][0]) + 1
        problem = size_problem(len(self.strokes) + new_stroke, longest, self._points + 1)
        if problem and not self._full:
            self._full = True
            log.info("the drawing reached the size limit (%s): more ink is ignored", problem)
        return problem is None

    def _add_point(self, pos, time_ms: int, force: bool = False) -> bool:
        xs, ys, ts = self.strokes[-1]
        x, y = self.to_canvas(pos)
        if not force and xs and xs[-1] == x and ys[-1] == y:
            return False
        if not force and not self._room():
            return False
        t = max(0, time_ms - self._t0)
        if ts and t < ts[-1]:
            t = ts[-1]  # clocks of different event sources must never run backwards in a drawing
        xs.append(x)
        ys.append(y)
        ts.append(t)
        self._points += 1
        self.version += 1
        if self._paper is not None:
            self._ink_segment(self.strokes[-1], len(xs) - 1)
        return True

    def end_stroke(self) -> None:
        """Stop the stroke in progress (the round ended while the pen was down)."""
        self._source = None

    def close(self, keep_stroke: bool = False) -> None:
        """The round is over: no new stroke. With `keep_stroke` the stroke under the pen goes on until
        the pen lifts (or `end_stroke`); without, it stops here."""
        self.enabled = False
        if not keep_stroke:
            self.end_stroke()

    def undo(self) -> bool:
        """Remove the last stroke; False if there was none."""
        self._source = None
        if not self.strokes:
            return False
        self.strokes.pop()
        self._after_removal()
        return True

    def clear(self) -> bool:
        """Remove every stroke; False if the canvas was already empty."""
        self._source = None
        if not self.strokes:
            return False
        self.strokes.clear()
        self._after_removal()
        return True

    def _after_removal(self) -> None:
        if not self.strokes:
            self._t0 = None
        self._points, self._full = sum(len(xs) for xs, _, _ in self.strokes), False
        self.version += 1
        self._paper = None

    # --- results ----------------------------------------------------------------------------
    def drawing(self) -> list[list[list[int]]]:
        """A copy of the drawing in raw format, safe to hand to another thread."""
        return [[list(xs), list(ys), list(ts)] for xs, ys, ts in self.strokes]

    def ink_time(self, time_ms: int) -> int | None:
        """`time_ms` on the drawing's own clock (ms since its first point); None before any ink."""
        return None if self._t0 is None else max(0, time_ms - self._t0)

    @property
    def point_count(self) -> int:
        return self._points

    # --- drawing ----------------------------------------------------------------------------
    @property
    def pen_width(self) -> int:
        return max(3, round(self.rect.width / 90))

    def _ink_segment(self, stroke, index: int) -> None:
        """Draw point `index` of `stroke` (and the line from the point before) on the paper."""
        xs, ys, _ = stroke
        scale = self.rect.width / UNITS
        end = (xs[index] * scale, ys[index] * scale)
        width = self.pen_width
        if index > 0:
            start = (xs[index - 1] * scale, ys[index - 1] * scale)
            pygame.draw.line(self._paper, theme.INK, start, end, width)
        pygame.draw.circle(self._paper, theme.INK, end, width / 2)

    def _render_paper(self) -> None:
        self._paper = pygame.Surface(self.rect.size)
        self._paper.fill(theme.PAPER)
        for stroke in self.strokes:
            for index in range(len(stroke[0])):
                self._ink_segment(stroke, index)

    def draw_sheet(self, surface: pygame.Surface) -> None:
        """The rounded sheet under the paper with its shadow (static: drawn into a cached layer)."""
        radius = max(8, self.rect.width // 40)
        # A margin of 0.3 radius keeps the square paper's corners inside the rounded sheet.
        margin = 2 * (int(radius * 0.3) + 3)
        sheet = self.rect.inflate(margin, margin)
        pygame.draw.rect(surface, theme.PAPER_SHADOW, sheet.move(0, radius // 2), border_radius=radius)
        pygame.draw.rect(surface, theme.PAPER, sheet, border_radius=radius)

    def draw(self, surface: pygame.Surface) -> None:
        """The paper with the ink (call `draw_sheet` first, or have it in a static layer)."""
        if self._paper is None or self._paper.get_size() != self.rect.size:
            self._render_paper()
        surface.blit(self._paper, self.rect)

"""Widgets every scene shares: fonts, text that always fits its box, big rounded buttons, pointers.

- `TextFitter` draws text inside a rectangle: it wraps at spaces and shrinks the font until the text
  fits, and records every string that could not fit even at the smallest size, or that would be cut
  by the edge of the surface it is drawn on, in `overflows`, so the tests can render every scene in
  every language and demand an empty list. Each `draw` may say where the numbers in its string come
  from (`figures`, see `provenance.py`); with `record` set to a list, every string drawn is kept
  there for the screen audit.
- `Button` is a big rounded, labelled rectangle; scenes hit-test it with `pointer()` results.
- `pointer(event, window_size)` turns mouse and touch events into one shape (down/move/up at a pixel
  position), and drops the synthetic mouse events SDL makes from touches, so nothing happens twice.
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable

import pygame

from . import theme
from .provenance import Drawn, Shown

CONFIRM_KEYS = (pygame.K_RETURN, pygame.K_KP_ENTER, pygame.K_SPACE)


class Fonts:
    """pygame Font objects by (bold, pixel size), created on first use."""

    def __init__(self) -> None:
        self._fonts: dict[tuple[bool, int], pygame.font.Font] = {}

    def get(self, size: int, bold: bool = True) -> pygame.font.Font:
        size = max(6, int(size))
        key = (bold, size)
        if key not in self._fonts:
            path = theme.FONT_BOLD if bold else theme.FONT_REGULAR
            self._fonts[key] = pygame.font.Font(str(path), size)
        return self._fonts[key]


@dataclass(frozen=True)
class Fitted:
    size: int                 # font size chosen
    lines: tuple[str, ...]    # the text wrapped into lines
    line_height: int
    width: int                # widest line in pixels
    fits: bool                # False only when even the smallest size overflowed


def wrap_words(text: str, font: pygame.font.Font, width: int) -> list[str] | None:
    """Greedy word wrap at ordinary spaces (never at no-break spaces); None if a word is too wide."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            candidate = word if not line else f"{line} {word}"
            if font.size(candidate)[0] <= width:
                line = candidate
                continue
            if not line or font.size(word)[0] > width:
                return None
            lines.append(line)
            line = word
        lines.append(line)
    return lines


class TextFitter:
    """Fits, caches and draws text in boxes; remembers what overflowed."""

    CACHE_SIZE = 600

    def __init__(self, fonts: Fonts | None = None) -> None:
        self.fonts = fonts or Fonts()
        self.overflows: list[tuple[str, tuple[int, int]]] = []
        self.record: list[Drawn] | None = None   # the screen audit sets a list: every string drawn
        self._fits: OrderedDict = OrderedDict()
        self._renders: OrderedDict = OrderedDict()

    def fit(self, text: str, box: tuple[int, int], max_size: int, min_size: int | None = None,
            bold: bool = True) -> Fitted:
        """The largest size (from max_size down to min_size) at which `text` fits in `box`."""
        width, height = int(box[0]), int(box[1])
        max_size = max(8, int(max_size))
        min_size = max(8, int(min_size if min_size is not None else max_size * 0.3))
        key = (text, width, height, max_size, min_size, bold)
        if key in self._fits:
            self._fits.move_to_end(key)
            return self._fits[key]
        size = max_size
        result = None
        while True:
            font = self.fonts.get(size, bold)
            lines = wrap_words(text, font, width)
            line_height = font.get_linesize()
            if lines is not None and len(lines) * line_height <= height:
                result = Fitted(size, tuple(lines), line_height,
                                max(font.size(line)[0] for line in lines), True)
                break
            if size <= min_size:
                # Nothing fits: show it at the smallest size, cut at the box, and remember it.
                lines = lines or text.split("\n")
                result = Fitted(size, tuple(lines), line_height,
                                max(font.size(line)[0] for line in lines), False)
                self.overflows.append((text, (width, height)))
                break
            size = max(min_size, min(size - 1, int(size * 0.93)))
        self._remember(self._fits, key, result)
        return result

    def draw(self, surface: pygame.Surface, text: str, rect: pygame.Rect, colour,
             max_size: int, min_size: int | None = None, bold: bool = True,
             align: str = "center", valign: str = "center", figures: tuple[Shown, ...] = ()) -> pygame.Rect:
        """Draw `text` fitted into `rect`; returns the area the text covers. `figures` are the numbers
        in `text` with their sources (the screen audit checks them; drawing ignores them)."""
        rect = pygame.Rect(rect)
        fitted = self.fit(text, rect.size, max_size, min_size, bold)
        key = (fitted, tuple(colour), bold)
        surfaces = self._renders.get(key)
        if surfaces is None:
            font = self.fonts.get(fitted.size, bold)
            surfaces = [font.render(line, True, colour) for line in fitted.lines]
            self._remember(self._renders, key, surfaces)
        total = len(surfaces) * fitted.line_height
        top = {"top": rect.top, "bottom": rect.bottom - total}.get(valign, rect.centery - total // 2)
        covered = pygame.Rect(rect.centerx, top, 0, 0)
        clip = surface.get_clip()
        surface.set_clip(rect.clip(clip) if clip else rect)
        for index, line in enumerate(surfaces):
            y = top + index * fitted.line_height
            x = {"left": rect.left, "right": rect.right - line.get_width()}.get(
                align, rect.centerx - line.get_width() // 2)
            surface.blit(line, (x, y))
            covered.union_ip(pygame.Rect(x, y, line.get_width(), fitted.line_height))
        surface.set_clip(clip)
        if fitted.fits and text.strip() and not clip.contains(covered):
            self.overflows.append((text, (rect.width, rect.height)))   # cut by the surface's edge or clip
        if self.record is not None:
            self.record.append(Drawn(text, tuple(figures), tuple(rect), tuple(covered), fitted.size,
                                     surface.get_size(), fitted.fits))
        return covered

    def _remember(self, cache: OrderedDict, key, value) -> None:
        cache[key] = value
        if len(cache) > self.CACHE_SIZE:
            cache.popitem(last=False)


def card(surface: pygame.Surface, rect: pygame.Rect, colour, radius: int,
         shadow: int = 0, rim=None) -> None:
    """A rounded panel with an optional drop shadow below it and a rim."""
    rect = pygame.Rect(rect)
    if shadow:
        pygame.draw.rect(surface, theme.PAPER_SHADOW, rect.move(0, shadow), border_radius=radius)
    pygame.draw.rect(surface, colour, rect, border_radius=radius)
    if rim is not None:
        pygame.draw.rect(surface, rim, rect, width=max(2, radius // 8), border_radius=radius)


STYLES = {  # fill, rim, text
    "accent": (theme.ACCENT, theme.ACCENT_DARK, theme.INK),
    "plain": (theme.BUTTON, theme.BUTTON_RIM, theme.TEXT),
    "paper": (theme.PAPER, theme.PAPER_EDGE, theme.INK),
    "selected": (theme.TEXT, theme.ACCENT, theme.INK),
}


class Button:
    """A big rounded button; `rect` is set by the owning scene's layout."""

    def __init__(self, label: str, action: Callable[[], None], style: str = "plain",
                 sources: tuple[str, ...] = ()) -> None:
        self.label = label
        self.sources = sources   # where a number in the label comes from (a keypad digit: "interface")
        self.text_size: int | None = None   # the label's largest font size; None: from the button's height
        self.action = action
        self.style = style
        self.rect = pygame.Rect(0, 0, 0, 0)
        self.enabled = True
        self._cached: pygame.Surface | None = None
        self._cached_key = None

    def hit(self, pos) -> bool:
        return self.enabled and self.rect.collidepoint(pos)

    def press(self) -> None:
        if self.enabled:
            self.action()

    def draw(self, surface: pygame.Surface, text: TextFitter) -> None:
        # Rounded rectangles are slow to draw: render once per look, then blit.
        key = (self.label, self.style, self.enabled, self.rect.size, self.text_size)
        if key != self._cached_key:
            self._cached = self._render(text)
            self._cached_key = key
        surface.blit(self._cached, self.rect.topleft)

    def label_box(self) -> pygame.Rect:
        """Where the label goes, in the button's own coordinates."""
        width, height = self.rect.size
        return pygame.Rect(0, 0, width, height).inflate(-(height // 2), -height // 5)

    def largest_text(self) -> int:
        return int(self.rect.height * 0.45)

    def _render(self, text: TextFitter) -> pygame.Surface:
        fill, rim, colour = STYLES[self.style]
        if not self.enabled:
            fill, rim, colour = theme.mix(fill, theme.BACKGROUND, 0.6), theme.mix(
                rim, theme.BACKGROUND, 0.6), theme.mix(colour, fill, 0.5)
        width, height = self.rect.size
        shadow = max(3, height // 12)
        image = pygame.Surface((width, height + shadow), pygame.SRCALPHA)
        radius = height // 2
        local = pygame.Rect(0, 0, width, height)
        card(image, local, fill, radius, shadow=shadow, rim=rim)
        figures = (Shown(self.label, self.sources),) if self.sources else ()
        text.draw(image, self.label, self.label_box(), colour, max_size=self.text_size or self.largest_text(),
                  figures=figures)
        return image


@dataclass(frozen=True)
class Pointer:
    kind: str                 # "down", "move" or "up"
    pos: tuple[float, float]  # window pixels
    source: object            # "mouse" or the finger id
    pressed: bool             # for "move": is the button/finger down


def pointer(event: pygame.event.Event, window_size: tuple[int, int]) -> Pointer | None:
    """Mouse (left button) and touch events as Pointers; None for anything else.

    SDL turns touches into mouse events as well, marked `touch=True`; those are dropped because the
    FINGER events already carry the touch (else every stroke would be drawn twice).
    """
    kind = {pygame.MOUSEBUTTONDOWN: "down", pygame.MOUSEMOTION: "move", pygame.MOUSEBUTTONUP: "up",
            pygame.FINGERDOWN: "down", pygame.FINGERMOTION: "move", pygame.FINGERUP: "up"}.get(event.type)
    if kind is None:
        return None
    if event.type in (pygame.FINGERDOWN, pygame.FINGERMOTION, pygame.FINGERUP):
        width, height = window_size
        return Pointer(kind, (event.x * width, event.y * height), ("finger", event.finger_id),
                       kind != "up")
    if getattr(event, "touch", False):
        return None
    if kind != "move" and getattr(event, "button", 1) != 1:
        return None
    pressed = bool(getattr(event, "buttons", (0,))[0]) if kind == "move" else kind == "down"
    return Pointer(kind, tuple(event.pos), "mouse", pressed)


def is_confirm(event: pygame.event.Event) -> bool:
    return event.type == pygame.KEYDOWN and event.key in CONFIRM_KEYS

"""What every scene is: `handle(event)`, `update(dt)`, `draw(surface)`, plus a layout from the size.

A scene never draws in `update` and never changes state in `draw`. Its rectangles are computed by
`layout(size)` from the window size (called before the first event or frame and after every resize),
so the same code serves a 1280x800 window, a portrait kiosk and a fullscreen projector. Buttons in
`self.buttons` are pressed by mouse, touch or, for the first one, Enter; taps during the first
moments of a scene are ignored so that a double tap cannot skip a screen.
"""
from __future__ import annotations

import pygame

from .. import theme
from ..ui import Button, pointer

DOUBLE_TAP_GRACE = 0.35


class Scene:
    name = "scene"

    def __init__(self, app) -> None:
        self.app = app
        self.age = 0.0                      # seconds since the scene was entered
        self.size: tuple[int, int] | None = None
        self.buttons: list[Button] = []
        self._static: pygame.Surface | None = None
        self._static_key = None

    # --- lifecycle ----------------------------------------------------------------------------
    def enter(self) -> None:
        """Called once when the scene becomes the current one."""

    def leave(self) -> None:
        """Called once when another scene replaces this one."""

    def ensure_layout(self, size: tuple[int, int]) -> None:
        if size != self.size:
            self.size = size
            self.u = theme.unit(size)
            self.layout(size)

    def layout(self, size: tuple[int, int]) -> None:
        """Place rectangles and buttons for a window of `size` pixels."""

    # --- the three calls of every frame ---------------------------------------------------------
    def handle(self, event: pygame.event.Event) -> None:
        self.handle_buttons(event)

    def update(self, dt: float) -> None:
        self.age += dt

    def draw(self, surface: pygame.Surface) -> None:
        self.blit_static(surface)

    def draw_static(self, surface: pygame.Surface) -> None:
        """What does not change while the scene is shown at one size (drawn once, then blitted)."""
        surface.fill(theme.BACKGROUND)

    def blit_static(self, surface: pygame.Surface) -> None:
        """The cached static layer; redrawn after a resize or a change of language."""
        key = (surface.get_size(), self.app.translations.lang)
        if key != self._static_key:
            self._static = pygame.Surface(surface.get_size())
            self.draw_static(self._static)
            self._static_key = key
        surface.blit(self._static, (0, 0))

    # --- helpers -----------------------------------------------------------------------------
    @property
    def accepting_input(self) -> bool:
        return self.age >= self.app.settings.input_grace

    def t(self, key: str, **values) -> str:
        return self.app.translations.t(key, **values)

    def pointer(self, event):
        return pointer(event, self.size or self.app.window_size)

    def handle_buttons(self, event: pygame.event.Event) -> bool:
        """Press the button under a mouse click or tap; True if one was pressed."""
        ptr = self.pointer(event)
        if ptr is None or ptr.kind != "down" or not self.accepting_input:
            return False
        for button in self.buttons:
            if button.hit(ptr.pos):
                button.press()
                return True
        return False

    def draw_buttons(self, surface: pygame.Surface) -> None:
        for button in self.buttons:
            button.draw(surface, self.app.text)

    def px(self, value: float) -> int:
        """A length designed for 1280x800, scaled to this window."""
        return max(1, round(value * self.u))

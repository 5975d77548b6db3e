"""The operator's PIN pad: the only way out of kiosk mode, after the exit chord or a corner long press.

Big keys (touch first: no keyboard needed, though digits, Backspace and Enter work too), the PIN shown
as dots, never as digits. The scene does not know the PIN: it hands what was typed to `submit`, which
answers True (the kiosk then quits cleanly) or False. After `MAX_TRIES` wrong PINs the pad locks for
`LOCK_SECONDS`; the `PinLock` belongs to the kiosk, so closing and reopening the pad does not reset
it. Without input for `TIMEOUT` seconds, or on Cancel, the pad calls `cancel` (the kiosk goes back to
the attract loop), so a visitor who found the gesture by chance is never stuck on it.
"""
from __future__ import annotations

from dataclasses import dataclass

import pygame

from .. import theme
from ..provenance import shown
from ..ui import Button, card
from .base import Scene

MAX_TRIES = 3
LOCK_SECONDS = 60.0
MAX_LOCK_SECONDS = 3600.0
TIMEOUT = 30.0
MAX_DIGITS = 12
KEY_DIGITS = {**{getattr(pygame, f"K_{n}"): str(n) for n in range(10)},
              **{getattr(pygame, f"K_KP{n}"): str(n) for n in range(10)}}


@dataclass
class PinLock:
    """Wrong tries and the lock-out that follows them; its owner calls `tick` every frame."""
    tries: int = 0
    locked_for: float = 0.0        # seconds left before the pad takes PINs again
    lockouts: int = 0              # locks so far: each one lasts twice the last (up to MAX_LOCK_SECONDS)

    def fail(self) -> None:
        self.tries += 1
        if self.tries >= MAX_TRIES:
            # Doubling: a 4-digit PIN guessed by a patient visitor at 3 tries a minute would fall in a
            # day; doubling up to an hour stretches that to years, and the operator loses a minute.
            self.locked_for = min(LOCK_SECONDS * 2 ** self.lockouts, MAX_LOCK_SECONDS)
            self.tries, self.lockouts = 0, self.lockouts + 1

    def tick(self, dt: float) -> None:
        self.locked_for = max(0.0, self.locked_for - dt)


class PinPadScene(Scene):
    name = "pinpad"

    def __init__(self, app, submit, cancel, lock: PinLock | None = None) -> None:
        super().__init__(app)
        self.submit = submit
        self.cancel = cancel
        self.typed = ""
        self._owns_lock = lock is None
        self.lock = lock or PinLock()
        self.idle = 0.0
        self.message_key: str | None = None
        self.digit_buttons = [Button(str(n), lambda n=n: self.type_digit(str(n)), sources=("interface",))
                              for n in range(10)]
        self.erase_button = Button("", self.erase)   # an arrow is drawn on it (the font has none)
        self.ok_button = Button("", self.confirm, style="accent")
        self.cancel_button = Button("", self.cancel)
        self.buttons = [*self.digit_buttons, self.erase_button, self.ok_button, self.cancel_button]

    # --- actions ------------------------------------------------------------------------------
    @property
    def locked_for(self) -> float:
        return self.lock.locked_for

    def type_digit(self, digit: str) -> None:
        if self.locked_for <= 0 and len(self.typed) < MAX_DIGITS:
            self.typed += digit
            self.message_key = None

    def erase(self) -> None:
        self.typed = self.typed[:-1]

    def confirm(self) -> None:
        if self.locked_for > 0 or not self.typed:
            return
        typed, self.typed = self.typed, ""
        if self.submit(typed):
            return
        self.message_key = "pin_wrong"
        self.lock.fail()

    # --- input and clock ----------------------------------------------------------------------
    def handle(self, event: pygame.event.Event) -> None:
        if event.type in (pygame.KEYDOWN, pygame.MOUSEBUTTONDOWN, pygame.FINGERDOWN):
            self.idle = 0.0
        if event.type == pygame.KEYDOWN:
            if event.key in KEY_DIGITS:
                self.type_digit(KEY_DIGITS[event.key])
            elif event.key == pygame.K_BACKSPACE:
                self.erase()
            elif event.key in (pygame.K_RETURN, pygame.K_KP_ENTER):
                self.confirm()
            return
        ptr = self.pointer(event)
        if ptr is None or ptr.kind != "down":
            return
        for button in self.buttons:   # no grace period: every key press counts
            if button.hit(ptr.pos):
                button.press()
                return

    def update(self, dt: float) -> None:
        super().update(dt)
        self.idle += dt
        if self._owns_lock:
            self.lock.tick(dt)
        if self.idle >= TIMEOUT:
            self.idle = 0.0
            self.cancel()

    # --- screen -------------------------------------------------------------------------------
    def layout(self, size: tuple[int, int]) -> None:
        width, height = size
        px = self.px
        self.title_rect = pygame.Rect(px(30), px(20), width - px(60), px(70))
        self.dots_rect = pygame.Rect(width // 2 - px(260), self.title_rect.bottom + px(6), px(520), px(70))
        self.message_rect = pygame.Rect(px(30), self.dots_rect.bottom, width - px(60), px(46))
        top = self.message_rect.bottom + px(8)
        key = max(px(48), min((height - top - px(20)) // 4 - px(12), (width - px(60)) // 5))
        gap = px(12)
        pad_w = 3 * key + 2 * gap
        left = width // 2 - pad_w // 2
        order = [1, 2, 3, 4, 5, 6, 7, 8, 9]
        for index, digit in enumerate(order):
            row, column = divmod(index, 3)
            self.digit_buttons[digit].rect = pygame.Rect(left + column * (key + gap), top + row * (key + gap),
                                                         key, key)
        bottom_row = top + 3 * (key + gap)
        self.erase_button.rect = pygame.Rect(left, bottom_row, key, key)
        self.digit_buttons[0].rect = pygame.Rect(left + key + gap, bottom_row, key, key)
        self.ok_button.rect = pygame.Rect(left + 2 * (key + gap), bottom_row, key, key)
        side_w = min(px(220), max(px(120), left - px(60)))
        self.cancel_button.rect = pygame.Rect(px(30), height - px(30) - px(80), side_w, px(80))

    def draw(self, surface: pygame.Surface) -> None:
        surface.fill(theme.BACKGROUND_DEEP)
        text, px = self.app.text, self.px
        text.draw(surface, self.t("pin_title"), self.title_rect, theme.TEXT, max_size=px(44))
        card(surface, self.dots_rect, theme.PAPER, px(20))
        radius, gap = px(10), px(34)   # one dot per digit typed: the PIN itself is never shown
        left = self.dots_rect.centerx - (len(self.typed) - 1) * gap // 2
        for index in range(len(self.typed)):
            pygame.draw.circle(surface, theme.INK, (left + index * gap, self.dots_rect.centery), radius)
        if self.locked_for > 0:
            message = self.t("pin_locked", seconds=int(self.locked_for) + 1)
        else:
            message = self.t(self.message_key) if self.message_key else ""
        if message:
            text.draw(surface, message, self.message_rect, theme.MISS, max_size=px(30),
                      figures=(shown(int(self.locked_for) + 1, "settings"),))
        self.ok_button.label = self.t("pin_ok")
        self.cancel_button.label = self.t("pin_cancel")
        enabled = self.locked_for <= 0
        for button in (*self.digit_buttons, self.ok_button):
            button.enabled = enabled
        self.draw_buttons(surface)
        self._draw_erase_arrow(surface)

    def _draw_erase_arrow(self, surface: pygame.Surface) -> None:
        rect, unit = self.erase_button.rect, self.erase_button.rect.height / 10
        x, y = rect.centerx, rect.centery
        points = [(x - 2.6 * unit, y), (x - 0.6 * unit, y - 1.9 * unit), (x - 0.6 * unit, y - 0.7 * unit),
                  (x + 2.4 * unit, y - 0.7 * unit), (x + 2.4 * unit, y + 0.7 * unit),
                  (x - 0.6 * unit, y + 0.7 * unit), (x - 0.6 * unit, y + 1.9 * unit)]
        pygame.draw.polygon(surface, theme.TEXT, points)

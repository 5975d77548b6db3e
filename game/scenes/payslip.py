"""The pay slip of the game just played: the work as a payslip from "the machine", which paid 0.00.

Reached from the game-over screen. The sheet (`payslip_sheet.payslip`, drawn by `payslip_render`)
prices the game's labels at a penny task and at a typical micro-task rate, with the sources in small
print, where the drawings go, and the erasure code of a consenting session (or, without consent, that
nothing was kept). "Save as PNG" writes the same sheet to `settings.payslip_dir` and says where on
screen; "What you taught the machine" goes on to the model's history.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path

import pygame

from .. import theme
from ..payslip_render import draw_sheet, save_png
from ..payslip_sheet import Sheet, payslip
from ..ui import Button, is_confirm
from .base import Scene

log = logging.getLogger(__name__)


PATH_LINE = 30   # characters per line of a shown path: it has no spaces to wrap at


def shown_path(path: Path) -> str:
    """A path as short as is still true (relative to the working folder when inside it), broken into
    lines after a "/" so that a long one wraps instead of overflowing."""
    path = Path(path).resolve()
    try:
        text = str(path.relative_to(Path.cwd().resolve()))
    except ValueError:
        text = str(path)
    first, *rest = text.split("/")
    lines, line = [], first
    for part in rest:
        if line and len(line) + 1 + len(part) > PATH_LINE:
            lines.append(line + "/")
            line = part
        else:
            line += "/" + part
    return "\n".join(lines + [line])


class PayslipScene(Scene):
    name = "payslip"

    def __init__(self, app) -> None:
        super().__init__(app)
        self.back_button = Button("", app.show_game_over)
        self.save_button = Button("", self.save)
        self.taught_button = Button("", app.show_taught, style="accent")
        # A kiosk visitor could not take the file away, and the folder would fill with erasure codes:
        # the kiosk says to take a photo instead.
        self.can_save = not app.settings.kiosk
        self.buttons = [self.taught_button] + ([self.save_button] if self.can_save else []) + [self.back_button]
        self.saved: Path | None = None
        self.error: str | None = None
        self._sheet_key = None
        self._sheet: Sheet | None = None

    def enter(self) -> None:
        self.app.voice.say(self.t("slip_spoken"), interrupt=True)

    @property
    def sheet(self) -> Sheet:
        """The game's pay slip in the current language (rebuilt when the language changes)."""
        tr = self.app.translations
        if self._sheet is None or self._sheet_key != tr.lang:
            game = self.app.game
            self._sheet = payslip(game.results, self.app.rates, tr, session=game.session,
                                  when=self.app.game_started_at and self.app.game_started_at.astimezone(),
                                  db_name=Path(str(self.app.settings.db)).name,
                                  keep_days=self.app.settings.keep_days)
            self._sheet_key = tr.lang
        return self._sheet

    def save(self) -> None:
        try:
            self.saved, self.error = save_png(self.sheet, self.app.text, self.app.settings.payslip_dir), None
            log.info("pay slip saved to %s", self.saved)
        except (OSError, pygame.error) as error:
            self.saved, self.error = None, os.strerror(error.errno) if getattr(error, "errno", None) else str(error)
            log.warning("could not save the pay slip in %s: %s", self.app.settings.payslip_dir, error)

    def status(self) -> str:
        """Where the PNG went (or will go), or why it could not be saved."""
        if not self.can_save:
            return self.t("save_photo")
        if self.error is not None:
            return self.t("save_failed", error=self.error)
        if self.saved is not None:
            return self.t("saved_to", path=shown_path(self.saved))
        return self.t("save_hint", folder=shown_path(self.app.settings.payslip_dir))

    def handle(self, event: pygame.event.Event) -> None:
        if is_confirm(event) and self.accepting_input:
            self.app.show_taught()
            return
        self.handle_buttons(event)

    # --- screen -------------------------------------------------------------------------------
    def layout(self, size: tuple[int, int]) -> None:
        width, height = size
        px = self.px
        margin = px(24)
        if width >= height * 1.2:  # sheet on the left, buttons in a column on the right
            side_w = min(px(330), width // 3)
            self.sheet_rect = pygame.Rect(margin, margin, width - side_w - 3 * margin, height - 2 * margin)
            column = pygame.Rect(self.sheet_rect.right + margin, margin, side_w, height - 2 * margin)
            button_h = px(92)
            for index, button in enumerate((self.taught_button, self.save_button)):
                button.rect = pygame.Rect(column.left, column.top + px(30) + index * (button_h + px(22)),
                                          column.width, button_h)
            below = self.save_button if self.can_save else self.taught_button
            self.status_rect = pygame.Rect(column.left, below.rect.bottom + px(18), column.width, px(150))
            self.back_button.rect = pygame.Rect(column.left, column.bottom - button_h, column.width, button_h)
        else:  # sheet on top, a row of buttons and the status line below
            button_h = px(84)
            buttons_top = height - margin - button_h
            self.status_rect = pygame.Rect(margin, buttons_top - px(10) - px(56), width - 2 * margin, px(56))
            room = self.status_rect.top - px(10) - margin
            sheet_h = min(room, int((width - 2 * margin) * 1.2))  # taller would only add empty paper
            self.sheet_rect = pygame.Rect(margin, margin, width - 2 * margin, sheet_h)
            self.status_rect.top = self.sheet_rect.bottom + px(16)
            gap = px(14)
            button_w = (width - 2 * margin - 2 * gap) // 3
            row = (self.back_button, self.save_button if self.can_save else None, self.taught_button)
            for index, button in enumerate(row):
                if button is not None:
                    button.rect = pygame.Rect(margin + index * (button_w + gap), buttons_top, button_w, button_h)

    def draw_static(self, surface: pygame.Surface) -> None:
        surface.fill(theme.BACKGROUND)
        draw_sheet(surface, self.sheet_rect, self.sheet, self.app.text)

    def draw(self, surface: pygame.Surface) -> None:
        self.blit_static(surface)
        self.back_button.label = self.t("back")
        self.save_button.label = self.t("save_png")
        self.taught_button.label = self.t("taught_button")
        self.draw_buttons(surface)
        colour = theme.MISS if self.error else (theme.SUCCESS if self.saved else theme.TEXT_SOFT)
        self.app.text.draw(surface, self.status(), self.status_rect, colour, max_size=self.px(24),
                           bold=bool(self.saved), valign="top")

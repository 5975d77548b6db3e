"""The pay slip of the game just played: the work as a payslip from "the machine", which paid 0.00.

Reached from the game-over screen. The sheet (`payslip_sheet.payslip`, drawn by `payslip_render`)
prices the game's labels at each sourced per-label rate, says what micro-workers really earn an hour,
how often the machine watched the player, where the drawings go, and gives the erasure code of a
consenting session (or, without consent, says that nothing was kept); sources in small print. It
fills the window above a row of buttons. "Save as PNG" writes the same sheet to
`settings.payslip_dir` and says where; "What you taught the machine" goes on to the model's history.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path

import pygame

from .. import theme
from ..payslip_render import draw_sheet, save_png
from ..payslip_sheet import Sheet, payslip, times_watched
from ..provenance import shown
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
                                  keep_days=self.app.settings.keep_days,
                                  retrains=self.app.settings.retrain_every > 0,
                                  watched=times_watched(game.results, self.app.store, game.session))
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
        """The sheet fills the window above a row of buttons (with the status line in the row when
        the window is wide, above it when it is narrow)."""
        width, height = size
        px = self.px
        margin, gap = px(24), px(14)
        button_h = px(84)
        buttons_top = height - margin - button_h
        row = [self.back_button] + ([self.save_button] if self.can_save else []) + [self.taught_button]
        if width >= height:
            widths = {self.back_button: px(220), self.save_button: px(260), self.taught_button: px(360)}
            status_w = width - 2 * margin - sum(widths[b] for b in row) - len(row) * gap
            left = margin
            for button in row[:-1]:
                button.rect = pygame.Rect(left, buttons_top, widths[button], button_h)
                left += widths[button] + gap
            self.status_rect = pygame.Rect(left, buttons_top, status_w, button_h)
            self.taught_button.rect = pygame.Rect(width - margin - widths[self.taught_button], buttons_top,
                                                  widths[self.taught_button], button_h)
            sheet_bottom = buttons_top - px(16)
        else:
            button_w = (width - 2 * margin - (len(row) - 1) * gap) // len(row)
            for index, button in enumerate(row):
                button.rect = pygame.Rect(margin + index * (button_w + gap), buttons_top, button_w, button_h)
            self.status_rect = pygame.Rect(margin, buttons_top - px(10) - px(56), width - 2 * margin, px(56))
            sheet_bottom = self.status_rect.top - px(10)
        self.sheet_rect = pygame.Rect(margin, margin, width - 2 * margin, sheet_bottom - margin)

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
        status = self.status()
        self.app.text.draw(surface, status, self.status_rect, colour, max_size=self.px(24),
                           bold=bool(self.saved), figures=(shown(status, "system"),) if self.can_save else ())

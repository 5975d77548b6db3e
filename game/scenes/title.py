"""The title screen: the name, one line of what this is, Start, the language, and the totals so far.

The totals panel ("installation totals") reads the players' `Store.totals()` once when the screen
appears; `totals_lines()` turns them into drawings collected, hours of unpaid work and their value at
micro-task rates (the labour ledger, `model/labour.py`).
"""
from __future__ import annotations

import math

import pygame

from model import labour

from .. import theme
from ..settings import LANGUAGES
from ..ui import Button, card, is_confirm
from .base import Scene

LANGUAGE_NAMES = {"en": "English", "fr": "Français", "nl": "Nederlands"}  # each in its own language
VALUE_RANGE_KEYS = ("rates.low", "rates.typical")  # the totals' value: from penny task to typical rate


class TitleScene(Scene):
    name = "title"

    def __init__(self, app) -> None:
        super().__init__(app)
        self.totals: dict | None = None
        self.start_button = Button("", self.start, style="accent")
        self.language_buttons = {
            lang: Button(LANGUAGE_NAMES[lang], lambda lang=lang: self.app.set_language(lang))
            for lang in LANGUAGES}
        self.buttons = [self.start_button, *self.language_buttons.values()]

    def enter(self) -> None:
        self.totals = self.app.read_totals()

    def start(self) -> None:
        self.app.new_game()

    def handle(self, event: pygame.event.Event) -> None:
        if is_confirm(event) and self.accepting_input:
            self.start()
            return
        self.handle_buttons(event)

    def layout(self, size: tuple[int, int]) -> None:
        width, height = size
        px = self.px
        margin = px(40)
        self.title_rect = pygame.Rect(margin, int(height * 0.05), width - 2 * margin, int(height * 0.21))
        self.tagline_rect = pygame.Rect(margin * 2, self.title_rect.bottom + px(30), width - 4 * margin,
                                        int(height * 0.12))
        button_w, button_h = min(width - 2 * margin, px(380)), px(112)
        self.start_button.rect = pygame.Rect(0, 0, button_w, button_h)
        self.start_button.rect.midtop = (width // 2, self.tagline_rect.bottom + px(26))
        # Language pills in one row (or stacked when the window is narrow).
        pill_w, pill_h, gap = px(230), px(64), px(18)
        row = len(self.language_buttons) * pill_w + (len(self.language_buttons) - 1) * gap
        top = self.start_button.rect.bottom + px(40)
        if row <= width - 2 * margin:
            left = (width - row) // 2
            for index, button in enumerate(self.language_buttons.values()):
                button.rect = pygame.Rect(left + index * (pill_w + gap), top, pill_w, pill_h)
            bottom = top + pill_h
        else:
            for index, button in enumerate(self.language_buttons.values()):
                button.rect = pygame.Rect((width - pill_w) // 2, top + index * (pill_h + gap), pill_w, pill_h)
            bottom = top + 3 * pill_h + 2 * gap
        panel_top = bottom + px(36)
        self.totals_rect = pygame.Rect(margin, panel_top, width - 2 * margin,
                                       max(px(60), min(px(170), height - panel_top - px(28))))
        # In a tall window everything moves down to the middle instead of leaving the bottom empty.
        spare = height - px(28) - self.totals_rect.bottom
        if spare > 0:
            for rect in (self.title_rect, self.tagline_rect, self.start_button.rect, self.totals_rect,
                         *(button.rect for button in self.language_buttons.values())):
                rect.move_ip(0, spare // 2)

    def totals_lines(self) -> list[tuple[str, str]]:
        """(label, value) rows of the installation totals panel: players' drawings, the hours they
        spent drawing, and what a micro-task platform would have paid for them (penny task to typical
        rate, `assets/labour_rates.toml`): one label per drawing, as on the pay slip."""
        tr = self.app.translations
        totals = self.totals or {"drawings": 0, "seconds": 0.0}
        drawings, seconds = int(totals.get("drawings", 0)), float(totals.get("seconds", 0.0))
        hours = seconds / 3600.0
        book = labour.ledger(seconds, drawings, self.app.rates)
        low, high = (labour.format_money(book.costing(key).cost.value, tr.lang, places=2)
                     for key in VALUE_RANGE_KEYS)
        return [(self.t("totals_drawings"), tr.number(drawings)),
                (self.t("totals_hours"), tr.number(hours, 2 if hours < 1 else 1)),
                (self.t("totals_value"), f"{low}\u2013{high}")]

    def draw_static(self, surface: pygame.Surface) -> None:
        surface.fill(theme.BACKGROUND)
        text, px = self.app.text, self.px
        covered = text.draw(surface, "pennydraw", self.title_rect, theme.ACCENT, max_size=px(150))
        self._draw_squiggle(surface, covered)
        text.draw(surface, self.t("tagline"), self.tagline_rect, theme.TEXT, max_size=px(38), bold=False)
        self._draw_totals(surface)

    def draw(self, surface: pygame.Surface) -> None:
        self.blit_static(surface)
        self.start_button.label = self.t("start")
        for lang, button in self.language_buttons.items():
            button.style = "selected" if lang == self.app.translations.lang else "plain"
        self.draw_buttons(surface)

    def _draw_squiggle(self, surface: pygame.Surface, under: pygame.Rect) -> None:
        """A hand-drawn-looking wave under the title, like a pen trying itself out."""
        y = under.bottom + self.px(12)
        points = [(under.left + i * under.width / 60,
                   y + math.sin(i / 60 * math.tau * 3) * self.px(7)) for i in range(61)]
        pygame.draw.lines(surface, theme.MISS, False, points, self.px(6))

    def _draw_totals(self, surface: pygame.Surface) -> None:
        rect, px, text = self.totals_rect, self.px, self.app.text
        card(surface, rect, theme.BACKGROUND_DEEP, px(24))
        inner = rect.inflate(-px(48), -px(24))
        heading = pygame.Rect(inner.left, inner.top, inner.width, min(px(40), inner.height // 3))
        text.draw(surface, self.t("totals_heading"), heading, theme.TEXT_SOFT, max_size=px(26))
        lines = self.totals_lines()
        body = pygame.Rect(inner.left, heading.bottom, inner.width, inner.bottom - heading.bottom)
        column_w = body.width // max(1, len(lines))
        for index, (label, value) in enumerate(lines):
            column = pygame.Rect(body.left + index * column_w, body.top, column_w, body.height)
            value_rect = pygame.Rect(column.left, column.top, column.width, int(column.height * 0.58))
            label_rect = pygame.Rect(column.left + px(10), value_rect.bottom, column.width - px(20),
                                     column.height - value_rect.height)
            text.draw(surface, value, value_rect, theme.ACCENT, max_size=px(52))
            text.draw(surface, label, label_rect, theme.TEXT, max_size=px(24), bold=False, valign="top")

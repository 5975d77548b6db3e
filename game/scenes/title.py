"""The title screen: the name, one line of what this is, Start, the language, the totals so far, and
the sourced facts in turn.

The totals panel ("installation totals") reads the players' `Store.totals()` once when the screen
appears; `facts.totals_rows` turns them into drawings collected, hours of unpaid work and what
micro-workers would have been paid for them (the labour ledger, `model/labour.py`), with that rate's
source in small print. Beside it (below it in a portrait window) one fact about micro-work at a time
(`facts.py`), each for a few seconds.
"""
from __future__ import annotations

import math

import pygame

from .. import facts, theme
from ..fact_card import draw_fact, draw_totals
from ..settings import LANGUAGES
from ..ui import Button, is_confirm
from .base import Scene

LANGUAGE_NAMES = {"en": "English", "fr": "Français", "nl": "Nederlands"}  # each in its own language


class TitleScene(Scene):
    name = "title"

    def __init__(self, app) -> None:
        super().__init__(app)
        self.totals: dict | None = None
        self.rotation = facts.Rotation()
        self.start_button = Button("", self.start, style="accent")
        self.language_buttons = {
            lang: Button(LANGUAGE_NAMES[lang], lambda lang=lang: self.app.set_language(lang))
            for lang in LANGUAGES}
        self.buttons = [self.start_button, *self.language_buttons.values()]

    def enter(self) -> None:
        self.totals = self.app.read_totals()
        self.rotation.reset()

    def start(self) -> None:
        self.app.new_game()

    def handle(self, event: pygame.event.Event) -> None:
        if is_confirm(event) and self.accepting_input:
            self.start()
            return
        self.handle_buttons(event)

    def layout(self, size: tuple[int, int]) -> None:
        """The name, the line, Start and the languages in one column; the totals and the fact of the
        moment beside it (landscape) or below it (portrait)."""
        width, height = size
        px = self.px
        margin = px(36)
        if width >= height * 1.15:
            column = pygame.Rect(margin, margin, width // 2 - margin - px(12), height - 2 * margin)
            side = pygame.Rect(column.right + px(24), margin, width - column.right - px(24) - margin,
                               height - 2 * margin)
        else:
            column = pygame.Rect(margin, margin, width - 2 * margin, int(height * 0.52))
            side = pygame.Rect(margin, column.bottom + px(24), width - 2 * margin,
                               height - column.bottom - px(24) - margin)
        self.totals_rect = pygame.Rect(side.left, side.top, side.width, int(side.height * 0.37))
        self.fact_rect = pygame.Rect(side.left, self.totals_rect.bottom + px(20), side.width,
                                     side.bottom - self.totals_rect.bottom - px(20))
        pill_h, gap = px(64), px(14)
        button_h = px(112)
        title_h, tagline_h = int(column.height * 0.24), int(column.height * 0.2)
        stack = title_h + px(26) + tagline_h + px(26) + button_h + px(36) + pill_h
        top = column.top + max(0, (column.height - stack) // 2)   # the stack centred in its column
        self.title_rect = pygame.Rect(column.left, top, column.width, title_h)
        self.tagline_rect = pygame.Rect(column.left, self.title_rect.bottom + px(26), column.width, tagline_h)
        self.start_button.rect = pygame.Rect(0, 0, min(column.width, px(380)), button_h)
        self.start_button.rect.midtop = (column.centerx, self.tagline_rect.bottom + px(26))
        pill_w = min(px(230), (column.width - 2 * gap) // 3)
        left = column.centerx - (3 * pill_w + 2 * gap) // 2
        for index, button in enumerate(self.language_buttons.values()):
            button.rect = pygame.Rect(left + index * (pill_w + gap), self.start_button.rect.bottom + px(36),
                                      pill_w, pill_h)

    def totals_lines(self) -> list[tuple[str, str, tuple]]:
        """(value, label, figures) rows of the installation totals panel (`facts.totals_rows`)."""
        return facts.totals_rows(self.app.rates, self.app.translations, self.totals)

    def draw_static(self, surface: pygame.Surface) -> None:
        surface.fill(theme.BACKGROUND)
        text, px = self.app.text, self.px
        covered = text.draw(surface, "pennydraw", self.title_rect, theme.ACCENT, max_size=px(150))
        self._draw_squiggle(surface, covered)
        text.draw(surface, self.t("tagline"), self.tagline_rect, theme.TEXT, max_size=px(38), bold=False)
        draw_totals(surface, self.totals_rect, self.totals_lines(), self.t("totals_heading"),
                    facts.totals_citations(self.app.rates), text, self.u)

    def draw(self, surface: pygame.Surface) -> None:
        self.blit_static(surface)
        fact = self.rotation.at(self.app.rates, self.app.translations, self.totals, self.age)
        if fact is not None:
            draw_fact(surface, self.fact_rect, fact, self.app.text, self.u)
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



"""The prompt card before each round: "Draw: a cat, in under 20 seconds". A tap or a key starts it.

The card also shows where the player is in the game (round 2 of 6, one dot per round, green for
guessed, red for missed, blue for taught) and says the prompt aloud. For a word the machine does not
know (a "teach the machine" round) the card says so first: "I don't know this word yet: you are
teaching me", and that Done ends the drawing.
"""
from __future__ import annotations

import pygame

from .. import theme
from ..provenance import shown
from ..ui import Button, card
from .base import Scene


class PromptScene(Scene):
    name = "prompt"

    def __init__(self, app, word: str) -> None:
        super().__init__(app)
        self.word = word
        self.teaching = app.game is not None and word in app.game.teaching
        self.go_button = Button("", self.begin, style="accent")
        self.buttons = [self.go_button]
        self._begun = False

    def enter(self) -> None:
        tr = self.app.translations
        key = "teach_prompt_sentence" if self.teaching else "prompt_sentence"
        self.app.voice.say(self.t(key, thing=tr.thing(self.word), seconds=self.seconds_text()), interrupt=True)

    def seconds_text(self) -> str:
        return self.app.translations.number(self.app.settings.seconds,
                                            0 if float(self.app.settings.seconds).is_integer() else 1)

    def begin(self) -> None:
        if not self._begun:
            self._begun = True
            self.app.begin_round(self.word)

    def handle(self, event: pygame.event.Event) -> None:
        if not self.accepting_input:
            return
        if event.type == pygame.KEYDOWN and event.key not in (pygame.K_ESCAPE,):
            self.begin()
            return
        ptr = self.pointer(event)
        if ptr is not None and ptr.kind == "down":
            self.begin()  # anywhere on the screen: the whole card is the button

    def layout(self, size: tuple[int, int]) -> None:
        width, height = size
        px = self.px
        self.card_rect = pygame.Rect(0, 0, min(width - 2 * px(40), px(880)),
                                     min(height - px(230), px(520)))
        self.card_rect.center = (width // 2, height // 2 - px(50))
        inner = self.card_rect.inflate(-px(70), -px(50))
        self.round_rect = pygame.Rect(inner.left, inner.top, inner.width, int(inner.height * 0.14))
        self.label_rect = pygame.Rect(inner.left, self.round_rect.bottom + int(inner.height * 0.04),
                                      inner.width, int(inner.height * 0.17))
        self.thing_rect = pygame.Rect(inner.left, self.label_rect.bottom, inner.width,
                                      int(inner.height * 0.40))
        self.time_rect = pygame.Rect(inner.left, self.thing_rect.bottom, inner.width,
                                     inner.bottom - self.thing_rect.bottom)
        self.go_button.rect = pygame.Rect(0, 0, min(width - 2 * px(40), px(420)), px(100))
        self.go_button.rect.midtop = (width // 2, self.card_rect.bottom + px(36))
        self.dots_y = self.go_button.rect.bottom + px(34)

    def draw(self, surface: pygame.Surface) -> None:
        self.blit_static(surface)
        self.go_button.label = self.t("ready")
        self.draw_buttons(surface)

    def draw_static(self, surface: pygame.Surface) -> None:
        surface.fill(theme.BACKGROUND)
        text, px, tr = self.app.text, self.px, self.app.translations
        game = self.app.game
        card(surface, self.card_rect, theme.PAPER, px(36), shadow=px(10), rim=theme.PAPER_EDGE)
        round_text = (self.t("round_of", n=game.index + 1, total=len(game.prompts)) if len(game.prompts) > 1
                      else self.t("round_only"))  # "Drawing 1 of 1" reads oddly in a one-round game
        if self.teaching:   # said first and plainly: the machine cannot guess this one
            text.draw(surface, self.t("teach_banner"), self.round_rect, theme.TEACH, max_size=px(34))
        else:
            text.draw(surface, round_text, self.round_rect, theme.INK_SOFT, max_size=px(30),
                      figures=(shown(game.index + 1, "session"), shown(len(game.prompts), "settings")))
        text.draw(surface, self.t("draw_label"), self.label_rect, theme.INK, max_size=px(52))
        text.draw(surface, tr.thing(self.word), self.thing_rect, theme.TEACH if self.teaching else theme.MISS,
                  max_size=px(120))
        text.draw(surface, self.t("teach_time" if self.teaching else "in_under", seconds=self.seconds_text()),
                  self.time_rect, theme.INK, max_size=px(44), bold=False,
                  figures=(shown(self.seconds_text(), "settings"),))
        self._draw_progress(surface)

    def _draw_progress(self, surface: pygame.Surface) -> None:
        """One dot per round: done rounds coloured by verdict, the current one ringed in yellow."""
        game, px = self.app.game, self.px
        radius, gap = px(11), px(34)
        count = len(game.prompts)
        left = surface.get_width() // 2 - (count - 1) * gap // 2
        for index in range(count):
            centre = (left + index * gap, self.dots_y)
            if index < len(game.results):
                result = game.results[index]
                colour = theme.TEACH if result.taught else theme.SUCCESS if result.recognized else theme.MISS
                pygame.draw.circle(surface, colour, centre, radius)
            elif index == game.index:
                pygame.draw.circle(surface, theme.ACCENT, centre, radius)
            else:
                pygame.draw.circle(surface, theme.TEXT_SOFT, centre, radius, max(2, px(3)))

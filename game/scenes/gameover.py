"""Game over: the player's drawings in a grid, each with its verdict and the machine's top three.

Selecting a drawing opens "how the machine knows" (`ExplainScene`); "Your pay slip" shows the labour
of the game (`PayslipScene`); Play again starts a new game in the same language (the consent screen
first), Home goes back to the title screen.
"""
from __future__ import annotations

import math

import pygame

from .. import theme
from ..provenance import shown
from ..sketch import Thumbnails
from ..ui import Button, card
from .base import Scene


def grid_shape(count: int, landscape: bool) -> tuple[int, int]:
    """(columns, rows) for `count` cards: 3x2 for six in a landscape window, 2x3 in a portrait one."""
    if count <= 0:
        return 1, 1
    rows = 2 if landscape else 3
    rows = min(rows, count) if count <= 6 else math.ceil(math.sqrt(count))
    columns = math.ceil(count / rows)
    return columns, rows


def score_key(score: int, total: int) -> str:
    """Which sentence tells the score: a one-round game and the all/none cases read naturally."""
    if total == 1:
        return "score_one_hit" if score else "score_one_miss"
    if score == total:
        return "score_all"
    return "score_none" if score == 0 else "score"


class GameOverScene(Scene):
    name = "gameover"

    def __init__(self, app) -> None:
        super().__init__(app)
        self.thumbnails = Thumbnails()
        self.payslip_button = Button("", self.app.show_payslip, style="accent")
        self.again_button = Button("", self.app.new_game)
        self.home_button = Button("", self.app.go_home)
        self.buttons = [self.payslip_button, self.again_button, self.home_button]
        self.cells: list[pygame.Rect] = []
        self.announced = False

    def enter(self) -> None:
        if self.announced:
            return  # back from "how the machine knows": no need to hear the score again
        self.announced = True
        self.app.voice.say(self.score_sentence(), interrupt=True)

    def score_sentence(self) -> str:
        """The score over the words the machine knows (a taught word cannot be guessed)."""
        game = self.app.game
        known = self.known_rounds()
        if known == 0:
            return self.t("score_only_taught")
        return self.t(score_key(game.score, known), score=game.score, total=known)

    def known_rounds(self) -> int:
        return sum(1 for result in self.app.game.results if not result.taught)

    def handle(self, event: pygame.event.Event) -> None:
        if self.handle_buttons(event):
            return
        ptr = self.pointer(event)
        if ptr is not None and ptr.kind == "down" and self.accepting_input:
            for index, cell in enumerate(self.cells):
                if cell.collidepoint(ptr.pos):
                    self.app.explain(index)
                    return
        if event.type == pygame.KEYDOWN and pygame.K_1 <= event.key <= pygame.K_9:
            index = event.key - pygame.K_1
            if index < len(self.app.game.results):
                self.app.explain(index)

    def layout(self, size: tuple[int, int]) -> None:
        width, height = size
        px = self.px
        margin = px(36)
        self.title_rect = pygame.Rect(margin, px(16), width - 2 * margin, px(70))
        self.subtitle_rect = pygame.Rect(margin, self.title_rect.bottom, width - 2 * margin, px(40))
        buttons_h = px(84)
        buttons_top = height - margin // 2 - buttons_h
        gap = px(20)
        button_w = min(px(340), (width - 2 * margin - 2 * gap) // 3)
        self.payslip_button.rect = pygame.Rect(0, buttons_top, button_w, buttons_h)
        self.payslip_button.rect.centerx = width // 2
        self.home_button.rect = self.payslip_button.rect.move(-(button_w + gap), 0)
        self.again_button.rect = self.payslip_button.rect.move(button_w + gap, 0)
        grid = pygame.Rect(margin, self.subtitle_rect.bottom + px(16), width - 2 * margin,
                           buttons_top - self.subtitle_rect.bottom - px(32))
        count = len(self.app.game.results)
        columns, rows = grid_shape(count, width >= height)
        gap = px(18)
        cell_w = (grid.width - (columns - 1) * gap) // columns
        cell_h = (grid.height - (rows - 1) * gap) // rows
        self.cells = [pygame.Rect(grid.left + (i % columns) * (cell_w + gap),
                                  grid.top + (i // columns) * (cell_h + gap), cell_w, cell_h)
                      for i in range(count)]

    def draw(self, surface: pygame.Surface) -> None:
        self.blit_static(surface)
        self.payslip_button.label = self.t("payslip_button")
        self.again_button.label = self.t("play_again")
        self.home_button.label = self.t("home")
        self.draw_buttons(surface)

    def draw_static(self, surface: pygame.Surface) -> None:
        surface.fill(theme.BACKGROUND)
        text, px, game = self.app.text, self.px, self.app.game
        text.draw(surface, self.score_sentence(), self.title_rect, theme.ACCENT, max_size=px(52),
                  figures=(shown(game.score, "session"), shown(self.known_rounds(), "session")))
        text.draw(surface, self.t("tap_to_explain"), self.subtitle_rect, theme.TEXT_SOFT,
                  max_size=px(28), bold=False)
        for index, (cell, result) in enumerate(zip(self.cells, game.results)):
            draw_result_card(self, surface, cell, result, key=("round", index))


def draw_result_card(scene: Scene, surface: pygame.Surface, rect: pygame.Rect, result, key,
                     thumbnails: Thumbnails | None = None) -> None:
    """A paper card: the drawing, its name, the verdict and the machine's top three."""
    px, text, tr = scene.px, scene.app.text, scene.app.translations
    thumbnails = thumbnails or scene.thumbnails
    card(surface, rect, theme.PAPER, px(22), shadow=px(6))
    inner = rect.inflate(-px(24), -px(20))
    if inner.width >= inner.height * 1.25:   # wide card: drawing on the left, words on the right
        side = min(inner.height, int(inner.width * 0.46))
        picture = pygame.Rect(inner.left, inner.centery - side // 2, side, side)
        words = pygame.Rect(picture.right + px(14), inner.top, inner.right - picture.right - px(14),
                            inner.height)
    else:                                    # tall card: drawing on top
        side = min(inner.width, int(inner.height * 0.5))
        picture = pygame.Rect(inner.centerx - side // 2, inner.top, side, side)
        words = pygame.Rect(inner.left, picture.bottom + px(6), inner.width, inner.bottom - picture.bottom - px(6))
    pygame.draw.rect(surface, theme.mix(theme.PAPER, theme.PAPER_EDGE, 0.35), picture, border_radius=px(12))
    if result.has_ink:
        surface.blit(thumbnails.get(key, result.drawing, picture.size, theme.INK), picture)
    else:
        text.draw(surface, scene.t("nothing_drawn"), picture.inflate(-px(16), -px(16)), theme.INK_SOFT,
                  max_size=px(24))
    line_h = words.height / 6
    name_rect = pygame.Rect(words.left, words.top, words.width, int(line_h * 1.5))
    text.draw(surface, tr.name(result.word), name_rect, theme.INK, max_size=px(36), align="left")
    seconds = tr.number((result.guessed_at_ms or 0) / 1000, 1)
    verdict = scene.t("guessed_in", seconds=seconds) if result.recognized else scene.t("not_guessed")
    colour = theme.SUCCESS if result.recognized else theme.MISS
    if result.taught:
        verdict, colour = scene.t("taught_card"), theme.TEACH
    verdict_rect = pygame.Rect(words.left, name_rect.bottom, words.width, int(line_h * 1.2))
    text.draw(surface, verdict, verdict_rect, colour,
              max_size=px(26), align="left", figures=(shown(seconds, "session"),) if result.recognized else ())
    top = result.top[:3]
    list_top = verdict_rect.bottom + int(line_h * 0.2)
    row_h = (words.bottom - list_top) // 3
    for index, (name, probability) in enumerate(top):
        row = pygame.Rect(words.left, list_top + index * row_h, words.width, row_h)
        colour = theme.SUCCESS if name == result.word else theme.INK_SOFT
        text.draw(surface, f"{tr.name(name)}\u00a0\u00a0{tr.percent(probability)}", row, colour,
                  max_size=px(22), bold=False, align="left", figures=(shown(tr.percent(probability), "machine"),))

""""How the machine knows": one of the player's drawings beside other people's drawings of the same thing.

The machine learned what a cat looks like from drawings like these: other players' cats from the
store (`Store.random_drawings`, never the player's own session). For a miss it also shows what the
machine saw instead ("It thought of a sun: people drew a sun like this"). An installation that has
no such drawings yet says so kindly.
"""
from __future__ import annotations

import logging

import pygame

from .. import theme
from ..sketch import Thumbnails
from ..ui import Button, card
from .base import Scene
from .gameover import draw_result_card

log = logging.getLogger(__name__)
OTHERS = 6      # drawings of the prompt to show
INSTEAD = 3     # drawings of the mistaken guess to show


def best_grid(count: int, area: tuple[int, int], gap: int) -> tuple[int, int]:
    """(columns, side) of the grid of `count` squares that makes the squares largest in `area`."""
    width, height = area
    best = (1, 0)
    if count <= 0:
        return best
    for columns in range(1, max(1, count) + 1):
        rows = -(-count // columns)
        side = min((width - (columns - 1) * gap) // columns, (height - (rows - 1) * gap) // rows)
        if side > best[1]:
            best = (columns, side)
    return best


class ExplainScene(Scene):
    name = "explain"

    def __init__(self, app, index: int) -> None:
        super().__init__(app)
        self.result = app.game.results[index]
        self.index = index
        self.thumbnails = Thumbnails()
        self.back_button = Button("", app.show_game_over, style="accent")
        self.buttons = [self.back_button]
        self.instead = next((name for name, _ in self.result.top if name != self.result.word), None)
        if self.result.recognized:
            self.instead = None
        self.others: list[dict] = []
        self.instead_drawings: list[dict] = []

    def enter(self) -> None:
        self.others = self._fetch(self.result.word, OTHERS)
        if self.instead is not None:
            self.instead_drawings = self._fetch(self.instead, INSTEAD)

    def _fetch(self, word: str, count: int) -> list[dict]:
        store = self.app.store
        if store is None:
            return []
        try:
            return store.random_drawings(word, count, exclude_session=self.app.game.session)
        except Exception:
            log.exception("could not read drawings of %r from the store", word)
            return []

    def handle(self, event: pygame.event.Event) -> None:
        if event.type == pygame.KEYDOWN and event.key in (pygame.K_BACKSPACE, pygame.K_RETURN,
                                                         pygame.K_SPACE, pygame.K_LEFT):
            self.app.show_game_over()
            return
        self.handle_buttons(event)

    def layout(self, size: tuple[int, int]) -> None:
        width, height = size
        px = self.px
        margin = px(36)
        self.title_rect = pygame.Rect(margin, px(16), width - 2 * margin, px(76))
        buttons_h = px(84)
        self.back_button.rect = pygame.Rect(0, 0, min(px(330), width - 2 * margin), buttons_h)
        self.back_button.rect.midbottom = (width // 2, height - margin // 2)
        body = pygame.Rect(margin, self.title_rect.bottom + px(12), width - 2 * margin,
                           self.back_button.rect.top - self.title_rect.bottom - px(36))
        if width >= height:
            mine_w = min(int(body.width * 0.34), body.height)
            self.mine_rect = pygame.Rect(body.left, body.top, mine_w, body.height)
            self.others_rect = pygame.Rect(self.mine_rect.right + px(28), body.top,
                                           body.right - self.mine_rect.right - px(28), body.height)
        else:
            self.mine_rect = pygame.Rect(body.left, body.top, body.width, int(body.height * 0.34))
            self.others_rect = pygame.Rect(body.left, self.mine_rect.bottom + px(20), body.width,
                                           body.bottom - self.mine_rect.bottom - px(20))

    def draw(self, surface: pygame.Surface) -> None:
        self.blit_static(surface)
        self.back_button.label = self.t("back")
        self.draw_buttons(surface)

    def draw_static(self, surface: pygame.Surface) -> None:
        surface.fill(theme.BACKGROUND)
        text, px, tr = self.app.text, self.px, self.app.translations
        text.draw(surface, self.t("explain_title", thing=tr.thing(self.result.word)), self.title_rect,
                  theme.ACCENT, max_size=px(48))
        draw_result_card(self, surface, self.mine_rect, self.result, key=("mine", self.index))
        area = self.others_rect
        if self.instead is not None:
            share = 0.56 if self.instead_drawings else 0.68  # an empty shelf needs only its message
            first = pygame.Rect(area.left, area.top, area.width, int(area.height * share))
            second = pygame.Rect(area.left, first.bottom + px(14), area.width, area.bottom - first.bottom - px(14))
        else:
            first, second = area, None
        self._draw_section(surface, first, self.t("others_drew", thing=tr.thing(self.result.word)),
                           self.others, self.t("none_yet", thing=tr.thing(self.result.word)), "others")
        if second is not None:
            self._draw_section(surface, second, self.t("it_thought", thing=tr.thing(self.instead)),
                               self.instead_drawings, self.t("none_instead", thing=tr.thing(self.instead)),
                               "instead")

    def _draw_section(self, surface: pygame.Surface, rect: pygame.Rect, heading: str,
                      drawings: list[dict], empty_text: str, key: str) -> None:
        """A heading and a row (or two) of small paper cards with drawings on them."""
        text, px = self.app.text, self.px
        heading_rect = pygame.Rect(rect.left, rect.top, rect.width, min(px(80), rect.height // 3))
        text.draw(surface, heading, heading_rect, theme.TEXT, max_size=px(32), align="left")
        shelf = pygame.Rect(rect.left, heading_rect.bottom + px(8), rect.width,
                            rect.bottom - heading_rect.bottom - px(8))
        if not drawings:
            card(surface, shelf, theme.BACKGROUND_DEEP, px(22))
            text.draw(surface, empty_text, shelf.inflate(-px(48), -px(24)), theme.TEXT_SOFT,
                      max_size=px(30), bold=False)
            return
        gap = px(14)
        columns, side = best_grid(len(drawings), shelf.size, gap)
        rows = -(-len(drawings) // columns)
        top = shelf.top + (shelf.height - rows * side - (rows - 1) * gap) // 2  # centred vertically
        for index, row in enumerate(drawings):
            cell = pygame.Rect(shelf.left + (index % columns) * (side + gap),
                               top + (index // columns) * (side + gap), side, side)
            card(surface, cell, theme.PAPER, px(16), shadow=px(4))
            picture = cell.inflate(-px(10), -px(10))
            surface.blit(self.thumbnails.get((key, row.get("id", index)), row["drawing"], picture.size,
                                             theme.OTHERS_INK), picture)

""""How the machine knows": one of the player's drawings beside the drawings the machine learns from.

Other players' cats from the store (`Store.random_drawings`, never the player's own session), once
there are some. Until then, what the machine really learned from: the doodle generator's cats
(`model.synth`, the training set of the bundled model, drawn with the checkpoint's own seed), in
their own colour and said to be drawn by a program. For a miss it also shows what the machine saw
instead ("It thought it was a sun, because of drawings like these"), the same way.
"""
from __future__ import annotations

import logging

import pygame

from model import synth

from .. import theme
from ..sketch import Thumbnails
from ..ui import Button, card
from .base import Scene
from .gameover import draw_result_card

log = logging.getLogger(__name__)
OTHERS = 6      # drawings of the prompt to show
INSTEAD = 3     # drawings of the mistaken guess to show
DEFAULT_SEED = 1234   # the bundled model's generator seed (train.py's default) when a checkpoint names none


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
        self.generated: set[str] = set()   # the sections ("others", "instead") a program drew

    def enter(self) -> None:
        self.others = self._fetch(self.result.word, OTHERS, "others")
        if self.instead is not None:
            self.instead_drawings = self._fetch(self.instead, INSTEAD, "instead")

    def _fetch(self, word: str, count: int, section: str) -> list[dict]:
        """Players' drawings of `word`; without any, the generator's (and `section` is marked generated)."""
        store, rows = self.app.store, []
        if store is not None:
            # The session's id is known only once its first round is committed: until the writer
            # thread has said so, only their keys keep the player's own drawings out of "others".
            own = [result.key for result in self.app.game.results]
            try:
                rows = store.random_drawings(word, count, exclude_session=self.app.game.session,
                                             exclude_keys=own)
            except Exception:
                log.exception("could not read drawings of %r from the store", word)
        if rows or word not in synth.RECIPES:
            return rows
        self.generated.add(section)
        return generated_drawings(word, count, self.app.classifier, self.app.rng)

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
        title = "explain_title_taught" if self.result.taught else "explain_title"   # it does not know it yet
        text.draw(surface, self.t(title, thing=tr.thing(self.result.word)), self.title_rect,
                  theme.ACCENT, max_size=px(48))
        draw_result_card(self, surface, self.mine_rect, self.result, key=("mine", self.index))
        area = self.others_rect
        if self.instead is not None:
            share = 0.56 if self.instead_drawings else 0.68  # an empty shelf needs only its message
            first = pygame.Rect(area.left, area.top, area.width, int(area.height * share))
            second = pygame.Rect(area.left, first.bottom + px(14), area.width, area.bottom - first.bottom - px(14))
        else:
            first, second = area, None
        word = tr.thing(self.result.word)
        heading = self.t("generated_drew" if "others" in self.generated else "others_drew", thing=word)
        self._draw_section(surface, first, heading, self.others, self.t("none_yet", thing=word), "others")
        if second is not None:
            word = tr.thing(self.instead)
            heading = self.t("generated_instead" if "instead" in self.generated else "it_thought", thing=word)
            self._draw_section(surface, second, heading, self.instead_drawings,
                               self.t("none_instead", thing=word), "instead")

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
            ink = theme.GENERATED_INK if key in self.generated else theme.OTHERS_INK
            surface.blit(self.thumbnails.get((key, row.get("id", index)), row["drawing"], picture.size, ink), picture)


def generated_drawings(word: str, count: int, classifier, rng) -> list[dict]:
    """`count` of the generator's doodles of `word`, as the store gives drawings: from the training
    stream of the checkpoint's seed (drawing i of a category is the same whatever else is drawn)."""
    data = getattr(classifier, "data", None) or {}
    seed = data.get("seed") if isinstance(data.get("seed"), int) else DEFAULT_SEED
    start = rng.randrange(1000)
    return [{"id": f"generated-{start + index}", "word": word,
             "drawing": synth.generate(word, synth.drawing_rng(seed, word, start + index))}
            for index in range(count)]

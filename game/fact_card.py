"""Drawing one sourced fact (`facts.Fact`): a big figure, one sentence, the source in small print;
and the installation's totals card (`draw_totals`) the same screens show beside it.

The title screen and the attract loop give a card a rectangle and the fact of the moment; the card
says the figure first (readable from a few metres), what it means below it, and the source at the
bottom in small print. The penny-task fact comes with a picture: ten coins, nine of them copper (paid
10 cents or less) and one silver. Every number is drawn with the figures the fact declares, so the
screen audit can trace it (`provenance.py`).
"""
from __future__ import annotations

import pygame

from . import theme
from .facts import Fact
from .provenance import shown
from .ui import TextFitter, card

COINS = 10                 # one coin per tenth of the micro-tasks


def draw_fact(surface: pygame.Surface, rect: pygame.Rect, fact: Fact, text: TextFitter, u: float) -> None:
    """`fact` on a sunken card filling `rect`; `u` is the scene's scale (design pixels at 1280x800)."""
    px = lambda value: max(1, round(value * u))  # noqa: E731 (a local unit converter)
    card(surface, rect, theme.BACKGROUND_DEEP, px(24))
    inner = rect.inflate(-px(36), -px(26))
    small = pygame.Rect(inner.left, inner.bottom - int(inner.height * 0.3), inner.width, int(inner.height * 0.3))
    body = pygame.Rect(inner.left, inner.top, inner.width, small.top - px(8) - inner.top)
    if fact.coins is not None:
        picture = pygame.Rect(body.left, body.top, int(body.width * 0.36), body.height)
        draw_coins(surface, picture.inflate(-px(8), -px(8)), copper=fact.coins)
        body = pygame.Rect(picture.right + px(14), body.top, body.right - picture.right - px(14), body.height)
    figure = pygame.Rect(body.left, body.top, body.width, int(body.height * 0.42))
    sentence = pygame.Rect(body.left, figure.bottom, body.width, body.bottom - figure.bottom)
    text.draw(surface, fact.figure, figure, theme.ACCENT, max_size=px(60), align="left",
              figures=_in(fact.figure, fact))
    text.draw(surface, fact.sentence, sentence, theme.TEXT, max_size=px(28), bold=False, align="left",
              valign="top", figures=_in(fact.sentence, fact))
    lines = ([fact.note] if fact.note else []) + list(fact.citations)
    text.draw(surface, "\n".join(lines), small, theme.TEXT_SOFT, max_size=px(18), min_size=max(10, px(12)),
              bold=False, align="left", valign="bottom",
              figures=_in(fact.note, fact) + tuple(shown(c, "citation") for c in fact.citations))


def _in(string: str, fact: Fact):
    """The fact's declared figures that appear in `string`."""
    return tuple(figure for figure in fact.figures if figure.text and figure.text in string)


def draw_coins(surface: pygame.Surface, rect: pygame.Rect, copper: int) -> None:
    """Ten coins in two rows of five: `copper` pennies, the rest silver."""
    columns, rows = 5, 2
    radius = max(3, min(rect.width // (2 * columns + 1), rect.height // (2 * rows + 1)))
    gap_x = (rect.width - columns * 2 * radius) // (columns + 1)
    top = rect.centery - rows * radius - radius // 2
    for index in range(COINS):
        row, column = divmod(index, columns)
        centre = (rect.left + gap_x + radius + column * (2 * radius + gap_x), top + radius + row * (2 * radius + radius))
        face, rim = (theme.COPPER, theme.COPPER_DARK) if index < copper else (theme.SILVER, theme.SILVER_DARK)
        pygame.draw.circle(surface, rim, centre, radius)
        pygame.draw.circle(surface, face, centre, max(2, radius - max(2, radius // 6)))
        pygame.draw.circle(surface, rim, centre, max(1, radius // 2), max(1, radius // 10))


def draw_totals(surface: pygame.Surface, rect: pygame.Rect, lines, heading: str, citation: str,
                text: TextFitter, u: float) -> None:
    """The installation totals (`facts.totals_rows`) on a sunken card: a heading, a column per figure
    (value over label) and the source of the pay in small print."""
    px = lambda value: max(1, round(value * u))  # noqa: E731 (a local unit converter)
    card(surface, rect, theme.BACKGROUND_DEEP, px(24))
    inner = rect.inflate(-px(32), -px(20))
    top = pygame.Rect(inner.left, inner.top, inner.width, min(px(34), inner.height // 4))
    small = pygame.Rect(inner.left, inner.bottom - min(px(22), inner.height // 6), inner.width,
                        min(px(22), inner.height // 6))
    text.draw(surface, heading, top, theme.TEXT_SOFT, max_size=px(24))
    text.draw(surface, citation, small, theme.TEXT_SOFT, max_size=px(16), bold=False,
              figures=(shown(citation, "citation"),))
    body = pygame.Rect(inner.left, top.bottom, inner.width, small.top - px(4) - top.bottom)
    column_w = body.width // max(1, len(lines))
    for index, (value, label, figures) in enumerate(lines):
        column = pygame.Rect(body.left + index * column_w, body.top, column_w, body.height)
        value_rect = pygame.Rect(column.left + px(4), column.top, column.width - px(8), int(column.height * 0.5))
        label_rect = pygame.Rect(column.left + px(8), value_rect.bottom, column.width - px(16),
                                 column.height - value_rect.height)
        text.draw(surface, value, value_rect, theme.ACCENT, max_size=px(44), figures=figures)
        text.draw(surface, label, label_rect, theme.TEXT, max_size=px(22), bold=False, valign="top")

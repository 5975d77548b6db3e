"""A small line plot drawn with pygame primitives (the game does not use matplotlib).

`draw_line_plot` shows values between 0 and 1 (accuracies) as a line of dots over evenly spaced points
(model versions), with percentage grid lines, a label under the points and the value above them. One
point can be highlighted (the model the game uses). With many points only the first, the last and the
highlighted one are labelled, so the labels never collide.
"""
from __future__ import annotations

from dataclasses import dataclass

import pygame

from . import theme
from .provenance import shown
from .ui import TextFitter

GRID = (0.0, 0.25, 0.5, 0.75, 1.0)
LABEL_ALL_UP_TO = 6   # with more points, label only the first, the last and the highlighted one


@dataclass(frozen=True)
class PlotPoint:
    label: str            # under the point (a date)
    value: float          # 0..1
    value_text: str       # above the point ("65%")
    highlight: bool = False


def point_positions(count: int, area: pygame.Rect) -> list[int]:
    """x of each point: evenly spread, inset by half a step so the end labels have room."""
    if count <= 0:
        return []
    step = area.width / count
    return [round(area.left + step * (index + 0.5)) for index in range(count)]


def draw_line_plot(surface: pygame.Surface, rect: pygame.Rect, points: list[PlotPoint], text: TextFitter,
                   scale: float, percent) -> None:
    """Draw the plot in `rect`; `scale` converts design pixels, `percent(v)` formats grid labels."""
    px = lambda value: max(1, round(value * scale))  # noqa: E731 (a local unit converter)
    axis_w, label_h, value_h = px(70), px(36), px(34)
    top = value_h + px(20)  # room for the value above a dot at 100%
    area = pygame.Rect(rect.left + axis_w, rect.top + top, rect.width - axis_w - px(8),
                       rect.height - top - label_h - px(6))
    if area.width < 10 or area.height < 10:
        return
    y_of = lambda value: round(area.bottom - max(0.0, min(1.0, value)) * area.height)  # noqa: E731
    for level in GRID:
        y = y_of(level)
        colour = theme.TEXT_SOFT if level == 0 else theme.mix(theme.BACKGROUND_DEEP, theme.TEXT_SOFT, 0.3)
        pygame.draw.line(surface, colour, (area.left, y), (area.right, y), max(1, px(2 if level == 0 else 1)))
        if level in (0.0, 0.5, 1.0):
            box = pygame.Rect(rect.left, y - px(14), axis_w - px(10), px(28))
            text.draw(surface, percent(level), box, theme.TEXT_SOFT, max_size=px(20), bold=False, align="right",
                      figures=(shown(percent(level), "interface"),))
    xs = point_positions(len(points), area)
    coords = [(x, y_of(point.value)) for x, point in zip(xs, points)]
    if len(coords) > 1:
        pygame.draw.lines(surface, theme.ACCENT, False, coords, max(2, px(5)))
    labelled = {0, len(points) - 1} | {i for i, p in enumerate(points) if p.highlight}
    if len(points) <= LABEL_ALL_UP_TO:
        labelled = set(range(len(points)))
    slot = max(px(40), area.width // max(1, len(points)))
    for index, ((x, y), point) in enumerate(zip(coords, points)):
        radius = px(13) if point.highlight else px(8)
        if point.highlight:
            pygame.draw.circle(surface, theme.TEXT, (x, y), radius + px(5))
        pygame.draw.circle(surface, theme.ACCENT, (x, y), radius)
        if index not in labelled:
            continue
        colour = theme.TEXT if point.highlight else theme.TEXT_SOFT
        above = pygame.Rect(x - slot // 2, y - radius - px(6) - value_h, slot, value_h)
        text.draw(surface, point.value_text, above, colour, max_size=px(26), valign="bottom",
                  figures=(shown(point.value_text, "machine"),))
        below = pygame.Rect(x - slot // 2, area.bottom + px(8), slot, label_h)
        text.draw(surface, point.label, below, colour, max_size=px(20), bold=point.highlight,
                  figures=(shown(point.label, "machine"),))

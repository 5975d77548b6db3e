"""Drawing the pay slip: a paper sheet laid out like a payslip, on screen or into a PNG file.

`draw_sheet(surface, rect, sheet, text)` draws a `payslip_sheet.Sheet` into any rectangle; the layout is
proportional, so the same code fills the pay slip scene and the larger image `save_png` writes. Figures
taken from the rates file carry a small footnote number; the sources are listed in small print at the
bottom, with what "measured" means for the figures that carry none.
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pygame

from . import theme
from .payslip_sheet import Cell, Sheet
from .ui import TextFitter, card

PNG_SIZE = (1600, 1280)       # the saved image: the on-screen proportions, at print-friendly size
DESIGN = (900, 720)           # the sheet's design size; everything scales from it
RULE = theme.mix(theme.PAPER_EDGE, theme.INK, 0.25)


def _split(rect: pygame.Rect, fractions) -> list[pygame.Rect]:
    """Horizontal bands of `rect`, heights in proportion to `fractions`."""
    total, top, bands = sum(fractions), rect.top, []
    for fraction in fractions:
        height = round(rect.height * fraction / total)
        bands.append(pygame.Rect(rect.left, top, rect.width, height))
        top += height
    return bands


class _Pen:
    """The sheet's scale and text helpers, so each band below reads as layout only."""

    def __init__(self, surface: pygame.Surface, rect: pygame.Rect, text: TextFitter) -> None:
        self.surface, self.text = surface, text
        self.s = min(rect.width / DESIGN[0], rect.height / DESIGN[1])

    def px(self, value: float) -> int:
        return max(1, round(value * self.s))

    def words(self, content: str, rect: pygame.Rect, size: float, colour=theme.INK, bold=False,
              align="left", valign="center") -> pygame.Rect:
        return self.text.draw(self.surface, content, rect, colour, max_size=self.px(size), bold=bold,
                              align=align, valign=valign)

    def value(self, cell: Cell, rect: pygame.Rect, size: float, colour=theme.INK) -> None:
        """A figure right-aligned in `rect`, with its footnote number in the margin to its right."""
        gap = self.px(26)
        covered = self.words(cell.text, pygame.Rect(rect.left, rect.top, rect.width - gap, rect.height), size,
                             colour, bold=True, align="right")
        if cell.note is not None:  # a superscript at the top of the figure
            mark = pygame.Rect(rect.right - gap + self.px(4), covered.top, gap - self.px(4), covered.height)
            self.words(str(cell.note), mark, 15, theme.INK_SOFT, bold=True, valign="top")

    def rule(self, y: int, left: int, right: int, width: float = 1.5, colour=RULE) -> None:
        pygame.draw.line(self.surface, colour, (left, y), (right, y), max(1, self.px(width)))


def draw_sheet(surface: pygame.Surface, rect: pygame.Rect, sheet: Sheet, text: TextFitter) -> None:
    pen = _Pen(surface, rect, text)
    px = pen.px
    card(surface, rect, theme.PAPER, px(18), shadow=px(8), rim=theme.PAPER_EDGE)
    inner = rect.inflate(-px(56), -px(44))
    (head, parties, work, table, paid, comparison, where, notes) = _split(
        inner, (0.1, 0.08, 0.11, 0.2, 0.115, 0.045, 0.165, 0.185))
    _draw_head(pen, head, sheet)
    _draw_pairs(pen, parties, sheet.parties, columns=2)
    pen.rule(work.top + px(4), inner.left, inner.right)
    rows = _split(work.inflate(0, -px(10)), (1, 1))
    for (label, cell), row in zip(sheet.work, rows):
        pen.words(label, pygame.Rect(row.left, row.top, int(row.width * 0.6), row.height), 25)
        pen.value(cell, pygame.Rect(row.left + int(row.width * 0.6), row.top, int(row.width * 0.4), row.height), 27)
    _draw_table(pen, table, sheet)
    _draw_paid(pen, paid, sheet)
    label, cell = sheet.comparison
    line = comparison.inflate(0, -px(4))
    pen.words(label, pygame.Rect(line.left, line.top, int(line.width * 0.72), line.height), 19, theme.INK_SOFT)
    pen.value(cell, pygame.Rect(line.left + int(line.width * 0.72), line.top, int(line.width * 0.28),
                                line.height), 19, theme.INK_SOFT)
    _draw_where(pen, where, sheet)
    _draw_notes(pen, notes, sheet)


def _draw_head(pen: _Pen, band: pygame.Rect, sheet: Sheet) -> None:
    px = pen.px
    title = pygame.Rect(band.left, band.top, int(band.width * 0.5), band.height - px(8))
    pen.words(sheet.title.upper(), title, 44, theme.INK, bold=True)
    right = pygame.Rect(title.right, band.top, band.width - title.width, band.height - px(8))
    badge_h = int(right.height * 0.52)
    badge_w = min(right.width, px(300))
    badge = pygame.Rect(right.right - badge_w, right.top, badge_w, badge_h)
    colour = theme.SUCCESS if sheet.donated else theme.INK_SOFT
    pygame.draw.rect(pen.surface, colour, badge, border_radius=badge_h // 2)
    pen.words(sheet.badge, badge.inflate(-px(24), -px(6)), 20, theme.PAPER, bold=True, align="center")
    date = pygame.Rect(right.left, badge.bottom, right.width, right.bottom - badge.bottom)
    pen.words(f"pennydraw \u00b7 {sheet.date}", date, 17, theme.INK_SOFT, align="right")
    pen.rule(band.bottom - px(3), band.left, band.right, width=3, colour=theme.INK)


def _draw_pairs(pen: _Pen, band: pygame.Rect, pairs, columns: int) -> None:
    width = band.width // columns
    for index, (label, cell) in enumerate(pairs):
        column = pygame.Rect(band.left + index * width, band.top, width - pen.px(16), band.height)
        top, bottom = _split(column.inflate(0, -pen.px(8)), (0.42, 0.58))
        pen.words(label, top, 17, theme.INK_SOFT, valign="bottom")
        pen.words(cell.text, bottom, 25, theme.INK, bold=True, valign="top")


def _draw_table(pen: _Pen, band: pygame.Rect, sheet: Sheet) -> None:
    px = pen.px
    label_w = int(band.width * 0.4)
    column_w = (band.width - label_w) // len(sheet.columns)
    rows = _split(band, (1.1,) + (1,) * len(sheet.table))
    shade = pygame.Rect(band.left - px(10), rows[0].top + px(4), band.width + px(20), rows[0].height - px(6))
    pygame.draw.rect(pen.surface, theme.mix(theme.PAPER, theme.PAPER_EDGE, 0.45), shade, border_radius=px(8))
    for index, heading in enumerate(sheet.columns):
        cell = pygame.Rect(band.left + label_w + index * column_w, rows[0].top, column_w - px(26),
                           rows[0].height)
        pen.words(heading, cell.inflate(-px(4), -px(8)), 19, theme.INK, bold=True, align="right")
    for (label, cells), row in zip(sheet.table, rows[1:]):
        pen.words(label, pygame.Rect(row.left, row.top, label_w - px(10), row.height), 22)
        for index, cell in enumerate(cells):
            pen.value(cell, pygame.Rect(band.left + label_w + index * column_w, row.top, column_w,
                                        row.height), 24)
        pen.rule(row.bottom - 1, row.left, row.right, width=1)


def _draw_paid(pen: _Pen, band: pygame.Rect, sheet: Sheet) -> None:
    px = pen.px
    box = band.inflate(px(20), -px(12))
    pygame.draw.rect(pen.surface, theme.INK, box, border_radius=px(10))
    inner = box.inflate(-px(28), -px(8))
    upper, lower = _split(inner, (0.62, 0.38))
    label, cell = sheet.paid
    pen.words(label.upper(), pygame.Rect(upper.left, upper.top, int(upper.width * 0.6), upper.height), 30,
              theme.PAPER, bold=True)
    pen.words(cell.text, pygame.Rect(upper.left + int(upper.width * 0.6), upper.top, int(upper.width * 0.4),
                                     upper.height), 44, theme.ACCENT, bold=True, align="right")
    label, cell = sheet.wage
    pen.words(f"{label} {cell.text}", lower, 18,
              theme.mix(theme.PAPER, theme.INK, 0.25), valign="top")


def _draw_where(pen: _Pen, band: pygame.Rect, sheet: Sheet) -> None:
    px = pen.px
    upper, lower = _split(band.inflate(0, -px(6)), (0.42, 0.58))
    pen.words(sheet.where, upper, 18, theme.INK)
    if sheet.code:
        code_w = int(lower.width * 0.25)
        code = pygame.Rect(lower.left, lower.top + px(2), code_w, lower.height - px(4))
        pygame.draw.rect(pen.surface, theme.mix(theme.PAPER, theme.ACCENT, 0.35), code, border_radius=px(8))
        pen.words(sheet.code, code.inflate(-px(14), -px(4)), 30, theme.INK, bold=True, align="center")
        pen.words(sheet.erase_how, pygame.Rect(code.right + px(14), lower.top, lower.width - code_w - px(14),
                                               lower.height), 18, theme.INK)
    else:
        pen.words(sheet.erase_how, lower, 17, theme.INK_SOFT)


def _draw_notes(pen: _Pen, band: pygame.Rect, sheet: Sheet) -> None:
    pen.rule(band.top + pen.px(4), band.left, band.right, width=1)
    lines = [f"{number}\u00a0{citation}" for number, citation in sheet.notes] + [sheet.measured_note]
    pen.words("\n".join(lines), band.inflate(0, -pen.px(12)), 15, theme.INK_SOFT, valign="top")


def render_png(sheet: Sheet, text: TextFitter) -> pygame.Surface:
    """The image `save_png` writes: the sheet on the stage colour, at PNG_SIZE."""
    image = pygame.Surface(PNG_SIZE)
    image.fill(theme.BACKGROUND)
    margin = PNG_SIZE[0] // 40
    draw_sheet(image, pygame.Rect(margin, margin, PNG_SIZE[0] - 2 * margin, PNG_SIZE[1] - 2 * margin - 12),
               sheet, text)
    return image


def save_png(sheet: Sheet, text: TextFitter, folder: Path, when: datetime | None = None) -> Path:
    """Write the sheet as a PNG in `folder` (created) and return its path; OSError/pygame.error on failure."""
    image = render_png(sheet, text)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = (when or datetime.now()).strftime("%Y%m%d-%H%M%S")
    path = folder / f"payslip-{stamp}.png"
    for number in range(2, 100):  # two slips in the same second: do not overwrite the first
        if not path.exists():
            break
        path = folder / f"payslip-{stamp}-{number}.png"
    pygame.image.save(image, str(path))
    return path

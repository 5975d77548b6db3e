"""Drawing the pay slip: a paper sheet laid out like a payslip, on screen or into a PNG file.

`draw_sheet(surface, rect, sheet, text)` draws a `payslip_sheet.Sheet` into any rectangle. A wide one
(a landscape window, the saved PNG) has two columns: the work, the rates, the gross and "paid: 0.00"
on the left; what micro-workers really earn, Casilli's words on being watched, his remedy and where
the drawings go on the right. A tall one (a portrait kiosk) stacks the same blocks. Sizes scale from
the layout's design size. Figures and sentences taken from the rates file carry a small footnote
number in the margin; the sources are listed in small print at the bottom, with what "measured"
means for the figures that carry none. Every string declares its figures for the screen audit.
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pygame

from . import theme
from .payslip_sheet import Cell, Line, Sheet, sources_of
from .provenance import shown
from .ui import TextFitter, card

PNG_SIZE = (1800, 1040)       # the saved image: a wide sheet at print-friendly size
WIDE = (1200, 660)            # design size of the two-column sheet
TALL = (760, 1100)            # design size of the one-column sheet
RULE = theme.mix(theme.PAPER_EDGE, theme.INK, 0.25)
TINT = theme.mix(theme.PAPER, theme.PAPER_EDGE, 0.45)


def _split(rect: pygame.Rect, fractions, gap: int = 0) -> list[pygame.Rect]:
    """Horizontal bands of `rect`, heights in proportion to `fractions`, `gap` pixels apart."""
    total, top, bands = sum(fractions), rect.top, []
    room = rect.height - gap * (len(fractions) - 1)
    for fraction in fractions:
        height = round(room * fraction / total)
        bands.append(pygame.Rect(rect.left, top, rect.width, height))
        top += height + gap
    return bands


class _Pen:
    """The sheet's scale and text helpers, so each block below reads as layout only."""

    def __init__(self, surface: pygame.Surface, rect: pygame.Rect, text: TextFitter, design) -> None:
        self.surface, self.text = surface, text
        self.s = min(rect.width / design[0], rect.height / design[1])

    def px(self, value: float) -> int:
        return max(1, round(value * self.s))

    def words(self, content: str, rect: pygame.Rect, size: float, colour=theme.INK, bold=False,
              align="left", valign="center", figures=()) -> pygame.Rect:
        return self.text.draw(self.surface, content, rect, colour, max_size=self.px(size), bold=bold,
                              align=align, valign=valign, figures=figures)

    def mark(self, note: int | None, top: int, left: int, height: int) -> None:
        """A footnote number as a superscript at `left`, level with the top of a figure or sentence."""
        if note is not None:
            self.words(str(note), pygame.Rect(left, top, self.px(22), height), 15, theme.INK_SOFT, bold=True,
                       valign="top", figures=(shown(note, "citation"),))

    def value(self, cell: Cell, rect: pygame.Rect, size: float, colour=theme.INK) -> None:
        """A figure right-aligned in `rect`, with its footnote number in the margin to its right."""
        gap = self.px(24)
        covered = self.words(cell.text, pygame.Rect(rect.left, rect.top, rect.width - gap, rect.height), size,
                             colour, bold=True, align="right", figures=sources_of([cell]))
        self.mark(cell.note, covered.top, rect.right - gap + self.px(4), covered.height)

    def line(self, line: Line, rect: pygame.Rect, size: float, colour=theme.INK, bold=False) -> None:
        """A sentence with its footnote number in the right margin."""
        gap = self.px(24)
        covered = self.words(line.text, pygame.Rect(rect.left, rect.top, rect.width - gap, rect.height), size,
                             colour, bold=bold, figures=line.figures)
        self.mark(line.note, covered.top, rect.right - gap + self.px(4), self.px(20))

    def rule(self, y: int, left: int, right: int, width: float = 1.5, colour=RULE) -> None:
        pygame.draw.line(self.surface, colour, (left, y), (right, y), max(1, self.px(width)))


def draw_sheet(surface: pygame.Surface, rect: pygame.Rect, sheet: Sheet, text: TextFitter) -> None:
    wide = rect.width >= rect.height * 1.2
    pen = _Pen(surface, rect, text, WIDE if wide else TALL)
    px = pen.px
    card(surface, rect, theme.PAPER, px(18), shadow=px(8), rim=theme.PAPER_EDGE)
    inner = rect.inflate(-px(48), -px(36))
    if wide:
        head, body, notes = _split(inner, (0.1, 0.71, 0.19), gap=px(8))
        gutter = px(36)
        left = pygame.Rect(body.left, body.top, int(body.width * 0.53), body.height)
        right = pygame.Rect(left.right + gutter, body.top, body.right - left.right - gutter, body.height)
        parties, work, table, paid = _split(left, (0.13, 0.3, 0.36, 0.21), gap=px(6))
        earnings, quote, remedy, where = _split(right, (0.29, 0.19, 0.12, 0.4), gap=px(8))
        pygame.draw.line(surface, RULE, (left.right + gutter // 2, body.top), (left.right + gutter // 2, body.bottom),
                         max(1, px(1)))
    else:
        (head, parties, work, table, paid, earnings, quote, remedy, where, notes) = _split(
            inner, (0.065, 0.06, 0.15, 0.13, 0.085, 0.12, 0.08, 0.05, 0.12, 0.14), gap=px(6))
    _draw_head(pen, head, sheet)
    _draw_pairs(pen, parties, sheet.parties)
    _draw_work(pen, work, sheet)
    _draw_table(pen, table, sheet)
    _draw_paid(pen, paid, sheet)
    _draw_earnings(pen, earnings, sheet)
    _draw_quote(pen, quote, sheet)
    pen.line(sheet.remedy, remedy, 19, theme.INK, bold=True)
    _draw_where(pen, where, sheet)
    _draw_notes(pen, notes, sheet)


def _draw_head(pen: _Pen, band: pygame.Rect, sheet: Sheet) -> None:
    px = pen.px
    title = pygame.Rect(band.left, band.top, int(band.width * 0.5), band.height - px(6))
    pen.words(sheet.title.upper(), title, 44, theme.INK, bold=True)
    right = pygame.Rect(title.right, band.top, band.width - title.width, band.height - px(6))
    badge_h = int(right.height * 0.55)
    badge_w = min(right.width, px(300))
    badge = pygame.Rect(right.right - badge_w, right.top, badge_w, badge_h)
    colour = theme.SUCCESS if sheet.donated else theme.INK_SOFT
    pygame.draw.rect(pen.surface, colour, badge, border_radius=badge_h // 2)
    pen.words(sheet.badge, badge.inflate(-px(24), -px(6)), 20, theme.PAPER, bold=True, align="center")
    date = pygame.Rect(right.left, badge.bottom, right.width, right.bottom - badge.bottom)
    pen.words(f"pennydraw \u00b7 {sheet.date}", date, 17, theme.INK_SOFT, align="right",
              figures=(shown(sheet.date, "clock"),))
    pen.rule(band.bottom + px(2), band.left, band.right, width=3, colour=theme.INK)


def _draw_pairs(pen: _Pen, band: pygame.Rect, pairs) -> None:
    width = band.width // len(pairs)
    for index, (label, cell) in enumerate(pairs):
        column = pygame.Rect(band.left + index * width, band.top, width - pen.px(16), band.height)
        top, bottom = _split(column.inflate(0, -pen.px(6)), (0.42, 0.58))
        pen.words(label, top, 17, theme.INK_SOFT, valign="bottom")
        pen.words(cell.text, bottom, 24, theme.INK, bold=True, valign="top")


def _draw_work(pen: _Pen, band: pygame.Rect, sheet: Sheet) -> None:
    pen.rule(band.top, band.left, band.right)
    for (label, cell), row in zip(sheet.work, _split(band.inflate(0, -pen.px(8)), (1,) * len(sheet.work))):
        label_w = int(row.width * 0.74)
        pen.words(label, pygame.Rect(row.left, row.top, label_w, row.height), 21)
        pen.value(cell, pygame.Rect(row.left + label_w, row.top, row.width - label_w, row.height), 23)


def _draw_table(pen: _Pen, band: pygame.Rect, sheet: Sheet) -> None:
    px = pen.px
    label_w = int(band.width * 0.24)
    column_w = (band.width - label_w) // len(sheet.columns)
    rows = _split(band, (2.4,) + (1,) * len(sheet.table))
    shade = pygame.Rect(band.left - px(8), rows[0].top + px(2), band.width + px(16), rows[0].height - px(4))
    pygame.draw.rect(pen.surface, TINT, shade, border_radius=px(8))
    for index, heading in enumerate(sheet.columns):
        cell = pygame.Rect(band.left + label_w + index * column_w, rows[0].top, column_w - px(20), rows[0].height)
        pen.words(heading.text, cell.inflate(-px(2), -px(8)), 17, theme.INK, bold=True, align="right",
                  figures=heading.figures)
    for (label, cells), row in zip(sheet.table, rows[1:]):
        pen.words(label, pygame.Rect(row.left, row.top, label_w - px(6), row.height), 19)
        for index, cell in enumerate(cells):
            pen.value(cell, pygame.Rect(band.left + label_w + index * column_w, row.top, column_w, row.height), 22)
        pen.rule(row.bottom - 1, row.left, row.right, width=1)


def _draw_paid(pen: _Pen, band: pygame.Rect, sheet: Sheet) -> None:
    px = pen.px
    box = band.inflate(px(16), -px(8))
    pygame.draw.rect(pen.surface, theme.INK, box, border_radius=px(10))
    inner = box.inflate(-px(28), -px(10))
    upper, lower = _split(inner, (0.62, 0.38))
    label, cell = sheet.paid
    pen.words(label.upper(), pygame.Rect(upper.left, upper.top, int(upper.width * 0.6), upper.height), 30,
              theme.PAPER, bold=True)
    pen.words(cell.text, pygame.Rect(upper.left + int(upper.width * 0.6), upper.top, int(upper.width * 0.4),
                                     upper.height), 44, theme.ACCENT, bold=True, align="right",
              figures=sources_of([cell]))
    label, cell = sheet.wage
    pen.words(f"{label} {cell.text}", lower, 18, theme.mix(theme.PAPER, theme.INK, 0.25), valign="top",
              figures=sources_of([cell]))


def _draw_earnings(pen: _Pen, band: pygame.Rect, sheet: Sheet) -> None:
    """What micro-workers really earn: a tinted box with its heading, the figures and why."""
    px = pen.px
    pygame.draw.rect(pen.surface, TINT, band, border_radius=px(10))
    heading, figures, why = sheet.earnings
    top, middle, bottom = _split(band.inflate(-px(24), -px(12)), (0.22, 0.42, 0.36))
    pen.line(heading, top, 18, theme.INK_SOFT, bold=True)
    pen.line(figures, middle, 21, theme.INK, bold=True)
    pen.line(why, bottom, 17, theme.INK)


def _draw_quote(pen: _Pen, band: pygame.Rect, sheet: Sheet) -> None:
    """Casilli's words beside the times the machine watched: a quotation bar and the quote."""
    px = pen.px
    pygame.draw.rect(pen.surface, theme.ACCENT, pygame.Rect(band.left, band.top + px(4), px(6), band.height - px(8)),
                     border_radius=px(3))
    pen.line(sheet.quote, pygame.Rect(band.left + px(18), band.top, band.width - px(18), band.height), 20)


def _draw_where(pen: _Pen, band: pygame.Rect, sheet: Sheet) -> None:
    px = pen.px
    upper, lower = _split(band, (0.42, 0.58), gap=px(4))
    pen.words(sheet.where, upper, 16, theme.INK, figures=tuple(shown(t, "settings") for t in sheet.where_settings))
    if sheet.code:
        code_w = int(lower.width * 0.26)
        code = pygame.Rect(lower.left, lower.top + px(2), code_w, lower.height - px(4))
        pygame.draw.rect(pen.surface, theme.mix(theme.PAPER, theme.ACCENT, 0.35), code, border_radius=px(8))
        pen.words(sheet.code, code.inflate(-px(14), -px(4)), 30, theme.INK, bold=True, align="center",
                  figures=(shown(sheet.code, "session"),))
        pen.words(sheet.erase_how, pygame.Rect(code.right + px(14), lower.top, lower.width - code_w - px(14),
                                               lower.height), 15, theme.INK, figures=(shown(sheet.code, "session"),))
    else:
        pen.words(sheet.erase_how, lower, 16, theme.INK_SOFT)


def _draw_notes(pen: _Pen, band: pygame.Rect, sheet: Sheet) -> None:
    pen.rule(band.top + pen.px(2), band.left, band.right, width=1)
    lines = [f"{number}\u00a0{citation}" for number, citation in sheet.notes]
    pen.words("\n".join(lines + [sheet.measured_note]), band.inflate(0, -pen.px(10)), 15, theme.INK_SOFT,
              valign="top", figures=tuple(shown(line, "citation") for line in lines))


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

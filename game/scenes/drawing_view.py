"""How a round looks: where the canvas, countdown, guesses and buttons go, and how they are drawn.

Kept apart from `drawing.py` (the round's rules) so each file stays readable. `layout` places a
square canvas as large as the window allows, with the side panel to its right in a landscape window
and below it in a portrait one; a teaching round adds its note above the guesses and a Done button.
`draw` only reads the scene's state.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import pygame

from model import labour_format

from .. import theme
from ..provenance import shown
from ..ui import card

URGENT_SECONDS = 5.0   # the countdown turns red for the last seconds


@dataclass
class DrawingLayout:
    header: pygame.Rect
    counter: pygame.Rect
    canvas: pygame.Rect
    clock_centre: tuple[int, int]
    clock_radius: int
    bubble: pygame.Rect
    bars: pygame.Rect
    undo: pygame.Rect
    clear: pygame.Rect
    meter: pygame.Rect     # the labour meter: labels made and seconds worked this game
    note: pygame.Rect      # a teaching round's "I don't know this word yet" (empty otherwise)
    done: pygame.Rect      # a teaching round's Done button (empty otherwise)


def layout(size: tuple[int, int], u: float, teaching: bool = False) -> DrawingLayout:
    width, height = size
    px = lambda value: max(1, round(value * u))  # noqa: E731 (a local unit converter)
    margin = px(32)
    header = pygame.Rect(margin, px(14), width - 2 * margin, px(84))
    counter = pygame.Rect(header.right - px(140), header.top, px(140), header.height)
    header.width -= counter.width + px(10)
    top = header.bottom + px(12)
    landscape = width >= height * 1.15
    if landscape:
        side = min(height - top - margin, int(width * 0.58))
        canvas = pygame.Rect(margin, top, side, side)
        panel = pygame.Rect(canvas.right + margin + px(8), top, width - canvas.right - 2 * margin - px(8),
                            side)
        radius = min(px(84), panel.width // 4, int(panel.height * 0.14))
        clock_centre = (panel.centerx, panel.top + radius + px(6))
        buttons_h = min(px(88), int(panel.height * 0.14))
        buttons_top = panel.bottom - buttons_h
        meter = pygame.Rect(panel.left, buttons_top - px(12) - px(36), panel.width, px(36))
        bubble_top = clock_centre[1] + radius + px(22)
        note = pygame.Rect(panel.left, bubble_top, panel.width, px(76) if teaching else 0)
        bubble_top = note.bottom + px(14) if teaching else bubble_top
        bars_h = int((meter.top - px(8) - bubble_top) * 0.46)
        bubble = pygame.Rect(panel.left, bubble_top, panel.width,
                             meter.top - px(8) - bubble_top - bars_h - px(24))
        bars = pygame.Rect(panel.left + px(8), bubble.bottom + px(14), panel.width - px(16), bars_h)
        buttons = pygame.Rect(panel.left, buttons_top, panel.width, buttons_h)
    else:
        panel_h = max(int(height * 0.34), px(250))
        side = min(width - 2 * margin, height - top - panel_h - margin)
        canvas = pygame.Rect((width - side) // 2, top, side, side)
        panel = pygame.Rect(margin, canvas.bottom + margin, width - 2 * margin,
                            height - canvas.bottom - 2 * margin)
        buttons_h = min(px(88), int(panel.height * 0.3))
        buttons = pygame.Rect(panel.left, panel.bottom - buttons_h, panel.width, buttons_h)
        meter = pygame.Rect(panel.left, buttons.top - px(10) - px(36), panel.width, px(36))
        upper = pygame.Rect(panel.left, panel.top, panel.width, meter.top - panel.top - px(10))
        radius = max(px(24), min(px(84), upper.height // 2, upper.width // 8))
        clock_centre = (upper.left + radius, upper.centery)
        right = pygame.Rect(upper.left + 2 * radius + px(20), upper.top,
                            upper.width - 2 * radius - px(20), upper.height)
        note = pygame.Rect(right.left, right.top, right.width, int(right.height * 0.28) if teaching else 0)
        if teaching:
            right.top, right.height = note.bottom + px(10), right.height - note.height - px(10)
        bubble = pygame.Rect(right.left, right.top, right.width, int(right.height * 0.55))
        bars = pygame.Rect(right.left + px(8), bubble.bottom + px(8), right.width - px(16),
                           right.bottom - bubble.bottom - px(8))
    gap = px(16)
    count = 3 if teaching else 2
    each = (buttons.width - (count - 1) * gap) // count
    undo, clear, done = (pygame.Rect(buttons.left + i * (each + gap), buttons.top, each, buttons.height)
                         for i in range(3))
    if not teaching:
        done = pygame.Rect(buttons.left, buttons.top, 0, 0)
    return DrawingLayout(header, counter, canvas, clock_centre, radius, bubble, bars, undo, clear, meter, note,
                         done)


def draw_static(scene, surface: pygame.Surface) -> None:
    """Background, header, the canvas sheet, the clock face and the speech bubble: drawn once."""
    view: DrawingLayout = scene.view
    text, px = scene.app.text, scene.px
    game = scene.app.game
    surface.fill(theme.BACKGROUND)
    draw_header(scene, surface, view.header)
    if len(game.prompts) > 1:  # "1/1" would say nothing
        text.draw(surface, f"{game.index + 1}/{len(game.prompts)}", view.counter, theme.TEXT_SOFT,
                  max_size=px(40), align="right",
                  figures=(shown(f"{game.index + 1}/{len(game.prompts)}", "session", "settings"),))
    scene.canvas.draw_sheet(surface)
    pygame.draw.circle(surface, theme.BACKGROUND_DEEP, view.clock_centre, view.clock_radius)
    rect = view.bubble
    card(surface, rect, theme.PAPER, px(26), shadow=px(6))
    # A little tail pointing at the canvas, like a speech bubble.
    if rect.left > scene.canvas.rect.right:
        tail = [(rect.left + 2, rect.centery - px(16)), (rect.left - px(18), rect.centery),
                (rect.left + 2, rect.centery + px(16))]
    else:
        tail = [(rect.centerx - px(16), rect.top + 2), (rect.centerx, rect.top - px(16)),
                (rect.centerx + px(16), rect.top + 2)]
    pygame.draw.polygon(surface, theme.PAPER, tail)
    if scene.teaching:
        card(surface, view.note, theme.TEACH, px(20), shadow=px(5))
        text.draw(surface, scene.t("teach_banner"), view.note.inflate(-px(28), -px(14)), theme.PAPER,
                  max_size=px(30))


def draw_header(scene, surface: pygame.Surface, rect: pygame.Rect) -> None:
    """'Draw: a cat' with the thing to draw in the accent colour (one colour if it needs two lines)."""
    text, tr = scene.app.text, scene.app.translations
    thing = tr.thing(scene.word)
    sentence = scene.t("draw_prompt", thing=thing)
    fitted = text.fit(sentence, rect.size, scene.px(58))
    before, _, after = scene.t("draw_prompt", thing="\0").partition("\0")
    if len(fitted.lines) != 1 or not _:
        text.draw(surface, sentence, rect, theme.TEXT, max_size=scene.px(58), align="left")
        return
    font = text.fonts.get(fitted.size)
    x = rect.left
    y = rect.centery - fitted.line_height // 2
    for part, colour in ((before, theme.TEXT), (thing, theme.ACCENT), (after, theme.TEXT)):
        if part:
            surface.blit(font.render(part, True, colour), (x, y))
            x += font.size(part)[0]


def draw(scene, surface: pygame.Surface) -> None:
    """What changes from frame to frame, over the static layer."""
    text, px = scene.app.text, scene.px
    scene.canvas.draw(surface)
    if not scene.canvas.strokes and scene.phase == "drawing":
        hint = scene.canvas.rect.inflate(-scene.canvas.rect.width // 5, -scene.canvas.rect.height // 2)
        text.draw(surface, scene.t("draw_here"), hint, theme.PAPER_EDGE, max_size=px(44))
    draw_clock(scene, surface)
    draw_bubble(scene, surface)
    draw_bars(scene, surface)
    draw_meter(scene, surface)
    scene.draw_buttons(surface)
    if scene.phase == "verdict":
        draw_verdict(scene, surface)


def arc_polygon(centre, outer: float, inner: float, start: float, end: float, steps: int = 64):
    """Points of a thick arc from angle `start` to `end` (radians, clockwise from 12 o'clock)."""
    steps = max(2, int(steps * abs(end - start) / math.tau) + 2)
    angles = [start + (end - start) * i / (steps - 1) for i in range(steps)]
    cx, cy = centre
    outside = [(cx + outer * math.sin(a), cy - outer * math.cos(a)) for a in angles]
    inside = [(cx + inner * math.sin(a), cy - inner * math.cos(a)) for a in reversed(angles)]
    return outside + inside


def draw_clock(scene, surface: pygame.Surface) -> None:
    view = scene.view
    centre, radius = view.clock_centre, view.clock_radius
    seconds = scene.remaining
    colour = theme.MISS if seconds <= URGENT_SECONDS else theme.ACCENT
    thickness = max(4, radius // 5)
    fraction = seconds / scene.app.settings.seconds
    if fraction > 0:
        points = arc_polygon(centre, radius, radius - thickness, 0.0, math.tau * fraction)
        pygame.draw.polygon(surface, colour, points)
    number = str(math.ceil(seconds - 1e-9)) if scene.phase == "drawing" else str(math.ceil(seconds))
    box = pygame.Rect(0, 0, int(radius * 1.3), int(radius * 1.1))
    box.center = centre
    scene.app.text.draw(surface, number, box, theme.TEXT if seconds > URGENT_SECONDS else colour,
                        max_size=int(radius * 1.05), figures=(shown(number, "session"),))


def draw_bubble(scene, surface: pygame.Surface) -> None:
    px, rect = scene.px, scene.view.bubble
    quiet = not scene.current
    scene.app.text.draw(surface, scene.guess_sentence("\n"), rect.inflate(-px(40), -px(26)),
                        theme.INK_SOFT if quiet else theme.INK, max_size=px(44))


def draw_bars(scene, surface: pygame.Surface) -> None:
    """The top three guesses with their probabilities as bars."""
    rect, px, tr, text = scene.view.bars, scene.px, scene.app.translations, scene.app.text
    rows = scene.current[:3]
    if not rows or rect.height < px(30):
        return
    row_h = rect.height // 3
    for index, (name, probability) in enumerate(rows):
        row = pygame.Rect(rect.left, rect.top + index * row_h, rect.width, row_h)
        label_h = int(row.height * 0.58)
        label = pygame.Rect(row.left, row.top, int(row.width * 0.75), label_h)
        value = pygame.Rect(label.right, row.top, row.width - label.width, label_h)
        colour = theme.SUCCESS if name == scene.word else theme.TEXT
        text.draw(surface, tr.name(name), label, colour, max_size=px(30), align="left")
        text.draw(surface, tr.percent(probability), value, colour, max_size=px(30), align="right",
                  figures=(shown(tr.percent(probability), "machine"),))
        track = pygame.Rect(row.left, label.bottom + px(2), row.width, max(4, int(row.height * 0.22)))
        pygame.draw.rect(surface, theme.BACKGROUND_DEEP, track, border_radius=track.height // 2)
        filled = track.copy()
        filled.width = max(track.height, int(track.width * probability))
        pygame.draw.rect(surface, theme.SUCCESS if name == scene.word else theme.ACCENT, filled,
                         border_radius=track.height // 2)


def work_so_far(scene) -> tuple[int, float]:
    """(labels, seconds) of the game so far, this round included: what the pay slip will count
    (see `payslip_sheet.game_work`), with the round being drawn timed live on its drawing clock."""
    labels, seconds = 0, 0.0
    for result in scene.app.game.results:
        if result.has_ink:
            labels += 1
            seconds += result.duration_ms / 1000.0
    if scene.result is None and scene.canvas.strokes:  # this round, not yet counted in the results
        live = scene.duration_ms if scene.phase != "drawing" else scene.canvas.ink_time(pygame.time.get_ticks())
        labels += scene.phase != "drawing"
        seconds += (live or 0) / 1000.0
    return labels, seconds


def draw_meter(scene, surface: pygame.Surface) -> None:
    """A small, honest meter: labels made and seconds worked this game, whether donated or not."""
    rect, px = scene.view.meter, scene.px
    if rect.height < px(12):
        return
    labels, seconds = work_so_far(scene)
    session = scene.app.game.session
    donated = session is not None and session.consent
    tr = scene.app.translations
    count, time = tr.number(labels), labour_format.format_duration(seconds, tr.lang)
    sentence = scene.t("meter" if donated else "meter_declined", labels=count, time=time)
    pygame.draw.rect(surface, theme.BACKGROUND_DEEP, rect, border_radius=rect.height // 2)
    scene.app.text.draw(surface, sentence, rect.inflate(-rect.height, -px(6)), theme.TEXT_SOFT,
                        max_size=px(24), bold=False, figures=(shown(count, "session"), shown(time, "session")))


def draw_verdict(scene, surface: pygame.Surface) -> None:
    px, canvas = scene.px, scene.canvas.rect
    colour = theme.TEACH if scene.teaching else theme.SUCCESS if scene.recognized else theme.MISS
    banner = pygame.Rect(0, 0, int(canvas.width * 0.92), max(px(150), int(canvas.height * 0.3)))
    # Low on the paper, so the player still sees most of the drawing the verdict is about.
    banner.midbottom = (canvas.centerx, canvas.bottom - int(canvas.width * 0.04))
    card(surface, banner, colour, px(28), shadow=px(8))
    words = pygame.Rect(banner.left + px(24), banner.top + px(14), banner.width - px(48),
                        banner.height - px(44))
    scene.app.text.draw(surface, scene.verdict_sentence(), words, theme.PAPER, max_size=px(56))
    # A thin bar that empties until the next prompt card.
    left = max(0.0, 1 - scene.verdict_age / scene.app.settings.verdict_seconds)
    bar = pygame.Rect(banner.left + px(40), banner.bottom - px(20), int((banner.width - px(80)) * left),
                      px(6))
    if bar.width > 0:
        pygame.draw.rect(surface, theme.PAPER, bar, border_radius=bar.height // 2)

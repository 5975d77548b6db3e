"""The attract loop: what the kiosk shows while nobody plays. Any touch starts a game.

Drawings collected here (consented ones: nothing else is ever stored) are replayed stroke by stroke
with the visitor's own timing (`game.replay`), while the machine guesses them live through the
shared background `Guesser`, exactly as it did for the visitor; then the prompt is revealed with
whether the machine got it. Beside it: the installation totals (drawings, unpaid hours, what a
micro-task platform would pay for them) and a large pulsing "Touch to play". Three language pills
switch the language without starting a game; a touch anywhere else starts one.

The drawings of the most recent sessions are left out (`RECENT_SESSIONS_SKIPPED`), so a visitor who
just walked away is not put on show to the next one. Picking a drawing is one indexed query (a random
id, then the next row), cheap enough for the frame even with a season of drawings.
"""
from __future__ import annotations

import json
import logging
import math
import random

import pygame

from .. import theme
from ..replay import Replay
from ..settings import LANGUAGES
from ..ui import Button, card, is_confirm
from .base import Scene

log = logging.getLogger(__name__)

LANGUAGE_NAMES = {"en": "English", "fr": "Français", "nl": "Nederlands"}  # each in its own language
RECENT_SESSIONS_SKIPPED = 2   # the last visitors' drawings are not replayed to the next visitor
GUESS_EVERY = 0.15            # seconds of replay between two guesses, like a player's ~100 ms of ink
FINAL_WAIT = 1.0              # how long to wait for the guess about the whole drawing
REVEAL_SECONDS = 3.0          # the answer stays this long before the next drawing
EMPTY_RETRY = 10.0            # with nothing to replay, look again this often
VALUE_RANGE_KEYS = ("rates.low", "rates.typical")   # the value: from penny task to typical micro-task


def pick_drawing(store, rng: random.Random, skip_recent: int = RECENT_SESSIONS_SKIPPED) -> dict | None:
    """A random stored drawing (`word`, `drawing`) not from the last `skip_recent` game sessions."""
    if store is None:
        return None
    conn = store.db.conn
    top = conn.execute("SELECT max(id) FROM drawings").fetchone()[0]
    if top is None:
        return None
    recent = ("SELECT id FROM sessions WHERE source = 'game' ORDER BY id DESC LIMIT ?")
    where = f"session_id NOT IN ({recent})"
    start = rng.randint(1, top)
    row = conn.execute(f"SELECT word, drawing FROM drawings WHERE id >= ? AND {where} ORDER BY id LIMIT 1",
                       (start, skip_recent)).fetchone()
    if row is None:
        row = conn.execute(f"SELECT word, drawing FROM drawings WHERE id < ? AND {where} "
                           "ORDER BY id DESC LIMIT 1", (start, skip_recent)).fetchone()
    return None if row is None else {"word": row[0], "drawing": json.loads(row[1])}


class AttractScene(Scene):
    name = "attract"

    def __init__(self, app, rng: random.Random | None = None) -> None:
        super().__init__(app)
        self.rng = rng or random.Random()
        self.play_button = Button("", self.start, style="accent")
        self.language_buttons = {
            lang: Button(LANGUAGE_NAMES[lang], lambda lang=lang: self.app.set_language(lang))
            for lang in LANGUAGES}
        self.buttons = list(self.language_buttons.values())
        self.totals: dict | None = None
        self.value_usd = None
        self.phase = "empty"          # "drawing", "reveal" or "empty"
        self.word: str | None = None
        self.replay: Replay | None = None
        self.replayed = 0.0           # seconds into the current replay or phase
        self.visible = 0              # points on screen
        self.serial = 0               # tags the guesses of the current drawing
        self.submitted = -1
        self.last_submit = -math.inf
        self.current: list[tuple[str, float]] = []
        self.final_count = -1         # point count of the newest guess received
        self.shown = 0                # replays started since the scene was entered
        self.started = False
        self._paper: pygame.Surface | None = None
        self._inked = 0

    # --- lifecycle ----------------------------------------------------------------------------
    def enter(self) -> None:
        self.totals = self.app.read_totals()
        self.value_usd = self._platform_value(self.totals)
        self._static_key = None
        self.app.guesser.cancel()
        self.next_drawing()

    def leave(self) -> None:
        self.app.guesser.cancel()   # a guess about a replay must not reach the game's first round

    def _platform_value(self, totals) -> tuple | None:
        """(low, typical) USD of the collected drawings at micro-task rates, one label per drawing
        (as on the title screen and the pay slip)."""
        if not totals:
            return None
        try:
            from model import labour
            book = labour.ledger(totals.get("seconds", 0.0), int(totals.get("drawings", 0)), self.app.rates)
            return tuple(book.costing(key).cost.value for key in VALUE_RANGE_KEYS)
        except Exception as error:   # the totals are a bonus: never a reason to stop the loop
            log.warning("no platform value on the attract screen: %s", error)
            return None

    def start(self) -> None:
        if not self.started:
            self.started = True
            self.app.new_game()

    def next_drawing(self) -> None:
        self.serial += 1
        self.replayed, self.visible, self.submitted, self.final_count = 0.0, 0, -1, -1
        self.last_submit, self.current, self._paper, self._inked = -math.inf, [], None, 0
        try:
            picked = pick_drawing(self.app.store, self.rng)
            self.replay = Replay(picked["drawing"]) if picked else None
        except Exception as error:   # a bad row or a busy database: show the next one instead
            log.warning("cannot replay a stored drawing: %s", error)
            self.replay = None
        if self.replay is None or not len(self.replay):
            self.phase, self.word, self.replay = "empty", None, None
            return
        self.phase, self.word = "drawing", picked["word"]
        self.shown += 1

    # --- input --------------------------------------------------------------------------------
    def handle(self, event: pygame.event.Event) -> None:
        ptr = self.pointer(event)
        if ptr is not None and ptr.kind == "down":
            for button in self.language_buttons.values():
                if button.hit(ptr.pos):
                    button.press()   # the language changes at once, even in the first moments
                    return
            if self.accepting_input:
                self.start()
            return
        if is_confirm(event) and self.accepting_input:
            self.start()

    # --- the clock ----------------------------------------------------------------------------
    def update(self, dt: float) -> None:
        super().update(dt)
        for guess in self.app.guesser.poll():
            tag = guess.tag if isinstance(guess.tag, tuple) and len(guess.tag) == 3 else None
            if tag and tag[0] == "attract" and tag[1] == self.serial and guess.top:
                self.current = [(name, p) for name, p in guess.top]
                self.final_count = max(self.final_count, tag[2])
        self.replayed += dt
        if self.phase == "empty":
            if self.replayed >= EMPTY_RETRY:
                self.next_drawing()
        elif self.phase == "drawing":
            self.visible = self.replay.count_at(self.replayed)
            finished = self.replayed >= self.replay.duration
            if self.visible != self.submitted and (finished or self.replayed - self.last_submit >= GUESS_EVERY):
                self.app.guesser.submit(self.replay.prefix(self.visible), int(self.replayed * 1000),
                                        ("attract", self.serial, self.visible))
                self.submitted, self.last_submit = self.visible, self.replayed
            if finished and (self.final_count >= len(self.replay)
                             or self.replayed >= self.replay.duration + FINAL_WAIT):
                self.phase, self.replayed = "reveal", 0.0
        elif self.replayed >= REVEAL_SECONDS:
            self.next_drawing()

    # --- words --------------------------------------------------------------------------------
    def bubble_text(self) -> tuple[str, tuple[int, int, int]]:
        tr = self.app.translations
        if self.phase == "empty":
            return self.t("attract_empty"), theme.TEXT
        if self.phase == "reveal":
            got_it = bool(self.current) and self.current[0][0] == self.word
            verdict = self.t("attract_got_it" if got_it else "attract_missed")
            return f"{self.t('attract_was', thing=tr.thing(self.word))} {verdict}", (
                theme.SUCCESS if got_it else theme.MISS)
        if not self.current:
            return self.t("attract_caption"), theme.TEXT_SOFT
        return self.t("guess_first", thing=tr.thing(self.current[0][0])), theme.TEXT

    def totals_lines(self) -> list[tuple[str, str]]:
        tr = self.app.translations
        totals = self.totals or {"drawings": 0, "seconds": 0.0}
        hours = totals.get("seconds", 0.0) / 3600.0
        lines = [(tr.number(totals.get("drawings", 0)), self.t("totals_drawings")),
                 (tr.number(hours, 2 if hours < 1 else 1), self.t("totals_hours"))]
        if self.value_usd is not None:
            from model.labour import format_money
            low, high = (format_money(value, tr.lang, places=2) for value in self.value_usd)
            lines.append((f"{low}\u2013{high}", self.t("totals_value")))
        return lines

    # --- screen -------------------------------------------------------------------------------
    def layout(self, size: tuple[int, int]) -> None:
        width, height = size
        px, m = self.px, self.px(36)
        pill_h, gap = px(64), px(12)
        if width >= height * 1.15:
            side = min(height - 2 * m, int(width * 0.56))
            self.card_rect = pygame.Rect(m, (height - side) // 2, side, side)
            column = pygame.Rect(self.card_rect.right + m, m, width - self.card_rect.right - 2 * m, height - 2 * m)
            pills = pygame.Rect(column.left, column.top, column.width, pill_h)
            body_top = pills.bottom + px(18)
        else:
            pills = pygame.Rect(m, m, width - 2 * m, pill_h)
            side = min(width - 2 * m, int(height * 0.46))
            self.card_rect = pygame.Rect((width - side) // 2, pills.bottom + px(20), side, side)
            column = pygame.Rect(m, self.card_rect.bottom + px(20), width - 2 * m,
                                 height - self.card_rect.bottom - px(20) - m)
            body_top = column.top
        pill_w = (pills.width - 2 * gap) // 3
        for index, button in enumerate(self.language_buttons.values()):
            button.rect = pygame.Rect(pills.left + index * (pill_w + gap), pills.top, pill_w, pill_h)
        self.play_button.rect = pygame.Rect(column.left, column.bottom - px(110), column.width, px(110))
        space = self.play_button.rect.top - px(20) - body_top
        self.title_rect = pygame.Rect(column.left, body_top, column.width, int(space * 0.2))
        self.bubble_rect = pygame.Rect(column.left, self.title_rect.bottom, column.width, int(space * 0.3))
        self.totals_rect = pygame.Rect(column.left, self.bubble_rect.bottom + px(10), column.width,
                                       self.play_button.rect.top - px(20) - self.bubble_rect.bottom - px(10))
        self._paper = None
        self._inked = 0

    def draw_static(self, surface: pygame.Surface) -> None:
        surface.fill(theme.BACKGROUND)
        px, text = self.px, self.app.text
        pygame.draw.rect(surface, theme.PAPER_SHADOW, self.card_rect.move(0, px(10)), border_radius=px(30))
        pygame.draw.rect(surface, theme.PAPER, self.card_rect, border_radius=px(30))
        text.draw(surface, "pennydraw", self.title_rect, theme.ACCENT, max_size=px(96))
        card(surface, self.totals_rect, theme.BACKGROUND_DEEP, px(24))
        inner = self.totals_rect.inflate(-px(36), -px(20))
        heading = pygame.Rect(inner.left, inner.top, inner.width, min(px(36), inner.height // 4))
        text.draw(surface, self.t("totals_heading"), heading, theme.TEXT_SOFT, max_size=px(26))
        lines = self.totals_lines()
        row_h = (inner.bottom - heading.bottom) // max(1, len(lines))
        for index, (value, label) in enumerate(lines):
            row = pygame.Rect(inner.left, heading.bottom + index * row_h, inner.width, row_h)
            value_rect = pygame.Rect(row.left, row.top, int(row.width * 0.38), row.height)
            label_rect = pygame.Rect(value_rect.right + px(12), row.top, row.width - value_rect.width - px(12),
                                     row.height)
            text.draw(surface, value, value_rect, theme.ACCENT, max_size=px(44), align="right")
            text.draw(surface, label, label_rect, theme.TEXT, max_size=px(24), bold=False, align="left")

    def draw(self, surface: pygame.Surface) -> None:
        self.blit_static(surface)
        self._draw_replay(surface)
        words, colour = self.bubble_text()
        self.app.text.draw(surface, words, self.bubble_rect, colour, max_size=self.px(40))
        for lang, button in self.language_buttons.items():
            button.style = "selected" if lang == self.app.translations.lang else "plain"
        self.play_button.label = self.t("attract_touch")
        grow = 2 * self.px(6 + 5 * math.sin(self.age * 3))   # a slow pulse says "touch me"
        glow = self.play_button.rect.inflate(grow, grow)
        pygame.draw.rect(surface, theme.ACCENT_DARK, glow, width=self.px(4), border_radius=glow.height // 2)
        self.play_button.draw(surface, self.app.text)
        self.draw_buttons(surface)

    def _draw_replay(self, surface: pygame.Surface) -> None:
        """Ink the points that appeared since the last frame onto the card's paper, then show it."""
        inner = self.card_rect.inflate(-self.px(30), -self.px(30))
        side = min(inner.width, inner.height)
        if self._paper is None or self._paper.get_width() != side or self._inked > self.visible_points:
            self._paper = pygame.Surface((side, side))
            self._paper.fill(theme.PAPER)
            self._inked = 0
        if self.replay is not None:
            scale, width = side / theme.UNITS, max(3, round(side / 90))
            for n in range(self._inked, self.visible_points):
                stroke, index, x, y = self.replay.point(n)
                end = (x * scale, y * scale)
                if index > 0:
                    _, _, x0, y0 = self.replay.point(n - 1)
                    pygame.draw.line(self._paper, theme.INK, (x0 * scale, y0 * scale), end, width)
                pygame.draw.circle(self._paper, theme.INK, end, width / 2)
            self._inked = self.visible_points
        surface.blit(self._paper, self._paper.get_rect(center=inner.center))

    @property
    def visible_points(self) -> int:
        if self.replay is None:
            return 0
        return len(self.replay) if self.phase == "reveal" else self.visible

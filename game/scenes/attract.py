"""The attract loop: what the kiosk shows while nobody plays. Any touch starts a game.

Drawings collected here (consented ones: nothing else is ever stored) are replayed stroke by stroke
with the visitor's own timing (`game.replay`), while the machine guesses them live through the
shared background `Guesser`, exactly as it did for the visitor; then the prompt is revealed with
whether the machine got it (by the game's rule, `Classifier.recognizes`, at any moment of the replay), in a speech bubble under the drawing. Beside it: the installation totals
(drawings, unpaid hours, what micro-workers would have been paid for them), one sourced fact about
micro-work at a time (`facts.py`, the same rotation as the title screen) and a large pulsing "Touch
to play". Three language pills switch the language without starting a game; a touch anywhere else
starts one.

The drawings of the most recent sessions are left out (`RECENT_SESSIONS_SKIPPED`), so a visitor who
just walked away is not put on show to the next one. Picking a drawing is one indexed query (a random
id, then the next row), cheap enough for the frame even with a season of drawings; its text is read
only if the store says it is not too long (`Store.drawing_bytes`), and a drawing beyond the size
limits is skipped, a big one thinned (`bounded.drawable`), so that no stored drawing can freeze the loop.
"""
from __future__ import annotations

import json
import logging
import math
import random

import pygame

from .. import facts, theme
from ..bounded import REPLAY_POINTS, drawable
from ..fact_card import draw_fact, draw_totals
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
PICK_TRIES = 3                # rows looked at per pick when the first ones cannot be shown


def pick_drawing(store, rng: random.Random, skip_recent: int = RECENT_SESSIONS_SKIPPED) -> dict | None:
    """A random stored drawing (`id`, `word`, `drawing`, ready to draw) not from the last `skip_recent`
    game sessions; None when there is none that can be shown."""
    if store is None:
        return None
    from model.store.reading import VISIBLE
    from model.store.store import MAX_DRAWING_BYTES

    conn = store.db.conn
    top = conn.execute("SELECT max(id) FROM drawings").fetchone()[0]
    if top is None:
        return None
    recent = ("SELECT id FROM sessions WHERE source = 'game' ORDER BY id DESC LIMIT ?")
    where = f"session_id NOT IN ({recent}) AND {VISIBLE}"   # never a drawing of an unfinished import
    start = rng.randint(1, top)
    for _ in range(PICK_TRIES):   # a row that cannot be shown: the next one
        row = conn.execute(f"SELECT id, word FROM drawings WHERE id >= ? AND {where} ORDER BY id LIMIT 1",
                           (start, skip_recent)).fetchone()
        if row is None:
            row = conn.execute(f"SELECT id, word FROM drawings WHERE id < ? AND {where} "
                               "ORDER BY id DESC LIMIT 1", (start, skip_recent)).fetchone()
        if row is None:
            return None
        drawing_id, word = row
        start, known = drawing_id + 1, (str(store.path), drawing_id)
        if known in _UNSHOWABLE:
            continue
        size = store.drawing_bytes(drawing_id)
        drawing = None
        if size > MAX_DRAWING_BYTES:
            log.warning("stored drawing %d is not shown: its %d bytes are too large to read", drawing_id, size)
        else:
            text = conn.execute("SELECT drawing FROM drawings WHERE id = ?", (drawing_id,)).fetchone()[0]
            drawing = drawable(json.loads(text), REPLAY_POINTS, f"stored drawing {drawing_id}")
        if drawing is not None:
            return {"id": drawing_id, "word": word, "drawing": drawing}
        _UNSHOWABLE.add(known)   # said once; never read again by this process
    return None


_UNSHOWABLE: set = set()   # (database, drawing id) of drawings that cannot be shown


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
        self.rotation = facts.Rotation()
        self.phase = "empty"          # "drawing", "reveal" or "empty"
        self.word: str | None = None
        self.replay: Replay | None = None
        self.replayed = 0.0           # seconds into the current replay or phase
        self.visible = 0              # points on screen
        self.serial = 0               # tags the guesses of the current drawing
        self.submitted = -1
        self.last_submit = -math.inf
        self.current: list[tuple[str, float]] = []
        self.got_it = False           # a guess of this replay recognised its word (the game's rule)
        self.final_count = -1         # point count of the newest guess received
        self.shown = 0                # replays started since the scene was entered
        self.started = False
        self._paper: pygame.Surface | None = None
        self._inked = 0

    # --- lifecycle ----------------------------------------------------------------------------
    def enter(self) -> None:
        self.totals = self.app.read_totals()
        self.rotation.reset()
        self._static_key = None
        self.app.guesser.cancel()
        self.next_drawing()

    def leave(self) -> None:
        self.app.guesser.cancel()   # a guess about a replay must not reach the game's first round

    def start(self) -> None:
        if not self.started:
            self.started = True
            self.app.new_game()

    def next_drawing(self) -> None:
        self.serial += 1
        self.replayed, self.visible, self.submitted, self.final_count = 0.0, 0, -1, -1
        self.last_submit, self.current, self._paper, self._inked = -math.inf, [], None, 0
        self.got_it = False
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
                if self.word and self.app.classifier.recognizes(guess.guesses or guess.top, self.word):
                    self.got_it = True
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
            got_it = self.got_it
            verdict = self.t("attract_got_it" if got_it else "attract_missed")
            return f"{self.t('attract_was', thing=tr.thing(self.word))} {verdict}", (
                theme.SUCCESS if got_it else theme.MISS)
        if not self.current:
            return self.t("attract_caption"), theme.TEXT_SOFT
        return self.t("guess_first", thing=tr.thing(self.current[0][0])), theme.TEXT

    def totals_lines(self) -> list[tuple[str, str, tuple]]:
        """(value, label, figures) rows of the installation totals (`facts.totals_rows`)."""
        return facts.totals_rows(self.app.rates, self.app.translations, self.totals)

    # --- screen -------------------------------------------------------------------------------
    def layout(self, size: tuple[int, int]) -> None:
        """The replay card with the machine's words under it on one side; the pills, the name, the
        totals, the fact of the moment and "Touch to play" on the other (stacked when portrait)."""
        width, height = size
        px, m = self.px, self.px(36)
        pill_h, gap = px(64), px(12)
        if width >= height * 1.15:
            side = min(int(height * 0.64), int(width * 0.44))
            self.card_rect = pygame.Rect(m, m, side, side)
            self.bubble_rect = pygame.Rect(m, self.card_rect.bottom + px(14), side, height - m - self.card_rect.bottom - px(14))
            column = pygame.Rect(self.card_rect.right + m, m, width - self.card_rect.right - 2 * m, height - 2 * m)
            pills = pygame.Rect(column.left, column.top, column.width, pill_h)
            body_top = pills.bottom + px(12)
        else:
            pills = pygame.Rect(m, m, width - 2 * m, pill_h)
            side = min(width - 2 * m, int(height * 0.36))
            self.card_rect = pygame.Rect((width - side) // 2, pills.bottom + px(16), side, side)
            self.bubble_rect = pygame.Rect(m, self.card_rect.bottom + px(10), width - 2 * m, px(90))
            column = pygame.Rect(m, self.bubble_rect.bottom + px(10), width - 2 * m,
                                 height - self.bubble_rect.bottom - px(10) - m)
            body_top = column.top
        pill_w = (pills.width - 2 * gap) // 3
        for index, button in enumerate(self.language_buttons.values()):
            button.rect = pygame.Rect(pills.left + index * (pill_w + gap), pills.top, pill_w, pill_h)
        self.play_button.rect = pygame.Rect(column.left, column.bottom - px(100), column.width, px(100))
        space = self.play_button.rect.top - px(18) - body_top
        self.title_rect = pygame.Rect(column.left, body_top, column.width, int(space * 0.14))
        self.totals_rect = pygame.Rect(column.left, self.title_rect.bottom + px(6), column.width, int(space * 0.3))
        self.fact_rect = pygame.Rect(column.left, self.totals_rect.bottom + px(14), column.width,
                                     self.play_button.rect.top - px(18) - self.totals_rect.bottom - px(14))
        self._paper = None
        self._inked = 0

    def draw_static(self, surface: pygame.Surface) -> None:
        surface.fill(theme.BACKGROUND)
        px, text = self.px, self.app.text
        pygame.draw.rect(surface, theme.PAPER_SHADOW, self.card_rect.move(0, px(10)), border_radius=px(30))
        pygame.draw.rect(surface, theme.PAPER, self.card_rect, border_radius=px(30))
        text.draw(surface, "pennydraw", self.title_rect, theme.ACCENT, max_size=px(80))
        draw_totals(surface, self.totals_rect, self.totals_lines(), self.t("totals_heading"),
                    facts.totals_citations(self.app.rates), text, self.u)

    def draw(self, surface: pygame.Surface) -> None:
        self.blit_static(surface)
        self._draw_replay(surface)
        words, colour = self.bubble_text()
        self.app.text.draw(surface, words, self.bubble_rect, colour, max_size=self.px(36))
        fact = self.rotation.at(self.app.rates, self.app.translations, self.totals, self.age)
        if fact is not None:
            draw_fact(surface, self.fact_rect, fact, self.app.text, self.u)
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

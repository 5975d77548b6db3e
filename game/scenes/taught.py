""""What you taught the machine": the model's accuracy over its versions, and whose drawings it learned from.

Reached from the pay slip. The plot (`plot.draw_line_plot`, pygame primitives) shows top-1 accuracy of
every version recorded in the store's `models` table, measured on one evaluation set chosen by
`model.teaching.history`, with the version the game guesses with ringed. Beside it: how many of the
drawings behind that version came from players, what becomes of this game's drawings, and, when the
machine was retrained during the game, that the player's earlier drawings may already be in it.

Under the plot, the words visitors taught it (`model.teaching.taught_words`: when, from how many
drawings, and in how many of its drawings the machine never trained on it recognises the word), newest
first, and the words it is being taught with how many drawings they have of the number a retraining
needs (`Settings.teach_word_drawings`).
"""
from __future__ import annotations

import logging

import pygame

from model import teaching

from .. import theme
from ..plot import PlotPoint, draw_line_plot
from ..provenance import shown
from ..ui import Button, card
from .base import Scene

log = logging.getLogger(__name__)


class TaughtScene(Scene):
    name = "taught"

    def __init__(self, app) -> None:
        super().__init__(app)
        self.back_button = Button("", app.show_payslip)
        self.home_button = Button("", app.go_home)
        self.again_button = Button("", app.new_game, style="accent")
        self.buttons = [self.again_button, self.back_button, self.home_button]
        self.models: list[dict] = []
        self.history = teaching.history([])
        self.retrained: list[dict] = []
        self.taught: list[teaching.TaughtWord] = []
        self.learning: list[tuple[str, int]] = []   # (word, drawings so far) being taught, closest first

    def enter(self) -> None:
        """Read the models table once (a broken store leaves the screen with what the checkpoint says)."""
        try:
            self.models = self.app.store.models() if self.app.store is not None else []
        except Exception:
            log.exception("could not read the models from the store")
            self.models = []
        classifier = self.app.classifier
        running = {name: getattr(classifier, name, None) for name in ("version", "created_at", "metrics", "data")}
        self.history = teaching.history(self.models, running)
        started = self.app.game_started_at
        self.retrained = (teaching.retrained_since(self.models, started, running["version"])
                          if started is not None and self.donated else [])
        self.taught = teaching.taught_words(self.models)
        self.learning = self._being_taught()
        self.app.voice.say(self.t("taught_button"), interrupt=True)

    def _being_taught(self) -> list[tuple[str, int]]:
        """Words the machine does not know that visitors have started to draw, closest to learned first."""
        try:
            counts = self.app.store.word_counts() if self.app.store is not None else {}
        except Exception:
            log.exception("could not count the drawings of each word")
            return []
        from model.quickdraw.download import quickdraw_categories
        needed = self.app.settings.teach_word_drawings
        known = set(getattr(self.app.classifier, "categories", ())) | {w.word for w in self.taught}
        words = teaching.teach_candidates(quickdraw_categories(), known, counts, needed)
        return [(word, counts[word]) for word in words if 0 < counts.get(word, 0)]

    def generated_examples(self, version: str) -> int:
        """How many of the drawings behind `version` the doodle generator drew: known from the data
        summary of the checkpoint the game runs (`train.py` names its sources "synthetic(...)")."""
        classifier = self.app.classifier
        if getattr(classifier, "version", None) != version:
            return 0
        sources = (getattr(classifier, "data", None) or {}).get("sources") or {}
        return sum(int(count) for name, count in sources.items() if str(name).startswith("synthetic"))

    @property
    def donated(self) -> bool:
        session = self.app.game.session
        return bool(session is not None and session.consent)

    def points(self) -> list[PlotPoint]:
        tr = self.app.translations
        numbers = {version.version: index + 1 for index, version in enumerate(self.history.versions)}
        return [PlotPoint(self.t("taught_now") if v.current else f"v{numbers[v.version]}", v.accuracy,
                          tr.percent(v.accuracy), v.current) for v in self.history.plotted]

    def facts(self) -> list[tuple[str, str, tuple]]:
        """(big figure, sentence, where its numbers come from) cards beside the plot, in reading order."""
        tr, facts = self.app.translations, []
        current = self.history.current
        if current is not None and current.examples > 0:
            generated = self.generated_examples(current.version)
            players, examples = tr.number(current.player_examples), tr.number(current.examples)
            if not current.player_examples:
                key = "taught_generated" if generated >= current.examples else "taught_players_none"
            else:
                key = "taught_players_generated" if generated else "taught_players"
            sentence = self.t(key, players=players, examples=examples, generated=tr.number(generated))
            facts.append((examples if key == "taught_generated" else players, sentence,
                          (shown(players, "machine"), shown(examples, "machine"),
                           shown(tr.number(generated), "machine"))))
        drawn = tr.number(sum(1 for result in self.app.game.results if result.has_ink))
        if self.donated:
            key = "taught_yours_donated" if self.app.settings.retrain_every > 0 else "taught_yours_no_retraining"
            facts.append((drawn, self.t(key, count=drawn), (shown(drawn, "session"),)))
        else:
            facts.append(("0", self.t("taught_yours_declined"), (shown("0", "session"),)))
        if self.retrained:
            newest = self.retrained[-1]
            when = teaching.parse_time(newest["trained_at"]).astimezone().strftime("%H:%M")
            players = tr.number(int(newest.get("player_examples") or 0))
            facts.append(("!", self.t("taught_retrained", when=when, players=players),
                          (shown(when, "clock"), shown(players, "machine"))))
        return facts

    # --- screen -------------------------------------------------------------------------------
    def layout(self, size: tuple[int, int]) -> None:
        width, height = size
        px = self.px
        margin = px(32)
        self.title_rect = pygame.Rect(margin, px(14), width - 2 * margin, px(72))
        buttons_h = px(84)
        buttons_top = height - margin // 2 - buttons_h
        gap = px(20)
        button_w = min(px(340), (width - 2 * margin - 2 * gap) // 3)
        self.back_button.rect = pygame.Rect(0, buttons_top, button_w, buttons_h)
        self.back_button.rect.right = width // 2 - button_w // 2 - gap
        self.home_button.rect = pygame.Rect(width // 2 - button_w // 2, buttons_top, button_w, buttons_h)
        self.again_button.rect = pygame.Rect(width // 2 + button_w // 2 + gap, buttons_top, button_w, buttons_h)
        body = pygame.Rect(margin, self.title_rect.bottom + px(10), width - 2 * margin,
                           buttons_top - self.title_rect.bottom - px(30))
        if width >= height:
            plot_w = int(body.width * 0.58)
            left = pygame.Rect(body.left, body.top, plot_w, body.height)
            self.facts_rect = pygame.Rect(body.left + plot_w + px(24), body.top, body.width - plot_w - px(24),
                                          body.height)
        else:
            left = pygame.Rect(body.left, body.top, body.width, int(body.height * 0.6))
            self.facts_rect = pygame.Rect(body.left, left.bottom + px(20), body.width,
                                          body.bottom - left.bottom - px(20))
        words_h = int(left.height * 0.34)
        self.plot_rect = pygame.Rect(left.left, left.top, left.width, left.height - words_h - px(16))
        self.words_rect = pygame.Rect(left.left, self.plot_rect.bottom + px(16), left.width, words_h)

    def draw_static(self, surface: pygame.Surface) -> None:
        surface.fill(theme.BACKGROUND)
        text, px = self.app.text, self.px
        text.draw(surface, self.t("taught_button"), self.title_rect, theme.ACCENT, max_size=px(52))
        self._draw_plot(surface)
        self._draw_words(surface)
        self._draw_facts(surface)

    def draw(self, surface: pygame.Surface) -> None:
        self.blit_static(surface)
        self.back_button.label = self.t("back")
        self.home_button.label = self.t("home")
        self.again_button.label = self.t("play_again")
        self.draw_buttons(surface)

    def _draw_plot(self, surface: pygame.Surface) -> None:
        text, px, rect = self.app.text, self.px, self.plot_rect
        card(surface, rect, theme.BACKGROUND_DEEP, px(24))
        inner = rect.inflate(-px(36), -px(28))
        heading = pygame.Rect(inner.left, inner.top, inner.width, int(inner.height * 0.17))
        caption = pygame.Rect(inner.left, inner.bottom - int(inner.height * 0.12), inner.width,
                              int(inner.height * 0.12))
        plot = pygame.Rect(inner.left, heading.bottom + px(8), inner.width, caption.top - heading.bottom - px(16))
        kind = self.history.kind
        text.draw(surface, self.t("taught_plot_heading", set=self.t(f"set_{kind}")), heading, theme.TEXT,
                  max_size=px(28))
        points = self.points()
        if not points:
            text.draw(surface, self.t("taught_no_metrics"), plot, theme.TEXT_SOFT, max_size=px(30), bold=False)
            return
        draw_line_plot(surface, plot, points, text, self.u, self.app.translations.percent)
        note = self.t("taught_single") if len(self.history.versions) == 1 else self.t("taught_axis")
        text.draw(surface, note, caption, theme.TEXT_SOFT, max_size=px(22), bold=False)

    TAUGHT_ROWS = 3     # lines of the taught-words card (newest words first, then those being taught)

    def word_rows(self) -> list[tuple[str, tuple]]:
        """The taught-words card's lines with the sources of their numbers."""
        tr, rows = self.app.translations, []
        for word in reversed(self.taught[-self.TAUGHT_ROWS:]):
            when = word.learned_at.astimezone().strftime("%Y-%m-%d") if word.learned_at else "?"
            drawings = tr.number(word.drawings)
            figures = (shown(when, "clock"), shown(drawings, "machine"))
            if word.held_out:  # the job counted it: say how often the machine really names it
                right, total = tr.number(word.recognised), tr.number(word.held_out)
                rows.append((self.t("taught_word_row_checked", word=tr.name(word.word), when=when, drawings=drawings,
                                    recognised=right, held_out=total),
                             figures + (shown(right, "machine"), shown(total, "machine"))))
            else:
                rows.append((self.t("taught_word_row", word=tr.name(word.word), when=when, drawings=drawings),
                             figures))
        needed = tr.number(self.app.settings.teach_word_drawings)
        for word, count in self.learning[:self.TAUGHT_ROWS - len(rows)]:
            count = tr.number(count)
            rows.append((self.t("taught_word_progress", word=tr.name(word), count=count, needed=needed),
                         (shown(count, "installation"), shown(needed, "settings"))))
        if not rows:
            rows.append((self.t("taught_words_none", needed=needed), (shown(needed, "settings"),)))
        return rows

    def _draw_words(self, surface: pygame.Surface) -> None:
        text, px, rect = self.app.text, self.px, self.words_rect
        card(surface, rect, theme.BACKGROUND_DEEP, px(24))
        inner = rect.inflate(-px(36), -px(24))
        heading = pygame.Rect(inner.left, inner.top, inner.width, int(inner.height * 0.24))
        text.draw(surface, self.t("taught_words_heading"), heading, theme.TEXT, max_size=px(28), align="left")
        rows = self.word_rows()
        body = pygame.Rect(inner.left, heading.bottom + px(4), inner.width, inner.bottom - heading.bottom - px(4))
        row_h = body.height // self.TAUGHT_ROWS
        lines = [pygame.Rect(body.left, body.top + index * row_h, body.width, row_h) for index in range(len(rows))]
        # One size for every line (the size the longest allows), so the list reads as a list.
        size = min(text.fit(sentence, line.size, px(24), bold=False).size for (sentence, _), line in zip(rows, lines))
        for index, ((sentence, figures), line) in enumerate(zip(rows, lines)):
            colour = theme.TEXT if index < len(self.taught) else theme.TEXT_SOFT
            text.draw(surface, sentence, line, colour, max_size=size, bold=False, align="left", figures=figures)

    def _draw_facts(self, surface: pygame.Surface) -> None:
        text, px = self.app.text, self.px
        facts = self.facts()
        gap = px(16)
        height = (self.facts_rect.height - gap * (len(facts) - 1)) // len(facts)
        for index, (figure, sentence, figures) in enumerate(facts):
            rect = pygame.Rect(self.facts_rect.left, self.facts_rect.top + index * (height + gap),
                               self.facts_rect.width, height)
            card(surface, rect, theme.PAPER, px(20), shadow=px(5))
            inner = rect.inflate(-px(28), -px(18))
            figure_w = min(int(inner.width * 0.3), px(150))
            colour = theme.MISS if figure == "!" else theme.INK
            text.draw(surface, figure, pygame.Rect(inner.left, inner.top, figure_w, inner.height), colour,
                      max_size=px(56), figures=[f for f in figures if f.text in figure])
            text.draw(surface, sentence, pygame.Rect(inner.left + figure_w + px(14), inner.top,
                                                     inner.width - figure_w - px(14), inner.height),
                      theme.INK, max_size=px(26), bold=False, align="left",
                      figures=[f for f in figures if f.text in sentence])

"""One game's way through the screens, a part of the `App` (its base class, as `model/store/reading.py`
is of `Store`): the consent screen first, then a prompt card and a drawing per word, the game over
screen with its pay slip, what was taught and the explanations, and home (the title screen, or the
kiosk's attract loop).

Besides the order of the screens it holds what a game is made of when it begins: the session its
drawings are stored under (`start_session`, only with consent), the prompts, the unknown words it
asks players to teach (`teach_words`), and the `GameListener`s (`App.game_listeners`) told when a
game starts, finishes or is abandoned. The window, the frame loop and the services are `app.py`'s.
"""
from __future__ import annotations

import logging
import random
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from model import teaching

from .rounds import Game, RoundResult, pick_prompts
from .scenes.consent import ConsentScene
from .scenes.drawing import DrawingScene
from .scenes.explain import ExplainScene
from .scenes.gameover import GameOverScene
from .scenes.payslip import PayslipScene
from .scenes.prompt import PromptScene
from .scenes.taught import TaughtScene
from .scenes.title import TitleScene

if TYPE_CHECKING:
    from model.classify import Classifier
    from model.store import Session, Store

    from .guesser import Guesser
    from .hooks import GameListener
    from .i18n import Translations
    from .kiosk.controller import Kiosk
    from .round_writer import RoundWriter
    from .settings import Settings

log = logging.getLogger("pennydraw")


class GameFlow:
    """The App's game: which screen comes next, and who hears of it. The attributes below are the
    App's, set in `App.__init__`; so is `switch(scene)`, which shows a screen."""

    settings: Settings
    classifier: Classifier | None
    store: Store | None
    rng: random.Random
    translations: Translations
    guesser: Guesser | None
    rounds: RoundWriter | None
    game: Game | None
    game_listeners: list[GameListener]
    kiosk: Kiosk | None
    game_started_at: datetime | None
    _game_over: GameOverScene | None
    _payslip: PayslipScene | None

    def start_session(self, consent: bool) -> Session | None:
        """A new player session, with the answer of the consent screen: its erasure code now, its row
        with its first drawing (`Store.new_session`: the frame never waits for the database). Without
        consent the session lives in memory only and nothing of the game is ever written. A store
        that cannot be read does not stop the game: it is played without storing."""
        if self.store is None:
            return None
        from model.store import StoreError
        try:
            return self.store.new_session(locale=self.translations.lang, consent=consent,
                                          country=self.settings.country)
        except StoreError as error:
            log.error("cannot store this game (%s): it is played without storing anything", error)
            return self.store.new_session(locale=self.translations.lang, consent=False)

    def new_game(self) -> None:
        """Start and Play again: the participation agreement comes first, before any drawing."""
        self.switch(ConsentScene(self))

    def begin_game(self, consent: bool) -> None:
        """The consent screen's answer: a session (stored only with consent), prompts, the first card."""
        categories = list(self.classifier.categories)
        rounds = min(self.settings.rounds, len(categories))
        if rounds < self.settings.rounds:
            log.warning("only %d categories: playing %d rounds", len(categories), rounds)
        self._drop_game()
        known = pick_prompts(categories, rounds, self.rng)     # first: a seed gives the same first prompt
        teach = self.teach_words(rounds)
        prompts = teaching.plan_game(known, teach, self.rng)
        self.game = Game(prompts, self.rounds, self.start_session(consent), teaching=teach)
        self.game_started_at = datetime.now(timezone.utc)
        self._game_over = self._payslip = None
        self.switch(PromptScene(self, self.game.current_word))
        self._tell("game_started", self.game)

    def teach_words(self, rounds: int) -> list[str]:
        """The words of this game the machine does not know (`model.teaching`): a share of `rounds`
        (`Settings.teach_share`), those with the most donated drawings short of a retraining's threshold
        first. The counts are one quick query; a store that cannot answer counts nothing."""
        count = teaching.teach_count(rounds, self.settings.teach_share, self.rng)
        if count == 0:
            return []
        from model.quickdraw.download import quickdraw_categories
        counts = {}
        if self.store is not None:
            try:
                counts = self.store.word_counts()
            except Exception as error:
                log.warning("cannot count the drawings of each word (%s): teaching words picked without", error)
        return teaching.teach_words(quickdraw_categories(), self.classifier.categories, counts,
                                    self.settings.teach_word_drawings, count, self.rng)

    def begin_round(self, word: str) -> None:
        self.switch(DrawingScene(self, word))

    def record_round(self, result: RoundResult) -> RoundResult:
        """The drawing scene's finished round: kept, and handed to the writer now (`Game.record`); the
        listeners hear when it was the game's last."""
        result = self.game.record(result)
        if self.game.finished:
            self._tell("game_finished", self.game)
        return result

    def finish_round(self, result: RoundResult) -> None:
        if self.game.finished:
            self.show_game_over()
        else:
            self.switch(PromptScene(self, self.game.current_word))

    def show_game_over(self) -> None:
        if self._game_over is None:
            self._game_over = GameOverScene(self)
        self.switch(self._game_over)

    def show_payslip(self) -> None:
        """The game's pay slip (kept for the game, so a saved-file message survives a visit back)."""
        if self._payslip is None:
            self._payslip = PayslipScene(self)
        self.switch(self._payslip)

    def show_taught(self) -> None:
        self.switch(TaughtScene(self))

    def explain(self, index: int) -> None:
        self.switch(ExplainScene(self, index))

    def go_home(self) -> None:
        if self.kiosk is not None:  # a kiosk's home is its attract loop
            self.kiosk.go_home()
            return
        self.switch(TitleScene(self))

    def forget_game(self) -> None:
        """Drop the current game and every screen built for it (kiosk idle reset): the next visitor
        must never see the previous visitor's drawings or pay slip."""
        self._drop_game()
        self._game_over = self._payslip = None
        if self.guesser is not None:
            self.guesser.cancel()

    def _drop_game(self) -> None:
        game, self.game = self.game, None
        if game is not None and not game.finished:
            self._tell("game_abandoned", game)

    def _tell(self, what: str, game: Game) -> None:
        for listener in list(self.game_listeners):
            getattr(listener, what)(game)

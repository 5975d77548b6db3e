"""The kiosk controller: what makes the game an unattended exhibition piece (`play.py --kiosk`).

`Kiosk(app, learning).install()` takes over a started App. From then on:

- `App.step` hands it every frame's events first (`filter`): visitors' ways out are dropped
  (`visitor_filter.py`), the operator's chord or corner long press opens the PIN pad and the right
  PIN ends the kiosk (`rules.OperatorExit`), and a game left alone for `Settings.idle_seconds` is
  abandoned (`rules.IdleReset`): every screen of it is dropped (`App.forget_game`) and the attract
  loop comes back, so the next visitor never sees the previous visitor's drawings or pay slip;
- the App tells it when a game starts, finishes or is abandoned (it is one of `App.game_listeners`):
  those go to the log, and after each one on-site learning may start a retraining
  (`game/learning.py`, the loop the home game uses too); a retrained model is swapped in only between
  two games;
- it survives a bug: `recover` (the frame loop calls it when a frame raises, see `run.py`) logs it
  and goes back to the attract loop; only a storm of errors stops the process, for systemd to
  restart it;
- it keeps memory flat over weeks (`memory.py`): a collection whenever a visitor's screens become
  garbage.
"""
from __future__ import annotations

import logging
import time
from collections import deque
from typing import TYPE_CHECKING

import pygame

from ..learning import LearningLoop
from ..scenes.attract import AttractScene
from ..scenes.pinpad import PinPadScene
from .logs import format_fields
from .memory import MemoryKeeper
from .rules import IdleReset, OperatorExit
from .visitor_filter import KEEP, OPERATOR, VisitorFilter, grab_keyboard, is_visitor_input

if TYPE_CHECKING:
    from ..app import App
    from ..rounds import Game
    from ..learning import OnSiteLearning

log = logging.getLogger("pennydraw.kiosk")

OPERATOR_EXIT_CODE = 10            # the process exit status after an operator exit (see the unit)
ERRORS_PER_MINUTE = 10             # more failed frames than this in a minute: let systemd restart us


class Kiosk:
    def __init__(self, app: App, learning: OnSiteLearning | None = None) -> None:
        self.app = app
        self.learning = learning
        self.visitors = VisitorFilter()
        self.idle_reset = IdleReset(app.settings)
        self.operator = OperatorExit(app.settings)
        self.memory = MemoryKeeper()
        self.exit_code: int | None = None  # OPERATOR_EXIT_CODE once the operator left
        self.games_started = self.games_finished = self.games_abandoned = 0
        self.errors: deque[float] = deque()
        self.learning_loop: LearningLoop | None = LearningLoop(app, learning) if learning is not None else None

    @property
    def idle(self) -> float:
        """Seconds since a visitor's last input."""
        return self.idle_reset.idle

    @idle.setter
    def idle(self, seconds: float) -> None:
        self.idle_reset.idle = seconds

    @property
    def pin_lock(self):
        """Wrong PINs lock every pad, not just the one they were typed on."""
        return self.operator.lock

    @property
    def ignored_quits(self) -> int:
        return self.visitors.ignored_quits

    # --- set-up and scenes --------------------------------------------------------------------
    def install(self) -> Kiosk:
        """Take over the started App: no quitting, no cursor, the attract loop as home."""
        self.app.kiosk = self
        self.app.quit_allowed = False
        self.app.game_listeners.append(self)
        if self.learning_loop is not None:
            self.learning_loop.install()
        self.memory.settle()
        try:
            pygame.mouse.set_visible(False)   # touch first; a mouse still works, just unseen
        except pygame.error:
            pass
        grab_keyboard()                       # the window manager's shortcuts come to us, and are dropped
        self.go_home()
        return self

    def go_home(self) -> None:
        """Back to the attract loop, forgetting the game (abandoned if it was not finished)."""
        self.app.forget_game()
        self.operator.forget_hold()
        self.idle_reset.touched()
        self.app.switch(AttractScene(self.app))
        self.memory.collect()              # the last visitor's screens, now unreachable

    def open_pinpad(self) -> None:
        if not self.operator.has_pin:
            log.warning("operator exit asked for, but no PIN is configured: stop the service instead")
            return
        log.info("operator PIN pad opened")
        self.operator.forget_hold()
        self.app.switch(PinPadScene(self.app, self.check_pin, self.go_home, self.operator.lock))

    def check_pin(self, typed: str) -> bool:
        if self.operator.is_pin(typed):
            log.info(format_fields("operator exit", games=self.games_started, finished=self.games_finished,
                                   abandoned=self.games_abandoned))
            self.app.forget_game()         # an unfinished game is abandoned
            self.exit_code = OPERATOR_EXIT_CODE
            self.app.running = False       # the operator's way out, whatever quit_allowed says
            return True
        log.warning("wrong operator PIN")
        return False

    # --- every frame ----------------------------------------------------------------------------
    def filter(self, events, dt: float) -> list:
        """The events a visitor may give the game this frame; runs the kiosk's clocks too."""
        kept = []
        for event in events:
            if is_visitor_input(event):
                self.idle_reset.touched()
            what = self.visitors.sort(event)
            if what == OPERATOR:
                self.open_pinpad()
            elif what == KEEP and not self.operator.corner_hold(event, self.app.scene, self.app.window_size):
                kept.append(event)
        self.tick(dt)
        return kept

    def tick(self, dt: float) -> None:
        self.idle_reset.tick(dt)
        if self.operator.tick(dt):
            self.open_pinpad()
        scene = self.app.scene
        if self.idle_reset.due(scene):
            log.info(format_fields("idle reset", scene=scene.name, idle_seconds=self.idle))
            self.go_home()
        if self.learning_loop is not None:
            self.learning_loop.tick()

    # --- what the App tells it about games ------------------------------------------------------
    def game_started(self, game: Game) -> None:
        self.memory.collect(trim=False)    # "Play again" never passes the attract loop
        self.games_started += 1
        consent = bool(getattr(game.session, "consent", False))
        log.info(format_fields("game started", number=self.games_started, consent=consent,
                               lang=self.app.translations.lang))

    def game_finished(self, game: Game) -> None:
        self.games_finished += 1
        self._log_end("finished", game)

    def game_abandoned(self, game: Game) -> None:
        self.games_abandoned += 1
        self._log_end("abandoned", game)

    def _log_end(self, how: str, game: Game) -> None:
        kept = sum(result.has_ink for result in game.results) if game.donated else 0   # for the store
        log.info(format_fields(f"game {how}", rounds=len(game.results), of=len(game.prompts),
                               recognised=game.score, kept=kept))

    # --- errors ---------------------------------------------------------------------------------
    def recover(self, error: BaseException) -> None:
        """A frame raised: log it and go back to the attract loop; re-raise in an error storm."""
        now = time.monotonic()
        self.errors.append(now)
        while self.errors and now - self.errors[0] > 60:
            self.errors.popleft()
        scene = getattr(self.app.scene, "name", "?")
        log.error("a frame failed in scene %s; back to the attract loop", scene, exc_info=error)
        if len(self.errors) > ERRORS_PER_MINUTE:
            log.critical("%d failed frames in a minute: restarting the kiosk", len(self.errors))
            raise error
        self.go_home()

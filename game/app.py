"""The App: the window, the clock, the current scene, and the services every scene shares.

Services are the classifier (real, loaded from a checkpoint with the bundled one as fallback), the
SQLite store, the voice, the background guesser and the translations. Tests build an App with their
own services and drive it with `step(events, dt)`, exactly what `run()` does once per frame, so a full
game runs headless in a fraction of a second.

There is one frame loop, `run(hooks)`: the kiosk plugs its error guard, its SIGTERM flag and the
scripted visitors into it (`hooks.FrameHooks`). Whoever needs to know when a game starts, finishes
or is abandoned (the kiosk) joins `game_listeners` (`hooks.GameListener`) instead of watching `app.game`.

Quitting happens in one place, `request_quit()`, which a kiosk mode can switch off (`quit_allowed`).
A game's way through the screens, with its session started in one place after the consent screen
(`start_session()`), is the App's base class `GameFlow` (`flow.py`). The frame never writes to the
database: finished rounds (and the retention purge at start) go through the `RoundWriter`
(`rounds`), which stores them from a thread of its own.
"""
from __future__ import annotations

import logging
import os
import random
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import pygame

from . import theme
from .flow import GameFlow
from .guesser import Guesser, make_guesser
from .hooks import FrameHooks, GameListener
from .i18n import Translations
from .round_writer import RoundWriter, journal_for
from .scenes.base import Scene
from .scenes.title import TitleScene
from .settings import MIN_SIZE, Settings
from .ui import TextFitter
from .voice import Voice

if TYPE_CHECKING:   # torch and sqlite-utils load when the services do, not with this module
    from datetime import datetime

    from model.classify import Classifier
    from model.labour import Rates
    from model.store import Store

    from .kiosk.controller import Kiosk
    from .rounds import Game
    from .scenes.gameover import GameOverScene
    from .scenes.payslip import PayslipScene

log = logging.getLogger("pennydraw")
MAX_FRAME_SECONDS = 0.25   # a stalled frame (window dragged, disk busy) must not eat a round


def display_window() -> pygame.Window:
    """The window of `pygame.display` as a `pygame.Window` (its minimum size, the kiosk's keyboard grab)."""
    with warnings.catch_warnings():  # pygame-ce deprecates this bridge, but it is the only one
        warnings.simplefilter("ignore", DeprecationWarning)
        return pygame.Window.from_display_module()


class StartError(Exception):
    """Something the game needs is unusable (e.g. a malformed rates file); the message names it."""


class App(GameFlow):
    """The window, the clock, the current scene, the services; a game's screens come from `GameFlow`."""

    def __init__(self, settings: Settings | None = None, classifier: Classifier | None = None,
                 store: Store | None = None, voice: Voice | None = None, rng: random.Random | None = None) -> None:
        self.settings = settings or Settings()
        self.classifier: Classifier | None = classifier
        self.model_path: Path | None = None     # its checkpoint when the App chose it; None: bundled or given
        self.store: Store | None = store
        self.voice: Voice | None = voice
        self.rng = rng or random.Random(self.settings.seed)
        self.translations = Translations.load(self.settings.lang)
        self.text = TextFitter()
        self.screen: pygame.Surface | None = None
        self.clock: pygame.time.Clock | None = None
        self.guesser: Guesser | None = None
        self.rounds: RoundWriter | None = None   # finished rounds into the store, off the frame
        self.scene: Scene | None = None
        self.game: Game | None = None
        self.game_listeners: list[GameListener] = []
        self.running = False
        self.quit_allowed = True          # a kiosk mode sets this to False
        self.kiosk: Kiosk | None = None   # the exhibition controller (game/kiosk/) in --kiosk mode
        self.frames = 0
        self._owns_store = store is None
        self._shot_key = None
        self._shot_count = 0
        self._game_over: GameOverScene | None = None
        self._payslip: PayslipScene | None = None
        self.game_started_at: datetime | None = None   # when the current game's session began (UTC)
        self._rates: Rates | None = None

    # --- start and stop -----------------------------------------------------------------------
    def start(self) -> "App":
        """Open the window, load the services that were not given, and show the title screen."""
        # The X11 window class lets kiosk scripts and the end-to-end test find the window.
        os.environ["SDL_VIDEO_X11_WMCLASS"] = "pennydraw"
        # Display and fonts only: the voice opens the sound device itself, and only when not muted.
        pygame.display.init()
        pygame.font.init()
        flags = pygame.RESIZABLE
        size = self.settings.size
        if self.settings.fullscreen:
            flags, size = pygame.FULLSCREEN, (0, 0)
        self.screen = pygame.display.set_mode(size, flags)
        pygame.display.set_caption("pennydraw")
        try:  # below this size some translations could not fit
            display_window().minimum_size = MIN_SIZE
        except (AttributeError, pygame.error) as error:
            log.info("cannot set a minimum window size: %s", error)
        self.clock = pygame.time.Clock()
        self._draw_loading()
        if self.store is None:
            from model.store import Store
            self.store = Store(self.settings.db)
        # Rounds an earlier run left in the journal are stored first; then the retention setting.
        self.rounds = RoundWriter(self.store, journal_for(self.store)).start(purge_days=self.settings.keep_days)
        try:  # read and checked now: a broken rates file stops the start with its message
            self.rates
        except ValueError as error:
            raise StartError(str(error)) from error
        if self.classifier is None:
            # --model, else the store's active model (the last one `train.py --db` or the kiosk
            # recorded), else the bundled one; a file that does not load falls back with a warning.
            # One torch thread: the game loop and the voice need the other core.
            from model.classify import choose_model
            choice = choose_model(self.settings.model, self.store, threads=1)
            for warning in choice.warnings:
                log.warning("%s", warning)
            log.info("%s", choice.note)
            self.classifier = choice.classifier
            self.model_path = choice.path
        if self.voice is None:
            self.voice = Voice(self.translations.voice, enabled=not self.settings.mute,
                               rate=self.settings.speech_rate)
            self.voice.start()
        self.guesser = make_guesser(self.classifier)
        self.switch(TitleScene(self))
        self.running = True
        return self

    def _draw_loading(self) -> None:
        """Something friendly in the window while the model loads."""
        self.screen.fill(theme.BACKGROUND)
        width, height = self.screen.get_size()
        u = theme.unit((width, height))
        self.text.draw(self.screen, "pennydraw", pygame.Rect(0, int(height * 0.3), width, int(180 * u)),
                       theme.ACCENT, max_size=int(140 * u))
        self.text.draw(self.screen, self.translations.t("loading"),
                       pygame.Rect(0, int(height * 0.3 + 190 * u), width, int(60 * u)), theme.TEXT,
                       max_size=int(36 * u), bold=False)
        pygame.display.flip()

    def close(self) -> None:
        if self.rounds is not None:   # what it cannot store now waits in the journal
            self.rounds.close()
        if self.guesser is not None:
            self.guesser.close()
        if self.voice is not None:
            self.voice.close()
        if self.store is not None and self._owns_store:
            self.store.close()
        pygame.quit()

    def request_quit(self) -> None:
        """The one way out (Esc, window close). A kiosk mode sets `quit_allowed` to False."""
        if self.quit_allowed:
            self.running = False

    # --- the loop -----------------------------------------------------------------------------
    @property
    def window_size(self) -> tuple[int, int]:
        return self.screen.get_size()

    def run(self, hooks: FrameHooks | None = None) -> None:
        """Frames until the player quits (or `hooks` say stop): the game's one frame loop."""
        hooks = hooks or FrameHooks()
        while self.running and not hooks.stopping():
            dt = min(self.clock.tick(self.settings.fps) / 1000.0, MAX_FRAME_SECONDS) * hooks.speed
            events = pygame.event.get() + hooks.more_events(self, dt)
            try:
                self.step(events, dt)
                pygame.display.flip()
            except Exception as error:
                if not hooks.frame_failed(self, error):
                    raise
            hooks.frame_done(self)
            if self.frames == 1:
                hooks.first_frame(self)

    def step(self, events, dt: float) -> None:
        """One frame: events to the scene, update, draw (the display is flipped by the caller)."""
        size = self.window_size
        if self.kiosk is not None:  # idle reset, operator exit, no quitting for visitors
            events = self.kiosk.filter(events, dt)
        self.scene.ensure_layout(size)
        for event in events:
            if event.type == pygame.QUIT or (event.type == pygame.KEYDOWN and event.key == pygame.K_ESCAPE):
                self.request_quit()
                continue
            self.scene.handle(event)
        self.scene.update(dt)
        self.scene.ensure_layout(size)
        self.scene.draw(self.screen)
        self.frames += 1
        self._maybe_screenshot()

    def _maybe_screenshot(self) -> None:
        directory = self.settings.screenshot_dir
        key = (id(self.scene), getattr(self.scene, "phase", None))
        if directory is None or key == self._shot_key:
            return
        self._shot_key = key
        self._shot_count += 1
        phase = getattr(self.scene, "phase", None)
        name = f"{self._shot_count:02d}-{self.scene.name}{'-' + phase if phase else ''}.png"
        try:
            Path(directory).mkdir(parents=True, exist_ok=True)
            pygame.image.save(self.screen, str(Path(directory) / name))
        except (OSError, pygame.error) as error:
            log.warning("could not save screenshot %s: %s", name, error)

    # --- scenes -------------------------------------------------------------------------------
    def switch(self, scene: Scene) -> None:
        if self.scene is not None:
            self.scene.leave()
        self.scene = scene
        scene.age = 0.0
        if self.screen is not None:
            scene.ensure_layout(self.window_size)
        scene.enter()

    def set_language(self, lang: str) -> None:
        self.settings.lang = lang
        self.translations = Translations.load(lang)
        if self.voice is not None:
            self.voice.set_language(self.translations.voice)

    def use_classifier(self, classifier: Classifier) -> None:
        """Guess with `classifier` from now on (the kiosk swaps a retrained model in between games)."""
        old = self.guesser
        self.classifier = classifier
        self.guesser = make_guesser(classifier)
        if old is not None:
            old.close()

    def read_totals(self) -> dict | None:
        """The players' totals of the whole installation (imported public data is not their work),
        with the rounds still waiting for the database."""
        if self.store is None:
            return None
        try:
            totals = self.store.totals(source="game")
        except Exception:
            log.exception("could not read the totals from the store")
            return None
        if self.rounds is not None:
            for name, value in self.rounds.pending_totals().items():
                totals[name] = totals.get(name, 0) + value
        return totals

    @property
    def rates(self) -> Rates:
        """The sourced micro-task rates (assets/labour_rates.toml), read once."""
        if self._rates is None:
            from model.labour import load_rates
            self._rates = load_rates(self.settings.rates)
        return self._rates

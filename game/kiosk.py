"""The kiosk controller: what makes the game an unattended exhibition piece (`play.py --kiosk`).

`App.step` hands it every frame's events first (`filter`), and it:

- keeps visitors in: window close, Esc, Alt+F4, Ctrl+C, Ctrl+Q, Ctrl+W and the like never reach
  the game (SDL's own SIGINT/SIGTERM handling is switched off in `kiosk_run`);
- lets the operator out: the chord Ctrl+Shift+O, or a press held `HOLD_SECONDS` in the top-left
  corner of the attract screen, opens a PIN pad; the PIN of the config ends the kiosk cleanly;
- resets after `Settings.idle_seconds` without input during a game: the game is abandoned (its
  finished rounds are already stored if the visitor consented), every screen of it is dropped
  (`App.forget_game`) and the attract loop comes back, so the next visitor never sees the previous
  visitor's drawings or pay slip;
- writes games played and abandoned to the log, starts on-site retraining when enough drawings came
  in, and swaps a retrained model in only on the attract loop, between two games;
- survives a bug: `recover` (called by the kiosk loop when a frame raises) logs it and goes back to
  the attract loop; only a storm of errors stops the process, for systemd to restart it;
- keeps its memory flat over weeks: scenes hold their buttons' callbacks in reference cycles, so a
  finished screen (and its full-window surfaces, megabytes each) waits for Python's cycle collector,
  which runs rarely. After start-up everything alive is frozen out of the collector (`gc.freeze`),
  and a collection between games then costs well under a millisecond. C memory matters too: glibc
  keeps freed full-window surfaces in its heap once its adaptive mmap threshold has grown, and the
  heap only ever grows (+80 MB over the first 50 games, measured); `tame_malloc` pins the threshold so
  big buffers go back to the system when freed, and the heap is trimmed between games.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import gc
import hmac
import logging
import time
from collections import deque

import pygame

from .canvas import UNITS
from .guesser import Guesser
from .logs import format_fields
from .scenes.pinpad import PinLock
from .ui import pointer

log = logging.getLogger("pennydraw.kiosk")

HOLD_SECONDS = 5.0                 # a corner long press this long opens the operator's PIN pad
CORNER = 36                        # side of the operator corner, in 1280x800 design pixels
OPERATOR_CHORD = (pygame.K_o, pygame.KMOD_CTRL, pygame.KMOD_SHIFT)   # Ctrl+Shift+O
OPERATOR_EXIT_CODE = 10            # the process exit status after an operator exit (see the unit)
ERRORS_PER_MINUTE = 10             # more failed frames than this in a minute: let systemd restart us
INPUT_EVENTS = frozenset((pygame.MOUSEBUTTONDOWN, pygame.MOUSEBUTTONUP, pygame.MOUSEMOTION, pygame.MOUSEWHEEL,
                          pygame.FINGERDOWN, pygame.FINGERUP, pygame.FINGERMOTION, pygame.KEYDOWN,
                          pygame.KEYUP, pygame.TEXTINPUT))
QUIT_EVENTS = frozenset((pygame.QUIT, pygame.WINDOWCLOSE))
HOME_SCENES = ("attract", "pinpad")


M_MMAP_THRESHOLD = -3              # glibc mallopt parameter; setting it turns the adaptive threshold off
MMAP_THRESHOLD_BYTES = 256 * 1024  # buffers above this (surfaces, frames) get their own mapping


def tame_malloc():
    """On glibc: a fixed mmap threshold, so freed big buffers leave the process. Returns the C
    library to trim between games (`trim_heap`), or None where this is not glibc."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        if not libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES):
            return None
        return libc
    except (OSError, AttributeError):   # musl, macOS, Windows: their allocators behave differently
        return None


def is_escape_key(event: pygame.event.Event) -> bool:
    """Keys a visitor could use to leave or close the window: never passed to the game."""
    if event.type not in (pygame.KEYDOWN, pygame.KEYUP):
        return False
    mod = getattr(event, "mod", 0)
    key = getattr(event, "key", None)
    if key in (pygame.K_ESCAPE, pygame.K_AC_BACK):
        return True
    if mod & pygame.KMOD_ALT and key in (pygame.K_F4, pygame.K_TAB):
        return True
    return bool(mod & (pygame.KMOD_CTRL | pygame.KMOD_META)) and key in (pygame.K_c, pygame.K_q, pygame.K_w)


def is_hover(event: pygame.event.Event) -> bool:
    """A mouse moving with no button held: a jittering mouse or a noisy touch panel, not a visitor;
    it must not keep the last visitor's screens up."""
    return event.type == pygame.MOUSEMOTION and not any(getattr(event, "buttons", ()))


def is_operator_chord(event: pygame.event.Event) -> bool:
    key, *mods = OPERATOR_CHORD
    return (event.type == pygame.KEYDOWN and getattr(event, "key", None) == key
            and all(getattr(event, "mod", 0) & mod for mod in mods))


class Kiosk:
    def __init__(self, app, learning=None) -> None:
        self.app = app
        self.learning = learning
        self.idle = 0.0
        self.hold_source = None            # the pointer pressing the operator corner
        self.hold_time = 0.0
        self.exit_code: int | None = None  # OPERATOR_EXIT_CODE once the operator left
        self.games_started = self.games_finished = self.games_abandoned = 0
        self.ignored_quits = 0
        self.errors: deque[float] = deque()
        self.pin_lock = PinLock()          # wrong PINs lock every pad, not just the one they were typed on
        self._game = None
        self._rounds_seen = 0
        self._check_learning = True
        self._libc = None                  # glibc, once `install` has tamed it

    # --- set-up and scenes --------------------------------------------------------------------
    def install(self) -> "Kiosk":
        """Take over the started App: no quitting, no cursor, the attract loop as home."""
        self.app.kiosk = self
        self.app.quit_allowed = False
        self._libc = tame_malloc()
        gc.collect()
        gc.freeze()                        # the model, fonts and modules: never garbage, never scanned
        try:
            pygame.mouse.set_visible(False)   # touch first; a mouse still works, just unseen
        except pygame.error:
            pass
        self.go_home()
        return self

    def go_home(self) -> None:
        """Back to the attract loop, forgetting the game (abandoned if it was not finished)."""
        from .scenes.attract import AttractScene
        self._leave_game("abandoned")
        self.app.forget_game()
        self.hold_source, self.hold_time, self.idle = None, 0.0, 0.0
        self.app.switch(AttractScene(self.app))
        gc.collect()                       # the last visitor's screens, now unreachable
        if self._libc is not None:
            self._libc.malloc_trim(0)      # and their pixels back to the system

    def open_pinpad(self) -> None:
        if self.app.settings.pin is None:
            log.warning("operator exit asked for, but no PIN is configured: stop the service instead")
            return
        from .scenes.pinpad import PinPadScene
        log.info("operator PIN pad opened")
        self.hold_source, self.hold_time = None, 0.0
        self.app.switch(PinPadScene(self.app, self.check_pin, self.go_home, self.pin_lock))

    def check_pin(self, typed: str) -> bool:
        pin = self.app.settings.pin
        if pin is not None and hmac.compare_digest(typed.encode(), str(pin).encode()):
            log.info(format_fields("operator exit", games=self.games_started, finished=self.games_finished,
                                   abandoned=self.games_abandoned))
            self._leave_game("abandoned")
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
            if event.type in INPUT_EVENTS and not is_hover(event):
                self.idle = 0.0
            if event.type in QUIT_EVENTS:
                self.ignored_quits += 1
                if self.ignored_quits in (1, 10, 100) or self.ignored_quits % 1000 == 0:
                    log.info("ignored a request to close the window (%d so far)", self.ignored_quits)
                continue
            if is_operator_chord(event):
                self.open_pinpad()
                continue
            if is_escape_key(event) or self._corner_hold(event):
                continue
            kept.append(event)
        self.tick(dt)
        return kept

    def tick(self, dt: float) -> None:
        self.idle += dt
        self.pin_lock.tick(dt)
        if self.hold_source is not None:
            self.hold_time += dt
            if self.hold_time >= HOLD_SECONDS:
                self.open_pinpad()
        self._watch_game()
        scene = self.app.scene.name
        if (scene not in HOME_SCENES and self.idle >= self.app.settings.idle_seconds
                and not (scene == "drawing" and getattr(self.app.scene, "phase", "") == "verdict")):
            log.info(format_fields("idle reset", scene=scene, idle_seconds=self.idle))
            self.go_home()
        if self.learning is not None and self.app.scene.name == "attract":
            self._learn()

    def _corner_hold(self, event) -> bool:
        """Track a press held in the operator corner of the attract screen; True if it is one."""
        if self.app.scene.name != "attract":
            self.hold_source = None
            return False
        ptr = pointer(event, self.app.window_size)
        if ptr is None:
            return False
        side = max(24, round(CORNER * self.app.scene.u)) if hasattr(self.app.scene, "u") else CORNER
        inside = 0 <= ptr.pos[0] < side and 0 <= ptr.pos[1] < side
        if ptr.kind == "down" and inside and self.hold_source is None:
            self.hold_source, self.hold_time = ptr.source, 0.0
            return True
        if ptr.source == self.hold_source:
            if ptr.kind == "up" or (ptr.kind == "move" and not inside):
                self.hold_source = None
            return True
        return False

    # --- games, learning and errors -----------------------------------------------------------
    def _watch_game(self) -> None:
        game = self.app.game
        if game is not self._game:
            self._leave_game("abandoned")
            self._game, self._rounds_seen = game, 0
            if game is not None:
                gc.collect()               # "Play again" never passes the attract loop
                self.games_started += 1
                consent = bool(getattr(game.session, "consent", False))
                log.info(format_fields("game started", number=self.games_started, consent=consent,
                                       lang=self.app.translations.lang))
        if game is not None and len(game.results) != self._rounds_seen:
            self._rounds_seen = len(game.results)
            if game.finished:
                self._leave_game("finished")

    def _leave_game(self, how: str) -> None:
        game, self._game = self._game, None
        if game is None:
            return
        stored = sum(result.drawing_id is not None for result in game.results)
        if how == "finished":
            self.games_finished += 1
            self._game = game   # still on its game-over screens: not abandoned when they close
        else:
            if game.finished:
                return          # its end was already logged
            self.games_abandoned += 1
        log.info(format_fields(f"game {how}", rounds=len(game.results), of=len(game.prompts),
                               recognised=game.score, stored=stored))
        self._check_learning = True

    def _learn(self) -> None:
        if self._check_learning:
            self._check_learning = False
            totals = self.app.read_totals()
            if totals is not None:
                self.learning.maybe_start(int(totals.get("drawings", 0)))
        outcome = self.learning.poll()
        if outcome is not None:
            classifier = self.learning.activate(outcome)
            if classifier is not None:
                self.swap_model(classifier)

    def swap_model(self, classifier) -> None:
        """Guess with `classifier` from now on (called between games only)."""
        old = self.app.guesser
        self.app.classifier = classifier
        self.app.guesser = Guesser(classifier, thin_step=UNITS / 50)
        if old is not None:
            old.close()

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

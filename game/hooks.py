"""What plugs into the App: its frame loop (`FrameHooks`) and its games (`GameListener`).

The App has one frame loop, `App.run(hooks)`; the kiosk adds its error guard, its SIGTERM flag and
the scripted visitors through a `FrameHooks` subclass (`game/kiosk/run.py`) instead of writing a
loop of its own. Whoever needs to know when a game starts, finishes or is abandoned joins
`App.game_listeners` (the kiosk logs games and retrains after them) instead of watching `app.game`.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from .app import App
    from .rounds import Game

log = logging.getLogger("pennydraw")


class GameListener(Protocol):
    """Told by the App about each game (the kiosk logs them and retrains after them)."""

    def game_started(self, game: Game) -> None: ...

    def game_finished(self, game: Game) -> None: ...    # its last round is recorded

    def game_abandoned(self, game: Game) -> None: ...   # dropped before its last round


class FrameHooks:
    """What a caller plugs into `App.run`'s frame loop; these defaults add nothing (the kiosk's
    `run.KioskLoop` adds its guard, SIGTERM and scripted visitors)."""

    speed = 1.0   # game seconds per real second (scripted visitors run a fast clock)

    def stopping(self) -> bool:
        """True ends the loop before the next frame."""
        return False

    def more_events(self, app: App, dt: float) -> list:
        """Events to add to this frame's real ones."""
        return []

    def frame_failed(self, app: App, error: Exception) -> bool:
        """A frame raised `error`: True if it was handled, False to let it end the loop."""
        return False

    def frame_done(self, app: App) -> None:
        """After every frame, failed or not."""

    def first_frame(self, app: App) -> None:
        log.info("first frame")

"""`python play.py [options]`: the command line into Settings, then the game or the kiosk.

A home game logs to stderr and ends with status 0, or 2 with one line when something it needs is
unusable (a model file, the database, the display, the rates file). `--kiosk` hands everything to
the exhibition process (`game/kiosk/run.py`), with its own log file, checks and exit statuses.
"""
from __future__ import annotations

import logging
import sys

import pygame

from .app import App, StartError
from .kiosk.run import kiosk_main
from .settings import settings_from_args

log = logging.getLogger("pennydraw")


def main(argv: list[str] | None = None) -> int:
    """Entry point of `play.py`: parse the command line, play until the player quits."""
    settings = settings_from_args(argv)
    if settings.kiosk:  # exhibition mode: its own logging, start-up checks, signals and loop
        return kiosk_main(settings)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="pennydraw: %(message)s")
    app = App(settings)
    try:
        app.start()
    except Exception as error:  # a missing model or an unusable database: say which, plainly
        from model.store import StoreError
        known = (StoreError, pygame.error, StartError)
        classify = sys.modules.get("model.classify")  # not imported yet: cannot be its error (no torch import)
        if classify is not None:
            known += (classify.CheckpointError,)
        if isinstance(error, known):
            log.error("cannot start: %s", error)
            app.close()
            return 2
        raise
    try:
        app.run()
    finally:
        app.close()
    return 0

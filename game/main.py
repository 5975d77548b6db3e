"""`pennydraw [options]` (or `python play.py`, `python -m game`): the command line into Settings, then
the game or the kiosk.

A home game logs to stderr and ends with status 0, or 2 with one line when something it needs is
unusable (a model file, the database, the display, the rates file). It learns from the drawings its
player donates as the kiosk does (`game/learning.py`): after every `--retrain-every` new drawings a
low-priority retraining runs in the background, and a model that is not worse is swapped in between
games; a retraining still running when the game closes stops with it and is tried again next time. `--kiosk` hands everything to
the exhibition process (`game/kiosk/run.py`), with its own log file, checks and exit statuses.
"""
from __future__ import annotations

import logging
import sys

import pygame

from model import locations

from .app import App, StartError
from .learning import HomeLearningHooks, home_learning
from .kiosk.run import kiosk_main
from .settings import settings_from_args

log = logging.getLogger("pennydraw")


def main(argv: list[str] | None = None, prog: str = "pennydraw") -> int:
    """Entry point of the `pennydraw` command and `play.py`: parse the command line, play until the
    player quits."""
    settings = settings_from_args(argv, prog)
    if settings.kiosk:  # exhibition mode: its own logging, start-up checks, signals and loop
        return kiosk_main(settings)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="pennydraw: %(message)s")
    log.info("%s", data_line(settings))
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
    loop = None
    try:
        loop = home_learning(app)
        app.run(HomeLearningHooks(loop) if loop is not None else None)
    finally:
        if loop is not None:
            loop.close()
        app.close()
    return 0


def data_line(settings) -> str:
    """The first line a home game logs: where this run keeps the drawings, and why there."""
    where = locations.DATA_DIR_KIND if settings.db == locations.DEFAULT_DB_PATH else "--db"
    return f"drawings are kept in {settings.db} ({where})"

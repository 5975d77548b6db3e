"""The kiosk process: what `play.py --kiosk` runs, from the start-up checks to the last log line.

1. Logging to the rotating file first (`logs.py`), so everything after it leaves a trace.
2. Signals: SIGINT (Ctrl+C) and SIGHUP are ignored, SIGTERM (`systemctl stop`) stops cleanly. SDL's
   own handlers are switched off, since SDL would turn both signals into a window-close event; a
   fullscreen window is kept up when another window takes the focus.
3. Start-up checks (`startup_checks.py`): the database's integrity, the model (the store's active
   one, else the bundled one), the disk.
4. The App in full screen with the `Kiosk` controller installed, on-site learning when configured,
   and scripted visitors when the hidden `--autoplay` option asks for them.
5. The App's frame loop (`App.run`) with the kiosk's hooks (`KioskLoop`): a frame that raises is
   logged and the attract loop comes back (`Kiosk.recover`), so one bug does not end an exhibition
   day; SIGTERM ends it after the frame; scripted visitors add their events.

Exit status: 0 after SIGTERM, `controller.OPERATOR_EXIT_CODE` (10) after the operator's PIN (the
systemd unit does not restart on it), 2 when the kiosk cannot start, 1 after a storm of errors.
"""
from __future__ import annotations

import logging
import os
import signal

from ..app import App
from ..hooks import FrameHooks
from .autoplay import AutoplaySpec, Visitors
from .controller import Kiosk
from ..learning import LearningConfig, OnSiteLearning
from .logs import close_kiosk_logging, default_log_path, format_fields, setup_kiosk_logging
from .startup_checks import StartupReport, check_database, check_disk, choose_model

log = logging.getLogger("pennydraw.kiosk")


class StopFlag:
    """Set by SIGTERM; the loop ends at the next frame."""

    def __init__(self) -> None:
        self.reason: str | None = None

    def __call__(self, signum, frame) -> None:
        self.reason = signal.Signals(signum).name


def install_signals(stop: StopFlag) -> dict:
    """Kiosk signal handling; returns the previous handlers (restored by `restore_signals`)."""
    # SDL reads these when the display starts: no SIGINT/SIGTERM -> window close, no minimising.
    os.environ["SDL_NO_SIGNAL_HANDLERS"] = "1"
    os.environ["SDL_VIDEO_MINIMIZE_ON_FOCUS_LOSS"] = "0"
    os.environ["SDL_ALLOW_ALT_TAB_WHILE_GRABBED"] = "0"   # a grabbed keyboard keeps Alt+Tab too
    wanted = {signal.SIGINT: signal.SIG_IGN, signal.SIGHUP: signal.SIG_IGN, signal.SIGTERM: stop}
    return {signum: signal.signal(signum, handler) for signum, handler in wanted.items()}


def restore_signals(previous: dict) -> None:
    for signum, handler in previous.items():
        signal.signal(signum, handler)


class KioskLoop(FrameHooks):
    """The kiosk's part of `App.run`: stop on SIGTERM, survive a failed frame, scripted visitors."""

    def __init__(self, kiosk: Kiosk, stop: StopFlag, visitors: Visitors | None = None) -> None:
        self.kiosk, self.stop, self.visitors = kiosk, stop, visitors
        self.speed = visitors.spec.speed if visitors else 1.0

    def stopping(self) -> bool:
        return self.stop.reason is not None

    def more_events(self, app: App, dt: float) -> list:
        return self.visitors.events(app, dt) if self.visitors is not None else []

    def frame_failed(self, app: App, error: Exception) -> bool:
        self.kiosk.recover(error)   # re-raises in an error storm
        return True

    def frame_done(self, app: App) -> None:
        if self.visitors is not None:
            self.visitors.after_frame(app)

    def first_frame(self, app: App) -> None:
        log.info("kiosk ready: first frame shown")


def kiosk_main(settings) -> int:
    """`play.py --kiosk`: check, start, run and stop the exhibition kiosk; the exit status."""
    settings.fullscreen = True   # at the display's resolution
    if settings.payslip_dir == type(settings)().payslip_dir:   # state beside the database, not in the code
        settings.payslip_dir = settings.db.resolve().parent / "payslips"
    log_path = setup_kiosk_logging(settings.log or default_log_path(settings.db))
    stop = StopFlag()
    previous = install_signals(stop)
    log.info(format_fields("kiosk starting", pid=os.getpid(), db=settings.db, log=log_path,
                           idle_seconds=settings.idle_seconds, payslip_idle_seconds=settings.payslip_idle_seconds,
                           retrain_every=settings.retrain_every,
                           operator_exit="pin" if settings.pin else "none"))
    app = store = learning = visitors = kiosk = None
    try:
        from model.store import Store, StoreError
        report = StartupReport()
        try:
            check_disk(settings.db, report)
            check_database(settings.db, report)
            store = Store(settings.db)
            classifier = choose_model(store, settings.model, report)
        except StoreError as error:
            log.error("cannot start: %s", error)
            return 2
        for note in report.notes:
            log.info("start-up check: %s", note)
        app = App(settings, classifier=classifier, store=store)
        try:
            app.start()
        except Exception as error:   # a broken rates file, no display: say it, let systemd retry
            log.error("cannot start: %s", error)
            return 2
        if settings.retrain_every > 0:
            learning = OnSiteLearning(store, settings.db, settings.retrain_every, report.model_path,
                                      config=LearningConfig(new_word_min=settings.teach_word_drawings))
        kiosk = Kiosk(app, learning).install()
        if settings.autoplay:
            visitors = Visitors(AutoplaySpec.parse(settings.autoplay))
        app.run(KioskLoop(kiosk, stop, visitors))
        log.info(format_fields("kiosk stopped", reason=stop.reason or "operator", frames=app.frames,
                               games=kiosk.games_started, finished=kiosk.games_finished,
                               abandoned=kiosk.games_abandoned))
        return 0 if stop.reason else (kiosk.exit_code or 0)
    except Exception:
        # Logged here: the `finally` below closes the log file before Python's excepthook could.
        log.critical("the kiosk crashed", exc_info=True)
        raise
    finally:
        for closing in (learning, visitors, app, store):
            if closing is not None:
                try:
                    closing.close()
                except Exception:
                    log.exception("while closing %s", type(closing).__name__)
        restore_signals(previous)
        close_kiosk_logging()

"""Learning on site: the game retrains its classifier from the drawings players gave it, in the
kiosk and at home alike (one loop, one rule).

After every `Settings.retrain_every` new consented drawings, `OnSiteLearning` starts one retraining
(`python -m model.retrain_job`) as a separate process at the lowest priority, so the game's frames
never wait for it. The job also adds the words players taught it (a word the model does not know
with at least `Settings.teach_word_drawings` drawings, `--new-word-min`). When the job is done, its
outcome says whether the new model guessed the held-out collected drawings at least as well as the
current one (`model.onsite.decide`):

- not worse: it is swapped in *between two games* (`LearningLoop`: on the attract loop, the title
  screen or the participation agreement, never under a player's pen), then `activate` records it in
  the store's `models` table as the active model, with its metrics and the words it learned
  (`model.teaching.NEW_WORDS`), so the "What you taught the machine" screen shows it and the next start
  loads it;
- worse (or not judgeable): it is recorded as an inactive model with the reason, and the game goes
  on with the model it has.

`LearningLoop` is the loop both use: it hears when a game ends (an `App` game listener), then
checks whether a retraining is due, and between games picks an accepted model up and swaps it in.
The kiosk ticks it from its controller; the home game from its frame hooks (`HomeLearningHooks`).

Outcomes are files (`onsite-*.json` beside their checkpoints), so a game killed while a job ran
records the outcome at its next start. What the two processes agree on (held-out set, decision rule,
outcome file) is `model/onsite.py`. Nothing here imports pygame or torch at import time.
"""
from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from model.locations import child_environment, module_command
from model.onsite import (HELD_OUT_SET, HOLDOUT_PERCENT, MIN_HELD_OUT, NEW_WORD_MIN, OUTCOME_PATTERN,
                          SCRATCH_PREFIX, Outcome, count, read_outcome, unused_path)

from .hooks import FrameHooks

if TYPE_CHECKING:
    from .app import App
    from .rounds import Game

log = logging.getLogger("pennydraw.learning")

# Screens between two games, where a swap never lands under a player's pen: the kiosk's attract loop,
# the home title screen, and the participation agreement ("Play again" goes there without a title).
BETWEEN_GAMES = frozenset({"attract", "title", "consent"})


@dataclass(frozen=True)
class LearningConfig:
    # Share of collected drawings (by a hash of their key) never trained on, kept to judge new models.
    holdout_percent: int = HOLDOUT_PERCENT
    # With fewer held-out drawings than this there is nothing to judge by: the current model stays.
    min_held_out: int = MIN_HELD_OUT
    # Generated doodles per category mixed into each retraining, so categories few visitors drew
    # are not forgotten.
    synthetic: int = 50
    # Passes over the data; None keeps train.py's fine-tuning default.
    epochs: int | None = None
    # Generated doodles per category that refit the new model's temperature and recognition
    # thresholds (model/calibration.py); None keeps train.py's default (40: 39 s the first time on a
    # 2-core machine, 9 s from the next retraining on, their rasters cached beside the models).
    calibrate: int | None = None
    # The new model may score this much lower (top-1, 0..1) and still count as "not worse".
    tolerance: float = 0.0
    # A retraining still running after this many seconds is stopped (and tried again later).
    timeout: float = 4 * 3600.0
    # Free disk space a retraining must leave beside its snapshot (a copy of the database, twice to
    # be safe); with less it is put off, so visitors' drawings never meet a disk it filled.
    spare_bytes: int = 100 * 1024 * 1024
    # A word the model does not know is added once it has this many drawings (`Settings.teach_word_drawings`).
    new_word_min: int = NEW_WORD_MIN


class OnSiteLearning:
    """Starts retraining jobs when enough new drawings came in, and hands back accepted models."""

    def __init__(self, store, db_path, every: int, current_path: Path | None, models_dir: Path | None = None,
                 config: LearningConfig = LearningConfig(), python: str = sys.executable) -> None:
        self.store = store
        self.db_path = Path(db_path)
        self.every = int(every)
        self.current_path = current_path          # None: the bundled model
        self.models_dir = Path(models_dir) if models_dir else self.db_path.resolve().parent / "models"
        self.config = config
        self.python = python
        self.process: subprocess.Popen | None = None
        self.started_at = 0.0
        self.result_file: Path | None = None
        self.ready: list[Outcome] = []            # accepted, waiting for the next pause between games
        self._sweep_scratch()
        self._collect_leftovers()
        # After the leftovers: a job that finished while the kiosk was down counts, recorded or waiting,
        # so a restart does not retrain at once on drawings that job already covered.
        self.baseline = max([self._recorded_baseline(), *(o.collected for o in self.ready)])

    # --- bookkeeping from earlier runs --------------------------------------------------------
    def _recorded(self) -> list[dict]:
        try:
            return self.store.models()
        except Exception as error:
            log.warning("cannot read the models table: %s", error)
            return []

    def _recorded_baseline(self) -> int:
        counts = [m["metrics"].get("collected_drawings") for m in self._recorded() if isinstance(m["metrics"], dict)]
        return max((count(c) for c in counts), default=0)

    def _sweep_scratch(self) -> None:
        """Remove the snapshots of jobs that never cleaned up (SIGKILL, power cut, timeout): each is a
        full copy of the database. Called only when no job of this kiosk runs."""
        if not self.models_dir.is_dir():
            return
        for scratch in self.models_dir.glob(f"{SCRATCH_PREFIX}*"):
            if scratch.is_dir():
                shutil.rmtree(scratch, ignore_errors=True)
                log.info("removed the leftover retraining snapshot %s", scratch)

    def _collect_leftovers(self) -> None:
        """Outcomes a killed kiosk never recorded: rejected ones are recorded, accepted ones wait."""
        if not self.models_dir.is_dir():
            return
        known = {m["version"] for m in self._recorded()}
        for file in sorted(self.models_dir.glob(OUTCOME_PATTERN)):
            outcome = self._read(file)
            if outcome is not None and outcome.version and outcome.version not in known:
                self._take(outcome)

    @staticmethod
    def _read(file: Path) -> Outcome | None:
        try:
            return read_outcome(file)
        except (OSError, ValueError) as error:
            log.warning("cannot read the retraining outcome %s: %s", file, error)
            return None

    # --- starting and watching the job --------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.process is not None

    def due(self, collected: int) -> bool:
        # Not while an accepted model waits for its swap: the job would start from the model it replaces.
        return self.every > 0 and not self.running and not self.ready and collected - self.baseline >= self.every

    def maybe_start(self, collected: int) -> bool:
        """Start a retraining if `collected` drawings make one due; True if one was started."""
        # Erasures (`forget`, `--keep-days`) lower the count: new drawings count from there, or the
        # count might never climb `every` past the old baseline again and learning would stop.
        self.baseline = min(self.baseline, collected)
        if not self.due(collected):
            return False
        self.models_dir.mkdir(parents=True, exist_ok=True)
        if not self._room_for_a_job():
            self.baseline = collected      # tried again after `every` more drawings, not after every game
            return False
        stamp = time.strftime("%Y%m%d-%H%M%S")
        # A fresh name even when the clock repeats a stamp: an old outcome under it would be taken for
        # this job's, and an old model swapped back in.
        self.result_file = unused_path(self.models_dir / f"onsite-{stamp}.json")
        c = self.config
        command = module_command(
            "model.retrain_job", "--db", str(self.db_path),
            "--init", str(self.current_path) if self.current_path else "bundled",
            "--out-dir", str(self.models_dir), "--result", str(self.result_file),
            "--collected", str(collected), "--holdout-percent", str(c.holdout_percent),
            "--min-held-out", str(c.min_held_out), "--synthetic", str(c.synthetic),
            "--tolerance", str(c.tolerance), "--parent-pid", str(os.getpid()),
            "--new-word-min", str(c.new_word_min),
            *(["--epochs", str(c.epochs)] if c.epochs else []),
            *(["--calibrate", str(c.calibrate)] if c.calibrate else []), python=self.python)
        with open(self.models_dir / "retrain.log", "ab") as output:
            self.process = subprocess.Popen(command, env=child_environment(), stdin=subprocess.DEVNULL,
                                            stdout=output, stderr=subprocess.STDOUT, close_fds=True)
        self.started_at = time.monotonic()
        self.baseline = collected
        log.info("retraining started pid=%d collected=%d (every %d drawings)", self.process.pid, collected,
                 self.every)
        return True

    def _room_for_a_job(self) -> bool:
        try:
            needed = 2 * self.db_path.stat().st_size + self.config.spare_bytes
            free = shutil.disk_usage(self.models_dir).free
        except OSError:
            return True                    # cannot tell: the job itself reports a full disk
        if free < needed:
            log.warning("retraining put off: %d MB free on the disk of %s, %d MB needed", free >> 20,
                        self.models_dir, needed >> 20)
        return free >= needed

    def poll(self) -> Outcome | None:
        """An accepted model waiting for a pause between games, if any (cheap: call every frame)."""
        if self.process is not None:
            code = self.process.poll()
            if code is None and time.monotonic() - self.started_at > self.config.timeout:
                log.warning("retraining ran over %.0f s: stopped", self.config.timeout)
                self.process.kill()
                code = self.process.wait()
            if code is not None:
                self.process = None
                self._sweep_scratch()
                outcome = self._read(self.result_file) if self.result_file.exists() else None
                if outcome is None:
                    log.error("retraining ended with exit code %s and no outcome; see %s", code,
                              self.models_dir / "retrain.log")
                else:
                    self._take(outcome)
        return self.ready[0] if self.ready else None

    def _take(self, outcome: Outcome) -> None:
        data = outcome.data
        if outcome.accepted:
            log.info("retrained model %s accepted (%s); swapping it in between games", outcome.version,
                     data.get("reason"))
            self.ready.append(outcome)
            return
        log.info("retrained model %s not used: %s", outcome.version or "-", data.get("reason"))
        if outcome.version and data.get("path"):
            self._record(outcome, active=False, decision="kept the current model")

    def _record(self, outcome: Outcome, active: bool, decision: str) -> None:
        data = outcome.data
        metrics = outcome.record_metrics(decision)   # with the words it added, `new_words`
        try:
            self.store.record_model(outcome.version, data["path"], int(data.get("examples") or 0),
                                    metrics,
                                    player_examples=int(data.get("player_examples") or 0),
                                    trained_at=data.get("trained_at") or None, active=active)
        except Exception:
            log.exception("could not record model %s in the models table", outcome.version)

    # --- swapping -----------------------------------------------------------------------------
    def activate(self, outcome: Outcome):
        """Load an accepted model, record it as the active one; the classifier, or None if unusable."""
        self.ready.remove(outcome)
        from model.classify import Classifier, check_usable
        try:
            classifier = check_usable(Classifier.load(outcome.data["path"], threads=1))
        except Exception as error:
            log.error("retrained model %s cannot be loaded (%s): kept the current model", outcome.version, error)
            self._record(outcome, active=False, decision=f"unusable: {error}")
            return None
        self._record(outcome, active=True, decision="swapped in")
        self.current_path = Path(outcome.data["path"])
        current = outcome.data.get("current") or {}
        log.info("model swap %s -> %s held-out top1 %s -> %s", current.get("version"), outcome.version,
                 current.get("top1"), (outcome.data.get("metrics") or {}).get(HELD_OUT_SET, {}).get("top1"))
        return classifier

    def close(self) -> None:
        """Stop a running job (it stops its training too)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


class LearningLoop:
    """The one loop of on-site learning, the kiosk's and the home game's. A game listener of the App:
    after each game it checks whether a retraining is due; between games it swaps an accepted model in."""

    def __init__(self, app: App, learning: OnSiteLearning) -> None:
        self.app = app
        self.learning = learning
        self._check = True   # the first tick looks too: drawings may have come in while the game was off

    def install(self) -> LearningLoop:
        self.app.game_listeners.append(self)
        return self

    def game_started(self, game: Game) -> None:
        pass

    def game_finished(self, game: Game) -> None:
        self._check = True

    def game_abandoned(self, game: Game) -> None:
        self._check = True

    def tick(self) -> None:
        """Once a frame (cheap): start a due retraining after a game; swap a better model in between games."""
        if self.app.scene is None or self.app.scene.name not in BETWEEN_GAMES:
            return
        if self._check:
            self._check = False
            totals = self.app.read_totals()
            if totals is not None:
                self.learning.maybe_start(int(totals.get("drawings", 0)))
        outcome = self.learning.poll()
        if outcome is not None:
            classifier = self.learning.activate(outcome)
            if classifier is not None:
                self.app.use_classifier(classifier)   # between games only: no round is being played

    def close(self) -> None:
        self.learning.close()


class HomeLearningHooks(FrameHooks):
    """The home game's frame hooks: its learning loop ticks after every frame."""

    def __init__(self, loop: LearningLoop) -> None:
        self.loop = loop

    def frame_done(self, app: App) -> None:
        self.loop.tick()


def home_learning(app: App) -> LearningLoop | None:
    """Learning at home, as in the kiosk: None when retraining is off or the store is not a file."""
    settings, store = app.settings, app.store
    path = getattr(store, "path", None)
    if settings.retrain_every <= 0 or store is None or path is None or str(path) == ":memory:":
        return None
    learning = OnSiteLearning(store, Path(path), settings.retrain_every, app.model_path,
                              config=LearningConfig(new_word_min=settings.teach_word_drawings))
    return LearningLoop(app, learning).install()

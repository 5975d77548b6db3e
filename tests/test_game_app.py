"""The App around the scenes: the real loop, the window's identity, start-up failures, the model fallback,
and a frame that never waits for a slow classifier."""
from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import pygame  # noqa: E402
import pytest  # noqa: E402

from game.app import App  # noqa: E402
from game.settings import Settings  # noqa: E402
from game_fixtures import (ScriptedClassifier, SilentVoice, circle_points, make_app,  # noqa: E402
                           mouse_down, mouse_move, start_game)
from model.store import Store  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "assets" / "model.pt"


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "app.db") as store:
        yield store


def test_run_loop_logs_its_first_frame_and_stops_on_window_close(store, caplog):
    app = make_app(store=store)
    try:
        assert pygame.display.get_caption()[0] == "pennydraw"
        assert os.environ["SDL_VIDEO_X11_WMCLASS"] == "pennydraw"
        pygame.event.post(pygame.event.Event(pygame.QUIT))
        with caplog.at_level(logging.INFO, logger="pennydraw"):
            app.run()
        assert app.frames >= 1 and not app.running
        assert "first frame" in caplog.text
    finally:
        app.close()


def test_a_slow_classifier_never_stalls_the_frame(store):
    class Slow(ScriptedClassifier):
        def predict(self, drawing, k=3):
            time.sleep(0.25)  # far slower than a frame: the worker thread waits, not the loop
            return super().predict(drawing, k)

    app = make_app(store=store, classifier=Slow(), seconds=30)
    try:
        start_game(app)
        points = circle_points(app.scene.canvas.rect, 30)
        app.step([mouse_down(points[0])], 1 / 60)
        slowest = 0.0
        for point in points[1:]:
            started = time.perf_counter()
            app.step([mouse_move(point)], 1 / 60)
            slowest = max(slowest, time.perf_counter() - started)
        assert slowest < 0.2, f"a frame took {slowest * 1000:.0f} ms while the classifier was busy"
        assert app.guesser.busy or app.scene.history
        app.guesser.wait_idle(5)
        app.step([], 1 / 60)
        assert app.scene.history  # the guesses did arrive, later
    finally:
        app.close()


def test_an_unusable_database_stops_the_game_with_a_clear_message(tmp_path):
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}
    result = subprocess.run([sys.executable, str(ROOT / "play.py"), "--db", str(tmp_path), "--mute"],
                            capture_output=True, text=True, timeout=120, env=env, cwd=ROOT)
    assert result.returncode == 2
    assert "cannot start" in result.stderr and "is a directory" in result.stderr


def test_too_few_categories_shorten_the_game(store, caplog):
    app = make_app(store=store, classifier=ScriptedClassifier(categories=("cat", "sun")), rounds=6)
    try:
        with caplog.at_level(logging.WARNING):
            app.begin_game(consent=True)
        assert len(app.game.prompts) == 2 and "playing 2 rounds" in caplog.text
    finally:
        app.close()


@pytest.mark.skipif(not BUNDLED.exists(), reason=f"the bundled model {BUNDLED} does not exist yet")
def test_a_bad_model_file_falls_back_to_the_bundled_one(tmp_path, store, caplog):
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint")
    app = App(Settings(model=bad, mute=True), store=store, voice=SilentVoice())
    try:
        with caplog.at_level(logging.WARNING, logger="pennydraw"):
            app.start()
        assert "falling back to the bundled model" in caplog.text and str(bad) in caplog.text
        assert len(app.classifier.categories) >= 6
        import torch
        assert torch.get_num_threads() == 1
    finally:
        app.close()


@pytest.mark.skipif(not BUNDLED.exists(), reason=f"the bundled model {BUNDLED} does not exist yet")
def test_the_game_plays_with_the_stores_active_model_unless_told_otherwise(tmp_path, caplog):
    import torch

    from model.classify import Classifier
    from model.store import Store
    retrained = tmp_path / "retrained.pt"
    checkpoint = torch.load(BUNDLED, weights_only=True)
    torch.save({**checkpoint, "version": "players-1"}, retrained)
    with Store(tmp_path / "game.db") as store:
        store.record_model("players-1", str(retrained), 1000, {}, player_examples=40)   # as train.py --db does
        app = App(Settings(mute=True), store=store, voice=SilentVoice())
        try:
            with caplog.at_level(logging.INFO, logger="pennydraw"):
                app.start()
            assert app.classifier.version == "players-1" and "active model players-1" in caplog.text
        finally:
            app.close()
        app = App(Settings(mute=True, model=BUNDLED), store=store, voice=SilentVoice())
        try:
            app.start()
            assert app.classifier.version == Classifier.load().version   # --model wins
        finally:
            app.close()
        retrained.unlink()   # the recorded file is gone: the bundled model, with a warning
        app = App(Settings(mute=True), store=store, voice=SilentVoice())
        try:
            with caplog.at_level(logging.WARNING, logger="pennydraw"):
                app.start()
            assert app.classifier.version == Classifier.load().version
            assert "falling back to the bundled model" in caplog.text
        finally:
            app.close()


def test_listeners_hear_when_a_game_starts_finishes_or_is_abandoned(store):
    class Listener:
        def __init__(self):
            self.heard = []

        def game_started(self, game):
            self.heard.append(("started", len(game.results)))

        def game_finished(self, game):
            self.heard.append(("finished", len(game.results)))

        def game_abandoned(self, game):
            self.heard.append(("abandoned", len(game.results)))

    from game.rounds import RoundResult
    app = make_app(store=store, rounds=2)
    listener = Listener()
    app.game_listeners.append(listener)
    try:
        app.begin_game(consent=True)
        app.forget_game()                       # walked away before drawing anything
        app.begin_game(consent=False)
        for word in list(app.game.prompts):
            app.record_round(RoundResult(word, [], False, None, 1000, []))
        app.forget_game()                       # a finished game is not abandoned when it is dropped
        assert listener.heard == [("started", 0), ("abandoned", 0), ("started", 0), ("finished", 2)]
    finally:
        app.close()


def test_the_frame_loop_takes_hooks_for_events_errors_and_stopping(store, caplog):
    from game.hooks import FrameHooks

    class Hooks(FrameHooks):
        speed = 2.0

        def __init__(self):
            self.failures, self.done, self.dts = [], 0, []

        def stopping(self):
            return self.done >= 5

        def more_events(self, app, dt):
            self.dts.append(dt)
            return [pygame.event.Event(pygame.USEREVENT, crash=True)] if self.done == 1 else []

        def frame_failed(self, app, error):
            self.failures.append(str(error))
            return True

        def frame_done(self, app):
            self.done += 1

        def first_frame(self, app):
            logging.getLogger("pennydraw").info("hooked first frame")

    app = make_app(store=store)
    original = app.scene.handle

    def handle(event):
        if getattr(event, "crash", False):
            raise RuntimeError("a scene bug")
        original(event)
    app.scene.handle = handle
    hooks = Hooks()
    try:
        with caplog.at_level(logging.INFO, logger="pennydraw"):
            app.run(hooks)
        assert app.running and hooks.done == 5 and hooks.failures == ["a scene bug"]
        assert all(0 <= dt <= 0.5 for dt in hooks.dts) and "hooked first frame" in caplog.text
        app.scene.handle = lambda event: (_ for _ in ()).throw(RuntimeError("unhandled"))
        pygame.event.post(pygame.event.Event(pygame.USEREVENT))
        with pytest.raises(RuntimeError, match="unhandled"):
            app.run()                           # without hooks a failed frame ends the loop
    finally:
        app.close()

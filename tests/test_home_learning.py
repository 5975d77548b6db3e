"""Learning at home: after donated games the home game retrains in the background as the kiosk does
(`game/learning.py`, one loop), swaps a model that is not worse in between games only, records the
words it learned; with retraining switched off the pay slip stops promising it."""
from __future__ import annotations

import json
import shutil

import pytest

from game.learning import BETWEEN_GAMES, HomeLearningHooks, LearningLoop, OnSiteLearning, home_learning
from game.payslip_sheet import payslip
from game.scenes.taught import TaughtScene
from game_fixtures import make_app, start_game, steps
from model import labour
from model.classify import BUNDLED_PATH
from model.onsite import HELD_OUT_SET, TAUGHT_RECOGNISED
from model.store import Store
from model.teaching import NEW_WORDS

CIRCLE = [[[10, 60, 110, 60, 10], [60, 10, 60, 110, 60], [0, 300, 600, 900, 1200]]]


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "home.db") as store:
        yield store


def donate(store, count, word="cat"):
    session = store.start_session()
    for _ in range(count):
        store.save_drawing(session, word, CIRCLE, True, 300, 1200, [])


def accepted_outcome(folder, version="v-home", new_words=None, recognised=None):
    model = folder / f"{version}.pt"
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(BUNDLED_PATH, model)
    data = {"accepted": True, "path": str(model), "version": version, "collected": 40, "reason": "not worse",
            "examples": 400, "player_examples": 40, "trained_at": "2026-01-02T03:04:05+00:00",
            "current": {"version": "bundled", "top1": 0.5},
            "metrics": {HELD_OUT_SET: {"top1": 0.6, "top3": 0.9, "examples": 12, "early": 0.5}}}
    if new_words is not None:
        data["new_words"] = new_words
    if recognised is not None:
        data["metrics"][TAUGHT_RECOGNISED] = recognised
    (folder / f"onsite-{version}.json").write_text(json.dumps(data))


def test_home_learning_is_on_by_default_for_a_database_file_and_off_when_asked(tmp_path, store):
    app = make_app(store=store)
    try:
        assert app.settings.retrain_every == 30
        loop = home_learning(app)
        assert isinstance(loop, LearningLoop) and loop in app.game_listeners
        assert loop.learning.config.new_word_min == app.settings.teach_word_drawings
        app.settings.retrain_every = 0
        assert home_learning(app) is None
    finally:
        app.close()
    memory = make_app()
    try:
        assert home_learning(memory) is None           # nothing to snapshot: no retraining
    finally:
        memory.close()


def test_after_donated_games_a_retraining_starts_with_the_teaching_threshold(tmp_path, store):
    app = make_app(store=store, rounds=1, teach_word_drawings=25)
    try:
        # A stand-in job that runs until killed: /bin/true could end before the frame that looks at it.
        job = tmp_path / "job.sh"
        job.write_text("#!/bin/sh\nexec sleep 60\n")
        job.chmod(0o755)
        learning = OnSiteLearning(store, tmp_path / "home.db", every=30, current_path=None, python=str(job))
        learning.config = type(learning.config)(new_word_min=25)
        loop = LearningLoop(app, learning).install()
        hooks = HomeLearningHooks(loop)
        donate(store, 20)
        hooks.frame_done(app)                        # the title: checked, 20 < 30, nothing to do
        assert not learning.running
        donate(store, 15)
        start_game(app)
        hooks.frame_done(app)                        # a round is being drawn: not now
        assert not learning.running
        steps(app, app.settings.seconds + 2, dt=0.1)   # the round times out, the game ends
        app.go_home()
        hooks.frame_done(app)
        assert learning.running
        command = learning.process.args
        assert command[command.index("--new-word-min") + 1] == "25"
        learning.process.kill()
        learning.process.wait()
    finally:
        app.close()


def test_a_better_model_is_swapped_in_between_games_with_the_words_it_learned(tmp_path, store):
    app = make_app(store=store, rounds=1, seconds=5.0)
    try:
        learning = OnSiteLearning(store, tmp_path / "home.db", every=30, current_path=None, python="/bin/true")
        loop = LearningLoop(app, learning).install()
        scripted = app.classifier
        start_game(app)
        accepted_outcome(tmp_path / "models", new_words={"piano": 23, "crab": "lots"})
        learning._collect_leftovers()                 # a job finished while the player draws
        for _ in range(5):
            app.step([], 1 / 60)
            loop.tick()
        assert app.classifier is scripted and store.active_model() is None   # never under the pen
        app.go_home()
        assert app.scene.name in BETWEEN_GAMES
        loop.tick()
        assert app.classifier is not scripted and app.guesser.classifier is app.classifier
        active = store.active_model()
        assert active["version"] == "v-home" and active["metrics"][NEW_WORDS] == {"piano": 23}   # "lots" is no count
        taught = TaughtScene(app)
        app.switch(taught)
        assert [(w.word, w.drawings) for w in taught.taught] == [("piano", 23)]
        assert "piano" in taught.word_rows()[0][0] and "23" in taught.word_rows()[0][0]
    finally:
        app.close()


def test_the_taught_words_say_how_often_the_machine_recognises_them_in_drawings_it_never_trained_on(tmp_path, store):
    app = make_app(store=store, rounds=1, seconds=5.0)
    try:
        learning = OnSiteLearning(store, tmp_path / "home.db", every=30, current_path=None, python="/bin/true")
        loop = LearningLoop(app, learning).install()
        start_game(app)
        accepted_outcome(tmp_path / "models", new_words={"piano": 23, "crab": 21},
                         recognised={"piano": {"recognised": 2, "drawings": 3}, "crab": {"recognised": 9, "drawings": 3}})
        learning._collect_leftovers()
        app.go_home()
        loop.tick()
        assert store.active_model()["metrics"][TAUGHT_RECOGNISED]["piano"] == {"recognised": 2, "drawings": 3}
        taught = TaughtScene(app)
        app.switch(taught)
        by_word = {w.word: (w.recognised, w.held_out) for w in taught.taught}
        assert by_word == {"piano": (2, 3), "crab": (0, 0)}   # 9 of 3 is no count: the row says nothing of it
        rows = taught.word_rows()
        piano = next(row for row in rows if app.translations.name("piano") in row[0])
        crab = next(row for row in rows if app.translations.name("crab") in row[0])
        assert "recognised in 2 of 3 drawings it had not seen" in piano[0]
        assert [f.text for f in piano[1]][-2:] == ["2", "3"] and all(f.sources for f in piano[1])
        assert "recognised" not in crab[0]
        app.step([], 1 / 60)   # drawn: the longer line fits its card
    finally:
        app.close()


def test_with_retraining_off_the_pay_slip_stops_promising_it(store):
    from game.i18n import Translations
    tr = Translations.load("en")
    session = store.start_session()
    on = payslip([], labour.load_rates(), tr, session=session, retrains=True)
    off = payslip([], labour.load_rates(), tr, session=session, retrains=False)
    assert "the machine is retrained from them" in on.where
    assert "Retraining is switched off here" in off.where and "retrained from them" not in off.where

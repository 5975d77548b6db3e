"""Learning on site: retraining after every N drawings in a low-priority process, judged on held-out
collected drawings, swapped in between games only if not worse, recorded in the models table."""
from __future__ import annotations

import json
import shutil
import sqlite3
import time

import pytest

from game.kiosk.controller import Kiosk
from game.learning import LearningConfig, OnSiteLearning
from game_fixtures import answer_consent, click, make_app, settle
from model import synth, teaching
from model.classify import BUNDLED_PATH
from model.onsite import HELD_OUT_SET, decide, is_held_out
from model.retrain_job import snapshot_without_held_out
from model.store import Store


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "kiosk.db") as store:
        yield store


def fill(store, per_category=40, categories=("cat", "sun", "house", "fish", "tree")):
    session = store.start_session()
    for category, drawing in synth.generate_dataset(list(categories), per_category, seed=5):
        store.save_drawing(session, category, drawing, True, None, 1000, [])


def outcome_file(folder, name, accepted, path, version, top1=(0.5, 0.6), collected=300):
    data = {"accepted": accepted, "path": str(path), "version": version, "collected": collected,
            "reason": "test", "examples": 120, "player_examples": 100, "trained_at": "2026-01-02T03:04:05+00:00",
            "current": {"version": "bundled-v", "top1": top1[0]},
            "metrics": {HELD_OUT_SET: {"top1": top1[1], "top3": 0.9, "examples": 20, "early": 0.5}}}
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"onsite-{name}.json").write_text(json.dumps(data))


def test_decide_swaps_only_when_not_worse():
    assert decide(0.80, 0.80)[0] and decide(0.80, 0.85)[0]
    accepted, why = decide(0.80, 0.79)
    assert not accepted and "worse" in why
    assert decide(0.80, 0.79, tolerance=0.02)[0]
    assert not decide(None, 0.9)[0] and not decide(0.9, None)[0]


def test_held_out_drawings_are_a_stable_tenth():
    keys = [f"{i:032x}" for i in range(5000)]
    held = [key for key in keys if is_held_out(key, 10)]
    assert 400 < len(held) < 600
    assert held == [key for key in keys if is_held_out(key, 10)]      # the same on every run
    assert not any(is_held_out(key, 0) for key in keys[:100])


def test_a_repeated_clock_time_never_overwrites_an_earlier_checkpoint(tmp_path):
    from model.onsite import unused_path
    wanted = tmp_path / "onsite-19700101-000042.pt"          # booted without a clock battery, twice
    assert unused_path(wanted) == wanted
    wanted.write_bytes(b"the active model")
    (tmp_path / "onsite-19700101-000042-2.pt").write_bytes(b"an earlier retraining")
    assert unused_path(wanted) == tmp_path / "onsite-19700101-000042-3.pt"


def test_a_job_is_never_credited_with_an_older_outcome_under_the_same_clock_time(tmp_path, store, monkeypatch,
                                                                                 caplog):
    import types

    import game.learning
    old = tmp_path / "models" / "old.pt"
    old.parent.mkdir()
    shutil.copy(BUNDLED_PATH, old)
    outcome_file(tmp_path / "models", "19700101-000042", True, old, "v-old", collected=300)
    learning = OnSiteLearning(store, tmp_path / "kiosk.db", every=300, current_path=None, python="/bin/true")
    learning.activate(learning.poll())                      # v-old was swapped in and recorded long ago
    frozen = types.SimpleNamespace(strftime=lambda fmt: "19700101-000042", monotonic=time.monotonic)
    monkeypatch.setattr(game.learning, "time", frozen)      # the clock came back to that second
    assert learning.maybe_start(600)
    learning.process.wait()                                 # and this job dies without an outcome
    assert learning.poll() is None and "no outcome" in caplog.text
    assert [m["version"] for m in store.models()] == ["v-old"]


def test_the_snapshot_leaves_out_held_out_drawings_and_the_live_database_alone(tmp_path, store):
    fill(store, per_category=20)
    before = (tmp_path / "kiosk.db").stat().st_mtime_ns, store.count_drawings()
    held = snapshot_without_held_out(tmp_path / "kiosk.db", tmp_path / "snap.db", 10)
    snap = sqlite3.connect(tmp_path / "snap.db")
    keys = [row[0] for row in snap.execute("SELECT key FROM drawings")]
    assert len(keys) + len(held) == 100 and 3 <= len(held) <= 25
    assert not any(is_held_out(key, 10) for key in keys)
    assert snap.execute("SELECT count(*) FROM guesses WHERE drawing_id NOT IN (SELECT id FROM drawings)"
                        ).fetchone()[0] == 0
    snap.close()
    assert ((tmp_path / "kiosk.db").stat().st_mtime_ns, store.count_drawings()) == before


def test_retraining_starts_after_every_n_new_drawings(tmp_path, store, caplog):
    learning = OnSiteLearning(store, tmp_path / "kiosk.db", every=100, current_path=None, python="/bin/true")
    assert not learning.maybe_start(99) and not learning.running
    assert learning.maybe_start(100) and learning.running
    assert not learning.maybe_start(500)                    # one job at a time
    learning.process.wait()
    assert learning.poll() is None and not learning.running
    assert "no outcome" in caplog.text                      # a job that died says so in the log
    assert not learning.maybe_start(150) and learning.maybe_start(200)
    learning.close()
    assert not OnSiteLearning(store, tmp_path / "kiosk.db", every=0, current_path=None).due(10 ** 6)


def test_erased_drawings_do_not_stop_learning_for_good(tmp_path, store):
    learning = OnSiteLearning(store, tmp_path / "kiosk.db", every=100, current_path=None, python="/bin/true")
    assert learning.maybe_start(1000)
    learning.process.wait()
    learning.poll()
    assert not learning.maybe_start(400)      # a purge erased 600 drawings: nothing new yet
    assert not learning.maybe_start(499)
    assert learning.maybe_start(500)          # 100 new ones since the purge
    learning.close()


def test_no_retraining_starts_on_a_disk_its_snapshot_would_fill(tmp_path, store, monkeypatch, caplog):
    import game.learning
    learning = OnSiteLearning(store, tmp_path / "kiosk.db", every=100, current_path=None, python="/bin/true")
    nearly_full = shutil.disk_usage(tmp_path)._replace(free=50 * 1024 * 1024)
    monkeypatch.setattr(game.learning.shutil, "disk_usage", lambda path: nearly_full)
    assert not learning.maybe_start(100) and not learning.running
    assert "retraining put off: 50 MB free" in caplog.text
    assert not learning.maybe_start(150)                    # not retried after every game
    monkeypatch.undo()
    assert learning.maybe_start(200)
    learning.close()


def test_outcomes_left_by_a_killed_kiosk_are_recorded_at_the_next_start(tmp_path, store):
    models = tmp_path / "models"
    worse, better = models / "worse.pt", models / "better.pt"
    models.mkdir()
    shutil.copy(BUNDLED_PATH, worse)
    shutil.copy(BUNDLED_PATH, better)
    outcome_file(models, "1", False, worse, "v-worse", top1=(0.6, 0.5), collected=300)
    outcome_file(models, "2", True, better, "v-better", top1=(0.6, 0.7), collected=600)
    learning = OnSiteLearning(store, tmp_path / "kiosk.db", every=300, current_path=None)
    recorded = {m["version"]: m for m in store.models()}
    assert set(recorded) == {"v-worse"} and not recorded["v-worse"]["active"]
    assert recorded["v-worse"]["metrics"]["decision"] == "kept the current model"
    ready = learning.poll()
    assert ready is not None and ready.version == "v-better"
    classifier = learning.activate(ready)
    assert classifier is not None and learning.current_path == better and learning.poll() is None
    active = store.active_model()
    assert active["version"] == "v-better" and active["player_examples"] == 100
    assert active["metrics"][HELD_OUT_SET]["top1"] == 0.7 and active["metrics"]["previous_top1"] == 0.6
    history = teaching.history(store.models())                 # "What you taught the machine" reads it
    assert history.kind == "players" and [v.accuracy for v in history.plotted] == [0.5, 0.7]
    # The next start neither records them twice nor retrains before 300 more drawings.
    again = OnSiteLearning(store, tmp_path / "kiosk.db", every=300, current_path=better)
    assert again.poll() is None and again.baseline == 600 and not again.due(899) and again.due(900)


def test_a_restart_does_not_retrain_at_once_on_drawings_a_finished_job_covered(tmp_path, store):
    better = tmp_path / "models" / "better.pt"
    better.parent.mkdir()
    shutil.copy(BUNDLED_PATH, better)
    outcome_file(tmp_path / "models", "1", True, better, "v-better", collected=600)   # finished, kiosk down
    learning = OnSiteLearning(store, tmp_path / "kiosk.db", every=300, current_path=None, python="/bin/true")
    assert learning.baseline == 600 and not learning.maybe_start(650) and not learning.running
    assert not learning.maybe_start(900)                    # the waiting model first: it is what to build on
    assert learning.activate(learning.poll()) is not None and learning.maybe_start(900)
    assert learning.process.args[learning.process.args.index("--init") + 1] == str(better)
    learning.close()


def test_leftover_snapshots_and_odd_outcome_files_are_cleaned_up_not_fatal(tmp_path, store, caplog):
    models = tmp_path / "models"
    scratch = models / "retrain-abc123"                     # a job killed by a power cut left its snapshot
    scratch.mkdir(parents=True)
    (scratch / "kiosk.db").write_bytes(b"\0" * 4096)
    (models / "onsite-odd.json").write_text("[1, 2]")      # valid JSON, but not an outcome
    (models / "onsite-nan.json").write_text('{"accepted": false, "version": "v", "collected": NaN}')
    learning = OnSiteLearning(store, tmp_path / "kiosk.db", every=300, current_path=None, python="/bin/true")
    assert not scratch.exists() and learning.baseline == 0 and learning.poll() is None
    assert "onsite-odd.json" in caplog.text
    scratch.mkdir()                                        # and after a job ends (e.g. stopped for time)
    assert learning.maybe_start(300)
    learning.process.wait()
    learning.poll()
    assert not scratch.exists()


def test_an_unloadable_accepted_model_is_recorded_and_not_used(tmp_path, store):
    bad = tmp_path / "models" / "bad.pt"
    bad.parent.mkdir()
    bad.write_bytes(b"garbage")
    outcome_file(tmp_path / "models", "1", True, bad, "v-bad")
    learning = OnSiteLearning(store, tmp_path / "kiosk.db", every=300, current_path=None)
    assert learning.activate(learning.poll()) is None
    assert not store.models()[0]["active"] and store.models()[0]["metrics"]["decision"].startswith("unusable")


def test_the_kiosk_swaps_a_model_in_between_games_only(tmp_path, store):
    better = tmp_path / "models" / "better.pt"
    better.parent.mkdir()
    shutil.copy(BUNDLED_PATH, better)
    app = make_app(store=store, kiosk=True, payslip_dir=tmp_path / "payslips", pin="582047")
    try:
        learning = OnSiteLearning(store, tmp_path / "kiosk.db", every=300, current_path=None)
        kiosk = Kiosk(app, learning).install()
        scripted = app.classifier
        settle(app)
        app.step(click((app.window_size[0] // 2, app.window_size[1] - 10)), 1 / 60)
        answer_consent(app)
        outcome_file(tmp_path / "models", "1", True, better, "v-better")
        learning._collect_leftovers()                          # a job finished while a visitor plays
        for _ in range(5):
            app.step([], 1 / 60)
        assert app.classifier is scripted and store.active_model() is None   # not under their pen
        app.go_home()
        app.step([], 1 / 60)
        assert app.classifier is not scripted and app.guesser.classifier is app.classifier
        assert store.active_model()["version"] == "v-better" and kiosk.app.scene.name == "attract"
    finally:
        app.close()


def test_a_job_whose_kiosk_is_already_gone_stops_at_once(tmp_path):
    import subprocess

    from model.locations import child_environment, module_command
    out = tmp_path / "models"
    gone = subprocess.run(module_command("model.retrain_job", "--db", str(tmp_path / "kiosk.db"), "--init", "bundled",
                                         "--out-dir", str(out), "--parent-pid", str(2 ** 31 - 1)),
                          cwd=tmp_path, env=child_environment(), capture_output=True, text=True, timeout=60)
    assert gone.returncode == 1 and "is gone: no retraining" in gone.stderr, gone.stderr
    assert not out.exists()                                  # no snapshot, no outcome, no training


def test_a_real_retraining_in_the_background(tmp_path, store):
    fill(store, per_category=30)
    learning = OnSiteLearning(store, tmp_path / "kiosk.db", every=100, current_path=None,
                              config=LearningConfig(synthetic=0, epochs=1, min_held_out=5, tolerance=1.0,
                                                    calibrate=2))
    assert learning.maybe_start(store.count_drawings())
    deadline = time.monotonic() + 300
    while learning.running and time.monotonic() < deadline:
        learning.poll()
        time.sleep(0.2)
    log = (tmp_path / "models" / "retrain.log").read_text()
    assert "at priority: nice 19" in log, log[-2000:]
    outcome = learning.poll()
    assert outcome is not None, log[-2000:]
    data = outcome.data
    assert data["held_out"] >= 5 and data["metrics"][HELD_OUT_SET]["examples"] == data["held_out"]
    assert data["current"]["version"] and 0 <= data["metrics"][HELD_OUT_SET]["top1"] <= 1
    assert store.models() == [] and store.count_drawings() == 150   # the live store only gets the record
    assert learning.activate(outcome) is not None and store.active_model()["version"] == data["version"]
    assert not list((tmp_path / "models").glob("retrain-*"))         # the snapshot is gone

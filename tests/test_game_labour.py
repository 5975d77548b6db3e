"""The labour made visible in the game: the meter while drawing, the installation totals on the title
screen, "What you taught the machine", the one-round score sentence, and the retention setting
(`--keep-days`) in play.py and in `python -m model purge`."""
from __future__ import annotations

import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

from datetime import datetime, timedelta, timezone  # noqa: E402
from decimal import Decimal  # noqa: E402

import pytest  # noqa: E402

from game.scenes.drawing_view import work_so_far  # noqa: E402
from game.scenes.gameover import score_key  # noqa: E402
from game.scenes.title import TitleScene  # noqa: E402
from game.settings import DEFAULT_KEEP_DAYS, Settings, settings_from_args  # noqa: E402
from game_fixtures import (circle_points, click, draw_stroke, finish_round, make_app, next_round,  # noqa: E402
                           settle, start_game)
from model import labour  # noqa: E402
from model.__main__ import main as data_cli  # noqa: E402
from model.store import Store  # noqa: E402

INK = [[[0, 50, 100], [0, 80, 0], [0, 10, 20]]]


def age(store: Store, session, days: float) -> None:
    """Pretend a session and its drawings were made `days` days ago."""
    then = (datetime.now(timezone.utc) - timedelta(days=days)).isoformat(timespec="milliseconds")
    store.db.execute("UPDATE sessions SET started_at = ? WHERE id = ?", [then, session.id])
    store.db.execute("UPDATE drawings SET created_at = ? WHERE session_id = ?", [then, session.id])
    store.db.conn.commit()


# --- the meter -------------------------------------------------------------------------------------

def test_the_meter_counts_labels_and_seconds_of_this_game(tmp_path):
    with Store(tmp_path / "m.db") as store:
        app = make_app(store=store, rounds=2, seconds=1.0)
        try:
            start_game(app)
            assert work_so_far(app.scene) == (0, 0.0)
            draw_stroke(app, circle_points(app.scene.canvas.rect, 12))
            labels, seconds = work_so_far(app.scene)
            assert labels == 0 and seconds > 0  # the round is still being drawn: its time counts live
            finish_round(app)
            first = app.game.results[0]
            next_round(app)
            assert work_so_far(app.scene) == (1, first.duration_ms / 1000)
            finish_round(app)  # the second round left blank: no label, no time
            assert app.scene.name == "gameover"
            # The meter and the pay slip count the same work.
            slip = app.scene
            settle(app)
            app.step(click(slip.payslip_button.rect.center), 1 / 60)
            assert app.scene.sheet.work[1][1].text == "1"
            assert app.scene.sheet.work[0][1].figure.value == Decimal(str(first.duration_ms / 1000))
        finally:
            app.close()


# --- the title screen's totals -----------------------------------------------------------------------

def test_title_totals_are_the_players_work_priced_at_the_rates_file(tmp_path):
    with Store(tmp_path / "t.db") as store:
        session = store.start_session()
        for _ in range(10):  # 10 drawings of 36 s: 360 s = 0.1 hour
            store.save_drawing(session, "cat", INK, False, None, 36_000, [])
        # Imported public drawings are not this installation's players' work.
        store.insert_imported([{"word": "cat", "drawing": [[[0, 9], [0, 9]]], "key_id": "1"}], "cat.ndjson")
        app = make_app(store=store)
        try:
            scene = app.scene
            assert isinstance(scene, TitleScene)
            rates = labour.load_rates()
            low, high = 10 * rates["rates.low"].value, 10 * rates["rates.typical"].value  # $0.10 and $0.50
            rows = [(value, label) for value, label, _ in scene.totals_lines()]
            assert rows == [("10", "drawings collected"), ("0.10", "hours of unpaid work"),
                            (f"${low:.2f}\u2013${high:.2f}", "what micro-workers would have been paid for them")]
            assert rows[2][0] == "$0.10\u2013$0.50"
            # Each figure says where it comes from: the pay is the rates file's, the rest is counted here.
            assert [[f.sources for f in figures] for _, _, figures in scene.totals_lines()] == [
                [("installation",)], [("installation",)],
                [("installation", "rates.low"), ("installation", "rates.typical")]]
            app.set_language("fr")
            assert scene.totals_lines()[2][:2] == ("0,10\u00a0$\u20130,50\u00a0$",
                                                   "ce que des micro-travailleurs auraient reçu pour eux")
        finally:
            app.close()


def test_an_empty_installation_shows_zeros():
    app = make_app()
    try:
        assert [value for value, _, _ in app.scene.totals_lines()] == ["0", "0.00", "$0.00\u2013$0.00"]
    finally:
        app.close()


# --- what you taught the machine ---------------------------------------------------------------------

def test_taught_shows_the_players_share_and_a_retraining_during_the_game(tmp_path):
    with Store(tmp_path / "w.db") as store:
        store.record_model("v1", "a.pt", 1000, {"quickdraw:s": {"top1": 0.5}}, trained_at=datetime(2025, 1, 1))
        store.record_model("v2", "b.pt", 1200, {"quickdraw:s": {"top1": 0.6}}, player_examples=200,
                           trained_at=datetime(2025, 2, 1))
        app = make_app(store=store, rounds=1, seconds=0.5)
        app.classifier.version = "v2"
        try:
            start_game(app)
            draw_stroke(app, circle_points(app.scene.canvas.rect, 10))
            finish_round(app)
            app.show_taught()
            scene = app.scene
            assert [(p.label, p.value, p.highlight) for p in scene.points()] == [("v1", 0.5, False),
                                                                               ("now", 0.6, True)]
            facts = [sentence for _, sentence, _ in scene.facts()]
            assert facts == ["200 of the 1,200 drawings behind this machine came from players.",
                             "Your drawings from this game (1) are in the database: the next training will "
                             "learn from them."]
            # Someone retrains the machine while the game is on: the screen says so.
            store.record_model("v3", "c.pt", 1300, {"quickdraw:s": {"top1": 0.7}}, player_examples=300,
                               trained_at=datetime.now(timezone.utc) + timedelta(seconds=1))
            app.show_taught()
            last = app.scene.facts()[-1][1]
            assert last.startswith("The machine was retrained during your game (") and "300 drawings" in last
            assert app.scene.points()[-1].label == "v3" and app.scene.points()[1].label == "now"
            app.scene.draw(app.screen)
            assert app.text.overflows == []
        finally:
            app.close()


def test_taught_without_any_measured_model_says_so():
    app = make_app(rounds=1, seconds=0.3)
    try:
        start_game(app)
        finish_round(app)
        app.show_taught()
        assert app.scene.points() == []
        app.scene.draw(app.screen)
        assert app.text.overflows == []
    finally:
        app.close()


# --- the score sentence ----------------------------------------------------------------------------

def test_score_sentences_read_naturally():
    assert score_key(1, 1) == "score_one_hit" and score_key(0, 1) == "score_one_miss"
    assert score_key(6, 6) == "score_all" and score_key(0, 6) == "score_none" and score_key(3, 6) == "score"
    app = make_app()
    try:
        t = app.translations.t
        assert t("score_one_hit") == "The machine guessed your drawing"
        assert t("score_all", score=2, total=2) == "The machine guessed every one of your 2 drawings"
    finally:
        app.close()


# --- retention -------------------------------------------------------------------------------------

def test_keep_days_on_the_command_line():
    assert settings_from_args([]).keep_days == DEFAULT_KEEP_DAYS == 365
    assert settings_from_args(["--keep-days", "30"]).keep_days == 30
    assert settings_from_args(["--keep-days", "forever"]).keep_days is None
    for bad in ("0", "-3", "soon", "1.5"):
        with pytest.raises(SystemExit):
            settings_from_args(["--keep-days", bad])
    with pytest.raises(ValueError, match="keep_days"):
        Settings(keep_days=0)


def test_the_game_purges_old_drawings_at_start(tmp_path):
    with Store(tmp_path / "r.db") as store:
        old, recent = store.start_session(), store.start_session()
        store.save_drawing(old, "cat", INK, True, 10, 20, [(10, [("cat", 0.9)])])
        store.save_drawing(recent, "sun", INK, True, 10, 20, [])
        age(store, old, 40)
        age(store, recent, 10)
        make_app(store=store, keep_days=None).close()  # kept until erased: nothing happens
        assert store.count_drawings() == 2
        make_app(store=store, keep_days=30).close()
        assert [d["word"] for d in store.drawings()] == ["sun"]
        assert store.db.execute("SELECT count(*) FROM guesses").fetchone()[0] == 0


def test_purge_on_the_data_command_line(tmp_path, capsys):
    db = tmp_path / "p.db"
    with Store(db) as store:
        old = store.start_session()
        store.save_drawing(old, "cat", INK, True, 10, 20, [])
        age(store, old, 100)
        store.save_drawing(store.start_session(), "sun", INK, True, 10, 20, [])
    assert data_cli(["purge", "--keep-days", "90", "--db", str(db)]) == 0
    assert "erased 1 player drawing(s) older than 90 day(s)" in capsys.readouterr().out
    with Store(db) as store:
        assert [d["word"] for d in store.drawings()] == ["sun"]
    with pytest.raises(SystemExit) as caught:
        data_cli(["purge", "--keep-days", "-1", "--db", str(db)])
    assert caught.value.code == 2 and "0 days or more" in capsys.readouterr().err

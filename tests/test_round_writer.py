"""A visitor's round is never lost: finished rounds are written off the frame thread, kept (in memory and
in a journal beside the database) while another process holds the write lock (an import, a merge),
stored once it is free, and replayed after a restart without duplicates (game/round_writer.py,
game/round_journal.py)."""
from __future__ import annotations

import json
import logging
import sqlite3
import time

import pytest

from game.round_journal import PendingRound, RoundJournal, journal_path
from game.round_writer import Patience, RoundWriter, is_busy
from game.rounds import RoundResult
from game_fixtures import circle_points, draw_stroke, finish_round, make_app, next_round, start_game
from model.store import Store, StoreError

QUICK = Patience(close_seconds=0.5)


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "live.db"
    with Store(path) as store:   # an installation with an earlier player
        store.save_drawing(store.start_session(), "cat", [[[0, 50], [0, 80], [0, 10]]], True, 10, 20, [])
    return path


class WriteLock:
    """Another connection holding the database's write lock, as a long import does."""

    def __init__(self, path) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("BEGIN IMMEDIATE")

    def release(self) -> None:
        self.conn.execute("COMMIT")
        self.conn.close()


def timed_steps(app, play) -> float:
    """Run `play(app)` and return the longest single frame (`App.step`) it took, in seconds."""
    longest, step = 0.0, app.step

    def timed(events, dt):
        nonlocal longest
        started = time.perf_counter()
        step(events, dt)
        longest = max(longest, time.perf_counter() - started)

    app.step = timed
    try:
        play(app)
    finally:
        app.step = step
    return longest


def play_rounds(app, rounds: int) -> None:
    start_game(app, consent=True)
    for index in range(rounds):
        if index:
            next_round(app)
        draw_stroke(app, circle_points(app.scene.canvas.rect, 12), wait_for_guesses=False)
        finish_round(app)


def test_a_round_ending_while_the_database_is_locked_is_kept_and_no_frame_waits(db):
    with Store(db) as store:
        app = make_app(store=store, rounds=2, seconds=0.5)
        lock = WriteLock(db)
        try:
            longest = timed_steps(app, lambda app: play_rounds(app, 2))
            assert longest < 1.0, f"a frame waited {longest:.1f} s for the database"  # it was 10 s, then lost
            assert app.scene.name == "gameover" and len(app.game.results) == 2
            assert store.count_drawings() == 1                    # nothing could be committed yet
            keys = [result.key for result in app.game.results]
            assert [r.key for r in app.rounds.pending()] == keys
            time.sleep(0.2)
            journal = json.loads(journal_path(db).read_text())    # safe from a crash already
            assert [r["key"] for r in journal["rounds"]] == keys
            assert journal["rounds"][0]["session"]["code"] == app.game.session.code
            # What reads the results right after still sees both rounds.
            app.show_payslip()
            assert app.scene.sheet.work[1][1].text == "2" and app.scene.sheet.code == app.game.session.code
            assert app.read_totals()["drawings"] == 3
        finally:
            lock.release()
        assert app.rounds.flush(5)
        assert store.count_drawings() == 3 and not journal_path(db).exists()
        assert {d["key"] for d in store.drawings()} >= set(keys)
        assert store.db["sessions"].get(app.game.session.id)["code"] == app.game.session.code
        assert app.read_totals()["drawings"] == 3                 # counted once
        app.close()


def test_pending_rounds_survive_a_restart_and_are_stored_once(db, caplog):
    with Store(db) as store:
        app = make_app(store=store, rounds=1, seconds=0.5)
        app.rounds.patience = QUICK
        lock = WriteLock(db)
        play_rounds(app, 1)
        key, code = app.game.results[0].key, app.game.session.code
        started = time.monotonic()
        with caplog.at_level(logging.WARNING):
            app.close()                                           # SIGTERM, or a kill: it is in the journal
        assert time.monotonic() - started < 3 and "wait in" in caplog.text
        lock.release()
        saved = journal_path(db).read_text()
        assert key in saved and store.count_drawings() == 1
    for restart in range(2):
        if restart:   # killed after the commit, before the journal was emptied: replayed again
            journal_path(db).write_text(saved)
        with Store(db) as store:
            app = make_app(store=store)
            assert app.rounds.flush(5)
            rows = [d for d in store.drawings() if d["key"] == key]
            assert len(rows) == 1 and store.count_drawings() == 2 and not journal_path(db).exists()
            assert store.db["sessions"].get(rows[0]["session_id"])["code"] == code   # the code on the slip
            app.close()


def test_a_damaged_journal_is_set_aside_and_the_game_goes_on(db, caplog):
    journal_path(db).write_text('{"version": 1, "rounds": [{"key": ')
    with Store(db) as store, caplog.at_level(logging.ERROR):
        app = make_app(store=store)
        assert app.rounds.flush(5)
        app.close()
    assert "is unusable" in caplog.text and not journal_path(db).exists()
    (aside,) = db.parent.glob(journal_path(db).name + ".damaged-*")
    assert aside.read_text().startswith('{"version": 1')        # kept for a look, never deleted


def test_the_journal_is_replaced_whole_and_removed_when_empty(tmp_path):
    journal = RoundJournal(journal_path(tmp_path / "x.db"))
    rounds = [PendingRound(key=f"k{i}", word="cat", drawing=[[[1, 2], [3, 4], [0, 9]]], recognized=i == 0,
                           guessed_at_ms=None, duration_ms=900, guesses=[(5, [("cat", 0.5)])],
                           session={"code": "ABC-DEFG", "started_at": "2025-01-01T00:00:00.000+00:00"})
              for i in range(3)]
    journal.write(rounds)
    assert journal.read() == [PendingRound.from_json(json.loads(json.dumps(r.to_json()))) for r in rounds]
    assert [p.name for p in tmp_path.iterdir()] == [journal.path.name]   # no temporary file left
    journal.write(rounds[1:])
    assert [r.key for r in journal.read()] == ["k1", "k2"]
    journal.write([])
    assert not journal.path.exists() and journal.read() == []


def test_only_a_locked_database_counts_as_busy():
    locked = StoreError("could not save a drawing in x.db: database is locked")
    locked.__cause__ = sqlite3.OperationalError("database is locked")
    assert is_busy(locked) and is_busy(sqlite3.OperationalError("database is locked"))
    assert not is_busy(StoreError("could not save a drawing in x.db: database or disk is full"))


def test_a_round_the_store_refuses_is_dropped_with_a_log_line(caplog):
    with Store(":memory:") as store:
        writer = RoundWriter(store).start()
        bad = RoundResult("cat", [[[1, 2], [3]]], False, None, 10, [])   # xs and ys of different lengths
        with caplog.at_level(logging.ERROR):
            writer.submit(store.new_session(), bad)
        assert writer.pending() == [] and writer.state(bad.key) == "dropped"
        assert "the store refuses the round of 'cat'" in caplog.text and store.count_drawings() == 0


def test_the_game_starts_at_once_while_the_database_is_locked_and_purges_later(db, caplog):
    with Store(db) as store:
        store.db.execute("UPDATE drawings SET created_at = '2001-01-01T00:00:00.000+00:00'")
        store.db.conn.commit()
        lock = WriteLock(db)
        started = time.monotonic()
        app = make_app(store=store, keep_days=30)                # the retention purge must wait
        assert time.monotonic() - started < 2 and app.scene.name == "title"
        assert store.count_drawings() == 1
        lock.release()
        with caplog.at_level(logging.INFO):
            assert app.rounds.flush(5)
        assert store.count_drawings() == 0 and "erased 1 drawing(s) older than 30 days" in caplog.text
        app.close()

"""Long imports and merges (model/store/staging.py) never keep the write lock: they commit in short
batches of rows that stay invisible until one short final step, so a player's drawing saved on
another connection meanwhile goes through, and a failed or killed import leaves nothing visible.
A lock that cannot be had is a one-line `StoreBusy`."""
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading

import pytest

from model import export, stats
from model.__main__ import main
from model.store import Store, StoreBusy, StoreError, merge, opening, staging
from model.store import store as store_module
from store_fixtures import ROOT, google_record, row_counts, save


def records(count, prefix="k"):
    return (google_record(f"{prefix}{number}") for number in range(count))


def visible(path):
    """What every reader sees of a store: the Store's own counts, stats, export's categories."""
    with Store(path, read_only=True) as store:
        seen = (store.count_drawings(), store.totals()["drawings"], len(list(store.drawings())))
    table = stats.db_stats(path)
    with export.ConsentedDrawings([path]) as source:
        words = source.words()
    return seen, sum(row.drawings for row in table), words


class Player(threading.Thread):
    """Saves a drawing on its own connection each time it is asked, with at most a second's wait for
    the write lock, and says whether it went through."""

    def __init__(self, path):
        super().__init__(daemon=True)
        self.path, self.asked, self.done = path, threading.Event(), threading.Event()
        self.results, self.stop = [], False

    def run(self):
        with Store(self.path) as store:
            store.db.execute("PRAGMA busy_timeout = 1000")
            session = store.start_session()
            while True:
                self.asked.wait()
                self.asked.clear()
                if self.stop:
                    return
                try:
                    self.results.append(save(store, session) is not None)
                except StoreError as error:
                    self.results.append(str(error))
                self.done.set()

    def save_now(self):
        self.done.clear()
        self.asked.set()
        assert self.done.wait(10)


def test_a_save_on_another_connection_goes_through_while_a_big_import_runs(tmp_path, monkeypatch):
    monkeypatch.setattr(store_module, "IMPORT_BATCH", 500)
    path = tmp_path / "live.db"
    Store(path).close()
    player = Player(path)
    player.start()
    seen_midway = []

    def big_file():
        for number in range(6000):
            if number % 1500 == 1499:   # midway through the file: a player finishes a round
                player.save_now()
                seen_midway.append(visible(path))
            yield google_record(f"k{number}")

    with Store(path) as store:
        assert store.insert_imported(big_file(), "big.ndjson") == 6000
    player.stop = True
    player.asked.set()
    assert player.results == [True] * 4
    assert all(seen[0][0] == seen[0][1] == seen[0][2] == seen[1] == 1 + number
               for number, seen in enumerate(seen_midway))      # only the player's drawings, never a part
    assert [words for *_, words in seen_midway] == [["cat"]] * 4
    assert visible(path)[0] == (6004, 6004, 6004)


def test_no_transaction_of_an_import_or_merge_writes_more_than_a_batch(tmp_path, monkeypatch):
    monkeypatch.setattr(store_module, "IMPORT_BATCH", 300)
    monkeypatch.setattr(staging, "BATCH_ROWS", 300)
    kiosk, out = tmp_path / "kiosk.db", tmp_path / "out.db"
    with Store(kiosk) as store:
        sizes = spy_transactions(store, monkeypatch)
        assert store.insert_imported(records(3000), "big.ndjson") == 3000
        save(store, store.start_session())
    assert len(sizes) > 10 and max(sizes) <= 300 + 2
    with Store(out) as target:
        sizes = spy_transactions(target, monkeypatch)
        counts = merge.merge_one(target, kiosk)
        assert (counts.drawings, counts.sessions, counts.guesses) == (3001, 2, 2)
    assert len(sizes) > 10 and max(sizes) <= 300 + 2
    assert visible(out)[0] == (3001, 3001, 3001)


def spy_transactions(store, monkeypatch):
    """The rows each of `store`'s transactions changed, as a list that fills as they commit."""
    sizes, transaction = [], store.transaction

    def counted(*args, **kwargs):
        manager = transaction(*args, **kwargs)

        class Counting:
            def __enter__(self):
                self.before = store.db.conn.total_changes
                return manager.__enter__()

            def __exit__(self, *exc):
                result = manager.__exit__(*exc)
                sizes.append(store.db.conn.total_changes - self.before)
                return result
        return Counting()

    monkeypatch.setattr(store, "transaction", counted)
    return sizes


def test_a_failed_import_leaves_nothing_behind(tmp_path, monkeypatch):
    monkeypatch.setattr(store_module, "IMPORT_BATCH", 100)
    path = tmp_path / "live.db"
    with Store(path) as store:
        save(store, store.start_session())
        before = row_counts(store)

        def broken():
            yield from records(1000)
            raise OSError("disk unplugged while reading")
        with pytest.raises(OSError, match="unplugged"):
            store.insert_imported(broken(), "broken.ndjson")
        assert row_counts(store) == before
        assert store.insert_imported(records(1000), "again.ndjson") == 1000


KILLED_IMPORT = """
import sys, time
sys.path.insert(0, sys.argv[2])
from model.store import Store, store
from store_fixtures import google_record
store.IMPORT_BATCH = 100
def slow():
    for number in range(100000):
        if number == 1000:
            open(sys.argv[3], "w").close()
            time.sleep(60)
        yield google_record(f"k{number}")
with Store(sys.argv[1]) as db:
    db.insert_imported(slow(), "big.ndjson")
"""


def test_a_killed_import_leaves_nothing_visible_and_the_next_one_clears_it(tmp_path):
    path, marker = tmp_path / "live.db", tmp_path / "midway"
    with Store(path) as store:
        save(store, store.start_session())
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "tests")]))
    child = subprocess.Popen([sys.executable, "-c", KILLED_IMPORT, str(path), str(ROOT), str(marker)], env=env)
    try:
        for _ in range(400):
            if marker.exists() or child.poll() is not None:
                break
            threading.Event().wait(0.05)
        assert marker.exists()
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert visible(path) == ((1, 1, 1), 1, ["cat"])
    with Store(path) as store:
        assert store.insert_imported(records(1000), "big.ndjson") == 1000   # its keys are free again
        assert store.db.execute("SELECT count(*) FROM sessions WHERE consent = 0").fetchone()[0] == 0
        assert store.count_drawings() == 1001 and store.integrity_check() == "ok"


def test_a_lock_that_cannot_be_had_is_store_busy_in_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(opening, "BUSY_TIMEOUT_S", 0.1)
    path, source = tmp_path / "live.db", tmp_path / "cat.ndjson"
    source.write_text('{"word": "cat", "key_id": "1", "drawing": [[[0, 9], [0, 9]]]}\n')
    with Store(path) as store:
        session = store.start_session()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with Store(path) as store:
            with pytest.raises(StoreBusy, match="live.db"):
                save(store, session)
            with pytest.raises(StoreBusy):
                store.insert_imported(records(10), "cat.ndjson")
        assert main(["import", str(source), "--db", str(path)]) == 2
        (line,) = capsys.readouterr().err.strip().splitlines()
        assert "live.db" in line and "locked" in line and "try again" in line
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert visible(path)[0] == (0, 0, 0)


def test_readers_never_see_staged_rows(tmp_path):
    """A staged session (what a killed merge leaves) is seen by no reader, and the next merge or
    import clears it before it starts."""
    path = tmp_path / "live.db"
    with Store(path) as store:
        save(store, store.start_session())
        store.db.execute("INSERT INTO sessions (code, started_at, consent, source) VALUES "
                         "('staging:ABC-DEFG', '2024-01-01T00:00:00.000+00:00', 0, 'staging:game')")
        staged_id = store.db.execute("SELECT id FROM sessions WHERE code = 'staging:ABC-DEFG'").fetchone()[0]
        store.db.execute("INSERT INTO drawings (key, session_id, word, drawing, recognized, created_at) "
                         "VALUES ('s1', ?, 'owl', '[[[1,2],[3,4]]]', 1, '2024-01-01T00:00:01.000+00:00')",
                         [staged_id])
        store.db.conn.commit()
        assert [d["word"] for d in store.random_drawings("owl", 5)] == []
        assert store.word_counts() == {"cat": 1}
        from game.scenes.attract import pick_drawing   # the attract loop reads the table itself
        assert {pick_drawing(store, random.Random(seed), skip_recent=0)["word"] for seed in range(20)} == {"cat"}
    assert visible(path) == ((1, 1, 1), 1, ["cat"])
    with Store(path) as store:
        assert store.insert_imported([google_record("s1", word="owl")], "owl.ndjson") == 1
        assert store.db.execute("SELECT count(*) FROM sessions WHERE consent = 0").fetchone()[0] == 0
    assert visible(path)[2] == ["cat", "owl"]


def test_a_code_forgotten_on_out_while_a_merge_stages_stays_forgotten(tmp_path, monkeypatch):
    kiosk, out = tmp_path / "kiosk.db", tmp_path / "out.db"
    with Store(kiosk) as store:
        known, new, kept = store.start_session(), store.start_session(), store.start_session()
        save(store, known)
        save(store, kept)
    merge.merge(out, [kiosk])
    with Store(kiosk) as store:   # more rounds after the first merge, in a session OUT has, and a new one
        save(store, known)
        save(store, kept)
        save(store, new)
    stage = merge._stage

    def player_forgets_meanwhile(target, counts):
        stage(target, counts)
        with Store(out) as other:
            assert other.forget(known.code) == 1 and other.forget(new.code) == 0

    monkeypatch.setattr(merge, "_stage", player_forgets_meanwhile)
    (counts,) = merge.merge(out, [kiosk])
    assert (counts.drawings, counts.kept_out, counts.already_there) == (1, 2, 2)
    with Store(out) as store:
        codes = {row["code"] for row in store.db["sessions"].rows}
        assert codes == {kept.code}
        assert store.count_drawings() == 2 and store.integrity_check() == "ok"
        assert store.db.execute("SELECT count(*) FROM sessions WHERE consent = 0").fetchone()[0] == 0


def test_imports_and_merges_into_one_file_take_turns(tmp_path, monkeypatch):
    monkeypatch.setattr(opening, "BUSY_TIMEOUT_S", 0.1)
    path = tmp_path / "live.db"
    with Store(path) as first, Store(path) as second:
        with staging.hold(first):   # an import or merge is running
            with pytest.raises(StoreBusy, match="another import or merge"):
                second.insert_imported(records(10), "cat.ndjson")
        assert second.insert_imported(records(10), "cat.ndjson") == 10   # its turn now
    assert not (tmp_path / "live.db-staging").exists()

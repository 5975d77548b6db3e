"""Opening a drawing store: the default path, pragmas, migrations, and the files it must refuse
(not SQLite, another program's, a newer pennydraw's, damaged, impossible paths) without touching them."""

import inspect
import re
import sqlite3
from pathlib import Path

import pytest
from sqlite_utils import Database

from model.store import DEFAULT_DB_PATH, MIGRATIONS, Store, StoreError
from store_fixtures import CAT, ROOT, save


# ---- opening ---------------------------------------------------------------------------------

def test_default_path_is_data_dir_of_repository():
    assert DEFAULT_DB_PATH == ROOT / "data" / "pennydraw.db"
    assert inspect.signature(Store).parameters["path"].default == DEFAULT_DB_PATH


def test_file_store_creates_parent_and_sets_pragmas(tmp_path, file_store):
    assert file_store.path == tmp_path / "nested" / "dir" / "pennydraw.db"
    assert file_store.path.is_file()
    pragma = lambda name: file_store.db.execute(f"PRAGMA {name}").fetchone()[0]  # noqa: E731
    assert pragma("journal_mode") == "wal"
    assert pragma("foreign_keys") == 1
    assert pragma("synchronous") == 1  # NORMAL
    assert {"sessions", "drawings", "guesses", "models", "erasures"} <= set(file_store.db.table_names())
    assert [m.name for m in MIGRATIONS.applied(file_store.db)] == ["m001_drawings", "m002_models", "m003_erasures",
                                                                "m004_key_ids"]
    indexed = {tuple(index.columns) for index in file_store.db["drawings"].indexes}
    assert {("key",), ("word", "id"), ("session_id",), ("created_at",)} <= indexed
    cascades = {fk.other_table: fk.on_delete for fk in file_store.db["drawings"].foreign_keys}
    assert cascades == {"sessions": "CASCADE"}


def test_reopening_keeps_data_and_runs_no_migration_twice(tmp_path):
    path = tmp_path / "p.db"
    with Store(str(path)) as store:
        drawing_id = save(store, store.start_session())
    with Store(path) as store:
        assert [d["id"] for d in store.drawings()] == [drawing_id]
        assert store.db["_sqlite_migrations"].count == 4


def test_migration_upgrades_a_database_made_by_the_first_migration(tmp_path):
    path = tmp_path / "old.db"
    old = Database(path)
    MIGRATIONS.apply(old, stop_before="m002_models")
    old.execute("INSERT INTO sessions (code, started_at, locale, consent, source) "
                "VALUES ('ABC-DEFG', '2024-01-01T00:00:00.000+00:00', 'de', 1, 'game')")
    old.execute("INSERT INTO drawings (key, session_id, word, drawing, recognized, duration_ms, created_at) "
                "VALUES ('k1', 1, 'cat', '[[[1,2],[3,4]]]', 1, 700, '2024-01-01T00:00:01.000+00:00')")
    assert "models" not in old.table_names()
    old.close()
    with Store(path) as store:
        assert [m.name for m in MIGRATIONS.applied(store.db)] == ["m001_drawings", "m002_models", "m003_erasures",
                                                                "m004_key_ids"]
        assert [d["drawing"] for d in store.drawings()] == [[[[1, 2], [3, 4]]]]
        store.record_model("v1", "m.pt", 10, {"accuracy": 0.5})
        assert store.active_model()["version"] == "v1"
        assert store.forget("abc-defg") == 1


def test_database_from_a_newer_pennydraw_is_refused(tmp_path):
    path = tmp_path / "new.db"
    Store(path).close()
    db = Database(path)
    db["_sqlite_migrations"].insert({"migration_set": "pennydraw", "name": "m999_future", "applied_at": "x"})
    db.close()
    with pytest.raises(StoreError, match="newer pennydraw"):
        Store(path)


def test_file_that_is_not_sqlite_is_refused_and_left_untouched(tmp_path):
    path = tmp_path / "notes.db"
    content = b"my shopping list, not a database\n" * 200
    path.write_bytes(content)
    with pytest.raises(StoreError, match=re.escape(str(path))):
        Store(path)
    assert path.read_bytes() == content
    assert not Path(f"{path}-wal").exists()


def test_sqlite_file_of_another_program_is_refused_and_left_untouched(tmp_path):
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE notes (text TEXT)")
        conn.execute("INSERT INTO notes VALUES ('keep me')")
    conn.close()
    before = path.read_bytes()
    with pytest.raises(StoreError, match="other program"):
        Store(path)
    assert path.read_bytes() == before


def test_damaged_database_gives_a_clear_error(tmp_path):
    path = tmp_path / "damaged.db"
    with Store(path) as store:
        session = store.start_session()
        for _ in range(20):
            save(store, session)
    data = bytearray(path.read_bytes())
    data[8192:] = b"\x5a" * (len(data) - 8192)  # everything after the first two pages
    path.write_bytes(bytes(data))
    try:
        with Store(path) as store:
            problems = store.integrity_check()
    except StoreError as error:
        assert str(path) in str(error)
    else:
        assert problems != "ok"
    assert path.read_bytes() == bytes(data)


def test_directory_or_impossible_path_gives_store_error(tmp_path):
    with pytest.raises(StoreError, match="directory"):
        Store(tmp_path)
    (tmp_path / "a_file").write_text("x")
    with pytest.raises(StoreError, match="a_file"):
        Store(tmp_path / "a_file" / "p.db")


# ---- reading only: the retraining job's view of a live kiosk database ----------------------------

def test_a_read_only_store_writes_nothing_and_refuses_to(tmp_path):
    path = tmp_path / "live.db"
    with Store(path) as store:
        save(store, store.start_session())
    before = path.read_bytes()
    with Store(path, read_only=True) as live:
        assert live.count_drawings() == 1 and live.totals()["drawings"] == 1
        with pytest.raises(StoreError, match="live.db"):
            live.start_session()
    assert path.read_bytes() == before    # (SQLite may add its -shm index beside it, as any reader does)
    with pytest.raises(StoreError, match="absent.db"):
        Store(tmp_path / "absent.db", read_only=True)
    assert not (tmp_path / "absent.db").exists()


def test_a_snapshot_copies_everything_but_what_is_left_out(tmp_path):
    with Store(tmp_path / "live.db") as store:
        session = store.start_session()
        ids = [save(store, session, word=word) for word in ("cat", "sun", "cat")]
        keys = [d["key"] for d in store.drawings()]
    with Store(tmp_path / "live.db", read_only=True) as live:
        left_out = live.snapshot(tmp_path / "copy.db", leave_out=lambda key: key == keys[1])
        assert live.count_drawings() == 3
    assert left_out == [("sun", [list(map(list, stroke)) for stroke in CAT])]
    with Store(tmp_path / "copy.db") as copy:
        assert [d["id"] for d in copy.drawings()] == [ids[0], ids[2]]
        assert copy.guesses(ids[1]) == [] and copy.guesses(ids[0]) != []
        assert copy.integrity_check() == "ok"
    with Store(tmp_path / "live.db") as store:
        store.snapshot(tmp_path / "whole.db")
    with Store(tmp_path / "whole.db") as whole:
        assert whole.count_drawings() == 3

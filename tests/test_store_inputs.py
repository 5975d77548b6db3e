"""Inputs are never modified: `export`, `stats` and `merge` read their input databases read-only
(`mode=ro`, `immutable=1` on read-only media or a read-only file or folder), never switch them to WAL
and never migrate them; only the database being written (merge's OUT) is upgraded.

The tests may run as root, where chmod does not stop a write: so besides the permissions they check
that the files' bytes and modification times are unchanged and that no -wal or -shm appears."""
import os
import stat
from pathlib import Path

import pytest
from sqlite_utils import Database

from model import export, stats
from model.__main__ import main
from model.store import MIGRATIONS, Store, merge
from model.store.schema import KNOWN
from store_fixtures import CAT, save

OLD_CODE = "ABC-DEFG"


def old_schema_store(path: Path) -> Path:
    """A store made by the first pennydraw (only m001: no models, no erasures), rollback journal."""
    old = Database(path)
    MIGRATIONS.apply(old, stop_before="m002_models")
    old.execute("INSERT INTO sessions (code, started_at, locale, consent, source) "
                f"VALUES ('{OLD_CODE}', '2024-01-01T00:00:00.000+00:00', 'de', 1, 'game')")
    old.execute("INSERT INTO drawings (key, session_id, word, drawing, recognized, duration_ms, created_at) "
                "VALUES ('old-1', 1, 'cat', '[[[1,2],[3,4]]]', 1, 700, '2024-01-01T00:00:01.000+00:00')")
    old.conn.commit()
    old.close()
    return path


def current_store(path: Path) -> Path:
    with Store(path) as store:
        session = store.start_session()
        save(store, session, word="dog")
        save(store, session, word="cat")
    return path


def fingerprint(path: Path) -> tuple:
    return path.read_bytes(), path.stat().st_mtime_ns


def no_side_files(path: Path) -> bool:
    return not Path(f"{path}-wal").exists() and not Path(f"{path}-shm").exists()


def read_all(inputs, tmp_path: Path) -> None:
    """What each command does with its inputs."""
    for path in inputs:
        assert stats.db_stats(path)
    export.export(inputs, tmp_path / "export", export.ExportSettings(formats=("raw",)))
    merge.merge(tmp_path / "all.db", inputs)


@pytest.fixture
def read_only_dir(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    yield folder
    folder.chmod(0o755)
    for path in folder.iterdir():
        path.chmod(0o644)


def test_read_only_copies_are_read_in_place_and_left_as_they_were(tmp_path, read_only_dir):
    old = old_schema_store(read_only_dir / "old.db")
    new = current_store(tmp_path / "made.db")
    with Store(new) as store:   # the live store leaves a -wal behind while open; a copy is one file
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    (read_only_dir / "new.db").write_bytes(new.read_bytes())
    inputs = [old, read_only_dir / "new.db"]
    for path in inputs:
        path.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    read_only_dir.chmod(0o555)
    before = {path: fingerprint(path) for path in inputs}

    read_all(inputs, tmp_path)

    for path in inputs:
        assert fingerprint(path) == before[path], f"{path.name} was modified"
        assert no_side_files(path), f"{path.name} got a -wal or -shm"
    with Store(tmp_path / "all.db") as out:   # and the merge read them fully
        assert sorted(d["word"] for d in out.drawings()) == ["cat", "cat", "dog"]
        assert out.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_writable_old_input_is_not_migrated_nor_switched_to_wal(tmp_path, capsys):
    old = old_schema_store(tmp_path / "old.db")
    before = fingerprint(old)

    read_all([old], tmp_path)
    assert main(["stats", "--db", str(old)]) == 0
    assert main(["merge", str(tmp_path / "again.db"), str(old)]) == 0
    capsys.readouterr()

    assert fingerprint(old) == before
    assert old.read_bytes()[18:20] == b"\x01\x01"   # the header still says rollback journal, not WAL
    assert no_side_files(old)
    names = [row["name"] for row in Database(old)["_sqlite_migrations"].rows]
    assert names == ["m001_drawings"]
    with Store(tmp_path / "all.db") as out:   # OUT, the database written, is upgraded
        assert [m.name for m in MIGRATIONS.applied(out.db)] == KNOWN
        assert [d["key"] for d in out.drawings()] == ["old-1"]
        assert out.forget(OLD_CODE) == 1


def test_a_read_only_store_opens_an_immutable_file_without_side_files(tmp_path, read_only_dir):
    path = read_only_dir / "kiosk.db"
    path.write_bytes(current_store(tmp_path / "made.db").read_bytes())  # (a rollback copy of its pages)
    path.chmod(0o444)
    read_only_dir.chmod(0o555)
    with Store(path, read_only=True) as store:
        assert store.count_drawings() == 2
    assert no_side_files(path)


def test_a_closed_current_input_leaves_no_side_files_and_a_live_one_is_read_with_its_log(tmp_path):
    closed, live = current_store(tmp_path / "closed.db"), current_store(tmp_path / "live.db")
    before = fingerprint(closed)
    read_all([closed], tmp_path)
    assert fingerprint(closed) == before and no_side_files(closed)
    with Store(live) as game:   # the game is playing: its latest round is still in the -wal
        save(game, game.start_session(), word="owl")
        assert Path(f"{live}-wal").stat().st_size > 0
        assert "owl" in {row.category for row in stats.db_stats(live)}

"""Erasure that is finished: `forget` leaves a drawing's coordinates nowhere in the database file or its
write-ahead log, or says plainly that it is not finished yet and how to finish it; on a full disk it
fails clearly and loses nothing; `merge --help` says what merging does with erasures."""
import sqlite3
from pathlib import Path

import pytest

from model.__main__ import main
from model.store import Store, StoreError
from store_fixtures import row_counts

# A drawing whose coordinates make a byte pattern found nowhere else in the files.
SECRET = [[[31337, 27182, 16180, 14142], [11235, 81321, 34558, 98765], [0, 10, 20, 30]]]
PATTERN = b"31337,27182,16180,14142"


def files_hold(path: Path, pattern: bytes = PATTERN) -> bool:
    return any(pattern in part.read_bytes() for part in (path, Path(f"{path}-wal")) if part.exists())


def played(path: Path, drawings: int = 5) -> str:
    """A store at `path` with one player's `drawings` secret drawings and another player's one."""
    with Store(path) as store:
        session = store.start_session()
        for _ in range(drawings):
            store.save_drawing(session, "cat", SECRET, True, 20, 30)
        store.save_drawing(store.start_session(), "dog", [[[1, 2], [3, 4]]], False, None, 900)
    return session.code


@pytest.fixture
def reader(tmp_path):
    """A second connection in the middle of a read transaction (the game reading, say)."""
    path = tmp_path / "kiosk.db"
    code = played(path)
    conn = sqlite3.connect(path)
    conn.execute("BEGIN")
    assert conn.execute("SELECT count(*) FROM drawings").fetchone()[0] == 6
    yield path, code, conn
    conn.close()


def test_secure_delete_is_on(tmp_path):
    with Store(tmp_path / "p.db") as store:
        assert store.db.execute("PRAGMA secure_delete").fetchone()[0] == 1


def test_forget_while_a_reader_holds_the_log_is_finished_or_says_it_is_not(reader):
    path, code, conn = reader
    assert files_hold(path)
    with Store(path) as store:
        assert store.forget(code, wait_seconds=0.2) == 5
        assert files_hold(path) != store.erasure_finished   # reported unfinished exactly while a copy remains
        assert not store.erasure_finished                    # the reader holds the old pages
        conn.rollback()                                      # the reader goes
        assert store.finish_erasure(wait_seconds=1.0)
        assert store.erasure_finished
        assert not files_hold(path)
        assert store.count_drawings() == 1


def test_forget_command_says_how_to_finish_and_exits_3(reader, capsys):
    path, code, conn = reader
    assert main(["forget", code, "--db", str(path), "--wait", "0.2"]) == 3
    out, err = capsys.readouterr()
    assert "5 drawing(s)" in out
    (line,) = err.strip().splitlines()
    assert "not finished" in line and f"forget {code} --db {path}" in line
    assert files_hold(path)
    conn.rollback()
    assert main(["forget", code, "--db", str(path), "--wait", "1"]) == 0   # run again: finished
    assert not files_hold(path)


def test_forget_with_no_reader_is_finished_at_once(tmp_path, capsys):
    path = tmp_path / "kiosk.db"
    code = played(path)
    assert main(["forget", code, "--db", str(path)]) == 0
    assert "erased" in capsys.readouterr().out
    assert not files_hold(path)


def test_forget_on_a_full_disk_fails_clearly_and_loses_nothing(tmp_path, capsys):
    path = tmp_path / "kiosk.db"
    code = played(path, drawings=200)   # 200 tombstones need new pages
    with Store(path) as store:
        before = row_counts(store)
        pages = store.db.execute("PRAGMA page_count").fetchone()[0]
        store.db.execute(f"PRAGMA max_page_count = {pages}")   # SQLite's "database or disk is full"
        with pytest.raises(StoreError) as error:
            store.forget(code)
        message = str(error.value)
        assert "full" in message and str(path) in message
        assert "nothing was erased" in message and "free" in message
        assert row_counts(store) == before and store.db["erasures"].count == 0
        assert store.integrity_check() == "ok"
        store.db.execute("PRAGMA max_page_count = 1073741823")
        assert store.forget(code) == 200 and store.erasure_finished
    assert not files_hold(path)


def test_merge_help_says_that_erasure_travels(capsys):
    with pytest.raises(SystemExit):
        main(["merge", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "Erasure does not" not in text
    assert "Erasure travels" in text and "tombstones" in text

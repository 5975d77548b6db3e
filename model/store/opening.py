"""How the store's database files are opened: one busy timeout for every connection, and inputs read
without a single byte of them changing.

- `connect(path)` opens the database being written (`Store(path)`, merge's OUT), as a `file:` URI so
  that the connection can ATTACH other files read-only.
- `connect(path, read_only=True)` opens an input (`export`, `stats`, merge's IN, the retraining job's
  view of a live database) with `mode=ro`: SQLite refuses every write, so it is never switched to WAL
  nor migrated. `immutable=1` as well (no lock, no -wal or -shm made beside it) on read-only media,
  when the file or its folder is not writable (by its permission bits: root ignores them, so
  `os.access` would say yes), or when no -wal sits beside it (no writer has it open); never when a
  -wal with data or a -journal sits beside it, which `immutable` would ignore.
- SQLite's "database is locked" after the busy timeout becomes `StoreBusy`, a `StoreError`.
"""
from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

# How long a connection waits for another one's write lock before giving up. Long imports and merges
# commit in batches that hold the lock for a few milliseconds each (bench/bench_store_locks.py), so a
# wait this long means another program holds the lock for good, not that it is merely busy.
BUSY_TIMEOUT_S = 10.0


class StoreError(Exception):
    """The database cannot be opened or written; the message names the file."""


class StoreBusy(StoreError):
    """Another connection held the database's write lock for longer than the busy timeout."""


def is_locked(error: BaseException) -> bool:
    """SQLite's "database is locked" / "busy" (SQLITE_BUSY, SQLITE_LOCKED)."""
    text = str(error).lower()
    return isinstance(error, sqlite3.OperationalError) and ("locked" in text or "busy" in text)


def _read_only_place(path: Path) -> bool:
    """The file lies on read-only media, or the file or its folder has no write permission bit."""
    try:
        if os.statvfs(path).f_flag & os.ST_RDONLY:
            return True
        writable = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH
        return not (path.stat().st_mode & writable) or not (path.parent.stat().st_mode & writable)
    except OSError:
        return False


def input_uri(path: str | Path) -> str:
    """The `file:` URI that opens `path` for reading only (for `sqlite3.connect(uri=True)` or ATTACH)."""
    path = Path(path).resolve()
    uri = path.as_uri() + "?mode=ro"
    wal, journal = Path(f"{path}-wal"), Path(f"{path}-journal")
    if journal.exists() or (wal.exists() and wal.stat().st_size > 0):
        return uri   # a writer's changes wait beside the file: read them as SQLite does
    if _read_only_place(path) or not wal.exists():
        # Nobody can write it, or nobody has it open for writing now (a writer keeps its -wal): read
        # it as a plain file, creating no -wal or -shm beside it (a read-only reader could not delete
        # them again, and as root it would leave files the kiosk's user cannot open).
        uri += "&immutable=1"
    return uri


def connect(path: str | Path, read_only: bool = False) -> sqlite3.Connection:
    """A connection to `path` (":memory:" too) with the store's busy timeout; see the module text."""
    if str(path) == ":memory:":
        return sqlite3.connect(":memory:", timeout=BUSY_TIMEOUT_S)
    uri = input_uri(path) if read_only else Path(path).resolve().as_uri()
    return sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S)


def busy_timeout_s(conn: sqlite3.Connection) -> float:
    """The busy timeout `conn` runs with now (the game lowers its own)."""
    try:
        return conn.execute("PRAGMA busy_timeout").fetchone()[0] / 1000
    except sqlite3.Error:
        return BUSY_TIMEOUT_S


def store_error(error: sqlite3.Error, message: str, conn: sqlite3.Connection | None = None) -> StoreError:
    """`StoreError(message: error)`, or `StoreBusy` saying how long it waited when the lock was taken."""
    if is_locked(error):
        waited = busy_timeout_s(conn) if conn is not None else BUSY_TIMEOUT_S
        return StoreBusy(f"{message}: {error} (another program held its write lock for over {waited:g} s; "
                         "nothing was changed: try again when it has finished)")
    return StoreError(f"{message}: {error}")

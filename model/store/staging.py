"""Long writes (imports, merges) that never keep the write lock, yet appear all at once.

An import of 400k lines used to hold SQLite's write lock for its whole 16 s, and a player's round
saved meanwhile waited 10 s and failed. Now the rows go into the live tables in short transactions
of `BATCH_ROWS` rows each (a few ms of lock each, bench/bench_store_locks.py), parsed before each
transaction begins, under *staged* sessions that no reader sees; one short final transaction (the
flip) makes them ordinary sessions, so a reader sees all of a file or none of it.

A staged session's `code` and `source` start with "staging:" and its `consent` is 0: every reader
counts consented sessions only (`Store`'s reads, export, stats, merge), so its drawings and guesses
are invisible without a line of schema. A failed import or merge deletes what it staged (in batches,
too); one that was killed leaves staged rows that nobody sees, and the next import or merge into the
same file clears them before it starts. Imports and merges into one file take turns (`hold`, an
advisory lock on a file "<db>-staging" beside it while one runs), so no one clears what another is
staging.
"""
from __future__ import annotations

import contextlib
import os
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from model.store.codec import imported_row, new_code, utc_iso
from model.store.opening import StoreBusy, StoreError, busy_timeout_s

try:
    import fcntl
except ImportError:   # Windows: no advisory locks; imports and merges must not overlap there
    fcntl = None

STAGING = "staging:"
STAGED_SESSIONS = f"SELECT id FROM sessions WHERE code GLOB '{STAGING}*'"
# Rows per short transaction of a merge or while clearing staged rows (`Store.IMPORT_BATCH` for an
# import). A 100k-line import committed 2000 rows at a time held the lock a median 105 ms, at most
# 0.2 s, per batch on the shared 2-core machine at a load of 9.6; the longest hold seen in
# bench_store_locks.py is 0.73 s: under the second a game's save may wait. The price is CPU: a 400k-line
# import took 29-33 CPU s in batches against 24 s in one transaction (the merge of it 16.5 against
# 7.2 s, bench_store_locks.py), the more the bigger the file; smaller batches would cost more still.
BATCH_ROWS = 2000


@contextlib.contextmanager
def hold(store) -> Iterator[None]:
    """Take this file's turn for staging (waiting up to the busy timeout), then clear what an import
    or merge that was killed left staged."""
    if store.path == ":memory:" or fcntl is None:
        clear_staged(store)
        yield
        return
    lock = Path(f"{store.path}-staging")
    deadline = time.monotonic() + busy_timeout_s(store.db.conn)
    while True:
        handle = os.open(lock, os.O_RDONLY | os.O_CREAT, 0o644)  # read-only: anyone may take its lock
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(handle)
            if time.monotonic() >= deadline:
                raise StoreBusy(f"{store.path}: another import or merge is writing into it (it holds "
                                f"{lock}); nothing was changed: try again when it has finished") from None
            time.sleep(0.05)
            continue
        if _same_file(handle, lock):
            break
        os.close(handle)   # the holder before us removed it as it finished: take the new one
    try:
        clear_staged(store)
        yield
    finally:
        with contextlib.suppress(OSError):
            lock.unlink()   # no lock file left beside the database
        os.close(handle)   # releases the lock


def _same_file(handle: int, path: Path) -> bool:
    try:
        return os.path.samestat(os.fstat(handle), os.stat(path))
    except OSError:
        return False


def clear_staged(store, session_ids: Iterable[int] | None = None) -> None:
    """Delete staged sessions (these, or every one) with their drawings and guesses, in batches."""
    if session_ids is None:
        which, params = STAGED_SESSIONS, []
    else:
        params = [int(i) for i in session_ids]
        which = f"SELECT id FROM sessions WHERE id IN ({', '.join('?' * len(params))}) AND consent = 0"
    if not store._reading(f"SELECT count(*) FROM ({which})", params)[0][0]:
        return
    while True:
        with store.transaction("clear an unfinished import or merge", "from") as conn:
            deleted = conn.execute(f"DELETE FROM drawings WHERE id IN (SELECT id FROM drawings WHERE "
                                   f"session_id IN ({which}) LIMIT ?)", [*params, BATCH_ROWS]).rowcount
            if not deleted:
                conn.execute(f"DELETE FROM sessions WHERE id IN ({which})", params)
                return


@contextlib.contextmanager
def discarded_on_failure(store, session_ids: Iterable[int] | None = None) -> Iterator[None]:
    """Clear what was staged when the body fails; the failure itself goes on."""
    try:
        yield
    except BaseException:
        with contextlib.suppress(Exception):   # if even that fails, the next import or merge clears it
            clear_staged(store, session_ids)
        raise


def insert_imported(store, records: Iterable[dict], name: str, batch: int,
                    on_bad: Callable[[ValueError], None] | None = None) -> int:
    """`Store.insert_imported`: the records as one consented session, all or nothing, `batch` rows a
    transaction (each parsed before it begins). Returns how many drawings were new."""
    sql = ("INSERT OR IGNORE INTO drawings (key, session_id, word, drawing, recognized, "
           "duration_ms, created_at, countrycode, key_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
    what = f"import {name}"
    with hold(store):
        with store.transaction(what) as conn:
            session_id = conn.execute(
                "INSERT INTO sessions (code, started_at, consent, source) VALUES (?, ?, 0, ?)",
                (STAGING + uuid.uuid4().hex, utc_iso(), f"{STAGING}import:{name}")).lastrowid
        added, now, numbered = 0, utc_iso(), enumerate(records, 1)
        with discarded_on_failure(store, [session_id]):
            more = True
            while more:
                rows, more = _rows(numbered, batch, session_id, now, on_bad)
                if rows:
                    with store.transaction(what) as conn:
                        added += conn.executemany(sql, rows).rowcount
            with store.transaction(what) as conn:
                if added:
                    _release_import(conn, session_id)
                else:   # everything was already here: leave no empty import session behind
                    conn.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
    return added


def _rows(numbered, batch: int, session_id: int, now: str, on_bad) -> tuple[list[tuple], bool]:
    """The next `batch` rows of the (number, record) pairs, and whether records are left. Each record
    becomes its row as it is read, so the reader still stands at its line when one is refused: it
    raises ValueError, or, with `on_bad`, is handed to it (which may raise) and left out."""
    rows = []
    for number, record in numbered:
        try:
            rows.append(imported_row(record, number, session_id, now))
        except ValueError as error:
            if on_bad is None:
                raise
            on_bad(error)
        if len(rows) >= batch:
            return rows, True
    return rows, False


def _release_import(conn, session_id: int) -> None:
    """The flip of an import: its session becomes an ordinary consented one, with an erasure code."""
    for _ in range(20):   # a clash among 2.7e10 codes is rare; retry a few times anyway
        try:
            conn.execute(f"UPDATE sessions SET code = ?, consent = 1, source = substr(source, {len(STAGING) + 1}) "
                         "WHERE id = ?", (new_code(), session_id))
            return
        except sqlite3.IntegrityError:   # that code is taken
            pass
    raise StoreError("could not find a free erasure code")

"""Erasing from the store: a player's session by its code (`forget`), old players' drawings (`purge`),
and finishing the job in the files.

Deleted rows are overwritten where they lay (`secure_delete`, set on every connection), but under WAL
the old page images, coordinates and all, still sit in the -wal file, and in the database file until
the new pages are checkpointed into it. `finish_erasure` checkpoints with TRUNCATE, which copies every
page into the file and empties the log, retrying for a bounded time while another connection's read
transaction still uses the old pages (SQLite cannot move past a reader's snapshot).
`store.erasure_finished` says whether the last erasure got that far; the `forget` command exits 3
with a line saying how to finish it when it did not. A part of `Store` (its base class, like
`models_table.py`): it writes through `Store.transaction`.
"""
from __future__ import annotations

import sqlite3
import time
from datetime import datetime, timedelta, timezone

from model.store.codec import normalize_code, utc_iso
from model.store.opening import StoreError
from model.store.schema import code_tombstone

# How long `forget` retries the checkpoint while readers hold the old pages. The game reads in short
# transactions (a few ms each), so this much is plenty unless a reader stays in one for good.
ERASURE_WAIT_S = 5.0
PURGE_WAIT_S = 1.0  # the game purges on its writer thread at start: rounds wait meanwhile
_RETRY_S = 0.05


class Erasing:
    """`Store`'s methods for erasing."""

    erasure_finished: bool = True  # False after an erasure whose old pages could not be moved out yet

    def forget(self, code: str, wait_seconds: float = ERASURE_WAIT_S) -> int:
        """Erase a session, its drawings and guesses; returns how many drawings went (0: unknown).

        A tombstone stays (the drawings' keys and a hash of the code, see `schema.py`), so that
        merging a kiosk database that still holds the session does not bring it back. A well-formed
        code this store has never seen leaves its tombstone too: erasing on the merged store before
        the kiosk's next merge works. Then `finish_erasure(wait_seconds)`: see `erasure_finished`.
        On a full disk nothing is erased and StoreError says so."""
        normalized = normalize_code(code)
        if normalized is None:
            return 0
        try:
            with self.transaction("erase a session") as conn:
                in_session = "SELECT id FROM sessions WHERE code = ?"
                now = utc_iso()
                conn.execute("INSERT OR IGNORE INTO erasures (key, erased_at) VALUES (?, ?)",
                             (code_tombstone(normalized), now))
                conn.execute("INSERT OR IGNORE INTO erasures (key, erased_at) SELECT key, ? "
                             f"FROM drawings WHERE session_id IN ({in_session})", (now, normalized))
                erased = conn.execute(f"SELECT count(*) FROM drawings WHERE session_id IN ({in_session})",
                                      (normalized,)).fetchone()[0]
                conn.execute("DELETE FROM sessions WHERE code = ?", (normalized,))
        except StoreError as error:
            raise type(error)(f"{error}; nothing was erased (free some disk space if it is full, "
                              "then run forget again)") from error.__cause__
        self.finish_erasure(wait_seconds)
        return erased

    def purge_older_than(self, days: float, wait_seconds: float = PURGE_WAIT_S) -> int:
        """Erase players' drawings made more than ``days`` days ago, and sessions left empty.
        Imported public data is left alone. Returns how many drawings were erased."""
        if not days >= 0:
            raise ValueError(f"days must be a number >= 0, got {days!r}")
        cutoff = utc_iso(datetime.now(timezone.utc) - timedelta(days=days))
        game = "SELECT id FROM sessions WHERE source = 'game'"
        with self.transaction("purge old drawings") as conn:
            erased = conn.execute(f"DELETE FROM drawings WHERE created_at < ? AND session_id IN ({game})",
                                  (cutoff,)).rowcount
            conn.execute(f"DELETE FROM sessions WHERE id IN ({game}) AND started_at < ? AND NOT EXISTS "
                         "(SELECT 1 FROM drawings WHERE session_id = sessions.id)", (cutoff,))
        if erased:
            self.finish_erasure(wait_seconds)
        return erased

    def finish_erasure(self, wait_seconds: float = ERASURE_WAIT_S) -> bool:
        """Move every page of the -wal into the database file and empty the log (checkpoint TRUNCATE),
        retrying for up to `wait_seconds` while readers hold old pages; sets and returns
        `erasure_finished`. A store in memory has no files: always finished."""
        if self.path == ":memory:":
            self.erasure_finished = True
            return True
        conn = self.db.conn
        restore = conn.execute("PRAGMA busy_timeout").fetchone()[0]
        deadline = time.monotonic() + max(0.0, wait_seconds)
        try:
            while True:
                # TRUNCATE waits for readers in SQLite's busy handler: bound that wait by ours.
                left = max(0.0, deadline - time.monotonic())
                conn.execute(f"PRAGMA busy_timeout = {int(left * 1000)}")
                try:
                    busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
                except sqlite3.Error:   # a full disk, say: the old pages stay where they are for now
                    busy = 1
                self.erasure_finished = not busy
                if not busy or time.monotonic() >= deadline:
                    return self.erasure_finished
                time.sleep(_RETRY_S)
        finally:
            conn.execute(f"PRAGMA busy_timeout = {restore}")

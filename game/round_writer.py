"""Finished rounds into the store, off the frame thread: a visitor's round is never lost, the frame never waits.

The game hands every finished, consented round with ink to `RoundWriter.submit`, which only queues it
(microseconds). A writer thread, with a connection of its own, then

1. writes the round into the journal beside the database (`round_journal.py`: fsync'ed, atomic), so
   it survives a crash from then on;
2. saves it with `Store.save_drawing(key=...)`, which commits before returning; while another process
   holds the write lock (an import or a merge on the live database) SQLite says "database is
   locked", and the writer simply tries again, for as long as it takes, in order;
3. once committed, takes it out of the journal (the file is removed when nothing is pending).

What the game shows right after a round (the game-over grid, the pay slip, the installation's totals)
reads it from memory (`Game.results`, `pending_totals`) until it is committed. At the next start the
journal's rounds are saved first; a stable key per drawing means a round committed just before a
crash is not stored twice. Other failures (a full disk, a read-only file) are retried less often;
only a round the store refuses as malformed is dropped, with a log line. At start the writer also
applies the retention setting (`purge_days`), the game's other write.

A store in memory (the tests' `Store(":memory:")`) cannot be shared with another thread, and no other
process can lock it: there the writer saves at once, on the caller's thread.
"""
from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from .round_journal import PendingRound, RoundJournal

log = logging.getLogger("pennydraw.rounds")

BUSY_CODES = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


@dataclass(frozen=True)
class Patience:
    # One attempt waits this long for the write lock inside SQLite (which polls it every 1-25 ms)
    # before the writer journals what came meanwhile and tries again: a new round is crash-safe at
    # most this long after it ended, even while the database is locked, and a closing game waits
    # about this long for the thread. Another writer that lets go of the lock for 25 ms lets us in.
    busy_seconds: float = 0.1
    # After another failure (a full disk, a read-only file) the next attempt waits this long,
    # doubling up to `max_backoff`.
    backoff: float = 1.0
    max_backoff: float = 60.0
    # How long `close` lets the thread store what is pending; what is left stays in the journal.
    close_seconds: float = 3.0
    # More rounds than this waiting: a warning (the database has been unavailable for a long time).
    many_pending: int = 60


def is_busy(error: BaseException) -> bool:
    """The database is locked by another connection (SQLITE_BUSY / SQLITE_LOCKED), through any
    wrapping (`StoreError` keeps the sqlite3 error as its cause)."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, sqlite3.Error) and (getattr(error, "sqlite_errorcode", 0) & 0xFF) in BUSY_CODES:
            return True
        text = str(error).lower()
        if "database is locked" in text or "database is busy" in text or "database table is locked" in text:
            return True
        error = error.__cause__ or error.__context__
    return False


def is_refused(error: BaseException) -> bool:
    """The store will never take this round (malformed data, a broken constraint): retrying is useless."""
    cause = error
    while cause is not None:
        if isinstance(cause, (ValueError, sqlite3.IntegrityError)):
            return True
        cause = cause.__cause__
    return False


class RoundWriter:
    """Saves rounds into the store of `store.path` from a thread of its own; see the module docstring."""

    def __init__(self, store, journal: RoundJournal | None = None, patience: Patience = Patience()) -> None:
        from model.store.store import MEMORY, Store

        self.path = store.path
        self.patience = patience
        self.journal = journal
        self.threaded = str(store.path) != MEMORY
        self._open = (lambda: Store(self.path)) if self.threaded else (lambda: store)
        self._store = None if self.threaded else store
        self._lock = threading.Condition()
        self._pending: list[PendingRound] = []   # in order; guarded by _lock
        self._results: dict = {}                 # key -> the live RoundResult, given its id once committed
        self._state: OrderedDict[str, str] = OrderedDict()   # key -> "queued", "journaled", "stored", "dropped"
        self._changes = 0                        # changes of _pending so far ...
        self._journaled = 0                      # ... and how many of them the journal file holds
        self._purge_days: float | None = None
        self._closing = False
        self._thread: threading.Thread | None = None
        self._busy_since: float | None = None
        self.stored = 0                          # rounds committed by this writer

    # --- the game's side ------------------------------------------------------------------------
    def start(self, purge_days: float | None = None) -> RoundWriter:
        """Replay the journal, apply the retention (`purge_days`), then keep saving what comes."""
        self._purge_days = purge_days
        if not self.threaded:
            self._work_once()
            return self
        self._thread = threading.Thread(target=self._run, name="round-writer", daemon=True)
        self._thread.start()
        return self

    def submit(self, session, result) -> None:
        """Keep the finished round `result` of the consented `session` until it is committed; never
        waits for the database."""
        pending = PendingRound.of(session, result)
        with self._lock:
            self._pending.append(pending)
            self._results[pending.key] = (session, result)
            self._note(pending.key, "queued")
            self._changes += 1
            self._lock.notify_all()
        if not self.threaded:
            self._work_once()

    def state(self, key: str) -> str | None:
        """"queued", "journaled" (safe from a crash), "stored" (committed), "dropped" or None."""
        with self._lock:
            return self._state.get(key)

    def pending(self) -> list[PendingRound]:
        with self._lock:
            return list(self._pending)

    def pending_totals(self) -> dict:
        """The counts `Store.totals` gives (but sessions, which may have rows already), of the rounds
        not committed yet: to add to it."""
        rounds = self.pending()
        return {"drawings": len(rounds), "seconds": sum(r.duration_ms for r in rounds) / 1000.0,
                "recognized": sum(bool(r.recognized) for r in rounds)}

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until everything submitted is committed (or dropped) and the journal says so; False
        after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._pending or self._purge_days is not None or self._journaled < self._changes:
                left = deadline - time.monotonic()
                if left <= 0 or (self._thread is not None and not self._thread.is_alive()):
                    return False
                self._lock.wait(min(left, 0.05))
        return True

    def close(self) -> None:
        """Store what can be stored within `patience.close_seconds`; the rest waits in the journal."""
        with self._lock:
            self._closing = True
            self._lock.notify_all()
        if self._thread is not None:
            self._thread.join(self.patience.close_seconds + self.patience.busy_seconds)
            if self._thread.is_alive():
                log.warning("the database is still busy: %d round(s) wait in %s for the next start",
                            len(self._pending), self.journal and self.journal.path)
        left = self.pending()
        if left and self._thread is None:
            log.warning("%d round(s) could not be stored", len(left))

    # --- the writer thread ----------------------------------------------------------------------
    def _run(self) -> None:
        try:
            self._loop()
        except Exception:   # a bug: say it loudly; what is pending is in the journal already
            log.exception("the round writer stopped")

    def _loop(self) -> None:
        if self.journal is not None:
            earlier = [r for r in self.journal.read() if r.key not in self._results]
            with self._lock:
                self._pending[:0] = earlier
                for pending in earlier:
                    self._note(pending.key, "journaled")
        delay, closing_since = 0.0, None
        while True:
            with self._lock:
                if not self._closing and (delay > 0 or not (self._pending or self._purge_days is not None)):
                    self._lock.wait(timeout=delay if delay > 0 else None)
                closing = self._closing
            if closing and closing_since is None:
                closing_since = time.monotonic()
            self._keep_journal()
            if closing and (time.monotonic() - closing_since > self.patience.close_seconds):
                break
            started = time.monotonic()
            failed = self._work_once()
            if closing and (failed or not self._pending):
                break
            delay = 0.0 if not failed else max(0.0, self._next_delay(failed) - (time.monotonic() - started))
        self._keep_journal()
        if self._store is not None:
            self._store.close()

    def _next_delay(self, failed: str) -> float:
        if failed == "busy":
            return 0.02     # the attempt itself waited `busy_seconds` inside SQLite
        attempts = max((r.attempts for r in self.pending()), default=1)
        return min(self.patience.max_backoff, self.patience.backoff * 2 ** max(0, attempts - 1))

    def _keep_journal(self) -> None:
        """Make the journal file hold exactly the pending rounds (the newest ones become crash-safe)."""
        with self._lock:
            if self._journaled == self._changes:
                return
            rounds, changes = list(self._pending), self._changes
        if self.journal is not None:
            try:
                self.journal.write(rounds)
            except OSError as error:
                log.error("cannot write the journal of pending rounds %s (%s): %d round(s) are kept in "
                          "memory", self.journal.path, error.strerror or error, len(rounds))
                return
        with self._lock:
            self._journaled = max(self._journaled, changes)
            for pending in rounds:
                if self._state.get(pending.key) == "queued":
                    self._note(pending.key, "journaled")
            self._lock.notify_all()

    def _work_once(self) -> str | None:
        """Purge, then save the pending rounds in order; None when all went, else "busy" or "failed"."""
        try:
            if self._store is None:
                self._store = self._open()
                if self.threaded:   # wait for the lock in short turns, so that closing is quick
                    self._store.db.conn.execute(f"PRAGMA busy_timeout = {int(self.patience.busy_seconds * 1000)}")
            if self._purge_days is not None:
                self._purge(self._store)
            while True:
                with self._lock:
                    if not self._pending:
                        break
                    pending = self._pending[0]
                self._save(self._store, pending)
        except Exception as error:   # the store's error, an OSError, a bug: keep the rounds, say it
            return self._failed(error)
        if self._busy_since is not None:
            log.info("the database is free again: pending rounds stored after %.1f s",
                     time.monotonic() - self._busy_since)
            self._busy_since = None
        return None

    def _purge(self, store) -> None:
        """The retention setting, once: tried again while the database is busy, given up (with a log
        line, until the next start) on any other failure, so that it never holds rounds back."""
        try:
            erased = store.purge_older_than(self._purge_days)
            if erased:
                log.info("erased %d drawing(s) older than %g days (--keep-days)", erased, self._purge_days)
        except Exception as error:
            if is_busy(error):
                raise
            log.error("could not erase the drawings older than %g days (%s): tried again at the next start",
                      self._purge_days, error)
        with self._lock:
            self._purge_days = None
            self._lock.notify_all()

    def _save(self, store, pending: PendingRound) -> None:
        from model.store import Session

        session, result = self._results.get(pending.key, (None, None))
        if session is None:   # a round of an earlier run, from the journal
            session = pending.stored_session(Session)
        try:
            drawing_id = store.save_drawing(session, pending.word, pending.drawing, pending.recognized,
                                            pending.guessed_at_ms, pending.duration_ms, pending.guesses,
                                            key=pending.key)
        except Exception as error:
            if not is_refused(error):
                pending.attempts += 1
                raise
            log.error("the store refuses the round of %r (%s): dropped", pending.word, error)
            self._done(pending, "dropped", None, result)
            return
        if drawing_id is None:
            log.info("the round of %r was erased by its player before it was stored: not stored", pending.word)
        self._done(pending, "stored" if drawing_id is not None else "dropped", drawing_id, result)

    def _done(self, pending: PendingRound, state: str, drawing_id, result) -> None:
        if result is not None and drawing_id is not None:
            result.drawing_id = drawing_id
        with self._lock:
            self._pending.remove(pending)
            self._results.pop(pending.key, None)
            self._note(pending.key, state)
            self._changes += 1
            self.stored += state == "stored"
            self._lock.notify_all()
        self._keep_journal()

    def _failed(self, error: BaseException) -> str:
        busy = is_busy(error)
        count = len(self.pending())
        if busy:
            if self._busy_since is None:
                self._busy_since = time.monotonic()
                log.warning("the database is busy (another process is writing to it): %d round(s) wait "
                            "in the journal and are stored as soon as it is free", count)
        else:
            attempts = max((r.attempts for r in self.pending()), default=1)
            if attempts in (1, 2, 5) or attempts % 20 == 0:
                log.error("cannot store %d round(s) yet (%s): they wait in the journal, trying again",
                          count, str(error).splitlines()[0][:300] if str(error) else type(error).__name__)
            if self._store is not None and self.threaded:   # a broken connection is opened anew next time
                self._store.close()
                self._store = None
        if count > self.patience.many_pending and count % self.patience.many_pending == 1:
            log.warning("%d rounds are waiting for the database %s", count, self.path)
        return "busy" if busy else "failed"

    def _note(self, key: str, state: str) -> None:
        """Remember a round's state (the newest 1,000: the crash drill asks about recent ones)."""
        self._state[key] = state
        self._state.move_to_end(key)
        while len(self._state) > 1000:
            self._state.popitem(last=False)


def journal_for(store) -> RoundJournal | None:
    """The journal beside the store's file; None for a store in memory."""
    from model.store.store import MEMORY

    from .round_journal import journal_path
    return None if str(store.path) == MEMORY else RoundJournal(journal_path(Path(store.path)))

"""The drawing store: every consented drawing, its guesses, sessions and trained models in SQLite.

One file (``locations.DEFAULT_DB_PATH`` by default) in WAL mode, schema made and upgraded by sqlite-utils
migrations. Two promises shape the code:

- Consent: a session started without consent lives in memory only. Its drawings are validated and
  then dropped; the database connection is not even touched, so no byte on disk changes.
- Durability: a drawing and its guesses go in one transaction that is committed before
  ``save_drawing`` returns, so a crash or a killed process a moment later loses nothing already saved.
  (``synchronous=NORMAL`` under WAL: a power cut may undo the last commits, never corrupt the file.)

Its methods live in four files, one concept each: this one opens the file, writes the game's rows and
imports; `reading.py` (what readers see: consented sessions only), `erasing.py` (``forget`` and the
retention purge, finished in the files) and `models_table.py` (the trained models) are its base
classes. How files are opened (inputs read-only, one busy timeout) is `opening.py`; how a long import
or merge commits without keeping the write lock, `staging.py`.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlite_utils import Database

from model.locations import DEFAULT_DB_PATH
from model.quickdraw.records import countrycode_problem, google_key_id
from model.store.codec import (
    encode_drawing, encode_guesses, milliseconds, new_code, utc_iso,
)
from model.store import staging
from model.store.erasing import Erasing
from model.store.models_table import ModelsTable
from model.store.opening import StoreBusy, StoreError, connect, store_error  # noqa: F401 (re-exported)
from model.store.reading import MAX_DRAWING_BYTES, Reading  # noqa: F401 (re-exported)
from model.store.schema import KNOWN, MIGRATIONS, code_tombstone

MEMORY = ":memory:"
IMPORT_BATCH = 2000  # rows per transaction while importing (staging.BATCH_ROWS says why so many)


@dataclass
class Session:
    """One player's visit. Without consent ``id`` and ``code`` stay None: nothing is stored."""

    id: int | None
    code: str | None  # the erasure code shown to the player, e.g. "K7F-3QXM"
    consent: bool
    locale: str | None = "en"
    kiosk: str | None = None  # which kiosk the session ran on; None for a home install
    started_at: str | None = None  # UTC ISO time; with the code, how a replayed game finds its row
    country: str | None = None  # the installation's country ("BE"), written as each drawing's countrycode


# ---- the store ---------------------------------------------------------------------------------

class Store(Reading, ModelsTable, Erasing):
    """The SQLite drawing store. ``Store(path)`` opens (and creates or upgrades) the database;
    ``Store(path, read_only=True)`` opens an existing one for reading only (nothing is created,
    upgraded or written: the retraining job's view of a kiosk's live database)."""

    def __init__(self, path: str | Path = DEFAULT_DB_PATH, read_only: bool = False):
        self.path: str | Path = MEMORY if str(path) == MEMORY else Path(path)
        self.read_only = read_only and self.path != MEMORY
        conn = None
        try:
            if self.path != MEMORY:
                if self.path.is_dir():
                    raise StoreError(f"{self.path} is a directory, not a database file")
                if not self.read_only:
                    self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = connect(self.path, read_only=self.read_only)
            # Read before anything writes, so a file that is not SQLite fails untouched.
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            self.db = Database(conn, execute_plugins=False)
            self._check_is_ours()
            self.db.execute("PRAGMA foreign_keys=ON")
            self.db.execute("PRAGMA secure_delete=ON")  # erased drawings are overwritten, not just unlinked
            if not self.read_only:
                if self.path != MEMORY:
                    self.db.enable_wal()
                    self.db.execute("PRAGMA synchronous=NORMAL")  # durable across crashes under WAL
                MIGRATIONS.apply(self.db)
        except (sqlite3.Error, OSError, StoreError) as error:
            if conn is not None:
                conn.close()
            if isinstance(error, StoreError):
                raise
            raise store_error(error, f"cannot open the drawing store {self.path}") from error

    def _check_is_ours(self) -> None:
        tables = set(self.db.table_names())
        applied = {m.name for m in MIGRATIONS.applied(self.db)}
        if tables and not applied:
            raise StoreError(f"{self.path} is an SQLite database of some other program; "
                             "pennydraw will not add its tables to it")
        unknown = applied - set(KNOWN)
        if unknown:
            raise StoreError(f"{self.path} was made by a newer pennydraw (migrations "
                             f"{sorted(unknown)}); update pennydraw to open it")

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r})"

    @contextlib.contextmanager
    def transaction(self, what: str, preposition: str = "in") -> Iterator[sqlite3.Connection]:
        """One write transaction, committed on success, rolled back on any error; SQLite failures
        become StoreError("could not {what} {preposition} {path}: ..."). `merge` writes through it too."""
        conn = self.db.conn
        try:
            conn.execute("BEGIN IMMEDIATE")  # take the write lock now: no deadlock on upgrade
            try:
                yield conn
            except BaseException:
                conn.rollback()
                raise
            conn.execute("COMMIT")
        except sqlite3.Error as error:
            if conn.in_transaction:
                conn.rollback()
            raise store_error(error, f"could not {what} {preposition} {self.path}", conn) from error

    def _cursor(self, sql: str, params: Iterable = ()) -> sqlite3.Cursor:
        cursor = self.db.conn.cursor()
        cursor.row_factory = sqlite3.Row  # rows by column name, for dicts; sqlite-utils keeps tuples
        return cursor.execute(sql, tuple(params))

    def _reading(self, sql: str, params: Iterable = ()) -> list[sqlite3.Row]:
        try:
            return self._cursor(sql, params).fetchall()
        except sqlite3.Error as error:
            raise StoreError(f"could not read {self.path}: {error}") from error

    def _insert_session(self, conn, locale, consent, kiosk, source, started_at=None,
                        code=None) -> tuple[int, str]:
        for _ in range(20):  # a clash among 2.7e10 codes is rare; retry a few times anyway
            code = code or new_code()
            try:
                cursor = conn.execute(
                    "INSERT INTO sessions (code, started_at, locale, consent, kiosk, source) "
                    "VALUES (?, ?, ?, ?, ?, ?)", (code, started_at or utc_iso(), locale, int(consent), kiosk,
                                                  source))
                return cursor.lastrowid, code
            except sqlite3.IntegrityError:
                code = None
        raise StoreError(f"could not find a free erasure code in {self.path}")

    def _session_row(self, conn, session: Session) -> tuple[int, str] | None:
        """(id, code) of a consented session's row, written now if it has none yet (`new_session`);
        a session that was written before (a round replayed after a crash) is found by its code and
        start time. None when the player has erased it already: nothing of it is written again."""
        if session.code is None:
            return session.id, session.code
        if conn.execute("SELECT 1 FROM erasures WHERE key = ?", (code_tombstone(session.code),)).fetchone():
            return None
        row = conn.execute("SELECT id, started_at FROM sessions WHERE code = ?", (session.code,)).fetchone()
        if row is not None and (session.id == row[0] or session.started_at in (None, row[1])):
            return row[0], session.code
        # No row, or another session's with the same code (a merge brought it): a row of its own,
        # under a fresh code if that one is taken.
        return self._insert_session(conn, session.locale, True, session.kiosk, "game", session.started_at,
                                    None if row is not None else session.code)

    # ---- game ----------------------------------------------------------------------------------

    def new_session(self, locale: str = "en", consent: bool = True, kiosk: str | None = None,
                    country: str | None = None) -> Session:
        """A new session with a fresh erasure code (none of this store's) and its start time, not
        written yet: its row is written with its first drawing (`save_drawing`), so a game starts at
        once even while another process holds the write lock. Without consent it is never written.
        `country` is the installation's ("BE"), never the player's: each drawing's countrycode."""
        if countrycode_problem(country):
            raise ValueError(countrycode_problem(country))
        if not consent:
            return Session(id=None, code=None, consent=False, locale=locale, kiosk=kiosk, country=country)
        code = new_code()
        for _ in range(20):   # a read: WAL readers never wait for a writer
            if not self._reading("SELECT 1 FROM sessions WHERE code = ?", [code]):
                break
            code = new_code()
        return Session(id=None, code=code, consent=True, locale=locale, kiosk=kiosk, started_at=utc_iso(),
                       country=country)

    def start_session(self, locale: str = "en", consent: bool = True, kiosk: str | None = None,
                      country: str | None = None) -> Session:
        """A new session; stored at once with a fresh erasure code if, and only if, consent is given."""
        session = self.new_session(locale, consent, kiosk, country)
        if consent:
            with self.transaction("start a session") as conn:
                session.id, session.code = self._insert_session(conn, locale, True, kiosk, "game",
                                                                session.started_at, session.code)
        return session

    def save_drawing(self, session: Session, word: str, drawing, recognized: bool,
                     guessed_at_ms: int | None, duration_ms: int, guesses=(), key: str | None = None) -> int | None:
        """Store one drawing and its guesses, committed before returning; None (nothing written)
        without consent. ``guesses`` is ``[(t_ms, [(category, probability), ...]), ...]``.

        ``key`` is the drawing's stable key (a new one when None): saving a key again stores nothing
        and returns the id it has, so a round can be retried or replayed after a crash without a
        duplicate. A session from `new_session` gets its row in the same transaction. Nothing is
        written (None) for a key or a session the player has erased."""
        if not isinstance(word, str) or not word:
            raise ValueError(f"word must be a non-empty string, got {word!r}")
        if key is not None and not (isinstance(key, str) and 0 < len(key) <= 64):
            raise ValueError(f"key must be a short non-empty string, got {key!r}")
        text, _ = encode_drawing(drawing)
        guess_rows = encode_guesses(guesses)
        guessed_at_ms = None if guessed_at_ms is None else milliseconds(guessed_at_ms, "guessed_at_ms")
        duration_ms = milliseconds(duration_ms, "duration_ms")
        if not session.consent:
            return None
        if session.id is None and session.code is None:
            raise ValueError("a consented session needs an id or a code: start it with new_session()")
        if countrycode_problem(session.country):  # a session read back from a journal file
            raise ValueError(countrycode_problem(session.country))
        key = key or uuid.uuid4().hex
        with self.transaction("save a drawing") as conn:
            existing = conn.execute("SELECT id FROM drawings WHERE key = ?", (key,)).fetchone()
            erased = conn.execute("SELECT 1 FROM erasures WHERE key = ?", (key,)).fetchone()
            row = None if existing or erased else self._session_row(conn, session)
            if row is not None:
                drawing_id = conn.execute(
                    "INSERT INTO drawings (key, session_id, word, drawing, recognized, guessed_at_ms, "
                    "duration_ms, created_at, key_id, countrycode) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (key, row[0], word, text, int(bool(recognized)), guessed_at_ms,
                     duration_ms, utc_iso(), google_key_id(key), session.country)).lastrowid
                conn.executemany("INSERT INTO guesses (drawing_id, t_ms, guesses) VALUES (?, ?, ?)",
                                 [(drawing_id, t_ms, top) for t_ms, top in guess_rows])
        if existing:
            return existing[0]
        if row is None:
            return None
        session.id, session.code = row   # only once committed
        return drawing_id

    # ---- importing and copying -----------------------------------------------------------------

    def insert_imported(self, records: Iterable[dict], source: str | Path,
                        on_bad: Callable[[ValueError], None] | None = None) -> int:
        """Insert Google-style records (``word``, ``drawing``, optional ``key_id``, ``countrycode``,
        ``timestamp``, ``recognized``) as one consented session; all or nothing. Records whose key is
        already stored are skipped. Returns how many drawings were new. A record the store cannot
        keep raises ValueError, or, with ``on_bad``, is handed to it (which may raise) and left out.
        Committed in short batches that no reader sees until the last one (`staging.py`), so the game
        saves rounds meanwhile."""
        name = source.name if isinstance(source, Path) else str(source)
        if not name:
            raise ValueError("source must name the imported file")
        return staging.insert_imported(self, records, name, IMPORT_BATCH, on_bad)

    def snapshot(self, target: str | Path, leave_out: Callable[[str], bool] | None = None) -> list[tuple[str, list]]:
        """Copy the whole store to a new file `target`, minus the drawings whose key `leave_out` names
        (their guesses go with them); returns the drawings left out as (word, drawing), oldest first.

        SQLite's backup API copies in one step: a consistent picture even while another process (the
        game) writes. This store is only read; the copy is the one that changes."""
        copy = connect(target)
        try:
            self.db.conn.backup(copy)
            copy.execute("PRAGMA foreign_keys=ON")
            left_out, ids = [], []
            if leave_out is not None:
                for drawing_id, key, word, text in copy.execute("SELECT id, key, word, drawing FROM drawings "
                                                                "ORDER BY id"):
                    if leave_out(key):
                        left_out.append((word, json.loads(text)))
                        ids.append((drawing_id,))
                copy.executemany("DELETE FROM drawings WHERE id = ?", ids)
                copy.commit()
        except sqlite3.Error as error:
            raise StoreError(f"could not copy {self.path} to {target}: {error}") from error
        finally:
            copy.close()
        return left_out

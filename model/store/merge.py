"""Merge several drawing stores (one per kiosk, say) into one, without ever duplicating a row.

`python -m model merge OUT.db IN.db [IN.db ...]` copies each input into OUT, all of it or nothing:
staged in short transactions that OUT's readers do not see and released in one short final one
(`staging.py`), so the game keeps saving rounds into OUT meanwhile. Inputs are only read (`mode=ro`,
never migrated). Rows are matched by what stays the same on every machine, never by
row ids, so merging the same file twice, or A+B and then A again, changes nothing:

- sessions by their erasure code (unique per store; a clash between kiosks is a 1-in-2.7e10 event);
- drawings by their stable key (a uuid for players' drawings, Google's key_id for imported ones);
- guesses travel with the drawing they belong to, only when that drawing is new to OUT;
- models by version; a version OUT already has is left as it is.

Only consented sessions travel (the store writes no other kind; a row marked otherwise stays put).
An import session whose drawings OUT already holds (the same Google file imported on two kiosks)
is not copied: it would stay empty.

Erasure travels: a store keeps tombstones of what players erased (drawing keys and a hash of the
code, `model/store/schema.py`). Merging copies the input's tombstones into OUT and erases what they
name there, and never copies a session or drawing that OUT's tombstones name; so a code forgotten on
a kiosk or on the merged store stays forgotten however the files are merged later.
"""
from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from model.quickdraw.records import google_key_id
from model.store import staging
from model.store.opening import input_uri
from model.store.schema import code_tombstone
from model.store.store import Store, StoreError

_DRAWING_COLUMNS = ("key, session_id, word, drawing, recognized, guessed_at_ms, duration_ms, created_at, "
                    "countrycode, key_id")
_MODEL_COLUMNS = "version, path, trained_at, examples, player_examples, metrics, active, activated_at"


@dataclass
class MergeCounts:
    """What one input added to OUT."""
    source: Path
    sessions: int = 0
    drawings: int = 0
    guesses: int = 0
    models: int = 0
    already_there: int = 0  # consented drawings of the input whose key OUT already held
    erased: int = 0  # drawings OUT held that the input's tombstones erased
    kept_out: int = 0  # consented drawings of the input not copied because a player erased them
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.sessions or self.drawings or self.guesses or self.models or self.erased)


def merge(out_path, in_paths, activate_first: bool = True) -> list[MergeCounts]:
    """Merge every input into `out_path` (created if absent); one MergeCounts per input.

    With `activate_first`, when OUT has no active model afterwards the model active in the first
    input that has one becomes active (so a fresh merged store knows which model the kiosks used).
    """
    out_path = Path(out_path)
    inputs = [Path(path) for path in in_paths]
    if not inputs:
        raise ValueError("give at least one database to merge into OUT")
    for path in inputs:
        if not path.is_file():
            raise FileNotFoundError(f"no database at {path}")
        if out_path.exists() and path.resolve() == out_path.resolve():
            raise ValueError(f"{path} is the output itself; name another OUT")
        Store(path, read_only=True).close()  # refuses what is not a pennydraw store (before OUT is created)
    results = []
    with Store(out_path) as out:
        for path in inputs:
            results.append(merge_one(out, path, activate_first))
    return results


def merge_one(out: Store, source: Path, activate_first: bool = True) -> MergeCounts:
    """Copy what `source` holds and `out` lacks into `out`: staged in short transactions, then
    released in one short final one (`staging.py`), so OUT's readers see all of it or none."""
    started = time.perf_counter()
    counts = MergeCounts(Path(source))
    conn = out.db.conn
    if conn.in_transaction:
        raise StoreError(f"{out.path} is in the middle of a transaction; cannot merge into it now")
    conn.create_function("code_tombstone", 1, code_tombstone, deterministic=True)
    conn.create_function("pennydraw_key_id", 1, google_key_id, deterministic=True)
    with staging.hold(out):
        conn.execute("ATTACH DATABASE ? AS src", (input_uri(source),))  # read-only: never migrated
        try:
            with staging.discarded_on_failure(out):
                _stage(out, counts)
                with out.transaction(f"merge {source}", preposition="into") as conn:
                    _release(conn, counts, activate_first)
        finally:
            conn.execute("DETACH DATABASE src")
    counts.seconds = time.perf_counter() - started
    return counts


def _scalar(conn: sqlite3.Connection, sql: str, params=()) -> int:
    return conn.execute(sql, params).fetchone()[0]


def _has(conn: sqlite3.Connection, table: str) -> bool:
    """An input older than the table lacks it (inputs are read as they are, never upgraded)."""
    return bool(_scalar(conn, "SELECT count(*) FROM src.sqlite_master WHERE type = 'table' AND name = ?",
                        (table,)))


def _ranges(conn: sqlite3.Connection, table: str):
    """(low, high] id ranges of `src.table`, `staging.BATCH_ROWS` rows each, read before each batch."""
    low = 0
    while True:
        high = conn.execute(f"SELECT max(id) FROM (SELECT id FROM src.{table} WHERE id > ? ORDER BY id "
                            "LIMIT ?)", (low, staging.BATCH_ROWS)).fetchone()[0]
        if high is None:
            return
        yield low, high
        low = high


_ERASED = "SELECT key FROM temp.merge_erased"  # OUT's tombstones and the input's, as the merge began


def _stage(out: Store, counts: MergeCounts) -> None:
    """Copy the input's sessions, drawings and guesses into staged rows of OUT, batch by batch. Every
    consented session the tombstones do not name gets a staged row, also one OUT already has (its
    new drawings wait there, invisible, and join OUT's row on release)."""
    what = (f"merge {counts.source}", "into")
    conn = out.db.conn
    with out.transaction(*what):
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS merge_erased (key TEXT PRIMARY KEY)")
        conn.execute("DELETE FROM temp.merge_erased")
        conn.execute("INSERT OR IGNORE INTO temp.merge_erased SELECT key FROM main.erasures")
        if _has(conn, "erasures"):
            conn.execute("INSERT OR IGNORE INTO temp.merge_erased SELECT key FROM src.erasures")
    prefix = f"'{staging.STAGING}' || "
    for low, high in _ranges(conn, "sessions"):
        with out.transaction(*what):
            conn.execute(
                "INSERT INTO main.sessions (code, started_at, locale, consent, kiosk, source) "
                f"SELECT {prefix}code, started_at, locale, 0, kiosk, {prefix}source FROM src.sessions "
                f"WHERE id > ? AND id <= ? AND consent = 1 AND code_tombstone(code) NOT IN ({_ERASED}) "
                "ORDER BY id", (low, high))
    # Their key_id is computed from the key as the migration does (`schema.m004_key_ids`), whatever
    # the input holds (an input older than m004 has none, and inputs are never upgraded).
    for low, high in _ranges(conn, "drawings"):
        with out.transaction(*what):
            counts.drawings += conn.execute(
                f"INSERT INTO main.drawings ({_DRAWING_COLUMNS}) "
                "SELECT d.key, m.id, d.word, d.drawing, d.recognized, d.guessed_at_ms, d.duration_ms, "
                "d.created_at, d.countrycode, pennydraw_key_id(d.key) "
                "FROM src.drawings d JOIN src.sessions s ON s.id = d.session_id "
                f"JOIN main.sessions m ON m.code = {prefix}s.code WHERE d.id > ? AND d.id <= ? "
                f"AND s.consent = 1 AND d.key NOT IN ({_ERASED}) ORDER BY d.id "
                "ON CONFLICT(key) DO NOTHING", (low, high)).rowcount
    # Guesses of the drawings staged (those new to OUT), in their order.
    for low, high in _ranges(conn, "guesses"):
        with out.transaction(*what):
            counts.guesses += conn.execute(
                "INSERT INTO main.guesses (drawing_id, t_ms, guesses) "
                "SELECT md.id, g.t_ms, g.guesses FROM src.guesses g JOIN src.drawings d ON d.id = g.drawing_id "
                "JOIN main.drawings md ON md.key = d.key WHERE g.id > ? AND g.id <= ? "
                f"AND md.session_id IN ({staging.STAGED_SESSIONS}) ORDER BY g.id", (low, high)).rowcount
    # Reads, outside any transaction: what the input's tombstones erase in OUT (a hash per session
    # of OUT, too slow for the final step), and what the input holds.
    erased = conn.execute(f"SELECT id FROM main.sessions WHERE code_tombstone(code) IN ({_ERASED})").fetchall()
    with out.transaction(*what):
        conn.execute("DROP TABLE IF EXISTS temp.merge_erased_sessions")
        conn.execute("CREATE TEMP TABLE merge_erased_sessions (id INTEGER PRIMARY KEY)")
        conn.executemany("INSERT INTO temp.merge_erased_sessions VALUES (?)", erased)
    counts.already_there = _scalar(conn, "SELECT count(*) FROM src.drawings d JOIN src.sessions s "
                                         "ON s.id = d.session_id WHERE s.consent = 1")
    counts.kept_out = _scalar(
        conn, "SELECT count(*) FROM src.drawings d JOIN src.sessions s ON s.id = d.session_id "
              f"WHERE s.consent = 1 AND (d.key IN ({_ERASED}) OR code_tombstone(s.code) IN ({_ERASED}))")


def _release(conn: sqlite3.Connection, counts: MergeCounts, activate_first: bool) -> None:
    """The one short final transaction: tombstones, erasures, staged rows made ordinary, models."""
    staged, cut = staging.STAGED_SESSIONS, len(staging.STAGING) + 1
    # The input's tombstones join OUT's, and whatever they name goes from OUT's ordinary rows
    # (`+session_id`: SQLite looks the few erased keys up, never scans the staged drawings).
    if _has(conn, "erasures"):
        conn.execute("INSERT INTO main.erasures (key, erased_at) SELECT key, erased_at FROM src.erasures "
                     "WHERE true ON CONFLICT(key) DO NOTHING")
    counts.erased = conn.execute(f"DELETE FROM main.drawings WHERE key IN (SELECT key FROM main.erasures) "
                                 f"AND +session_id NOT IN ({staged})").rowcount
    erased_sessions = "SELECT id FROM temp.merge_erased_sessions"
    counts.erased += conn.execute(f"DELETE FROM main.drawings WHERE session_id IN ({erased_sessions})").rowcount
    conn.execute(f"DELETE FROM main.sessions WHERE id IN ({erased_sessions})")
    # What a player erased on OUT while this merge was staging stays erased.
    late_keys = f"SELECT key FROM main.erasures WHERE key NOT IN ({_ERASED})"
    late = conn.execute(f"DELETE FROM main.drawings WHERE key IN ({late_keys}) AND +session_id IN ({staged})").rowcount
    late_sessions = f"SELECT id FROM main.sessions WHERE id IN ({staged}) AND code_tombstone(substr(code, {cut})) IN ({late_keys})"
    late += conn.execute(f"DELETE FROM main.drawings WHERE session_id IN ({late_sessions})").rowcount
    conn.execute(f"DELETE FROM main.sessions WHERE id IN ({late_sessions})")
    counts.drawings -= late
    counts.kept_out += late
    counts.already_there -= counts.drawings + counts.kept_out

    # A staged twin of a session OUT has: its drawings join OUT's row, and the twin goes.
    conn.execute("DROP TABLE IF EXISTS temp.merge_twins")
    conn.execute(f"CREATE TEMP TABLE merge_twins AS SELECT t.id AS twin, m.id AS target FROM main.sessions t "
                 f"JOIN main.sessions m ON m.code = substr(t.code, {cut}) WHERE t.id IN ({staged})")
    conn.execute("UPDATE main.drawings SET session_id = (SELECT target FROM temp.merge_twins WHERE "
                 "twin = drawings.session_id) WHERE session_id IN (SELECT twin FROM temp.merge_twins)")
    conn.execute("DELETE FROM main.sessions WHERE id IN (SELECT twin FROM temp.merge_twins)")
    # An import session whose drawings OUT held already would stay empty.
    conn.execute(f"DELETE FROM main.sessions WHERE id IN ({staged}) AND source != '{staging.STAGING}game' "
                 "AND NOT EXISTS (SELECT 1 FROM main.drawings WHERE session_id = sessions.id)")
    counts.sessions = conn.execute(f"UPDATE main.sessions SET code = substr(code, {cut}), consent = 1, "
                                   f"source = substr(source, {cut}) WHERE id IN ({staged})").rowcount

    # Models, matched by version; copies arrive inactive so OUT keeps at most one active model.
    if not _has(conn, "models"):
        return
    counts.models = conn.execute(
        f"INSERT INTO main.models ({_MODEL_COLUMNS}) "
        "SELECT version, path, trained_at, examples, player_examples, metrics, 0, activated_at "
        "FROM src.models WHERE true ORDER BY id ON CONFLICT(version) DO NOTHING").rowcount
    if activate_first and not _scalar(conn, "SELECT count(*) FROM main.models WHERE active = 1"):
        conn.execute("UPDATE main.models SET active = 1 WHERE version = "
                     "(SELECT version FROM src.models WHERE active = 1 ORDER BY id LIMIT 1)")


def summary(counts: MergeCounts) -> str:
    """One line for the command: what an input added."""
    erasures = ""
    if counts.erased or counts.kept_out:
        erasures = (f"; erased by players' codes: {counts.erased} drawing(s) removed, "
                    f"{counts.kept_out} left out")
    if not counts.changed:
        return f"{counts.source}: nothing new ({counts.already_there} drawing(s) already merged){erasures}"
    return (f"{counts.source}: added {counts.sessions} session(s), {counts.drawings} drawing(s), "
            f"{counts.guesses} guess snapshot(s), {counts.models} model(s); "
            f"{counts.already_there} drawing(s) already there{erasures}")

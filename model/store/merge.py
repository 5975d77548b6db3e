"""Merge several drawing stores (one per kiosk, say) into one, without ever duplicating a row.

`python -m model merge OUT.db IN.db [IN.db ...]` copies each input into OUT in one transaction per
input (all of it or nothing). Rows are matched by what stays the same on every machine, never by
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
    """Copy what `source` holds and `out` lacks into `out`, in one transaction."""
    started = time.perf_counter()
    counts = MergeCounts(Path(source))
    conn = out.db.conn
    if conn.in_transaction:
        raise StoreError(f"{out.path} is in the middle of a transaction; cannot merge into it now")
    conn.create_function("code_tombstone", 1, code_tombstone, deterministic=True)
    conn.create_function("pennydraw_key_id", 1, google_key_id, deterministic=True)
    conn.execute("ATTACH DATABASE ? AS src", (input_uri(source),))  # read-only: never migrated
    try:
        with out.transaction(f"merge {source}", preposition="into"):
            _copy(conn, counts, activate_first)
    finally:
        conn.execute("DETACH DATABASE src")
    counts.seconds = time.perf_counter() - started
    return counts


def _scalar(conn: sqlite3.Connection, sql: str, params=()) -> int:
    return conn.execute(sql, params).fetchone()[0]


def _copy(conn: sqlite3.Connection, counts: MergeCounts, activate_first: bool) -> None:
    consented_drawings = _scalar(
        conn, "SELECT count(*) FROM src.drawings d JOIN src.sessions s ON s.id = d.session_id "
              "WHERE s.consent = 1")

    # Erasures first: the input's tombstones join OUT's, and whatever they name goes from OUT.
    if _scalar(conn, "SELECT count(*) FROM src.sqlite_master WHERE name = 'erasures'"):
        conn.execute("INSERT INTO main.erasures (key, erased_at) SELECT key, erased_at FROM src.erasures "
                     "WHERE true ON CONFLICT(key) DO NOTHING")
    erased_sessions = "SELECT id FROM main.sessions WHERE code_tombstone(code) IN (SELECT key FROM main.erasures)"
    counts.erased = conn.execute(f"DELETE FROM main.drawings WHERE key IN (SELECT key FROM main.erasures) "
                                 f"OR session_id IN ({erased_sessions})").rowcount
    conn.execute(f"DELETE FROM main.sessions WHERE id IN ({erased_sessions})")
    # After the erasures: SQLite may reuse the ids of deleted last rows.
    last_session = _scalar(conn, "SELECT coalesce(max(id), 0) FROM main.sessions")
    last_drawing = _scalar(conn, "SELECT coalesce(max(id), 0) FROM main.drawings")

    # Sessions, matched by erasure code, unless erased. ("WHERE ..." before ON CONFLICT keeps SQLite's
    # parser from reading ON as a join constraint.)
    conn.execute(
        "INSERT INTO main.sessions (code, started_at, locale, consent, kiosk, source) "
        "SELECT code, started_at, locale, consent, kiosk, source FROM src.sessions "
        "WHERE consent = 1 AND code_tombstone(code) NOT IN (SELECT key FROM main.erasures) "
        "ORDER BY id ON CONFLICT(code) DO NOTHING")

    # Drawings, matched by key, attached to OUT's session of the same code, unless erased. Their key_id
    # is computed from the key as the migration does (`schema.m004_key_ids`), whatever the input holds.
    counts.drawings = conn.execute(
        f"INSERT INTO main.drawings ({_DRAWING_COLUMNS}) "
        "SELECT d.key, m.id, d.word, d.drawing, d.recognized, d.guessed_at_ms, d.duration_ms, "
        "d.created_at, d.countrycode, pennydraw_key_id(d.key) "
        "FROM src.drawings d JOIN src.sessions s ON s.id = d.session_id "
        "JOIN main.sessions m ON m.code = s.code WHERE s.consent = 1 "
        "AND d.key NOT IN (SELECT key FROM main.erasures) ORDER BY d.id "
        "ON CONFLICT(key) DO NOTHING").rowcount
    left_out = _scalar(conn, "SELECT count(*) FROM src.drawings d JOIN src.sessions s ON s.id = d.session_id "
                             "WHERE s.consent = 1 AND (d.key IN (SELECT key FROM main.erasures) OR "
                             "code_tombstone(s.code) IN (SELECT key FROM main.erasures))")
    counts.kept_out = left_out
    counts.already_there = consented_drawings - counts.drawings - left_out
    # Import sessions just copied whose drawings were all here already would stay empty.
    conn.execute("DELETE FROM main.sessions WHERE id > ? AND source != 'game' AND NOT EXISTS "
                 "(SELECT 1 FROM main.drawings WHERE session_id = sessions.id)", (last_session,))
    counts.sessions = _scalar(conn, "SELECT count(*) FROM main.sessions WHERE id > ?", (last_session,))

    # Guesses of the drawings this merge added (ids above the old maximum), in their order.
    counts.guesses = conn.execute(
        "INSERT INTO main.guesses (drawing_id, t_ms, guesses) "
        "SELECT md.id, g.t_ms, g.guesses FROM src.guesses g JOIN src.drawings d ON d.id = g.drawing_id "
        "JOIN main.drawings md ON md.key = d.key WHERE md.id > ? ORDER BY g.id",
        (last_drawing,)).rowcount

    # Models, matched by version; copies arrive inactive so OUT keeps at most one active model.
    if not _scalar(conn, "SELECT count(*) FROM src.sqlite_master WHERE name = 'models'"):
        return  # an input older than the models table (it is read as it is, never upgraded)
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

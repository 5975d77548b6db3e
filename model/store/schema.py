"""The drawing store's schema: sqlite-utils migrations, applied in order when a store opens.

A database records which migrations it has had (`_sqlite_migrations`), so an old file is upgraded in
place and a file from a newer pennydraw is refused rather than damaged. Add a migration at the end,
never edit one that has shipped.

- `m001_drawings`: sessions (with their erasure code and consent), drawings (strokes as JSON, with a
  stable key that survives merges), and the machine's guesses over time.
- `m002_models`: every trained model, its metrics and which one is active.
- `m003_erasures`: what players erased, kept as tombstones so an erasure travels with `merge`: the
  keys of erased drawings and a one-way hash of each erased code (never the code itself).
- `m004_key_ids`: every drawing's Google-style `key_id` (digits of a 64-bit unsigned integer, what
  Google's readers expect), derived from its key (`records.google_key_id`).
"""
from __future__ import annotations

import hashlib

from sqlite_utils import Database
from sqlite_utils.db import ForeignKey
from sqlite_utils.migrations import Migrations

from model.quickdraw.records import google_key_id

MIGRATIONS = Migrations("pennydraw")


def _cascade(table: str, column: str, other: str) -> ForeignKey:
    return ForeignKey(table, column, other, "id", on_delete="CASCADE")


@MIGRATIONS()
def m001_drawings(db: Database) -> None:
    db["sessions"].create(
        {"id": int, "code": str, "started_at": str, "locale": str, "consent": int, "kiosk": str,
         "source": str},
        pk="id", not_null={"code", "started_at", "consent", "source"},
        defaults={"consent": 1, "source": "game"},
    )
    db["sessions"].create_index(["code"], unique=True)
    db["drawings"].create(
        {"id": int, "key": str, "session_id": int, "word": str, "drawing": str, "recognized": int,
         "guessed_at_ms": int, "duration_ms": int, "created_at": str, "countrycode": str},
        pk="id", not_null={"key", "session_id", "word", "drawing", "recognized", "created_at"},
        foreign_keys=[_cascade("drawings", "session_id", "sessions")],
    )
    db["drawings"].create_index(["key"], unique=True)
    db["drawings"].create_index(["word", "id"])
    db["drawings"].create_index(["session_id"])
    db["drawings"].create_index(["created_at"])
    db["guesses"].create(
        {"id": int, "drawing_id": int, "t_ms": int, "guesses": str},
        pk="id", not_null={"drawing_id", "t_ms", "guesses"},
        foreign_keys=[_cascade("guesses", "drawing_id", "drawings")],
    )
    db["guesses"].create_index(["drawing_id", "t_ms"])


@MIGRATIONS()
def m002_models(db: Database) -> None:
    db["models"].create(
        {"id": int, "version": str, "path": str, "trained_at": str, "examples": int,
         "player_examples": int, "metrics": str, "active": int, "activated_at": str},
        pk="id", not_null={"version", "path", "trained_at", "examples", "player_examples", "metrics",
                           "active"},
        defaults={"player_examples": 0, "active": 0},
    )
    db["models"].create_index(["version"], unique=True)


@MIGRATIONS()
def m003_erasures(db: Database) -> None:
    # `key` is a drawing's stable key, or `code_tombstone(code)` for a whole session.
    db["erasures"].create({"key": str, "erased_at": str}, pk="key", not_null={"erased_at"})


@MIGRATIONS()
def m004_key_ids(db: Database) -> None:
    # Derived from the key, not drawn at random: the same drawing in two copies of a database (two
    # kiosks merged, a backup, an export made before the upgrade and one after) gets the same
    # key_id however each copy was upgraded, and merges and erasures, which match by `key`, are
    # untouched. New drawings get theirs the same way when they are written (`store.py`, `merge.py`).
    db["drawings"].add_column("key_id", str)
    db.conn.create_function("pennydraw_key_id", 1, google_key_id, deterministic=True)
    db.execute("UPDATE drawings SET key_id = pennydraw_key_id(key)")


KNOWN = [m001_drawings.__name__, m002_models.__name__, m003_erasures.__name__, m004_key_ids.__name__]


def code_tombstone(code: str | None) -> str | None:
    """What `erasures` keeps of an erased session's code: a salted SHA-256, so the table matches a
    code a kiosk still holds without storing the code a player could be linked to."""
    if code is None:
        return None
    return "code:" + hashlib.sha256(f"pennydraw-erasure:{code}".encode()).hexdigest()[:40]

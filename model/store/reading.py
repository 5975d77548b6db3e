"""What the store's readers see: drawings, guesses and the labour totals, of consented sessions only.

A part of `Store` (its base class, like `models_table.py`); it reads through `Store._reading` and
`Store._cursor`. Every query of drawings keeps to `VISIBLE`: the store writes only consented sessions,
and a long import or merge stages its rows under sessions not consented yet (`staging.py`), so no
reader sees a part of one.
"""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator

from model import strokes
from model.store.codec import utc_iso
from model.store.opening import StoreError

VISIBLE = "session_id IN (SELECT id FROM sessions WHERE consent = 1)"
# The stored JSON of a drawing within the size limits is shorter than this (three numbers of at most
# 20 characters a point); a screen never reads a longer one (an older pennydraw may have stored it).
MAX_DRAWING_BYTES = strokes.MAX_POINTS * 64


def _session_id(session) -> int | None:
    """The row id of a `Session` (anything with `.id` and `.code`) or of an id."""
    if hasattr(session, "code"):
        if session.id is None:
            raise ValueError("this session was never stored (no consent); count it in memory")
        return session.id
    return None if session is None else int(session)


def _drawing_dict(row: sqlite3.Row) -> dict:
    drawing = dict(row)
    drawing["drawing"] = json.loads(drawing["drawing"])
    drawing["recognized"] = bool(drawing["recognized"])
    return drawing



class Reading:
    """`Store`'s methods for reading drawings, guesses and totals."""

    def drawings(self, word: str | None = None, limit: int | None = None, since=None,
                 session_id=None) -> Iterator[dict]:
        """Stored drawings oldest first, ``drawing`` decoded to lists, ``recognized`` a bool."""
        where, params = [VISIBLE], []
        if word is not None:
            where.append("word = ?"), params.append(word)
        if since is not None:
            where.append("created_at >= ?"), params.append(utc_iso(since))
        if session_id is not None:
            where.append("session_id = ?"), params.append(_session_id(session_id))
        sql = "SELECT * FROM drawings WHERE " + " AND ".join(where) + " ORDER BY id"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(int(limit))
        try:
            cursor = self._cursor(sql, params)
            while batch := cursor.fetchmany(500):
                yield from (_drawing_dict(row) for row in batch)
        except sqlite3.Error as error:
            raise StoreError(f"could not read {self.path}: {error}") from error

    def count_drawings(self, word: str | None = None) -> int:
        if word is None:
            return self._reading(f"SELECT count(*) FROM drawings WHERE {VISIBLE}")[0][0]
        return self._reading(f"SELECT count(*) FROM drawings WHERE word = ? AND {VISIBLE}", [word])[0][0]

    def word_counts(self) -> dict[str, int]:
        """{word: stored drawings} over every word with at least one (what a retraining can learn from)."""
        return {row[0]: row[1] for row in self._reading(
            f"SELECT word, count(*) FROM drawings WHERE {VISIBLE} GROUP BY word")}

    def random_drawings(self, word: str, n: int, exclude_session=None, exclude_keys=(),
                        max_bytes: int | None = MAX_DRAWING_BYTES) -> list[dict]:
        """Up to ``n`` random drawings of ``word``, none from ``exclude_session`` (a Session or id), none
        with a key in ``exclude_keys`` (a game's own rounds, before its session's id is known), none
        stored as more than ``max_bytes`` of text: those are never read (ids first, then the rows)."""
        excluded = exclude_session.id if hasattr(exclude_session, "code") else exclude_session
        keys = [key for key in exclude_keys if key is not None]
        ids = [row[0] for row in self._reading(
            f"SELECT id FROM drawings WHERE word = ? AND session_id IS NOT ? AND {VISIBLE} "
            f"AND key NOT IN ({', '.join('?' * len(keys))}) ORDER BY random() LIMIT ?",
            [word, excluded, *keys, 4 * int(n)])]
        chosen = [i for i in ids if max_bytes is None or self.drawing_bytes(i) <= max_bytes][:int(n)]
        rows = self._reading(f"SELECT * FROM drawings WHERE id IN ({', '.join('?' * len(chosen))})", chosen)
        order = {drawing_id: place for place, drawing_id in enumerate(chosen)}
        return sorted((_drawing_dict(row) for row in rows), key=lambda drawing: order[drawing["id"]])

    def drawing_bytes(self, drawing_id: int) -> int:
        """How long the stored JSON of drawing ``drawing_id`` is, in bytes (0: no such drawing), told
        by its row's header: the text itself is not read, so a huge one costs nothing to measure."""
        try:
            with self.db.conn.blobopen("drawings", "drawing", int(drawing_id), readonly=True) as blob:
                return len(blob)
        except sqlite3.OperationalError as error:
            if "no such rowid" in str(error):
                return 0
            raise StoreError(f"could not read {self.path}: {error}") from error
        except sqlite3.Error as error:
            raise StoreError(f"could not read {self.path}: {error}") from error

    def guesses(self, drawing_id: int) -> list[tuple[int, list[tuple[str, float]]]]:
        """The machine's guesses while ``drawing_id`` was drawn, in time order."""
        rows = self._reading("SELECT t_ms, guesses FROM guesses WHERE drawing_id = ? ORDER BY t_ms, id",
                             [drawing_id])
        return [(row[0], [(c, p) for c, p in json.loads(row[1])]) for row in rows]

    def totals(self, session_id=None, source: str | None = None) -> dict:
        """Counts for the labour ledger: drawings, seconds drawn, recognized, sessions. Of one session
        (a Session or id), or of every drawing; ``source="game"`` counts players' drawings only,
        ``source="import"`` imported ones only."""
        where, params = [VISIBLE], []
        if session_id is not None:
            where.append("session_id = ?"), params.append(_session_id(session_id))
        if source is not None:
            if source not in ("game", "import"):
                raise ValueError(f'source must be "game", "import" or None, got {source!r}')
            where.append("session_id IN (SELECT id FROM sessions WHERE source GLOB ?)")
            params.append("game" if source == "game" else "import:*")
        row = self._reading(
            "SELECT count(*), coalesce(sum(duration_ms), 0), coalesce(sum(recognized), 0), "
            "count(DISTINCT session_id) FROM drawings WHERE " + " AND ".join(where),
            params)[0]
        return {"drawings": row[0], "seconds": row[1] / 1000.0, "recognized": row[2], "sessions": row[3]}

    def integrity_check(self) -> str:
        """"ok" when SQLite finds the file sound and every foreign key resolves; else the problems."""
        try:
            problems = [row[0] for row in self.db.conn.execute("PRAGMA integrity_check")]
            dangling = self.db.conn.execute("PRAGMA foreign_key_check").fetchall()
        except sqlite3.Error as error:
            return f"{self.path}: {error}"
        if dangling:
            problems = [p for p in problems if p != "ok"]
            problems += [f"{row[0]} row {row[1]} points to a missing {row[2]} row" for row in dangling]
        return "\n".join(problems)

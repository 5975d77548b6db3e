"""The journal of finished rounds not yet in the database: a small file beside it, replayed at the next start.

A finished round is kept by the game until the database has committed it (`round_writer.py`), and
until then it is also written here, so that a crash, a kill or a power cut while the database is busy
(an import or a merge running on the live file) loses nothing: the next start replays the journal
into the store. Every drawing has a stable key (`RoundResult.key`) and `Store.save_drawing` stores a
key once, so a round committed just before a crash, still in the journal, is not stored twice.

`pennydraw.db` has its journal in `pennydraw.db.pending-rounds.json`: a JSON list of rounds with
their session (erasure code, start time, language), rewritten whole at every change and atomically
(a temporary file, fsync, rename, fsync of the folder), so it always holds the old list or the new
one, never half of one; it is removed when nothing is pending. A journal that cannot be read (a
disk error, an edit by hand) is moved aside with a log line, never deleted, and never stops the game.
Only consented rounds ever come here: without consent nothing is written anywhere.

Pure Python, no pygame and no store: the writer thread reads and writes it.
"""
from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

log = logging.getLogger("pennydraw.rounds")

SUFFIX = ".pending-rounds.json"
VERSION = 1


def journal_path(db_path: str | Path) -> Path:
    """Where the journal of the database at `db_path` lives: beside it."""
    db_path = Path(db_path)
    return db_path.with_name(db_path.name + SUFFIX)


@dataclass
class PendingRound:
    """One finished round as the store will save it, with what its session needs to get a row."""

    key: str                           # the drawing's stable key
    word: str
    drawing: list                      # raw format [[xs, ys, ts], ...]
    recognized: bool
    guessed_at_ms: int | None
    duration_ms: int
    guesses: list                      # [(t_ms, [(category, probability), ...]), ...]
    # The fields of its `store.Session` but `id` and `consent`: the erasure code the pay slip showed
    # and the start time (together its identity), the language, the kiosk...
    session: dict = field(default_factory=dict)
    attempts: int = field(default=0, compare=False)   # failed saves so far (not journaled)

    @classmethod
    def of(cls, session, result) -> PendingRound:
        """The round `result` (a `rounds.RoundResult`) of the consented `session`."""
        fields = {name: value for name, value in vars(session).items() if name not in ("id", "consent")}
        return cls(key=result.key, word=result.word, drawing=result.drawing, recognized=bool(result.recognized),
                   guessed_at_ms=result.guessed_at_ms, duration_ms=int(result.duration_ms),
                   guesses=[(t, [(name, float(p)) for name, p in top]) for t, top in result.guesses],
                   session=fields)

    @property
    def code(self) -> str | None:
        return self.session.get("code")

    def stored_session(self, session_type):
        """Its session as a `session_type` (`store.Session`) without an id: the store finds or makes
        its row by code and start time. Fields this version of the store does not know are left out."""
        known = set(session_type.__dataclass_fields__) - {"id", "consent"}
        return session_type(id=None, consent=True, **{k: v for k, v in self.session.items() if k in known})

    def to_json(self) -> dict:
        data = asdict(self)
        del data["attempts"]
        return data

    @classmethod
    def from_json(cls, data: dict) -> PendingRound:
        if not isinstance(data, dict):
            raise ValueError(f"a round must be a JSON object, got {type(data).__name__}")
        names = set(cls.__dataclass_fields__) - {"attempts"}
        missing = {"key", "word", "drawing", "session"} - set(data)
        if missing or set(data) - names:
            raise ValueError(f"a round needs {sorted(missing)} and knows only {sorted(names)}")
        if not isinstance(data["session"], dict) or not data["session"].get("code"):
            raise ValueError("a round's session must be an object with its erasure code")
        return cls(**data)


class RoundJournal:
    """The journal file of one database: `read()` what is pending, `write(rounds)` the new list."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def read(self) -> list[PendingRound]:
        """The rounds the last run left pending; [] without a journal. A damaged one is moved aside."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        except (OSError, UnicodeDecodeError) as error:
            return self._set_aside(f"cannot read it ({error})")
        try:
            data = json.loads(text)
            if not isinstance(data, dict) or data.get("version") != VERSION or not isinstance(data.get("rounds"), list):
                raise ValueError(f"not a version {VERSION} journal of rounds")
            rounds = [PendingRound.from_json(item) for item in data["rounds"]]
        except (ValueError, TypeError) as error:   # json.JSONDecodeError is a ValueError
            return self._set_aside(str(error)[:200])
        if rounds:
            log.info("journal %s: %d round(s) of an earlier run to store", self.path, len(rounds))
        return rounds

    def write(self, rounds: list[PendingRound]) -> None:
        """Replace the journal by `rounds`, atomically and durably (removed when empty). Raises OSError
        (a full disk): the caller keeps the rounds in memory and tries again later."""
        if not rounds:
            try:
                self.path.unlink()
            except FileNotFoundError:
                return
            self._sync_folder()
            return
        text = json.dumps({"version": VERSION, "rounds": [r.to_json() for r in rounds]},
                          separators=(",", ":"), ensure_ascii=False)
        temporary = self.path.with_name(self.path.name + ".tmp")
        try:
            with open(temporary, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self.path)
        except OSError:
            temporary.unlink(missing_ok=True)
            raise
        self._sync_folder()

    def _sync_folder(self) -> None:
        """The rename itself survives a power cut only once the folder is on disk too."""
        try:
            folder = os.open(self.path.parent, os.O_RDONLY)
        except OSError:
            return
        try:
            os.fsync(folder)
        except OSError:
            pass
        finally:
            os.close(folder)

    def _set_aside(self, why: str) -> list[PendingRound]:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        target = self.path.with_name(f"{self.path.name}.damaged-{stamp}")
        try:
            os.replace(self.path, target)
            where = f"moved it to {target}"
        except OSError as error:
            where = f"could not move it aside ({error.strerror or error})"
        log.error("journal of pending rounds %s is unusable (%s): %s; the game goes on without it",
                  self.path, why, where)
        return []

"""What the kiosk checks every time it starts, so a crash or a power cut never leaves it dark.

A kiosk restarts after every crash (systemd, `Restart=always`), so start-up must turn whatever the
last run left behind into a working game, and say in the log what it found:

- The database: SQLite replays its write-ahead log on open; then `PRAGMA integrity_check` (and the
  foreign keys) must say "ok". A failing index is rebuilt (`REINDEX`); a file that is still damaged,
  or is not a database at all, is moved aside with its `-wal`/`-shm` (never deleted: the operator can
  try `sqlite3 FILE .recover`) and a fresh database is started, so the exhibition goes on.
- The model: the checkpoint asked for (`--model`, else the active model of the store's `models`
  table, i.e. the last one learned on site) must load and answer a guess; otherwise the bundled
  `assets/model.pt` is used, with a log line naming the file and what is wrong (the rule is
  `model.classify.choose_model`; this check writes what it chose into the report and the log).
- The disk: a warning when little space is left for drawings and retrained models.

No pygame here: the checks run before the window opens.
"""
from __future__ import annotations

import logging
import shutil
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

log = logging.getLogger("pennydraw.startup")

LOW_DISK_BYTES = 200 * 1024 * 1024   # below this, retrained models and a season of drawings may not fit
DAMAGE_WORDS = ("malformed", "not a database", "corrupt", "disk image", "file is encrypted")


@dataclass
class StartupReport:
    database: str = "ok"                  # "ok", "new", "reindexed" or "replaced"
    moved_to: Path | None = None          # where a damaged database was moved
    model_path: Path | None = None        # the checkpoint in use; None is the bundled one
    model_version: str = ""
    fell_back: bool = False               # True when the wanted model could not be used
    notes: list[str] = field(default_factory=list)


def side_files(path: Path) -> list[Path]:
    return [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]


def quarantine(path: Path, now: datetime | None = None) -> Path:
    """Move a damaged database and its WAL/SHM aside, e.g. to pennydraw.db.damaged-20250101-120000."""
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    target, number = path.with_name(f"{path.name}.damaged-{stamp}"), 1
    # A kiosk without a clock battery or network may boot at the same time twice: rename() would
    # silently overwrite the database moved aside last time, so the name gets a number instead.
    while any(existing.exists() for existing in side_files(target)):
        number += 1
        target = path.with_name(f"{path.name}.damaged-{stamp}-{number}")
    for source in side_files(path):
        if source.exists():
            source.rename(target.with_name(target.name + source.name[len(path.name):]))
    return target


def _looks_damaged(error: Exception) -> bool:
    return any(word in str(error).lower() for word in DAMAGE_WORDS)


def check_database(path: str | Path, report: StartupReport) -> None:
    """Open, check and if needed repair or replace the database at `path`; notes go to `report`."""
    from model.store import Store, StoreError

    path = Path(path)
    if not path.exists():
        report.database = "new"
        report.notes.append(f"no database at {path} yet: a new one is created")
        return
    try:
        with Store(path) as store:
            problems = store.integrity_check()
            if problems != "ok":
                log.warning("database %s failed its integrity check (%s); rebuilding its indexes",
                            path, problems.splitlines()[0][:200])
                try:
                    store.db.execute("REINDEX")
                    problems = store.integrity_check()
                except sqlite3.DatabaseError as error:   # damage in the tables themselves, not an index
                    if not _looks_damaged(error):
                        raise StoreError(f"cannot rebuild the indexes of {path}: {error}") from error
                    problems = f"REINDEX failed: {error}"
                if problems == "ok":
                    report.database = "reindexed"
                    report.notes.append(f"database {path}: indexes rebuilt, integrity ok")
                    return
    except StoreError as error:
        if not _looks_damaged(error):
            raise  # locked, newer pennydraw, someone else's database: not ours to move away
        problems = str(error)
    except UnicodeDecodeError as error:   # SQLite's message quotes a garbled schema: page 1 is damaged
        problems = f"{path}: damaged schema ({error})"
    if problems == "ok":
        report.notes.append(f"database {path}: integrity ok")
        return
    moved = quarantine(path)
    report.database, report.moved_to = "replaced", moved
    log.error("database %s is damaged (%s); moved it to %s (try `sqlite3 %s .recover`) and started "
              "a new one", path, problems.splitlines()[0][:200], moved, moved)
    report.notes.append(f"database {path} damaged: moved to {moved}, new database started")


def choose_model(store, requested: Path | None, report: StartupReport, threads: int = 1):
    """The classifier to play with (`classify.choose_model`), noted in `report` and the log; a broken
    bundled model stops the kiosk."""
    from model.classify import choose_model as choose

    choice = choose(requested, store, threads=threads)
    for warning in choice.warnings:
        log.warning("%s", warning)
    report.model_path, report.model_version = choice.path, choice.classifier.version
    report.fell_back = choice.fell_back
    report.notes.append(choice.note)
    return choice.classifier


def check_disk(path: str | Path, report: StartupReport) -> None:
    folder = Path(path).resolve().parent
    try:
        free = shutil.disk_usage(folder if folder.exists() else folder.parent).free
    except OSError:
        return
    if free < LOW_DISK_BYTES:
        log.warning("only %d MB free on the disk of %s", free // (1024 * 1024), folder)
        report.notes.append(f"low disk space: {free // (1024 * 1024)} MB free")

"""Export drawing stores as Quick, Draw!-compatible files: one file per category and format, plus a datasheet.

`python -m model export --db A.db --out DIR` writes, in the folder layout of Google's bucket,
`DIR/raw/<category>.ndjson` (strokes with their times), `DIR/simplified/<category>.ndjson`,
`DIR/numpy_bitmap/<category>.npy` (28x28 bitmaps), `DIR/sketchrnn/<category>.npz` (stroke-3),
`DIR/binary/<category>.bin` (Google's binary records of the simplified drawings), and `DIR/DATASHEET.md` saying what the files hold, how the drawings were collected and under which licence.

Only drawings of consented sessions leave the database (players' and imported ones alike), with
Google's six fields; a session's erasure code is never read, so it cannot leak into a file. Several
databases (kiosks) export together: a drawing whose key an earlier database already gave is skipped.

The export is written into a temporary folder beside `DIR` and renamed into place at the end, so a
full disk or any failure leaves `DIR` as it was (never a partial export without its datasheet); a
category whose name cannot be a file name ("../x", a very long name) is left out with a message.

Memory stays flat per category: rows are iterated straight from SQLite and written by the streaming
writers of `model/quickdraw/formats.py`. Simplification (the slow step) runs once per drawing: the
simplified file is written first and the bitmaps, stroke-3 and binary files are made by reading it back.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from itertools import chain
from pathlib import Path

from model import strokes
from model.datasheet import datasheet_text
from model.quickdraw.arrays import NPZ_SPLITS, write_npy, write_npz
from model.quickdraw.binary import write_bin
from model.quickdraw.formats import read_ndjson
from model.quickdraw.records import google_key_id, replacing, write_records
from model.store import Store
from model.store.opening import connect, input_uri

# --formats name -> (folder named as in Google's bucket, file extension)
LAYOUT = {"raw": ("raw", ".ndjson"), "simplified": ("simplified", ".ndjson"),
          "npy": ("numpy_bitmap", ".npy"), "npz": ("sketchrnn", ".npz"), "bin": ("binary", ".bin")}
DEFAULT_LICENCE = "CC BY 4.0"
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False)


@dataclass
class ExportSettings:
    formats: tuple[str, ...] = tuple(LAYOUT)  # which files to write for each category (keys of LAYOUT)
    categories: tuple[str, ...] | None = None  # None: every category that has consented drawings
    licence: str = DEFAULT_LICENCE  # the licence the operator chose for the players' drawings

    def __post_init__(self):
        unknown = [name for name in self.formats if name not in LAYOUT]
        if unknown or not self.formats:
            raise ValueError(f"unknown format {', '.join(unknown) or '(none given)'}; "
                             f"choose among {', '.join(LAYOUT)}")
        if not self.licence.strip():
            raise ValueError("the licence must not be empty")


@dataclass
class CategoryCounts:
    """What was written for one category (the datasheet's table row)."""
    drawings: int = 0
    players: int = 0      # drawn in the game
    imported: int = 0     # imported from Quick, Draw! files
    recognized: int = 0
    empty: int = 0        # drawings without strokes: not written (Google's files have none)
    first: str | None = None  # earliest created_at (ISO, UTC)
    last: str | None = None

    def add(self, row: dict) -> None:
        self.drawings += 1
        self.players += row["source"] == "game"
        self.imported += row["source"] != "game"
        self.recognized += bool(row["recognized"])
        self.first = min(self.first or row["created_at"], row["created_at"])
        self.last = max(self.last or row["created_at"], row["created_at"])


@dataclass
class ExportResult:
    out: Path
    databases: list[Path]
    settings: ExportSettings
    categories: dict[str, CategoryCounts] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    imported_sources: set[str] = field(default_factory=set)  # file names the imported drawings came from
    skipped: list[str] = field(default_factory=list)  # why categories were left out (bad file names)
    seconds: float = 0.0

    @property
    def drawings(self) -> int:
        return sum(counts.drawings for counts in self.categories.values())


# ---- reading: consented rows of one or more databases, without duplicates ----------------------

class ConsentedDrawings:
    """Read-only view of several stores through one SQLite connection (the others ATTACHed)."""

    def __init__(self, paths):
        self.paths = _distinct_existing(paths)
        for path in self.paths:
            Store(path, read_only=True).close()  # refuses files that are not pennydraw stores
        self.conn = connect(self.paths[0], read_only=True)  # inputs: never migrated nor switched to WAL
        self.schemas = ["main"]
        try:
            limit = self.conn.getlimit(sqlite3.SQLITE_LIMIT_ATTACHED)
            if len(self.paths) > limit + 1:
                raise ValueError(f"export reads at most {limit + 1} databases at once; "
                                 "merge them first with `python -m model merge`")
            for number, path in enumerate(self.paths[1:], 1):
                self.conn.execute(f"ATTACH DATABASE ? AS db{number}", (input_uri(path),))
                self.schemas.append(f"db{number}")
            self.conn.execute("PRAGMA query_only = ON")  # this connection never writes
        except BaseException:
            self.conn.close()
            raise

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> ConsentedDrawings:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def words(self) -> list[str]:
        """Every category with at least one consented drawing, sorted."""
        words = set()
        for schema in self.schemas:
            words.update(row[0] for row in self.conn.execute(
                f"SELECT DISTINCT d.word FROM {schema}.drawings d JOIN {schema}.sessions s "
                "ON s.id = d.session_id WHERE s.consent = 1"))
        return sorted(words)

    def rows(self, word: str) -> Iterator[dict]:
        """Consented drawings of `word`, database by database, oldest first; keys seen in an earlier
        database are skipped. Only these columns are read: never the session's erasure code."""
        columns = ("key", "word", "drawing", "recognized", "created_at", "countrycode", "source")
        for index, schema in enumerate(self.schemas):
            seen_before = "".join(
                f" AND NOT EXISTS (SELECT 1 FROM {earlier}.drawings e JOIN {earlier}.sessions es "
                f"ON es.id = e.session_id WHERE e.key = d.key AND es.consent = 1)"
                for earlier in self.schemas[:index])
            cursor = self.conn.execute(
                "SELECT d.key, d.word, d.drawing, d.recognized, d.created_at, d.countrycode, s.source "
                f"FROM {schema}.drawings d JOIN {schema}.sessions s ON s.id = d.session_id "
                f"WHERE d.word = ? AND s.consent = 1{seen_before} ORDER BY d.id", (word,))
            while batch := cursor.fetchmany(200):
                yield from (dict(zip(columns, row)) for row in batch)


def _distinct_existing(paths) -> list[Path]:
    distinct: dict[Path, Path] = {}
    for path in map(Path, paths):
        if not path.is_file():
            raise FileNotFoundError(f"no database at {path}")
        distinct.setdefault(path.resolve(), path)
    if not distinct:
        raise ValueError("give at least one database (--db PATH)")
    return list(distinct.values())


# ---- records: rows to Google's field names -----------------------------------------------------

def google_timestamp(created_at: str) -> str:
    """The store's "2017-03-28T15:28:41.970+00:00" as Google writes it: "2017-03-28 15:28:41.97 UTC"
    (the fraction of a second without trailing zeros, none at all on a whole second, as in
    "2017-03-28 15:28:41.97015 UTC" of Google's files; the store keeps milliseconds)."""
    moment = datetime.fromisoformat(created_at).astimezone(timezone.utc)
    fraction = f"{moment.microsecond:06d}".rstrip("0")
    return moment.strftime("%Y-%m-%d %H:%M:%S") + (f".{fraction}" if fraction else "") + " UTC"


def is_simplified(drawing: list) -> bool:
    """True for a drawing already in the simplified format: [xs, ys] strokes of ints 0-255."""
    if not drawing or any(len(stroke) != 2 for stroke in drawing):
        return False
    values = list(chain.from_iterable(chain.from_iterable(drawing)))  # one pass at C speed
    return bool(values) and set(map(type, values)) == {int} and min(values) >= 0 and max(values) <= 255


def _line(row: dict, drawing_json: str) -> bytes:
    """One ndjson line with Google's six fields, in the order of Google's files; the drawing's JSON
    text is spliced in as it is (the store keeps it compact already). The key_id is computed from
    the key as the store's `key_id` column is (`schema.m004_key_ids`), so a database read without
    being upgraded exports the very same ids."""
    head = _ENCODER.encode({"word": row["word"], "countrycode": row["countrycode"] or "",
                            "timestamp": google_timestamp(row["created_at"]),
                            "recognized": bool(row["recognized"]), "key_id": google_key_id(row["key"])})
    return f'{head[:-1]},"drawing":{drawing_json}}}\n'.encode("utf-8")


def _raw_line(row: dict) -> bytes:
    return _line(row, row["drawing"])


def _simplified_line(row: dict) -> bytes:
    drawing = json.loads(row["drawing"])
    return _line(row, row["drawing"] if is_simplified(drawing) else _ENCODER.encode(strokes.simplify(drawing)))


def stable_split(key_id: str) -> str:
    """A drawing's sketch-rnn split from its key, so it keeps its split in every later export
    (18 in 20 train, 1 valid, 1 test, as `default_split`)."""
    bucket = int.from_bytes(hashlib.sha256(str(key_id).encode()).digest()[:4], "big") % 20
    return {18: NPZ_SPLITS[1], 19: NPZ_SPLITS[2]}.get(bucket, NPZ_SPLITS[0])


# ---- writing -----------------------------------------------------------------------------------

# Bytes a category may take in a file name: NAME_MAX is 255 on Linux, macOS and Windows, and a file is
# first written as ".<name>.<suffix>.<pid>.part" (`records.replacing`), about 30 bytes more.
MAX_STEM_BYTES = 200


class ExportError(Exception):
    """An export that could not be written (a full disk, a folder that cannot be replaced); the
    message says that the target was left as it was."""


def safe_file_stem(word: str) -> str:
    """The category as a file name (Google keeps spaces: "alarm clock.ndjson"); ValueError if it
    could point elsewhere or is too long for a file name."""
    if not word or word.startswith(".") or any(c in word for c in "/\\\0") or word != word.strip() \
            or len(word.encode("utf-8")) > MAX_STEM_BYTES:
        raise ValueError(f"category {word[:60]!r}{'...' if len(word) > 60 else ''} cannot be used as a file "
                         f"name (no path characters, no leading dot or space, at most {MAX_STEM_BYTES} bytes); "
                         "rename it in the database")
    return word


def export(databases, out, settings: ExportSettings | None = None) -> ExportResult:
    """Write the consented drawings of `databases` under `out` (see the module docstring).

    A category whose name cannot be a file name is left out, said in `result.skipped` and in the
    datasheet. Everything is written into a temporary folder beside `out` and moved into place at the
    end, so a failure (a full disk) leaves `out` as it was: no export without its datasheet. An
    earlier export in `out` is replaced whole; a folder of other files is never touched."""
    settings = settings or ExportSettings()
    started, out = time.perf_counter(), Path(out)
    with ConsentedDrawings(databases) as source:
        available = source.words()
        words = list(dict.fromkeys(settings.categories)) if settings.categories else available
        missing = [word for word in words if word not in available]
        if missing:
            raise ValueError(f"no consented drawings of {', '.join(map(repr, missing))} in "
                             f"{', '.join(map(str, source.paths))}")
        if not words:
            raise ValueError(f"no consented drawings in {', '.join(map(str, source.paths))}")
        skipped, usable = [], []
        for word in words:
            try:
                usable.append(safe_file_stem(word))
            except ValueError as error:
                skipped.append(str(error))
        if not usable:
            raise ValueError(skipped[0] if len(skipped) == 1 else
                             f"no category can be used as a file name ({len(skipped)}): {skipped[0]}")
        _check_target(out)
        target = Path(os.path.abspath(out))  # "export/.." or "." have a name of their own here
        staging = target.with_name(f".{target.name}.{os.getpid()}.partial")
        shutil.rmtree(staging, ignore_errors=True)  # what a killed export of this process id left
        try:
            result = ExportResult(out, source.paths, settings, skipped=skipped)
            for name in settings.formats:
                (staging / LAYOUT[name][0]).mkdir(parents=True, exist_ok=True)
            for word in usable:
                result.categories[word] = _export_category(source, word, staging, settings, result)
            result.seconds = time.perf_counter() - started
            with replacing(staging / "DATASHEET.md") as handle:
                handle.write(datasheet_text(result, _version()).encode("utf-8"))
            _move_into_place(staging, target)
        except OSError as error:
            raise ExportError(f"could not write the export {out}: {error.strerror or error}"
                              f"{f' ({error.filename})' if error.filename else ''}; {out} is left as it was") from error
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    result.files = [out / path.relative_to(staging) for path in result.files] + [out / "DATASHEET.md"]
    return result


def _check_target(out: Path) -> None:
    """ValueError unless `out` is absent, empty, or an earlier export (it has a DATASHEET.md)."""
    if out.exists() and not out.is_dir():
        raise ValueError(f"{out} is a file; --out names the folder for the export")
    if out.is_dir() and any(out.iterdir()) and not (out / "DATASHEET.md").is_file():
        raise ValueError(f"{out} holds other files and is not an earlier export (no DATASHEET.md); "
                         "name a new or empty folder")


def _move_into_place(staging: Path, out: Path) -> None:
    """Rename the finished `staging` folder to `out`; an earlier export there goes only once the new
    one is in place (put back if the move fails)."""
    previous = out.with_name(f".{out.name}.{os.getpid()}.previous")
    if out.is_dir():
        shutil.rmtree(previous, ignore_errors=True)
        os.rename(out, previous)
    try:
        os.rename(staging, out)
    except OSError:
        if previous.exists():
            os.rename(previous, out)
        raise
    shutil.rmtree(previous, ignore_errors=True)


def _export_category(source: ConsentedDrawings, word: str, out: Path, settings: ExportSettings,
                     result: ExportResult) -> CategoryCounts:
    counts = CategoryCounts()
    paths = {name: out / folder / (safe_file_stem(word) + suffix) for name, (folder, suffix) in LAYOUT.items()}

    def rows(count: bool) -> Iterator[dict]:
        for row in source.rows(word):
            if row["drawing"] == "[]":
                counts.empty += count
                continue
            if count:
                counts.add(row)
                if row["source"] != "game":
                    result.imported_sources.add(row["source"].removeprefix("import:"))
            yield row

    if "raw" in settings.formats:
        write_records(paths["raw"], rows(count=True), _raw_line)
        result.files.append(paths["raw"])
    made_from_simplified = {"npy", "npz", "bin"} & set(settings.formats)
    keep_simplified = "simplified" in settings.formats
    if not keep_simplified and not made_from_simplified:
        return counts
    # Without --formats simplified the simplified file is only a stepping stone, removed at the end.
    simplified = paths["simplified"] if keep_simplified else out / f".{word}.simplified.ndjson"
    try:
        write_records(simplified, rows(count="raw" not in settings.formats), _simplified_line)
        if keep_simplified:
            result.files.append(simplified)
        if "npy" in settings.formats:
            write_npy(paths["npy"], read_ndjson(simplified))
            result.files.append(paths["npy"])
        if "npz" in settings.formats:
            write_npz(paths["npz"], (record | {"split": stable_split(record["key_id"])}
                                     for record in read_ndjson(simplified)))
            result.files.append(paths["npz"])
        if "bin" in settings.formats:
            write_bin(paths["bin"], read_ndjson(simplified))
            result.files.append(paths["bin"])
    finally:
        if not keep_simplified:
            simplified.unlink(missing_ok=True)
    return counts


def _version() -> str:
    try:
        return metadata.version("pennydraw")
    except metadata.PackageNotFoundError:
        return "(version unknown)"

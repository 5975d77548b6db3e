"""Quick, Draw! files in and out: raw and simplified ndjson, 28x28 `.npy`, sketch-rnn `.npz`, binary `.bin`.

Every reader is a generator of plain dicts with Google's field names (`word`, `countrycode`,
`timestamp`, `recognized`, `key_id`, `drawing`; a missing field reads as None) and holds one line or
record at a time, so a 1 GB file streams in constant memory. Every writer takes an iterable and writes
to a temporary file beside the target, renamed into place only once complete: a failed conversion
leaves no half file and never clobbers the old one.

- ndjson: one JSON object per line; strokes `[xs, ys, ts]` (raw) or `[xs, ys]` ints 0-255 (simplified).
- npy: uint8 (N, 784) 28x28 bitmaps, read through a memory map; rows come as `bitmap`, `drawing` is None.
- npz: sketch-rnn's `train`/`valid`/`test` object arrays of int16 stroke-3. Object arrays are pickles,
  read by `npz_reader.py`, which rebuilds numpy arrays and refuses anything else: no file runs code.
  Reading unpickles one split at a time; writing gathers every drawing's int16 offsets first.
- bin: Google's binary records, little-endian (see `pack_drawing`); ints 0-255, no times, no word.

A malformed line or record raises `FormatError` naming the file, the line (or record and byte
offset) and what is wrong; with `skip_bad=True` it is skipped and counted in a `ReadReport` instead.
Drawings get a cheap structural check (the rules of `strokes.as_arrays`, at a sixth of its cost).

This module holds ndjson, the dispatch by extension, and file import/conversion; `.bin` lives in
`binary.py`, `.npy`/`.npz` in `arrays.py`, what they share in `records.py` (all in `model/quickdraw/`).
Everything public is re-exported here, so callers need only `model.quickdraw.formats`.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from model.quickdraw.arrays import (BITMAP_SIDE, NPZ_SPLITS, default_split, load_npy, read_npy, read_npz, write_npy,
                                    write_npz)
from model.quickdraw.binary import (epoch_to_timestamp, pack_drawing, read_bin, timestamp_to_epoch, unpack_drawing,
                                    write_bin)
from model.quickdraw.records import (
    BIN, FIELDS, NPY, NPZ, RAW_NDJSON, SIMPLIFIED_NDJSON, FormatError, ReadReport, category_from_path,
    check_drawing, plain_drawing, strokes_of, write_records,
)

__all__ = [
    "BIN", "BITMAP_SIDE", "BITMAP_SUFFIXES", "FIELDS", "NPY", "NPZ", "NPZ_SPLITS", "RAW_NDJSON", "READERS",
    "SIMPLIFIED_NDJSON", "STROKE_SUFFIXES", "SUFFIXES", "WRITERS",
    "FormatError", "ReadReport", "Transfer", "category_from_path", "check_drawing", "convert_file",
    "default_split", "detect_format", "epoch_to_timestamp", "import_file", "load_npy", "pack_drawing",
    "plain_drawing", "read_bin", "read_drawings", "read_ndjson", "read_npy", "read_npz", "timestamp_to_epoch",
    "unpack_drawing", "write_bin", "write_drawings", "write_ndjson", "write_npy", "write_npz",
]


def detect_format(path) -> str:
    """One of RAW_NDJSON, SIMPLIFIED_NDJSON, NPY, NPZ, BIN, from the extension (and, for ndjson,
    whether the first drawing's strokes carry a third array of times)."""
    suffix = Path(path).suffix.lower()
    if suffix not in READERS:
        raise FormatError(f"{path}: unknown format '{suffix}'; expected .ndjson, .npy, .npz or .bin")
    if READERS[suffix] is not read_ndjson:
        return suffix[1:]
    for record in read_ndjson(path, skip_bad=True):  # the first good record decides
        return RAW_NDJSON if any(len(stroke) == 3 for stroke in record["drawing"]) else SIMPLIFIED_NDJSON
    return SIMPLIFIED_NDJSON  # an empty file: either reading is right

def read_drawings(path, skip_bad: bool = False, report: ReadReport | None = None) -> Iterator[dict]:
    """Records from any supported file, by extension (one reader serves raw and simplified ndjson)."""
    suffix = Path(path).suffix.lower()
    if suffix not in READERS:
        raise FormatError(f"{path}: unknown format '{suffix}'; expected .ndjson, .npy, .npz or .bin")
    return READERS[suffix](path, skip_bad, report)

def _reject_constant(name: str):
    raise ValueError(f"{name} is not a number a drawing may hold")

_DECODER = json.JSONDecoder(parse_constant=_reject_constant)

def _record_from_json(text: str) -> dict:
    try:
        record = _DECODER.decode(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"not valid JSON ({error.msg} at column {error.colno})") from None
    except RecursionError:  # Python's parser recurses per bracket: some thousand levels end it
        raise ValueError("JSON nested too deeply to be a Quick, Draw! record") from None
    if type(record) is not dict:
        raise ValueError("expected a JSON object")
    if type(record.get("word")) is not str:
        raise ValueError("no 'word' (the category) string")
    if "drawing" not in record:
        raise ValueError("no 'drawing' field")
    check_drawing(record["drawing"])
    timestamp = record.get("timestamp")
    if timestamp is not None and type(timestamp) is not str:
        raise ValueError(f"timestamp must be text such as \"2017-03-28 15:28:41.97015 UTC\", "
                         f"got {_json_kind(timestamp)} {json.dumps(timestamp)[:40]}")
    key_id = record.get("key_id")
    if key_id is not None and type(key_id) is not str:
        record["key_id"] = str(key_id)  # Google writes digit strings; keep one type
    for name in FIELDS:
        record.setdefault(name, None)
    return record

def _json_kind(value) -> str:
    return {dict: "an object", list: "a list", bool: "a boolean"}.get(type(value), "a number")

def read_ndjson(path, skip_bad: bool = False, report: ReadReport | None = None) -> Iterator[dict]:
    """Records from raw or simplified ndjson, one line at a time; blank lines are ignored."""
    report = report if report is not None else ReadReport()
    report.path = str(path)
    with open(path, "rb") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                record = _record_from_json(line.decode("utf-8"))
            except ValueError as error:  # UnicodeDecodeError is one too
                report.bad(f"{path}, line {number}: {error}", skip_bad)
                continue
            report.read += 1
            report.where = f"{path}, line {number}"
            yield record

_ENCODER = json.JSONEncoder(allow_nan=False, separators=(",", ":"), ensure_ascii=False)

def write_ndjson(path, records: Iterable, simplify: bool = False) -> int:
    """Google-style ndjson (simplified if `simplify`); Google's six fields only, None ones omitted."""
    def encode(record):
        if type(record.get("word")) is not str:
            raise ValueError("it has no word (category)")
        plain = {name: record.get(name) for name in FIELDS[:-1] if record.get(name) is not None}
        plain["drawing"] = strokes_of(record, simplify)
        return _ENCODER.encode(plain).encode("utf-8") + b"\n"
    return write_records(path, records, encode)

# The one table of Quick, Draw! files, by extension (`.jsonl` is ndjson by another name). Every other
# module asks these, so a new format is added here once.
READERS = {".ndjson": read_ndjson, ".jsonl": read_ndjson, ".npy": read_npy, ".npz": read_npz, ".bin": read_bin}
WRITERS = {".ndjson": write_ndjson, ".jsonl": write_ndjson, ".npy": write_npy, ".npz": write_npz, ".bin": write_bin}
SUFFIXES = tuple(READERS)
BITMAP_SUFFIXES = (".npy",)   # 28x28 bitmaps only: no strokes, no times
STROKE_SUFFIXES = tuple(suffix for suffix in SUFFIXES if suffix not in BITMAP_SUFFIXES)

def write_drawings(path, records: Iterable, simplify: bool = False) -> int:
    """Write records to whichever format `path`'s extension names; returns how many were written."""
    writer = WRITERS.get(Path(path).suffix.lower())
    if writer is None:
        raise FormatError(f"{path}: cannot write '{Path(path).suffix}'; use {', '.join(WRITERS)}")
    return writer(path, records, simplify)

@dataclass
class Transfer:
    """What one `import_file` or `convert_file` did."""
    path: str
    read: int = 0         # good records read
    written: int = 0      # records imported or written
    skipped_bad: int = 0  # malformed records dropped (skip_bad=True)
    errors: list[str] = field(default_factory=list)  # the first few skip messages
    seconds: float = 0.0

    @property
    def duplicates(self) -> int:
        """Records read but not imported: their key_id was already in the store."""
        return self.read - self.written

    @property
    def rate(self) -> float:
        """Records read per second."""
        return self.read / self.seconds if self.seconds > 0 else 0.0

def import_file(store, path, skip_bad: bool = False) -> Transfer:
    """Import a stroke file into `store`: all of it, or nothing (unless `skip_bad`); see `Store.insert_imported`."""
    if detect_format(path) == NPY:
        raise FormatError(f"{path}: a .npy file holds 28x28 bitmaps, not strokes, and the store keeps "
                          "strokes (train on .npy files directly instead)")
    report, started = ReadReport(), time.perf_counter()
    # A record the store refuses (a time or a number it cannot keep) is named by file and line like
    # the reader's own refusals, and skipped the same way with `skip_bad`.
    written = store.insert_imported(read_drawings(path, skip_bad, report), source=Path(path).name,
                                    on_bad=lambda error: report.refused(error, skip_bad))
    return Transfer(str(path), report.read, written, report.skipped, report.errors, time.perf_counter() - started)

def convert_file(source, target, skip_bad: bool = False, simplify: bool = False) -> Transfer:
    """Copy the drawings of `source` into a new `target` in the format its extension names."""
    if Path(source).resolve() == Path(target).resolve():
        raise FormatError(f"{target}: converting a file onto itself; choose another output name")
    if Path(target).suffix.lower() not in WRITERS:  # before reading anything
        raise FormatError(f"{target}: cannot write '{Path(target).suffix}'; use {', '.join(WRITERS)}")
    report, started = ReadReport(), time.perf_counter()
    written = write_drawings(target, read_drawings(source, skip_bad, report), simplify)
    return Transfer(str(source), report.read, written, report.skipped, report.errors, time.perf_counter() - started)

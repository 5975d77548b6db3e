"""The common ground of the Quick, Draw! file formats: record fields, errors, checks, safe writing.

`formats.py` (ndjson and the dispatch by extension), `binary.py` (Google's `.bin`) and `arrays.py`
(`.npy` bitmaps, sketch-rnn `.npz`) all build on these: a record is a plain dict with Google's field
names, a bad one raises `FormatError` naming the file and where, and a writer goes through a
temporary file renamed into place only once complete.
"""
from __future__ import annotations

import hashlib
import math
import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path

import numpy as np

from model import strokes

RAW_NDJSON, SIMPLIFIED_NDJSON, NPY, NPZ, BIN = "ndjson-raw", "ndjson-simplified", "npy", "npz", "bin"

FIELDS = ("word", "countrycode", "timestamp", "recognized", "key_id", "drawing")
# Prefixes of Google's bucket file names, dropped when the category comes from a file name.
GOOGLE_PREFIXES = ("full_simplified_", "full_raw_", "full_binary_", "full_numpy_bitmap_", "sketchrnn_")
_NUMBERS = frozenset((int, float))
KEY_ID_LIMIT = 2**64  # Google's key_id is an unsigned 64-bit integer (the .bin field is a uint64)

class FormatError(ValueError):
    """A file that is not what its name says; the message names the file and where."""

@dataclass
class ReadReport:
    """What a read did; pass one to a reader to learn how many bad records `skip_bad` dropped."""
    path: str = ""
    read: int = 0        # good records yielded
    skipped: int = 0     # bad records dropped (only with skip_bad=True)
    errors: list[str] = field(default_factory=list)  # the first few skip messages, to show the user
    max_errors: int = 5  # how many messages to keep
    where: str = ""      # where the last record yielded came from ("cat.ndjson, line 7"), set by readers

    def location(self) -> str:
        """Where the record being handled now came from: what the reader said, else its number."""
        return self.where or f"{self.path}, record {self.read}"

    def refused(self, error: Exception, skip_bad: bool) -> None:
        """A record read well but refused later (by the store): `bad`, with the record's location."""
        self.read -= 1  # it was counted as read; it is a skipped one
        self.bad(f"{self.location()}: {error}", skip_bad)

    def _skip(self, message: str) -> None:
        self.skipped += 1
        if len(self.errors) < self.max_errors:
            self.errors.append(message)

    def bad(self, message: str, skip_bad: bool) -> None:
        """A malformed record, `message` naming the file and where: FormatError, or with `skip_bad`
        one more skipped record (the caller then moves on to the next)."""
        if not skip_bad:
            raise FormatError(message) from None
        self._skip(message)

def countrycode_problem(code) -> str | None:
    """Why `code` cannot be a drawing's `countrycode` (Google's: two upper-case letters of ISO 3166-1
    alpha-2, such as "BE"), or None when it can; None (no country) is fine."""
    if code is None or (isinstance(code, str) and len(code) == 2 and code.isascii() and code.isalpha()
                        and code.isupper()):
        return None
    return f'a country must be two upper-case letters (ISO 3166-1, as Google\'s countrycode), e.g. "BE"; got {code!r}'

def google_key_id(key) -> str:
    """A drawing's Google-style `key_id`, a string of digits of an unsigned 64-bit integer, from its
    stable key: a key that is one already (Google's own, kept by an import) is itself; any other key
    (pennydraw's 32 hex characters, an import's "sha256:..." content key) gives the first 8 bytes
    of its SHA-256 (never 0, which `.bin` reads as "no key").

    A function of the key and nothing else, so every copy of a database (kiosks, merged stores,
    the migration of an old file) gives a drawing the same key_id. A new drawing's key is a random
    uuid4, so its key_id is a uniformly random 64-bit number; 64 bits make a clash between two
    drawings unlikely until billions of them (the birthday bound, 2**32), and a clash changes no
    stored row: merges and erasures match drawings by their key."""
    text = str(key)
    if 0 < len(text) <= 20 and text.isascii() and text.isdecimal() and text[0] != "0" \
            and int(text) < KEY_ID_LIMIT:
        return text
    digest = hashlib.sha256(f"pennydraw-key-id:{text}".encode("utf-8", "surrogatepass")).digest()
    return str(int.from_bytes(digest[:8], "big") or 1)

def category_from_path(path) -> str:
    """`.../full_binary_alarm clock.bin` -> "alarm clock": Google names files after the category."""
    name = Path(path).stem
    for prefix in GOOGLE_PREFIXES:
        name = name.removeprefix(prefix)
    return name

def check_drawing(drawing) -> None:
    """ValueError unless `drawing` is a non-empty list of strokes [xs, ys(, ts)] of finite numbers.

    The rules of `strokes.as_arrays`, its size limits included (plus: at least one stroke, and no
    numbers as strings or booleans), checked without numpy: several times faster, which import speed needs.
    """
    if type(drawing) is not list or not drawing:
        raise ValueError("drawing must be a non-empty list of strokes")
    strokes.check_size(drawing)  # lengths only: a 10**7-point stroke is refused before it is looked at
    for index, stroke in enumerate(drawing):
        if type(stroke) is not list or len(stroke) not in (2, 3):
            raise ValueError(f"stroke {index} must be [xs, ys] or [xs, ys, ts]")
        xs = stroke[0]
        if type(xs) is list and not xs:
            raise ValueError(f"stroke {index} has no points")
        for values in stroke:
            if type(values) is not list or len(values) != len(xs):
                raise ValueError(f"stroke {index}: xs, ys and ts must be lists of equal length")
    # One pass over every number at C speed; only a drawing that is not all ints is looked at closely.
    if set(map(type, chain.from_iterable(chain.from_iterable(drawing)))) <= {int}:
        return
    for index, stroke in enumerate(drawing):
        for values in stroke:
            kinds = set(map(type, values))
            if not _NUMBERS.issuperset(kinds):
                raise ValueError(f"stroke {index} holds values that are not numbers")
            if float in kinds and not (math.isfinite(min(values)) and math.isfinite(max(values))):
                raise ValueError(f"stroke {index} holds infinite values")

def plain_drawing(drawing) -> list:
    """`drawing` as checked plain lists; numpy arrays, tuples and numpy scalars are converted."""
    try:
        check_drawing(drawing)
        return drawing
    except ValueError:
        pass
    try:
        plain = [[np.asarray(values).tolist() for values in stroke] for stroke in drawing]
    except TypeError:
        raise ValueError("drawing must be a non-empty list of strokes") from None
    check_drawing(plain)
    return plain

def as_record(item) -> dict:
    return item if isinstance(item, dict) else {"drawing": item}  # writers take bare drawings too

def strokes_of(record: dict, simplify: bool) -> list:
    if record.get("drawing") is None:
        raise ValueError("it has no strokes (a bitmap cannot be turned back into strokes)")
    drawing = plain_drawing(record["drawing"])
    return strokes.simplify(drawing) if simplify else drawing

@contextmanager
def replacing(path):
    """A binary file handle on a temporary file beside `path`, moved onto `path` only on success."""
    path = Path(path)
    if not path.parent.is_dir():
        raise FileNotFoundError(f"{path}: the folder {path.parent} does not exist")
    temporary = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        with open(temporary, "wb") as handle:
            yield handle
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)

def write_records(path, records, encode) -> int:
    """Write `encode(record) -> bytes` for each record; errors name the output file and the record."""
    count = 0
    with replacing(path) as out:
        for count, record in enumerate(map(as_record, records), 1):
            try:
                out.write(encode(record))
            except ValueError as error:
                raise FormatError(f"cannot write {path}: record {count - 1}: {error}") from None
    return count

"""Google's binary Quick, Draw! format (`.bin`): two pure functions for one record, a streamed reader and a writer.

A record is little-endian: key_id uint64, countrycode 2 ASCII bytes, recognized int8, timestamp uint32
(epoch seconds), n_strokes uint16, then per stroke n_points uint16, n x bytes, n y bytes. So it holds
ints 0-255 only (simplified drawings), no times and no word: the category is the file's name.
"""
from __future__ import annotations

import struct
from datetime import datetime, timezone
from typing import Iterable, Iterator

from model.quickdraw.records import (FormatError, ReadReport, category_from_path, google_key_id, strokes_of,
                                     write_records)

# key_id uint64, countrycode 2 bytes, recognized int8, timestamp uint32 (epoch s), n_strokes uint16.
_BIN_HEAD = struct.Struct("<Q2sbIH")
_BIN_COUNT = struct.Struct("<H")

def pack_drawing(record: dict) -> bytes:
    """One `.bin` record: key_id uint64, countrycode 2 ASCII bytes, recognized int8, timestamp uint32
    (epoch seconds), n_strokes uint16, then per stroke n_points uint16, n x bytes, n y bytes.
    A missing key_id or timestamp is written as 0, which reads back as None. Times are dropped.
    A key_id that is not a 64-bit unsigned number (an older pennydraw export's 32 hex characters) is
    written as `google_key_id` of it: the key_id the store gives that drawing since its upgrade."""
    key_id = record.get("key_id")
    try:
        key = int(google_key_id(key_id)) if key_id not in (None, "") else 0
        country = (record.get("countrycode") or "").encode("ascii")
        seconds = timestamp_to_epoch(record.get("timestamp")) or 0
        if not (0 <= key < 2**64 and len(country) <= 2 and 0 <= seconds < 2**32):
            raise ValueError
    except (ValueError, TypeError, OverflowError):
        raise ValueError(f"key_id {key_id!r}, countrycode {record.get('countrycode')!r} or timestamp "
                         f"{record.get('timestamp')!r} does not fit the .bin fields") from None
    drawing = strokes_of(record, simplify=False)
    parts = [_BIN_HEAD.pack(key, country.ljust(2, b"\0"), bool(record.get("recognized")), seconds, len(drawing))]
    for index, stroke in enumerate(drawing):
        try:
            xs, ys = bytes(stroke[0]), bytes(stroke[1])
        except (ValueError, TypeError):
            raise ValueError(f"stroke {index}: .bin holds integer coordinates 0-255 only "
                             "(simplify the drawing first)") from None
        parts += [_BIN_COUNT.pack(len(xs)), xs, ys]
    if len(drawing) >= 2**16 or any(len(s[0]) >= 2**16 for s in drawing):
        raise ValueError("more than 65535 strokes or points do not fit a .bin record")
    return b"".join(parts)

class _Incomplete(Exception):
    """The buffer ends inside a record."""

def unpack_drawing(data: bytes, offset: int = 0, word: str | None = None) -> tuple[dict, int]:
    """The `.bin` record at `data[offset:]` and the offset just after it; `_Incomplete` if cut short,
    ValueError if the bytes cannot be a record (then nothing after them can be trusted either)."""
    try:
        key, country, recognized, seconds, n_strokes = _BIN_HEAD.unpack_from(data, offset)
        if recognized not in (0, 1) or n_strokes == 0:
            problem = f"recognized byte {recognized}, not 0 or 1" if n_strokes else "no strokes"
            raise ValueError(f"{problem}: this is not a Quick, Draw! .bin file "
                             "(raw 28x28 bitmap dumps are often called .bin too)")
        position = offset + _BIN_HEAD.size
        drawing = []
        for _ in range(n_strokes):
            (count,) = _BIN_COUNT.unpack_from(data, position)
            start, position = position + 2, position + 2 + 2 * count
            if position > len(data):
                raise _Incomplete
            drawing.append([list(data[start:start + count]), list(data[start + count:position])])
    except struct.error:
        raise _Incomplete from None
    record = {"word": word, "countrycode": country.rstrip(b"\0").decode("latin-1") or None,
              "timestamp": epoch_to_timestamp(seconds) if seconds else None,
              "recognized": bool(recognized), "key_id": str(key) if key else None, "drawing": drawing}
    return record, position

def read_bin(path, skip_bad: bool = False, report: ReadReport | None = None,
             chunk_size: int = 1 << 18) -> Iterator[dict]:
    """Records from Google's binary format, read `chunk_size` bytes at a time."""
    report = report if report is not None else ReadReport()
    report.path = str(path)
    word, index, consumed, buffer, offset = category_from_path(path), 0, 0, b"", 0
    with open(path, "rb") as file:
        while True:
            # Read at least as much as is pending, so a record spanning many chunks costs linear time.
            chunk = file.read(max(chunk_size, len(buffer) - offset))
            buffer, offset = buffer[offset:] + chunk, 0
            while offset < len(buffer):
                try:
                    record, end = unpack_drawing(buffer, offset, word)
                except _Incomplete:
                    if chunk:
                        break  # the record continues in the next chunk
                    message = (f"{path}, record {index} at byte {consumed}: truncated, the file ends "
                               f"{len(buffer) - offset} bytes into it")
                    report.bad(message, skip_bad)
                    return
                except ValueError as error:  # out of step: fatal even with skip_bad
                    raise FormatError(f"{path}, record {index} at byte {consumed}: {error}") from None
                # Bytes always decode to ints 0-255; only a stroke without points can be wrong.
                if all(stroke[0] for stroke in record["drawing"]):
                    report.read += 1
                    report.where = f"{path}, record {index} at byte {consumed}"
                    yield record
                else:
                    message = f"{path}, record {index} at byte {consumed}: a stroke without points"
                    report.bad(message, skip_bad)
                index, consumed, offset = index + 1, consumed + end - offset, end
            if not chunk:
                return

def write_bin(path, records: Iterable, simplify: bool = False) -> int:
    """Google's binary format; drawings must hold ints 0-255 unless `simplify`. The word is not stored."""
    if not simplify:
        return write_records(path, records, pack_drawing)
    return write_records(path, records, lambda record: pack_drawing(
        record | {"drawing": strokes_of(record, simplify)}))

def timestamp_to_epoch(value) -> int | None:
    """Google's "2017-03-03 14:13:44.5744 UTC" (or ISO 8601, or epoch seconds) as whole epoch seconds."""
    if value is None or value == "":
        return None
    if type(value) in (int, float):
        return int(value)
    try:
        moment = datetime.fromisoformat(str(value).strip().removesuffix("UTC").strip())
    except ValueError:
        raise ValueError(f"timestamp {value!r} is not a date and time") from None
    return int(moment.replace(tzinfo=moment.tzinfo or timezone.utc).timestamp())

def epoch_to_timestamp(seconds: int) -> str:
    """Epoch seconds in Google's ndjson style, "2017-03-03 14:13:44 UTC"."""
    return datetime.fromtimestamp(seconds, timezone.utc).isoformat(" ")[:19] + " UTC"  # faster than strftime

"""Quick, Draw! records read raw, for streaming: undecoded lines and byte records, counted and decoded apart.

`model/quickdraw/formats.py` decodes every record it reads; a stream wants to read a whole file, keep
only its shard's records and decode those alone, as late as possible (`model/streaming.py` decodes a record
when it leaves the shuffle buffer). So here:
- `raw_records(path)` yields (kind, payload) without decoding: ndjson lines, `.bin` records found by
  walking their stroke counts, `.npy` rows; `.npz` can only be read decoded (its strokes come as is);
- `count_records(path)` counts them the same way (big `.bin` files estimated from their first 64 MB);
- `decode(kind, payload, category)` turns one into strokes, checked by `formats.check_drawing`.
"""
from __future__ import annotations

import json
import struct
from pathlib import Path

from model.quickdraw import formats

ESTIMATE_BYTES = 64 << 20  # .bin files larger than this are counted from their first 64 MB
_BIN_HEAD = struct.calcsize("<Q2sbIH")  # a .bin record's header: key_id, country, recognized, timestamp, strokes
_BIN_COUNT = 2  # bytes of each stroke's point count


def count_records(path) -> int:
    """Records in a file: ndjson lines, npy rows, npz drawings; .bin records (estimated past 64 MB)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".npy":
        return len(formats.load_npy(path))
    if suffix == ".npz":
        return sum(1 for _ in formats.read_npz(path, skip_bad=True))
    if suffix == ".bin":
        seen, read = 0, 0
        for _, payload in raw_records(path):
            seen, read = seen + 1, read + len(payload)
            if read >= ESTIMATE_BYTES:
                return round(seen * path.stat().st_size / read)
        return seen
    with open(path, "rb") as lines:  # the non-blank lines, as `raw_records` reads them
        return sum(1 for line in lines if len(line) > 2 or line.strip())


def raw_records(path):
    """(kind, payload) per record, undecoded: ('json', line), ('bin', record bytes), ('bitmap', 784
    bytes) or ('drawing', strokes) for .npz, which can only be read decoded. Blank lines are skipped."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".npy":
        for row in formats.load_npy(path):
            yield "bitmap", bytes(row)
    elif suffix == ".npz":
        for record in formats.read_npz(path, skip_bad=True):
            yield "drawing", record["drawing"]
    elif suffix == ".bin":
        yield from (("bin", record) for record in _bin_records(path))
    else:
        with open(path, "rb") as lines:
            for line in lines:
                if len(line) > 2 or line.strip():
                    yield "json", line


def _bin_records(path, chunk_size: int = 1 << 20):
    """The bytes of each `.bin` record, found by walking the stroke counts (nothing decoded)."""
    buffer, offset = b"", 0
    with open(path, "rb") as file:
        while True:
            chunk = file.read(chunk_size)
            buffer, offset = buffer[offset:] + chunk, 0
            while True:
                end = _bin_record_end(buffer, offset)
                if end is None:
                    break
                yield buffer[offset:end]
                offset = end
            if not chunk:
                if offset < len(buffer):
                    yield buffer[offset:]  # truncated: `formats.unpack_drawing` will say so, and it is skipped
                return


def _bin_record_end(buffer: bytes, offset: int) -> int | None:
    if offset + _BIN_HEAD > len(buffer):
        return None
    strokes = int.from_bytes(buffer[offset + _BIN_HEAD - 2:offset + _BIN_HEAD], "little")
    position = offset + _BIN_HEAD
    for _ in range(strokes):
        if position + _BIN_COUNT > len(buffer):
            return None
        position += _BIN_COUNT + 2 * int.from_bytes(buffer[position:position + 2], "little")
    return position if position <= len(buffer) else None


def decode(kind: str, payload, category: str):
    """The strokes of a raw record; ValueError (or FormatError) when it is not a drawing."""
    if kind == "drawing":
        return payload
    if kind == "bin":
        return formats.unpack_drawing(payload, 0, category)[0]["drawing"]
    try:
        record = json.loads(payload)
    except RecursionError:  # a line of some thousand nested brackets: not a record either
        raise ValueError("JSON nested too deeply to be a Quick, Draw! record") from None
    if type(record) is not dict or "drawing" not in record:
        raise ValueError("not a Quick, Draw! record")
    formats.check_drawing(record["drawing"])
    return record["drawing"]

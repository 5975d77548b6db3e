"""Exports that Google's own readers accept (issue 15, item 3): the files of `export` and `convert`
read by small readers written here from Google's published format descriptions, never with
pennydraw's own reader.

- `.bin`, from the googlecreativelab/quickdraw-dataset README ("Binary files"): per drawing, key_id
  uint64, countrycode 2 bytes, recognized 1 byte, timestamp uint32 (epoch seconds), n_strokes uint16,
  then per stroke n_points uint16, x uint8[n_points], y uint8[n_points]; little-endian.
- ndjson, from the same README: one JSON object a line with `key_id` (a string of digits of a 64-bit
  number), `word`, `countrycode` (a string), `timestamp` as "2017-03-28 15:28:41.97015 UTC",
  `recognized` (a boolean) and `drawing`.
- sketch-rnn `.npz`, from magenta's sketch-rnn README: `np.load(path, encoding="latin1",
  allow_pickle=True)`, arrays `train`, `valid` and `test` of (n, 3) stroke-3 offsets (dx, dy, pen lifted).
"""
import json
import re
import struct
from datetime import datetime, timezone

import numpy as np

from model import export
from model.__main__ import main
from model.store import Store

GOOGLE_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,6})? UTC")
CAT = [[[110, 220, 330.5], [140, 250, 140], [0, 16, 33]], [[225, 260], [160, 161], [400, 420]]]


def google_unpack_drawings(path):
    """The README's `unpack_drawing`, looped over a file until it ends."""
    drawings = []
    with open(path, "rb") as handle:
        while head := handle.read(8):
            key_id, = struct.unpack("<Q", head)
            countrycode, = struct.unpack("2s", handle.read(2))
            recognized, = struct.unpack("<B", handle.read(1))
            timestamp, = struct.unpack("<I", handle.read(4))
            n_strokes, = struct.unpack("<H", handle.read(2))
            image = []
            for _ in range(n_strokes):
                n_points, = struct.unpack("<H", handle.read(2))
                fmt = f"{n_points}B"
                x = struct.unpack(fmt, handle.read(n_points))
                y = struct.unpack(fmt, handle.read(n_points))
                image.append([list(x), list(y)])
            drawings.append({"key_id": key_id, "countrycode": countrycode, "recognized": recognized,
                             "timestamp": timestamp, "image": image})
    return drawings


def google_read_ndjson(path):
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        assert set(record) == {"key_id", "word", "countrycode", "timestamp", "recognized", "drawing"}
        assert isinstance(record["key_id"], str) and record["key_id"].isdecimal()
        assert 0 < int(record["key_id"]) < 2**64
        assert isinstance(record["countrycode"], str) and len(record["countrycode"]) in (0, 2)
        assert GOOGLE_TIMESTAMP.fullmatch(record["timestamp"]), record["timestamp"]
        assert isinstance(record["recognized"], bool)
        records.append(record)
    return records


def epoch(google_timestamp: str) -> int:
    moment = datetime.strptime(google_timestamp.removesuffix(" UTC").split(".")[0], "%Y-%m-%d %H:%M:%S")
    return int(moment.replace(tzinfo=timezone.utc).timestamp())


def collected_store(path, sample_dir):
    with Store(path) as store:
        from model.quickdraw import formats
        formats.import_file(store, sample_dir / "cat.ndjson")
        session = store.start_session()
        store.save_drawing(session, "cat", CAT, True, 420, 1500, [])
        store.save_drawing(session, "cat", [[[5, 9, 30], [1, 2, 3], [0, 5, 9]]], False, None, 900, [])


def test_exported_bin_and_ndjson_read_with_googles_descriptions(sample_dir, tmp_path, capsys):
    db = tmp_path / "kiosk.db"
    collected_store(db, sample_dir)
    out = tmp_path / "out"
    assert main(["export", "--db", str(db), "--out", str(out), "--formats", "simplified,bin,npz"]) == 0
    assert "simplified, bin, npz" in capsys.readouterr().out
    simplified = google_read_ndjson(out / "simplified" / "cat.ndjson")
    binary = google_unpack_drawings(out / "binary" / "cat.bin")
    assert len(binary) == len(simplified) == 4
    for record, drawing in zip(simplified, binary):
        assert drawing["key_id"] == int(record["key_id"])
        assert drawing["countrycode"] == record["countrycode"].encode().ljust(2, b"\0")
        assert drawing["recognized"] == record["recognized"]
        assert drawing["timestamp"] == epoch(record["timestamp"])
        assert drawing["image"] == record["drawing"]
    players = simplified[-2:]
    assert [p["countrycode"] for p in players] == ["", ""] and binary[-1]["countrycode"] == b"\0\0"
    with Store(db) as store:
        assert [p["key_id"] for p in players] == [d["key_id"] for d in store.drawings() if d["session_id"] == 2]
    (bucket,) = [r["timestamp"] for r in google_read_ndjson(sample_dir / "cat.ndjson")][:1]
    assert simplified[0]["timestamp"].startswith(bucket[:23].rstrip("0"))

    with np.load(out / "sketchrnn" / "cat.npz", encoding="latin1", allow_pickle=True) as npz:
        assert set(npz.files) == {"train", "valid", "test"}
        sketches = [sketch for split in ("train", "valid", "test") for sketch in npz[split]]
    assert len(sketches) == 4
    for sketch in sketches:
        assert sketch.dtype == np.int16 and sketch.ndim == 2 and sketch.shape[1] == 3
        assert set(np.unique(sketch[:, 2])) <= {0, 1} and sketch[-1, 2] == 1
    originals = sorted(json.dumps(r["drawing"]) for r in simplified)
    rebuilt = []
    for sketch in sketches:  # absolute positions back from the offsets: the simplified strokes
        points = np.cumsum(sketch[:, :2].astype(np.int64), axis=0)
        ends = np.flatnonzero(sketch[:, 2])[:-1] + 1
        rebuilt.append(json.dumps([[p[:, 0].tolist(), p[:, 1].tolist()] for p in np.split(points, ends)]))
    assert sorted(rebuilt) == originals

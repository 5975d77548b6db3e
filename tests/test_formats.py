"""Tests for model/quickdraw/formats.py: every format on the real Quick, Draw! sample, round trips, malformed
input (file and line named), skip-bad counts, truncated and corrupt files, and constant memory."""
import calendar
import json
import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from model.quickdraw import formats
from model.quickdraw.formats import FormatError, ReadReport
from model.store import Store
from model.strokes import as_arrays, rasterize, to_stroke3


def sample_records(sample_dir, names=("alarm clock", "cake", "monkey", "The Mona Lisa")):
    return [r for name in names for r in formats.read_drawings(sample_dir / f"{name}.ndjson")]


def write_lines(path, lines):
    path.write_bytes(b"".join((line if isinstance(line, bytes) else line.encode()) + b"\n" for line in lines))
    return path


GOOD = json.dumps({"word": "cat", "countrycode": "FR", "recognized": False, "key_id": "7",
                   "timestamp": "2017-01-01 00:00:00 UTC", "drawing": [[[0, 10], [5, 255]]]})


# --- ndjson ------------------------------------------------------------------------------------

def test_reads_every_sample_ndjson_with_the_file_name_as_word(sample_dir):
    files = sorted(sample_dir.glob("*.ndjson"))
    total = 0
    for path in files:
        records = list(formats.read_drawings(path))
        assert len(records) == sum(1 for line in path.open() if line.strip())
        assert {r["word"] for r in records} == {path.stem}
        assert formats.detect_format(path) == formats.SIMPLIFIED_NDJSON
        total += len(records)
    assert (len(files), total) == (345, 2252)  # the totals SOURCES.md states


def test_records_without_key_id_or_timestamp_read_as_none(sample_dir):
    cake = next(formats.read_drawings(sample_dir / "cake.ndjson"))
    assert cake["key_id"] is None and cake["timestamp"] is None
    assert cake["word"] == "cake" and cake["countrycode"] == "US" and cake["recognized"] is True


def test_raw_ndjson_is_told_apart_by_its_time_arrays(tmp_path):
    raw = {"word": "cat", "drawing": [[[10.5, 300], [20, 400], [0, 16]]]}
    write_lines(tmp_path / "raw.ndjson", [json.dumps(raw)])
    assert formats.detect_format(tmp_path / "raw.ndjson") == formats.RAW_NDJSON
    assert next(formats.read_drawings(tmp_path / "raw.ndjson"))["drawing"] == raw["drawing"]
    with pytest.raises(FormatError, match="unknown format '.txt'"):
        formats.detect_format(tmp_path / "raw.txt")


BAD_LINES = {
    "not valid JSON": '{"word": "cat", "drawing": [[[1],[2]]]',
    "expected a JSON object": "[1, 2, 3]",
    "no 'word'": '{"drawing": [[[1], [2]]]}',
    "no 'drawing'": '{"word": "cat"}',
    "non-empty list of strokes": '{"word": "cat", "drawing": []}',
    "must be \\[xs, ys\\]": '{"word": "cat", "drawing": [[[1, 2]]]}',
    "equal length": '{"word": "cat", "drawing": [[[1, 2], [3]]]}',
    "not numbers": '{"word": "cat", "drawing": [[[1, "2"], [3, 4]]]}',
    "not numbers ": '{"word": "cat", "drawing": [[[true], [3]]]}',
    "has no points": '{"word": "cat", "drawing": [[[], []]]}',
    "NaN is not a number": '{"word": "cat", "drawing": [[[NaN], [3]]]}',
    "infinite": '{"word": "cat", "drawing": [[[1e400], [3]]]}',
    "utf-8": b'{"word": "c\xffat", "drawing": [[[1], [2]]]}',
}


@pytest.mark.parametrize("reason", BAD_LINES)
def test_a_malformed_line_names_file_line_and_reason(tmp_path, reason):
    path = write_lines(tmp_path / "cat.ndjson", [GOOD, "", GOOD, BAD_LINES[reason], GOOD])
    with pytest.raises(FormatError, match=rf"cat\.ndjson, line 4: .*{reason.strip()}") as caught:
        list(formats.read_drawings(path))
    assert isinstance(caught.value, ValueError)


# Stricter than as_arrays on purpose: strings such as "2" and booleans are not coordinates in a file.
@pytest.mark.parametrize("reason", ["non-empty list of strokes", "must be \\[xs, ys\\]", "equal length",
                                    "has no points", "NaN is not a number", "infinite"])
def test_what_the_cheap_check_refuses_as_arrays_refuses_too(reason):
    drawing = json.loads(BAD_LINES[reason], parse_constant=float).get("drawing")
    with pytest.raises(ValueError):
        formats.check_drawing(drawing)
    if drawing:  # as_arrays accepts an empty drawing; files may not hold one
        with pytest.raises(ValueError):
            as_arrays(drawing)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(-10**6, 10**6) | st.floats(-1e6, 1e6), min_size=1, max_size=20)
                .flatmap(lambda xs: st.tuples(st.just(xs), st.lists(st.integers(0, 255), min_size=len(xs),
                                                                    max_size=len(xs)))), min_size=1, max_size=4))
def test_what_the_cheap_check_accepts_as_arrays_accepts(pairs):
    drawing = [[list(xs), list(ys)] for xs, ys in pairs]
    formats.check_drawing(drawing)
    assert len(as_arrays(drawing)) == len(drawing)


def test_skip_bad_skips_and_counts(tmp_path):
    path = write_lines(tmp_path / "cat.ndjson", [GOOD, "{oops", GOOD, '{"word": "cat"}', GOOD])
    report = ReadReport()
    records = list(formats.read_drawings(path, skip_bad=True, report=report))
    assert len(records) == 3 and (report.read, report.skipped) == (3, 2)
    assert "line 2" in report.errors[0] and "line 4" in report.errors[1]


# --- bin ---------------------------------------------------------------------------------------

def test_pack_drawing_matches_the_hand_computed_layout():
    record = {"key_id": "5", "countrycode": "US", "recognized": True,
              "timestamp": "1970-01-01 00:01:40 UTC", "drawing": [[[1, 2], [3, 4]], [[255], [0]]]}
    expected = (bytes([5, 0, 0, 0, 0, 0, 0, 0]) + b"US" + bytes([1]) + bytes([100, 0, 0, 0]) + bytes([2, 0])
                + bytes([2, 0, 1, 2, 3, 4]) + bytes([1, 0, 255, 0]))
    assert formats.pack_drawing(record) == expected
    unpacked, end = formats.unpack_drawing(expected, 0, "cat")
    assert end == len(expected)
    assert unpacked == {"word": "cat", "countrycode": "US", "timestamp": "1970-01-01 00:01:40 UTC",
                        "recognized": True, "key_id": "5", "drawing": record["drawing"]}


def test_ndjson_bin_ndjson_round_trip_on_the_sample(sample_dir, tmp_path):
    originals = [r for path in sorted(sample_dir.glob("*.ndjson"))[:60] for r in formats.read_drawings(path)]
    assert formats.write_bin(tmp_path / "mixed.bin", originals) == len(originals)
    back = list(formats.read_drawings(tmp_path / "mixed.bin"))
    assert len(back) == len(originals)
    for before, after in zip(originals, back):
        for name in ("countrycode", "recognized", "key_id", "drawing"):
            assert after[name] == before[name], name
        # .bin keeps whole seconds; the reference is the calendar module, not our own parser.
        if before["timestamp"] is None:
            assert after["timestamp"] is None
        else:
            seconds = calendar.timegm(tuple(map(int, before["timestamp"][:19].replace("-", " ")
                                                .replace(":", " ").split())))
            assert formats.timestamp_to_epoch(after["timestamp"]) == seconds
    # and back to ndjson: words come from elsewhere (.bin has none), everything else survives
    formats.write_ndjson(tmp_path / "again.ndjson", [a | {"word": b["word"]} for a, b in zip(back, originals)])
    assert list(formats.read_drawings(tmp_path / "again.ndjson")) == [a | {"word": b["word"]}
                                                                      for a, b in zip(back, originals)]


def test_bin_records_spanning_chunk_boundaries(sample_dir, tmp_path):
    formats.write_bin(tmp_path / "cake.bin", sample_records(sample_dir, ["cake"]))
    whole = list(formats.read_bin(tmp_path / "cake.bin"))
    assert [r["word"] for r in whole] == ["cake"] * 100
    assert list(formats.read_bin(tmp_path / "cake.bin", chunk_size=7)) == whole


def test_truncated_bin_is_a_clear_error_and_skip_bad_keeps_the_rest(sample_dir, tmp_path):
    records = sample_records(sample_dir, ["alarm clock"]) + sample_records(sample_dir, ["cake"])[:1]
    path = tmp_path / "clock.bin"
    formats.write_bin(path, records)
    first_two = sum(len(formats.pack_drawing(r)) for r in records[:2])
    path.write_bytes(path.read_bytes()[:-5])
    with pytest.raises(FormatError, match=rf"clock\.bin, record 2 at byte {first_two}: truncated"):
        list(formats.read_drawings(path))
    report = ReadReport()
    assert len(list(formats.read_drawings(path, skip_bad=True, report=report))) == 2
    assert report.skipped == 1
    path.write_bytes(b"\x01\x02\x03")  # cut inside the very first header
    with pytest.raises(FormatError, match="record 0 at byte 0: truncated"):
        list(formats.read_drawings(path))


def test_a_bitmap_dump_named_bin_is_refused_not_misread(sample_dir, tmp_path):
    dump = tmp_path / "cloud1000.bin"  # the kind of file SOURCES.md lists: raw 784-byte bitmaps
    dump.write_bytes(np.load(sample_dir / "cloud.npy").tobytes())
    with pytest.raises(FormatError, match=r"cloud1000\.bin, record \d+ at byte \d+: .*not a Quick, Draw! \.bin"):
        list(formats.read_drawings(dump, skip_bad=True))


def test_a_stroke_without_points_in_bin_is_skippable(tmp_path):
    good = formats.pack_drawing({"key_id": "1", "drawing": [[[1], [2]]]})
    empty_stroke = good[:-4] + bytes([0, 0])  # same header, one stroke of zero points
    path = tmp_path / "cat.bin"
    path.write_bytes(good + empty_stroke + good)
    with pytest.raises(FormatError, match=rf"record 1 at byte {len(good)}: a stroke without points"):
        list(formats.read_drawings(path))
    report = ReadReport()
    assert len(list(formats.read_drawings(path, skip_bad=True, report=report))) == 2 and report.skipped == 1


def test_bin_needs_simplified_coordinates_unless_asked_to_simplify(tmp_path):
    raw = {"word": "cat", "drawing": [[[10, 300.5, 600], [20, 400, 500], [0, 16, 40]]]}
    with pytest.raises(FormatError, match="record 0: stroke 0: .bin holds integer coordinates 0-255"):
        formats.write_bin(tmp_path / "cat.bin", [raw])
    assert not list(tmp_path.iterdir())  # no half-written file left behind
    formats.write_bin(tmp_path / "cat.bin", [raw], simplify=True)
    (drawing,) = [r["drawing"] for r in formats.read_drawings(tmp_path / "cat.bin")]
    assert max(max(s[0] + s[1]) for s in drawing) == 255 and min(min(s[0] + s[1]) for s in drawing) == 0


def test_a_failed_write_keeps_the_old_file(tmp_path):
    target = tmp_path / "cat.ndjson"
    formats.write_ndjson(target, [json.loads(GOOD)])
    before = target.read_bytes()
    with pytest.raises(FormatError, match="record 1"):
        formats.write_ndjson(target, [json.loads(GOOD), {"word": "cat", "drawing": [[[1], [2, 3]]]}])
    assert target.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["cat.ndjson"]


# --- npy ---------------------------------------------------------------------------------------

def test_sample_npy_reads_as_bitmap_records(sample_dir):
    path = sample_dir / "alarm clock.npy"
    records = list(formats.read_drawings(path))
    reference = np.load(path)
    assert len(records) == len(reference) == 100
    assert all(r["word"] == "alarm clock" and r["drawing"] is None for r in records)
    assert np.array_equal(np.stack([r["bitmap"] for r in records]), reference)


def test_npy_written_from_drawings_holds_their_rasterizations(sample_dir, tmp_path):
    records = sample_records(sample_dir, ["cake"])[:30]
    assert formats.write_npy(tmp_path / "cake.npy", iter(r["drawing"] for r in records)) == 30
    written = np.load(tmp_path / "cake.npy")
    assert written.shape == (30, 784) and written.dtype == np.uint8
    assert np.array_equal(written, np.stack([rasterize(r["drawing"]).ravel() for r in records]))
    copied = tmp_path / "alarm clock.npy"  # bitmap records pass straight through: a byte-exact copy
    formats.convert_file(sample_dir / "alarm clock.npy", copied)
    assert np.array_equal(np.load(copied), np.load(sample_dir / "alarm clock.npy"))
    assert formats.write_npy(tmp_path / "none.npy", []) == 0 and np.load(tmp_path / "none.npy").shape == (0, 784)


def test_corrupt_npy_files_are_format_errors(tmp_path):
    (tmp_path / "junk.npy").write_bytes(b"this is not numpy")
    np.save(tmp_path / "float.npy", np.zeros((3, 784), np.float32))
    np.save(tmp_path / "short.npy", np.zeros((10, 784), np.uint8))
    (tmp_path / "short.npy").write_bytes((tmp_path / "short.npy").read_bytes()[:-784 * 3])
    np.save(tmp_path / "objects.npy", np.array([None, 1], dtype=object))
    for name, reason in [("junk", "not a readable .npy"), ("float", "expected uint8 bitmaps"),
                         ("short", "not a readable .npy"), ("objects", "not a readable .npy")]:
        with pytest.raises(FormatError, match=rf"{name}\.npy: {reason}"):
            list(formats.read_drawings(tmp_path / f"{name}.npy"))


# --- npz ---------------------------------------------------------------------------------------

def test_npz_reads_google_sketchrnn_layout(tmp_path):
    def objects(*arrays):
        out = np.empty(len(arrays), dtype=object)
        out[:] = [np.array(a, dtype=np.int16) for a in arrays]
        return out
    np.savez(tmp_path / "sketchrnn_cat.npz", train=objects([[5, 7, 0], [1, -2, 1], [10, 0, 1]]),
             valid=objects([[0, 0, 1], [3, 3, 0], [1, 1, 1]]), test=objects())
    records = list(formats.read_drawings(tmp_path / "sketchrnn_cat.npz"))
    assert [(r["word"], r["split"]) for r in records] == [("cat", "train"), ("cat", "valid")]
    assert records[0]["drawing"] == [[[5, 6], [7, 5]], [[16], [5]]]  # cumulative sums, split at lifts
    assert records[1]["drawing"] == [[[0], [0]], [[3, 4], [3, 4]]]


def test_ndjson_npz_round_trip_keeps_strokes(sample_dir, tmp_path):
    originals = sample_records(sample_dir)
    assert formats.write_npz(tmp_path / "mixed.npz", originals) == len(originals)
    with np.load(tmp_path / "mixed.npz", allow_pickle=True) as archive:
        assert sorted(archive.files) == ["test", "train", "valid"]
        assert sum(len(archive[s]) for s in archive.files) == len(originals)
        first = archive["train"][0]
        assert first.dtype == np.int16 and np.array_equal(first, to_stroke3(originals[0]["drawing"]))
    back = list(formats.read_drawings(tmp_path / "mixed.npz"))
    order = {"train": 0, "valid": 1, "test": 2}
    expected = sorted(enumerate(originals), key=lambda pair: order[formats.default_split(pair[0])])
    assert [r["drawing"] for r in back] == [r["drawing"] for _, r in expected]


def test_corrupt_npz_files_are_format_errors(tmp_path):
    (tmp_path / "junk.npz").write_bytes(b"PK\x03\x04 not really a zip")
    np.savez(tmp_path / "other.npz", weights=np.zeros(3))
    np.savez(tmp_path / "flat.npz", train=np.zeros((4, 3)))
    np.savez(tmp_path / "cut.npz", train=np.zeros((400, 3)))
    (tmp_path / "cut.npz").write_bytes((tmp_path / "cut.npz").read_bytes()[:300])
    for name, reason in [("junk", "not a readable sketch-rnn"), ("other", "no train/valid/test"),
                         ("flat", r"train\[0\]: expected a non-empty \(n, 3\)"), ("cut", "not a readable")]:
        with pytest.raises(FormatError, match=rf"{name}\.npz(: |, ){reason}"):
            list(formats.read_drawings(tmp_path / f"{name}.npz"))


# --- names, times, streaming, import -----------------------------------------------------------

def test_category_and_timestamps():
    assert formats.category_from_path("/x/full_binary_alarm clock.bin") == "alarm clock"
    assert formats.category_from_path("The Mona Lisa.npy") == "The Mona Lisa"
    seconds = calendar.timegm((2017, 3, 3, 14, 13, 44))
    assert formats.timestamp_to_epoch("2017-03-03 14:13:44.5744 UTC") == seconds
    assert formats.timestamp_to_epoch("2017-03-03T15:13:44+01:00") == seconds
    assert formats.epoch_to_timestamp(seconds) == "2017-03-03 14:13:44 UTC"
    with pytest.raises(ValueError, match="not a date"):
        formats.timestamp_to_epoch("yesterday")


def traced_peak(function) -> int:
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_reading_streams_in_constant_memory(tmp_path):
    n = 20_000  # tracemalloc slows reading tenfold; 20k lines already dwarf the allowed peak
    big = tmp_path / "dot.ndjson"
    with big.open("w") as out:
        for i in range(n):
            out.write(f'{{"word":"dot","key_id":"{i + 1}","recognized":true,"drawing":[[[{i % 256}],[7]]]}}\n')
    formats.write_bin(tmp_path / "dot.bin", formats.read_drawings(big))
    counted = []
    ndjson_peak = traced_peak(lambda: counted.append(sum(1 for _ in formats.read_drawings(big))))
    bin_peak = traced_peak(lambda: counted.append(sum(1 for _ in formats.read_bin(tmp_path / "dot.bin",
                                                                                  chunk_size=1 << 14))))
    assert counted == [n, n]
    assert big.stat().st_size > 1_200_000 and (tmp_path / "dot.bin").stat().st_size == 21 * n
    assert ndjson_peak < 200_000 and bin_peak < 200_000, (ndjson_peak, bin_peak)


def test_import_is_all_or_nothing_unless_skip_bad(sample_dir, tmp_path):
    bad = write_lines(tmp_path / "cat.ndjson", [GOOD, GOOD.replace('"7"', '"8"'), "{broken"])
    with Store(tmp_path / "t.db") as store:
        with pytest.raises(FormatError, match="line 3"):
            formats.import_file(store, bad)
        assert store.count_drawings() == 0
        result = formats.import_file(store, bad, skip_bad=True)
        assert (result.read, result.written, result.skipped_bad, result.duplicates) == (2, 2, 1, 0)
        cake = formats.import_file(store, sample_dir / "cake.ndjson")
        again = formats.import_file(store, sample_dir / "cake.ndjson")
        assert (cake.written, again.written, again.duplicates) == (100, 0, 100)
        assert store.count_drawings() == 102
        with pytest.raises(FormatError, match="holds 28x28 bitmaps, not strokes"):
            formats.import_file(store, sample_dir / "alarm clock.npy")

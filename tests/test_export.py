"""Tests for model/export.py and model/datasheet.py: Quick, Draw! files from real SQLite stores."""
import json
import re
import tracemalloc

import numpy as np
import pytest

from model import export, strokes
from model.quickdraw import formats
from model.__main__ import main
from model.export import ExportSettings
from model.quickdraw.records import google_key_id
from model.store import Store

# Timed strokes as the game records them (canvas pixels, ms since the first point).
CAT = [[[110, 220, 330.5], [140, 250, 140], [0, 16, 33]], [[225, 260], [160, 161], [400, 420]]]
CAT2 = [[[10, 400, 700], [40, 500, 40], [0, 50, 90]]]
DOG = [[[300, 320, 340, 600], [200, 260, 200, 210], [0, 30, 60, 95]]]
# Google's "2017-03-28 15:28:41.97015 UTC": a fraction of a second without trailing zeros, if any.
GOOGLE_TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{0,5}[1-9])? UTC")


def make_store(path, sample_dir=None, games=1):
    """A store with the sample's cat and cake imported, `games` consented game sessions, an empty
    drawing, and a session marked as not consented (which the store itself never writes)."""
    with Store(path) as store:
        if sample_dir is not None:
            formats.import_file(store, sample_dir / "cat.ndjson")
            formats.import_file(store, sample_dir / "cake.ndjson")
        for _ in range(games):
            session = store.start_session(locale="fr", kiosk="hall")
            store.save_drawing(session, "cat", CAT, True, 420, 1500, [(300, [("cat", 0.7), ("dog", 0.2)])])
            store.save_drawing(session, "cat", CAT2, False, None, 20000, [])
            store.save_drawing(session, "dog", DOG, True, 95, 900, [(95, [("dog", 0.9)])])
            store.save_drawing(session, "dog", [], False, None, 20000, [])
        conn = store.db.conn
        session_id = conn.execute("INSERT INTO sessions (code, started_at, consent, source) VALUES "
                                  "('ZZZ-ZZZZ', '2024-01-01T00:00:00.000+00:00', 0, 'game')").lastrowid
        conn.execute("INSERT INTO drawings (key, session_id, word, drawing, recognized, created_at) VALUES "
                     "('no-consent-key', ?, 'cat', '[[[1,2],[3,4]]]', 1, '2024-01-01T00:00:00.000+00:00')",
                     (session_id,))
        conn.commit()
        codes = [row["code"] for row in store.db["sessions"].rows]
        # By the key_id an export writes: the stored one, derived from the key (the row written
        # above by hand has none; its key_id is derived the same way).
        keys = {row["key_id"] or google_key_id(row["key"]): row for row in store.db["drawings"].rows}
    return codes, keys


def read(path):
    return list(formats.read_drawings(path))


@pytest.fixture
def exported(sample_dir, tmp_path):
    db = tmp_path / "kiosk.db"
    codes, keys = make_store(db, sample_dir)
    result = export.export([db], tmp_path / "out")
    return result, codes, keys, sample_dir


def test_files_follow_googles_layout_and_names(exported):
    result, _, _, _ = exported
    out = result.out
    expected = {f"{folder}/{word}{suffix}" for word in ("cake", "cat", "dog")
                for folder, suffix in export.LAYOUT.values()} | {"DATASHEET.md"}
    assert {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()} == expected
    assert sorted(result.categories) == ["cake", "cat", "dog"]


def test_raw_files_hold_googles_fields_and_the_recorded_strokes(exported):
    result, _, keys, sample_dir = exported
    cats = read(result.out / "raw" / "cat.ndjson")
    originals = read(sample_dir / "cat.ndjson")
    assert len(cats) == len(originals) + 2 == result.categories["cat"].drawings
    for original, record in zip(originals, cats):
        assert record["drawing"] == original["drawing"] and record["key_id"] == original["key_id"]
        assert record["countrycode"] == original["countrycode"] and record["recognized"] == original["recognized"]
        head, fraction = original["timestamp"].removesuffix(" UTC").split(".")
        fraction = fraction[:3].rstrip("0")  # the store keeps milliseconds; Google drops trailing zeros
        assert record["timestamp"] == head + (f".{fraction}" if fraction else "") + " UTC"
        assert GOOGLE_TIME.fullmatch(record["timestamp"])
    game = cats[-2:]
    assert [r["drawing"] for r in game] == [CAT, CAT2] and [r["recognized"] for r in game] == [True, False]
    for record in game:
        assert record["countrycode"] == "" and GOOGLE_TIME.fullmatch(record["timestamp"])
        assert keys[record["key_id"]]["word"] == "cat"
    line = (result.out / "raw" / "cat.ndjson").read_text().splitlines()[-1]
    assert list(json.loads(line)) == ["word", "countrycode", "timestamp", "recognized", "key_id", "drawing"]
    assert '"countrycode":""' in line  # empty, a string as in Google's files


def test_only_consented_sessions_and_no_empty_drawings_are_exported(exported):
    result, _, keys, _ = exported
    all_keys = {r["key_id"] for path in result.out.glob("*/*.ndjson") for r in read(path)}
    assert google_key_id("no-consent-key") not in all_keys
    non_empty = {key for key, row in keys.items() if row["drawing"] != "[]" and row["key"] != "no-consent-key"}
    assert all_keys == non_empty
    dogs = read(result.out / "simplified" / "dog.ndjson")
    assert len(dogs) == 1 and result.categories["dog"].empty == 1


def test_erasure_codes_never_leave_the_database(exported):
    result, codes, _, _ = exported
    assert len(codes) == 4  # two imports, one game session, one refused
    files = [p for p in result.out.rglob("*") if p.is_file()]
    for code in codes:
        for spelling in (code, code.replace("-", ""), code.lower()):
            for path in files:
                assert spelling.encode() not in path.read_bytes(), (spelling, path)
    with np.load(result.out / "sketchrnn" / "cat.npz", allow_pickle=True, encoding="latin1") as npz:
        assert set(npz.files) == {"train", "valid", "test"}  # nothing but strokes in the archive


def test_simplified_bitmaps_and_stroke3_derive_from_the_same_drawings(exported):
    result, _, _, sample_dir = exported
    simplified = read(result.out / "simplified" / "cat.ndjson")
    originals = read(sample_dir / "cat.ndjson")
    assert [r["drawing"] for r in simplified[:-2]] == [r["drawing"] for r in originals]  # kept as they are
    assert [r["drawing"] for r in simplified[-2:]] == [strokes.simplify(CAT), strokes.simplify(CAT2)]
    assert formats.detect_format(result.out / "simplified" / "cat.ndjson") == formats.SIMPLIFIED_NDJSON
    bitmaps = np.load(result.out / "numpy_bitmap" / "cat.npy")
    assert bitmaps.shape == (len(simplified), 784) and bitmaps.dtype == np.uint8
    for row, record in zip(bitmaps, simplified):
        assert np.array_equal(row, strokes.rasterize(record["drawing"]).ravel())
    by_split = {}
    for record in read(result.out / "sketchrnn" / "cat.npz"):
        by_split.setdefault(record["split"], []).append(record["drawing"])
    expected = {}
    for record in simplified:
        expected.setdefault(export.stable_split(record["key_id"]), []).append(record["drawing"])
    assert by_split == expected


def test_stable_split_keeps_googles_proportions():
    splits = [export.stable_split(str(key)) for key in range(20000)]
    assert 0.88 < splits.count("train") / 20000 < 0.92 and splits.count("valid") > 800 and splits.count("test") > 800
    assert export.stable_split("abc") == export.stable_split("abc")


def test_several_databases_export_once_each_drawing(sample_dir, tmp_path):
    make_store(tmp_path / "a.db", sample_dir)
    make_store(tmp_path / "b.db", sample_dir, games=2)  # the same Google file, other players
    result = export.export([tmp_path / "a.db", tmp_path / "b.db", tmp_path / "a.db"], tmp_path / "out",
                           ExportSettings(formats=("simplified",), categories=("cat",)))
    records = read(result.out / "simplified" / "cat.ndjson")
    keys = [r["key_id"] for r in records]
    assert len(keys) == len(set(keys)) == len(read(sample_dir / "cat.ndjson")) + 3 * 2
    assert result.categories["cat"].players == 6
    assert not (result.out / "raw").exists() and not list(result.out.glob(".*"))  # no stepping stone left


def test_bitmaps_alone_leave_no_simplified_file_behind(sample_dir, tmp_path):
    make_store(tmp_path / "a.db", sample_dir)
    export.export([tmp_path / "a.db"], tmp_path / "out", ExportSettings(formats=("npy",)))
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["DATASHEET.md", "numpy_bitmap"]


def test_datasheet_counts_licences_and_collection(exported, tmp_path):
    result, _, _, sample_dir = exported
    text = (result.out / "DATASHEET.md").read_text()
    n_cats = len(read(sample_dir / "cat.ndjson"))
    recognised = sum(r["recognized"] for r in read(sample_dir / "cat.ndjson")) + 1
    assert f"| cat | {n_cats + 2} | 2 | {n_cats} | {100 * recognised / (n_cats + 2):.1f} % |" in text
    assert "| dog | 1 | 1 | 0 | 100.0 % |" in text
    assert "Players' drawings (3): Creative Commons Attribution 4.0 International (CC BY 4.0" in text
    assert "Quick, Draw! dataset, Google" in text and "`cake.ndjson`, `cat.ndjson`" in text
    assert "20 seconds" in text and "pennydraw 0.1.0" in text and "guesses" in text
    assert "1 stored drawing(s) without any stroke" in text
    make_store(tmp_path / "players.db")
    again = export.export([tmp_path / "players.db"], tmp_path / "o2",
                          ExportSettings(formats=("raw",), licence="CC0 1.0 (public domain dedication)"))
    text = (again.out / "DATASHEET.md").read_text()
    assert "Players' drawings (3): CC0 1.0 (public domain dedication)" in text
    assert "Google, Inc." not in text  # nothing imported, so no Google attribution is claimed


def test_memory_does_not_grow_with_the_number_of_drawings(tmp_path):
    def peak(count):
        db = tmp_path / f"{count}.db"
        record = {"word": "cat", "recognized": True, "drawing": [[list(range(0, 250, 25)), [7] * 10]] * 3}
        with Store(db) as store:
            store.insert_imported(({**record, "key_id": str(k)} for k in range(count)), "big.ndjson")
        tracemalloc.start()
        try:
            export.export([db], tmp_path / f"out{count}", ExportSettings(formats=("raw", "simplified")))
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    small, large = peak(600), peak(3000)
    assert large < 1.3 * small + 100_000, (small, large)  # 5x the drawings, about the same memory


def test_unsafe_category_names_are_skipped_with_a_message_and_the_rest_exported(tmp_path, capsys):
    db = tmp_path / "a.db"
    long_name = "a" * 250
    with Store(db) as store:
        session = store.start_session()
        for word in ("../escape", "cat", long_name, " dog"):
            store.save_drawing(session, word, CAT, True, 1, 1, [])
    result = export.export([db], tmp_path / "out")
    assert list(result.categories) == ["cat"] and len(result.skipped) == 3
    assert all("cannot be used as a file name" in message for message in result.skipped)
    assert not (tmp_path / "escape.ndjson").exists() and not (tmp_path / "out" / "escape.ndjson").exists()
    assert sorted(p.name for p in (tmp_path / "out" / "raw").iterdir()) == ["cat.ndjson"]
    assert "../escape" in (tmp_path / "out" / "DATASHEET.md").read_text()  # the datasheet says what is missing
    assert main(["export", "--db", str(db), "--out", str(tmp_path / "cli")]) == 0
    out = capsys.readouterr().out
    assert out.count("skipped category") == 3 and "'../escape'" in out and "wrote 1 drawings in 1 categories" in out
    only_bad = tmp_path / "b.db"
    with Store(only_bad) as store:
        store.save_drawing(store.start_session(), "../x", CAT, True, 1, 1, [])
    assert main(["export", "--db", str(only_bad), "--out", str(tmp_path / "none")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot be used as a file name" in err and not (tmp_path / "none").exists()


@pytest.mark.parametrize("failure", ["ENOSPC on a file", "an error on the datasheet"])
def test_a_failed_export_leaves_no_partial_folder_and_the_old_export_intact(sample_dir, tmp_path, monkeypatch,
                                                                             capsys, failure):
    import errno
    db = tmp_path / "a.db"
    make_store(db, sample_dir)
    out = tmp_path / "out"
    main(["export", "--db", str(db), "--out", str(out), "--formats", "simplified"])
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert (out / "DATASHEET.md").exists() and len(before) == 4
    capsys.readouterr()
    calls = []
    if failure.startswith("ENOSPC"):
        real = export.write_npy

        def full_disk(path, records):
            calls.append(path)
            if len(calls) == 2:  # the second category: some files are written already
                raise OSError(errno.ENOSPC, "No space left on device", str(path))
            return real(path, records)
        monkeypatch.setattr(export, "write_npy", full_disk)
    else:
        def broken(*args):
            raise OSError(errno.EIO, "Input/output error")
        monkeypatch.setattr(export, "datasheet_text", broken)
    assert main(["export", "--db", str(db), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(out) in err and "left as it was" in err, err
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before  # the previous export, untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.db", "out"]  # no temporary folder left
    fresh = tmp_path / "fresh"
    calls.clear()
    assert main(["export", "--db", str(db), "--out", str(fresh)]) == 2
    assert not fresh.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["a.db", "out"]


def test_an_export_replaces_an_earlier_one_but_never_a_folder_of_other_files(sample_dir, tmp_path):
    db = tmp_path / "a.db"
    make_store(db, sample_dir)
    out = tmp_path / "out"
    export.export([db], out, ExportSettings(formats=("raw", "npz")))
    export.export([db], out, ExportSettings(formats=("simplified",), categories=("dog",)))
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == \
        ["DATASHEET.md", "simplified/dog.ndjson"]
    other = tmp_path / "photos"
    other.mkdir()
    (other / "holiday.jpg").write_bytes(b"not an export")
    with pytest.raises(ValueError, match="not an earlier export"):
        export.export([db], other)
    assert [p.name for p in other.iterdir()] == ["holiday.jpg"]
    empty = tmp_path / "empty"
    empty.mkdir()
    export.export([db], empty, ExportSettings(formats=("simplified",)))
    assert (empty / "DATASHEET.md").exists()


def test_cli_exports_and_refuses_bad_input_in_one_line(sample_dir, tmp_path, capsys):
    db = tmp_path / "a.db"
    make_store(db, sample_dir)
    out = tmp_path / "out"
    assert main(["export", "--db", str(db), "--out", str(out), "--formats", "simplified,npy",
                 "--categories", "dog", "cake"]) == 0
    assert "wrote 101 drawings in 2 categories as simplified, npy (4 files)" in capsys.readouterr().out
    assert sorted(p.name for p in (out / "simplified").iterdir()) == ["cake.ndjson", "dog.ndjson"]
    for args, message in [(["--formats", "raw,gif"], "unknown format gif"),
                          (["--categories", "unicorn"], "no consented drawings of 'unicorn'"),
                          (["--licence", " "], "licence must not be empty")]:
        assert main(["export", "--db", str(db), "--out", str(tmp_path / "bad"), *args]) == 2
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1
    assert not (tmp_path / "bad").exists()
    assert main(["export", "--db", str(tmp_path / "missing.db"), "--out", str(out)]) == 2
    assert "no database at" in capsys.readouterr().err and not (tmp_path / "missing.db").exists()


def test_help_shows_runnable_examples(capsys):
    with pytest.raises(SystemExit) as done:
        main(["export", "--help"])
    text = capsys.readouterr().out
    assert done.value.code == 0 and "examples:" in text and "python -m model export " in text

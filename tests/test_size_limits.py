"""The size limits of `model/strokes.py` hold at every way in, not only at the canvas: a file record
beyond them is refused by `import` and `convert` with its file and line (skipped with `--skip-bad`),
and `Store.save_drawing` refuses one too, also on its fast path for plain int lists (which once let a
70,000-point stroke into the store, and then crashed `convert ... x.bin` with a struct error)."""
from __future__ import annotations

import json

import pytest

from model import strokes
from model.__main__ import main
from model.store import Store


def long_stroke(points: int) -> list:
    return [[[i % 256 for i in range(points)], [(i * 7) % 256 for i in range(points)]]]


def write_ndjson(path, drawings) -> None:
    with open(path, "w") as out:
        for key, drawing in enumerate(drawings, 1):
            out.write(json.dumps({"word": "cat", "countrycode": "", "key_id": str(key), "recognized": True,
                                  "timestamp": "2017-03-28 15:28:41.97015 UTC", "drawing": drawing}) + "\n")


@pytest.fixture
def oversized_file(tmp_path):
    path = tmp_path / "cat.ndjson"
    write_ndjson(path, [long_stroke(10), long_stroke(strokes.MAX_STROKE_POINTS + 1), long_stroke(20)])
    return path


def test_import_refuses_a_record_beyond_the_limits_with_its_line_and_imports_nothing(oversized_file, tmp_path, capsys):
    db = tmp_path / "x.db"
    assert main(["import", str(oversized_file), "--db", str(db)]) == 2
    assert f"{oversized_file}, line 2: a stroke has 20,001 points" in capsys.readouterr().err
    with Store(db) as store:
        assert store.count_drawings() == 0


def test_import_skip_bad_skips_only_the_oversized_record(oversized_file, tmp_path, capsys):
    db = tmp_path / "x.db"
    assert main(["import", str(oversized_file), "--db", str(db), "--skip-bad"]) == 0
    assert "line 2: a stroke has 20,001 points" in capsys.readouterr().out
    with Store(db) as store:
        assert store.count_drawings() == 2


def test_convert_to_bin_says_which_record_is_too_large_instead_of_a_struct_error(tmp_path, capsys):
    source = tmp_path / "cat.ndjson"
    write_ndjson(source, [long_stroke(70_000)])  # more than a .bin stroke's uint16 point count
    assert main(["convert", str(source), str(tmp_path / "cat.bin")]) == 2
    assert "line 1: a stroke has 70,000 points" in capsys.readouterr().err
    assert not (tmp_path / "cat.bin").exists()


@pytest.mark.parametrize("drawing", [
    long_stroke(strokes.MAX_STROKE_POINTS + 1),                      # plain int lists: the fast path
    [[[float(x) for x in xs], ys] for xs, ys in long_stroke(strokes.MAX_STROKE_POINTS + 1)],
    long_stroke(10) * (strokes.MAX_STROKES + 1),
])
def test_the_store_refuses_a_drawing_beyond_the_limits(tmp_path, drawing):
    with Store(tmp_path / "x.db") as store:
        session = store.start_session()
        with pytest.raises(strokes.DrawingTooLarge):
            store.save_drawing(session, "cat", drawing, False, None, 1000)
        assert store.count_drawings() == 0

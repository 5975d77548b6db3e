"""Tests for model/stats.py: per-category numbers of a store and of Quick, Draw! files, table and plot."""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from model import stats
from model.quickdraw import formats
from model.__main__ import main
from model.store import Store

REPO_ROOT = Path(__file__).resolve().parents[1]
TWO_STROKES = [[[0, 5], [0, 5], [0, 300]], [[9, 9], [1, 2], [900, 1000]]]
ONE_STROKE = [[[0, 5, 9], [0, 5, 2], [0, 100, 2500]]]


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "p.db"
    with Store(path) as store:
        session = store.start_session()
        store.save_drawing(session, "cat", TWO_STROKES, True, 800, 1000, [])
        store.save_drawing(session, "cat", ONE_STROKE, False, None, 3000, [])
        store.save_drawing(session, "dog", ONE_STROKE, True, 500, 2000, [])
        # Imported, simplified: no duration, so it counts for strokes and recognition only.
        store.insert_imported([{"word": "dog", "key_id": "1", "recognized": False,
                                "drawing": [[[0, 255], [0, 0]]] * 4}], "dog.ndjson")
    return path


def test_store_statistics_match_hand_computed_values(db):
    cat, dog = stats.db_stats(db)
    assert (cat.category, cat.drawings, cat.mean_seconds, cat.mean_strokes, cat.recognized_rate) == \
        ("cat", 2, 2.0, 1.5, 0.5)
    assert (dog.category, dog.drawings, dog.mean_seconds, dog.mean_strokes, dog.recognized_rate) == \
        ("dog", 2, 2.0, 2.5, 0.5)


def test_file_statistics_use_what_each_format_carries(tmp_path, sample_dir):
    folder = tmp_path / "files"
    folder.mkdir()
    records = [{"word": "cat", "recognized": True, "drawing": TWO_STROKES},
               {"word": "cat", "recognized": False, "drawing": ONE_STROKE},
               {"word": "cat", "drawing": ONE_STROKE}]  # no recognized flag
    (folder / "cat.ndjson").write_text("".join(json.dumps(r) + "\n" for r in records))
    formats.write_npy(folder / "cat.npy", [{"drawing": TWO_STROKES}] * 5)  # bitmaps: counted only
    cake = list(formats.read_drawings(sample_dir / "cake.ndjson"))
    formats.write_bin(folder / "cake.bin", cake)
    by_name = {s.category: s for s in stats.dir_stats(folder)}
    cat = by_name["cat"]
    assert (cat.drawings, cat.mean_seconds, cat.mean_strokes, cat.recognized_rate) == (8, 2.0, 4 / 3, 0.5)
    expected_strokes = sum(len(r["drawing"]) for r in cake) / len(cake)
    assert by_name["cake"].drawings == len(cake) and by_name["cake"].mean_seconds is None
    assert by_name["cake"].mean_strokes == pytest.approx(expected_strokes)
    assert by_name["cake"].recognized_rate == pytest.approx(sum(r["recognized"] for r in cake) / len(cake))


def test_the_sample_folder_adds_ndjson_and_npy_of_a_category(sample_dir):
    table = {s.category: s for s in stats.dir_stats(sample_dir)}
    assert len(table) == 345
    cats = list(formats.read_drawings(sample_dir / "cat.ndjson"))
    assert table["cat"].drawings == len(cats) + len(np.load(sample_dir / "cat.npy"))
    assert table["cat"].mean_strokes == pytest.approx(np.mean([len(r["drawing"]) for r in cats]))


def test_table_is_aligned_with_a_total_row(db):
    text = stats.format_table(stats.db_stats(db))
    lines = text.splitlines()
    assert lines[0].split() == ["category", "drawings", "mean", "time", "(s)", "mean", "strokes", "recognised"]
    assert len({len(line) for line in lines}) == 1
    assert lines[2].split() == ["cat", "2", "2.0", "1.5", "50.0", "%"]
    assert lines[-1].split() == ["total", "4", "2.0", "2.0", "50.0", "%"]
    assert stats.format_table([stats.CategoryStats("npy", drawings=3)]).splitlines()[2].split() == \
        ["npy", "3", "-", "-", "-"]


def test_plot_writes_a_png(db, tmp_path, capsys):
    out = tmp_path / "stats.png"
    assert main(["stats", "--db", str(db), "--plot", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 5000
    assert f"wrote {out}" in capsys.readouterr().out
    with pytest.raises(ValueError, match="PNG"):
        stats.plot_stats(stats.db_stats(db), tmp_path / "stats.jpg")


def test_bad_input_is_one_line_with_exit_2(tmp_path, capsys):
    (tmp_path / "export" / "simplified").mkdir(parents=True)
    for args, message in [(["--db", str(tmp_path / "missing.db")], "no database at"),
                          (["--dir", str(tmp_path / "export")], "give one of them"),
                          (["--dir", str(tmp_path / "nowhere")], "no folder at")]:
        assert main(["stats", *args]) == 2
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1
    assert not (tmp_path / "missing.db").exists()
    with pytest.raises(SystemExit) as usage:
        main(["stats", "--db", "a.db", "--dir", "b"])
    assert usage.value.code == 2 and "not allowed with" in capsys.readouterr().err


def test_the_command_line_does_not_import_matplotlib():
    code = "import sys, model.__main__; print('matplotlib' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT,
                          env=dict(os.environ, PYTHONPATH=str(REPO_ROOT)), timeout=60)
    assert done.stdout.strip() == "False", done.stderr


def test_help_shows_runnable_examples(capsys):
    with pytest.raises(SystemExit) as done:
        main(["stats", "--help"])
    text = capsys.readouterr().out
    assert done.value.code == 0 and "examples:" in text and "python -m model stats " in text

"""Tests for `python -m model` (model/__main__.py): import, convert, forget, help and bad input."""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from model.quickdraw import formats
from model.__main__ import main
from model.store import Store

from model.strokes import simplify

REPO_ROOT = Path(__file__).resolve().parents[1]


def run_module(*args, cwd=None):
    """The real command line, in a child process (proves `python -m model` works and never tracebacks)."""
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    return subprocess.run([sys.executable, "-m", "model", *map(str, args)], capture_output=True,
                          text=True, env=env, cwd=cwd or REPO_ROOT, timeout=60)


def test_help_lists_the_subcommands():
    done = run_module("--help")
    assert done.returncode == 0
    for command in ("import", "convert", "forget"):
        assert command in done.stdout


@pytest.mark.parametrize("args", [["bogus"], ["import"], ["convert", "only-one.ndjson"], []])
def test_usage_errors_exit_2_with_one_line(args, capsys):
    with pytest.raises(SystemExit) as caught:
        main(args)
    err = capsys.readouterr().err
    assert caught.value.code == 2 and err.count("\n") == 1 and "error:" in err


def test_import_prints_counts_and_fills_the_store(sample_dir, tmp_path, capsys):
    db = tmp_path / "p.db"
    files = [sample_dir / "cake.ndjson", sample_dir / "alarm clock.ndjson"]
    assert main(["import", *map(str, files), "--db", str(db)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"{files[0]}: imported 100, skipped-bad 0, duplicates 0, ")
    assert out[1].startswith(f"{files[1]}: imported 2, skipped-bad 0, duplicates 0, ")
    assert main(["import", str(files[0]), "--db", str(db)]) == 0
    assert "imported 0, skipped-bad 0, duplicates 100" in capsys.readouterr().out
    with Store(db) as store:
        assert store.count_drawings() == 102 and store.count_drawings("alarm clock") == 2


def test_a_bad_file_imports_nothing_unless_skip_bad(tmp_path, capsys):
    good = {"word": "cat", "recognized": True, "drawing": [[[0, 9], [3, 4]]]}
    path = tmp_path / "cat.ndjson"
    path.write_text("\n".join([json.dumps(good), '{"word": "cat", "drawing": [[[1, 2], [3]]]}',
                               json.dumps(good | {"key_id": "99"})]) + "\n")
    db = tmp_path / "p.db"
    assert main(["import", str(path), "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert "nothing imported" in err and "cat.ndjson, line 2" in err
    with Store(db) as store:
        assert store.count_drawings() == 0
    assert main(["import", str(path), "--db", str(db), "--skip-bad"]) == 0
    out = capsys.readouterr().out
    assert "imported 2, skipped-bad 1, duplicates 0" in out and "skipped: " in out and "line 2" in out
    with Store(db) as store:
        assert store.count_drawings() == 2


def test_npy_files_are_refused_for_import(sample_dir, tmp_path):
    done = run_module("import", sample_dir / "alarm clock.npy", "--db", tmp_path / "p.db")
    assert done.returncode == 2 and "bitmaps, not strokes" in done.stderr and "Traceback" not in done.stderr


def test_convert_between_formats(sample_dir, tmp_path, capsys):
    source = sample_dir / "monkey.ndjson"
    for target in ("monkey.bin", "monkey.npz", "monkey.npy", "back.ndjson"):
        origin = tmp_path / "monkey.bin" if target == "back.ndjson" else source
        assert main(["convert", str(origin), str(tmp_path / target)]) == 0
        assert f"{tmp_path / target}: wrote 100 drawings" in capsys.readouterr().out
    original = list(formats.read_drawings(source))
    back = list(formats.read_drawings(tmp_path / "back.ndjson"))
    assert [r["drawing"] for r in back] == [r["drawing"] for r in original]
    assert [r["key_id"] for r in back] == [r["key_id"] for r in original]
    assert np.load(tmp_path / "monkey.npy").shape == (100, 784)


def test_convert_with_simplify_writes_simplified_ndjson(tmp_path, capsys):
    raw = tmp_path / "raw.ndjson"
    drawing = [[[100, 700, 1300], [50, 350, 50], [0, 40, 90]]]
    raw.write_text(json.dumps({"word": "cat", "drawing": drawing}) + "\n")
    assert main(["convert", str(raw), str(tmp_path / "raw.bin")]) == 2
    assert "integer coordinates 0-255" in capsys.readouterr().err
    assert main(["convert", str(raw), str(tmp_path / "simple.ndjson"), "--simplify"]) == 0
    (record,) = formats.read_drawings(tmp_path / "simple.ndjson")
    assert formats.detect_format(tmp_path / "simple.ndjson") == formats.SIMPLIFIED_NDJSON
    assert record["drawing"] == simplify(drawing)
    (xs, ys), = record["drawing"]
    assert (xs[0], ys[0], xs[-1], ys[-1]) == (0, 0, 255, 0) and 63 <= max(ys) <= 64  # 1200 wide -> 255


def test_convert_reports_unreadable_input_in_one_line(tmp_path):
    done = run_module("bogus")
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    done = run_module("convert", tmp_path / "missing.ndjson", tmp_path / "out.bin")
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "missing.ndjson" in done.stderr
    done = run_module("convert", tmp_path / "missing.ndjson", tmp_path / "out.txt")
    assert done.returncode == 2 and "cannot write '.txt'" in done.stderr


def test_forget_erases_a_session_by_its_code(tmp_path, capsys):
    db = tmp_path / "p.db"
    with Store(db) as store:
        session = store.start_session()
        store.save_drawing(session, "cat", [[[0, 9], [3, 4]]], True, 900, 1500, [(900, [("cat", 0.9)])])
        assert store.count_drawings() == 1
    assert main(["forget", session.code.lower().replace("-", ""), "--db", str(db)]) == 0
    assert "1 drawing" in capsys.readouterr().out
    with Store(db) as store:
        assert store.count_drawings() == 0
    assert main(["forget", session.code, "--db", str(db)]) == 0
    assert "nothing erased" in capsys.readouterr().out
    assert main(["forget", "hello", "--db", str(db)]) == 0
    assert "not an erasure code" in capsys.readouterr().out

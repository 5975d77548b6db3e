"""Errors a user can read (issue 16, finding 8): one line naming the file and line, never a traceback,
for deeply nested JSON, timestamps that are not text, and records the store refuses; `--skip-bad`
skips those too and says where they were."""
import json

import pytest

from model.__main__ import main
from model.quickdraw import formats
from model.store import Store

GOOD = {"word": "cat", "recognized": True, "timestamp": "2017-03-28 15:28:41.97015 UTC",
        "drawing": [[[0, 9], [3, 4]]]}


def write_lines(path, *lines):
    path.write_text("\n".join(lines) + "\n")
    return path


def bad_lines():
    """(what, line) pairs: each line one record that must be refused with a readable message."""
    nested = '{"word": "cat", "drawing": ' + "[" * 100_000 + "]" * 100_000 + "}"
    return [
        ("nested too deeply", nested),
        ("timestamp", json.dumps(GOOD | {"timestamp": 1490714921})),
        ("timestamp", json.dumps(GOOD | {"timestamp": {"seconds": 1490714921}})),
        ("not an ISO 8601 time", json.dumps(GOOD | {"timestamp": "yesterday at noon"})),       # store step
        ("too large", json.dumps(GOOD | {"drawing": [[[10**400, 1], [3, 4]]]})),               # store step
        ("has no word", json.dumps(GOOD | {"word": ""})),                                    # store step
    ]


@pytest.mark.parametrize("what, line", bad_lines(), ids=[what for what, _ in bad_lines()])
def test_one_bad_record_is_one_line_with_file_and_line(tmp_path, capsys, what, line):
    path = write_lines(tmp_path / "cat.ndjson", json.dumps(GOOD), line, json.dumps(GOOD | {"key_id": "7"}))
    db = tmp_path / "p.db"
    assert main(["import", str(path), "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert f"{path}, line 2: " in err and what in err, err
    with Store(db) as store:
        assert store.count_drawings() == 0  # all or nothing
    assert main(["import", str(path), "--db", str(db), "--skip-bad"]) == 0
    out = capsys.readouterr().out
    assert "imported 2, skipped-bad 1, duplicates 0" in out and f"skipped: {path}, line 2: " in out, out
    with Store(db) as store:
        assert store.count_drawings() == 2


def test_convert_names_the_line_of_a_deeply_nested_record(tmp_path, capsys):
    _, nested = bad_lines()[0]
    path = write_lines(tmp_path / "cat.ndjson", json.dumps(GOOD), nested)
    assert main(["convert", str(path), str(tmp_path / "cat.bin")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{path}, line 2: " in err and "nested too deeply" in err
    assert not (tmp_path / "cat.bin").exists()
    assert main(["convert", str(path), str(tmp_path / "cat.bin"), "--skip-bad"]) == 0
    assert len(list(formats.read_drawings(tmp_path / "cat.bin"))) == 1


def test_store_step_skips_in_a_bin_file_name_the_record(tmp_path, sample_dir):
    """A .bin record has no line: the skip message names the record and its byte offset."""
    source = sample_dir / "cake.ndjson"
    records = [record | {"timestamp": None} for record in formats.read_drawings(source)][:3]
    path = tmp_path / "cat.bin"
    formats.write_bin(path, records)
    with Store(tmp_path / "p.db") as store:
        real = store.insert_imported
        calls = []

        def refuse_second(records, source, on_bad=None):
            def checked():
                for number, record in enumerate(records, 1):
                    if number == 2:
                        record = record | {"timestamp": "not a time"}
                    calls.append(number)
                    yield record
            return real(checked(), source, on_bad=on_bad)

        store.insert_imported = refuse_second
        with pytest.raises(formats.FormatError, match=r"cat\.bin, record 1 at byte \d+: .*not an ISO"):
            formats.import_file(store, path)
        result = formats.import_file(store, path, skip_bad=True)
        assert (result.written, result.skipped_bad) == (2, 1)
        assert result.errors and "cat.bin, record 1 at byte" in result.errors[0]


def test_streaming_decode_refuses_a_deeply_nested_line_as_a_bad_record():
    from model.quickdraw.stream_records import decode
    _, nested = bad_lines()[0]
    with pytest.raises(ValueError, match="nested too deeply"):
        decode("json", nested.encode(), "cat")

"""Tests for model/store/merge.py: kiosk stores merged into one, on real SQLite files, with no duplicates."""
import sqlite3

import pytest

from model.store import merge
from model.quickdraw import formats
from model.__main__ import main
from model.store import Store, StoreError

CAT = [[[10, 20, 30], [40, 50, 40], [0, 16, 33]], [[25, 26], [60, 61], [400, 420]]]
DOG = [[[5, 90, 7], [3, 4, 80], [0, 30, 70]]]


def play(store, games=1, word="cat"):
    """`games` consented sessions of two drawings each, with guesses; returns their codes."""
    codes = []
    for number in range(games):
        session = store.start_session(kiosk="hall")
        store.save_drawing(session, word, CAT, True, 420, 1500 + number,
                           [(200, [(word, 0.6), ("dog", 0.3)]), (420, [(word, 0.9)])])
        store.save_drawing(session, "dog", DOG, False, None, 20000, [(900, [("cat", 0.5)])])
        codes.append(session.code)
    return codes


def row_counts(path):
    with Store(path) as store:
        return {table: store.db[table].count for table in ("sessions", "drawings", "guesses", "models")}


def content(path):
    """Everything that must survive a merge, keyed by what is stable: drawing key -> (session code,
    word, strokes, recognized, times, guesses)."""
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT d.key, s.code, s.source, d.word, d.drawing, d.recognized, d.guessed_at_ms, "
                            "d.duration_ms, d.created_at, d.countrycode, d.id FROM drawings d "
                            "JOIN sessions s ON s.id = d.session_id").fetchall()
        guesses = {key: conn.execute("SELECT t_ms, guesses FROM guesses WHERE drawing_id = ? ORDER BY id",
                                     (drawing_id,)).fetchall() for key, *_, drawing_id in rows}
    return {row[0]: (*row[1:-1], guesses[row[0]]) for row in rows}


@pytest.fixture
def kiosks(sample_dir, tmp_path):
    """Two kiosks that both imported the sample's cat file and had their own players and models."""
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    with Store(a) as store:
        formats.import_file(store, sample_dir / "cat.ndjson")
        play(store, games=2)
        store.record_model("v1", "assets/model.pt", 3000, {"accuracy": 0.8})
    with Store(b) as store:
        formats.import_file(store, sample_dir / "cat.ndjson")
        formats.import_file(store, sample_dir / "dog.ndjson")
        play(store, games=3, word="cake")
        store.record_model("v1", "assets/model.pt", 3000, {"accuracy": 0.8})
        store.record_model("v2", "runs/v2.pt", 5000, {"accuracy": 0.85})
    return a, b


def test_merge_keeps_every_row_once_with_its_guesses(kiosks, sample_dir, tmp_path):
    a, b = kiosks
    out = tmp_path / "all.db"
    results = merge.merge(out, [a, b])
    n_cat, n_dog = (len(list(formats.read_drawings(sample_dir / f"{w}.ndjson"))) for w in ("cat", "dog"))
    assert [r.drawings for r in results] == [n_cat + 4, n_dog + 6]
    assert [r.already_there for r in results] == [0, n_cat]
    assert [r.sessions for r in results] == [3, 4]  # b's cat import would be empty: not copied
    assert [r.guesses for r in results] == [2 * 3, 3 * 3] and [r.models for r in results] == [1, 1]
    assert row_counts(out) == {"sessions": 7, "drawings": n_cat + n_dog + 10, "guesses": 15, "models": 2}
    merged, expected = content(out), content(a) | content(b)
    assert set(merged) == set(expected)
    for key, row in merged.items():
        if row[1] == "game":  # players' drawings: same session code, strokes, times and guesses
            assert row == expected[key]
        else:  # imported ones: the first kiosk's copy
            assert row == content(a).get(key, expected[key])


def test_merging_again_changes_nothing(kiosks, tmp_path, capsys):
    a, b = kiosks
    out = tmp_path / "all.db"
    merge.merge(out, [a, b])
    once, snapshot = row_counts(out), content(out)
    again = merge.merge(out, [a, b])
    assert not any(r.changed for r in again)
    merge.merge(out, [a])
    assert row_counts(out) == once and content(out) == snapshot
    assert main(["merge", str(out), str(a)]) == 0
    assert "nothing new" in capsys.readouterr().out


def test_new_drawings_on_a_kiosk_arrive_with_the_next_merge(kiosks, tmp_path):
    a, b = kiosks
    out = tmp_path / "all.db"
    merge.merge(out, [a, b])
    before = row_counts(out)
    with Store(a) as store:
        (code,) = play(store, games=1, word="tree")
    (result,) = merge.merge(out, [a])
    assert (result.sessions, result.drawings, result.guesses) == (1, 2, 3)
    assert row_counts(out)["drawings"] == before["drawings"] + 2
    with Store(out) as store:  # the player's code works on the merged store too
        assert store.forget(code) == 2
        assert store.count_drawings("tree") == 0
    assert row_counts(out) == before


def test_models_merge_by_version_with_one_active(kiosks, tmp_path):
    a, b = kiosks
    out = tmp_path / "all.db"
    merge.merge(out, [b, a])
    with Store(out) as store:
        models = store.models()
    assert [m["version"] for m in models] == ["v1", "v2"]
    assert [m["version"] for m in models if m["active"]] == ["v2"]  # b's active model
    assert models[1]["metrics"] == {"accuracy": 0.85} and models[1]["examples"] == 5000


def test_sessions_without_consent_stay_behind(tmp_path):
    source, out = tmp_path / "k.db", tmp_path / "all.db"
    with Store(source) as store:
        play(store)
        conn = store.db.conn
        session_id = conn.execute("INSERT INTO sessions (code, started_at, consent, source) VALUES "
                                  "('ZZZ-ZZZZ', '2024-01-01T00:00:00.000+00:00', 0, 'game')").lastrowid
        conn.execute("INSERT INTO drawings (key, session_id, word, drawing, recognized, created_at) VALUES "
                     "('refused', ?, 'cat', '[[[1,2],[3,4]]]', 1, '2024-01-01T00:00:00.000+00:00')",
                     (session_id,))
        conn.commit()
    merge.merge(out, [source])
    assert "refused" not in content(out) and row_counts(out)["sessions"] == 1


def test_bad_inputs_are_refused_before_out_is_created(tmp_path, capsys):
    out = tmp_path / "all.db"
    with pytest.raises(FileNotFoundError, match="no database at"):
        merge.merge(out, [tmp_path / "missing.db"])
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE notes (text)")
    with pytest.raises(StoreError, match="some other program"):
        merge.merge(out, [other])
    assert not out.exists()
    with Store(out) as store:
        play(store)
    with pytest.raises(ValueError, match="the output itself"):
        merge.merge(out, [out])
    assert main(["merge", str(tmp_path / "x.db"), str(tmp_path / "missing.db")]) == 2
    err = capsys.readouterr().err
    assert "no database at" in err and err.count("\n") == 1
    with pytest.raises(SystemExit) as usage:  # no input: a usage error
        main(["merge", str(out)])
    assert usage.value.code == 2 and "required: IN.db" in capsys.readouterr().err


def test_cli_prints_what_each_input_added(kiosks, tmp_path, capsys):
    a, b = kiosks
    out = tmp_path / "all.db"
    assert main(["merge", str(out), str(a), str(b)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"{a}: added 3 session(s), ") and "6 guess snapshot(s), 1 model(s)" in lines[0]
    assert lines[1].startswith(f"{b}: added 4 session(s), ") and lines[2].startswith(f"{out}: 7 session(s)")


def test_help_shows_runnable_examples(capsys):
    with pytest.raises(SystemExit) as done:
        main(["merge", "--help"])
    text = capsys.readouterr().out
    assert done.value.code == 0 and "examples:" in text and "python -m model merge " in text


def test_an_erasure_on_a_kiosk_travels_with_the_next_merge(kiosks, tmp_path):
    a, b = kiosks
    out = tmp_path / "all.db"
    with Store(a) as store:
        (code,) = play(store, games=1, word="tree")
    merge.merge(out, [a, b])
    with Store(out) as store:
        assert store.count_drawings("tree") == 1  # and a dog
    with Store(a) as store:  # the player erases on the kiosk, after the merge
        assert store.forget(code) == 2
    (result,) = merge.merge(out, [a])
    assert (result.erased, result.kept_out) == (2, 0)
    with Store(out) as store:
        assert store.count_drawings("tree") == 0
        assert store.db.execute("SELECT count(*) FROM sessions WHERE code = ?", [code]).fetchone()[0] == 0
    assert "erased by players' codes: 2 drawing(s) removed" in merge.summary(result)


def test_a_code_erased_on_the_merged_store_never_comes_back(kiosks, tmp_path):
    a, b = kiosks
    out = tmp_path / "all.db"
    with Store(a) as store:
        (code,) = play(store, games=1, word="tree")
    merge.merge(out, [a, b])
    with Store(out) as store:
        assert store.forget(code) == 2
    before = row_counts(out)
    for _ in range(2):  # the kiosk still holds the session: merging it again must not restore it
        (result,) = merge.merge(out, [a])
        assert (result.drawings, result.sessions, result.kept_out) == (0, 0, 2)
    assert row_counts(out) == before
    with Store(out) as store:
        assert store.count_drawings("tree") == 0


def test_erasing_before_the_kiosk_was_ever_merged_still_works(kiosks, tmp_path):
    a, _ = kiosks
    out = tmp_path / "all.db"
    with Store(a) as store:
        (code,) = play(store, games=1, word="tree")
    with Store(out) as store:  # the player asks the organisers before the data was collected
        assert store.forget(code) == 0
    merge.merge(out, [a])
    with Store(out) as store:
        assert store.count_drawings("tree") == 0
        assert store.count_drawings() > 0  # the kiosk's other visitors did arrive

"""Tests for model/store/store.py: saving drawings (sessions, keys, consent, crashes, a full disk), importing
them, a closed store. Real SQLite files in tmp dirs, plus an in-memory store for the quick ones (opening:
test_store_open.py; reading, erasing and the models table: test_store_reading.py)."""

import os
import re
import signal
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest

from model.store import codec as store_codec
from model.store import store as store_module
from model.store import Session, Store, StoreError
from store_fixtures import CAT, CODE_PATTERN, GUESSES, ROOT, google_record, row_counts, sample_records, save


# ---- the game ----------------------------------------------------------------------------------

def test_session_codes_are_unique_and_easy_to_read(memory_store):
    sessions = [memory_store.start_session(locale="fr", kiosk="museum-2") for _ in range(200)]
    assert all(CODE_PATTERN.fullmatch(s.code) for s in sessions)
    assert len({s.code for s in sessions}) == 200
    row = memory_store.db["sessions"].get(sessions[0].id)
    assert (row["locale"], row["kiosk"], row["consent"], row["source"]) == ("fr", "museum-2", 1, "game")
    assert datetime.fromisoformat(row["started_at"]).tzinfo == timezone.utc


def test_save_and_read_back(memory_store):
    session = memory_store.start_session()
    drawing_id = save(memory_store, session)
    (drawing,) = memory_store.drawings()
    assert drawing["id"] == drawing_id and drawing["session_id"] == session.id
    assert drawing["drawing"] == CAT and drawing["word"] == "cat"
    assert drawing["recognized"] is True
    assert (drawing["guessed_at_ms"], drawing["duration_ms"], drawing["countrycode"]) == (420, 1500, None)
    assert re.fullmatch(r"[0-9a-f]{32}", drawing["key"])
    assert memory_store.guesses(drawing_id) == GUESSES
    odd_names = [(0.4, [('ice "cream"', 0.5), ("été", 0.123456789), ("0", 1)])]
    odd_id = save(memory_store, session, guesses=odd_names)
    assert memory_store.guesses(odd_id) == [(0, [('ice "cream"', 0.5), ("été", 0.123457), ("0", 1.0)])]


def test_drawing_is_stored_as_compact_json(memory_store):
    session = memory_store.start_session()
    floaty = [[[1.0, 2.5], [3.0, 4.0]], [[7, 8, 9], [1, 1, 1], [0.0, 10.0, 20.5]]]
    drawing_id = save(memory_store, session, drawing=floaty, guesses=())
    text = memory_store.db.execute("SELECT drawing FROM drawings WHERE id = ?", [drawing_id]).fetchone()[0]
    assert text == "[[[1,2.5],[3,4]],[[7,8,9],[1,1,1],[0,10,20.5]]]"
    numpy_drawing_id = save(memory_store, session, drawing=[np.array(CAT[0])], guesses=())
    text = memory_store.db.execute("SELECT drawing FROM drawings WHERE id = ?", [numpy_drawing_id]).fetchone()[0]
    assert text == "[[[10,20,30],[40,50,40],[0,16,33]]]"


@pytest.mark.parametrize("drawing", [
    [[[1, 2], [3]]],  # ragged
    [[[1, float("nan")], [3, 4]]],
    [[[1, 2]]],  # no ys
    "not a drawing",
    [[[True, 2], [3, 4]], [["a", "b"], [1, 2]]],
    [[[10**400, 2], [3, 4]]],  # no float can hold it
])
def test_bad_drawing_raises_and_writes_nothing(memory_store, drawing):
    session = memory_store.start_session()
    before = row_counts(memory_store)
    with pytest.raises(ValueError):
        save(memory_store, session, drawing=drawing)
    assert row_counts(memory_store) == before


def test_bad_guesses_or_word_raise_and_write_nothing(memory_store):
    session = memory_store.start_session()
    before = row_counts(memory_store)
    with pytest.raises(ValueError, match="guess"):
        save(memory_store, session, guesses=[(10, "cat")])
    with pytest.raises(ValueError, match="probabilities"):
        save(memory_store, session, guesses=[(10, [("cat", 1.5)])])
    with pytest.raises(ValueError, match="guess"):
        save(memory_store, session, guesses=[(float("inf"), [("cat", 0.5)])])
    with pytest.raises(ValueError, match="word"):
        save(memory_store, session, word="")
    with pytest.raises(ValueError, match="duration_ms"):
        save(memory_store, session, duration_ms=-5)
    with pytest.raises(ValueError, match="guessed_at_ms"):
        save(memory_store, session, guessed_at_ms=float("nan"))
    assert row_counts(memory_store) == before


def test_without_consent_no_byte_on_disk_changes(file_store):
    path = file_store.path
    save(file_store, file_store.start_session())  # the log holds something already
    files = [path, Path(f"{path}-wal")]
    before_bytes = [f.read_bytes() for f in files]
    before_counts = row_counts(file_store)
    session = file_store.start_session(locale="de", consent=False, kiosk="k1")
    assert session == Session(id=None, code=None, consent=False, locale="de", kiosk="k1")
    for _ in range(5):
        assert save(file_store, session) is None
    assert [f.read_bytes() for f in files] == before_bytes
    assert row_counts(file_store) == before_counts
    with pytest.raises(ValueError, match="never stored"):
        file_store.totals(session)


def test_saved_drawing_survives_sigkill_right_after_save(tmp_path):
    path = tmp_path / "killed.db"
    program = (
        "import sys, time\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from model.store import Store\n"
        f"store = Store({str(path)!r})\n"
        "session = store.start_session()\n"
        f"drawing_id = store.save_drawing(session, 'cat', {CAT!r}, True, 420, 1500, {GUESSES!r})\n"
        "print(drawing_id, session.code, flush=True)\n"
        "time.sleep(60)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", program], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        line = child.stdout.readline()
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(timeout=30)
        child.stdout.close()
    assert child.returncode == -signal.SIGKILL
    drawing_id, code = line.split()
    assert os.path.getsize(f"{path}-wal") > 0  # the commit lives in the log, not yet checkpointed
    with Store(path) as store:
        assert store.integrity_check() == "ok"
        (drawing,) = store.drawings()
        assert (drawing["id"], drawing["drawing"]) == (int(drawing_id), CAT)
        assert store.guesses(int(drawing_id)) == GUESSES
        assert store.forget(code) == 1


def test_disk_full_raises_store_error_and_loses_nothing(file_store):
    session = file_store.start_session()
    kept = save(file_store, session)
    before = row_counts(file_store)
    pages = file_store.db.execute("PRAGMA page_count").fetchone()[0]
    file_store.db.execute(f"PRAGMA max_page_count = {pages}")
    huge = [[list(range(5000)), list(range(5000))]]
    with pytest.raises(StoreError, match="full") as error:
        save(file_store, session, drawing=huge)
    assert str(file_store.path) in str(error.value)
    assert row_counts(file_store) == before
    assert [d["id"] for d in file_store.drawings()] == [kept]
    file_store.db.execute("PRAGMA max_page_count = 1073741823")
    assert save(file_store, session, drawing=huge) is not None
    assert file_store.integrity_check() == "ok"


def test_read_only_database_raises_store_error_and_loses_nothing(file_store):
    session = file_store.start_session()
    save(file_store, session)
    before = row_counts(file_store)
    file_store.db.execute("PRAGMA query_only = 1")
    with pytest.raises(StoreError, match="readonly"):
        save(file_store, session)
    with pytest.raises(StoreError):
        file_store.start_session()
    assert row_counts(file_store) == before


def test_two_stores_on_one_file_see_each_other(tmp_path):
    with Store(tmp_path / "p.db") as writer, Store(tmp_path / "p.db") as reader:
        drawing_id = save(writer, writer.start_session())
        assert [d["id"] for d in reader.drawings()] == [drawing_id]


def test_a_new_session_is_written_with_its_first_drawing_and_only_then(file_store):
    session = file_store.new_session(locale="nl")
    assert CODE_PATTERN.fullmatch(session.code) and session.id is None and session.started_at
    assert row_counts(file_store)["sessions"] == 0          # a game starts without writing anything
    drawing_id = save(file_store, session)
    row = file_store.db["sessions"].get(session.id)
    assert (row["code"], row["locale"], row["started_at"]) == (session.code, "nl", session.started_at)
    assert file_store.db["drawings"].get(drawing_id)["session_id"] == session.id
    replayed = Session(id=None, code=session.code, consent=True, locale="nl", started_at=session.started_at)
    save(file_store, replayed)                              # the same game, replayed after a crash
    assert replayed.id == session.id and row_counts(file_store)["sessions"] == 1
    assert file_store.new_session(consent=False) == Session(None, None, False, "en")


def test_a_drawing_saved_again_under_its_key_is_stored_once(file_store):
    session = file_store.new_session()
    first = file_store.save_drawing(session, "cat", CAT, True, 420, 1500, GUESSES, key="k" * 32)
    again = file_store.save_drawing(session, "cat", CAT, True, 420, 1500, GUESSES, key="k" * 32)
    assert first == again and row_counts(file_store)["drawings"] == 1
    assert file_store.guesses(first) == GUESSES              # its guesses once, too
    with pytest.raises(ValueError, match="key must be"):
        file_store.save_drawing(session, "cat", CAT, True, 420, 1500, key="")


def test_an_erased_session_or_drawing_is_never_written_again(file_store):
    session = file_store.new_session()
    save(file_store, session)
    kept = Session(id=None, code=session.code, consent=True, started_at=session.started_at)
    assert file_store.forget(session.code) == 1
    assert save(file_store, kept) is None                   # a journal replayed after the erasure
    other = file_store.new_session()
    key = file_store.db.execute("SELECT key FROM erasures WHERE key NOT LIKE 'code:%'").fetchone()[0]
    assert file_store.save_drawing(other, "cat", CAT, True, 1, 2, key=key) is None
    assert row_counts(file_store)["drawings"] == 0 and row_counts(file_store)["sessions"] == 0


def test_a_code_another_session_took_meanwhile_gets_a_fresh_one(file_store):
    session = file_store.new_session()
    taken = file_store.start_session()
    session.code = taken.code                              # a merge brought a session with this code
    session.started_at = "2020-01-01T00:00:00.000+00:00"
    save(file_store, session)
    assert session.code != taken.code and CODE_PATTERN.fullmatch(session.code)
    assert row_counts(file_store)["sessions"] == 2


# ---- importing ---------------------------------------------------------------------------------

def test_import_keeps_google_fields_and_skips_duplicates(file_store):
    records = sample_records("cat.ndjson")
    assert file_store.insert_imported(records, Path("/somewhere/cat.ndjson")) == len(records)
    (session,) = file_store.db["sessions"].rows
    assert (session["source"], session["consent"]) == ("import:cat.ndjson", 1)
    stored = list(file_store.drawings(word="cat"))
    assert [d["drawing"] for d in stored] == [r["drawing"] for r in records]
    assert [d["key"] for d in stored] == [r["key_id"] for r in records]
    assert [d["countrycode"] for d in stored] == [r["countrycode"] for r in records]
    assert [d["recognized"] for d in stored] == [r["recognized"] for r in records]
    assert stored[0]["created_at"] == store_codec.utc_iso(records[0]["timestamp"])
    assert file_store.insert_imported(records, "cat.ndjson") == 0
    assert file_store.db["sessions"].count == 1  # no empty session left behind
    assert file_store.insert_imported([google_record("new-1"), *records[:3]], "more.ndjson") == 1
    assert file_store.count_drawings() == len(records) + 1


def test_import_without_key_ids_is_also_idempotent(memory_store):
    records = sample_records("cake.ndjson")
    without = [r for r in records if "key_id" not in r]
    assert without, "cake.ndjson is expected to hold records without key_id"
    assert memory_store.insert_imported(records, "cake.ndjson") == len(records)
    assert memory_store.insert_imported(records, "cake.ndjson") == 0
    keys = [d["key"] for d in memory_store.drawings()]
    assert len(set(keys)) == len(records)


def test_import_is_all_or_nothing_when_the_source_fails(memory_store, monkeypatch):
    monkeypatch.setattr(store_module, "IMPORT_BATCH", 3)  # several batches run before the failure

    def broken_file():
        for number in range(10):
            yield google_record(str(number))
        raise OSError("disk unplugged while reading")

    before = row_counts(memory_store)
    with pytest.raises(OSError, match="unplugged"):
        memory_store.insert_imported(broken_file(), "broken.ndjson")
    assert row_counts(memory_store) == before
    for broken in ([[1, 2], [3]], [[10**400, 2], [3, 4]]):
        bad = [google_record("a"), google_record("b"), {"word": "cat", "drawing": [broken]}]
        with pytest.raises(ValueError, match="record 3"):
            memory_store.insert_imported(bad, "bad.ndjson")
    assert row_counts(memory_store) == before


def test_plain_int_fast_path_agrees_with_as_arrays_path():
    records = sample_records("The Eiffel Tower.ndjson") + sample_records("cat.ndjson")
    timed = [[[0, 5, 9], [1, 1, 2], [0, 15, 31]], [[-3], [4], [50]]]
    for drawing in [r["drawing"] for r in records] + [timed, []]:
        fast = store_codec.encode_drawing(drawing)
        slow = store_codec.encode_drawing([np.array(s) for s in drawing])
        assert fast == slow
    assert store_codec.encode_drawing(timed) == ("[[[0,5,9],[1,1,2],[0,15,31]],[[-3],[4],[50]]]", 50)
    for sneaky in ([[[1, 2], [3, [4]]]], [[[1, 2], [3, True]]], [[[10**20, 2], [3, 4]]]):
        assert store_codec._plain_int_json(sneaky) is None


# ---- closed ------------------------------------------------------------------------------------

def test_closed_store_raises_store_error(tmp_path):
    with Store(tmp_path / "p.db") as store:
        pass
    with pytest.raises(StoreError):
        store.count_drawings()

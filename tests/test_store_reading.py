"""Tests for what the store gives back and takes away once drawings are in it, the Store's base classes:
reading (model/store/reading.py: filters, counts, totals, random drawings, the integrity check),
erasing (erasing.py: forget, purge; that an erasure is finished in the files: test_erasure.py) and
the models table (models_table.py). Saving and importing: test_store.py."""

from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest

from store_fixtures import CAT, GUESSES, google_record, save


# ---- reading -----------------------------------------------------------------------------------

def test_drawings_filters_counts_and_totals(memory_store):
    first, second = memory_store.start_session(), memory_store.start_session()
    ids = [save(memory_store, first, word="cat", duration_ms=1000),
           save(memory_store, first, word="dog", recognized=False, guessed_at_ms=None, duration_ms=2500),
           save(memory_store, second, word="cat", duration_ms=4000)]
    assert [d["id"] for d in memory_store.drawings()] == ids
    assert [d["id"] for d in memory_store.drawings(word="cat")] == [ids[0], ids[2]]
    assert [d["id"] for d in memory_store.drawings(limit=2)] == ids[:2]
    assert [d["id"] for d in memory_store.drawings(session_id=second.id)] == [ids[2]]
    assert [d["id"] for d in memory_store.drawings(session_id=first)] == ids[:2]
    memory_store.db.execute("UPDATE drawings SET created_at = '2020-01-01T00:00:00.000+00:00' WHERE id = ?",
                            [ids[0]])
    assert [d["id"] for d in memory_store.drawings(since="2021-01-01")] == ids[1:]
    assert [d["id"] for d in memory_store.drawings(since=datetime(2019, 1, 1))] == ids
    assert (memory_store.count_drawings(), memory_store.count_drawings("cat"),
            memory_store.count_drawings("owl")) == (3, 2, 0)
    assert memory_store.totals() == {"drawings": 3, "seconds": 7.5, "recognized": 2, "sessions": 2}
    assert memory_store.totals(first) == {"drawings": 2, "seconds": 3.5, "recognized": 1, "sessions": 1}
    assert memory_store.totals(second.id)["seconds"] == 4.0


def test_totals_can_leave_imported_drawings_out(memory_store):
    save(memory_store, memory_store.start_session(), duration_ms=2000)
    memory_store.insert_imported([google_record("1"), google_record("2")], "cat.ndjson")
    assert memory_store.totals()["drawings"] == 3
    assert memory_store.totals(source="game") == {"drawings": 1, "seconds": 2.0, "recognized": 1, "sessions": 1}
    assert memory_store.totals(source="import") == {"drawings": 2, "seconds": 0.0, "recognized": 2, "sessions": 1}
    with pytest.raises(ValueError):
        memory_store.totals(source="google")


def test_random_drawings(memory_store):
    player, others = memory_store.start_session(), memory_store.start_session()
    mine = {save(memory_store, player) for _ in range(3)}
    theirs = {save(memory_store, others) for _ in range(5)}
    save(memory_store, others, word="dog")
    picked = memory_store.random_drawings("cat", 4, exclude_session=player)
    assert len(picked) == 4 and {d["id"] for d in picked} <= theirs
    assert all(d["word"] == "cat" and d["drawing"] == CAT for d in picked)
    assert {d["id"] for d in memory_store.random_drawings("cat", 50)} == mine | theirs
    assert {d["id"] for d in memory_store.random_drawings("cat", 50, exclude_session=others.id)} == mine
    assert memory_store.random_drawings("owl", 3) == []
    # A game's own rounds, by key, before its session's id is known: still n of the others.
    rows = memory_store.random_drawings("cat", 50)
    own = [row["key"] for row in rows if row["id"] in mine]
    picked = memory_store.random_drawings("cat", 5, exclude_keys=[*own, None])
    assert {d["id"] for d in picked} == theirs


def test_integrity_check_reports_dangling_rows(memory_store):
    save(memory_store, memory_store.start_session())
    assert memory_store.integrity_check() == "ok"
    memory_store.db.execute("PRAGMA foreign_keys = OFF")
    memory_store.db.execute("DELETE FROM sessions")
    assert "missing sessions row" in memory_store.integrity_check()


# ---- erasing -----------------------------------------------------------------------------------

def test_forget_erases_one_session_entirely(memory_store):
    gone, kept = memory_store.start_session(), memory_store.start_session()
    for _ in range(3):
        save(memory_store, gone)
    kept_id = save(memory_store, kept)
    typed = gone.code.replace("-", "").lower()
    assert memory_store.forget(typed) == 3
    assert memory_store.db.execute("SELECT count(*) FROM sessions WHERE code = ?", [gone.code]).fetchone()[0] == 0
    assert [d["id"] for d in memory_store.drawings()] == [kept_id]
    assert memory_store.db["guesses"].count == len(GUESSES)  # only the kept drawing's
    assert memory_store.forget(gone.code) == 0
    assert memory_store.forget("ZZZ-ZZZZ") == 0
    assert memory_store.forget("hello") == 0
    assert memory_store.forget(f" {kept.code.lower()} ") == 1


def test_forget_leaves_no_trace_in_the_files(file_store):
    session = file_store.start_session()
    for _ in range(20):
        save(file_store, session, word="zebra-secret-word")
    save(file_store, file_store.start_session(), word="cat")
    assert file_store.forget(session.code) == 20
    assert file_store.db["erasures"].count == 21  # tombstones: 20 drawing keys and a hash of the code
    for path in (file_store.path, Path(f"{file_store.path}-wal")):
        data = path.read_bytes() if path.exists() else b""
        assert b"zebra-secret-word" not in data and session.code.encode() not in data


def test_purge_older_than_erases_old_player_drawings_only(memory_store):
    old, recent = memory_store.start_session(), memory_store.start_session()
    old_ids = [save(memory_store, old) for _ in range(2)]
    mixed_old = save(memory_store, recent)
    recent_id = save(memory_store, recent)
    memory_store.insert_imported([google_record("1"), google_record("2")], "cat.ndjson")  # from 2017
    long_ago = (datetime.now(timezone.utc) - timedelta(days=40)).isoformat(timespec="milliseconds")
    memory_store.db.execute("UPDATE sessions SET started_at = ? WHERE id IN (?, ?)", [long_ago, old.id, recent.id])
    memory_store.db.execute("UPDATE drawings SET created_at = ? WHERE id IN (?, ?, ?)", [long_ago, *old_ids, mixed_old])
    assert memory_store.purge_older_than(30) == 3
    assert {d["id"] for d in memory_store.drawings(session_id=recent)} == {recent_id}
    assert memory_store.count_drawings() == 3  # recent_id plus the two imported
    sessions = {row["id"] for row in memory_store.db["sessions"].rows}
    assert old.id not in sessions and recent.id in sessions
    assert memory_store.purge_older_than(30) == 0
    with pytest.raises(ValueError):
        memory_store.purge_older_than(-1)


# ---- models ------------------------------------------------------------------------------------

def test_models_are_recorded_oldest_first_and_swapped(memory_store):
    assert memory_store.models() == [] and memory_store.active_model() is None
    memory_store.record_model("v2", "runs/v2.pt", 2000, {"top1": 0.8}, player_examples=12,
                              trained_at="2025-02-01T10:00:00Z")
    memory_store.record_model("v1", "runs/v1.pt", 1000, {"top1": 0.7}, trained_at=datetime(2025, 1, 1))
    models = memory_store.models()
    assert [m["version"] for m in models] == ["v1", "v2"]
    assert models[1]["metrics"] == {"top1": 0.8} and models[1]["player_examples"] == 12
    assert memory_store.active_model()["version"] == "v1"
    memory_store.record_model("v3", "runs/v3.pt", 3000, {"top1": np.float32(0.5)}, active=False)
    assert memory_store.models()[2]["metrics"] == {"top1": 0.5}
    assert memory_store.active_model()["version"] == "v1"
    memory_store.record_model("v2", "runs/v2.pt", 2000, {"top1": 0.8})  # the kiosk swaps back
    assert [m["version"] for m in memory_store.models() if m["active"]] == ["v2"]
    assert memory_store.models()[1]["trained_at"] == "2025-02-01T10:00:00.000+00:00"
    assert len(memory_store.models()) == 3
    with pytest.raises(ValueError, match="metrics"):
        memory_store.record_model("v4", "runs/v4.pt", 1, {"when": datetime(2025, 1, 1)})

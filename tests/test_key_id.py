"""Google-style key_ids (issue 15, item 3): every stored drawing has one, a 64-bit unsigned integer
written as digits; old databases get theirs from a migration, the same in every copy, so merges and
erasures still match."""
import shutil
import uuid

from sqlite_utils import Database

from model import export
from model.quickdraw import formats
from model.quickdraw.records import KEY_ID_LIMIT, google_key_id
from model.store import Store, merge
from model.store.schema import MIGRATIONS

CAT = [[[10, 40, 90], [20, 60, 20], [0, 30, 70]]]


def is_key_id(text) -> bool:
    return isinstance(text, str) and text.isdecimal() and text[0] != "0" and 0 < int(text) < KEY_ID_LIMIT


def test_a_key_id_is_googles_own_or_a_fixed_function_of_the_key():
    assert google_key_id("5861098521624576") == "5861098521624576"  # Google's, kept
    assert google_key_id(str(KEY_ID_LIMIT - 1)) == str(KEY_ID_LIMIT - 1)
    # Pinned: changing the derivation would give the drawings of already upgraded databases other ids.
    assert google_key_id("0f8fad5bd9cb469fa16570867728950e") == "14319242676764100476"
    for key in ("0f8fad5bd9cb469fa16570867728950e", "sha256:" + "ab" * 16, str(KEY_ID_LIMIT), "0", "007",
                "-5", "1e9", "٣", "x" * 10_000, "9" * 5000):
        derived = google_key_id(key)
        assert is_key_id(derived) and derived == google_key_id(key) and derived != key, key
    keys = [uuid.uuid4().hex for _ in range(2000)]
    assert len({google_key_id(key) for key in keys}) == 2000


def test_every_drawing_is_stored_with_a_key_id(tmp_path):
    with Store(tmp_path / "p.db") as store:
        session = store.start_session()
        store.save_drawing(session, "cat", CAT, True, 30, 700)
        store.save_drawing(session, "cat", CAT, False, None, 700, key="round-2")
        store.insert_imported([{"word": "cat", "drawing": [[[0, 9], [3, 4]]], "key_id": "5861098521624576"},
                               {"word": "cat", "drawing": [[[0, 9], [3, 5]]]}], "cat.ndjson")
        rows = list(store.drawings())
    assert len(rows) == 4 and all(is_key_id(row["key_id"]) for row in rows)
    assert [row["key_id"] for row in rows] == [google_key_id(row["key"]) for row in rows]
    assert rows[2]["key_id"] == "5861098521624576"


def old_database(path, keys):
    """A database of the schema before key_ids, with a game session holding drawings of `keys`."""
    db = Database(path)
    MIGRATIONS.apply(db, stop_before="m004_key_ids")
    db.execute("INSERT INTO sessions (code, started_at, locale, consent, source) "
               "VALUES ('ABC-DEFG', '2024-01-01T00:00:00.000+00:00', 'en', 1, 'game')")
    for key in keys:
        db.execute("INSERT INTO drawings (key, session_id, word, drawing, recognized, duration_ms, created_at) "
                   "VALUES (?, 1, 'cat', '[[[1,2],[3,4]]]', 1, 700, '2024-01-01T00:00:01.000+00:00')", [key])
    db.conn.commit()
    db.close()


def test_the_migration_gives_old_drawings_the_same_key_ids_in_every_copy(tmp_path):
    keys = [uuid.uuid4().hex for _ in range(5)]
    old_database(tmp_path / "kiosk.db", keys)
    shutil.copy(tmp_path / "kiosk.db", tmp_path / "backup.db")
    with Store(tmp_path / "kiosk.db") as kiosk:
        upgraded = {row["key"]: row["key_id"] for row in kiosk.drawings()}
        session = kiosk.start_session()
        kiosk.save_drawing(session, "dog", CAT, True, 30, 700)
    assert sorted(upgraded) == sorted(keys) and all(is_key_id(v) for v in upgraded.values())
    assert upgraded == {key: google_key_id(key) for key in keys}
    # The backup, upgraded on its own later, then both merged: the same ids, nothing twice.
    merge.merge(tmp_path / "all.db", [tmp_path / "backup.db", tmp_path / "kiosk.db"])
    with Store(tmp_path / "all.db") as merged:
        rows = list(merged.drawings())
        assert len(rows) == 6 and {row["key"]: row["key_id"] for row in rows if row["word"] == "cat"} == upgraded
        assert all(is_key_id(row["key_id"]) for row in rows)
        assert merged.forget("ABC-DEFG") == 5
    # The erasure travels to a copy that still holds the session, by key as before.
    merge.merge(tmp_path / "backup.db", [tmp_path / "all.db"])
    with Store(tmp_path / "backup.db") as backup:
        assert backup.count_drawings("cat") == 0 and backup.count_drawings("dog") == 1


def test_exports_and_conversions_carry_the_stored_key_id(tmp_path):
    old_database(tmp_path / "old.db", ["0f8fad5bd9cb469fa16570867728950e"])
    export.export([tmp_path / "old.db"], tmp_path / "out", export.ExportSettings(formats=("raw",)))
    (record,) = formats.read_drawings(tmp_path / "out" / "raw" / "cat.ndjson")
    assert record["key_id"] == "14319242676764100476"
    with Store(tmp_path / "old.db") as store:
        assert [row["key_id"] for row in store.drawings()] == ["14319242676764100476"]
